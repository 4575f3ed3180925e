/**
 * The tensor type word: a tensor's element type and static shape in one 32-byte word, the form
 * in which the registry stores model signatures and the commitment hashes a tensor's header
 * (docs/SPEC.md, "Tensor type word").
 *
 * | bytes  | field                                                    |
 * | ------ | -------------------------------------------------------- |
 * | 0      | dtype (ONNX TensorProto.DataType code)                   |
 * | 1      | rank r, 0..8                                             |
 * | 2..25  | dims: 8 slots of 3 bytes, big-endian; slots >= r are 0   |
 * | 26..31 | 0                                                        |
 */
import { DType, dtypeSize, isKnownDType, numel } from "../tensor.js";

export const MAX_RANK = 8;
export const MAX_DIM = 0xffffff;

export class TensorTypeError extends Error {
  override name = "TensorTypeError";
}

export function encodeTensorType(dtype: DType, shape: readonly number[]): Buffer {
  const word = Buffer.alloc(32);
  writeTensorType(dtype, shape, word, 0);
  return word;
}

/** encodeTensorType into out[offset .. +32), every byte written (the commitment path's allocation-free form). */
export function writeTensorType(dtype: DType, shape: readonly number[], out: Uint8Array, offset: number): void {
  if (!isKnownDType(dtype)) throw new TensorTypeError(`unsupported tensor element type ${dtype}`);
  if (shape.length > MAX_RANK) throw new TensorTypeError(`rank ${shape.length} exceeds the limit ${MAX_RANK}`);
  out.fill(0, offset, offset + 32);
  out[offset] = dtype;
  out[offset + 1] = shape.length;
  for (let i = 0; i < shape.length; i++) {
    const d = shape[i]!;
    if (!Number.isInteger(d) || d < 0 || d > MAX_DIM) {
      throw new TensorTypeError(`dimension ${i} is ${d}; dimensions must be integers in 0..${MAX_DIM}`);
    }
    const at = offset + 2 + 3 * i;
    out[at] = d >>> 16;
    out[at + 1] = (d >>> 8) & 0xff;
    out[at + 2] = d & 0xff;
  }
}

export interface TensorType {
  readonly dtype: DType;
  readonly shape: readonly number[];
}

/** Decodes a type word, refusing every non-canonical one (the contracts refuse the same). */
export function decodeTensorType(word: Uint8Array): TensorType {
  if (word.length !== 32) throw new TensorTypeError(`a tensor type word is 32 bytes, got ${word.length}`);
  const w = Buffer.from(word.buffer, word.byteOffset, 32);
  const dtype = w[0]!;
  const rank = w[1]!;
  if (!isKnownDType(dtype)) throw new TensorTypeError(`unsupported tensor element type ${dtype}`);
  if (rank > MAX_RANK) throw new TensorTypeError(`rank ${rank} exceeds the limit ${MAX_RANK}`);
  const shape: number[] = [];
  for (let i = 0; i < MAX_RANK; i++) {
    const d = w.readUIntBE(2 + 3 * i, 3);
    if (i < rank) shape.push(d);
    else if (d !== 0) throw new TensorTypeError(`dimension slot ${i} is ${d} but the rank is ${rank}`);
  }
  if (w.subarray(26).some((b) => b !== 0)) throw new TensorTypeError("tensor type word has non-zero trailing bytes");
  return { dtype, shape };
}

/** Byte length of a tensor of this type: elements times element size. */
export function tensorByteLength(t: TensorType): number {
  return numel(t.shape) * dtypeSize(t.dtype);
}
