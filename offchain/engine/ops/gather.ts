/**
 * Gather (any element type) along `axis` (default 0); indices int32/int64 of any shape, negative
 * indices count from the end, anything outside [-d, d) is refused. Output shape:
 * data[:axis] + indices.shape + data[axis+1:].
 */
import { numel, type Tensor } from "../tensor.js";
import { type Attributes, OpError, allocLike, checkAttributes, checkData, checkInputCount, integerValues, intAttr, normalizeAxis, required } from "./common.js";

const OP = "Gather";

export function gather(inputs: readonly (Tensor | undefined)[], attributes: Attributes): Tensor[] {
  checkInputCount(OP, inputs, 2, 2);
  checkAttributes(OP, attributes, ["axis"]);
  const data = required(OP, inputs, 0, "data");
  const indices = required(OP, inputs, 1, "indices");
  checkData(OP, data, "data");
  checkData(OP, indices, "indices");
  if (data.shape.length < 1) throw new OpError(OP, `data must have rank >= 1`);
  const axis = normalizeAxis(OP, intAttr(OP, attributes, "axis", 0), data.shape.length);
  const dim = data.shape[axis];
  const idx = integerValues(OP, indices, "indices").map((v, i) => {
    if (v < -dim || v >= dim) throw new OpError(OP, `index ${v} (at ${i}) out of range for axis ${axis} of size ${dim}`);
    return v < 0 ? v + dim : v;
  });
  const outer = data.shape.slice(0, axis).reduce((a, b) => a * b, 1);
  const inner = data.shape.slice(axis + 1).reduce((a, b) => a * b, 1);
  const shape = [...data.shape.slice(0, axis), ...indices.shape, ...data.shape.slice(axis + 1)];
  const out = allocLike(data.data, numel(shape)) as unknown as { set(src: ArrayLike<unknown>, offset: number): void };
  const src = data.data as unknown as { subarray(a: number, b: number): ArrayLike<unknown> };
  let offset = 0;
  for (let o = 0; o < outer; o++) {
    for (const j of idx) {
      const from = (o * dim + j) * inner;
      out.set(src.subarray(from, from + inner), offset);
      offset += inner;
    }
  }
  return [{ dtype: data.dtype, shape, data: out as unknown as Tensor["data"] }];
}
