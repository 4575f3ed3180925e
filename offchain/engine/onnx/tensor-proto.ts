/**
 * TensorProto <-> engine Tensor: initializers, Constant values, tensor attributes and the
 * `input_N.pb` files of ONNX test data. Reads raw_data and every typed field ONNX allows for the
 * engine's element types; writes raw_data only.
 */
import { DType, dtypeName, dtypeSize, numel, tensorBytes, tensorFromBytes, type Tensor, type TypedData } from "../tensor.js";
import { toDType } from "./elem-types.js";
import { OnnxFormatError } from "./errors.js";
import { int64ToBigInt, int64ToNumber } from "./int64.js";
import { DATA_LOCATION_EXTERNAL, TensorProto, type Int64, type TensorMsg } from "./schema.js";

type TypedField = "floatData" | "int32Data" | "int64Data" | "doubleData" | "uint64Data";
const FIELD_NAMES: Record<TypedField, string> = {
  floatData: "float_data",
  int32Data: "int32_data",
  int64Data: "int64_data",
  doubleData: "double_data",
  uint64Data: "uint64_data",
};

/** Where ONNX stores each element type when raw_data is not used. */
const FIELD_OF: Record<DType, TypedField> = {
  [DType.FLOAT]: "floatData",
  [DType.UINT8]: "int32Data",
  [DType.INT8]: "int32Data",
  [DType.UINT16]: "int32Data",
  [DType.INT16]: "int32Data",
  [DType.INT32]: "int32Data",
  [DType.BOOL]: "int32Data",
  [DType.FLOAT16]: "int32Data",
  [DType.INT64]: "int64Data",
  [DType.DOUBLE]: "doubleData",
  [DType.UINT32]: "uint64Data",
  [DType.UINT64]: "uint64Data",
};

/** Value ranges of the types packed into int32_data / uint64_data (FLOAT16 holds its bits). */
const RANGE: Partial<Record<DType, readonly [number, number]>> = {
  [DType.UINT8]: [0, 255],
  [DType.INT8]: [-128, 127],
  [DType.UINT16]: [0, 65535],
  [DType.INT16]: [-32768, 32767],
  [DType.BOOL]: [0, 1],
  [DType.FLOAT16]: [0, 65535],
};

const has = (o: object, k: string): boolean => Object.prototype.hasOwnProperty.call(o, k);

function fmtShape(shape: readonly number[]): string {
  return `[${shape.join(",")}]`;
}

/** A decoded TensorProto as an engine tensor; `what` names it in errors (e.g. `initializer "w"`). */
export function tensorFromProto(msg: TensorMsg, what: string): Tensor {
  if (msg.dataLocation === DATA_LOCATION_EXTERNAL || msg.externalData.length > 0) {
    throw new OnnxFormatError(`${what} keeps its data in an external file; the engine only reads self-contained .onnx files`);
  }
  if (msg.segment != null && has(msg, "segment")) {
    throw new OnnxFormatError(`${what} is a segment of a larger tensor, which ONNX files for the engine must not use`);
  }
  const dtype = toDType(msg.dataType, what);
  const shape = msg.dims.map((d, i) => {
    const v = int64ToNumber(d, `${what} dimension ${i}`);
    if (v < 0) throw new OnnxFormatError(`${what} has negative dimension ${v}`);
    return v;
  });
  let n: number;
  try {
    n = numel(shape);
  } catch {
    throw new OnnxFormatError(`${what} has a shape ${fmtShape(shape)} too large to hold`);
  }
  const typed = (Object.keys(FIELD_NAMES) as TypedField[]).filter((f) => msg[f].length > 0);
  if (msg.stringData.length > 0) typed.push("stringData" as TypedField);
  const hasRaw = has(msg, "rawData") && msg.rawData != null;
  if (hasRaw && typed.length > 0) {
    throw new OnnxFormatError(`${what} has both raw_data and ${FIELD_NAMES[typed[0]!] ?? "string_data"}`);
  }
  if (hasRaw) {
    const raw = msg.rawData!;
    if (raw.length !== n * dtypeSize(dtype)) {
      throw new OnnxFormatError(
        `${what} (${dtypeName(dtype)} ${fmtShape(shape)}) needs ${n * dtypeSize(dtype)} bytes of raw_data, has ${raw.length}`,
      );
    }
    return tensorFromBytes(dtype, shape, raw);
  }
  const field = FIELD_OF[dtype];
  const wrong = typed.find((f) => f !== field);
  if (wrong !== undefined) {
    throw new OnnxFormatError(
      `${what} (${dtypeName(dtype)}) stores its values in ${FIELD_NAMES[wrong] ?? "string_data"}; ONNX puts ${dtypeName(dtype)} in ${FIELD_NAMES[field]}`,
    );
  }
  const values = msg[field];
  if (values.length !== n) {
    throw new OnnxFormatError(
      `${what} (${dtypeName(dtype)} ${fmtShape(shape)}) needs ${n} values, has ${values.length} in ${FIELD_NAMES[field]}`,
    );
  }
  return { dtype, shape, data: typedValues(dtype, values, what) };
}

function typedValues(dtype: DType, values: readonly (number | Int64)[], what: string): TypedData {
  switch (dtype) {
    case DType.FLOAT:
      return Float32Array.from(values as number[]);
    case DType.DOUBLE:
      return Float64Array.from(values as number[]);
    case DType.INT32:
      return Int32Array.from(values as number[]);
    case DType.INT64:
      return BigInt64Array.from(values as Int64[], (v) => int64ToBigInt(v));
    case DType.UINT64:
      return BigUint64Array.from(values as Int64[], (v) => BigInt.asUintN(64, int64ToBigInt(v)));
    case DType.UINT32:
      return Uint32Array.from(values as Int64[], (v) => {
        const b = BigInt.asUintN(64, int64ToBigInt(v));
        if (b > 0xffffffffn) throw new OnnxFormatError(`${what} (uint32) holds ${b} in uint64_data, out of range`);
        return Number(b);
      });
    default: {
      const [lo, hi] = RANGE[dtype]!;
      for (const v of values as number[]) {
        if (v < lo || v > hi) throw new OnnxFormatError(`${what} (${dtypeName(dtype)}) holds ${v} in int32_data, out of range`);
      }
      return narrowArray(dtype, values as number[]);
    }
  }
}

function narrowArray(dtype: DType, values: number[]): TypedData {
  switch (dtype) {
    case DType.INT8:
      return Int8Array.from(values);
    case DType.INT16:
      return Int16Array.from(values);
    case DType.UINT16:
    case DType.FLOAT16:
      return Uint16Array.from(values);
    default:
      return Uint8Array.from(values);
  }
}

/** An engine tensor as a plain TensorProto object (raw_data, little-endian, copied). */
export function tensorToProto(name: string, t: Tensor): Partial<TensorMsg> {
  return { name, dims: [...t.shape], dataType: t.dtype, rawData: tensorBytes(t).slice() };
}

/** Decodes a serialized TensorProto (an ONNX test-data `input_N.pb`). */
export function decodeTensor(bytes: Uint8Array, what = "tensor file"): { name: string; tensor: Tensor } {
  let msg: TensorMsg;
  try {
    msg = TensorProto.decode(bytes) as unknown as TensorMsg;
  } catch (e) {
    throw new OnnxFormatError(`${what} is not a valid TensorProto (${protobufReason(e)})`, { cause: e });
  }
  return { name: msg.name, tensor: tensorFromProto(msg, msg.name ? `${what} "${msg.name}"` : what) };
}

/** Serializes an engine tensor as a TensorProto (raw_data). */
export function encodeTensor(name: string, t: Tensor): Uint8Array {
  return TensorProto.encode(tensorToProto(name, t)).finish();
}

/** protobufjs's message for a wire-format error, reduced to one line. */
export function protobufReason(e: unknown): string {
  const m = e instanceof Error ? e.message : String(e);
  return m.split("\n")[0]!.slice(0, 120);
}
