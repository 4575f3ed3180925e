/**
 * Tensors as the engine sees them: an ONNX element type, a static shape and a typed array in
 * row-major order. Element types carry ONNX's TensorProto.DataType codes, which are also the codes
 * committed on-chain (docs/SPEC.md, "Tensor type word").
 */

/** ONNX TensorProto.DataType codes for the element types the engine can hold. */
export enum DType {
  FLOAT = 1,
  UINT8 = 2,
  INT8 = 3,
  UINT16 = 4,
  INT16 = 5,
  INT32 = 6,
  INT64 = 7,
  BOOL = 9,
  FLOAT16 = 10,
  DOUBLE = 11,
  UINT32 = 12,
  UINT64 = 13,
}

export type TypedData =
  | Float32Array
  | Float64Array
  | Uint8Array
  | Int8Array
  | Uint16Array
  | Int16Array
  | Int32Array
  | Uint32Array
  | BigInt64Array
  | BigUint64Array;

export interface Tensor {
  readonly dtype: DType;
  readonly shape: readonly number[];
  /** Row-major elements. FLOAT16 is held as raw Uint16 bit patterns, BOOL as Uint8 0/1. */
  readonly data: TypedData;
}

interface DTypeInfo {
  readonly name: string;
  readonly bytes: number;
  readonly make: (n: number) => TypedData;
  readonly fromBuffer: (buf: ArrayBuffer, byteOffset: number, length: number) => TypedData;
}

const DTYPES: ReadonlyMap<DType, DTypeInfo> = new Map<DType, DTypeInfo>([
  [DType.FLOAT, { name: "float32", bytes: 4, make: (n) => new Float32Array(n), fromBuffer: (b, o, n) => new Float32Array(b, o, n) }],
  [DType.UINT8, { name: "uint8", bytes: 1, make: (n) => new Uint8Array(n), fromBuffer: (b, o, n) => new Uint8Array(b, o, n) }],
  [DType.INT8, { name: "int8", bytes: 1, make: (n) => new Int8Array(n), fromBuffer: (b, o, n) => new Int8Array(b, o, n) }],
  [DType.UINT16, { name: "uint16", bytes: 2, make: (n) => new Uint16Array(n), fromBuffer: (b, o, n) => new Uint16Array(b, o, n) }],
  [DType.INT16, { name: "int16", bytes: 2, make: (n) => new Int16Array(n), fromBuffer: (b, o, n) => new Int16Array(b, o, n) }],
  [DType.INT32, { name: "int32", bytes: 4, make: (n) => new Int32Array(n), fromBuffer: (b, o, n) => new Int32Array(b, o, n) }],
  [DType.INT64, { name: "int64", bytes: 8, make: (n) => new BigInt64Array(n), fromBuffer: (b, o, n) => new BigInt64Array(b, o, n) }],
  [DType.BOOL, { name: "bool", bytes: 1, make: (n) => new Uint8Array(n), fromBuffer: (b, o, n) => new Uint8Array(b, o, n) }],
  [DType.FLOAT16, { name: "float16", bytes: 2, make: (n) => new Uint16Array(n), fromBuffer: (b, o, n) => new Uint16Array(b, o, n) }],
  [DType.DOUBLE, { name: "float64", bytes: 8, make: (n) => new Float64Array(n), fromBuffer: (b, o, n) => new Float64Array(b, o, n) }],
  [DType.UINT32, { name: "uint32", bytes: 4, make: (n) => new Uint32Array(n), fromBuffer: (b, o, n) => new Uint32Array(b, o, n) }],
  [DType.UINT64, { name: "uint64", bytes: 8, make: (n) => new BigUint64Array(n), fromBuffer: (b, o, n) => new BigUint64Array(b, o, n) }],
]);

export class UnknownDTypeError extends Error {
  constructor(readonly code: number) {
    super(`unsupported tensor element type ${code} (ONNX TensorProto.DataType)`);
    this.name = "UnknownDTypeError";
  }
}

function info(dtype: DType): DTypeInfo {
  const found = DTYPES.get(dtype);
  if (found === undefined) throw new UnknownDTypeError(dtype);
  return found;
}

export function isKnownDType(code: number): code is DType {
  return DTYPES.has(code as DType);
}

/** Bytes per element (the packing width in tensor leaves). */
export function dtypeSize(dtype: DType): number {
  return info(dtype).bytes;
}

/** Lower-case name as onnxruntime-node spells it (`float32`, `uint8`, ...). */
export function dtypeName(dtype: DType): string {
  return info(dtype).name;
}

export function dtypeFromName(name: string): DType {
  for (const [code, i] of DTYPES) if (i.name === name) return code;
  throw new Error(`unknown element type name "${name}"`);
}

/** Number of elements of a static shape (1 for a scalar). */
export function numel(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) {
    if (!Number.isSafeInteger(d) || d < 0) throw new Error(`invalid dimension ${d} in shape [${shape.join(",")}]`);
    n *= d;
  }
  return n;
}

/** A zero-filled tensor. */
export function zeros(dtype: DType, shape: readonly number[]): Tensor {
  return { dtype, shape: [...shape], data: info(dtype).make(numel(shape)) };
}

/** Wraps row-major data, checking that its length and array type fit the dtype and shape. */
export function tensor(dtype: DType, shape: readonly number[], data: TypedData): Tensor {
  const n = numel(shape);
  if (data.length !== n) {
    throw new Error(`${dtypeName(dtype)} tensor of shape [${shape.join(",")}] needs ${n} elements, got ${data.length}`);
  }
  if (data.BYTES_PER_ELEMENT !== dtypeSize(dtype)) {
    throw new Error(`${dtypeName(dtype)} tensor given a ${data.constructor.name}`);
  }
  return { dtype, shape: [...shape], data };
}

/** The tensor's elements as little-endian bytes (ONNX raw_data layout); a view, no copy. */
export function tensorBytes(t: Tensor): Uint8Array {
  return new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength);
}

/** A tensor over little-endian bytes (copied, so alignment never matters). */
export function tensorFromBytes(dtype: DType, shape: readonly number[], bytes: Uint8Array): Tensor {
  const n = numel(shape);
  const size = dtypeSize(dtype);
  if (bytes.length !== n * size) {
    throw new Error(
      `${dtypeName(dtype)} tensor of shape [${shape.join(",")}] needs ${n * size} bytes, got ${bytes.length}`,
    );
  }
  const copy = new ArrayBuffer(bytes.length);
  new Uint8Array(copy).set(bytes);
  return { dtype, shape: [...shape], data: info(dtype).fromBuffer(copy, 0, n) };
}
