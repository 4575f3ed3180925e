/**
 * Relu on int8 / int32 (the profile), y = max(x, 0); float32 only for the conformance tests, with
 * NaN refused (its handling was not measured). onnxruntime has no int64 Relu kernel.
 */
import { DType, type Tensor } from "../tensor.js";
import { type Attributes, OpError, allocLike, checkAttributes, checkData, checkDType, checkInputCount, numberData, required } from "./common.js";

const OP = "Relu";

export function relu(inputs: readonly (Tensor | undefined)[], attributes: Attributes): Tensor[] {
  checkInputCount(OP, inputs, 1, 1);
  checkAttributes(OP, attributes, []);
  const x = required(OP, inputs, 0, "X");
  checkDType(OP, x, "X", [DType.INT8, DType.INT32, DType.FLOAT]);
  checkData(OP, x, "X");
  const xs = numberData(x);
  const out = allocLike(x.data, xs.length) as unknown as { [i: number]: number };
  for (let i = 0; i < xs.length; i++) {
    const v = xs[i];
    if (Number.isNaN(v)) throw new OpError(OP, `NaN input at ${i} (float32 Relu is for conformance only)`);
    out[i] = v > 0 ? v : 0;
  }
  return [{ dtype: x.dtype, shape: [...x.shape], data: out as unknown as Tensor["data"] }];
}
