/**
 * Shared pieces of the semantics experiments (scripts/semantics/*.ts): a --cases/--seed command
 * line, an exact float32 fused multiply-add, the x86 float -> int32 conversion, and a tally of
 * candidate formulas against onnxruntime's outputs (every output element compared bit for bit).
 * Run any experiment with `npx tsx scripts/semantics/<name>.ts --cases N --seed S`.
 */
import * as ort from "onnxruntime-node";
import os from "node:os";
import { createHash } from "node:crypto";
import { encodeModel, singleNodeModel, type SingleNodeSpec } from "../../offchain/engine/onnx/encode.js";
import type { Tensor } from "../../offchain/engine/tensor.js";
import { fromOrt, toOrt } from "../../test/engine/support/ort.js";

ort.env.logLevel = "fatal";

export const f32 = Math.fround;

export function args(defaultCases: number): { cases: number; seed: number } {
  const a = process.argv.slice(2);
  const get = (flag: string, fallback: number): number => {
    const i = a.indexOf(flag);
    return i >= 0 && i + 1 < a.length ? Number(a[i + 1]) : fallback;
  };
  return { cases: get("--cases", defaultCases), seed: get("--seed", 1) >>> 0 };
}

export function header(name: string): void {
  const cpu = os.cpus()[0]?.model ?? "unknown CPU";
  const pkg = "onnxruntime-node " + (ort.env.versions?.common ?? "?");
  console.log(`${name}: ${pkg}, ${cpu}, ${os.arch()}, node ${process.version}, ${new Date().toISOString()}`);
}

/** fma(a, b, c) in float32 with ONE rounding (what _mm256_fmadd_ps computes): the engine's own. */
export { fma32 } from "../../offchain/engine/ops/numeric.js";

/** Round half to even (v a float32 value). */
export function rne(v: number): number {
  if (!Number.isFinite(v) || Math.abs(v) >= 4503599627370496) return v;
  const fl = Math.floor(v);
  const d = v - fl;
  if (d > 0.5) return fl + 1;
  if (d < 0.5) return fl;
  return fl % 2 === 0 ? fl : fl + 1;
}

/** x86 cvtps2dq: RNE, and 0x80000000 ("integer indefinite") for NaN and out-of-range results. */
export function cvtps(v: number): number {
  const r = rne(v);
  return Number.isNaN(r) || r >= 2147483648 || r < -2147483648 ? -2147483648 : r;
}

/** x86 cvttss2si (C's (int32_t) cast of a float): truncation, 0x80000000 when out of range. */
export function cvttss(v: number): number {
  const r = Math.trunc(v);
  return Number.isNaN(r) || r >= 2147483648 || r < -2147483648 ? -2147483648 : r;
}

export const sat = (v: number, lo: number, hi: number): number => (v < lo ? lo : v > hi ? hi : v);

/** Mismatch counts per candidate formula. */
export class Tally {
  readonly counts = new Map<string, number>();
  readonly firsts = new Map<string, string>();
  values = 0;
  runs = 0;

  constructor(readonly names: readonly string[]) {
    for (const n of names) this.counts.set(n, 0);
  }

  compare(name: string, got: ArrayLike<number>, expected: ArrayLike<number>, describe: (i: number) => string): void {
    let m = 0;
    for (let i = 0; i < expected.length; i++) {
      if (got[i] !== expected[i]) {
        if (m === 0 && !this.firsts.has(name)) this.firsts.set(name, `${describe(i)}: candidate ${got[i]}, onnxruntime ${expected[i]}`);
        m++;
      }
    }
    this.counts.set(name, (this.counts.get(name) ?? 0) + m);
  }

  report(title: string): void {
    console.log(`${title}: ${this.values} output values in ${this.runs} runs`);
    for (const n of this.names) {
      const c = this.counts.get(n) ?? 0;
      console.log(`  ${c === 0 ? "MATCH   " : "rejected"} ${String(c).padStart(9)} mismatches  ${n}`);
      const f = this.firsts.get(n);
      if (f !== undefined) console.log(`           first: ${f}`);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// onnxruntime with a chosen intra-op thread count (--threads N, default 1): the experiments run
// single-node models through it; sessions are cached by model bytes and thread count.

const threadSessions = new Map<string, ort.InferenceSession>();

export function threadsArg(): number {
  const i = process.argv.indexOf("--threads");
  return i >= 0 ? Number(process.argv[i + 1]) : 1;
}

export async function runOrtThreads(spec: SingleNodeSpec, feeds: Readonly<Record<string, Tensor>>, threads = threadsArg()): Promise<Tensor[]> {
  const bytes = encodeModel(singleNodeModel(spec));
  const key = `${threads}:${createHash("sha256").update(bytes).digest("hex")}`;
  let s = threadSessions.get(key);
  if (s === undefined) {
    s = await ort.InferenceSession.create(bytes, { graphOptimizationLevel: "disabled", intraOpNumThreads: threads, logSeverityLevel: 3 });
    threadSessions.set(key, s);
  }
  const ortFeeds: Record<string, ort.Tensor> = {};
  for (const [k, v] of Object.entries(feeds)) ortFeeds[k] = toOrt(v);
  const result = await s.run(ortFeeds);
  return spec.outputs.map((o) => fromOrt(result[o.name]));
}

export async function releaseThreadSessions(): Promise<void> {
  for (const s of threadSessions.values()) await s.release();
  threadSessions.clear();
}
