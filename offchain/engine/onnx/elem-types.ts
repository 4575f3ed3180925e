/**
 * Names of every ONNX TensorProto.DataType code, so that an element type the engine cannot hold is
 * refused by name ("bfloat16"), not by number only.
 */
import { DType, dtypeName, isKnownDType } from "../tensor.js";
import { OnnxFormatError } from "./errors.js";

const ONNX_TYPE_NAMES: Readonly<Record<number, string>> = {
  0: "undefined",
  8: "string",
  14: "complex64",
  15: "complex128",
  16: "bfloat16",
  17: "float8e4m3fn",
  18: "float8e4m3fnuz",
  19: "float8e5m2",
  20: "float8e5m2fnuz",
  21: "uint4",
  22: "int4",
  23: "float4e2m1",
  24: "float8e8m0",
  25: "uint2",
  26: "int2",
};

/** The ONNX element type's name, for any code (engine types use tensor.ts's names). */
export function onnxTypeName(code: number): string {
  if (isKnownDType(code)) return dtypeName(code);
  return ONNX_TYPE_NAMES[code] ?? `unknown type code ${code}`;
}

/** `code` as an engine DType, or an OnnxFormatError naming `what` and the type. */
export function toDType(code: number, what: string): DType {
  if (isKnownDType(code)) return code;
  throw new OnnxFormatError(`${what} has element type ${onnxTypeName(code)} (${code}), which the engine does not support`);
}
