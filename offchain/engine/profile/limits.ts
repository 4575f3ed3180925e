/**
 * The int8 profile's fixed parameters (semantics version 1). The verifier enforces the same limits
 * (docs/SPEC.md); a change here is a change of semantics version.
 */
import { DType } from "../tensor.js";

export const SEMANTICS_VERSION = 1;

/**
 * ai.onnx opsets whose operator definitions the profile's semantics were measured against
 * (SEMANTICS.md: QuantizeLinear at opsets 10/13/19/21). Opset 22+ may change an operator's
 * definition, so it stays out until measured.
 */
export const MIN_ONNX_OPSET = 10;
export const MAX_ONNX_OPSET = 21;
/** com.microsoft (QGemm) has only ever had version 1. */
export const MICROSOFT_OPSET = 1;

/** Element types a value of the profile may have: quantized data, its float boundary, indices. */
export const PROFILE_TYPES: ReadonlySet<DType> = new Set([DType.FLOAT, DType.UINT8, DType.INT8, DType.INT32, DType.INT64]);
export const QUANT_TYPES: readonly DType[] = [DType.UINT8, DType.INT8];
export const INTEGER_TYPES: readonly DType[] = [DType.UINT8, DType.INT8, DType.INT32, DType.INT64];

/** Largest tensor rank: the tensor type word's limit (docs/SPEC.md), one source of truth. */
export { MAX_RANK } from "../commit/tensor-type.js";
/** Largest number of inputs of one node (Concat). */
export const MAX_NODE_INPUTS = 16;
/** Tensor Merkle trees are at most this deep (32-byte leaves). */
export const MAX_TREE_DEPTH = 32;
/** Every int32 accumulator must stay strictly below this in absolute value, on any input. */
export const ACCUMULATOR_LIMIT = 2 ** 31;
