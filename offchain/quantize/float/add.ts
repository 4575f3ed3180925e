/** Float32 Add and Relu with numpy broadcasting, for calibration. */
import type { Node } from "../../engine/onnx/types.js";
import { DType, type Tensor } from "../../engine/tensor.js";
import { FloatOpError } from "./errors.js";

function broadcastShape(a: readonly number[], b: readonly number[]): number[] | undefined {
  const r = Math.max(a.length, b.length);
  const out: number[] = [];
  for (let i = 0; i < r; i++) {
    const da = a[a.length - r + i] ?? 1;
    const db = b[b.length - r + i] ?? 1;
    if (da !== db && da !== 1 && db !== 1) return undefined;
    out.push(da === 1 ? db : da);
  }
  return out;
}

/** For each row-major index of `to`, the index of the element of `from` it reads (numpy rules). */
export function broadcastIndex(from: readonly number[], to: readonly number[]): Int32Array {
  const total = to.reduce((p, d) => p * d, 1);
  const idx = new Int32Array(total);
  const r = to.length;
  const strides = new Array<number>(r).fill(0);
  let s = 1;
  for (let i = from.length - 1; i >= 0; i--) {
    const d = r - from.length + i;
    strides[d] = from[i] === 1 ? 0 : s;
    s *= from[i]!;
  }
  for (let o = 0; o < total; o++) {
    let rest = o;
    let at = 0;
    for (let d = r - 1; d >= 0; d--) {
      at += (rest % to[d]!) * strides[d]!;
      rest = Math.floor(rest / to[d]!);
    }
    idx[o] = at;
  }
  return idx;
}

export function add(node: Node, a: Tensor, b: Tensor): Tensor {
  const shape = broadcastShape(a.shape, b.shape);
  if (shape === undefined) throw new FloatOpError(node, `shapes [${a.shape}] and [${b.shape}] do not broadcast`);
  const ia = broadcastIndex(a.shape, shape);
  const ib = broadcastIndex(b.shape, shape);
  const as = a.data as Float32Array;
  const bs = b.data as Float32Array;
  const y = new Float32Array(ia.length);
  for (let i = 0; i < y.length; i++) y[i] = as[ia[i]!]! + bs[ib[i]!]!;
  return { dtype: DType.FLOAT, shape, data: y };
}

export function relu(x: Tensor): Tensor {
  const xs = x.data as Float32Array;
  const y = new Float32Array(xs.length);
  for (let i = 0; i < xs.length; i++) y[i] = xs[i]! > 0 ? xs[i]! : 0;
  return { dtype: DType.FLOAT, shape: [...x.shape], data: y };
}
