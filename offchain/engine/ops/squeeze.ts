/**
 * Squeeze and Unsqueeze (any element type). Axes come from the `axes` attribute (opset < 13) or
 * the second input (opset 13+), never both. Squeeze without axes removes every dimension of size 1;
 * Unsqueeze axes refer to the output's rank. Duplicate axes and an empty axes list are refused.
 */
import { type Tensor } from "../tensor.js";
import {
  type Attributes,
  OpError,
  checkAttributes,
  checkData,
  checkInputCount,
  integerValues,
  intsAttr,
  normalizeAxis,
  optional,
  required,
  shapeStr,
} from "./common.js";

function axesOf(op: string, inputs: readonly (Tensor | undefined)[], attributes: Attributes): number[] | undefined {
  const fromAttr = intsAttr(op, attributes, "axes");
  const fromInput = optional(inputs, 1);
  if (fromAttr !== undefined && fromInput !== undefined) throw new OpError(op, `axes given both as attribute and as input`);
  if (fromInput !== undefined) {
    if (fromInput.shape.length !== 1) throw new OpError(op, `axes input must be 1-D, got ${shapeStr(fromInput.shape)}`);
    return nonEmpty(op, integerValues(op, fromInput, "axes"));
  }
  return fromAttr === undefined ? undefined : nonEmpty(op, [...fromAttr]);
}

/**
 * An empty axes list is ambiguous: onnxruntime squeezes every size-1 dimension, the ONNX reference
 * (numpy) none. Refused rather than guessed.
 */
function nonEmpty(op: string, axes: number[]): number[] {
  if (axes.length === 0) throw new OpError(op, `empty axes list (onnxruntime and the ONNX reference disagree on its meaning)`);
  return axes;
}

function normalizedUnique(op: string, axes: readonly number[], rank: number): Set<number> {
  const set = new Set<number>();
  for (const a of axes) {
    const n = normalizeAxis(op, a, rank);
    if (set.has(n)) throw new OpError(op, `axis ${a} repeated in [${axes.join(",")}]`);
    set.add(n);
  }
  return set;
}

export function squeeze(inputs: readonly (Tensor | undefined)[], attributes: Attributes): Tensor[] {
  const OP = "Squeeze";
  checkInputCount(OP, inputs, 1, 2);
  checkAttributes(OP, attributes, ["axes"]);
  const x = required(OP, inputs, 0, "data");
  checkData(OP, x, "data");
  const axes = axesOf(OP, inputs, attributes);
  const rank = x.shape.length;
  let drop: Set<number>;
  if (axes === undefined) {
    drop = new Set(x.shape.flatMap((d, i) => (d === 1 ? [i] : [])));
  } else {
    drop = normalizedUnique(OP, axes, rank);
    for (const a of drop) if (x.shape[a] !== 1) throw new OpError(OP, `cannot squeeze axis ${a} of size ${x.shape[a]} in ${shapeStr(x.shape)}`);
  }
  const shape = x.shape.filter((_, i) => !drop.has(i));
  return [{ dtype: x.dtype, shape, data: x.data.slice() }];
}

export function unsqueeze(inputs: readonly (Tensor | undefined)[], attributes: Attributes): Tensor[] {
  const OP = "Unsqueeze";
  checkInputCount(OP, inputs, 1, 2);
  checkAttributes(OP, attributes, ["axes"]);
  const x = required(OP, inputs, 0, "data");
  checkData(OP, x, "data");
  const axes = axesOf(OP, inputs, attributes);
  if (axes === undefined) throw new OpError(OP, `axes are required`);
  const outRank = x.shape.length + axes.length;
  const insert = normalizedUnique(OP, axes, outRank);
  const shape: number[] = [];
  let j = 0;
  for (let i = 0; i < outRank; i++) shape.push(insert.has(i) ? 1 : x.shape[j++]);
  return [{ dtype: x.dtype, shape, data: x.data.slice() }];
}
