/** numpy (multidirectional) broadcasting of two shapes, and the input indices of each output. */
import { numel, type Tensor, type TypedData } from "../tensor.js";
import { type Attributes, OpError, allocLike, checkAttributes, checkData, checkInputCount, checkSameDType, required, shapeStr } from "./common.js";

export interface Broadcast {
  readonly outShape: readonly number[];
  /** For output flat index i, the flat indices into A and B. */
  readonly aIndex: Int32Array;
  readonly bIndex: Int32Array;
}

export function broadcastShapes(op: string, a: readonly number[], b: readonly number[]): number[] {
  const rank = Math.max(a.length, b.length);
  const out: number[] = [];
  for (let i = 0; i < rank; i++) {
    const da = a[i - (rank - a.length)] ?? 1;
    const db = b[i - (rank - b.length)] ?? 1;
    if (da !== db && da !== 1 && db !== 1) throw new OpError(op, `shapes ${shapeStr(a)} and ${shapeStr(b)} do not broadcast`);
    out.push(da === 1 ? db : da);
  }
  return out;
}

function broadcastStrides(shape: readonly number[], rank: number): number[] {
  const strides = new Array<number>(rank).fill(0);
  let acc = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    const r = i + (rank - shape.length);
    strides[r] = shape[i] === 1 ? 0 : acc;
    acc *= shape[i];
  }
  return strides;
}

export function broadcast(op: string, a: readonly number[], b: readonly number[]): Broadcast {
  const outShape = broadcastShapes(op, a, b);
  const rank = outShape.length;
  const n = outShape.reduce((x, y) => x * y, 1);
  const sa = broadcastStrides(a, rank);
  const sb = broadcastStrides(b, rank);
  const aIndex = new Int32Array(n);
  const bIndex = new Int32Array(n);
  const coord = new Array<number>(rank).fill(0);
  let ia = 0;
  let ib = 0;
  for (let i = 0; i < n; i++) {
    aIndex[i] = ia;
    bIndex[i] = ib;
    // Odometer increment, last axis fastest.
    for (let d = rank - 1; d >= 0; d--) {
      coord[d]++;
      ia += sa[d];
      ib += sb[d];
      if (coord[d] < outShape[d]) break;
      ia -= sa[d] * outShape[d];
      ib -= sb[d] * outShape[d];
      coord[d] = 0;
    }
  }
  return { outShape, aIndex, bIndex };
}

/** The checked operands of a broadcasting binary operator (Add, Sub, Mul, Div): A and B of one
 *  type, no attributes, the broadcast index maps and an output buffer of A's kind. */
export interface BinaryOperands extends Broadcast {
  readonly a: Tensor;
  readonly b: Tensor;
  readonly n: number;
  readonly out: TypedData;
}

export function binaryOperands(op: string, inputs: readonly (Tensor | undefined)[], attributes: Attributes): BinaryOperands {
  checkInputCount(op, inputs, 2, 2);
  checkAttributes(op, attributes, []);
  const a = required(op, inputs, 0, "A");
  const b = required(op, inputs, 1, "B");
  checkSameDType(op, a, "A", b, "B");
  checkData(op, a, "A");
  checkData(op, b, "B");
  const maps = broadcast(op, a.shape, b.shape);
  const n = numel(maps.outShape);
  return { ...maps, a, b, n, out: allocLike(a.data, n) };
}
