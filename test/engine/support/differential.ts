/**
 * Randomized differential cases: the reference interpreter against onnxruntime-node on
 * single-node models. Scales and zero points are graph inputs (not initializers), so one session
 * (cached by model bytes) serves many parameter sets; a "case" is one output element compared
 * bit for bit, and every run draws fresh data and fresh quantization parameters.
 */
import { attr, type SingleNodeSpec } from "../../../offchain/engine/onnx/encode.js";
import type { Attribute } from "../../../offchain/engine/onnx/types.js";
import { getOperator } from "../../../offchain/engine/ops/index.js";
import { DType, numel, zeros, type Tensor } from "../../../offchain/engine/tensor.js";
import { mismatches } from "./compare.js";
import { runOrt } from "./ort.js";
import type { Rng } from "./prng.js";

export interface DiffCase {
  readonly spec: SingleNodeSpec;
  readonly feeds: Readonly<Record<string, Tensor>>;
}

export interface DiffResult {
  cases: number;
  runs: number;
  mismatched: number;
  first: string | undefined;
}

export type Generator = (rng: Rng) => DiffCase;

function oursFor(c: DiffCase): Tensor[] {
  const op = getOperator(c.spec.domain ?? "", c.spec.opType);
  if (op === undefined) throw new Error(`no operator ${c.spec.opType}`);
  const names = c.spec.nodeInputs ?? [...c.spec.inputs.map((v) => v.name), ...Object.keys(c.spec.initializers ?? {})];
  const inputs = names.map((n) => (n === "" ? undefined : (c.feeds[n] ?? c.spec.initializers?.[n])));
  while (inputs.length > 0 && inputs[inputs.length - 1] === undefined) inputs.pop();
  return op(inputs, c.spec.attributes ?? {});
}

/** Runs generated cases until `target` output elements were compared. */
export async function differential(gen: Generator, rng: Rng, target: number): Promise<DiffResult> {
  const r: DiffResult = { cases: 0, runs: 0, mismatched: 0, first: undefined };
  while (r.cases < target) {
    const c = gen(rng);
    const expected = await runOrt(c.spec, c.feeds);
    let actual: Tensor[];
    try {
      actual = oursFor(c);
    } catch (e) {
      r.mismatched++;
      r.first ??= `${c.spec.opType}: interpreter threw ${(e as Error).message}`;
      r.runs++;
      continue;
    }
    expected.forEach((e, i) => {
      const m = mismatches(actual[i], e);
      r.cases += numel(e.shape);
      if (m.count !== 0) {
        r.mismatched += Number.isFinite(m.count) ? m.count : numel(e.shape);
        r.first ??= `${c.spec.opType} ${JSON.stringify(c.spec.attributes ?? {})}: ${m.first}`;
      }
    });
    r.runs++;
  }
  return r;
}

// ---------------------------------------------------------------------------------------------
// Tensor helpers

export function scalarT(dtype: DType, v: number): Tensor {
  const t = zeros(dtype, []);
  (t.data as unknown as number[])[0] = v;
  return t;
}

export function vectorT(dtype: DType, values: readonly number[]): Tensor {
  const t = zeros(dtype, [values.length]);
  values.forEach((v, i) => ((t.data as unknown as number[])[i] = v));
  return t;
}

export function fill(dtype: DType, shape: readonly number[], f: (i: number) => number): Tensor {
  const t = zeros(dtype, shape);
  const d = t.data as unknown as number[];
  for (let i = 0; i < d.length; i++) d[i] = f(i);
  return t;
}

export function range(dtype: DType): { min: number; max: number } {
  return dtype === DType.UINT8 ? { min: 0, max: 255 } : dtype === DType.INT8 ? { min: -128, max: 127 } : { min: -2147483648, max: 2147483647 };
}

/** A zero point: often a range end, often the middle, otherwise random. */
export function zeroPoint(rng: Rng, dtype: DType): number {
  const { min, max } = range(dtype);
  const r = rng.next();
  if (r < 0.15) return min;
  if (r < 0.3) return max;
  if (r < 0.45) return dtype === DType.UINT8 ? 128 : 0;
  return rng.int(min, max);
}

/** 8-bit data: uniform, or crowded at the ends (saturation, extreme accumulators). */
export function quantData(rng: Rng, dtype: DType, shape: readonly number[], mode: "uniform" | "extreme" | "negative"): Tensor {
  const { min, max } = range(dtype);
  return fill(dtype, shape, () => {
    if (mode === "extreme") return rng.bool() ? (rng.bool(0.8) ? max : max - rng.int(0, 3)) : rng.bool(0.8) ? min : min + rng.int(0, 3);
    if (mode === "negative") return rng.int(min, Math.min(max, min + 60));
    return rng.int(min, max);
  });
}

export const v = (name: string, dtype: DType, shape: readonly number[]) => ({ name, dtype, shape });
export const opset = (version: number, extra: { domain: string; version: number }[] = []) => [{ domain: "", version }, ...extra];
export { attr };
export type { Attribute };
