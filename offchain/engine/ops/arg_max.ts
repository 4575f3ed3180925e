/**
 * ArgMax over `axis` (default 0) -> int64 indices; keepdims (default 1); ties go to the first
 * index, or the last with select_last_index = 1. Integer types are the profile's (int64/uint64
 * compared as BigInt); float32 is here for the conformance tests, with NaN refused (not measured).
 */
import { DType, dtypeName, type Tensor } from "../tensor.js";
import { type Attributes, OpError, checkAttributes, checkData, checkInputCount, intAttr, normalizeAxis, required } from "./common.js";

const OP = "ArgMax";
const TYPES = new Set([DType.UINT8, DType.INT8, DType.UINT16, DType.INT16, DType.INT32, DType.UINT32, DType.INT64, DType.UINT64, DType.FLOAT]);

export function argMax(inputs: readonly (Tensor | undefined)[], attributes: Attributes): Tensor[] {
  checkInputCount(OP, inputs, 1, 1);
  checkAttributes(OP, attributes, ["axis", "keepdims", "select_last_index"]);
  const x = required(OP, inputs, 0, "data");
  checkData(OP, x, "data");
  if (!TYPES.has(x.dtype)) throw new OpError(OP, `unsupported element type ${dtypeName(x.dtype)}`);
  if (x.shape.length < 1) throw new OpError(OP, `data must have rank >= 1`);
  const axis = normalizeAxis(OP, intAttr(OP, attributes, "axis", 0), x.shape.length);
  const keepDims = intAttr(OP, attributes, "keepdims", 1);
  const selectLast = intAttr(OP, attributes, "select_last_index", 0);
  if ((keepDims !== 0 && keepDims !== 1) || (selectLast !== 0 && selectLast !== 1)) {
    throw new OpError(OP, `keepdims and select_last_index must be 0 or 1`);
  }
  const dim = x.shape[axis];
  if (dim === 0) throw new OpError(OP, `axis ${axis} has size 0`);
  const outer = x.shape.slice(0, axis).reduce((a, b) => a * b, 1);
  const inner = x.shape.slice(axis + 1).reduce((a, b) => a * b, 1);
  const src = x.data as unknown as ArrayLike<number | bigint>;
  if (x.dtype === DType.FLOAT) {
    for (let i = 0; i < src.length; i++) if (Number.isNaN(src[i])) throw new OpError(OP, `NaN input at ${i} (float32 ArgMax is for conformance only)`);
  }
  const out = new BigInt64Array(outer * inner);
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      const base = o * dim * inner + i;
      let best = 0;
      let bestValue = src[base];
      for (let j = 1; j < dim; j++) {
        const v = src[base + j * inner];
        if (v > bestValue || (selectLast === 1 && v === bestValue)) {
          best = j;
          bestValue = v;
        }
      }
      out[o * inner + i] = BigInt(best);
    }
  }
  const shape = keepDims === 1 ? x.shape.map((d, i) => (i === axis ? 1 : d)) : x.shape.filter((_, i) => i !== axis);
  return [{ dtype: DType.INT64, shape, data: out }];
}
