/**
 * com.microsoft QLinearAdd, uint8 / int8, per-tensor scales and zero points, numpy broadcasting.
 * A version-2 candidate: registered in the interpreter, NOT in the profile (no on-chain verifier
 * yet). Measured against onnxruntime-node 1.30 on x86-64 with AVX2+FMA (docs/SPEC.md,
 * "Version-2 candidates"; scripts/semantics/qlinear-binary.ts):
 *
 *   (X, Y) = (B, A) when the broadcast form is "scalarA" (onnxruntime swaps the operands of the
 *            MLAS call), else (A, B)                                  [form: qlinear_binary.ts]
 *   rX = f32(sX / sc),  rY = f32(sY / sc)
 *   F  = f32(zc - fma(rX, zX, f32(rY * zY)))                          the "fixed part"
 *   y  = sat(cvt(fma(x, rX, fma(y, rY, F))))                         x, y the raw 8-bit values
 *
 * fma = float32 fused multiply-add (one rounding); cvt = round half to even to int32, with
 * 0x80000000 for a result outside int32 (so a huge positive value gives the type MINIMUM); sat =
 * clamp to the output type. The zero point zc is inside F: it is added BEFORE rounding.
 */
import { DType, numel, type Tensor } from "../tensor.js";
import type { Attributes } from "./common.js";
import { f32, fma32, intRange, saturate, toInt32RoundEven } from "./numeric.js";
import { binaryParams } from "./qlinear_binary.js";

const OP = "QLinearAdd";

/** One output element of QLinearAdd from its operands (already ordered X, Y) and parameters. */
export function qlinearAddValue(x: number, sx: number, zx: number, y: number, sy: number, zy: number, sc: number, zc: number, lo: number, hi: number): number {
  const rX = f32(sx / sc);
  const rY = f32(sy / sc);
  const fixed = f32(zc - fma32(rX, zx, f32(rY * zy)));
  return saturate(toInt32RoundEven(fma32(x, rX, fma32(y, rY, fixed))), lo, hi);
}

export function qlinearAdd(inputs: readonly (Tensor | undefined)[], attributes: Attributes): Tensor[] {
  const p = binaryParams(OP, inputs, attributes);
  const { min, max } = intRange(p.a.dtype);
  const n = numel(p.bc.outShape);
  const out = p.a.dtype === DType.UINT8 ? new Uint8Array(n) : new Int8Array(n);
  const ad = p.a.data as unknown as ArrayLike<number>;
  const bd = p.b.data as unknown as ArrayLike<number>;
  const swap = p.form === "scalarA";
  for (let i = 0; i < n; i++) {
    const a = ad[p.bc.aIndex[i]];
    const b = bd[p.bc.bIndex[i]];
    out[i] = swap ? qlinearAddValue(b, p.sb, p.zb, a, p.sa, p.za, p.sc, p.zc, min, max) : qlinearAddValue(a, p.sa, p.za, b, p.sb, p.zb, p.sc, p.zc, min, max);
  }
  return [{ dtype: p.a.dtype, shape: p.bc.outShape, data: out }];
}
