/**
 * QLinearConv (1D/2D/3D; pads, strides, dilations, auto_pad, group incl. depthwise; per-channel
 * weight scales and zero points; optional int32 bias). x, w, y: uint8 or int8.
 *
 *   acc_c = i32(bias[c] + sum (x - xzp)(w - wzp[c]))      padded taps contribute 0
 *   M_c   = f32(f32(xs * ws[c]) / ys)
 *   y     = sat(RNE(f32(f32(acc_c) * M_c)) + yzp)
 *
 * ACCUMULATION ORDER (level 3 of the dispute game; docs/SPEC.md quotes it): p_0 = bias[m] (0 when
 * B is absent); then K = (C / group) * prod(kernel) terms, input channel within the group in the
 * outer loop, kernel taps row-major over the spatial dims in the inner loop, padded taps kept as
 * "padding" terms; p_k = i32(p_{k-1} + (x - xzp)(w - wzp[m])). Operand indices: conv_core.ts.
 */
import { DType, numel, type Tensor } from "../tensor.js";
import { type Accumulation, foldProducts } from "./accumulation.js";
import {
  type Attributes,
  OpError,
  checkAttributes,
  checkData,
  checkDType,
  checkInputCount,
  checkPositiveScales,
  checkSameDType,
  describe,
  numberData,
  optional,
  required,
  scaleValues,
  perChannel,
  scalarValue,
} from "./common.js";
import { type ConvShape, checkOutputIndex, convOperands, convShape } from "./conv_core.js";
import { formulas, intRange } from "./numeric.js";

const OP = "QLinearConv";
const Q_TYPES = [DType.UINT8, DType.INT8] as const;
const ATTRIBUTES = ["auto_pad", "dilations", "group", "kernel_shape", "pads", "strides"];

interface Prepared {
  readonly shape: ConvShape;
  readonly x: ArrayLike<number>;
  readonly w: ArrayLike<number>;
  readonly xZeroPoint: number;
  /** Per output channel. */
  readonly wZeroPoints: Float64Array;
  readonly multipliers: Float64Array;
  readonly bias: Int32Array | undefined;
  readonly yDType: DType;
  readonly yZeroPoint: number;
}

function prepare(inputs: readonly (Tensor | undefined)[], attributes: Attributes): Prepared {
  checkInputCount(OP, inputs, 8, 9);
  checkAttributes(OP, attributes, ATTRIBUTES);
  const x = required(OP, inputs, 0, "x");
  const xScale = required(OP, inputs, 1, "x_scale");
  const xZp = required(OP, inputs, 2, "x_zero_point");
  const w = required(OP, inputs, 3, "w");
  const wScale = required(OP, inputs, 4, "w_scale");
  const wZp = required(OP, inputs, 5, "w_zero_point");
  const yScale = required(OP, inputs, 6, "y_scale");
  const yZp = required(OP, inputs, 7, "y_zero_point");
  const bias = optional(inputs, 8);
  checkDType(OP, x, "x", Q_TYPES);
  checkDType(OP, w, "w", Q_TYPES);
  checkDType(OP, yZp, "y_zero_point", Q_TYPES);
  checkSameDType(OP, x, "x", xZp, "x_zero_point");
  checkSameDType(OP, w, "w", wZp, "w_zero_point");
  for (const [t, name] of [[x, "x"], [w, "w"], [xZp, "x_zero_point"], [wZp, "w_zero_point"], [yZp, "y_zero_point"]] as const) checkData(OP, t, name);
  const shape = convShape(OP, x, w, attributes);
  const channels = shape.outChannels;
  const xs = scaleValues(OP, xScale, "x_scale");
  const ws = scaleValues(OP, wScale, "w_scale");
  const ys = scaleValues(OP, yScale, "y_scale");
  checkPositiveScales(OP, xs, "x_scale");
  checkPositiveScales(OP, ws, "w_scale");
  checkPositiveScales(OP, ys, "y_scale");
  const xsv = scalarValue(OP, "x_scale", xScale);
  const ysv = scalarValue(OP, "y_scale", yScale);
  const wsc = perChannel(OP, "w_scale", wScale, ws, channels);
  const multipliers = new Float64Array(channels);
  for (let c = 0; c < channels; c++) multipliers[c] = formulas.multiplier(xsv, wsc[c], ysv);
  let biasData: Int32Array | undefined;
  if (bias !== undefined) {
    checkDType(OP, bias, "B", [DType.INT32]);
    checkData(OP, bias, "B");
    if (bias.shape.length !== 1 || bias.shape[0] !== channels) throw new OpError(OP, `B ${describe(bias)} must have shape [${channels}]`);
    biasData = bias.data as Int32Array;
  }
  return {
    shape,
    x: numberData(x),
    w: numberData(w),
    xZeroPoint: scalarValue(OP, "x_zero_point", xZp),
    wZeroPoints: perChannel(OP, "w_zero_point", wZp, numberData(wZp), channels),
    multipliers,
    bias: biasData,
    yDType: yZp.dtype,
    yZeroPoint: scalarValue(OP, "y_zero_point", yZp),
  };
}

export function qlinearConv(inputs: readonly (Tensor | undefined)[], attributes: Attributes): Tensor[] {
  const p = prepare(inputs, attributes);
  const { shape } = p;
  const { min, max } = intRange(p.yDType);
  const n = numel(shape.outShape);
  const out = p.yDType === DType.UINT8 ? new Uint8Array(n) : new Int8Array(n);
  const xIdx = new Int32Array(shape.termCount);
  const wIdx = new Int32Array(shape.termCount);
  for (let o = 0; o < n; o++) {
    const m = convOperands(shape, o, xIdx, wIdx);
    const xzp = p.xZeroPoint;
    const wzp = p.wZeroPoints[m];
    let acc = p.bias === undefined ? 0 : p.bias[m];
    for (let k = 0; k < shape.termCount; k++) {
      const xi = xIdx[k];
      // |(x - xzp)(w - wzp)| <= 2^16: exact in a double before the int32 wrap.
      if (xi >= 0) acc = (acc + (p.x[xi] - xzp) * (p.w[wIdx[k]] - wzp)) | 0;
    }
    out[o] = formulas.requantize(acc, p.multipliers[m], p.yZeroPoint, min, max);
  }
  return [{ dtype: p.yDType, shape: shape.outShape, data: out }];
}

/** The accumulation trace of output element `outputIndex` (see the order at the top). */
export function qlinearConvAccumulation(
  inputs: readonly (Tensor | undefined)[],
  attributes: Attributes,
  outputIndex: number,
): Accumulation {
  const p = prepare(inputs, attributes);
  const { shape } = p;
  checkOutputIndex(OP, outputIndex, numel(shape.outShape));
  const xIdx = new Int32Array(shape.termCount);
  const wIdx = new Int32Array(shape.termCount);
  const m = convOperands(shape, outputIndex, xIdx, wIdx);
  const start = p.bias === undefined ? 0 : p.bias[m];
  const { terms, partials } = foldProducts(start, p.x, p.xZeroPoint, xIdx, p.w, p.wZeroPoints[m], wIdx, shape.termCount);
  const acc = partials.length === 0 ? start : partials[partials.length - 1];
  const { min, max } = intRange(p.yDType);
  return {
    outputIndex,
    start,
    startIndex: p.bias === undefined ? undefined : m,
    aZeroPoint: p.xZeroPoint,
    bZeroPoint: p.wZeroPoints[m],
    terms,
    partials,
    requantize: { multiplier: p.multipliers[m], zeroPoint: p.yZeroPoint },
    output: formulas.requantize(acc, p.multipliers[m], p.yZeroPoint, min, max),
  };
}
