/** Transpose (any element type): output dim i is input dim perm[i]; default perm reverses. */
import { numel, type Tensor } from "../tensor.js";
import { type Attributes, OpError, allocLike, checkAttributes, checkData, checkInputCount, intsAttr, required, stridesOf } from "./common.js";

const OP = "Transpose";

export function transpose(inputs: readonly (Tensor | undefined)[], attributes: Attributes): Tensor[] {
  checkInputCount(OP, inputs, 1, 1);
  checkAttributes(OP, attributes, ["perm"]);
  const x = required(OP, inputs, 0, "data");
  checkData(OP, x, "data");
  const rank = x.shape.length;
  const perm = intsAttr(OP, attributes, "perm") ?? Array.from({ length: rank }, (_, i) => rank - 1 - i);
  const seen = new Set(perm);
  if (perm.length !== rank || seen.size !== rank || perm.some((p) => !Number.isInteger(p) || p < 0 || p >= rank)) {
    throw new OpError(OP, `perm [${perm.join(",")}] is not a permutation of 0..${rank - 1}`);
  }
  const shape = perm.map((p) => x.shape[p]);
  const inStrides = stridesOf(x.shape);
  const strides = perm.map((p) => inStrides[p]);
  const n = numel(shape);
  const out = allocLike(x.data, n) as unknown as { [i: number]: unknown };
  const src = x.data as unknown as ArrayLike<unknown>;
  const coord = new Array<number>(rank).fill(0);
  let from = 0;
  for (let i = 0; i < n; i++) {
    out[i] = src[from];
    for (let d = rank - 1; d >= 0; d--) {
      coord[d]++;
      from += strides[d];
      if (coord[d] < shape[d]) break;
      from -= strides[d] * shape[d];
      coord[d] = 0;
    }
  }
  return [{ dtype: x.dtype, shape, data: out as unknown as Tensor["data"] }];
}
