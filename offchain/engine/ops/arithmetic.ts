/**
 * Add, Sub, Mul with numpy broadcasting. The profile's type is int32, where results wrap
 * (i32(a + b), i32(a - b), Math.imul for the product, whose exact value can exceed 2^53). The other
 * integer types also wrap in their own width (the typed array stores modulo 2^bits; int64/uint64
 * via BigInt); float32 / float64 are the correctly rounded IEEE operations (for float32 the double
 * result rounded to float32 is correctly rounded). Only int32 is in the version-1 profile.
 */
import { DType, dtypeName, type Tensor } from "../tensor.js";
import { type Attributes, OpError } from "./common.js";
import { binaryOperands } from "./broadcast.js";

type Kind = "Add" | "Sub" | "Mul";

const NUMBER_TYPES = new Set([DType.UINT8, DType.INT8, DType.UINT16, DType.INT16, DType.INT32, DType.UINT32, DType.FLOAT, DType.DOUBLE]);
const BIGINT_TYPES = new Set([DType.INT64, DType.UINT64]);

function binary(op: Kind, inputs: readonly (Tensor | undefined)[], attributes: Attributes): Tensor[] {
  const { a, b, n, out, outShape, aIndex, bIndex } = binaryOperands(op, inputs, attributes);
  if (NUMBER_TYPES.has(a.dtype)) {
    const x = a.data as unknown as ArrayLike<number>;
    const y = b.data as unknown as ArrayLike<number>;
    const o = out as unknown as { [i: number]: number };
    const wide32 = a.dtype === DType.INT32 || a.dtype === DType.UINT32;
    // Sums and differences of 32-bit values are exact in a double; the typed array store wraps.
    if (op === "Add") for (let i = 0; i < n; i++) o[i] = x[aIndex[i]] + y[bIndex[i]];
    else if (op === "Sub") for (let i = 0; i < n; i++) o[i] = x[aIndex[i]] - y[bIndex[i]];
    else if (wide32) for (let i = 0; i < n; i++) o[i] = Math.imul(x[aIndex[i]], y[bIndex[i]]);
    // 8/16-bit products are below 2^32 and exact; float products are rounded once by the store.
    else for (let i = 0; i < n; i++) o[i] = x[aIndex[i]] * y[bIndex[i]];
  } else if (BIGINT_TYPES.has(a.dtype)) {
    const x = a.data as BigInt64Array | BigUint64Array;
    const y = b.data as BigInt64Array | BigUint64Array;
    const o = out as BigInt64Array | BigUint64Array;
    // BigInt arithmetic is exact; the 64-bit typed array store wraps modulo 2^64.
    if (op === "Add") for (let i = 0; i < n; i++) o[i] = x[aIndex[i]] + y[bIndex[i]];
    else if (op === "Sub") for (let i = 0; i < n; i++) o[i] = x[aIndex[i]] - y[bIndex[i]];
    else for (let i = 0; i < n; i++) o[i] = x[aIndex[i]] * y[bIndex[i]];
  } else {
    throw new OpError(op, `unsupported element type ${dtypeName(a.dtype)}`);
  }
  return [{ dtype: a.dtype, shape: outShape, data: out }];
}

export const add = (inputs: readonly (Tensor | undefined)[], attributes: Attributes): Tensor[] => binary("Add", inputs, attributes);
export const sub = (inputs: readonly (Tensor | undefined)[], attributes: Attributes): Tensor[] => binary("Sub", inputs, attributes);
export const mul = (inputs: readonly (Tensor | undefined)[], attributes: Attributes): Tensor[] => binary("Mul", inputs, attributes);
