/** Bit-exact tensor comparison for tests. */
import { dtypeName, type Tensor } from "../../../offchain/engine/tensor.js";

/** Element-wise identity: same dtype, shape, and every element equal (NaN = NaN, -0 != +0). */
export function mismatches(actual: Tensor, expected: Tensor): { count: number; first: string | undefined } {
  if (actual.dtype !== expected.dtype) return { count: Infinity, first: `dtype ${dtypeName(actual.dtype)} != ${dtypeName(expected.dtype)}` };
  if (actual.shape.length !== expected.shape.length || actual.shape.some((d, i) => d !== expected.shape[i])) {
    return { count: Infinity, first: `shape [${actual.shape}] != [${expected.shape}]` };
  }
  let count = 0;
  let first: string | undefined;
  const a = actual.data as unknown as ArrayLike<number | bigint>;
  const e = expected.data as unknown as ArrayLike<number | bigint>;
  for (let i = 0; i < e.length; i++) {
    if (!Object.is(a[i], e[i])) {
      count++;
      first ??= `element ${i}: got ${a[i]}, expected ${e[i]}`;
    }
  }
  return { count, first };
}
