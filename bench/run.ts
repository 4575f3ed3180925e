/**
 * `npm run bench`: runs every benchmark in bench/ and rewrites BENCHMARKS.md with the figures,
 * the machine and the date. Benchmarks measure; tests never assert timings or gas.
 * `npx tsx bench/run.ts engine hash` runs only the named ones and replaces their sections in
 * BENCHMARKS.md, each marked as rerun alone with its date; `--stdout` prints them instead.
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

const args = process.argv.slice(2);
const toStdout = args.includes("--stdout");
const only = args.filter((a) => !a.startsWith("--"));
if (args.includes("--help")) {
  process.stdout.write(
    `usage: npx tsx bench/run.ts [--stdout] [${benches.map((b) => b.name).join(" | ")} ...]\n` +
      "  no names: every benchmark, BENCHMARKS.md rewritten; names: those only, their sections replaced\n" +
      "  in BENCHMARKS.md (marked as rerun alone); --stdout: print the sections, leave BENCHMARKS.md alone\n",
  );
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

if (only.length > 0 && toStdout) {
  process.stdout.write(sections.map((s) => `\n## ${s.title}\n\n${s.markdown.trim()}\n`).join(""));
  process.exit(0);
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
