/**
 * Tree hashing: the native addon (native/sha256: SHA-NI and portable C kernels), the JS batch
 * SHA-256 of offchain/engine/commit/sha256-batch.ts and node:crypto, side by side in one process
 * on the same inputs, kinds alternating round by round (the first kind rotating), medians over
 * the rounds. Per tree node (a 65-byte message): createHash, the one-shot crypto.hash, the JS
 * hashPairsLevel and each native kernel. commitBytes at four sizes and executionStates on the
 * generated CNNs: on the native backend, on the JS batch backend, and with the tree hashed one
 * node:crypto createHash call per node (the code before sha256-batch, kept here as the reference).
 */
import { createHash, hash as cryptoHash } from "node:crypto";
import { commitModel, type ModelCommitment } from "../offchain/engine/commit/model-commit.js";
import { executionStates } from "../offchain/engine/commit/states.js";
import { Tag, taggedHash, toHex, type Hex32 } from "../offchain/engine/commit/hash.js";
import { hashPairsLevelJs } from "../offchain/engine/commit/sha256-batch.js";
import { hashBackend, nativeAddon, restoreHashBackend, useHashBackend, type HashBackendChoice } from "../offchain/engine/commit/sha256-native.js";
import { commitBytes, commitTensorList, leafChunk, leafCount, treeDepth, ZERO_SUBTREE } from "../offchain/engine/commit/tensor-commitment.js";
import { encodeTensorType } from "../offchain/engine/commit/tensor-type.js";
import { wordTreeShape } from "../offchain/engine/commit/word-tree.js";
import { runReference } from "../offchain/engine/exec/reference.js";
import { DType, tensorBytes, type Tensor } from "../offchain/engine/tensor.js";
import { quantizedCnn } from "../test/engine/support/quantized-models.js";
import type { BenchSection } from "./run.js";

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

/** Alternates the kinds for `rounds` rounds after `warmup` unmeasured ones; ms per call. */
function alternate(kinds: readonly [string, () => unknown][], rounds: number, warmup = 3): Map<string, Stats> {
  for (let r = 0; r < warmup; r++) for (const [, f] of kinds) f();
  const samples = new Map<string, number[]>(kinds.map(([k]) => [k, []]));
  for (let r = 0; r < rounds; r++) {
    for (let j = 0; j < kinds.length; j++) {
      const [k, f] = kinds[(r + j) % kinds.length]!;
      const t0 = performance.now();
      f();
      samples.get(k)!.push(performance.now() - t0);
    }
  }
  return new Map([...samples].map(([k, s]) => [k, stats(s)]));
}

/** Rounds for a budget, from one timed call of the slowest kind. */
function roundsFor(kinds: readonly [string, () => unknown][], budgetMs: number, min: number, max: number): number {
  const t0 = performance.now();
  for (const [, f] of kinds) f();
  return Math.max(min, Math.min(max, Math.floor(budgetMs / Math.max(1e-3, performance.now() - t0))));
}

function seededBytes(n: number, seed: number): Uint8Array {
  const out = new Uint8Array(n);
  let x = seed >>> 0;
  for (let i = 0; i < n; i++) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    out[i] = x >>> 24;
  }
  return out;
}

/** The tensor tree as committed before sha256-batch: one createHash per node. */
function perNodeRoot(bytes: Uint8Array): Buffer {
  const depth = treeDepth(bytes.length);
  let level: Uint8Array[] = Array.from({ length: Math.max(1, leafCount(bytes.length)) }, (_, i) => leafChunk(bytes, i));
  for (let d = 0; d < depth; d++) {
    const tag = d === 0 ? Tag.TENSOR_LEAF : Tag.TENSOR_NODE;
    const next: Uint8Array[] = new Array(Math.ceil(level.length / 2));
    for (let i = 0; i < next.length; i++) next[i] = taggedHash(tag, level[2 * i]!, level[2 * i + 1] ?? ZERO_SUBTREE[d]!);
    level = next;
  }
  return Buffer.from(level[0]!);
}
const perNodeCommit = (t: Tensor): Hex32 => toHex(taggedHash(Tag.TENSOR, encodeTensorType(t.dtype, t.shape), perNodeRoot(tensorBytes(t))));

/** The WordTree before sha256-batch (a Buffer per word, one createHash per node), for the reference trace. */
class PerNodeWordTree {
  readonly depth: number;
  private readonly levels: Buffer<ArrayBufferLike>[][];
  private readonly zero: Buffer[];

  constructor(
    readonly tag: number,
    leaves: readonly Uint8Array[],
  ) {
    this.depth = wordTreeShape(leaves.length).depth;
    this.zero = [Buffer.alloc(32)];
    for (let h = 1; h <= 32; h++) this.zero.push(taggedHash(tag, this.zero[h - 1]!, this.zero[h - 1]!));
    let level: Buffer<ArrayBufferLike>[] = leaves.map((l) => Buffer.from(l));
    this.levels = [level];
    for (let h = 0; h < this.depth; h++) {
      const next: Buffer[] = new Array(Math.ceil(level.length / 2));
      for (let i = 0; i < next.length; i++) next[i] = taggedHash(tag, level[2 * i]!, level[2 * i + 1] ?? this.zero[h]!);
      this.levels.push(next);
      level = next;
    }
  }

  get root(): Buffer {
    return this.levels[this.depth]![0] ?? this.zero[this.depth]!;
  }

  proof(index: number): Buffer[] {
    const out: Buffer[] = [];
    for (let h = 0, i = index; h < this.depth; h++, i >>= 1) out.push(this.levels[h]![i ^ 1] ?? this.zero[h]!);
    return out;
  }

  set(index: number, word: Uint8Array): void {
    this.levels[0]![index] = Buffer.from(word);
    for (let h = 0, i = index; h < this.depth; h++, i >>= 1) {
      const parent = i >> 1;
      this.levels[h + 1]![parent] = taggedHash(this.tag, this.levels[h]![2 * parent] ?? this.zero[h]!, this.levels[h]![2 * parent + 1] ?? this.zero[h]!);
    }
  }
}

/** executionStates as it was before sha256-batch: the same roots, commitments and proofs, per node. */
function perNodeExecutionStates(c: ModelCommitment, valueOf: (slot: number) => Tensor): Hex32[] {
  const table = new PerNodeWordTree(Tag.VALUE_TABLE_NODE, c.initialSlots);
  const inputs = c.layout.inputSlots.map((slot) => {
    const commitment = perNodeCommit(valueOf(slot));
    table.set(slot, Buffer.from(commitment.slice(2), "hex"));
    return commitment;
  });
  const roots: Hex32[] = [toHex(table.root)];
  const written = c.layout.nodeOutputSlots.map((slot) => {
    const w = perNodeCommit(valueOf(slot));
    table.proof(slot).map((x) => toHex(x));
    table.set(slot, Buffer.from(w.slice(2), "hex"));
    roots.push(toHex(table.root));
    return w;
  });
  commitTensorList(c.layout.outputSlots.map((s) => written[c.layout.nodeOutputSlots.indexOf(s)]!));
  commitTensorList(inputs);
  return roots;
}

const fmtUs = (ms: number): string => (ms < 1 ? `${(ms * 1000).toFixed(ms < 0.01 ? 2 : 1)} µs` : `${ms.toFixed(ms < 10 ? 2 : 1)} ms`);
const spread = (s: Stats): string => `${fmtUs(s.median)} (${fmtUs(s.p10)}–${fmtUs(s.p90)})`;
const ratio = (a: Stats, b: Stats): string => `${(a.median / b.median).toFixed(1)}x`;
const ratioOrDash = (a: Stats | undefined, b: Stats | undefined): string => (a && b ? ratio(a, b) : "–");
const spreadOrDash = (s: Stats | undefined): string => (s ? spread(s) : "–");

/** The backends compared: JS batch always, native when the addon is built. */
const BACKENDS: readonly HashBackendChoice[] = nativeAddon() ? ["native", "js"] : ["js"];

/** f on backend b (switching is one assignment, so kinds on different backends can alternate). */
function on<T>(b: HashBackendChoice, f: () => T): () => T {
  return () => {
    const previous = useHashBackend(b);
    try {
      return f();
    } finally {
      restoreHashBackend(previous);
    }
  };
}

export async function hashBenchmark(): Promise<BenchSection> {
  // 1. Per node: 4,096 nodes a call of each kind (one level of a 256 KB tensor).
  const NODES = 4096;
  const input = seededBytes(64 * NODES, 1);
  const output = new Uint8Array(32 * NODES);
  const msg = new Uint8Array(65);
  const tag = Uint8Array.of(Tag.TENSOR_NODE);
  const perNode: [string, () => unknown][] = [
    [
      "createHash",
      () => {
        for (let i = 0; i < NODES; i++) createHash("sha256").update(tag).update(input.subarray(64 * i, 64 * i + 64)).digest();
      },
    ],
    [
      "crypto.hash",
      () => {
        msg[0] = Tag.TENSOR_NODE;
        for (let i = 0; i < NODES; i++) {
          msg.set(input.subarray(64 * i, 64 * i + 64), 1);
          cryptoHash("sha256", msg, "buffer");
        }
      },
    ],
    ["hashPairsLevel (JS batch)", () => hashPairsLevelJs(Tag.TENSOR_NODE, input, output, NODES)],
    ...(nativeAddon()?.kernels ?? []).map((k): [string, () => unknown] => [`native ${k}`, () => nativeAddon()!.hashLevel(Tag.TENSOR_NODE, input, 0, output, 0, NODES, k)]),
  ];
  const node = alternate(perNode, 301, 10);
  const best = [...node.values()].reduce((a, b) => (b.median < a.median ? b : a));
  const nodeRows = perNode.map(([k]) => {
    const s = node.get(k)!;
    const per = (v: number): number => (v * 1e6) / NODES;
    return `| ${k} | ${per(s.median).toFixed(0)} ns (${per(s.p10).toFixed(0)}–${per(s.p90).toFixed(0)}) | ${ratio(s, best)} |`;
  });

  // 2. commitBytes at four sizes.
  const sizes: [string, number][] = [
    ["1 KB", 1024],
    ["64 KB", 65_536],
    ["1 MB", 2 ** 20],
    ["10 MB", 10 * 2 ** 20],
  ];
  const commitRows: string[] = [];
  for (const [label, n] of sizes) {
    const bytes = seededBytes(n, 2);
    const t: Tensor = { dtype: DType.UINT8, shape: [n], data: bytes };
    if (commitBytes(DType.UINT8, [n], bytes) !== perNodeCommit(t)) throw new Error(`commitBytes(${label}) differs from the per-node tree`);
    const kinds: [string, () => unknown][] = [
      ["per-node", () => perNodeCommit(t)],
      ...BACKENDS.map((b): [string, () => unknown] => [b, on(b, () => commitBytes(DType.UINT8, [n], bytes))]),
    ];
    const rounds = roundsFor(kinds, 6000, 9, 1001);
    const s = alternate(kinds, rounds);
    const mbs = (x: Stats | undefined): string => (x ? `${((n / 2 ** 20) / (x.median / 1000)).toFixed(0)} MB/s` : "–");
    commitRows.push(
      `| ${label} | ${spread(s.get("per-node")!)} | ${spread(s.get("js")!)} | ${spreadOrDash(s.get("native"))} | ${mbs(s.get("js"))} | ${mbs(s.get("native"))} | ${ratioOrDash(s.get("js"), s.get("native"))} | ${rounds} |`,
    );
  }

  // 3. executionStates and commitModel on the generated CNNs (values from the reference interpreter).
  const cnns: [string, ReturnType<typeof quantizedCnn>][] = [
    ["CNN 8/24", quantizedCnn(8, 24, 21)],
    ["CNN 16/90", quantizedCnn(16, 90, 22)],
    ["CNN 32/310", quantizedCnn(32, 310, 23)],
    ["CNN 64/1015", quantizedCnn(64, 1015, 24)],
  ];
  const stateRows: string[] = [];
  for (const [label, q] of cnns) {
    const shape = q.model.graph.inputs[0]!.shape as number[];
    const x = new Float32Array(shape.reduce((p, d) => p * d, 1)).map((_, i) => ((i * 37) % 101) / 101);
    const input: Tensor = { dtype: DType.FLOAT, shape, data: x };
    const values = runReference(q.model, [input]);
    const c = commitModel(q.model);
    const all = new Map(values);
    all.set(q.model.graph.inputs[0]!.name, input);
    const committed = [...c.layout.inputSlots, ...c.layout.nodeOutputSlots].map((s) => all.get(c.layout.names[s]!)!);
    const bytes = committed.reduce((p, t) => p + tensorBytes(t).length, 0);
    const valueOf = (slot: number): Tensor => all.get(c.layout.names[slot]!)!;
    if (perNodeExecutionStates(c, valueOf).join() !== executionStates(c, all).roots.join()) throw new Error(`${label}: state roots differ`);
    const perNode = (): unknown => perNodeExecutionStates(c, valueOf);
    const kinds: [string, () => unknown][] = [
      ["per-node", perNode],
      ...BACKENDS.map((b): [string, () => unknown] => [b, on(b, () => executionStates(c, all))]),
      ["commitModel", () => commitModel(q.model)],
    ];
    const rounds = roundsFor(kinds, 8000, 7, 301);
    const s = alternate(kinds, rounds, 1);
    stateRows.push(
      `| ${label} | ${q.parameters.toExponential(2)} | ${(bytes / 1024).toFixed(0)} KB | ${spread(s.get("per-node")!)} | ${spread(s.get("js")!)} | ${spreadOrDash(s.get("native"))} | ${ratioOrDash(s.get("js"), s.get("native"))} | ${spread(s.get("commitModel")!)} | ${rounds} |`,
    );
    process.stderr.write(`bench:   hash: ${label} done\n`);
  }

  const addon = nativeAddon();
  const nativeNote = addon
    ? `The native addon is built; this CPU runs its kernels ${addon.kernels.join(", ")} (the engine uses ${addon.kernel}).`
    : `**The native addon is NOT built here** (${hashBackend().warning ?? "forced off"}): only the JS batch hasher is measured; the native columns are empty.`;
  const markdown = `
One process, the kinds alternating round by round (the first kind rotating), medians (p10–p90).
${nativeNote} **per node**: 4,096 tree nodes (65-byte messages \`0x01 ‖ l ‖ r\`) a call, 301 rounds: node:crypto
\`createHash\` (+update+digest) per node, the one-shot \`crypto.hash\` per node, one JS
\`hashPairsLevel\` call (offchain/engine/commit/sha256-batch.ts: pure-JS SHA-256 for the 65-byte
node shape, a whole level a call), and one call of the native addon's \`hashLevel\` per kernel
(native/sha256: SHA-NI with two nodes interleaved; portable C). **commitBytes**: a uint8 tensor of that
size, committed on the JS batch backend, on the native backend, and with the tree hashed one
\`createHash\` per node (the code before sha256-batch, the same commitment). **executionStates**: the
dispute trace's commitments (every input and node output and every state root S_0..S_n) on the
generated CNNs of bench/engine.bench.ts (values from the reference interpreter), on both backends and
per node; **commitModel** (on the native backend where built) beside them.

| per node | time (p10–p90) | / fastest |
| --- | ---: | ---: |
${nodeRows.join("\n")}

| commitBytes | per node (createHash) | JS batch | native | JS batch throughput | native throughput | native speedup | rounds |
| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |
${commitRows.join("\n")}

| executionStates | parameters | values committed | per node (createHash) | JS batch | native | native speedup | commitModel | rounds |
| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |
${stateRows.join("\n")}
`;
  return { title: "Tree hashing (native SHA-NI vs JS batch SHA-256 vs node:crypto)", markdown };
}
