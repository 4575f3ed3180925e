/**
 * ConvInteger: uint8/int8 x, uint8/int8 w -> int32, exact.
 *
 *   y = i32(sum (x - xzp)(w - wzp[m]))      padded taps contribute 0
 *
 * x_zero_point is a scalar; w_zero_point a scalar or one per output channel (ONNX allows it;
 * onnxruntime 1.30 refuses the per-channel form, so the ONNX expected output is the reference).
 *
 * ACCUMULATION ORDER (docs/SPEC.md quotes it): p_0 = 0; then K = (C / group) * prod(kernel) terms,
 * input channel within the group outer, kernel taps row-major inner, padded taps kept as "padding"
 * terms; p_k = i32(p_{k-1} + (x - xzp)(w - wzp[m])); y = p_K. Operand indices: conv_core.ts.
 */
import { DType, numel, type Tensor } from "../tensor.js";
import { type Accumulation, foldProducts } from "./accumulation.js";
import {
  type Attributes,
  checkAttributes,
  checkData,
  checkDType,
  checkInputCount,
  checkSameDType,
  numberData,
  optional,
  required,
  perChannel,
  scalarValue,
} from "./common.js";
import { type ConvShape, checkOutputIndex, convOperands, convShape } from "./conv_core.js";

const OP = "ConvInteger";
const Q_TYPES = [DType.UINT8, DType.INT8] as const;

interface Prepared {
  readonly shape: ConvShape;
  readonly x: ArrayLike<number>;
  readonly w: ArrayLike<number>;
  readonly xZeroPoint: number;
  readonly wZeroPoints: Float64Array;
}

function prepare(inputs: readonly (Tensor | undefined)[], attributes: Attributes): Prepared {
  checkInputCount(OP, inputs, 2, 4);
  checkAttributes(OP, attributes, ["auto_pad", "dilations", "group", "kernel_shape", "pads", "strides"]);
  const x = required(OP, inputs, 0, "x");
  const w = required(OP, inputs, 1, "w");
  const xZp = optional(inputs, 2);
  const wZp = optional(inputs, 3);
  checkDType(OP, x, "x", Q_TYPES);
  checkDType(OP, w, "w", Q_TYPES);
  checkData(OP, x, "x");
  checkData(OP, w, "w");
  const shape = convShape(OP, x, w, attributes);
  let xZeroPoint = 0;
  if (xZp !== undefined) {
    checkSameDType(OP, x, "x", xZp, "x_zero_point");
    checkData(OP, xZp, "x_zero_point");
    xZeroPoint = scalarValue(OP, "x_zero_point", xZp);
  }
  let wZeroPoints: Float64Array = new Float64Array(shape.outChannels);
  if (wZp !== undefined) {
    checkSameDType(OP, w, "w", wZp, "w_zero_point");
    checkData(OP, wZp, "w_zero_point");
    wZeroPoints = perChannel(OP, "w_zero_point", wZp, numberData(wZp), shape.outChannels);
  }
  return { shape, x: numberData(x), w: numberData(w), xZeroPoint, wZeroPoints };
}

export function convInteger(inputs: readonly (Tensor | undefined)[], attributes: Attributes): Tensor[] {
  const p = prepare(inputs, attributes);
  const { shape } = p;
  const n = numel(shape.outShape);
  const out = new Int32Array(n);
  const xIdx = new Int32Array(shape.termCount);
  const wIdx = new Int32Array(shape.termCount);
  for (let o = 0; o < n; o++) {
    const m = convOperands(shape, o, xIdx, wIdx);
    const wzp = p.wZeroPoints[m];
    let acc = 0;
    for (let k = 0; k < shape.termCount; k++) {
      const xi = xIdx[k];
      // |(x - xzp)(w - wzp)| <= 2^16: exact in a double before the int32 wrap.
      if (xi >= 0) acc = (acc + (p.x[xi] - p.xZeroPoint) * (p.w[wIdx[k]] - wzp)) | 0;
    }
    out[o] = acc;
  }
  return [{ dtype: DType.INT32, shape: shape.outShape, data: out }];
}

/** The accumulation trace of output element `outputIndex` (see the order at the top). */
export function convIntegerAccumulation(
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
  const { terms, partials } = foldProducts(0, p.x, p.xZeroPoint, xIdx, p.w, p.wZeroPoints[m], wIdx, shape.termCount);
  return {
    outputIndex,
    start: 0,
    startIndex: undefined,
    aZeroPoint: p.xZeroPoint,
    bZeroPoint: p.wZeroPoints[m],
    terms,
    partials,
    requantize: undefined,
    output: partials.length === 0 ? 0 : partials[partials.length - 1],
  };
}
