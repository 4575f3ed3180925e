/**
 * Activation range estimators. Min-max keeps the extremes of every value seen; percentile keeps a
 * sample of the values (every value up to a cap, then an evenly strided subset, so the result is
 * deterministic) and clips each side at the given percentile, trading a few saturated outliers for
 * a finer step everywhere else.
 */
export interface Range {
  readonly min: number;
  readonly max: number;
}

export interface RangeObserver {
  observe(values: ArrayLike<number>): void;
  range(): Range;
}

export type CalibrationMethod = "minmax" | "percentile";

export class MinMaxObserver implements RangeObserver {
  private min = Infinity;
  private max = -Infinity;

  observe(values: ArrayLike<number>): void {
    for (let i = 0; i < values.length; i++) {
      const v = values[i]!;
      if (v < this.min) this.min = v;
      if (v > this.max) this.max = v;
    }
  }

  range(): Range {
    return this.min > this.max ? { min: 0, max: 0 } : { min: this.min, max: this.max };
  }
}

/** Values kept per tensor before striding kicks in (16 MiB of float32). */
const KEEP = 1 << 22;

export class PercentileObserver implements RangeObserver {
  private chunks: Float32Array[] = [];
  private kept = 0;
  private seen = 0;
  private stride = 1;

  /** `percentile` in (50, 100]: the upper clip; the lower clip is 100 - percentile. */
  constructor(private readonly percentile: number) {
    if (!(percentile > 50 && percentile <= 100)) throw new RangeError(`percentile ${percentile} must be in (50, 100]`);
  }

  observe(values: ArrayLike<number>): void {
    const take: number[] = [];
    for (let i = 0; i < values.length; i++, this.seen++) if (this.seen % this.stride === 0) take.push(values[i]!);
    this.chunks.push(Float32Array.from(take));
    this.kept += take.length;
    if (this.kept > KEEP) {
      // Keep every other kept value and sample half as often from now on.
      const all = this.concat();
      const half = new Float32Array(Math.ceil(all.length / 2));
      for (let i = 0; i < half.length; i++) half[i] = all[2 * i]!;
      this.chunks = [half];
      this.kept = half.length;
      this.stride *= 2;
    }
  }

  private concat(): Float32Array {
    const all = new Float32Array(this.kept);
    let at = 0;
    for (const c of this.chunks) {
      all.set(c, at);
      at += c.length;
    }
    return all;
  }

  range(): Range {
    const all = this.concat().sort();
    if (all.length === 0) return { min: 0, max: 0 };
    const at = (p: number): number => all[Math.min(all.length - 1, Math.max(0, Math.round((p / 100) * (all.length - 1))))]!;
    return { min: at(100 - this.percentile), max: at(this.percentile) };
  }
}

export function makeObserver(method: CalibrationMethod, percentile: number): RangeObserver {
  return method === "minmax" ? new MinMaxObserver() : new PercentileObserver(percentile);
}
