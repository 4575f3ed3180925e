/** Flatten (any element type): [d_0 .. d_{axis-1}] x [d_axis .. d_{r-1}] -> 2-D; axis in [-r, r]. */
import { type Tensor } from "../tensor.js";
import { type Attributes, OpError, checkAttributes, checkData, checkInputCount, intAttr, required } from "./common.js";

const OP = "Flatten";

export function flatten(inputs: readonly (Tensor | undefined)[], attributes: Attributes): Tensor[] {
  checkInputCount(OP, inputs, 1, 1);
  checkAttributes(OP, attributes, ["axis"]);
  const x = required(OP, inputs, 0, "input");
  checkData(OP, x, "input");
  const rank = x.shape.length;
  let axis = intAttr(OP, attributes, "axis", 1);
  if (!Number.isInteger(axis) || axis < -rank || axis > rank) throw new OpError(OP, `axis ${axis} out of range for rank ${rank}`);
  if (axis < 0) axis += rank;
  const outer = x.shape.slice(0, axis).reduce((a, b) => a * b, 1);
  const inner = x.shape.slice(axis).reduce((a, b) => a * b, 1);
  return [{ dtype: x.dtype, shape: [outer, inner], data: x.data.slice() }];
}
