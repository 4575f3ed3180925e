/**
 * The scalar arithmetic of the profile, exactly as ../shared/SEMANTICS.md measured it.
 *
 * Notation (as in SEMANTICS.md): f32 = round to float32 (Math.fround), RNE = round half to even,
 * sat = clamp to the output type's range, i32 = wrap to int32.
 *
 * Why double arithmetic followed by Math.fround is exact: a float32 value has 24 significant
 * bits; for +, -, *, / of two float32 values the double result rounded once more to float32 equals
 * the correctly rounded float32 result (double has 53 >= 2*24 + 2 bits, the classic innocuous
 * double-rounding bound). A product of two float32 values is even exact in double (48 bits).
 *
 * The formulas the operators use are reached through the mutable `formulas` object so that the
 * mutation-guard tests can swap in the tempting wrong formulas SEMANTICS.md lists and check that
 * the conformance and differential tests then fail. Production code never writes to it.
 */
import { DType, dtypeName } from "../tensor.js";

export const f32 = Math.fround;

/** Round half to even of an (already float32-rounded) value. NaN and ±Inf pass through. */
export function roundHalfEven(v: number): number {
  // Every double of magnitude >= 2^52 is an integer; float32 values are integers from 2^23 up.
  if (!Number.isFinite(v) || Math.abs(v) >= 4503599627370496) return v;
  const floor = Math.floor(v);
  const frac = v - floor; // exact: both are doubles of the same binade or below
  if (frac > 0.5) return floor + 1;
  if (frac < 0.5) return floor;
  return floor % 2 === 0 ? floor : floor + 1;
}

/** Inclusive value range of the integer element types. */
export interface IntRange {
  readonly min: number;
  readonly max: number;
}

const RANGES: ReadonlyMap<DType, IntRange> = new Map<DType, IntRange>([
  [DType.UINT8, { min: 0, max: 255 }],
  [DType.INT8, { min: -128, max: 127 }],
  [DType.UINT16, { min: 0, max: 65535 }],
  [DType.INT16, { min: -32768, max: 32767 }],
  [DType.INT32, { min: -2147483648, max: 2147483647 }],
  [DType.UINT32, { min: 0, max: 4294967295 }],
]);

/** The range of an integer type that fits a JS number exactly (not int64/uint64). */
export function intRange(dtype: DType): IntRange {
  const r = RANGES.get(dtype);
  if (r === undefined) throw new Error(`no 32-bit integer range for element type ${dtypeName(dtype)}`);
  return r;
}

/** Saturate an integer-valued number (or ±Inf) to [lo, hi]. NaN is the caller's business. */
export function saturate(v: number, lo: number, hi: number): number {
  return v < lo ? lo : v > hi ? hi : v;
}

/**
 * The injectable formulas. Each is the canonical one of SEMANTICS.md; see the file comment.
 * Arguments are float32 values (scales, alpha) and integers (zero points, accumulators).
 */
export interface Formulas {
  /** QuantizeLinear: q = sat(RNE(f32(x / s)) + zp); NaN -> lo. */
  quantize(x: number, s: number, zp: number, lo: number, hi: number): number;
  /** DequantizeLinear: y = f32(f32(i32(x - zp)) * s). */
  dequantize(x: number, zp: number, s: number): number;
  /** QLinearConv / QLinearMatMul multiplier: M = f32(f32(sa * sb) / sy). */
  multiplier(sa: number, sb: number, sy: number): number;
  /** QGemm multiplier: f32(f32(alpha * as) * bs), then / ys when ys is given. */
  gemmMultiplier(alpha: number, as: number, bs: number, ys: number | undefined): number;
  /** Requantize an int32 accumulator: sat(RNE(f32(f32(acc) * M)) + zp). */
  requantize(acc: number, m: number, zp: number, lo: number, hi: number): number;
  /** QGemm float output: f32(f32(acc) * M). */
  scaleAccumulator(acc: number, m: number): number;
  /** The value MaxPool pads with (the type minimum) for an integer element type. */
  maxPoolPad(lo: number): number;
}

export const CANONICAL_FORMULAS: Readonly<Formulas> = Object.freeze({
  quantize(x: number, s: number, zp: number, lo: number, hi: number): number {
    const q = f32(x / s);
    if (Number.isNaN(q)) return lo;
    return saturate(roundHalfEven(q) + zp, lo, hi);
  },
  dequantize(x: number, zp: number, s: number): number {
    return f32(f32((x - zp) | 0) * s);
  },
  multiplier(sa: number, sb: number, sy: number): number {
    return f32(f32(sa * sb) / sy);
  },
  gemmMultiplier(alpha: number, as: number, bs: number, ys: number | undefined): number {
    const m = f32(f32(alpha * as) * bs);
    return ys === undefined ? m : f32(m / ys);
  },
  requantize(acc: number, m: number, zp: number, lo: number, hi: number): number {
    const v = f32(f32(acc) * m);
    if (Number.isNaN(v)) throw new Error(`requantize: NaN from accumulator ${acc} and multiplier ${m}`);
    return saturate(roundHalfEven(v) + zp, lo, hi);
  },
  scaleAccumulator(acc: number, m: number): number {
    return f32(f32(acc) * m);
  },
  maxPoolPad(lo: number): number {
    return lo;
  },
});

/** What the operators call. Only tests may replace members (see withFormulas in the tests). */
export const formulas: Formulas = { ...CANONICAL_FORMULAS };

/** Restore the canonical formulas (for tests that swapped some). */
export function resetFormulas(): void {
  Object.assign(formulas, CANONICAL_FORMULAS);
}

// ---------------------------------------------------------------------------------------------
// Version-2 candidates (docs/SPEC.md, "Version-2 candidates"): the extra float32 steps that
// onnxruntime's QLinearAdd / QLinearMul / QLinearAveragePool kernels take on x86-64.

const F32_BITS = new Float32Array(1);
const U32_BITS = new Uint32Array(F32_BITS.buffer);

/** The float32 neighbour of the finite float32 x toward +Inf (toward -Inf when `down`). */
function nextFloat32(x: number, down: boolean): number {
  if (x === 0) return down ? -1.401298464324817e-45 : 1.401298464324817e-45;
  F32_BITS[0] = x;
  U32_BITS[0] += x > 0 !== down ? 1 : -1;
  return F32_BITS[0];
}

/**
 * fma(a, b, c) of three float32 values with ONE rounding to float32 (x86 vfmadd, IEEE
 * fusedMultiplyAdd). a * b is exact in a double (24 + 24 bits); p + c is rounded to a double s
 * whose error e is recovered exactly (TwoSum). Rounding s to float32 gives the correctly rounded
 * p + c unless s lies exactly on a float32 midpoint, where the sign of e decides: no float32
 * midpoint (a double) can lie strictly between p + c and its nearest double s.
 */
export function fma32(a: number, b: number, c: number): number {
  const p = a * b;
  const s = p + c;
  if (!Number.isFinite(s)) return f32(s);
  const bb = s - p;
  const e = p - (s - bb) + (c - bb);
  const r = f32(s);
  if (e === 0 || r === s || !Number.isFinite(r)) return r;
  const other = nextFloat32(r, r > s);
  if (Math.abs(r - s) !== Math.abs(s - other)) return r;
  return e > 0 ? Math.max(r, other) : Math.min(r, other);
}

const INT32_INDEFINITE = -2147483648;

/**
 * float32 -> int32 as x86's cvtps2dq (round half to even) does it: a NaN or a result outside
 * int32 gives 0x80000000 (INT_MIN), the "integer indefinite" value, NOT a saturated one.
 */
export function toInt32RoundEven(v: number): number {
  const r = roundHalfEven(v);
  return Number.isNaN(r) || r >= 2147483648 || r < -2147483648 ? INT32_INDEFINITE : r;
}

/** float32 -> int32 as C's (int32_t) cast compiles on x86 (cvttss2si): truncation, INT_MIN out of range. */
export function toInt32Truncate(v: number): number {
  const r = Math.trunc(v);
  return Number.isNaN(r) || r >= 2147483648 || r < -2147483648 ? INT32_INDEFINITE : r;
}
