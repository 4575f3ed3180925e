/**
 * `npm run bench`: runs every benchmark in bench/ and rewrites BENCHMARKS.md with the figures,
 * the machine and the date. Benchmarks measure; tests never assert timings or gas.
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
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

/** `tsx bench/run.ts dispute ...`: reruns only the named benchmarks and replaces their sections. */
const only = process.argv.slice(2);
const started = Date.now();
const sections: BenchSection[] = [];
for (const b of benches.filter((x) => only.length === 0 || only.includes(x.name))) {
  process.stderr.write(`bench: ${b.name}...\n`);
  const t0 = Date.now();
  sections.push(await b.run());
  process.stderr.write(`bench: ${b.name} done in ${((Date.now() - t0) / 1000).toFixed(1)} s\n`);
}

if (only.length > 0 && existsSync("BENCHMARKS.md")) {
  let text = readFileSync("BENCHMARKS.md", "utf8");
  for (const sec of sections) {
    const at = text.indexOf(`\n## ${sec.title}\n`);
    if (at < 0) throw new Error(`BENCHMARKS.md has no section "${sec.title}"`);
    const next = text.indexOf("\n## ", at + 4);
    const body = `\n## ${sec.title}\n\n_Rerun alone on ${new Date().toISOString()} (\`tsx bench/run.ts ${only.join(" ")}\`)._\n\n${sec.markdown.trim()}\n`;
    text = text.slice(0, at) + body + (next < 0 ? "" : text.slice(next));
  }
  writeFileSync("BENCHMARKS.md", text);
  process.stderr.write(`bench: replaced ${sections.map((x) => x.title).join(", ")} in BENCHMARKS.md\n`);
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
