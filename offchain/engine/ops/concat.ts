/** Concat (any element type) along `axis` (required, negative allowed); other dims must agree. */
import { numel, type Tensor } from "../tensor.js";
import {
  type Attributes,
  OpError,
  allocLike,
  checkAttributes,
  checkData,
  checkSameDType,
  describe,
  intAttr,
  normalizeAxis,
  required,
} from "./common.js";

const OP = "Concat";

export function concat(inputs: readonly (Tensor | undefined)[], attributes: Attributes): Tensor[] {
  checkAttributes(OP, attributes, ["axis"]);
  if (inputs.length < 1) throw new OpError(OP, `needs at least one input`);
  if (attributes.axis === undefined) throw new OpError(OP, `attribute axis is required`);
  const tensors = inputs.map((_, i) => required(OP, inputs, i, `inputs[${i}]`));
  const first = tensors[0];
  const rank = first.shape.length;
  const axis = normalizeAxis(OP, intAttr(OP, attributes, "axis", 0), rank);
  let total = 0;
  for (const [i, t] of tensors.entries()) {
    checkSameDType(OP, first, "inputs[0]", t, `inputs[${i}]`);
    checkData(OP, t, `inputs[${i}]`);
    if (t.shape.length !== rank || t.shape.some((d, j) => j !== axis && d !== first.shape[j])) {
      throw new OpError(OP, `inputs[${i}] ${describe(t)} does not match inputs[0] ${describe(first)} off axis ${axis}`);
    }
    total += t.shape[axis];
  }
  const shape = first.shape.map((d, j) => (j === axis ? total : d));
  const outer = first.shape.slice(0, axis).reduce((a, b) => a * b, 1);
  const inner = first.shape.slice(axis + 1).reduce((a, b) => a * b, 1);
  const out = allocLike(first.data, numel(shape)) as unknown as { set(src: ArrayLike<unknown>, offset: number): void };
  let offset = 0;
  for (let o = 0; o < outer; o++) {
    for (const t of tensors) {
      const chunk = t.shape[axis] * inner;
      out.set((t.data as unknown as { subarray(a: number, b: number): ArrayLike<unknown> }).subarray(o * chunk, (o + 1) * chunk), offset);
      offset += chunk;
    }
  }
  return [{ dtype: first.dtype, shape, data: out as unknown as Tensor["data"] }];
}
