/** A small seeded PRNG (mulberry32) and the draws the randomized tests need. */
export class Rng {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  /** Uniform in [0, 2^32). */
  nextU32(): number {
    this.state = (this.state + 0x6d2b79f5) | 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  }

  /** Uniform in [0, 1). */
  next(): number {
    return this.nextU32() / 4294967296;
  }

  /** Integer in [lo, hi] inclusive. */
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }

  pick<T>(items: readonly T[]): T {
    return items[this.int(0, items.length - 1)];
  }

  bool(p = 0.5): boolean {
    return this.next() < p;
  }

  /** A float32 with a random bit pattern (any sign, exponent, mantissa; NaN/Inf included). */
  anyFloat32(): number {
    const u = new Uint32Array([this.nextU32()]);
    return new Float32Array(u.buffer)[0];
  }

  /** A positive normal float32 whose log2 is uniform in [lo, hi]. */
  logUniform(lo: number, hi: number): number {
    return Math.fround(2 ** (lo + this.next() * (hi - lo)));
  }
}
