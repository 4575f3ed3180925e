/**
 * The engine's cost on the honest path and in a dispute, measured side by side in one process:
 * plain onnxruntime inference; the verifiable path of a job (plain inference + the output
 * commitment); the full trace (traced session + the commitment of every value and every execution
 * state root S_0..S_n); model load (decode, profile, sessions, the load-time probe through plain,
 * traced and reference paths); and the process's peak RSS. Kinds of run alternate
 * round by round, so machine noise hits them alike.
 */
import { readFileSync, existsSync } from "node:fs";
import { resolve } from "node:path";
import { commitModel } from "../offchain/engine/commit/model-commit.js";
import { executionStates } from "../offchain/engine/commit/states.js";
import { hashBackend, restoreHashBackend, useHashBackend, type HashBackendChoice } from "../offchain/engine/commit/sha256-native.js";
import { commitTensor, commitTensorList } from "../offchain/engine/commit/tensor-commitment.js";
import { loadEngineModel, selfCheck, type EngineModel } from "../offchain/engine/exec/engine.js";
import { releaseAllSessions } from "../offchain/engine/exec/ort.js";
import { encodeModel } from "../offchain/engine/onnx/encode.js";
import { decodeTensor } from "../offchain/engine/onnx/tensor-proto.js";
import { DType, type Tensor } from "../offchain/engine/tensor.js";
import { quantizedCnn, quantizedMlp, type QuantizedModel } from "../test/engine/support/quantized-models.js";
import type { BenchSection } from "./run.js";

const RUNS = 1000;
/** Wall-time budget of the measured rounds of one model; the 10^7 models get fewer rounds. */
const BUDGET_MS = 15_000;
const TRACE_BUDGET_MS = 6_000;
const MIN_RUNS = 30;

interface Stats {
  readonly median: number;
  readonly p10: number;
  readonly p90: number;
}

function stats(samples: number[]): Stats {
  const s = [...samples].sort((a, b) => a - b);
  const at = (q: number): number => s[Math.min(s.length - 1, Math.floor(q * s.length))]!;
  return { median: at(0.5), p10: at(0.1), p90: at(0.9) };
}

let rssPeak = 0;
const sampleRss = (): void => {
  rssPeak = Math.max(rssPeak, process.memoryUsage().rss);
};

function seededInput(shape: number[], seed: number): Tensor {
  const n = shape.reduce((p, d) => p * d, 1);
  const data = new Float32Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    data[i] = s / 2 ** 32;
  }
  return { dtype: DType.FLOAT, shape, data };
}

interface Row {
  readonly name: string;
  readonly parameters: number;
  readonly macs: number | undefined;
  readonly loadMs: number;
  readonly commitModelMs: number | undefined;
  readonly backend: string;
  readonly runs: number;
  readonly traceRuns: number;
  readonly plain: Stats;
  readonly verifiable: Stats | undefined;
  readonly traced: Stats | undefined;
  readonly trace: Stats | undefined;
  /** The same two on the JS batch hasher, when the fastest backend is native. */
  readonly verifiableJs: Stats | undefined;
  readonly traceJs: Stats | undefined;
  readonly peakRssMb: number;
}

async function measure(name: string, bytes: Uint8Array, input: Tensor, meta: { parameters: number; macs?: number; verifiable: boolean }): Promise<Row> {
  await releaseAllSessions();
  rssPeak = 0;
  sampleRss();
  const m: EngineModel = await loadEngineModel(bytes, { verifiable: meta.verifiable });
  sampleRss();
  let commitment: ReturnType<typeof commitModel> | undefined;
  let commitModelMs: number | undefined;
  if (meta.verifiable) {
    const t0 = performance.now();
    commitment = commitModel(m.model);
    commitModelMs = performance.now() - t0;
  }
  const feeds = [input];
  // The commitments run on a given backend: the fastest (the engine's default), and the JS batch
  // hasher beside it when the fastest is native; only the commitment part is switched.
  const on = async (b: HashBackendChoice, f: () => unknown): Promise<void> => {
    if (b === FASTEST) return void f(); // the engine's default backend: nothing to switch
    const previous = useHashBackend(b);
    try {
      f();
    } finally {
      restoreHashBackend(previous);
    }
  };
  const plain = async (): Promise<void> => void (await m.run(feeds));
  const verifiableOn = (b: HashBackendChoice) => async (): Promise<void> => {
    const out = await m.run(feeds);
    await on(b, () => commitTensorList([...out.values()].map(commitTensor)));
  };
  const tracedSession = async (): Promise<void> => void (await m.trace(feeds));
  const traceOn = (b: HashBackendChoice) => async (): Promise<void> => {
    const values = await m.trace(feeds);
    await on(b, () => executionStates(commitment!, values));
  };
  // Plain and verifiable alternate (>= 1,000 rounds within the budget); the two trace kinds
  // alternate in a second loop with a smaller budget of their own.
  const samples = new Map<string, number[]>();
  const loop = async (kinds: [string, () => Promise<void>][], budgetMs: number, maxRuns: number): Promise<number> => {
    const t0 = performance.now();
    for (let i = 0; i < 5; i++) for (const [, f] of kinds) await f(); // warm-up and estimate
    const roundMs = (performance.now() - t0) / 5;
    const runs = Math.max(MIN_RUNS, Math.min(maxRuns, Math.floor(budgetMs / roundMs)));
    for (const [k] of kinds) samples.set(k, []);
    for (let r = 0; r < runs; r++) {
      for (let j = 0; j < kinds.length; j++) {
        const [k, f] = kinds[(r + j) % kinds.length]!; // rotate which kind goes first
        const s = performance.now();
        await f();
        samples.get(k)!.push(performance.now() - s);
      }
      if (r % 16 === 0) sampleRss();
    }
    return runs;
  };
  const compareJs = FASTEST !== "js";
  const runs = await loop(
    meta.verifiable
      ? [["plain", plain], ["verifiable", verifiableOn(FASTEST)], ...(compareJs ? [["verifiableJs", verifiableOn("js")] as [string, () => Promise<void>]] : [])]
      : [["plain", plain]],
    BUDGET_MS,
    RUNS,
  );
  const traceRuns = meta.verifiable
    ? await loop([["traced", tracedSession], ["trace", traceOn(FASTEST)], ...(compareJs ? [["traceJs", traceOn("js")] as [string, () => Promise<void>]] : [])], TRACE_BUDGET_MS, RUNS)
    : 0;
  sampleRss();
  const row: Row = {
    name,
    parameters: meta.parameters,
    macs: meta.macs,
    loadMs: m.loadMs,
    commitModelMs,
    backend: m.backend,
    runs,
    traceRuns,
    plain: stats(samples.get("plain")!),
    verifiable: meta.verifiable ? stats(samples.get("verifiable")!) : undefined,
    traced: meta.verifiable ? stats(samples.get("traced")!) : undefined,
    trace: meta.verifiable ? stats(samples.get("trace")!) : undefined,
    verifiableJs: meta.verifiable && compareJs ? stats(samples.get("verifiableJs")!) : undefined,
    traceJs: meta.verifiable && compareJs ? stats(samples.get("traceJs")!) : undefined,
    peakRssMb: rssPeak / 2 ** 20,
  };
  process.stderr.write(`bench:   ${name}: ${runs} rounds, plain ${fmtMs(row.plain.median)}, load ${row.loadMs.toFixed(0)} ms\n`);
  return row;
}

/** The engine's default tree hasher, the fastest available: the native addon when it is built (and not forced off), else JS. */
const FASTEST: HashBackendChoice = hashBackend().native ? "native" : "js";

function fmtMs(ms: number): string {
  return ms < 1 ? `${(ms * 1000).toFixed(0)} µs` : `${ms.toFixed(ms < 10 ? 2 : 1)} ms`;
}
const spread = (s: Stats): string => `${fmtMs(s.median)} (${fmtMs(s.p10)}–${fmtMs(s.p90)})`;
const sci = (n: number): string => (n < 1e4 ? String(n) : `${(n / 10 ** Math.floor(Math.log10(n))).toFixed(2)}e${Math.floor(Math.log10(n))}`);

export async function engineBenchmark(): Promise<BenchSection> {
  const check = await selfCheck({ refresh: true });
  const rows: Row[] = [];

  const mnist = resolve(process.env.VERINFER_SHARED ?? "../shared", "models/mnist-8");
  let mnistNote = "";
  if (existsSync(mnist)) {
    const input = decodeTensor(readFileSync(resolve(mnist, "test_data_set_0/input_0.pb"))).tensor;
    const bytes = readFileSync(resolve(mnist, "model.onnx"));
    rows.push(await measure("mnist-8 (float, unverifiable)", bytes, input, { parameters: 5998, verifiable: false }));
  } else {
    mnistNote = `\nmnist-8 skipped: not found at ${mnist} (set VERINFER_SHARED).\n`;
  }

  const generated: [string, QuantizedModel][] = [
    ["MLP 784-12-12-10", quantizedMlp([784, 12, 12, 10], 11)],
    ["MLP 784-120-120-10", quantizedMlp([784, 120, 120, 10], 12)],
    ["MLP 784-700-700-10", quantizedMlp([784, 700, 700, 10], 13)],
    ["MLP 784-2780-2780-10", quantizedMlp([784, 2780, 2780, 10], 14)],
    ["CNN 8/24", quantizedCnn(8, 24, 21)],
    ["CNN 16/90", quantizedCnn(16, 90, 22)],
    ["CNN 32/310", quantizedCnn(32, 310, 23)],
    ["CNN 64/1015", quantizedCnn(64, 1015, 24)],
  ];
  for (const [name, q] of generated) {
    const shape = q.model.graph.inputs[0]!.shape as number[];
    rows.push(await measure(name, encodeModel(q.model), seededInput(shape, 7), { parameters: q.parameters, macs: q.macs, verifiable: true }));
  }
  await releaseAllSessions();

  const hasher = hashBackend().name;
  const ratioOf = (a: Stats | undefined, b: Stats): string => (a ? `${(a.median / b.median).toFixed(2)}x` : "–");
  const table = [
    "| model | parameters | MACs | backend | load | commitModel | plain | verifiable | traced session | trace | verifiable / plain | trace / plain | verifiable / plain (JS hasher) | trace / plain (JS hasher) | rounds (plain+verifiable / trace) | peak RSS |",
    "| --- | ---: | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ...rows.map((r) =>
      [
        r.name,
        sci(r.parameters),
        r.macs === undefined ? "" : sci(r.macs),
        r.backend,
        fmtMs(r.loadMs),
        r.commitModelMs === undefined ? "–" : fmtMs(r.commitModelMs),
        spread(r.plain),
        r.verifiable ? spread(r.verifiable) : "–",
        r.traced ? spread(r.traced) : "–",
        r.trace ? spread(r.trace) : "–",
        ratioOf(r.verifiable, r.plain),
        ratioOf(r.trace, r.plain),
        ratioOf(r.verifiableJs, r.plain),
        ratioOf(r.traceJs, r.plain),
        r.verifiable ? `${r.runs} / ${r.traceRuns}` : String(r.runs),
        `${r.peakRssMb.toFixed(0)} MB`,
      ].join(" | "),
    ).map((l) => `| ${l} |`),
  ].join("\n");

  const fewer = rows.filter((r) => r.runs < RUNS).map((r) => `${r.name} (${r.runs})`);
  const fewerTraces = rows.filter((r) => r.verifiable && r.traceRuns < RUNS).map((r) => `${r.name} (${r.traceRuns})`);
  const hasherNote =
    FASTEST === "native"
      ? `Commitments on the fastest tree hasher available, **${hasher}** (the native addon, native/sha256); the JS batch hasher's ratios beside them come from the same alternating loops (its verifiable and trace runs are a third kind in each).`
      : `Commitments on the **JS batch hasher: the native addon is not built here** (${hashBackend().warning ?? "forced off by VERINFER_HASH=js"}), so there is nothing to compare it with.`;
  const markdown = `
${hasherNote}

Batch-1 inference through the engine (\`loadEngineModel\`; onnxruntime-node 1.30, graphOptimizationLevel "all",
default threads). Each cell: median (p10–p90) over the rounds; plain and verifiable runs alternate round by round
(the first kind rotating) for up to ${RUNS} rounds within a ${BUDGET_MS / 1000} s budget per model; then traced-session and trace
runs alternate the same way within ${TRACE_BUDGET_MS / 1000} s (so trace / plain compares medians of two loops). **plain**: \`run()\` (plain session). **verifiable**: the job's path,
\`run()\` + \`commitTensorList([commitTensor(output)])\`. **trace**: the dispute path, \`trace()\` (traced
session, every intermediate a graph output) + \`executionStates\` (the commitment of every value and every
state root S_0..S_n); **traced session** is \`trace()\` alone, so trace minus it is the cost of the
commitments (SHA-256 of every tree node: offchain/engine/commit/sha256-batch.ts, one call per tree level; see the tree-hashing section). **load**: decode, profile check, both sessions, and the load-time probe (three probe
inputs through plain, traced and reference paths, bit-compared); the process-wide start-up self-check
(${check.cases.length} cases, ${check.ok ? "all agreeing" : `DRIFT in ${check.driftingOps.join(", ")}`}) took ${fmtMs(check.milliseconds)} and is not included. **commitModel**: the model id
and initial value table, once per model. **peak RSS**: the process's resident-set high-water during that
model (sampled), which includes everything loaded before it.

Generated models (seeded 7-bit weights, the profile's int32 bound respected, all verifiable): MLPs are
QuantizeLinear -> QGemm layers -> DequantizeLinear; CNNs are [1,1,28,28] -> QuantizeLinear ->
QLinearConv(1->a) -> MaxPool -> QLinearConv(a->c) -> MaxPool -> QLinearConv(c->c, stride 2) -> Reshape ->
QGemm -> DequantizeLinear ("CNN a/c"). mnist-8 is the float ONNX Model Zoo model, outside the profile:
plain onnxruntime only.
${fewer.length > 0 ? `\nFewer than ${RUNS} plain/verifiable rounds (the budget): ${fewer.join(", ")}.` : ""}
${fewerTraces.length > 0 ? `Fewer than ${RUNS} trace rounds (the budget): ${fewerTraces.join(", ")}.\n` : ""}${mnistNote}
${table}
`;
  return { title: "Engine (inference, commitments, trace)", markdown };
}
