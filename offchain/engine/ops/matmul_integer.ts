/**
 * MatMulInteger: uint8/int8 a and b -> int32, exact, numpy matmul shapes (batched, broadcast).
 *
 *   y = i32(sum_k (a - za)(b - zb[n]))
 *
 * a_zero_point is a scalar (the per-row form is refused: onnxruntime does not take it);
 * b_zero_point a scalar or one per output column n (shape [N]).
 *
 * ACCUMULATION ORDER (docs/SPEC.md quotes it): p_0 = 0; k = 0 .. K-1 ascending;
 * p_k = i32(p_{k-1} + (a - za)(b - zb[n])); y = p_K. Operand indices: matmul_core.ts.
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
import { checkOutputIndex } from "./conv_core.js";
import { type MatMulShape, matmulOperands, matmulShape } from "./matmul_core.js";

const OP = "MatMulInteger";
const Q_TYPES = [DType.UINT8, DType.INT8] as const;

interface Prepared {
  readonly shape: MatMulShape;
  readonly a: ArrayLike<number>;
  readonly b: ArrayLike<number>;
  readonly aZeroPoint: number;
  /** Per output column. */
  readonly bZeroPoints: Float64Array;
}

function prepare(inputs: readonly (Tensor | undefined)[], attributes: Attributes): Prepared {
  checkInputCount(OP, inputs, 2, 4);
  checkAttributes(OP, attributes, []);
  const a = required(OP, inputs, 0, "A");
  const b = required(OP, inputs, 1, "B");
  const aZp = optional(inputs, 2);
  const bZp = optional(inputs, 3);
  checkDType(OP, a, "A", Q_TYPES);
  checkDType(OP, b, "B", Q_TYPES);
  checkData(OP, a, "A");
  checkData(OP, b, "B");
  const shape = matmulShape(OP, a.shape, b.shape);
  let aZeroPoint = 0;
  if (aZp !== undefined) {
    checkSameDType(OP, a, "A", aZp, "a_zero_point");
    checkData(OP, aZp, "a_zero_point");
    aZeroPoint = scalarValue(OP, "a_zero_point", aZp);
  }
  let bZeroPoints: Float64Array = new Float64Array(shape.cols);
  if (bZp !== undefined) {
    checkSameDType(OP, b, "B", bZp, "b_zero_point");
    checkData(OP, bZp, "b_zero_point");
    bZeroPoints = perChannel(OP, "b_zero_point", bZp, numberData(bZp), shape.cols);
  }
  return { shape, a: numberData(a), b: numberData(b), aZeroPoint, bZeroPoints };
}

export function matMulInteger(inputs: readonly (Tensor | undefined)[], attributes: Attributes): Tensor[] {
  const p = prepare(inputs, attributes);
  const { shape } = p;
  const n = numel(shape.outShape);
  const out = new Int32Array(n);
  const aIdx = new Int32Array(shape.inner);
  const bIdx = new Int32Array(shape.inner);
  for (let o = 0; o < n; o++) {
    const col = matmulOperands(shape, o, aIdx, bIdx);
    const bzp = p.bZeroPoints[col];
    let acc = 0;
    // |(a - za)(b - zb)| <= 2^16: exact in a double before the int32 wrap.
    for (let k = 0; k < shape.inner; k++) acc = (acc + (p.a[aIdx[k]] - p.aZeroPoint) * (p.b[bIdx[k]] - bzp)) | 0;
    out[o] = acc;
  }
  return [{ dtype: DType.INT32, shape: shape.outShape, data: out }];
}

/** The accumulation trace of output element `outputIndex` (see the order at the top). */
export function matMulIntegerAccumulation(
  inputs: readonly (Tensor | undefined)[],
  attributes: Attributes,
  outputIndex: number,
): Accumulation {
  const p = prepare(inputs, attributes);
  const { shape } = p;
  checkOutputIndex(OP, outputIndex, numel(shape.outShape));
  const aIdx = new Int32Array(shape.inner);
  const bIdx = new Int32Array(shape.inner);
  const col = matmulOperands(shape, outputIndex, aIdx, bIdx);
  const { terms, partials } = foldProducts(0, p.a, p.aZeroPoint, aIdx, p.b, p.bZeroPoints[col], bIdx, shape.inner);
  return {
    outputIndex,
    start: 0,
    startIndex: undefined,
    aZeroPoint: p.aZeroPoint,
    bZeroPoint: p.bZeroPoints[col],
    terms,
    partials,
    requantize: undefined,
    output: partials.length === 0 ? 0 : partials[partials.length - 1],
  };
}
