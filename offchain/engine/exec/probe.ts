/**
 * Probe inputs for the load-time check (DESIGN.md, "Off-chain node"): deterministic, seeded, and
 * covering each input's range — every element at the type's maximum, every element at its minimum
 * (the patterns that saturate onnxruntime's int16 pair sums on AVX2 without VNNI, and that reach
 * the accumulator bound), and a seeded random mix that includes the ends, ties of the rounding and,
 * for float inputs, NaN, +-Inf, -0 and subnormals (SEMANTICS.md, QuantizeLinear).
 */
import type { Model, Node } from "../onnx/types.js";
import { DType, numel, zeros, type Tensor } from "../tensor.js";
import { staticInputShape } from "./inputs.js";

export type ProbeKind = "max" | "min" | "mixed";
export const PROBE_KINDS: readonly ProbeKind[] = ["max", "min", "mixed"];

export interface Probe {
  readonly kind: ProbeKind;
  readonly feeds: ReadonlyMap<string, Tensor>;
}

/** mulberry32: small, seeded, the same on every machine. */
export function prng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const INT_RANGE: Partial<Record<DType, readonly [number, number]>> = {
  [DType.UINT8]: [0, 255],
  [DType.INT8]: [-128, 127],
  [DType.UINT16]: [0, 65535],
  [DType.INT16]: [-32768, 32767],
  [DType.INT32]: [-2147483648, 2147483647],
  [DType.UINT32]: [0, 4294967295],
  [DType.BOOL]: [0, 1],
};

const FLOAT_SPECIALS = [NaN, Infinity, -Infinity, -0, 0, 1.401298464324817e-45, -1.1754942106924411e-38, 3.4028234663852886e38];

/**
 * The float range an input is quantized over: the widest |(q - zp) * s| of the QuantizeLinear
 * nodes reading it (with constant scale and zero point), widened by a quarter so saturation is
 * reached; undefined when no such node reads it.
 */
function quantizedRange(model: Model, input: string): number | undefined {
  let widest: number | undefined;
  const consumers: Node[] = model.graph.nodes.filter((n) => n.opType === "QuantizeLinear" && n.inputs[0] === input);
  for (const n of consumers) {
    const s = model.graph.initializers.get(n.inputs[1] ?? "");
    const zp = model.graph.initializers.get(n.inputs[2] ?? "");
    if (s === undefined || s.dtype !== DType.FLOAT) continue;
    const [lo, hi] = INT_RANGE[zp?.dtype ?? DType.UINT8] ?? [0, 255];
    const zps = zp === undefined ? [0] : Array.from(zp.data as ArrayLike<number>);
    const scales = Array.from(s.data as Float32Array);
    scales.forEach((sc, i) => {
      const z = zps[zps.length === 1 ? 0 : i] ?? 0;
      const w = Math.max(Math.abs((hi - z) * sc), Math.abs((lo - z) * sc)) * 1.25;
      if (Number.isFinite(w) && (widest === undefined || w > widest)) widest = w;
    });
  }
  return widest;
}

function fillFloat(out: Float32Array, kind: ProbeKind, range: number | undefined, rnd: () => number): void {
  const r = range ?? 1000;
  if (kind === "max") return void out.fill(Math.fround(r));
  if (kind === "min") return void out.fill(Math.fround(-r));
  for (let i = 0; i < out.length; i++) {
    const u = rnd();
    if (i < FLOAT_SPECIALS.length && out.length >= 4 * FLOAT_SPECIALS.length) out[i] = FLOAT_SPECIALS[i]!;
    else if (range === undefined) out[i] = (u < 0.5 ? -1 : 1) * 2 ** (-20 + 40 * rnd());
    else if (u < 0.1) out[i] = Math.fround((Math.round((rnd() * 2 - 1) * 256) + 0.5) * (range / 1.25 / 256)); // near rounding ties
    else out[i] = Math.fround((rnd() * 2 - 1) * r);
  }
}

function fillInt(t: Tensor, kind: ProbeKind, rnd: () => number): void {
  const n = t.data.length;
  if (t.dtype === DType.INT64 || t.dtype === DType.UINT64) {
    const data = t.data as BigInt64Array | BigUint64Array;
    const [lo, hi] = t.dtype === DType.INT64 ? [-(2n ** 63n), 2n ** 63n - 1n] : [0n, 2n ** 64n - 1n];
    for (let i = 0; i < n; i++) {
      const v = kind === "max" ? hi : kind === "min" ? lo : i % 7 === 0 ? (i % 2 ? hi : lo) : BigInt(Math.floor((rnd() * 2 - 1) * 2 ** 31));
      (data as unknown as bigint[])[i] = v;
    }
    return;
  }
  const [lo, hi] = INT_RANGE[t.dtype] ?? [0, 0];
  const data = t.data as unknown as number[];
  for (let i = 0; i < n; i++) {
    data[i] = kind === "max" ? hi : kind === "min" ? lo : i % 5 === 0 ? (i % 2 ? hi : lo) : lo + Math.floor(rnd() * (hi - lo + 1));
  }
}

/** The probe inputs of a model, the same for a given seed on every machine. */
export function probeInputs(model: Model, seed = 0x5eed, kinds: readonly ProbeKind[] = PROBE_KINDS): Probe[] {
  return kinds.map((kind, k) => {
    const rnd = prng(seed + 7919 * k);
    const feeds = new Map<string, Tensor>();
    for (const v of model.graph.inputs) {
      const t = zeros(v.dtype, staticInputShape(v.name, v.shape));
      if (numel(t.shape) > 0) {
        if (v.dtype === DType.FLOAT) fillFloat(t.data as Float32Array, kind, quantizedRange(model, v.name), rnd);
        else if (v.dtype !== DType.DOUBLE && v.dtype !== DType.FLOAT16) fillInt(t, kind, rnd);
      }
      feeds.set(v.name, t);
    }
    return { kind, feeds };
  });
}
