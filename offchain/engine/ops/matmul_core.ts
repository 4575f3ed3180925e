/**
 * numpy matmul shapes and operand indices shared by QLinearMatMul and MatMulInteger.
 *
 * ACCUMULATION ORDER (docs/SPEC.md quotes it; the on-chain verifier derives the same indices).
 * A[..., M, K] x B[..., K, N] -> Y[..., M, N], batch dims broadcast numpy-style (a 1-D A is
 * [1, K] and a 1-D B is [K, 1], the added dim then dropped from Y). Output element o is
 * (batch b, row m, column n), o = (b * M + m) * N + n. Its K terms are k = 0 .. K-1 ascending:
 *   a operand index = aOffset(b) + m * K + k,   b operand index = bOffset(b) + k * N + n,
 * where aOffset(b) / bOffset(b) is the start of the (broadcast) matrix of batch b in A / B.
 */
import { OpError, shapeStr } from "./common.js";

export interface MatMulShape {
  readonly rows: number;
  readonly inner: number;
  readonly cols: number;
  readonly outShape: readonly number[];
  /** Start of each output batch's matrix in A and in B (length = number of batches). */
  readonly aOffsets: readonly number[];
  readonly bOffsets: readonly number[];
}

export function matmulShape(op: string, aShape: readonly number[], bShape: readonly number[]): MatMulShape {
  if (aShape.length < 1 || bShape.length < 1) throw new OpError(op, `matmul needs inputs of rank >= 1, got ${shapeStr(aShape)} and ${shapeStr(bShape)}`);
  const a = aShape.length === 1 ? [1, aShape[0]] : [...aShape];
  const b = bShape.length === 1 ? [bShape[0], 1] : [...bShape];
  const rows = a[a.length - 2];
  const inner = a[a.length - 1];
  const cols = b[b.length - 1];
  if (b[b.length - 2] !== inner) throw new OpError(op, `inner dimensions differ: ${shapeStr(aShape)} x ${shapeStr(bShape)}`);
  const aBatch = a.slice(0, -2);
  const bBatch = b.slice(0, -2);
  const rank = Math.max(aBatch.length, bBatch.length);
  const outBatch: number[] = [];
  for (let i = 0; i < rank; i++) {
    const da = aBatch[i - (rank - aBatch.length)] ?? 1;
    const db = bBatch[i - (rank - bBatch.length)] ?? 1;
    if (da !== db && da !== 1 && db !== 1) throw new OpError(op, `batch dimensions do not broadcast: ${shapeStr(aShape)} x ${shapeStr(bShape)}`);
    outBatch.push(da === 1 ? db : da);
  }
  const batches = outBatch.reduce((x, y) => x * y, 1);
  const aOffsets: number[] = [];
  const bOffsets: number[] = [];
  for (let bi = 0; bi < batches; bi++) {
    let rest = bi;
    let aMat = 0;
    let bMat = 0;
    let aStride = 1;
    let bStride = 1;
    for (let i = rank - 1; i >= 0; i--) {
      const c = rest % outBatch[i];
      rest = Math.floor(rest / outBatch[i]);
      const ai = i - (rank - aBatch.length);
      const bj = i - (rank - bBatch.length);
      if (ai >= 0) {
        if (aBatch[ai] !== 1) aMat += c * aStride;
        aStride *= aBatch[ai];
      }
      if (bj >= 0) {
        if (bBatch[bj] !== 1) bMat += c * bStride;
        bStride *= bBatch[bj];
      }
    }
    aOffsets.push(aMat * rows * inner);
    bOffsets.push(bMat * inner * cols);
  }
  const outShape = [...outBatch];
  if (aShape.length !== 1) outShape.push(rows);
  if (bShape.length !== 1) outShape.push(cols);
  return { rows, inner, cols, outShape, aOffsets, bOffsets };
}

/** Writes the operand indices of output element `o` (k ascending); returns its column n. */
export function matmulOperands(s: MatMulShape, o: number, aIdx: Int32Array, bIdx: Int32Array): number {
  const n = o % s.cols;
  const bm = Math.floor(o / s.cols);
  const m = bm % s.rows;
  const batch = Math.floor(bm / s.rows);
  const aBase = s.aOffsets[batch] + m * s.inner;
  const bBase = s.bOffsets[batch] + n;
  for (let k = 0; k < s.inner; k++) {
    aIdx[k] = aBase + k;
    bIdx[k] = bBase + k * s.cols;
  }
  return n;
}
