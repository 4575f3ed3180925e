/**
 * Reshape (any element type): 0 copies the input's dimension (unless allowzero = 1, where 0 is a
 * literal 0 and may not appear with -1), one -1 takes the remaining size.
 */
import { numel, type Tensor } from "../tensor.js";
import { type Attributes, OpError, checkAttributes, checkData, checkInputCount, integerValues, intAttr, required, shapeStr } from "./common.js";

const OP = "Reshape";

export function reshapeTarget(data: readonly number[], requested: readonly number[], allowZero: boolean): number[] {
  const out = [...requested];
  let inferred = -1;
  for (let i = 0; i < out.length; i++) {
    const d = out[i];
    if (d === -1) {
      if (inferred !== -1) throw new OpError(OP, `shape ${shapeStr(requested)} has more than one -1`);
      inferred = i;
    } else if (d === 0 && !allowZero) {
      if (i >= data.length) throw new OpError(OP, `shape ${shapeStr(requested)} copies dimension ${i}, but the input has rank ${data.length}`);
      out[i] = data[i];
    } else if (!Number.isInteger(d) || d < 0) {
      throw new OpError(OP, `invalid dimension ${d} in shape ${shapeStr(requested)}`);
    }
  }
  if (allowZero && inferred !== -1 && requested.includes(0)) throw new OpError(OP, `allowzero = 1 with both 0 and -1 in ${shapeStr(requested)}`);
  const total = numel(data);
  if (inferred !== -1) {
    const known = out.reduce((a, d, i) => (i === inferred ? a : a * d), 1);
    if (known === 0 || total % known !== 0) throw new OpError(OP, `cannot infer -1 reshaping ${shapeStr(data)} to ${shapeStr(requested)}`);
    out[inferred] = total / known;
  }
  if (numel(out) !== total) throw new OpError(OP, `cannot reshape ${shapeStr(data)} (${total} elements) to ${shapeStr(out)}`);
  return out;
}

export function reshape(inputs: readonly (Tensor | undefined)[], attributes: Attributes): Tensor[] {
  checkInputCount(OP, inputs, 2, 2);
  checkAttributes(OP, attributes, ["allowzero"]);
  const data = required(OP, inputs, 0, "data");
  const shape = required(OP, inputs, 1, "shape");
  checkData(OP, data, "data");
  if (shape.shape.length !== 1) throw new OpError(OP, `shape input must be 1-D, got ${shapeStr(shape.shape)}`);
  const allowZero = intAttr(OP, attributes, "allowzero", 0);
  if (allowZero !== 0 && allowZero !== 1) throw new OpError(OP, `allowzero must be 0 or 1, got ${allowZero}`);
  const out = reshapeTarget(data.shape, integerValues(OP, shape, "shape"), allowZero === 1);
  return [{ dtype: data.dtype, shape: out, data: data.data.slice() }];
}
