/**
 * The int32 accumulator bound of DESIGN.md: |bias| + K * max|x - xzp| * max|w - wzp| < 2^31, on
 * the real weights, per output channel where parameters are per-channel. onnxruntime's ConvSym path
 * saturates where the canonical formula wraps, so overflow must be impossible, not merely defined.
 * An operand that is not an initializer is bounded by its type's full range.
 */
import { DType, type Tensor } from "../tensor.js";
import { intValues } from "./context.js";
import { ACCUMULATOR_LIMIT } from "./limits.js";

const RANGE: Partial<Record<DType, readonly [number, number]>> = {
  [DType.UINT8]: [0, 255],
  [DType.INT8]: [-128, 127],
};

/** max |v - zp| over every value v of `dtype`; the full range width when zp is unknown. */
export function rangeBound(dtype: DType, zp: number | undefined): number {
  const [lo, hi] = RANGE[dtype] ?? [0, 0];
  if (zp === undefined) return hi - lo;
  return Math.max(zp - lo, hi - zp);
}

/**
 * Per channel c: max |w - zp[c]| over the elements of w in channel c, where `channelOf` maps a
 * row-major element index to its channel. Without a constant w, the type range bound.
 */
export function weightBounds(
  w: Tensor | undefined,
  dtype: DType,
  zps: readonly number[] | undefined,
  channels: number,
  channelOf: (index: number) => number,
): number[] {
  const zpOf = (c: number): number | undefined => (zps === undefined ? undefined : zps.length === 1 ? zps[0] : zps[c]);
  if (w === undefined) return Array.from({ length: channels }, (_, c) => rangeBound(dtype, zpOf(c)));
  const out = new Array<number>(channels).fill(0);
  const values = w.data as ArrayLike<number>;
  for (let i = 0; i < values.length; i++) {
    const c = channelOf(i);
    const zp = zpOf(c);
    const d = zp === undefined ? rangeBound(dtype, undefined) : Math.abs(values[i]! - zp);
    if (d > out[c]!) out[c] = d;
  }
  return out;
}

/** Per channel: max |bias| over the bias elements that channel adds (0 without a bias). */
export function biasBounds(bias: Tensor | undefined, channels: number, channelOf: (index: number) => number | "all"): number[] {
  const out = new Array<number>(channels).fill(0);
  if (bias === undefined) return out;
  const values = intValues(bias);
  values.forEach((v, i) => {
    const c = channelOf(i);
    const targets = c === "all" ? out.keys() : [c];
    for (const t of targets) out[t] = Math.max(out[t]!, Math.abs(v));
  });
  return out;
}

export interface OverflowFinding {
  readonly channel: number;
  readonly bound: number;
  readonly bias: number;
  readonly k: number;
  readonly x: number;
  readonly w: number;
}

/** The worst channel whose bound reaches 2^31, or undefined when every channel is safe. */
export function accumulatorOverflow(k: number, xBound: number, wBounds: readonly number[], bBounds: readonly number[]): OverflowFinding | undefined {
  let worst: OverflowFinding | undefined;
  wBounds.forEach((w, channel) => {
    const bias = bBounds[channel] ?? 0;
    const bound = bias + k * xBound * w;
    if (bound >= ACCUMULATOR_LIMIT && (worst === undefined || bound > worst.bound)) worst = { channel, bound, bias, k, x: xBound, w };
  });
  return worst;
}

export function describeOverflow(f: OverflowFinding): string {
  return (
    `int32 accumulator can overflow: in output channel ${f.channel}, |bias| ${f.bias} + K ${f.k} * max|x - xzp| ${f.x}` +
    ` * max|w - wzp| ${f.w} = ${f.bound} >= 2^31`
  );
}
