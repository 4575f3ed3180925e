/**
 * `npm run bench`: runs every benchmark in bench/ and rewrites BENCHMARKS.md with the figures,
 * the machine and the date. Benchmarks measure; tests never assert timings or gas.
 * `npx tsx bench/run.ts engine hash` runs only the named ones and prints their sections to stdout,
 * leaving BENCHMARKS.md alone (a full rewrite needs the full run).
 */
import { writeFileSync } from "node:fs";
import { cpus, totalmem, platform, arch } from "node:os";
import { gasBenchmark } from "./gas.bench.js";
import { quantizeBenchmark } from "./quantize.bench.js";
import { engineBenchmark } from "./engine.bench.js";
import { hashBenchmark } from "./hash.bench.js";
import { disputeBenchmark } from "./dispute.bench.js";
import { nodesBenchmark } from "./nodes.bench.js";

export interface BenchSection {
  readonly title: string;
  readonly markdown: string;
}

const benches: readonly { name: string; run: () => Promise<BenchSection> }[] = [
  { name: "gas", run: gasBenchmark },
  { name: "engine", run: engineBenchmark },
  { name: "hash", run: hashBenchmark },
  { name: "quantize", run: quantizeBenchmark },
  { name: "dispute", run: disputeBenchmark },
  { name: "nodes", run: nodesBenchmark },
];

const only = process.argv.slice(2);
if (only.includes("--help")) {
  process.stdout.write(`usage: npx tsx bench/run.ts [${benches.map((b) => b.name).join(" | ")} ...]\n  no names: every benchmark, BENCHMARKS.md rewritten; names: those only, printed to stdout\n`);
  process.exit(0);
}
const unknown = only.filter((n) => !benches.some((b) => b.name === n));
if (unknown.length > 0) {
  process.stderr.write(`bench: unknown benchmark ${unknown.join(", ")}; known: ${benches.map((b) => b.name).join(", ")}\n`);
  process.exit(2);
}

const started = Date.now();
const sections: BenchSection[] = [];
for (const b of only.length > 0 ? benches.filter((x) => only.includes(x.name)) : benches) {
  process.stderr.write(`bench: ${b.name}...\n`);
  const t0 = Date.now();
  sections.push(await b.run());
  process.stderr.write(`bench: ${b.name} done in ${((Date.now() - t0) / 1000).toFixed(1)} s\n`);
}

if (only.length > 0) {
  process.stdout.write(sections.map((s) => `\n## ${s.title}\n\n${s.markdown.trim()}\n`).join(""));
  process.exit(0);
}

const cpu = cpus();
const header = [
  "# Benchmarks",
  "",
  "Written by `npm run bench`; do not edit by hand. Figures from one run on the machine below;",
  "these machines are shared and noisy, so compare ratios measured side by side in the same run.",
  "",
  `- date: ${new Date().toISOString()}`,
  `- machine: ${cpu[0]?.model ?? "unknown CPU"}, ${cpu.length} cores, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, ${platform()}-${arch()}`,
  `- Node ${process.versions.node}; total bench time ${((Date.now() - started) / 1000).toFixed(1)} s`,
  "",
].join("\n");
writeFileSync("BENCHMARKS.md", header + sections.map((s) => `\n## ${s.title}\n\n${s.markdown.trim()}\n`).join(""));
process.stderr.write("bench: wrote BENCHMARKS.md\n");
process.exit(0);
