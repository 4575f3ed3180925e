/** Float32 Gemm (transA, transB, alpha, beta, C broadcast to [M, N]) and 2-D-weight MatMul. */
import { attrFloat, attrInt } from "../../engine/onnx/attr-read.js";
import type { Node } from "../../engine/onnx/types.js";
import { DType, type Tensor } from "../../engine/tensor.js";
import { FloatOpError } from "./errors.js";
import { broadcastIndex } from "./add.js";

export function gemm(node: Node, a: Tensor, b: Tensor, c: Tensor | undefined): Tensor {
  if (a.shape.length !== 2 || b.shape.length !== 2) throw new FloatOpError(node, `A [${a.shape}] and B [${b.shape}] must be 2-D`);
  const transA = attrInt(node, "transA", 0) === 1;
  const transB = attrInt(node, "transB", 0) === 1;
  const alpha = attrFloat(node, "alpha", 1);
  const beta = attrFloat(node, "beta", 1);
  const [m, k] = transA ? [a.shape[1]!, a.shape[0]!] : [a.shape[0]!, a.shape[1]!];
  const [kb, n] = transB ? [b.shape[1]!, b.shape[0]!] : [b.shape[0]!, b.shape[1]!];
  if (k !== kb) throw new FloatOpError(node, `A [${a.shape}] and B [${b.shape}] disagree on K`);
  const as = a.data as Float32Array;
  const bs = b.data as Float32Array;
  const cIndex = c === undefined ? undefined : broadcastIndex(c.shape, [m, n]);
  const cs = c?.data as Float32Array | undefined;
  const y = new Float32Array(m * n);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let acc = 0;
      for (let p = 0; p < k; p++) acc += as[transA ? p * m + i : i * k + p]! * bs[transB ? j * k + p : p * n + j]!;
      let v = alpha * acc;
      if (cs !== undefined && cIndex !== undefined) v += beta * cs[cIndex[i * n + j]!]!;
      y[i * n + j] = v;
    }
  }
  return { dtype: DType.FLOAT, shape: [m, n], data: y };
}

/** MatMul with A of rank >= 2 and B of rank 2 (the weight case), or equal batch dims. */
export function matMul(node: Node, a: Tensor, b: Tensor): Tensor {
  if (a.shape.length < 2 || b.shape.length < 2) throw new FloatOpError(node, `A [${a.shape}] and B [${b.shape}] must have rank >= 2`);
  const k = a.shape[a.shape.length - 1]!;
  const m = a.shape[a.shape.length - 2]!;
  const n = b.shape[b.shape.length - 1]!;
  if (b.shape[b.shape.length - 2] !== k) throw new FloatOpError(node, `A [${a.shape}] and B [${b.shape}] disagree on K`);
  const batchShape = a.shape.slice(0, -2);
  const batches = batchShape.reduce((p, d) => p * d, 1);
  const bBatches = b.shape.slice(0, -2).reduce((p, d) => p * d, 1);
  if (bBatches !== 1 && (b.shape.length !== a.shape.length || bBatches !== batches)) {
    throw new FloatOpError(node, `batch dims of A [${a.shape}] and B [${b.shape}] are outside what calibration runs`);
  }
  const as = a.data as Float32Array;
  const bs = b.data as Float32Array;
  const y = new Float32Array(batches * m * n);
  for (let t = 0; t < batches; t++) {
    const aBase = t * m * k;
    const bBase = bBatches === 1 ? 0 : t * k * n;
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < n; j++) {
        let acc = 0;
        for (let p = 0; p < k; p++) acc += as[aBase + i * k + p]! * bs[bBase + p * n + j]!;
        y[(t * m + i) * n + j] = acc;
      }
    }
  }
  return { dtype: DType.FLOAT, shape: [...batchShape, m, n], data: y };
}
