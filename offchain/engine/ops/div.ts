/**
 * Div with numpy broadcasting. A version-2 candidate for integer types (in the profile: int32 by a
 * constant divisor); registered in the interpreter, NOT in the profile (no on-chain verifier yet).
 * Measured against onnxruntime-node 1.30 (docs/SPEC.md, "Version-2 candidates";
 * scripts/semantics/int-div.ts):
 *
 *   integer types: q = trunc(a / b), truncation toward zero (C), exact; int8 / int16 wrap
 *                  (-128 / -1 = -128, -32768 / -1 = -32768)
 *   float32 / float64: the correctly rounded IEEE quotient (conformance only, not a candidate)
 *
 * Refused, as onnxruntime cannot answer them: an integer divisor 0 (onnxruntime throws "Integer
 * division by zero": at session creation for a constant divisor, at run time otherwise) and
 * INT_MIN / -1 in int32 or int64 (onnxruntime's process dies of SIGFPE).
 */
import { DType, dtypeName, type Tensor } from "../tensor.js";
import { type Attributes, OpError } from "./common.js";
import { binaryOperands } from "./broadcast.js";

const OP = "Div";
const SMALL_INTS = new Set([DType.UINT8, DType.INT8, DType.UINT16, DType.INT16, DType.INT32, DType.UINT32]);

export function div(inputs: readonly (Tensor | undefined)[], attributes: Attributes): Tensor[] {
  const { a, b, n, out, outShape, aIndex, bIndex } = binaryOperands(OP, inputs, attributes);
  if (SMALL_INTS.has(a.dtype)) {
    const x = a.data as unknown as ArrayLike<number>;
    const y = b.data as unknown as ArrayLike<number>;
    const o = out as unknown as { [i: number]: number };
    for (let i = 0; i < n; i++) {
      const d = y[bIndex[i]];
      if (d === 0) throw new OpError(OP, "integer division by zero (onnxruntime throws)");
      const v = x[aIndex[i]];
      if (a.dtype === DType.INT32 && v === -2147483648 && d === -1) throw new OpError(OP, "INT_MIN / -1 overflows int32 (onnxruntime's process dies of SIGFPE)");
      // trunc of the double v / d is exact: a true quotient q that is not an integer lies at least
      // 1/|d| from one, a relative distance >= 1/|v| >= 2^-32, far above the rounding's 2^-53.
      o[i] = Math.trunc(v / d); // the typed array store wraps int8 / int16 (-128 / -1 = -128)
    }
  } else if (a.dtype === DType.INT64 || a.dtype === DType.UINT64) {
    const x = a.data as BigInt64Array | BigUint64Array;
    const y = b.data as BigInt64Array | BigUint64Array;
    const o = out as BigInt64Array | BigUint64Array;
    for (let i = 0; i < n; i++) {
      const d = y[bIndex[i]];
      if (d === 0n) throw new OpError(OP, "integer division by zero (onnxruntime throws)");
      const v = x[aIndex[i]];
      if (a.dtype === DType.INT64 && v === -(2n ** 63n) && d === -1n) throw new OpError(OP, "INT64_MIN / -1 overflows int64 (onnxruntime's process dies of SIGFPE)");
      o[i] = v / d; // BigInt division truncates toward zero
    }
  } else if (a.dtype === DType.FLOAT || a.dtype === DType.DOUBLE) {
    const x = a.data as Float32Array | Float64Array;
    const y = b.data as Float32Array | Float64Array;
    const o = out as Float32Array | Float64Array;
    // float32: the double quotient of two float32 values rounded once more is correctly rounded.
    for (let i = 0; i < n; i++) o[i] = x[aIndex[i]] / y[bIndex[i]];
  } else {
    throw new OpError(OP, `unsupported element type ${dtypeName(a.dtype)}`);
  }
  return [{ dtype: a.dtype, shape: outShape, data: out }];
}
