/**
 * com.microsoft QLinearMul, uint8 / int8, per-tensor scales and zero points, numpy broadcasting.
 * A version-2 candidate: registered in the interpreter, NOT in the profile (no on-chain verifier
 * yet). Measured against onnxruntime-node 1.30 on x86-64 (docs/SPEC.md, "Version-2 candidates";
 * scripts/semantics/qlinear-binary.ts):
 *
 *   M = f32(f32(sa * sb) / sc)
 *   y = sat(cvt(f32(f32(f32((a - za)(b - zb)) * M) + zc)))
 *
 * The product (a - za)(b - zb) is exact (|.| <= 65025); cvt = round half to even to int32 with
 * 0x80000000 for a result outside int32 (a huge positive value gives the type MINIMUM); the zero
 * point is added in float32 BEFORE rounding (so ties go to even of the sum, not of the product).
 * Commutative in A and B, so the broadcast form does not matter.
 */
import { DType, numel, type Tensor } from "../tensor.js";
import type { Attributes } from "./common.js";
import { f32, intRange, saturate, toInt32RoundEven } from "./numeric.js";
import { binaryParams } from "./qlinear_binary.js";

const OP = "QLinearMul";

export function qlinearMulValue(a: number, za: number, b: number, zb: number, m: number, zc: number, lo: number, hi: number): number {
  return saturate(toInt32RoundEven(f32(f32(f32((a - za) * (b - zb)) * m) + zc)), lo, hi);
}

export const qlinearMulMultiplier = (sa: number, sb: number, sc: number): number => f32(f32(sa * sb) / sc);

export function qlinearMul(inputs: readonly (Tensor | undefined)[], attributes: Attributes): Tensor[] {
  const p = binaryParams(OP, inputs, attributes);
  const { min, max } = intRange(p.a.dtype);
  const m = qlinearMulMultiplier(p.sa, p.sb, p.sc);
  const n = numel(p.bc.outShape);
  const out = p.a.dtype === DType.UINT8 ? new Uint8Array(n) : new Int8Array(n);
  const ad = p.a.data as unknown as ArrayLike<number>;
  const bd = p.b.data as unknown as ArrayLike<number>;
  for (let i = 0; i < n; i++) out[i] = qlinearMulValue(ad[p.bc.aIndex[i]], p.za, bd[p.bc.bIndex[i]], p.zb, m, p.zc, min, max);
  return [{ dtype: p.a.dtype, shape: p.bc.outShape, data: out }];
}
