/**
 * QLinearMatMul: uint8/int8 a and b, per-tensor scales and zero points, numpy matmul shapes
 * (batched, broadcast). The output type is y_zero_point's.
 *
 *   acc = i32(sum_k (a - za)(b - zb)),  M = f32(f32(sa * sb) / sy),
 *   y   = sat(RNE(f32(f32(acc) * M)) + zy)
 *
 * Per-row / per-column scales (which ONNX allows for 2-D inputs) are refused: onnxruntime's
 * behaviour for them was not measured.
 *
 * ACCUMULATION ORDER (docs/SPEC.md quotes it): p_0 = 0; k = 0 .. K-1 ascending;
 * p_k = i32(p_{k-1} + (a - za)(b - zb)). Operand indices: matmul_core.ts.
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
  isScalarLike,
  numberData,
  required,
  scaleValues,
} from "./common.js";
import { checkOutputIndex } from "./conv_core.js";
import { type MatMulShape, matmulOperands, matmulShape } from "./matmul_core.js";
import { formulas, intRange } from "./numeric.js";

const OP = "QLinearMatMul";
const Q_TYPES = [DType.UINT8, DType.INT8] as const;

interface Prepared {
  readonly shape: MatMulShape;
  readonly a: ArrayLike<number>;
  readonly b: ArrayLike<number>;
  readonly aZeroPoint: number;
  readonly bZeroPoint: number;
  readonly multiplier: number;
  readonly yDType: DType;
  readonly yZeroPoint: number;
}

function scalarValue(t: Tensor, name: string, values: ArrayLike<number>): number {
  if (!isScalarLike(t)) throw new OpError(OP, `${name} ${describe(t)} must be a scalar (per-tensor)`);
  return values[0];
}

function prepare(inputs: readonly (Tensor | undefined)[], attributes: Attributes): Prepared {
  checkInputCount(OP, inputs, 8, 8);
  checkAttributes(OP, attributes, []);
  const a = required(OP, inputs, 0, "a");
  const aScale = required(OP, inputs, 1, "a_scale");
  const aZp = required(OP, inputs, 2, "a_zero_point");
  const b = required(OP, inputs, 3, "b");
  const bScale = required(OP, inputs, 4, "b_scale");
  const bZp = required(OP, inputs, 5, "b_zero_point");
  const yScale = required(OP, inputs, 6, "y_scale");
  const yZp = required(OP, inputs, 7, "y_zero_point");
  checkDType(OP, a, "a", Q_TYPES);
  checkDType(OP, b, "b", Q_TYPES);
  checkDType(OP, yZp, "y_zero_point", Q_TYPES);
  checkSameDType(OP, a, "a", aZp, "a_zero_point");
  checkSameDType(OP, b, "b", bZp, "b_zero_point");
  for (const [t, name] of [[a, "a"], [b, "b"], [aZp, "a_zero_point"], [bZp, "b_zero_point"], [yZp, "y_zero_point"]] as const) checkData(OP, t, name);
  const sa = scalarValue(aScale, "a_scale", scaleValues(OP, aScale, "a_scale"));
  const sb = scalarValue(bScale, "b_scale", scaleValues(OP, bScale, "b_scale"));
  const sy = scalarValue(yScale, "y_scale", scaleValues(OP, yScale, "y_scale"));
  checkPositiveScales(OP, [sa], "a_scale");
  checkPositiveScales(OP, [sb], "b_scale");
  checkPositiveScales(OP, [sy], "y_scale");
  return {
    shape: matmulShape(OP, a.shape, b.shape),
    a: numberData(a),
    b: numberData(b),
    aZeroPoint: scalarValue(aZp, "a_zero_point", numberData(aZp)),
    bZeroPoint: scalarValue(bZp, "b_zero_point", numberData(bZp)),
    multiplier: formulas.multiplier(sa, sb, sy),
    yDType: yZp.dtype,
    yZeroPoint: scalarValue(yZp, "y_zero_point", numberData(yZp)),
  };
}

export function qlinearMatMul(inputs: readonly (Tensor | undefined)[], attributes: Attributes): Tensor[] {
  const p = prepare(inputs, attributes);
  const { shape } = p;
  const { min, max } = intRange(p.yDType);
  const n = numel(shape.outShape);
  const out = p.yDType === DType.UINT8 ? new Uint8Array(n) : new Int8Array(n);
  const aIdx = new Int32Array(shape.inner);
  const bIdx = new Int32Array(shape.inner);
  for (let o = 0; o < n; o++) {
    matmulOperands(shape, o, aIdx, bIdx);
    let acc = 0;
    // |(a - za)(b - zb)| <= 2^16: exact in a double before the int32 wrap.
    for (let k = 0; k < shape.inner; k++) acc = (acc + (p.a[aIdx[k]] - p.aZeroPoint) * (p.b[bIdx[k]] - p.bZeroPoint)) | 0;
    out[o] = formulas.requantize(acc, p.multiplier, p.yZeroPoint, min, max);
  }
  return [{ dtype: p.yDType, shape: shape.outShape, data: out }];
}

/** The accumulation trace of output element `outputIndex` (see the order at the top). */
export function qlinearMatMulAccumulation(
  inputs: readonly (Tensor | undefined)[],
  attributes: Attributes,
  outputIndex: number,
): Accumulation {
  const p = prepare(inputs, attributes);
  const { shape } = p;
  checkOutputIndex(OP, outputIndex, numel(shape.outShape));
  const aIdx = new Int32Array(shape.inner);
  const bIdx = new Int32Array(shape.inner);
  matmulOperands(shape, outputIndex, aIdx, bIdx);
  const { terms, partials } = foldProducts(0, p.a, p.aZeroPoint, aIdx, p.b, p.bZeroPoint, bIdx, shape.inner);
  const acc = partials.length === 0 ? 0 : partials[partials.length - 1];
  const { min, max } = intRange(p.yDType);
  return {
    outputIndex,
    start: 0,
    startIndex: undefined,
    aZeroPoint: p.aZeroPoint,
    bZeroPoint: p.bZeroPoint,
    terms,
    partials,
    requantize: { multiplier: p.multiplier, zeroPoint: p.yZeroPoint },
    output: formulas.requantize(acc, p.multiplier, p.yZeroPoint, min, max),
  };
}
