/**
 * Random single-node cases for the version-2 candidates (test/engine/ops.v2.differential.test.ts):
 * com.microsoft QLinearAdd / QLinearMul (every broadcast form, MLAS vector bodies and remainders,
 * searched-free but tie-rich and extreme scales), QLinearAveragePool (both of onnxruntime's paths,
 * pads, strides, count_include_pad, channels_last), QLinearGlobalAveragePool, and integer Div by a
 * constant divisor. Scales and zero points are graph inputs (one session serves many parameter
 * sets), except Div's divisor, which is an initializer as the profile requires.
 */
import { attr } from "../../../offchain/engine/onnx/single-node.js";
import { DType, type Tensor } from "../../../offchain/engine/tensor.js";
import { type Generator, fill, range, scalarT, v, vectorT, zeroPoint } from "./differential.js";
import type { Rng } from "./prng.js";

const { UINT8, INT8, INT16, INT32, FLOAT } = DType;
const f32 = Math.fround;

const LENGTHS = [1, 2, 3, 7, 8, 15, 16, 17, 31, 32, 33, 40, 63, 64, 65, 100, 1000, 1031, 4099];

function binaryShapes(rng: Rng): { a: number[]; b: number[] } {
  const n = rng.pick(LENGTHS);
  const m = rng.int(1, 6);
  const r = rng.next();
  if (r < 0.3) return { a: [n], b: [n] };
  if (r < 0.45) return rng.bool() ? { a: rng.bool() ? [] : [1], b: [n] } : { a: [n], b: rng.bool() ? [] : [1] };
  if (r < 0.6) return rng.bool() ? { a: [m, 1], b: [m, n] } : { a: [m, n], b: [m, 1] };
  if (r < 0.7) return rng.bool() ? { a: [1, n], b: [m, n] } : { a: [m, n], b: [n] };
  if (r < 0.75) return rng.bool() ? { a: [16, 1], b: [1, 16] } : { a: [1, 16], b: [16, 1] };
  const rank = rng.int(1, 4);
  const out = Array.from({ length: rank }, () => rng.pick([1, 2, 3, 5, 8, 17]));
  const a = out.map((d) => (rng.bool(0.3) ? 1 : d));
  const b = out.map((d, i) => (rng.bool(0.3) && a[i] !== 1 ? 1 : d));
  return { a: a.slice(rng.int(0, rank - 1)), b };
}

function binaryScales(rng: Rng): [number, number, number] {
  const r = rng.next();
  if (r < 0.25) return [f32(2 ** rng.int(-8, 2)), f32(2 ** rng.int(-8, 2)), f32(2 ** rng.int(-8, 2))];
  if (r < 0.35) {
    const sc = f32(2 ** rng.int(-10, 0));
    return [f32((sc * rng.int(1, 7)) / 4), f32((sc * rng.int(1, 7)) / 8), sc];
  }
  if (r < 0.42) return [rng.logUniform(-30, 30), rng.logUniform(-30, 30), rng.logUniform(-60, 10)];
  const sc = rng.logUniform(-12, 2);
  return [f32(sc * rng.logUniform(-6, 4)), f32(sc * rng.logUniform(-6, 4)), sc];
}

const binaryGen = (opType: "QLinearAdd" | "QLinearMul"): Generator => (rng) => {
  const dtype = rng.pick([UINT8, INT8]);
  const { min, max } = range(dtype);
  const sh = binaryShapes(rng);
  const ends = rng.bool(0.3);
  const val = (): number => (ends && rng.bool(0.6) ? rng.pick([min, min + 1, max - 1, max]) : rng.int(min, max));
  const [sa, sb, sc] = binaryScales(rng);
  // C_zero_point omitted (0) now and then; onnxruntime's type inference refuses an omitted
  // A_zero_point or B_zero_point (an empty input in the middle), so those are always given.
  const omit = rng.bool(0.15);
  const feeds: Record<string, Tensor> = {
    A: fill(dtype, sh.a, val), as: scalarT(FLOAT, sa), az: scalarT(dtype, zeroPoint(rng, dtype)),
    B: fill(dtype, sh.b, val), bs: scalarT(FLOAT, sb), bz: scalarT(dtype, zeroPoint(rng, dtype)), cs: scalarT(FLOAT, sc),
  };
  if (!omit) feeds.cz = scalarT(dtype, zeroPoint(rng, dtype));
  return {
    spec: {
      opType,
      domain: "com.microsoft",
      inputs: [v("A", dtype, sh.a), v("as", FLOAT, []), v("az", dtype, []), v("B", dtype, sh.b), v("bs", FLOAT, []), v("bz", dtype, []), v("cs", FLOAT, []), ...(omit ? [] : [v("cz", dtype, [])])],
      outputs: [v("C", dtype, [])],
    },
    feeds,
  };
};

function poolScales(rng: Rng): { xs: number; ys: number } {
  const r = rng.next();
  if (r < 0.3) return { xs: f32(2 ** rng.int(-8, 2)), ys: f32(2 ** rng.int(-8, 2)) };
  if (r < 0.38) return { xs: rng.logUniform(-40, 40), ys: rng.logUniform(-40, 40) };
  const xs = rng.logUniform(-12, 2);
  return { xs, ys: f32(xs * rng.logUniform(-4, 3)) };
}

/** onnxruntime's integer path refuses a multiplier outside [2^-32, 256): keep such cases out. */
const integerPathOk = (xs: number, ys: number, size: number): boolean => {
  const m = f32(xs / f32(ys * size));
  return m >= 2 ** -32 && m < 256;
};

export const qlinearAveragePoolGen: Generator = (rng) => {
  const dtype = rng.pick([UINT8, INT8]);
  const { min, max } = range(dtype);
  for (;;) {
    const rank = rng.pick([1, 2, 2, 3]);
    const big = rng.bool(0.1);
    const spatial = Array.from({ length: rank }, () => rng.int(1, big ? (rank === 1 ? 600 : rank === 2 ? 24 : 8) : rank === 3 ? 5 : 9));
    const whole = rng.bool(0.2);
    const kernel = whole ? [...spatial] : spatial.map((s) => rng.int(1, Math.min(s + 2, big ? 7 : 4)));
    const strides = whole ? spatial.map(() => 1) : spatial.map(() => rng.int(1, 3));
    const pads = whole && rng.bool(0.7) ? [...kernel, ...kernel].map(() => 0) : [...kernel, ...kernel].map((k) => rng.int(0, k - 1));
    if (spatial.some((s, d) => s + pads[d] + pads[d + rank] < kernel[d])) continue;
    const integer = kernel.every((k, d) => k === spatial[d]) && pads.every((p) => p === 0);
    let s = poolScales(rng);
    while (integer && !integerPathOk(s.xs, s.ys, kernel.reduce((a, b) => a * b, 1))) s = poolScales(rng);
    const n = rng.int(1, 2);
    const c = rng.int(1, 4);
    const last = rng.bool(0.3);
    const xShape = last ? [n, ...spatial, c] : [n, c, ...spatial];
    const ends = rng.bool(0.3);
    const omit = rng.bool(0.1);
    const feeds: Record<string, Tensor> = {
      X: fill(dtype, xShape, () => (ends && rng.bool(0.7) ? rng.pick([min, max]) : rng.int(min, max))),
      xs: scalarT(FLOAT, s.xs),
      ys: scalarT(FLOAT, s.ys),
    };
    // y_zero_point omitted (0) now and then; an omitted x_zero_point (an empty input in the middle) is refused by onnxruntime
    feeds.xz = scalarT(dtype, zeroPoint(rng, dtype));
    if (!omit) feeds.yz = scalarT(dtype, zeroPoint(rng, dtype));
    const attributes: Record<string, ReturnType<typeof attr.int>> = {
      kernel_shape: attr.ints(kernel),
      strides: attr.ints(strides),
      pads: attr.ints(pads),
      count_include_pad: attr.int(rng.bool() ? 1 : 0),
    };
    if (last || rng.bool(0.2)) attributes.channels_last = attr.int(last ? 1 : 0);
    return {
      spec: {
        opType: "QLinearAveragePool",
        domain: "com.microsoft",
        inputs: [v("X", dtype, xShape), v("xs", FLOAT, []), v("xz", dtype, []), v("ys", FLOAT, []), ...(omit ? [] : [v("yz", dtype, [])])],
        outputs: [v("Y", dtype, [])],
        attributes,
      },
      feeds,
    };
  }
};

export const qlinearGlobalAveragePoolGen: Generator = (rng) => {
  const dtype = rng.pick([UINT8, INT8]);
  const { min, max } = range(dtype);
  const rank = rng.int(1, 3);
  const spatial = Array.from({ length: rank }, () => rng.int(1, rank === 1 ? 2000 : rank === 2 ? 30 : 10));
  const size = spatial.reduce((a, b) => a * b, 1);
  let s = poolScales(rng);
  while (!integerPathOk(s.xs, s.ys, size)) s = poolScales(rng);
  const n = rng.int(1, 2);
  const c = rng.int(1, size > 500 ? 3 : 24);
  const last = rng.bool(0.4);
  const xShape = last ? [n, ...spatial, c] : [n, c, ...spatial];
  return {
    spec: {
      opType: "QLinearGlobalAveragePool",
      domain: "com.microsoft",
      inputs: [v("X", dtype, xShape), v("xs", FLOAT, []), v("xz", dtype, []), v("ys", FLOAT, []), v("yz", dtype, [])],
      outputs: [v("Y", dtype, [])],
      attributes: { channels_last: attr.int(last ? 1 : 0) },
    },
    feeds: {
      X: fill(dtype, xShape, () => (rng.bool(0.2) ? rng.pick([min, max]) : rng.int(min, max))),
      xs: scalarT(FLOAT, s.xs),
      xz: scalarT(dtype, zeroPoint(rng, dtype)),
      ys: scalarT(FLOAT, s.ys),
      yz: scalarT(dtype, zeroPoint(rng, dtype)),
    },
  };
};

const INT_MIN = -2147483648;

export const divGen: Generator = (rng) => {
  const dtype = rng.bool(0.75) ? INT32 : rng.pick([INT8, INT16]);
  const lo = dtype === INT8 ? -128 : dtype === INT16 ? -32768 : INT_MIN;
  const hi = -lo - 1;
  const n = rng.pick([1, 7, 8, 16, 17, 64, 1000]);
  const perElement = rng.bool(0.3);
  const divisor = (): number => {
    for (;;) {
      const r = rng.next();
      const d = r < 0.3 ? rng.pick([1, -1, 2, -2, 3, 7, -10, 255, 256, hi, lo, -hi]) : r < 0.6 ? rng.pick([-1, 1]) * rng.int(1, 100) : rng.int(lo, hi);
      if (d !== 0 && d >= lo && d <= hi) return d;
    }
  };
  const bs = Array.from({ length: perElement ? n : 1 }, divisor);
  const A = fill(dtype, [n], (i) => {
    const r = rng.next();
    let a = r < 0.1 ? rng.pick([lo, lo + 1, hi, hi - 1, 0, 1, -1]) : r < 0.3 ? rng.int(-1000, 1000) : rng.int(lo, hi);
    if (dtype === INT32 && a === INT_MIN && bs[perElement ? i : 0] === -1) a = INT_MIN + 1; // onnxruntime dies (SIGFPE)
    return a;
  });
  const B: Tensor = perElement ? vectorT(dtype, bs) : rng.bool() ? vectorT(dtype, bs) : { dtype, shape: [], data: vectorT(dtype, bs).data };
  return {
    spec: { opType: "Div", inputs: [v("A", dtype, [n])], initializers: { B }, outputs: [v("C", dtype, [n])], opsets: [{ domain: "", version: 14 }] },
    feeds: { A },
  };
};

export const V2_GENERATORS: Readonly<Record<string, Generator>> = {
  QLinearAdd: binaryGen("QLinearAdd"),
  QLinearMul: binaryGen("QLinearMul"),
  QLinearAveragePool: qlinearAveragePoolGen,
  QLinearGlobalAveragePool: qlinearGlobalAveragePoolGen,
  Div: divGen,
};
