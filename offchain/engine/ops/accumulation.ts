/**
 * The accumulation trace of one output element: what level 3 of the dispute game bisects.
 *
 * An accumulating operator computes one output element as a fold p_k = step(p_{k-1}, term_k) from
 * a starting value p_0 over K terms in a fixed order (each operator's file documents its order, and
 * docs/SPEC.md quotes it), then maps p_K to the output (requantize, scale, or identity). K depends
 * only on the node's static shapes and attributes, never on the data: padded positions stay in the
 * sequence as "padding" terms that leave the partial value unchanged (they add 0 to a convolution
 * and compare against the type minimum in MaxPool).
 *
 * Multiply-accumulate step:  p_k = i32(p_{k-1} + (a - aZeroPoint) * (b - bZeroPoint))
 * Compare step (MaxPool):    p_k = max(p_{k-1}, x)
 */

export type AccumulationTerm =
  /** A multiply-accumulate of operand a (input 0's data) and b (the weights / second matrix). */
  | { readonly kind: "product"; readonly aIndex: number; readonly a: number; readonly bIndex: number; readonly b: number }
  /** A MaxPool compare against input element `index`. */
  | { readonly kind: "compare"; readonly index: number; readonly value: number }
  /** A tap in the padding: p_k = p_{k-1}. */
  | { readonly kind: "padding" };

export interface Accumulation {
  /** Flat index of the output element. */
  readonly outputIndex: number;
  /** p_0: bias[c], C[m,n], the type minimum (MaxPool) or 0. */
  readonly start: number;
  /** Where p_0 comes from: the flat index into the bias / C input, or undefined for a constant. */
  readonly startIndex: number | undefined;
  /** Zero points subtracted from a and b in every product term of this element (0 if absent). */
  readonly aZeroPoint: number;
  readonly bZeroPoint: number;
  readonly terms: readonly AccumulationTerm[];
  /** p_1 .. p_K (int32-wrapped for multiply-accumulate). */
  readonly partials: readonly number[];
  /**
   * How p_K becomes the output: for requantizing operators the multiplier and output zero point
   * (y = sat(RNE(f32(f32(p_K) * multiplier)) + zeroPoint)); for QGemm's float output
   * (y = f32(f32(p_K) * multiplier)); undefined when the output is p_K itself.
   */
  readonly requantize: { readonly multiplier: number; readonly zeroPoint: number | undefined } | undefined;
  /** The output element, equal to the full operator's output at outputIndex. */
  readonly output: number;
}

/**
 * Folds product terms: xIdx[k] < 0 marks padding. Returns terms and partials p_1..p_K.
 */
export function foldProducts(
  start: number,
  a: ArrayLike<number>,
  aZeroPoint: number,
  aIdx: ArrayLike<number>,
  b: ArrayLike<number>,
  bZeroPoint: number,
  bIdx: ArrayLike<number>,
  count: number,
): { terms: AccumulationTerm[]; partials: number[] } {
  const terms: AccumulationTerm[] = [];
  const partials: number[] = [];
  let p = start | 0;
  for (let k = 0; k < count; k++) {
    const ai = aIdx[k];
    if (ai < 0) {
      terms.push({ kind: "padding" });
    } else {
      const bi = bIdx[k];
      terms.push({ kind: "product", aIndex: ai, a: a[ai], bIndex: bi, b: b[bi] });
      // |(a - za)(b - zb)| <= 2^16 for 8-bit operands, so the sum is exact before the wrap.
      p = (p + (a[ai] - aZeroPoint) * (b[bi] - bZeroPoint)) | 0;
    }
    partials.push(p);
  }
  return { terms, partials };
}
