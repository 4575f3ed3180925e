/**
 * MaxPool (1D/2D/3D) on uint8 / int8; float32 only for the ONNX conformance tests (it is not in
 * the profile). One output (Y); the Indices output is outside the profile.
 *
 * Padding is ignored, which is the same as padding with the type's minimum: a window entirely in
 * the padding outputs the type minimum (0 / -128). Padding with 0 is wrong for int8 (SEMANTICS.md).
 * For float32 the starting value is -FLT_MAX (onnxruntime's numeric_limits<float>::lowest()) and
 * NaN inputs are refused (their handling was not measured).
 *
 * ACCUMULATION ORDER (docs/SPEC.md quotes it): output element o of Y[N, C, out...] is (n, c, out);
 * p_0 = type minimum; the K = prod(kernel) terms are the kernel taps in row-major order over the
 * spatial dims, tap coords kc_d reading input position p_d = out_d * stride_d - pad_begin_d +
 * kc_d * dilation_d, operand index (n * C + c) * prod(in) + row-major(p), or PADDING when any p_d
 * is outside [0, in_d); p_k = max(p_{k-1}, x) (padding: p_k = p_{k-1}); y = p_K.
 */
import { DType, numel, type Tensor } from "../tensor.js";
import type { Accumulation, AccumulationTerm } from "./accumulation.js";
import { type Attributes, OpError, checkAttributes, checkData, checkDType, checkInputCount, describe, intAttr, numberData, required } from "./common.js";
import { checkOutputIndex } from "./conv_core.js";
import { formulas, intRange } from "./numeric.js";
import { type Window, outCoords, slidingWindow, tapOffset } from "./window.js";

const OP = "MaxPool";
const FLOAT32_LOWEST = -3.4028234663852886e38;

interface Prepared {
  readonly x: ArrayLike<number>;
  readonly dtype: DType;
  readonly channels: number;
  readonly window: Window;
  readonly outShape: readonly number[];
  readonly start: number;
  /** The value a padded tap compares as: the type minimum (formulas.maxPoolPad). */
  readonly pad: number;
}

function prepare(inputs: readonly (Tensor | undefined)[], attributes: Attributes): Prepared {
  checkInputCount(OP, inputs, 1, 1);
  checkAttributes(OP, attributes, ["auto_pad", "ceil_mode", "dilations", "kernel_shape", "pads", "storage_order", "strides"]);
  const x = required(OP, inputs, 0, "X");
  checkDType(OP, x, "X", [DType.UINT8, DType.INT8, DType.FLOAT]);
  checkData(OP, x, "X");
  if (x.shape.length < 3) throw new OpError(OP, `X ${describe(x)} must have rank >= 3 (N, C, spatial...)`);
  const storageOrder = intAttr(OP, attributes, "storage_order", 0);
  if (storageOrder !== 0 && storageOrder !== 1) throw new OpError(OP, `storage_order must be 0 or 1, got ${storageOrder}`);
  const window = slidingWindow(OP, x.shape.slice(2), attributes, undefined, true);
  let start: number;
  if (x.dtype === DType.FLOAT) {
    const data = x.data as Float32Array;
    for (let i = 0; i < data.length; i++) if (Number.isNaN(data[i])) throw new OpError(OP, `NaN input at ${i} (float32 MaxPool is for conformance only)`);
    start = FLOAT32_LOWEST;
  } else {
    start = intRange(x.dtype).min;
  }
  const outShape = [x.shape[0], x.shape[1], ...window.outSpatial];
  return { x: numberData(x), dtype: x.dtype, channels: x.shape[1], window, outShape, start, pad: formulas.maxPoolPad(start) };
}

function base(p: Prepared, o: number): { xBase: number; out: number[] } {
  const w = p.window;
  const nc = Math.floor(o / w.outSpatialSize);
  return { xBase: nc * w.inSpatialSize, out: outCoords(w, o % w.outSpatialSize) };
}

export function maxPool(inputs: readonly (Tensor | undefined)[], attributes: Attributes): Tensor[] {
  const p = prepare(inputs, attributes);
  const w = p.window;
  const n = numel(p.outShape);
  const out = p.dtype === DType.UINT8 ? new Uint8Array(n) : p.dtype === DType.INT8 ? new Int8Array(n) : new Float32Array(n);
  for (let o = 0; o < n; o++) {
    const { xBase, out: coords } = base(p, o);
    let v = p.start;
    for (let t = 0; t < w.kernelSize; t++) {
      const off = tapOffset(w, coords, t);
      const x = off < 0 ? p.pad : p.x[xBase + off];
      if (x > v) v = x;
    }
    out[o] = v;
  }
  return [{ dtype: p.dtype, shape: p.outShape, data: out }];
}

/** The accumulation trace of output element `outputIndex` (see the order at the top). */
export function maxPoolAccumulation(inputs: readonly (Tensor | undefined)[], attributes: Attributes, outputIndex: number): Accumulation {
  const p = prepare(inputs, attributes);
  const w = p.window;
  checkOutputIndex(OP, outputIndex, numel(p.outShape));
  const { xBase, out: coords } = base(p, outputIndex);
  const terms: AccumulationTerm[] = [];
  const partials: number[] = [];
  let v = p.start;
  for (let t = 0; t < w.kernelSize; t++) {
    const off = tapOffset(w, coords, t);
    if (off < 0) {
      terms.push({ kind: "padding" });
      if (p.pad > v) v = p.pad;
    } else {
      const x = p.x[xBase + off];
      terms.push({ kind: "compare", index: xBase + off, value: x });
      if (x > v) v = x;
    }
    partials.push(v);
  }
  return {
    outputIndex,
    start: p.start,
    startIndex: undefined,
    aZeroPoint: 0,
    bZeroPoint: 0,
    terms,
    partials,
    requantize: undefined,
    output: v,
  };
}
