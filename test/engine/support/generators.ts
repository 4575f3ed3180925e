/**
 * Random single-node cases per operator for the differential tests (see differential.ts).
 */
import { DType, zeros, type Tensor } from "../../../offchain/engine/tensor.js";
import { type Attribute, type DiffCase, type Generator, attr, fill, opset, quantData, range, scalarT, v, vectorT, zeroPoint } from "./differential.js";
import type { Rng } from "./prng.js";

const { UINT8, INT8, INT32, INT64, FLOAT } = DType;
type Attrs = Record<string, Attribute>;
const NONE: Attrs = {};
const NO_INITIALIZERS: Record<string, Tensor> = {};
const f32 = Math.fround;

function irFor(version: number): number {
  return version >= 21 ? 10 : version >= 19 ? 9 : 8;
}

function dims(rng: Rng, rank: number, lo: number, hi: number): number[] {
  return Array.from({ length: rank }, () => rng.int(lo, hi));
}

const prod = (s: readonly number[]): number => s.reduce((a, b) => a * b, 1);

// ---------------------------------------------------------------------------------------------
// QuantizeLinear / DequantizeLinear

/** A scale: log-uniform over a huge range, a power of two (exact ties), or moderate. */
function scale(rng: Rng): number {
  const r = rng.next();
  if (r < 0.3) return f32(2 ** rng.int(-20, 20));
  if (r < 0.5) return rng.logUniform(-126, 127);
  return rng.logUniform(-12, 6);
}

/** A float32 x for scale s: near-integer quotients, searched ties, specials, any bit pattern. */
function quantizeInput(rng: Rng, s: number): number {
  const r = rng.next();
  if (r < 0.3) return f32(rng.int(-400, 400) * s + (rng.next() - 0.5) * s);
  if (r < 0.6) {
    // A tie: x with f32(x / s) = k + 0.5 exactly (found for most scales, else a near-tie).
    const q = rng.int(-300, 300) + 0.5;
    for (const x of [f32(q * s), f32(q * s * (1 + 2 ** -24)), f32(q * s * (1 - 2 ** -24))]) if (f32(x / s) === q) return x;
    return f32(q * s);
  }
  if (r < 0.7) return rng.pick([NaN, Infinity, -Infinity, 0, -0, 1e-45, -1e-45, 1.1754942e-38, -3e-39, 3.4028234663852886e38, -3.4028234663852886e38]);
  if (r < 0.8) return f32(rng.int(-300, 300) * s);
  return rng.anyFloat32();
}

export const quantizeLinearGen: Generator = (rng) => {
  const version = rng.pick([10, 13, 19, 21]);
  const dtype = rng.pick([UINT8, INT8]);
  const perAxis = version >= 13 && rng.bool(0.35);
  const channels = rng.int(1, 4);
  const xShape = perAxis ? [2, channels, 8] : [64];
  const pShape = perAxis ? [channels] : [];
  const scales = Array.from({ length: perAxis ? channels : 1 }, () => scale(rng));
  const zps = scales.map(() => zeroPoint(rng, dtype));
  const hasZp = dtype === INT8 || rng.bool(0.8);
  const x = fill(FLOAT, xShape, (i) => quantizeInput(rng, scales[perAxis ? Math.floor(i / 8) % channels : 0]));
  const feeds: Record<string, Tensor> = { x, s: perAxis ? vectorT(FLOAT, scales) : scalarT(FLOAT, scales[0]) };
  if (hasZp) feeds.zp = perAxis ? vectorT(dtype, zps) : scalarT(dtype, zps[0]);
  return {
    spec: {
      opType: "QuantizeLinear",
      inputs: [v("x", FLOAT, xShape), v("s", FLOAT, pShape), ...(hasZp ? [v("zp", dtype, pShape)] : [])],
      outputs: [v("y", hasZp ? dtype : UINT8, xShape)],
      attributes: perAxis && rng.bool() ? NONE : perAxis ? { axis: attr.int(-2) } : NONE,
      opsets: opset(version),
      irVersion: irFor(version),
    },
    feeds,
  };
};

export const dequantizeLinearGen: Generator = (rng) => {
  const version = rng.pick([10, 13, 19, 21]);
  const dtype = rng.pick([UINT8, INT8, INT32]);
  const perAxis = version >= 13 && rng.bool(0.35);
  const channels = rng.int(1, 4);
  const xShape = perAxis ? [2, channels, 8] : [64];
  const pShape = perAxis ? [channels] : [];
  const scales = Array.from({ length: perAxis ? channels : 1 }, () => scale(rng));
  const int32Value = (): number =>
    rng.bool(0.3) ? rng.pick([-2147483648, 2147483647, 16777217, -16777217, 33554435]) + rng.int(-3, 3) : (rng.nextU32() | 0) >> rng.int(0, 8);
  const zps = scales.map(() => (dtype === INT32 ? (rng.bool(0.5) ? 0 : int32Value()) : zeroPoint(rng, dtype)));
  const { min, max } = range(dtype);
  const x = fill(dtype, xShape, () => (dtype === INT32 ? int32Value() : rng.bool(0.2) ? rng.pick([min, max]) : rng.int(min, max)));
  const hasZp = rng.bool(0.85);
  const feeds: Record<string, Tensor> = { x, s: perAxis ? vectorT(FLOAT, scales) : scalarT(FLOAT, scales[0]) };
  if (hasZp) feeds.zp = perAxis ? vectorT(dtype, zps) : scalarT(dtype, zps[0]);
  return {
    spec: {
      opType: "DequantizeLinear",
      inputs: [v("x", dtype, xShape), v("s", FLOAT, pShape), ...(hasZp ? [v("zp", dtype, pShape)] : [])],
      outputs: [v("y", FLOAT, xShape)],
      attributes: perAxis ? { axis: attr.int(1) } : NONE,
      opsets: opset(version),
      irVersion: irFor(version),
    },
    feeds,
  };
};

// ---------------------------------------------------------------------------------------------
// Convolutions

interface ConvParams {
  xShape: number[];
  wShape: number[];
  attributes: Record<string, ReturnType<typeof attr.int>>;
  outChannels: number;
  terms: number;
}

function convParams(rng: Rng, forPool: boolean): ConvParams {
  for (;;) {
    const rank = rng.pick([1, 2, 2, 2, 3]);
    const big = !forPool && rng.bool(0.1);
    const spatial = big ? [3, 3] : dims(rng, rank, 1, rank === 1 ? 12 : rank === 2 ? 7 : 4);
    const r = spatial.length;
    const kernel = big ? [3, 3] : dims(rng, r, 1, 3);
    const dil = dims(rng, r, 1, 2);
    const strides = dims(rng, r, 1, 3);
    const pads = [...kernel.map((k) => rng.int(0, Math.min(2, k - 1))), ...kernel.map((k) => rng.int(0, Math.min(2, k - 1)))];
    if (spatial.some((s, d) => s + pads[d] + pads[d + r] < (kernel[d] - 1) * dil[d] + 1)) continue;
    let group = 1;
    let cg = rng.int(1, 4);
    let mg = rng.int(1, 3);
    const g = rng.next();
    if (big) [group, cg, mg] = [1, 64, 2];
    else if (g < 0.2) [group, cg, mg] = [rng.int(2, 6), 1, 1]; // depthwise
    else if (g < 0.4) group = 2;
    const batch = rng.int(1, 2);
    const attributes: ConvParams["attributes"] = { pads: attr.ints(pads), strides: attr.ints(strides), dilations: attr.ints(dil) };
    if (rng.bool(0.5)) attributes.kernel_shape = attr.ints(kernel);
    if (group !== 1) attributes.group = attr.int(group);
    return {
      xShape: [batch, group * cg, ...spatial],
      wShape: [group * mg, cg, ...kernel],
      attributes,
      outChannels: group * mg,
      terms: cg * prod(kernel),
    };
  }
}

function multiplierScales(rng: Rng, terms: number, perChannel: number): { xs: number; ws: number[]; ys: number } {
  if (rng.bool(0.35)) {
    // Powers of two: M is exact and many accumulators land on ties.
    const xs = f32(2 ** rng.int(-8, 0));
    const ws = Array.from({ length: perChannel }, () => f32(2 ** rng.int(-8, 0)));
    // M = 2^-shift with the typical |acc| (~85 sqrt(K) for uniform 8-bit data) mapped near +-64.
    const shift = Math.max(0, Math.round(Math.log2(85 * Math.sqrt(terms))) + rng.int(-2, 2));
    return { xs, ws, ys: f32(xs * ws[0] * 2 ** shift) };
  }
  const xs = rng.logUniform(-12, 2);
  const ws = Array.from({ length: perChannel }, () => rng.logUniform(-12, 2));
  return { xs, ws, ys: f32(xs * ws[0] * 40 * Math.sqrt(terms) * rng.logUniform(-3, 3)) };
}

const Q_COMBOS: readonly [DType, DType][] = [
  [UINT8, INT8],
  [UINT8, UINT8],
  [INT8, INT8],
];

export const qlinearConvGen: Generator = (rng) => {
  const p = convParams(rng, false);
  const [xt, wt] = rng.pick(Q_COMBOS);
  const perChannel = rng.bool(0.5);
  const mode = p.terms >= 500 ? "extreme" : rng.pick(["uniform", "uniform", "extreme"] as const);
  const { xs, ws, ys } = multiplierScales(rng, p.terms, perChannel ? p.outChannels : 1);
  const hasBias = rng.bool(0.7);
  const cShape = perChannel ? [p.outChannels] : [];
  const feeds: Record<string, Tensor> = {
    x: quantData(rng, xt, p.xShape, mode),
    xs: scalarT(FLOAT, xs),
    xzp: scalarT(xt, zeroPoint(rng, xt)),
    w: quantData(rng, wt, p.wShape, mode),
    ws: perChannel ? vectorT(FLOAT, ws) : scalarT(FLOAT, ws[0]),
    wzp: perChannel ? vectorT(wt, ws.map(() => zeroPoint(rng, wt))) : scalarT(wt, zeroPoint(rng, wt)),
    ys: scalarT(FLOAT, ys),
    yzp: scalarT(xt, zeroPoint(rng, xt)),
  };
  if (hasBias) feeds.b = vectorT(INT32, Array.from({ length: p.outChannels }, () => rng.int(-(2 ** 24), 2 ** 24)));
  return {
    spec: {
      opType: "QLinearConv",
      inputs: [
        v("x", xt, p.xShape), v("xs", FLOAT, []), v("xzp", xt, []), v("w", wt, p.wShape), v("ws", FLOAT, cShape),
        v("wzp", wt, cShape), v("ys", FLOAT, []), v("yzp", xt, []), ...(hasBias ? [v("b", INT32, [p.outChannels])] : []),
      ],
      outputs: [v("y", xt, [null, null, null] as unknown as number[])],
      attributes: p.attributes,
    },
    feeds,
  };
};

/**
 * 1x1 convolutions whose bias puts eight consecutive accumulators around a rounding boundary
 * k + 0.5 of y = acc * M, with M from random (huge-ranged) scales or an exact power of two (exact
 * ties): the cases where the candidate multiplier formulas, float64 arithmetic, a skipped f32(acc)
 * or another rounding give different outputs.
 */
export const qlinearConvBoundaryGen: Generator = (rng) => {
  const xt = rng.pick([UINT8, INT8]);
  const wt = INT8;
  const xs = rng.logUniform(-20, 10);
  const ws = rng.logUniform(-20, 10);
  // Sometimes M = 2^-j exactly, so that the middle accumulator is an exact tie k + 0.5.
  const m = rng.bool(0.3) ? f32(2 ** -rng.int(1, 24)) : rng.logUniform(-30, -3);
  const ys = f32(f32(xs * ws) / m);
  const mult = f32(f32(xs * ws) / ys);
  const k = rng.int(-100, 100) + 0.5;
  const center = Math.round(k / mult);
  const yzp = xt === UINT8 ? 128 : 0;
  const xzp = xt === UINT8 ? 128 : 0;
  const bias = Math.max(-(2 ** 31), Math.min(2 ** 31 - 8, center));
  return {
    spec: {
      opType: "QLinearConv",
      inputs: [
        v("x", xt, [1, 1, 1, 8]), v("xs", FLOAT, []), v("xzp", xt, []), v("w", wt, [1, 1, 1, 1]), v("ws", FLOAT, []),
        v("wzp", wt, []), v("ys", FLOAT, []), v("yzp", xt, []), v("b", INT32, [1]),
      ],
      outputs: [v("y", xt, [1, 1, 1, 8])],
    },
    feeds: {
      x: fill(xt, [1, 1, 1, 8], (i) => xzp + i - 4),
      xs: scalarT(FLOAT, xs),
      xzp: scalarT(xt, xzp),
      w: fill(wt, [1, 1, 1, 1], () => 1),
      ws: scalarT(FLOAT, ws),
      wzp: scalarT(wt, 0),
      ys: scalarT(FLOAT, ys),
      yzp: scalarT(xt, yzp),
      b: vectorT(INT32, [bias]),
    },
  };
};

export const convIntegerGen: Generator = (rng) => {
  const p = convParams(rng, false);
  const [xt, wt] = rng.pick([[UINT8, UINT8], [UINT8, INT8]] as const);
  const mode = p.terms >= 500 ? "extreme" : rng.pick(["uniform", "extreme"] as const);
  const hasZp = rng.bool(0.8);
  return {
    spec: {
      opType: "ConvInteger",
      inputs: [v("x", xt, p.xShape), v("w", wt, p.wShape), ...(hasZp ? [v("xzp", xt, []), v("wzp", wt, [])] : [])],
      outputs: [v("y", INT32, [null, null, null] as unknown as number[])],
      attributes: p.attributes,
      opsets: opset(13),
    },
    feeds: {
      x: quantData(rng, xt, p.xShape, mode),
      w: quantData(rng, wt, p.wShape, mode),
      ...(hasZp ? { xzp: scalarT(xt, zeroPoint(rng, xt)), wzp: scalarT(wt, zeroPoint(rng, wt)) } : {}),
    },
  };
};

export const maxPoolGen: Generator = (rng) => {
  for (;;) {
    const rank = rng.pick([1, 2, 2, 3]);
    const spatial = dims(rng, rank, 1, rank === 1 ? 12 : rank === 2 ? 8 : 4);
    const kernel = dims(rng, rank, 1, 3);
    const dil = dims(rng, rank, 1, 2);
    const strides = dims(rng, rank, 1, 3);
    const pads = [...kernel.map((k) => rng.int(0, k - 1)), ...kernel.map((k) => rng.int(0, k - 1))];
    const ceil = rng.bool(0.3) ? 1 : 0;
    if (spatial.some((s, d) => s + pads[d] + pads[d + rank] < (kernel[d] - 1) * dil[d] + 1)) continue;
    const dtype = rng.pick([UINT8, INT8]);
    const xShape = [rng.int(1, 2), rng.int(1, 3), ...spatial];
    const mode = dtype === INT8 && rng.bool(0.5) ? "negative" : rng.pick(["uniform", "extreme"] as const);
    return {
      spec: {
        opType: "MaxPool",
        inputs: [v("x", dtype, xShape)],
        outputs: [v("y", dtype, [null, null, null] as unknown as number[])],
        attributes: { kernel_shape: attr.ints(kernel), pads: attr.ints(pads), strides: attr.ints(strides), dilations: attr.ints(dil), ceil_mode: attr.int(ceil) },
        opsets: opset(12),
      },
      feeds: { x: quantData(rng, dtype, xShape, mode) },
    };
  }
};

// ---------------------------------------------------------------------------------------------
// Matrix products

function matmulShapes(rng: Rng): { a: number[]; b: number[]; k: number; n: number } {
  const m = rng.int(1, 6);
  const k = rng.bool(0.1) ? rng.int(300, 700) : rng.int(1, 16);
  const n = rng.int(1, 6);
  const batch = dims(rng, rng.int(0, 2), 1, 3);
  const aBatch = batch.map((d) => (rng.bool(0.3) ? 1 : d)).slice(rng.int(0, batch.length));
  const bBatch = batch.map((d) => (rng.bool(0.3) ? 1 : d)).slice(rng.int(0, batch.length));
  const a = rng.bool(0.1) ? [k] : [...aBatch, m, k];
  const b = rng.bool(0.1) ? [k] : [...bBatch, k, n];
  return { a, b, k, n };
}

export const qlinearMatMulGen: Generator = (rng) => {
  const { a, b, k } = matmulShapes(rng);
  const [at, bt] = rng.pick(Q_COMBOS);
  const mode = k >= 300 ? "extreme" : rng.pick(["uniform", "uniform", "extreme"] as const);
  const { xs, ws, ys } = multiplierScales(rng, k, 1);
  return {
    spec: {
      opType: "QLinearMatMul",
      inputs: [v("a", at, a), v("as", FLOAT, []), v("azp", at, []), v("b", bt, b), v("bs", FLOAT, []), v("bzp", bt, []), v("ys", FLOAT, []), v("yzp", at, [])],
      outputs: [v("y", at, [null] as unknown as number[])],
      opsets: opset(rng.pick([10, 13, 17])),
    },
    feeds: {
      a: quantData(rng, at, a, mode),
      as: scalarT(FLOAT, xs),
      azp: scalarT(at, zeroPoint(rng, at)),
      b: quantData(rng, bt, b, mode),
      bs: scalarT(FLOAT, ws[0]),
      bzp: scalarT(bt, zeroPoint(rng, bt)),
      ys: scalarT(FLOAT, ys),
      yzp: scalarT(at, zeroPoint(rng, at)),
    },
  };
};

export const matMulIntegerGen: Generator = (rng) => {
  const { a, b, k, n } = matmulShapes(rng);
  const [at, bt] = rng.pick([[UINT8, UINT8], [UINT8, INT8], [INT8, INT8], [INT8, UINT8]] as const);
  const mode = k >= 300 ? "extreme" : rng.pick(["uniform", "extreme"] as const);
  const perColumn = b.length === 2 && rng.bool(0.4);
  const hasZp = rng.bool(0.85);
  const bzp = perColumn ? vectorT(bt, Array.from({ length: n }, () => zeroPoint(rng, bt))) : scalarT(bt, zeroPoint(rng, bt));
  return {
    spec: {
      opType: "MatMulInteger",
      inputs: [v("a", at, a), v("b", bt, b), ...(hasZp ? [v("azp", at, []), v("bzp", bt, [...bzp.shape])] : [])],
      outputs: [v("y", INT32, [null] as unknown as number[])],
      opsets: opset(13),
    },
    feeds: { a: quantData(rng, at, a, mode), b: quantData(rng, bt, b, mode), ...(hasZp ? { azp: scalarT(at, zeroPoint(rng, at)), bzp } : {}) },
  };
};

export const qgemmGen: Generator = (rng) => {
  const m = rng.int(1, 6);
  const k = rng.bool(0.1) ? rng.int(300, 600) : rng.int(1, 16);
  const n = rng.int(1, 6);
  const transA = rng.int(0, 1);
  const transB = rng.int(0, 1);
  // onnxruntime has no QGemm kernel for int8 A with uint8 B.
  const [at, bt] = rng.pick(Q_COMBOS);
  const mode = k >= 300 ? "extreme" : rng.pick(["uniform", "uniform", "extreme"] as const);
  const aShape = transA ? [k, m] : [m, k];
  const bShape = transB ? [n, k] : [k, n];
  const perColumn = rng.bool(0.4);
  const { xs, ws, ys } = multiplierScales(rng, k, perColumn ? n : 1);
  const alpha = rng.pick([1, 1, 0.5, 2, f32(rng.logUniform(-4, 4)), -1]);
  const cShape = rng.pick([undefined, [n], [m, n], [1, n], [m, 1], []]);
  const hasYScale = rng.bool(0.8);
  const hasYzp = rng.bool(0.6);
  const feeds: Record<string, Tensor> = {
    a: quantData(rng, at, aShape, mode),
    as: scalarT(FLOAT, xs),
    azp: scalarT(at, zeroPoint(rng, at)),
    b: quantData(rng, bt, bShape, mode),
    bs: perColumn ? vectorT(FLOAT, ws) : scalarT(FLOAT, ws[0]),
    bzp: perColumn ? vectorT(bt, ws.map(() => zeroPoint(rng, bt))) : scalarT(bt, zeroPoint(rng, bt)),
  };
  const names = ["a", "as", "azp", "b", "bs", "bzp"];
  const inputs = [v("a", at, aShape), v("as", FLOAT, []), v("azp", at, []), v("b", bt, bShape), v("bs", FLOAT, perColumn ? [n] : []), v("bzp", bt, perColumn ? [n] : [])];
  if (cShape !== undefined) {
    feeds.c = fill(INT32, cShape, () => rng.int(-(2 ** 24), 2 ** 24));
    inputs.push(v("c", INT32, cShape));
  }
  names.push(cShape === undefined ? "" : "c");
  if (hasYScale) {
    feeds.ys = scalarT(FLOAT, ys);
    inputs.push(v("ys", FLOAT, []));
  }
  names.push(hasYScale ? "ys" : "");
  if (hasYzp) {
    const yt = at;
    feeds.yzp = scalarT(yt, zeroPoint(rng, yt));
    inputs.push(v("yzp", yt, []));
    names.push("yzp");
  }
  while (names[names.length - 1] === "") names.pop();
  return {
    spec: {
      opType: "QGemm",
      domain: "com.microsoft",
      inputs,
      nodeInputs: names,
      outputs: [v("y", hasYzp ? at : FLOAT, [m, n])],
      attributes: { transA: attr.int(transA), transB: attr.int(transB), alpha: attr.float(alpha) },
      opsets: opset(17, [{ domain: "com.microsoft", version: 1 }]),
    },
    feeds,
  };
};

// ---------------------------------------------------------------------------------------------
// Elementwise integer operators

function broadcastPair(rng: Rng): [number[], number[]] {
  const out = dims(rng, rng.int(0, 4), 1, 4);
  const a = out.map((d) => (rng.bool(0.25) ? 1 : d)).slice(rng.int(0, out.length));
  const b = out.map((d) => (rng.bool(0.25) ? 1 : d)).slice(rng.int(0, out.length));
  return [a, b];
}

function int32Value(rng: Rng): number {
  const r = rng.next();
  if (r < 0.2) return rng.pick([-2147483648, 2147483647, 0, -1, 1, 65536, -65536, 46341]);
  if (r < 0.5) return rng.int(-1000, 1000);
  return rng.nextU32() | 0;
}

export const binaryGen = (opType: "Add" | "Sub" | "Mul"): Generator => (rng) => {
  const [a, b] = broadcastPair(rng);
  return {
    spec: { opType, inputs: [v("a", INT32, a), v("b", INT32, b)], outputs: [v("y", INT32, [null] as unknown as number[])] },
    feeds: { a: fill(INT32, a, () => int32Value(rng)), b: fill(INT32, b, () => int32Value(rng)) },
  };
};

function anyOf(rng: Rng, dtype: DType): number {
  const { min, max } = range(dtype);
  return dtype === INT32 ? int32Value(rng) : rng.int(min, max);
}

export const reluGen: Generator = (rng) => {
  const dtype = rng.pick([INT8, INT32]);
  const shape = dims(rng, rng.int(1, 3), 1, 8);
  return {
    spec: { opType: "Relu", inputs: [v("x", dtype, shape)], outputs: [v("y", dtype, shape)], opsets: opset(14) },
    feeds: { x: fill(dtype, shape, () => anyOf(rng, dtype)) },
  };
};

export const clipGen: Generator = (rng) => {
  const dtype = rng.pick([INT8, UINT8, INT32]);
  const shape = dims(rng, rng.int(1, 3), 1, 8);
  const lo = rng.bool(0.8) ? anyOf(rng, dtype) : undefined;
  const hi = rng.bool(0.8) ? anyOf(rng, dtype) : undefined;
  const inputs = [v("x", dtype, shape)];
  const names = ["x"];
  const feeds: Record<string, Tensor> = { x: fill(dtype, shape, () => anyOf(rng, dtype)) };
  if (lo !== undefined) {
    inputs.push(v("lo", dtype, []));
    feeds.lo = scalarT(dtype, lo);
  }
  names.push(lo === undefined ? "" : "lo");
  if (hi !== undefined) {
    inputs.push(v("hi", dtype, []));
    feeds.hi = scalarT(dtype, hi);
    names.push("hi");
  }
  while (names[names.length - 1] === "") names.pop();
  return { spec: { opType: "Clip", inputs, nodeInputs: names, outputs: [v("y", dtype, shape)], opsets: opset(13) }, feeds };
};

const CAST_TYPES = [DType.UINT8, DType.INT8, DType.UINT16, DType.INT16, DType.INT32, DType.UINT32, DType.INT64, DType.UINT64];

export const castGen: Generator = (rng) => {
  const from = rng.pick(CAST_TYPES);
  const to = rng.pick(CAST_TYPES);
  const shape = [rng.int(1, 64)];
  const t = zeros(from, shape);
  const d = t.data as unknown as (number | bigint)[];
  for (let i = 0; i < d.length; i++) {
    if (from === DType.INT64 || from === DType.UINT64) {
      const big = (BigInt(rng.nextU32()) << 32n) | BigInt(rng.nextU32());
      d[i] = from === DType.INT64 ? BigInt.asIntN(64, big) : big;
    } else {
      (d as number[])[i] = rng.nextU32(); // the typed array store wraps it into the type
    }
  }
  return {
    spec: { opType: "Cast", inputs: [v("x", from, shape)], outputs: [v("y", to, shape)], attributes: { to: attr.int(to) }, opsets: opset(13) },
    feeds: { x: t },
  };
};

// ---------------------------------------------------------------------------------------------
// Layout operators (constant shapes / axes / indices as initializers)

function layoutData(rng: Rng, shape: readonly number[]): Tensor {
  const dtype = rng.pick([INT8, UINT8, INT32]);
  return fill(dtype, shape, () => anyOf(rng, dtype));
}

function int64T(values: readonly number[]): Tensor {
  const t = zeros(INT64, [values.length]);
  values.forEach((x, i) => ((t.data as BigInt64Array)[i] = BigInt(x)));
  return t;
}

export const reshapeGen: Generator = (rng) => {
  const shape = dims(rng, rng.int(1, 4), 1, 4);
  const total = prod(shape);
  // Split total into random factors, then replace one by -1 and copy some dims with 0.
  const target: number[] = [];
  let rest = total;
  while (rest > 1 && target.length < 4) {
    const divisors = Array.from({ length: rest }, (_, i) => i + 1).filter((d) => rest % d === 0);
    const d = rng.pick(divisors);
    target.push(d);
    rest /= d;
  }
  target.push(rest);
  const req = target.map((d, i) => (i < shape.length && shape[i] === d && rng.bool(0.4) ? 0 : d));
  if (rng.bool(0.5)) req[rng.int(0, req.length - 1)] = -1;
  const x = layoutData(rng, shape);
  return {
    spec: { opType: "Reshape", inputs: [v("x", x.dtype, shape)], initializers: { shape: int64T(req) }, outputs: [v("y", x.dtype, [null] as unknown as number[])], opsets: opset(14) },
    feeds: { x },
  };
};

export const flattenGen: Generator = (rng) => {
  const shape = dims(rng, rng.int(1, 4), 1, 4);
  const x = layoutData(rng, shape);
  return {
    spec: { opType: "Flatten", inputs: [v("x", x.dtype, shape)], outputs: [v("y", x.dtype, [null, null] as unknown as number[])], attributes: { axis: attr.int(rng.int(-shape.length, shape.length)) }, opsets: opset(13) },
    feeds: { x },
  };
};

export const squeezeGen: Generator = (rng) => {
  const shape = dims(rng, rng.int(1, 5), 1, 3).map((d) => (rng.bool(0.5) ? 1 : d));
  const ones = shape.flatMap((d, i) => (d === 1 ? [i] : []));
  const axes = ones.filter(() => rng.bool()).map((a) => (rng.bool() ? a - shape.length : a));
  const x = layoutData(rng, shape);
  const old = rng.bool(0.3);
  // An empty axes list is refused by the interpreter (see squeeze.ts): give none or some.
  const useAxes = axes.length > 0;
  return {
    spec: {
      opType: "Squeeze",
      inputs: [v("x", x.dtype, shape)],
      initializers: !old && useAxes ? { axes: int64T(axes) } : NO_INITIALIZERS,
      attributes: old && useAxes ? { axes: attr.ints(axes) } : NONE,
      outputs: [v("y", x.dtype, [null] as unknown as number[])],
      opsets: opset(old ? 11 : 13),
    },
    feeds: { x },
  };
};

export const unsqueezeGen: Generator = (rng) => {
  const shape = dims(rng, rng.int(0, 3), 1, 4);
  const outRank = shape.length + rng.int(1, 3);
  const all = Array.from({ length: outRank }, (_, i) => i);
  const axes = all.filter(() => rng.bool(0.4)).map((a) => (rng.bool() ? a - outRank : a));
  const count = outRank - shape.length;
  while (axes.length < count) {
    const c = rng.int(0, outRank - 1);
    if (!axes.some((a) => (a + outRank) % outRank === c)) axes.push(c);
  }
  axes.length = count;
  const x = layoutData(rng, shape);
  const old = rng.bool(0.3);
  return {
    spec: {
      opType: "Unsqueeze",
      inputs: [v("x", x.dtype, shape)],
      initializers: old ? NO_INITIALIZERS : { axes: int64T(axes) },
      attributes: old ? { axes: attr.ints(axes) } : NONE,
      outputs: [v("y", x.dtype, [null] as unknown as number[])],
      opsets: opset(old ? 11 : 13),
    },
    feeds: { x },
  };
};

export const transposeGen: Generator = (rng) => {
  const shape = dims(rng, rng.int(1, 5), 1, 4);
  const perm = shape.map((_, i) => i);
  for (let i = perm.length - 1; i > 0; i--) {
    const j = rng.int(0, i);
    [perm[i], perm[j]] = [perm[j], perm[i]];
  }
  const x = layoutData(rng, shape);
  return {
    spec: { opType: "Transpose", inputs: [v("x", x.dtype, shape)], outputs: [v("y", x.dtype, perm.map((p) => shape[p]))], attributes: rng.bool(0.2) ? NONE : { perm: attr.ints(perm) } },
    feeds: { x },
  };
};

export const concatGen: Generator = (rng) => {
  const base = dims(rng, rng.int(1, 4), 1, 4);
  const axis = rng.int(0, base.length - 1);
  const count = rng.int(1, 4);
  const dtype = rng.pick([INT8, UINT8, INT32]);
  const shapes = Array.from({ length: count }, () => base.map((d, i) => (i === axis ? rng.int(1, 4) : d)));
  const feeds: Record<string, Tensor> = {};
  shapes.forEach((s, i) => (feeds[`x${i}`] = fill(dtype, s, () => anyOf(rng, dtype))));
  return {
    spec: {
      opType: "Concat",
      inputs: shapes.map((s, i) => v(`x${i}`, dtype, s)),
      outputs: [v("y", dtype, [null] as unknown as number[])],
      attributes: { axis: attr.int(rng.bool() ? axis : axis - base.length) },
      opsets: opset(13),
    },
    feeds,
  };
};

export const gatherGen: Generator = (rng) => {
  const shape = dims(rng, rng.int(1, 3), 1, 5);
  const axis = rng.int(0, shape.length - 1);
  const dim = shape[axis];
  const idxShape = dims(rng, rng.int(0, 2), 1, 4);
  const idxType = rng.pick([INT32, INT64]);
  const idxValues = Array.from({ length: prod(idxShape) }, () => rng.int(-dim, dim - 1));
  const indices = zeros(idxType, idxShape);
  idxValues.forEach((x, i) => ((indices.data as unknown as (number | bigint)[])[i] = idxType === INT64 ? BigInt(x) : x));
  const x = layoutData(rng, shape);
  return {
    spec: { opType: "Gather", inputs: [v("x", x.dtype, shape)], initializers: { idx: indices }, outputs: [v("y", x.dtype, [null] as unknown as number[])], attributes: { axis: attr.int(rng.bool() ? axis : axis - shape.length) }, opsets: opset(13) },
    feeds: { x },
  };
};

export const argMaxGen: Generator = (rng) => {
  const shape = dims(rng, rng.int(1, 4), 1, 5);
  const dtype = rng.pick([INT8, UINT8, INT32]);
  const axis = rng.int(0, shape.length - 1);
  const few = rng.bool(0.5); // few distinct values: many ties
  const x = fill(dtype, shape, () => (few ? rng.int(0, 2) : anyOf(rng, dtype)));
  const attributes: Record<string, ReturnType<typeof attr.int>> = { axis: attr.int(rng.bool() ? axis : axis - shape.length) };
  if (rng.bool()) attributes.keepdims = attr.int(rng.int(0, 1));
  if (rng.bool()) attributes.select_last_index = attr.int(rng.int(0, 1));
  return {
    spec: { opType: "ArgMax", inputs: [v("x", dtype, shape)], outputs: [v("y", INT64, [null] as unknown as number[])], attributes, opsets: opset(13) },
    feeds: { x },
  };
};

export const GENERATORS: Readonly<Record<string, Generator>> = {
  QuantizeLinear: quantizeLinearGen,
  DequantizeLinear: dequantizeLinearGen,
  QLinearConv: qlinearConvGen,
  QLinearConvBoundary: qlinearConvBoundaryGen,
  QLinearMatMul: qlinearMatMulGen,
  QGemm: qgemmGen,
  MaxPool: maxPoolGen,
  MatMulInteger: matMulIntegerGen,
  ConvInteger: convIntegerGen,
  Add: binaryGen("Add"),
  Sub: binaryGen("Sub"),
  Mul: binaryGen("Mul"),
  Relu: reluGen,
  Clip: clipGen,
  Cast: castGen,
  Reshape: reshapeGen,
  Flatten: flattenGen,
  Squeeze: squeezeGen,
  Unsqueeze: unsqueezeGen,
  Transpose: transposeGen,
  Concat: concatGen,
  Gather: gatherGen,
  ArgMax: argMaxGen,
};

export type { DiffCase };
