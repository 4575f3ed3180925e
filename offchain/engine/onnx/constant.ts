/**
 * A Constant node's value as a tensor, so the loader can fold it into the initializers as
 * onnxruntime does (even at optimization level "disabled"). Reads the raw attribute, not the
 * narrowed one, so value_int(s) keep their full int64 range.
 */
import { DType, type Tensor } from "../tensor.js";
import { attributeType } from "./attributes.js";
import { OnnxFormatError } from "./errors.js";
import { int64ToBigInt } from "./int64.js";
import { AttrType, type NodeMsg } from "./schema.js";
import { tensorFromProto } from "./tensor-proto.js";

export function constantValue(node: NodeMsg, what: string): Tensor {
  if (node.output.length !== 1 || node.output[0] === "") throw new OnnxFormatError(`${what} must have exactly one output`);
  if (node.attribute.length !== 1) {
    throw new OnnxFormatError(`${what} must have exactly one value attribute, has ${node.attribute.length}`);
  }
  const a = node.attribute[0]!;
  const type = attributeType(a);
  switch (a.name) {
    case "value":
      if (type !== AttrType.TENSOR || a.t == null) throw new OnnxFormatError(`${what} attribute "value" is not a tensor`);
      return tensorFromProto(a.t, `${what} value`);
    case "value_float":
      return { dtype: DType.FLOAT, shape: [], data: Float32Array.of(a.f) };
    case "value_floats":
      return { dtype: DType.FLOAT, shape: [a.floats.length], data: Float32Array.from(a.floats) };
    case "value_int":
      return { dtype: DType.INT64, shape: [], data: BigInt64Array.of(int64ToBigInt(a.i)) };
    case "value_ints":
      return { dtype: DType.INT64, shape: [a.ints.length], data: BigInt64Array.from(a.ints, (v) => int64ToBigInt(v)) };
    case "value_string":
    case "value_strings":
      throw new OnnxFormatError(`${what} holds strings, which the engine does not support`);
    case "sparse_value":
      throw new OnnxFormatError(`${what} holds a sparse tensor, which the engine does not support`);
    default:
      throw new OnnxFormatError(`${what} has unknown attribute "${a.name}"`);
  }
}
