/**
 * com.microsoft QLinearAveragePool (1-D/2-D/3-D, uint8 / int8, per-tensor scales and zero points,
 * explicit pads, strides, count_include_pad 0/1, channels_last 0/1). A version-2 candidate:
 * registered in the interpreter, NOT in the profile (no on-chain verifier yet). Measured against
 * onnxruntime-node 1.30 on x86-64 (docs/SPEC.md, "Version-2 candidates";
 * scripts/semantics/qlinear-avgpool.ts). onnxruntime has TWO paths, chosen by the static shapes:
 *
 * Float path (every window that is not the whole image with all pads 0):
 *   d(x) = f32(xs * (x - xz))                   dequantize
 *   p_0 = +0;  p_k = f32(p_{k-1} + d(x_k))      valid taps in row-major order; a padded tap keeps p_{k-1}
 *   avg = f32(p_K / n)                          n = prod(kernel) if count_include_pad else the valid taps
 *   y   = sat(i32(RNE(f32(f32(avg / ys) + yz))))
 * where i32 is C's float -> int32 cast on x86 (0x80000000 when out of range: a huge value gives
 * the type MINIMUM). The zero point is added BEFORE rounding (unlike QuantizeLinear).
 *
 * Integer path (kernel = the whole image, all pads 0; onnxruntime's QLinearGlobalAveragePool):
 *   p_0 = 0;  p_k = i32(p_{k-1} + (x_k - xz));  M = f32(xs / f32(ys * K));
 *   y = sat(RNE(f32(f32(p_K) * M)) + yz)        refused unless 2^-32 <= M < 256 (onnxruntime throws)
 *
 * ACCUMULATION ORDER (both paths): output element o of Y[N, C, out...] (NCHW order of the output
 * element, whatever channels_last) is (n, c, out); the K = prod(kernel) terms are the kernel taps
 * in row-major order over the spatial dims, tap coords kc_d reading input position
 * p_d = out_d * stride_d - pad_begin_d + kc_d, or PADDING when any p_d is outside [0, in_d).
 * Operand index: NCHW (n*C + c) * prod(in) + rowmajor(p); channels_last (n*prod(in) + rowmajor(p)) * C + c.
 *
 * Refused (not measured or refused by onnxruntime): dilations other than 1 (onnxruntime's loops
 * ignore them), ceil_mode 1, auto_pad other than NOTSET, a pad >= its kernel dimension.
 */
import { DType, numel, type Tensor } from "../tensor.js";
import {
  type Attributes,
  checkAttributes,
  checkData,
  checkDType,
  checkInputCount,
  describe,
  intAttr,
  intsAttr,
  OpError,
  required,
  scalarScale,
  scalarZeroPoint,
  stringAttr,
} from "./common.js";
import { checkOutputIndex } from "./conv_core.js";
import { f32, intRange, roundHalfEven, saturate, toInt32Truncate } from "./numeric.js";
import { type Window, outCoords, slidingWindow, tapOffset } from "./window.js";

const OP = "QLinearAveragePool";

/** The integer path's multiplier and its range check (onnxruntime's QLinearGlobalAveragePool). */
export function globalPoolMultiplier(op: string, xs: number, ys: number, size: number): number {
  if (size >= 0x1000000) throw new OpError(op, `image size ${size} >= 2^24 (onnxruntime refuses it)`);
  const m = f32(xs / f32(ys * size));
  if (!(m >= 2 ** -32 && m < 256)) throw new OpError(op, `multiplier ${m} = x_scale / (y_scale * ${size}) is outside [2^-32, 256) (onnxruntime refuses it)`);
  return m;
}

/** The integer path's output from the accumulator p_K. */
export const globalPoolOutput = (acc: number, m: number, yz: number, lo: number, hi: number): number => saturate(roundHalfEven(f32(f32(acc) * m)) + yz, lo, hi);

/** The float path's output from the float32 sum p_K over n taps. */
export function floatPoolOutput(sum: number, n: number, ys: number, yz: number, lo: number, hi: number): number {
  const avg = f32(sum / n);
  return saturate(toInt32Truncate(roundHalfEven(f32(f32(avg / ys) + yz))), lo, hi);
}

export interface PoolPrepared {
  readonly x: ArrayLike<number>;
  readonly dtype: DType;
  readonly batch: number;
  readonly channels: number;
  readonly channelsLast: boolean;
  readonly countIncludePad: boolean;
  readonly window: Window;
  /** Output shape in the node's layout (NHWC when channels_last). */
  readonly outShape: readonly number[];
  readonly xs: number;
  readonly xz: number;
  readonly ys: number;
  readonly yz: number;
  /** The integer path (kernel = the whole image, all pads 0) with its multiplier. */
  readonly integer: { readonly multiplier: number } | undefined;
}

/** X and the per-tensor scales and zero points of the two pooling operators. */
export function poolParams(op: string, inputs: readonly (Tensor | undefined)[], zeroPointsRequired: boolean) {
  const x = required(op, inputs, 0, "X");
  checkDType(op, x, "X", [DType.UINT8, DType.INT8]);
  checkData(op, x, "X");
  if (x.shape.length < 3) throw new OpError(op, `X ${describe(x)} must have rank >= 3`);
  const zero = (i: number, name: string): number => scalarZeroPoint(op, inputs, i, name, { tensor: x, name: "X" }, zeroPointsRequired);
  return { x, xs: scalarScale(op, inputs, 1, "x_scale"), xz: zero(2, "x_zero_point"), ys: scalarScale(op, inputs, 3, "y_scale"), yz: zero(4, "y_zero_point") };
}

function prepare(inputs: readonly (Tensor | undefined)[], attributes: Attributes): PoolPrepared {
  checkInputCount(OP, inputs, 4, 5);
  checkAttributes(OP, attributes, ["auto_pad", "ceil_mode", "channels_last", "count_include_pad", "kernel_shape", "pads", "strides", "dilations"]);
  const { x, xs, xz, ys, yz } = poolParams(OP, inputs, false);
  const channelsLast = intAttr(OP, attributes, "channels_last", 0) !== 0;
  const countIncludePad = intAttr(OP, attributes, "count_include_pad", 0) !== 0;
  if (intAttr(OP, attributes, "ceil_mode", 0) !== 0) throw new OpError(OP, "ceil_mode 1 is not measured");
  if (stringAttr(OP, attributes, "auto_pad", "NOTSET") !== "NOTSET") throw new OpError(OP, "auto_pad other than NOTSET is not measured (write the pads out)");
  const dil = intsAttr(OP, attributes, "dilations");
  if (dil !== undefined && dil.some((d) => d !== 1)) throw new OpError(OP, "dilations other than 1 are ignored by onnxruntime's kernel; refused");
  const r = x.shape.length - 2;
  const batch = x.shape[0];
  const channels = channelsLast ? x.shape[x.shape.length - 1] : x.shape[1];
  const spatial = channelsLast ? x.shape.slice(1, 1 + r) : x.shape.slice(2);
  const window = slidingWindow(OP, spatial, attributes, undefined, false); // dilations are all 1 here
  for (let d = 0; d < r; d++) {
    if (window.padsBegin[d] >= window.kernel[d] || window.padsEnd[d] >= window.kernel[d]) throw new OpError(OP, `pads must be smaller than the kernel (onnxruntime refuses them)`);
  }
  if (r > 3) throw new OpError(OP, `${r}-D pooling is not supported (onnxruntime: 1-D to 3-D)`);
  const outShape = channelsLast ? [batch, ...window.outSpatial, channels] : [batch, channels, ...window.outSpatial];
  const whole = window.kernel.every((k, d) => k === spatial[d]) && [...window.padsBegin, ...window.padsEnd].every((p) => p === 0);
  return {
    x: x.data as unknown as ArrayLike<number>,
    dtype: x.dtype,
    batch,
    channels,
    channelsLast,
    countIncludePad,
    window,
    outShape,
    xs,
    xz,
    ys,
    yz,
    integer: whole ? { multiplier: globalPoolMultiplier(OP, xs, ys, window.kernelSize) } : undefined,
  };
}

/** The input index read by tap t of NCHW-ordered output element o, or -1 in the padding. */
function operandIndex(p: PoolPrepared, o: number, coords: readonly number[], t: number): number {
  const w = p.window;
  const off = tapOffset(w, coords, t);
  if (off < 0) return -1;
  const nc = Math.floor(o / w.outSpatialSize);
  const n = Math.floor(nc / p.channels);
  const c = nc % p.channels;
  return p.channelsLast ? (n * w.inSpatialSize + off) * p.channels + c : nc * w.inSpatialSize + off;
}

/** Layout position of NCHW-ordered output element o. */
function outputPosition(p: PoolPrepared, o: number): number {
  if (!p.channelsLast) return o;
  const S = p.window.outSpatialSize;
  const nc = Math.floor(o / S);
  return (Math.floor(nc / p.channels) * S + (o % S)) * p.channels + (nc % p.channels);
}

function element(p: PoolPrepared, o: number, trace?: { terms: PoolTerm[]; partials: number[] }): number {
  const w = p.window;
  const { min, max } = intRange(p.dtype);
  const coords = outCoords(w, o % w.outSpatialSize);
  let acc = 0;
  let valid = 0;
  for (let t = 0; t < w.kernelSize; t++) {
    const i = operandIndex(p, o, coords, t);
    if (i < 0) {
      trace?.terms.push({ kind: "padding" });
    } else {
      const x = p.x[i];
      valid++;
      if (p.integer !== undefined) {
        acc = (acc + x - p.xz) | 0;
        trace?.terms.push({ kind: "add", index: i, value: x, term: x - p.xz });
      } else {
        const d = f32(p.xs * (x - p.xz));
        acc = f32(acc + d);
        trace?.terms.push({ kind: "add", index: i, value: x, term: d });
      }
    }
    trace?.partials.push(acc);
  }
  if (p.integer !== undefined) return globalPoolOutput(acc, p.integer.multiplier, p.yz, min, max);
  return floatPoolOutput(acc, p.countIncludePad ? w.kernelSize : valid, p.ys, p.yz, min, max);
}

export function qlinearAveragePool(inputs: readonly (Tensor | undefined)[], attributes: Attributes): Tensor[] {
  const p = prepare(inputs, attributes);
  const n = numel(p.outShape);
  const out = p.dtype === DType.UINT8 ? new Uint8Array(n) : new Int8Array(n);
  for (let o = 0; o < n; o++) out[outputPosition(p, o)] = element(p, o);
  return [{ dtype: p.dtype, shape: p.outShape, data: out }];
}

/** A term of a pooling trace: an input element added (its dequantized value or x - xz), or padding. */
export type PoolTerm = { readonly kind: "add"; readonly index: number; readonly value: number; readonly term: number } | { readonly kind: "padding" };

/**
 * The accumulation of one output element (level-3 style): p_0 = 0, p_1..p_K, the output. Float
 * path partials are float32 values, integer path partials int32. `outputIndex` is the element's
 * NCHW order (n, c, out...), its position in Y is `outputPosition` (differs for channels_last).
 */
export interface PoolAccumulation {
  readonly outputIndex: number;
  readonly outputPosition: number;
  readonly path: "float" | "integer";
  readonly start: 0;
  readonly terms: readonly PoolTerm[];
  readonly partials: readonly number[];
  /** n of the division (float path) or the multiplier M (integer path). */
  readonly divisor: number | undefined;
  readonly multiplier: number | undefined;
  readonly output: number;
}

export function qlinearAveragePoolAccumulation(inputs: readonly (Tensor | undefined)[], attributes: Attributes, outputIndex: number): PoolAccumulation {
  const p = prepare(inputs, attributes);
  checkOutputIndex(OP, outputIndex, numel(p.outShape));
  const trace = { terms: [] as PoolTerm[], partials: [] as number[] };
  const output = element(p, outputIndex, trace);
  const valid = trace.terms.filter((t) => t.kind === "add").length;
  return {
    outputIndex,
    outputPosition: outputPosition(p, outputIndex),
    path: p.integer !== undefined ? "integer" : "float",
    start: 0,
    terms: trace.terms,
    partials: trace.partials,
    divisor: p.integer !== undefined ? undefined : p.countIncludePad ? p.window.kernelSize : valid,
    multiplier: p.integer?.multiplier,
    output,
  };
}
