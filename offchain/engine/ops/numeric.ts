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
