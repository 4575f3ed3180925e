/**
 * com.microsoft QGemm: inputs A, a_scale, a_zero_point, B, b_scale, b_zero_point, C, y_scale,
 * y_zero_point (C, y_scale, y_zero_point and both zero points optional); attributes transA,
 * transB, alpha. A, B: uint8/int8 matrices; C: int32, broadcast to [M, N].
 *
 *   acc   = i32(C[m,n] + sum_k (a - azp)(b - bzp[n]))
 *   S_n   = f32(f32(alpha * as) * bs[n]), then f32(S_n / ys) when y_scale is present
 *   y_zp present (quantized output, y_zp's type):  y = sat(RNE(f32(f32(acc) * S_n)) + yzp)
 *   y_zp absent (float32 output):                  y = f32(f32(acc) * S_n)
 * The output kind is decided by y_zero_point being PRESENT, not y_scale (SEMANTICS.md); with y_zp
 * but no y_scale the multiplier is not divided.
 *
 * ACCUMULATION ORDER (docs/SPEC.md quotes it): p_0 = C[m, n] broadcast (the flat C index is
 * startIndex; 0 when C is absent); k = 0 .. K-1 ascending; p_k = i32(p_{k-1} + (a - azp)(b - bzp[n]))
 * with a operand index m*K + k (transA: k*M + m) and b operand index k*N + n (transB: n*K + k).
 */
import { DType, type Tensor } from "../tensor.js";
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
  floatAttr,
  intAttr,
  isScalarLike,
  numberData,
  optional,
  required,
  scaleValues,
  perChannel,
} from "./common.js";
import { checkOutputIndex } from "./conv_core.js";
import { formulas, intRange } from "./numeric.js";

const OP = "QGemm";
const Q_TYPES = [DType.UINT8, DType.INT8] as const;

interface Prepared {
  readonly rows: number;
  readonly inner: number;
  readonly cols: number;
  readonly transA: boolean;
  readonly transB: boolean;
  readonly a: ArrayLike<number>;
  readonly b: ArrayLike<number>;
  readonly aZeroPoint: number;
  readonly bZeroPoints: Float64Array;
  /** C as int32 and the flat C index of output (m, n), or undefined without C. */
  readonly c: Int32Array | undefined;
  readonly cIndex: (m: number, n: number) => number;
  /** Per column n. */
  readonly multipliers: Float64Array;
  /** undefined: float32 output. */
  readonly yDType: DType | undefined;
  readonly yZeroPoint: number;
}

function prepare(inputs: readonly (Tensor | undefined)[], attributes: Attributes): Prepared {
  checkInputCount(OP, inputs, 6, 9);
  checkAttributes(OP, attributes, ["alpha", "transA", "transB"]);
  const a = required(OP, inputs, 0, "A");
  const aScale = required(OP, inputs, 1, "a_scale");
  const aZp = optional(inputs, 2);
  const b = required(OP, inputs, 3, "B");
  const bScale = required(OP, inputs, 4, "b_scale");
  const bZp = optional(inputs, 5);
  const c = optional(inputs, 6);
  const yScale = optional(inputs, 7);
  const yZp = optional(inputs, 8);
  checkDType(OP, a, "A", Q_TYPES);
  checkDType(OP, b, "B", Q_TYPES);
  checkData(OP, a, "A");
  checkData(OP, b, "B");
  const transA = intAttr(OP, attributes, "transA", 0);
  const transB = intAttr(OP, attributes, "transB", 0);
  if ((transA !== 0 && transA !== 1) || (transB !== 0 && transB !== 1)) throw new OpError(OP, `transA/transB must be 0 or 1`);
  const alpha = floatAttr(OP, attributes, "alpha", 1);
  if (!Number.isFinite(alpha)) throw new OpError(OP, `alpha ${alpha} must be finite`);
  if (a.shape.length !== 2 || b.shape.length !== 2) throw new OpError(OP, `A ${describe(a)} and B ${describe(b)} must be matrices`);
  const [rows, innerA] = transA ? [a.shape[1], a.shape[0]] : [a.shape[0], a.shape[1]];
  const [innerB, cols] = transB ? [b.shape[1], b.shape[0]] : [b.shape[0], b.shape[1]];
  if (innerA !== innerB) throw new OpError(OP, `inner dimensions differ: A ${describe(a)} (transA=${transA}) x B ${describe(b)} (transB=${transB})`);

  const as = scaleValues(OP, aScale, "a_scale");
  if (!isScalarLike(aScale)) throw new OpError(OP, `a_scale ${describe(aScale)} must be a scalar`);
  checkPositiveScales(OP, as, "a_scale");
  const bs = perChannel(OP, "b_scale", bScale, scaleValues(OP, bScale, "b_scale"), cols);
  checkPositiveScales(OP, bs, "b_scale");
  let ys: number | undefined;
  if (yScale !== undefined) {
    const v = scaleValues(OP, yScale, "y_scale");
    if (!isScalarLike(yScale)) throw new OpError(OP, `y_scale ${describe(yScale)} must be a scalar`);
    checkPositiveScales(OP, v, "y_scale");
    ys = v[0];
  }
  let aZeroPoint = 0;
  if (aZp !== undefined) {
    checkSameDType(OP, a, "A", aZp, "a_zero_point");
    checkData(OP, aZp, "a_zero_point");
    if (!isScalarLike(aZp)) throw new OpError(OP, `a_zero_point ${describe(aZp)} must be a scalar`);
    aZeroPoint = numberData(aZp)[0];
  }
  let bZeroPoints: Float64Array = new Float64Array(cols);
  if (bZp !== undefined) {
    checkSameDType(OP, b, "B", bZp, "b_zero_point");
    checkData(OP, bZp, "b_zero_point");
    bZeroPoints = perChannel(OP, "b_zero_point", bZp, numberData(bZp), cols);
  }
  let cData: Int32Array | undefined;
  let cIndex = (_m: number, _n: number): number => 0;
  if (c !== undefined) {
    checkDType(OP, c, "C", [DType.INT32]);
    checkData(OP, c, "C");
    // Unidirectional broadcast of C to [M, N].
    const cs = c.shape;
    if (cs.length > 2) throw new OpError(OP, `C ${describe(c)} does not broadcast to [${rows},${cols}]`);
    const cRows = cs.length === 2 ? cs[0] : 1;
    const cCols = cs.length >= 1 ? cs[cs.length - 1] : 1;
    if ((cRows !== 1 && cRows !== rows) || (cCols !== 1 && cCols !== cols)) {
      throw new OpError(OP, `C ${describe(c)} does not broadcast to [${rows},${cols}]`);
    }
    cData = c.data as Int32Array;
    cIndex = (m, n) => (cRows === 1 ? 0 : m) * cCols + (cCols === 1 ? 0 : n);
  }
  let yDType: DType | undefined;
  let yZeroPoint = 0;
  if (yZp !== undefined) {
    checkDType(OP, yZp, "y_zero_point", Q_TYPES);
    checkData(OP, yZp, "y_zero_point");
    if (!isScalarLike(yZp)) throw new OpError(OP, `y_zero_point ${describe(yZp)} must be a scalar`);
    yDType = yZp.dtype;
    yZeroPoint = numberData(yZp)[0];
  }
  const multipliers = new Float64Array(cols);
  for (let n = 0; n < cols; n++) multipliers[n] = formulas.gemmMultiplier(alpha, as[0], bs[n], ys);
  return {
    rows,
    inner: innerA,
    cols,
    transA: transA === 1,
    transB: transB === 1,
    a: numberData(a),
    b: numberData(b),
    aZeroPoint,
    bZeroPoints,
    c: cData,
    cIndex,
    multipliers,
    yDType,
    yZeroPoint,
  };
}

function operands(p: Prepared, m: number, n: number, aIdx: Int32Array, bIdx: Int32Array): void {
  for (let k = 0; k < p.inner; k++) {
    aIdx[k] = p.transA ? k * p.rows + m : m * p.inner + k;
    bIdx[k] = p.transB ? n * p.inner + k : k * p.cols + n;
  }
}

function finish(p: Prepared, acc: number, n: number): number {
  if (p.yDType === undefined) return formulas.scaleAccumulator(acc, p.multipliers[n]);
  const { min, max } = intRange(p.yDType);
  return formulas.requantize(acc, p.multipliers[n], p.yZeroPoint, min, max);
}

export function qgemm(inputs: readonly (Tensor | undefined)[], attributes: Attributes): Tensor[] {
  const p = prepare(inputs, attributes);
  const size = p.rows * p.cols;
  const out =
    p.yDType === undefined ? new Float32Array(size) : p.yDType === DType.UINT8 ? new Uint8Array(size) : new Int8Array(size);
  const aIdx = new Int32Array(p.inner);
  const bIdx = new Int32Array(p.inner);
  for (let m = 0; m < p.rows; m++) {
    for (let n = 0; n < p.cols; n++) {
      operands(p, m, n, aIdx, bIdx);
      const bzp = p.bZeroPoints[n];
      let acc = p.c === undefined ? 0 : p.c[p.cIndex(m, n)];
      // |(a - za)(b - zb)| <= 2^16: exact in a double before the int32 wrap.
      for (let k = 0; k < p.inner; k++) acc = (acc + (p.a[aIdx[k]] - p.aZeroPoint) * (p.b[bIdx[k]] - bzp)) | 0;
      out[m * p.cols + n] = finish(p, acc, n);
    }
  }
  return [{ dtype: p.yDType ?? DType.FLOAT, shape: [p.rows, p.cols], data: out }];
}

/** The accumulation trace of output element `outputIndex` (see the order at the top). */
export function qgemmAccumulation(inputs: readonly (Tensor | undefined)[], attributes: Attributes, outputIndex: number): Accumulation {
  const p = prepare(inputs, attributes);
  checkOutputIndex(OP, outputIndex, p.rows * p.cols);
  const m = Math.floor(outputIndex / p.cols);
  const n = outputIndex % p.cols;
  const aIdx = new Int32Array(p.inner);
  const bIdx = new Int32Array(p.inner);
  operands(p, m, n, aIdx, bIdx);
  const startIndex = p.c === undefined ? undefined : p.cIndex(m, n);
  const start = p.c === undefined || startIndex === undefined ? 0 : p.c[startIndex];
  const { terms, partials } = foldProducts(start, p.a, p.aZeroPoint, aIdx, p.b, p.bZeroPoints[n], bIdx, p.inner);
  const acc = partials.length === 0 ? start : partials[partials.length - 1];
  return {
    outputIndex,
    start,
    startIndex,
    aZeroPoint: p.aZeroPoint,
    bZeroPoint: p.bZeroPoints[n],
    terms,
    partials,
    requantize: { multiplier: p.multipliers[n], zeroPoint: p.yDType === undefined ? undefined : p.yZeroPoint },
    output: finish(p, acc, n),
  };
}
