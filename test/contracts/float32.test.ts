/**
 * LibFloat32 and LibQuant against JavaScript, bit for bit.
 *
 * - LibFloat32.mul/div vs Math.fround of the double product/quotient (the product of two float32
 *   values is exact in double; for division double rounding is innocuous at 24 bits), NaN compared
 *   as "is NaN" and required to be the canonical 0x7fc00000.
 * - fromInt vs Math.fround(Number(v)) up to 2^53, and an exact BigInt reference above.
 * - roundHalfEven vs numeric.ts's roundHalfEven.
 * - LibQuant vs numeric.ts's CANONICAL_FORMULAS on random and adversarial cases.
 * - Mutation guard: each wrong formula of shared/SEMANTICS.md, written in Solidity
 *   (contracts/mocks/LibQuantMutants.sol), must disagree with the canonical formulas on the same
 *   case sets, and must agree with a TypeScript version of the same wrong formula (so that each
 *   mutant is the named mistake, not an unrelated bug).
 * Every case set is seeded; the counts asserted below keep the sets from silently shrinking.
 */
import { expect } from "chai";
import { network } from "hardhat";
import { CANONICAL_FORMULAS as F, f32, roundHalfEven as rneTs } from "../../offchain/engine/ops/numeric.js";
import { Rng } from "../engine/support/prng.js";

const { ethers } = await network.getOrCreate();

/* ------------------------------ bit helpers ------------------------------ */

const view = new DataView(new ArrayBuffer(4));
const bitsOf = (x: number): number => {
  view.setFloat32(0, x);
  return view.getUint32(0);
};
const valOf = (b: number): number => {
  view.setUint32(0, b >>> 0);
  return view.getFloat32(0);
};
const hex = (b: number): string => "0x" + (b >>> 0).toString(16).padStart(8, "0");
const CANONICAL_NAN = 0x7fc00000;
const INF = 0x7f800000;

/** A float32 result compared bit for bit; NaN as "is NaN" plus the documented canonical pattern. */
function sameFloat(got: number, want: number): boolean {
  if (Number.isNaN(want)) return got === CANONICAL_NAN;
  return got === bitsOf(want);
}

/** Exact value of a finite float32 pattern as (significand, exponent): |v| = m * 2^e. */
function unpack(bits: number): { neg: boolean; m: bigint; e: number } {
  const abs = bits & 0x7fffffff;
  const biased = abs >>> 23;
  const frac = abs & 0x7fffff;
  return biased === 0
    ? { neg: bits >>> 31 === 1, m: BigInt(frac), e: -149 }
    : { neg: bits >>> 31 === 1, m: BigInt(frac | 0x800000), e: biased - 150 };
}

/**
 * Exact reference: n * 2^e (n any bigint) rounded to the nearest float32, ties to even, written
 * independently of the Solidity algorithm: take a double approximation, then choose among the five
 * nearest float32 patterns by exact BigInt distance.
 */
function exactF32(n: bigint, e: number): number {
  if (n === 0n) return 0;
  const neg = n < 0n;
  const mag = neg ? -n : n;
  // |value| >= 2^128 - 2^103 (the midpoint above the largest finite) rounds to Inf.
  const inf = e >= 0 ? mag << BigInt(e) >= (1n << 128n) - (1n << 103n) : mag >= ((1n << 128n) - (1n << 103n)) << BigInt(-e);
  if (inf) return neg ? -Infinity : Infinity;
  const approx = Math.abs(Math.fround(Number(mag) * 2 ** e));
  const b0 = Number.isFinite(approx) ? bitsOf(approx) : 0x7f7fffff;
  let best = -1;
  let bestDist = 0n;
  for (let b = Math.max(0, b0 - 2); b <= Math.min(0x7f7fffff, b0 + 2); b++) {
    const c = unpack(b);
    const k = Math.min(e, c.e);
    const dist = (mag << BigInt(e - k)) - (c.m << BigInt(c.e - k));
    const d = dist < 0n ? -dist : dist;
    if (best < 0 || d < bestDist || (d === bestDist && (b & 1) === 0)) {
      best = b;
      bestDist = d;
    }
  }
  const v = valOf(best);
  return neg ? -v : v;
}

/* ---------------------------- packed batches ----------------------------- */
// The harness batches take packed big-endian records (layouts in Float32Harness.sol's NatSpec).

interface Codec<T, R> {
  readonly size: number; // bytes per record
  readonly out: number; // bytes per result
  readonly write: (b: Buffer, o: number, item: T) => void;
  readonly read: (b: Buffer, o: number) => R;
  readonly chunk?: number; // records per eth_call (the call must stay under the 2^24 gas cap)
}

const u32 = (b: Buffer, o: number, v: number): void => void b.writeUInt32BE(v >>> 0, o);
const i64 = (b: Buffer, o: number, v: number | bigint): void => void b.writeBigInt64BE(BigInt(v), o);
const readU32 = (b: Buffer, o: number): number => b.readUInt32BE(o);
const readI64 = (b: Buffer, o: number): bigint => b.readBigInt64BE(o);
const readI256 = (b: Buffer, o: number): bigint => BigInt.asIntN(256, BigInt("0x" + b.subarray(o, o + 32).toString("hex")));

function pack<T>(items: readonly T[], codec: Codec<T, unknown>): string {
  const b = Buffer.alloc(items.length * codec.size);
  items.forEach((item, i) => codec.write(b, i * codec.size, item));
  return "0x" + b.toString("hex");
}

async function batch<T, R>(items: readonly T[], codec: Codec<T, R>, call: (data: string) => Promise<string>): Promise<R[]> {
  const out: R[] = [];
  const chunk = codec.chunk ?? 3000;
  for (let i = 0; i < items.length; i += chunk) {
    const part = items.slice(i, i + chunk);
    const b = Buffer.from((await call(pack(part, codec))).slice(2), "hex");
    expect(b.length).to.equal(part.length * codec.out);
    for (let k = 0; k < part.length; k++) out.push(codec.read(b, k * codec.out));
  }
  return out;
}

type Pair = readonly [number, number];
const PAIR: Codec<Pair, number> = { size: 8, out: 4, write: (b, o, [x, y]) => (u32(b, o, x), u32(b, o + 4, y)), read: readU32 };
const INT256: Codec<bigint, number> = {
  size: 32,
  out: 4,
  write: (b, o, v) => void b.write(BigInt.asUintN(256, v).toString(16).padStart(64, "0"), o, "hex"),
  read: readU32,
};
const RNE: Codec<number, bigint> = { size: 4, out: 32, write: (b, o, f) => u32(b, o, f), read: readI256 };
const QUANTIZE: Codec<QCase, bigint> = {
  size: 32,
  out: 8,
  write: (b, o, c) => (u32(b, o, c.x), u32(b, o + 4, c.scale), i64(b, o + 8, c.zp), i64(b, o + 16, c.qmin), i64(b, o + 24, c.qmax)),
  read: readI64,
};
const DEQUANTIZE: Codec<DCase, number> = {
  size: 20,
  out: 4,
  write: (b, o, c) => (i64(b, o, c.x), i64(b, o + 8, c.zp), u32(b, o + 16, c.scale)),
  read: readU32,
};
const MULTIPLIER: Codec<MCase, number> = {
  size: 12,
  out: 4,
  write: (b, o, c) => (u32(b, o, c.xs), u32(b, o + 4, c.ws), u32(b, o + 8, c.ys)),
  read: readU32,
};
const GEMM: Codec<GCase, number> = {
  chunk: 2000,
  size: 17,
  out: 4,
  write: (b, o, c) => (u32(b, o, c.alpha), u32(b, o + 4, c.aScale), u32(b, o + 8, c.bScale), u32(b, o + 12, c.yScale), b.writeUInt8(c.hasYScale ? 1 : 0, o + 16)),
  read: readU32,
};
const REQUANTIZE: Codec<RCase, bigint> = {
  size: 36,
  out: 8,
  write: (b, o, c) => (i64(b, o, c.acc), u32(b, o + 8, c.m), i64(b, o + 12, c.zp), i64(b, o + 20, c.qmin), i64(b, o + 28, c.qmax)),
  read: readI64,
};
const SCALE_ACC: Codec<RCase, number> = { size: 12, out: 4, write: (b, o, c) => (i64(b, o, c.acc), u32(b, o + 8, c.m)), read: readU32 };

interface QCase {
  x: number;
  scale: number;
  zp: number;
  qmin: number;
  qmax: number;
}
interface DCase {
  x: number;
  zp: number;
  scale: number;
}
interface MCase {
  xs: number;
  ws: number;
  ys: number;
}
interface GCase {
  alpha: number;
  aScale: number;
  bScale: number;
  yScale: number;
  hasYScale: boolean;
}
interface RCase {
  acc: number;
  m: number;
  zp: number;
  qmin: number;
  qmax: number;
}

/* ------------------------------- generators ------------------------------ */

const U8 = { lo: 0, hi: 255 };
const I8 = { lo: -128, hi: 127 };
const U16 = { lo: 0, hi: 65535 };
const I16 = { lo: -32768, hi: 32767 };
const I32 = { lo: -2147483648, hi: 2147483647 };
const RANGES = [U8, I8, U8, I8, U16, I16, I32];

/** A pattern from a random sign, biased exponent and fraction with a random number of trailing zeros. */
function structuredBits(rng: Rng, biased?: number): number {
  const e =
    biased ??
    rng.pick([0, 0, 1, 2, 126, 127, 128, 253, 254, rng.int(0, 254), rng.int(0, 254), rng.int(100, 154), 255]);
  const tz = rng.int(0, 23);
  let frac = (rng.nextU32() & 0x7fffff) >>> tz << tz;
  if (rng.bool(0.1)) frac = rng.bool() ? 0 : 0x7fffff;
  if (e === 255 && rng.bool(0.5)) frac = 0; // Inf as often as NaN
  return ((rng.bool() ? 0x80000000 : 0) | (e << 23) | frac) >>> 0;
}

/** Any float32 pattern: uniform bits, structured, or a special. */
function anyBits(rng: Rng): number {
  const r = rng.next();
  if (r < 0.4) return rng.nextU32();
  if (r < 0.9) return structuredBits(rng);
  return rng.pick(EDGE);
}

const clampExp = (e: number): number => Math.max(0, Math.min(254, e));

const POWERS_OF_TWO: number[] = [];
for (let k = 0; k < 254; k++) POWERS_OF_TWO.push((k + 1) << 23); // 2^-126 .. 2^127
for (let k = 0; k < 23; k++) POWERS_OF_TWO.push(1 << k); // subnormal powers 2^-149 .. 2^-127

const EDGE: number[] = [
  0x00000000, 0x80000000, // ±0
  0x00000001, 0x80000001, // ± smallest subnormal
  0x00000002, 0x00000003, 0x00400000, 0x00400001, 0x003fffff,
  0x007fffff, 0x807fffff, // ± largest subnormal
  0x00800000, 0x80800000, // ± smallest normal
  0x00800001, 0x00ffffff, 0x01000000,
  0x7f7fffff, 0xff7fffff, // ± max finite
  0x7f7ffffe, 0x7f000000, 0x7effffff,
  0x7f800000, 0xff800000, // ±Inf
  0x7fc00000, 0xffc00000, 0x7f800001, 0x7fffffff, 0xffffffff, 0x7fa00000, // NaNs (quiet, signalling, payloads)
  0x3f800000, 0xbf800000, 0x40000000, 0x3f000000, 0x3fc00000, 0x3f800001, 0x3f7fffff, 0x3fffffff,
  0x40400000, 0x3eaaaaab, 0x4b000000, 0x4b7fffff, 0x4b800000, 0x4b800001, 0x33800000, 0x34000000,
  0x5f000000, 0xdf000000, 0x1f800000, 0x20000000, 0x5f800000, 0x3b800000, 0x3c23d70a, 0x437f0000,
];

/* ------------------------------ shared state ----------------------------- */

/** Gas ceilings of one library call (the one-step budget is 150k for the whole step). */
const FLOAT_GAS_LIMIT = 1500;
const QUANT_GAS_LIMIT = 4000;

const deployContracts = async () => ({
  harness: await ethers.deployContract("Float32Harness"),
  mutants: await ethers.deployContract("LibQuantMutants"),
});
let harness: Awaited<ReturnType<typeof deployContracts>>["harness"];
let mutants: Awaited<ReturnType<typeof deployContracts>>["mutants"];
const gasRows: { fn: string; cases: number; max: number; mean: number }[] = [];

/**
 * Measures the library call alone over a sample of `items` (the first and last 1500: random and
 * adversarial cases) and checks it against `limit`.
 */
async function probeGas<T>(fn: string, all: readonly T[], codec: Codec<T, unknown>, limit: number): Promise<void> {
  const items = all.length <= 3000 ? all : [...all.slice(0, 1500), ...all.slice(-1500)];
  let max = 0;
  let sum = 0;
  for (let i = 0; i < items.length; i += 3000) {
    const [m, s] = await harness.getFunction(fn)(pack(items.slice(i, i + 3000), codec));
    max = Math.max(max, Number(m));
    sum += Number(s);
  }
  const row = { fn: fn.replace(/Gas$/, ""), cases: items.length, max, mean: Math.round(sum / items.length) };
  gasRows.push(row);
  expect(row.max, `${fn} max gas`).to.be.lessThan(limit);
}

before(async () => {
  ({ harness, mutants } = await deployContracts());
});

after(() => {
  if (gasRows.length > 0) {
    console.log("\n      gas per call (library call only, gasleft() difference):");
    for (const r of gasRows) console.log(`        ${r.fn.padEnd(16)} max ${String(r.max).padStart(5)}  mean ${String(r.mean).padStart(5)}  (${r.cases} cases)`);
  }
});

/* =============================== LibFloat32 ============================== */

describe("LibFloat32", () => {
  describe("mul", () => {
    const rng = new Rng(0xf1a7_0001);
    const a: number[] = [];
    const b: number[] = [];
    const push = (x: number, y: number): void => {
      a.push(x >>> 0);
      b.push(y >>> 0);
    };
    const pairs = (): Pair[] => a.map((x, i) => [x, b[i]] as const);
    // Edge x edge, both orders.
    for (const x of EDGE) for (const y of EDGE) push(x, y);
    // Powers of two against edges: exact results, under/overflow, subnormal outputs.
    for (const p of POWERS_OF_TWO) for (let i = 0; i < 8; i++) push(p ^ (rng.bool() ? 0x80000000 : 0), rng.pick(EDGE));
    // Exact ties: (1 + 2^(i-23)) * (1 + 2^(j-23)) with i + j = 22 is a midpoint, scaled anywhere.
    for (let k = 0; k < 1500; k++) {
      const i = rng.int(0, 22);
      const ea = rng.int(1, 254);
      push(((rng.bool() ? 0x80000000 : 0) | (ea << 23) | (1 << i)) >>> 0, (clampExp(rng.int(1, 254)) << 23) | (1 << (22 - i)));
    }
    // Subnormal ties: odd subnormal times 2^-k.
    for (let k = 0; k < 1000; k++) push(rng.int(1, 0x7fffff) | 1, (127 - rng.int(1, 24)) << 23);
    // Products near the overflow and underflow boundaries.
    for (let k = 0; k < 3000; k++) {
      const ea = rng.int(1, 254);
      const eb = clampExp(rng.bool() ? 127 - ea + rng.int(-25, 2) : 254 + 127 - ea + rng.int(-2, 1));
      push(structuredBits(rng, ea), structuredBits(rng, eb));
    }
    // Random.
    for (let k = 0; k < 12000; k++) push(anyBits(rng), anyBits(rng));

    it(`is correctly rounded on ${a.length} cases (edges, ties, boundaries, random)`, async () => {
      const got = await batch(pairs(), PAIR, (d) => harness.mulBatch(d));
      let ties = 0, overflow = 0, subnormalOut = 0, underflowToZero = 0, nan = 0, subnormalIn = 0;
      const bad: string[] = [];
      for (let i = 0; i < a.length; i++) {
        const fa = valOf(a[i]);
        const fb = valOf(b[i]);
        const p = fa * fb; // exact in double
        const want = f32(p);
        if (!sameFloat(Number(got[i]), want)) bad.push(`${hex(a[i])} * ${hex(b[i])}: got ${hex(Number(got[i]))}, want ${hex(bitsOf(want))}`);
        // Statistics, so that the coverage claims are checked, not assumed.
        if (Number.isNaN(want)) nan++;
        if (((a[i] & INF) === 0 && (a[i] & 0x7fffff) !== 0) || ((b[i] & INF) === 0 && (b[i] & 0x7fffff) !== 0)) subnormalIn++;
        if (Number.isFinite(p) && !Number.isFinite(want)) overflow++;
        if (p !== 0 && want === 0) underflowToZero++;
        if (want !== 0 && Math.abs(want) < 2 ** -126) subnormalOut++;
        if (Number.isFinite(want) && want !== p && Number.isFinite(p)) {
          const rb = bitsOf(want);
          const other = valOf(Math.abs(p) > Math.abs(want) ? rb + 1 : rb - 1);
          if (want + other === 2 * p) ties++;
        }
      }
      console.log(`        mul: ${a.length} cases, ${ties} exact ties, ${overflow} overflows, ${subnormalOut} subnormal and ${underflowToZero} zero underflows, ${subnormalIn} subnormal inputs, ${nan} NaN`);
      expect(bad.slice(0, 10)).to.deep.equal([]);
      expect(a.length).to.be.greaterThan(10_000);
      expect(ties).to.be.greaterThan(1000);
      expect(overflow).to.be.greaterThan(100);
      expect(subnormalOut).to.be.greaterThan(500);
      expect(underflowToZero).to.be.greaterThan(100);
      await probeGas("mulGas", pairs(), PAIR, FLOAT_GAS_LIMIT);
    });
  });

  describe("div", () => {
    const rng = new Rng(0xf1a7_0002);
    const a: number[] = [];
    const b: number[] = [];
    const push = (x: number, y: number): void => {
      a.push(x >>> 0);
      b.push(y >>> 0);
    };
    const pairs = (): Pair[] => a.map((x, i) => [x, b[i]] as const);
    for (const x of EDGE) for (const y of EDGE) push(x, y);
    for (const p of POWERS_OF_TWO) for (let i = 0; i < 8; i++) push(rng.pick(EDGE), p ^ (rng.bool() ? 0x80000000 : 0));
    // Subnormal ties: t = (2r + 1) * 2^-150 lies halfway between two subnormals; a = t * d exactly,
    // b = d, for d = 2^k and d = 3 * 2^k.
    for (let k = 0; k < 1500; k++) {
      const three = rng.bool();
      const odd = 2 * rng.int(0, three ? 0x2aaaaa - 1 : 0x7fffff) + 1;
      const e = rng.int(1, 126);
      const d = (three ? 3 : 1) * 2 ** e;
      const sign = rng.bool() ? -1 : 1;
      push(bitsOf(sign * odd * (three ? 3 : 1) * 2 ** (e - 150)), bitsOf(rng.bool() ? d : -d));
    }
    // Quotients near the overflow and underflow boundaries.
    for (let k = 0; k < 3000; k++) {
      const ea = rng.int(0, 254);
      const eb = clampExp(rng.bool() ? ea + 127 + rng.int(-2, 25) : ea - 127 + rng.int(-1, 2));
      push(structuredBits(rng, ea), structuredBits(rng, eb));
    }
    // Quotients with exact results and 3, 5, 7 denominators (repeating binary fractions).
    for (let k = 0; k < 1000; k++) push(structuredBits(rng), rng.pick([0x40400000, 0x40a00000, 0x40e00000, 0x41100000, 0x3f800001]));
    for (let k = 0; k < 12000; k++) push(anyBits(rng), anyBits(rng));

    it(`is correctly rounded on ${a.length} cases (edges, ties, boundaries, random)`, async () => {
      const got = await batch(pairs(), PAIR, (d) => harness.divBatch(d));
      let ties = 0, overflow = 0, subnormalOut = 0, underflowToZero = 0, nan = 0, divByZero = 0;
      const bad: string[] = [];
      for (let i = 0; i < a.length; i++) {
        const fa = valOf(a[i]);
        const fb = valOf(b[i]);
        const q = fa / fb;
        const want = f32(q);
        if (!sameFloat(Number(got[i]), want)) bad.push(`${hex(a[i])} / ${hex(b[i])}: got ${hex(Number(got[i]))}, want ${hex(bitsOf(want))}`);
        if (Number.isNaN(want)) nan++;
        if (fb === 0 && fa !== 0 && !Number.isNaN(fa)) divByZero++;
        if (Number.isFinite(fa) && Number.isFinite(fb) && fb !== 0 && !Number.isFinite(want)) overflow++;
        if (fa !== 0 && Number.isFinite(fb) && want === 0) underflowToZero++;
        if (want !== 0 && Math.abs(want) < 2 ** -126) subnormalOut++;
        if (Number.isFinite(want) && Number.isFinite(q) && want !== q) {
          const rb = bitsOf(want);
          const other = valOf(Math.abs(q) > Math.abs(want) ? rb + 1 : rb - 1);
          if (((want + other) / 2) * fb === fa) ties++; // exact: 25-bit midpoint times 24-bit divisor
        }
      }
      console.log(`        div: ${a.length} cases, ${ties} exact ties, ${overflow} overflows, ${subnormalOut} subnormal and ${underflowToZero} zero underflows, ${divByZero} x/0, ${nan} NaN`);
      expect(bad.slice(0, 10)).to.deep.equal([]);
      expect(a.length).to.be.greaterThan(10_000);
      expect(ties).to.be.greaterThan(500);
      expect(overflow).to.be.greaterThan(100);
      expect(subnormalOut).to.be.greaterThan(500);
      expect(underflowToZero).to.be.greaterThan(100);
      await probeGas("divGas", pairs(), PAIR, FLOAT_GAS_LIMIT);
    });

    it("follows the IEEE special cases and returns the canonical NaN", async () => {
      const cases: [number, number, number][] = [
        [0x3f800000, 0x00000000, 0x7f800000], // 1 / +0 = +Inf
        [0x3f800000, 0x80000000, 0xff800000], // 1 / -0 = -Inf
        [0x80000001, 0x00000000, 0xff800000], // -tiny / +0 = -Inf
        [0x00000000, 0x00000000, CANONICAL_NAN], // 0 / 0
        [0x7f800000, 0xff800000, CANONICAL_NAN], // Inf / -Inf
        [0xff800000, 0x3f800000, 0xff800000], // -Inf / 1
        [0x3f800000, 0xff800000, 0x80000000], // 1 / -Inf = -0
        [0x80000000, 0x3f800000, 0x80000000], // -0 / 1 = -0
        [0xffc00001, 0x3f800000, CANONICAL_NAN], // payload dropped
        [0x7f7fffff, 0x00000001, 0x7f800000], // overflow
        [0x00000001, 0x7f7fffff, 0x00000000], // underflow to +0
      ];
      for (const [x, y, want] of cases) expect(hex(Number(await harness.div(x, y))), `${hex(x)} / ${hex(y)}`).to.equal(hex(want));
      expect(hex(Number(await harness.mul(0x7f800000, 0x80000000)))).to.equal(hex(CANONICAL_NAN)); // Inf * -0
      expect(hex(Number(await harness.mul(0x80000000, 0x00000000)))).to.equal(hex(0x80000000)); // -0 * 0
      expect(hex(Number(await harness.mul(0xff800000, 0xbf800000)))).to.equal(hex(0x7f800000)); // -Inf * -1
      expect(hex(Number(await harness.mul(0x7fa00000, 0x3f800000)))).to.equal(hex(CANONICAL_NAN)); // sNaN
    });
  });

  describe("fromInt", () => {
    const rng = new Rng(0xf1a7_0003);
    const vs: bigint[] = [];
    const randBig = (bits: number): bigint => {
      let v = 0n;
      for (let i = 0; i < bits; i += 32) v = (v << 32n) | BigInt(rng.nextU32());
      return v & ((1n << BigInt(bits)) - 1n);
    };
    const signed = (v: bigint): bigint => (rng.bool() ? -v : v);
    for (let k = 0; k < 6000; k++) vs.push(signed(randBig(rng.int(0, 53)))); // |v| < 2^53
    for (let k = 0; k < 4000; k++) vs.push(signed(randBig(rng.int(54, 63)))); // 2^53 <= |v| < 2^63
    // Exact ties: a 25-bit odd significand shifted anywhere below 2^63.
    for (let k = 0; k < 2000; k++) vs.push(signed((BigInt(rng.int(0x1000000, 0x1ffffff)) | 1n) << BigInt(rng.int(0, 38))));
    // One above/below ties and powers of two.
    for (let k = 0; k < 1000; k++) {
      const t = (BigInt(rng.int(0x1000000, 0x1ffffff)) | 1n) << BigInt(rng.int(1, 38));
      vs.push(signed(t + BigInt(rng.pick([-1, 1]))));
    }
    for (let k = 0n; k < 63n; k++) vs.push(1n << k, -(1n << k), (1n << k) - 1n, -(1n << k) + 1n);
    const I256_MAX = (1n << 255n) - 1n;
    const FMAX = ((1n << 24n) - 1n) << 104n;
    vs.push(0n, 1n, -1n, (1n << 63n) - 1n, -(1n << 63n), 16777217n, -16777217n, 16777219n, I256_MAX, -I256_MAX - 1n,
      FMAX, FMAX + (1n << 103n) - 1n, FMAX + (1n << 103n), -FMAX - (1n << 103n), 1n << 128n, 2147483647n, -2147483648n);

    it(`rounds ${vs.length} integers to nearest even`, async () => {
      const got = await batch(vs, INT256, (d) => harness.fromIntBatch(d));
      const bad: string[] = [];
      let exactRef = 0;
      for (let i = 0; i < vs.length; i++) {
        const v = vs[i];
        const abs = v < 0n ? -v : v;
        let want: number;
        if (abs <= 1n << 53n) {
          want = f32(Number(v));
        } else {
          want = exactF32(v, 0);
          exactRef++;
        }
        if (!sameFloat(Number(got[i]), want)) bad.push(`${v}: got ${hex(Number(got[i]))}, want ${hex(bitsOf(want))}`);
      }
      console.log(`        fromInt: ${vs.length} cases (${exactRef} against the exact BigInt reference)`);
      expect(bad.slice(0, 10)).to.deep.equal([]);
      expect(vs.length).to.be.greaterThan(10_000);
      // The exact reference itself agrees with Math.fround where Math.fround is exact.
      for (let i = 0; i < 2000; i++) {
        const v = vs[i];
        if ((v < 0n ? -v : v) <= 1n << 53n) expect(bitsOf(exactF32(v, 0))).to.equal(bitsOf(f32(Number(v))));
      }
      await probeGas("fromIntGas", vs, INT256, FLOAT_GAS_LIMIT);
    });
  });

  describe("roundHalfEven", () => {
    const rng = new Rng(0xf1a7_0004);
    const fs: number[] = [];
    const finite = (b: number): boolean => (b & INF) !== INF;
    for (const e of EDGE) if (finite(e)) fs.push(e);
    for (const p of POWERS_OF_TWO) fs.push(p, (p | 0x80000000) >>> 0);
    // Ties k + 0.5 and their neighbours, in every binade where they exist (|k| < 2^23).
    for (let k = 0; k < 3000; k++) {
      const t = rng.int(0, (1 << rng.int(0, 23)) - 1) + 0.5;
      const b = bitsOf(rng.bool() ? -t : t);
      fs.push(b, b + rng.pick([-1, 1]));
    }
    for (let k = 0; k < 9000; k++) {
      let b = rng.bool(0.5) ? rng.nextU32() : structuredBits(rng, rng.int(0, 254));
      if (!finite(b)) b &= 0xbfffffff;
      fs.push(b >>> 0);
    }

    it(`matches numeric.ts on ${fs.length} finite values`, async () => {
      const got = await batch(fs, RNE, (d) => harness.roundHalfEvenBatch(d));
      const bad: string[] = [];
      for (let i = 0; i < fs.length; i++) {
        const want = BigInt(rneTs(valOf(fs[i])));
        if (got[i] !== want) bad.push(`${hex(fs[i])}: got ${got[i]}, want ${want}`);
      }
      expect(bad.slice(0, 10)).to.deep.equal([]);
      expect(fs.length).to.be.greaterThan(10_000);
      await probeGas("roundHalfEvenGas", fs, RNE, FLOAT_GAS_LIMIT);
    });

    it("reverts with Float32NotFinite for NaN and ±Inf", async () => {
      for (const b of [0x7f800000, 0xff800000, 0x7fc00000, 0xffffffff, 0x7f800001]) {
        await expect(harness.roundHalfEven(b)).to.be.revertedWithCustomError(harness, "Float32NotFinite").withArgs(b);
      }
    });
  });

  describe("classification", () => {
    it("isNaN / isInf / isFinite / isZero / sign on edges and random patterns", async () => {
      const rng = new Rng(0xf1a7_0005);
      const all = [...EDGE, ...Array.from({ length: 40 }, () => rng.nextU32())];
      for (const b of all) {
        const [nan, inf, fin, zero, neg] = await harness.classify(b);
        const v = valOf(b);
        expect([nan, inf, fin, zero, neg], hex(b)).to.deep.equal([
          Number.isNaN(v),
          Math.abs(v) === Infinity,
          Number.isFinite(v),
          v === 0,
          b >>> 31 === 1,
        ]);
      }
    });
  });
});

/* ================================ LibQuant =============================== */

/* The wrong formulas of SEMANTICS.md, in TypeScript (bits in, integers or bits out). */
const roundHalfAway = (v: number): number => (Number.isInteger(v) ? v : Math.sign(v) * Math.floor(Math.abs(v) + 0.5));
function quantizeWith(c: QCase, quotient: (x: number, s: number) => number, round: (q: number, zp: number) => number): number {
  const q = quotient(valOf(c.x), valOf(c.scale));
  if (Number.isNaN(q)) return c.qmin;
  if (!Number.isFinite(q)) return q < 0 ? c.qmin : c.qmax;
  return Math.max(c.qmin, Math.min(c.qmax, round(q, c.zp)));
}
const f32Div = (x: number, s: number): number => f32(x / s);
/** f32(q + zp) exactly (one rounding of the exact sum). */
function f32AddInt(q: number, zp: number): number {
  const u = unpack(bitsOf(q));
  const m = u.neg ? -u.m : u.m;
  if (u.e >= 0) return exactF32((m << BigInt(u.e)) + BigInt(zp), 0);
  const v = exactF32(m + (BigInt(zp) << BigInt(-u.e)), u.e);
  return v === 0 ? 0 : v;
}
const QUANTIZE_MUTANTS: { name: string; id: number; ts: (c: QCase) => number }[] = [
  { name: "x * f32(1/s)", id: 0, ts: (c) => quantizeWith(c, (x, s) => f32(x * f32(1 / s)), (q, zp) => rneTs(q) + zp) },
  { name: "float64 division", id: 1, ts: (c) => quantizeWith(c, (x, s) => x / s, (q, zp) => rneTs(q) + zp) },
  { name: "round half away", id: 2, ts: (c) => quantizeWith(c, f32Div, (q, zp) => roundHalfAway(q) + zp) },
  { name: "RNE(f32(q + zp))", id: 3, ts: (c) => quantizeWith(c, f32Div, (q, zp) => rneTs(f32AddInt(q, zp))) },
];
const MULTIPLIER_MUTANTS: { name: string; id: number; ts: (c: MCase) => number }[] = [
  { name: "M = f32(xs * f32(ws/ys))", id: 0, ts: (c) => f32(valOf(c.xs) * f32(valOf(c.ws) / valOf(c.ys))) },
  { name: "M = f32(f32(xs/ys) * ws)", id: 1, ts: (c) => f32(f32(valOf(c.xs) / valOf(c.ys)) * valOf(c.ws)) },
];
/** Requantize skipping f32(acc): the exact acc * m rounded once. */
function requantizeSkipAcc(c: RCase): number {
  const m = valOf(c.m);
  let v: number;
  if (!Number.isFinite(m) || c.acc === 0) v = f32(c.acc * m);
  else {
    const u = unpack(c.m);
    v = exactF32(BigInt(c.acc) * (u.neg ? -u.m : u.m), u.e);
  }
  if (Number.isNaN(v)) throw new Error("NaN");
  if (!Number.isFinite(v)) return v < 0 ? c.qmin : c.qmax;
  return Math.max(c.qmin, Math.min(c.qmax, rneTs(v) + c.zp));
}

const canonicalQuantize = (c: QCase): number => F.quantize(valOf(c.x), valOf(c.scale), c.zp, c.qmin, c.qmax);
const canonicalMultiplier = (c: MCase): number => F.multiplier(valOf(c.xs), valOf(c.ws), valOf(c.ys));
const canonicalRequantize = (c: RCase): number => F.requantize(c.acc, valOf(c.m), c.zp, c.qmin, c.qmax);

/** A positive scale as quantizers produce them (log-uniform), sometimes any pattern at all. */
function scaleBits(rng: Rng): number {
  const r = rng.next();
  if (r < 0.75) return bitsOf(rng.logUniform(-20, 4));
  if (r < 0.85) return bitsOf(rng.logUniform(-140, 120));
  return anyBits(rng);
}

/** Random cases, then adversarial ones found by searching until `differs` holds. */
function search<T>(rng: Rng, want: number, make: (rng: Rng) => T, differs: (c: T) => boolean, budget = 2_000_000): T[] {
  const found: T[] = [];
  for (let i = 0; i < budget && found.length < want; i++) {
    const c = make(rng);
    if (differs(c)) found.push(c);
  }
  return found;
}

function quantizeCase(rng: Rng): QCase {
  const range = rng.pick(RANGES);
  const scale = scaleBits(rng);
  const zp = rng.bool(0.3) ? 0 : rng.int(range.lo, range.hi);
  let x: number;
  const r = rng.next();
  if (r < 0.35) {
    // In range: (k + frac) * s for k around the representable range.
    x = bitsOf(f32((rng.int(range.lo - zp - 2, range.hi - zp + 2) + rng.pick([0, 0.5, 0.5, rng.next()])) * valOf(scale)));
  } else if (r < 0.6) {
    x = bitsOf(f32((rng.next() * 2 - 1) * 2 ** rng.int(-30, 40)));
  } else {
    x = anyBits(rng);
  }
  return { x, scale, zp, qmin: range.lo, qmax: range.hi };
}

function multiplierCase(rng: Rng): MCase {
  if (rng.bool(0.85)) return { xs: bitsOf(rng.logUniform(-12, 2)), ws: bitsOf(rng.logUniform(-12, 0)), ys: bitsOf(rng.logUniform(-10, 4)) };
  return { xs: scaleBits(rng), ws: scaleBits(rng), ys: scaleBits(rng) };
}

function requantizeCase(rng: Rng): RCase {
  const range = rng.pick(RANGES);
  const r = rng.next();
  let acc: number;
  if (r < 0.3) acc = rng.int(-70000, 70000);
  else if (r < 0.6) acc = rng.int(I32.lo, I32.hi);
  else if (r < 0.8) acc = (rng.bool() ? -1 : 1) * rng.int(2 ** 24 + 1, 2 ** 31 - 1); // f32(acc) rounds
  else acc = rng.int(-5000, 5000) * 2 ** rng.int(0, 16) + rng.int(-1, 1);
  const m = rng.bool(0.8) ? bitsOf(rng.logUniform(-34, 1)) : rng.bool(0.5) ? scaleBits(rng) : anyBits(rng);
  const zp = rng.bool(0.3) ? 0 : rng.int(range.lo, range.hi);
  return { acc, m, zp, qmin: range.lo, qmax: range.hi };
}

describe("LibQuant", () => {
  describe("quantize", () => {
    const rng = new Rng(0x9a47_0001);
    const random: QCase[] = Array.from({ length: 12000 }, () => quantizeCase(rng));
    // Specials: NaN, ±Inf, x/0, 0/0, tiny and huge.
    for (const x of EDGE) for (const s of [0, 0x80000000, 0x3f800000, 0x3c23d70a, 0x00000001, 0x7f7fffff, 0x7f800000, 0x7fc00000]) {
      for (const range of [U8, I8, I32]) random.push({ x, scale: s, zp: range === U8 ? 128 : 3, qmin: range.lo, qmax: range.hi });
    }
    // Exact ties with power-of-two scales: x / s = k + 0.5 exactly.
    for (let k = 0; k < 1000; k++) {
      const range = rng.pick(RANGES);
      const s = 2 ** rng.int(-20, 4);
      random.push({ x: bitsOf(f32((rng.int(-300, 300) + 0.5) * s)), scale: bitsOf(s), zp: rng.int(range.lo, range.hi), qmin: range.lo, qmax: range.hi });
    }
    const adversarial = QUANTIZE_MUTANTS.flatMap((mu) => search(rng, 200, quantizeCase, (c) => mu.ts(c) !== canonicalQuantize(c)));
    const cases = [...random, ...adversarial];
    let solidity: bigint[] = [];

    it(`matches CANONICAL_FORMULAS.quantize on ${cases.length} cases (${adversarial.length} adversarial)`, async () => {
      solidity = await batch(cases, QUANTIZE, (d) => harness.quantizeBatch(d));
      const bad: string[] = [];
      for (let i = 0; i < cases.length; i++) {
        const want = BigInt(canonicalQuantize(cases[i]));
        if (solidity[i] !== want) bad.push(`${JSON.stringify(cases[i])}: got ${solidity[i]}, want ${want}`);
      }
      expect(bad.slice(0, 10)).to.deep.equal([]);
      expect(random.length).to.be.greaterThan(10_000);
      expect(adversarial.length).to.equal(200 * QUANTIZE_MUTANTS.length);
      await probeGas("quantizeGas", cases, QUANTIZE, QUANT_GAS_LIMIT);
    });

    for (const mu of QUANTIZE_MUTANTS) {
      it(`mutation guard: catches ${mu.name}`, async () => {
        const got = await batch(cases, { ...QUANTIZE, chunk: 1000 }, (d) => mutants.quantizeBatch(mu.id, d));
        let caught = 0;
        const notTheNamedMistake: string[] = [];
        for (let i = 0; i < cases.length; i++) {
          if (got[i] !== BigInt(canonicalQuantize(cases[i]))) caught++;
          if (got[i] !== BigInt(mu.ts(cases[i]))) notTheNamedMistake.push(`${JSON.stringify(cases[i])}: ${got[i]} vs ${mu.ts(cases[i])}`);
        }
        console.log(`        ${mu.name}: disagrees with the canonical formula on ${caught} of ${cases.length} cases`);
        expect(notTheNamedMistake.slice(0, 5)).to.deep.equal([]);
        expect(caught).to.be.greaterThan(0);
      });
    }

    it("maps NaN to qmin (not zp) and saturates ±Inf and x/0", async () => {
      expect(await harness.quantize(0x7fc00000, 0x3f800000, 128, 0, 255)).to.equal(0n);
      expect(await harness.quantize(0, 0, 5, -128, 127)).to.equal(-128n); // 0/0
      expect(await harness.quantize(0x3f800000, 0, 5, -128, 127)).to.equal(127n); // 1/+0
      expect(await harness.quantize(0x3f800000, 0x80000000, 5, -128, 127)).to.equal(-128n); // 1/-0
      expect(await harness.quantize(0xff800000, 0x3f800000, 5, 0, 255)).to.equal(0n);
      expect(await harness.quantize(0x3fc00000, 0x3f800000, 0, 0, 255)).to.equal(2n); // 1.5 -> 2
      expect(await harness.quantize(0x40200000, 0x3f800000, 0, 0, 255)).to.equal(2n); // 2.5 -> 2
    });
  });

  describe("dequantize", () => {
    const rng = new Rng(0x9a47_0002);
    const cases: DCase[] = [];
    for (let k = 0; k < 12000; k++) {
      const range = rng.pick([U8, I8, I32, I32]);
      const x = rng.int(range.lo, range.hi);
      const zp = rng.bool(0.3) ? 0 : range === I32 && rng.bool(0.5) ? rng.int(I32.lo, I32.hi) : rng.int(range.lo, range.hi);
      cases.push({ x, zp, scale: rng.bool(0.7) ? scaleBits(rng) : anyBits(rng) });
    }
    // int32 wrap of x - zp, and |x - zp| > 2^24 where f32 rounds before the multiply.
    for (const [x, zp] of [[2147483647, -1], [-2147483648, 1], [2147483647, -2147483648], [-2147483648, 2147483647], [16777217, 0], [0, -16777217], [16777219, 2]]) {
      for (const s of [0x3f800000, 0x3c23d70a, 0x3f7fffff, 0x00000001, 0x7f7fffff]) cases.push({ x, zp, scale: s });
    }

    it(`matches CANONICAL_FORMULAS.dequantize on ${cases.length} cases`, async () => {
      const got = await batch(cases, DEQUANTIZE, (d) => harness.dequantizeBatch(d));
      const bad: string[] = [];
      let rounded = 0;
      for (let i = 0; i < cases.length; i++) {
        const c = cases[i];
        const want = F.dequantize(c.x, c.zp, valOf(c.scale));
        if (Math.abs((c.x - c.zp) | 0) > 2 ** 24) rounded++;
        if (!sameFloat(Number(got[i]), want)) bad.push(`${JSON.stringify(c)}: got ${hex(Number(got[i]))}, want ${hex(bitsOf(want))}`);
      }
      console.log(`        dequantize: ${cases.length} cases, ${rounded} with |i32(x - zp)| > 2^24`);
      expect(bad.slice(0, 10)).to.deep.equal([]);
      expect(rounded).to.be.greaterThan(1000);
      await probeGas("dequantizeGas", cases, DEQUANTIZE, QUANT_GAS_LIMIT);
    });
  });

  describe("multiplier", () => {
    const rng = new Rng(0x9a47_0003);
    const random: MCase[] = Array.from({ length: 12000 }, () => multiplierCase(rng));
    for (const v of EDGE) random.push({ xs: v, ws: 0x3c23d70a, ys: 0x3d800000 }, { xs: 0x3c23d70a, ws: v, ys: 0x3d800000 }, { xs: 0x3c23d70a, ws: 0x3b800000, ys: v });
    // Scales searched so that the candidate formulas disagree.
    const adversarial = MULTIPLIER_MUTANTS.flatMap((mu) => search(rng, 300, multiplierCase, (c) => !sameFloatNum(mu.ts(c), canonicalMultiplier(c))));
    const cases = [...random, ...adversarial];

    it(`matches CANONICAL_FORMULAS.multiplier on ${cases.length} cases (${adversarial.length} adversarial)`, async () => {
      const got = await batch(cases, MULTIPLIER, (d) => harness.multiplierBatch(d));
      const bad: string[] = [];
      for (let i = 0; i < cases.length; i++) {
        const want = canonicalMultiplier(cases[i]);
        if (!sameFloat(Number(got[i]), want)) bad.push(`${JSON.stringify(cases[i])}: got ${hex(Number(got[i]))}, want ${hex(bitsOf(want))}`);
      }
      expect(bad.slice(0, 10)).to.deep.equal([]);
      expect(adversarial.length).to.equal(600);
      await probeGas("multiplierGas", cases, MULTIPLIER, QUANT_GAS_LIMIT);
    });

    for (const mu of MULTIPLIER_MUTANTS) {
      it(`mutation guard: catches ${mu.name}`, async () => {
        const got = await batch(cases, { ...MULTIPLIER, chunk: 1000 }, (d) => mutants.multiplierBatch(mu.id, d));
        let caught = 0;
        const notTheNamedMistake: string[] = [];
        for (let i = 0; i < cases.length; i++) {
          if (!sameFloat(Number(got[i]), canonicalMultiplier(cases[i]))) caught++;
          if (!sameFloat(Number(got[i]), mu.ts(cases[i]))) notTheNamedMistake.push(JSON.stringify(cases[i]));
        }
        const randomCaught = got.slice(0, random.length).filter((g, i) => !sameFloat(Number(g), canonicalMultiplier(cases[i]))).length;
        console.log(`        ${mu.name}: disagrees on ${caught} of ${cases.length} cases (${randomCaught} of the ${random.length} random ones)`);
        expect(notTheNamedMistake.slice(0, 5)).to.deep.equal([]);
        expect(caught).to.be.greaterThan(0);
      });
    }
  });

  describe("gemmMultiplier and scaleAccumulator", () => {
    const rng = new Rng(0x9a47_0004);
    const cases = Array.from({ length: 11000 }, () => {
      const alpha = rng.pick([0x3f800000, 0x3f800000, bitsOf(rng.logUniform(-4, 4)), anyBits(rng), 0xbf800000]);
      const m = multiplierCase(rng);
      return { alpha, aScale: m.xs, bScale: m.ws, yScale: m.ys, hasYScale: rng.bool(0.6) };
    });

    it(`gemmMultiplier matches CANONICAL_FORMULAS on ${cases.length} cases (with and without y_scale)`, async () => {
      const got = await batch(cases, GEMM, (d) => harness.gemmMultiplierBatch(d));
      const bad: string[] = [];
      for (let i = 0; i < cases.length; i++) {
        const c = cases[i];
        const want = F.gemmMultiplier(valOf(c.alpha), valOf(c.aScale), valOf(c.bScale), c.hasYScale ? valOf(c.yScale) : undefined);
        if (!sameFloat(Number(got[i]), want)) bad.push(`${JSON.stringify(c)}: got ${hex(Number(got[i]))}, want ${hex(bitsOf(want))}`);
      }
      expect(bad.slice(0, 10)).to.deep.equal([]);
      await probeGas("gemmMultiplierGas", cases, GEMM, QUANT_GAS_LIMIT);
    });

    it("scaleAccumulator (QGemm float output) matches CANONICAL_FORMULAS on 11000 cases", async () => {
      const rs = Array.from({ length: 11000 }, () => requantizeCase(rng));
      const got = await batch(rs, SCALE_ACC, (d) => harness.scaleAccumulatorBatch(d));
      const bad: string[] = [];
      for (let i = 0; i < rs.length; i++) {
        const want = F.scaleAccumulator(rs[i].acc, valOf(rs[i].m));
        if (!sameFloat(Number(got[i]), want)) bad.push(`${JSON.stringify(rs[i])}: got ${hex(Number(got[i]))}, want ${hex(bitsOf(want))}`);
      }
      expect(bad.slice(0, 10)).to.deep.equal([]);
    });
  });

  describe("requantize", () => {
    const rng = new Rng(0x9a47_0005);
    const nanCases: RCase[] = [];
    const keep = (c: RCase): boolean => {
      try {
        canonicalRequantize(c);
        return true;
      } catch {
        nanCases.push(c);
        return false;
      }
    };
    const random = Array.from({ length: 12500 }, () => requantizeCase(rng)).filter(keep);
    // Exact ties: acc * 2^-j = k + 0.5.
    for (let k = 0; k < 1000; k++) {
      const j = rng.int(1, 20);
      const range = rng.pick(RANGES);
      random.push({ acc: (2 * rng.int(-3000, 3000) + 1) * 2 ** (j - 1), m: bitsOf(2 ** -j), zp: rng.int(range.lo, range.hi), qmin: range.lo, qmax: range.hi });
    }
    const adversarial = search(rng, 300, requantizeCase, (c) => {
      try {
        return requantizeSkipAcc(c) !== canonicalRequantize(c);
      } catch {
        return false;
      }
    });
    const cases = [...random, ...adversarial];

    it(`matches CANONICAL_FORMULAS.requantize on ${cases.length} cases (${adversarial.length} adversarial, accumulators > 2^24, ties)`, async () => {
      const got = await batch(cases, REQUANTIZE, (d) => harness.requantizeBatch(d));
      const bad: string[] = [];
      let big = 0;
      for (let i = 0; i < cases.length; i++) {
        const want = BigInt(canonicalRequantize(cases[i]));
        if (Math.abs(cases[i].acc) > 2 ** 24) big++;
        if (got[i] !== want) bad.push(`${JSON.stringify(cases[i])}: got ${got[i]}, want ${want}`);
      }
      console.log(`        requantize: ${cases.length} cases, ${big} with |acc| > 2^24`);
      expect(bad.slice(0, 10)).to.deep.equal([]);
      expect(random.length).to.be.greaterThan(10_000);
      expect(big).to.be.greaterThan(2000);
      expect(adversarial.length).to.equal(300);
      await probeGas("requantizeGas", cases, REQUANTIZE, QUANT_GAS_LIMIT);
    });

    it("mutation guard: catches skipping f32(acc)", async () => {
      const got = await batch(cases, { ...REQUANTIZE, chunk: 1000 }, (d) => mutants.requantizeSkipAccRoundingBatch(d));
      let caught = 0;
      const notTheNamedMistake: string[] = [];
      for (let i = 0; i < cases.length; i++) {
        if (got[i] !== BigInt(canonicalRequantize(cases[i]))) caught++;
        if (got[i] !== BigInt(requantizeSkipAcc(cases[i]))) notTheNamedMistake.push(JSON.stringify(cases[i]));
      }
      console.log(`        skipping f32(acc): disagrees on ${caught} of ${cases.length} cases`);
      expect(notTheNamedMistake.slice(0, 5)).to.deep.equal([]);
      expect(caught).to.be.greaterThan(0);
    });

    it("reverts with QuantRequantizeNaN where the TypeScript twin throws", async () => {
      const sample = [...nanCases.slice(0, 10), { acc: 0, m: 0x7f800000, zp: 0, qmin: 0, qmax: 255 }, { acc: 5, m: 0x7fc00000, zp: 0, qmin: 0, qmax: 255 }];
      for (const c of sample) {
        expect(() => canonicalRequantize(c)).to.throw();
        await expect(harness.requantize(c.acc, c.m, c.zp, c.qmin, c.qmax))
          .to.be.revertedWithCustomError(harness, "QuantRequantizeNaN")
          .withArgs(c.acc, c.m);
      }
    });

    it("saturates infinite products", async () => {
      expect(await harness.requantize(-1, 0x7f800000, 0, -128, 127)).to.equal(-128n);
      expect(await harness.requantize(2147483647, 0x7f7fffff, 0, 0, 255)).to.equal(255n);
    });
  });

  describe("wrapInt32 and saturate", () => {
    it("wrap to int32 and clamp", async () => {
      const cases: [bigint, bigint][] = [
        [0n, 0n], [2147483647n, 2147483647n], [2147483648n, -2147483648n], [-2147483649n, 2147483647n],
        [4294967296n + 5n, 5n], [-(1n << 255n), 0n], [(1n << 255n) - 1n, -1n], [0x1234567890n, 0x34567890n],
      ];
      for (const [v, want] of cases) expect(await harness.wrapInt32(v)).to.equal(want);
      expect(await harness.saturate(300, 0, 255)).to.equal(255n);
      expect(await harness.saturate(-300, -128, 127)).to.equal(-128n);
      expect(await harness.saturate(7, -128, 127)).to.equal(7n);
    });
  });
});

function sameFloatNum(a: number, b: number): boolean {
  return Number.isNaN(a) ? Number.isNaN(b) : Object.is(a, b);
}
