/**
 * Experiment: the exact arithmetic of com.microsoft QLinearAveragePool (uint8 / int8; 1-D/2-D/3-D;
 * pads, strides, count_include_pad 0/1, channels_last 0/1, kernels up to the whole image) and
 * com.microsoft QLinearGlobalAveragePool in onnxruntime-node, against candidate formulas.
 *
 *   npx tsx scripts/semantics/qlinear-avgpool.ts [--cases 1000000] [--seed 1] [--threads 1]
 *     [--global-cases N (default cases / 20)] [--global-only]
 *
 * onnxruntime has two paths: a kernel covering the whole image with all pads 0 goes to the
 * integer global-average-pool kernel; everything else dequantizes to float32 and averages.
 */
import { attr } from "../../offchain/engine/onnx/single-node.js";
import { slidingWindow, tapOffset, outCoords } from "../../offchain/engine/ops/window.js";
import { DType, type Tensor } from "../../offchain/engine/tensor.js";
import { fill, range, scalarT, v, zeroPoint } from "../../test/engine/support/differential.js";

import { Rng } from "../../test/engine/support/prng.js";
import { Tally, args, releaseThreadSessions, runOrtThreads, threadsArg, cvttss, f32, header, rne, sat } from "./lib.js";

const { UINT8, INT8, FLOAT } = DType;

interface Q { xs: number; xz: number; ys: number; yz: number; lo: number; hi: number }
/** One output element: its valid taps' values (in row-major tap order) and the window size. */
interface Win { xs: number[]; kernelSize: number }
type Cand = (w: Win, q: Q) => number | "error";

const quantizePool = (avg: number, q: Q): number => sat(cvttss(rne(f32(f32(avg / q.ys) + q.yz))), q.lo, q.hi);

function floatPath(count: (w: Win) => number, opts: { sum?: "f32" | "f64"; div?: "div" | "recip"; quant?: "pool" | "quantizeLinear" | "saturating" } = {}): Cand {
  return (w, q) => {
    let s = 0;
    for (const x of w.xs) {
      const d = f32(q.xs * (x - q.xz));
      s = opts.sum === "f64" ? s + d : f32(s + d);
    }
    s = f32(s);
    const n = count(w);
    const avg = opts.div === "recip" ? f32(s * f32(1 / n)) : f32(s / n);
    if (opts.quant === "quantizeLinear") return sat(rne(f32(avg / q.ys)) + q.yz, q.lo, q.hi);
    if (opts.quant === "saturating") return sat(rne(f32(f32(avg / q.ys) + q.yz)), q.lo, q.hi);
    return quantizePool(avg, q);
  };
}

const countValid = (w: Win) => w.xs.length;
const countKernel = (w: Win) => w.kernelSize;

/** The integer global path: acc = i32(sum (x - xz)), M = f32(xs / f32(ys * size)). */
const globalInt: Cand = (w, q) => {
  const size = w.kernelSize;
  const m = f32(q.xs / f32(q.ys * size));
  if (!(m >= 2 ** -32 && m < 256) || size >= 0x1000000) return "error";
  let acc = 0;
  for (const x of w.xs) acc = (acc + x - q.xz) | 0;
  return sat(rne(f32(f32(acc) * m)) + q.yz, q.lo, q.hi);
};

function scales(rng: Rng): { xs: number; ys: number } {
  const r = rng.next();
  if (r < 0.25) return { xs: f32(2 ** rng.int(-8, 2)), ys: f32(2 ** rng.int(-8, 2)) };
  if (r < 0.35) return { xs: rng.logUniform(-40, 40), ys: rng.logUniform(-40, 40) };
  const xs = rng.logUniform(-12, 2);
  return { xs, ys: f32(xs * rng.logUniform(-4, 3)) };
}

interface Geometry { spatial: number[]; kernel: number[]; strides: number[]; pads: number[]; global: boolean }

function geometry(rng: Rng): Geometry {
  for (;;) {
    const rank = rng.pick([1, 2, 2, 2, 3]);
    const big = rng.bool(0.15);
    const spatial = Array.from({ length: rank }, () => rng.int(1, big ? (rank === 1 ? 700 : rank === 2 ? 30 : 10) : rank === 3 ? 5 : 9));
    if (rng.bool(0.25)) {
      // whole-image kernel: pads 0 -> onnxruntime's integer global path; pads > 0 -> float path
      const pads = rng.bool(0.7) ? spatial.concat(spatial).map(() => 0) : spatial.concat(spatial).map((d) => rng.int(0, Math.min(1, d - 1)));
      if (pads.some((p) => p > 0) || pads.length === 0 || rng.bool(0.8)) return { spatial, kernel: [...spatial], strides: spatial.map(() => 1), pads, global: pads.every((p) => p === 0) };
      continue;
    }
    const kernel = spatial.map((s) => rng.int(1, Math.min(s + 2, big ? 7 : 4)));
    const strides = spatial.map(() => rng.int(1, 3));
    const pads = [...kernel.map((k) => rng.int(0, k - 1)), ...kernel.map((k) => rng.int(0, k - 1))];
    if (spatial.some((s, d) => s + pads[d] + pads[d + rank] < kernel[d])) continue;
    return { spatial, kernel, strides, pads, global: kernel.every((k, d) => k === spatial[d]) && pads.every((p) => p === 0) };
  }
}

async function runPool(cases: number, seed: number): Promise<void> {
  const cands: Record<string, Cand> = {
    "float path: d = f32(xs(x-xz)); s = f32(s + d) over valid taps in row-major order; avg = f32(s / n), n = kernel size (count_include_pad=1) or valid taps; y = sat(i32(RNE(f32(f32(avg/ys) + yz)))), i32 = C cast (INT_MIN out of range); whole-image kernel with pads 0: integer global path":
      (w, q) => (w as Win & { global?: boolean }).global ? globalInt(w, q) : floatPath((x) => ((x as Win & { cip?: boolean }).cip ? countKernel(x) : countValid(x)))(w, q),
    "float path everywhere (no integer global path)": (w, q) => floatPath((x) => ((x as Win & { cip?: boolean }).cip ? countKernel(x) : countValid(x)))(w, q),
    "integer path everywhere: acc = sum (x-xz), M = f32(xs/f32(ys*n))": (w, q) => {
      const n = (w as Win & { cip?: boolean }).cip ? w.kernelSize : w.xs.length;
      return globalInt({ xs: w.xs, kernelSize: n }, q);
    },
    "quantize as QuantizeLinear: sat(RNE(f32(avg/ys)) + yz)": (w, q) =>
      (w as Win & { global?: boolean }).global ? globalInt(w, q) : floatPath((x) => ((x as Win & { cip?: boolean }).cip ? countKernel(x) : countValid(x)), { quant: "quantizeLinear" })(w, q),
    "sum in float64": (w, q) =>
      (w as Win & { global?: boolean }).global ? globalInt(w, q) : floatPath((x) => ((x as Win & { cip?: boolean }).cip ? countKernel(x) : countValid(x)), { sum: "f64" })(w, q),
    "avg = f32(s * f32(1/n))": (w, q) =>
      (w as Win & { global?: boolean }).global ? globalInt(w, q) : floatPath((x) => ((x as Win & { cip?: boolean }).cip ? countKernel(x) : countValid(x)), { div: "recip" })(w, q),
    "no INT_MIN quirk: sat(RNE(f32(f32(avg/ys) + yz))) saturating": (w, q) =>
      (w as Win & { global?: boolean }).global ? globalInt(w, q) : floatPath((x) => ((x as Win & { cip?: boolean }).cip ? countKernel(x) : countValid(x)), { quant: "saturating" })(w, q),
    "count_include_pad ignored (always valid taps)": (w, q) => ((w as Win & { global?: boolean }).global ? globalInt(w, q) : floatPath(countValid)(w, q)),
  };
  const tally = new Tally(Object.keys(cands));
  let errorsAgreed = 0;
  let errorsDisagreed = 0;
  const rng = new Rng(seed);
  const paths = { global: 0, float: 0, channelsLast: 0 };
  while (tally.values < cases) {
    const dtype = rng.pick([UINT8, INT8]);
    const { min, max } = range(dtype);
    const g = geometry(rng);
    const rank = g.spatial.length;
    const n = rng.int(1, 2);
    const c = rng.int(1, g.spatial.reduce((a, b) => a * b, 1) > 2000 ? 2 : 5);
    const channelsLast = rng.bool(0.3);
    const cip = rng.bool();
    const nchw = [n, c, ...g.spatial];
    const xShape = channelsLast ? [n, ...g.spatial, c] : nchw;
    const mode = rng.pick(["uniform", "uniform", "ends"] as const);
    const X = fill(dtype, xShape, () => (mode === "ends" && rng.bool(0.7) ? rng.pick([min, max]) : rng.int(min, max)));
    const xd = X.data as unknown as ArrayLike<number>;
    const attrs = { kernel_shape: attr.ints(g.kernel), strides: attr.ints(g.strides), pads: attr.ints(g.pads), count_include_pad: attr.int(cip ? 1 : 0), channels_last: attr.int(channelsLast ? 1 : 0) };
    const win = slidingWindow("QLinearAveragePool", g.spatial, attrs, undefined, false);
    const S = win.inSpatialSize;
    const xIndex = (nn: number, cc: number, s: number) => (channelsLast ? (nn * S + s) * c + cc : (nn * c + cc) * S + s);
    const outNchw = [n, c, ...win.outSpatial];
    const outCount = n * c * win.outSpatialSize;
    // windows of every output element, in NCHW output order
    const wins: (Win & { global: boolean; cip: boolean })[] = [];
    for (let o = 0; o < outCount; o++) {
      const nc = Math.floor(o / win.outSpatialSize);
      const coords = outCoords(win, o % win.outSpatialSize);
      const xs: number[] = [];
      for (let t = 0; t < win.kernelSize; t++) {
        const off = tapOffset(win, coords, t);
        if (off >= 0) xs.push(xd[xIndex(Math.floor(nc / c), nc % c, off)]);
      }
      wins.push({ xs, kernelSize: win.kernelSize, global: g.global, cip });
    }
    // scales: half the runs searched so that the candidates not yet rejected disagree most
    const draw = (): Q => ({ ...scales(rng), xz: zeroPoint(rng, dtype), yz: zeroPoint(rng, dtype), lo: min, hi: max });
    let q = draw();
    const alive = Object.entries(cands).filter(([k]) => tally.counts.get(k) === 0).map(([, f]) => f);
    if (rng.bool() && alive.length >= 2) {
      let best = -1;
      for (let t = 0; t < 32; t++) {
        const d = t === 0 ? q : draw();
        let score = 0;
        for (let i = 0; i < wins.length; i += Math.max(1, Math.floor(wins.length / 512))) {
          const r0 = alive[0](wins[i], d);
          if (alive.some((f) => f(wins[i], d) !== r0)) score++;
        }
        if (score > best) { best = score; q = d; }
      }
    }
    const feeds: Record<string, Tensor> = { X, xs: scalarT(FLOAT, q.xs), xz: scalarT(dtype, q.xz), ys: scalarT(FLOAT, q.ys), yz: scalarT(dtype, q.yz) };
    const spec = {
      opType: "QLinearAveragePool",
      domain: "com.microsoft",
      inputs: [v("X", dtype, xShape), v("xs", FLOAT, []), v("xz", dtype, []), v("ys", FLOAT, []), v("yz", dtype, [])],
      outputs: [v("Y", dtype, [])],
      attributes: attrs,
    };
    let expectedNchw: Float64Array | "error";
    try {
      const [out] = await runOrtThreads(spec, feeds);
      const od = out.data as unknown as ArrayLike<number>;
      const want = channelsLast ? [n, ...win.outSpatial, c] : outNchw;
      if (out.shape.join() !== want.join()) throw new Error(`shape ${out.shape} != ${want}`);
      expectedNchw = new Float64Array(outCount);
      const OS = win.outSpatialSize;
      for (let o = 0; o < outCount; o++) {
        const nc = Math.floor(o / OS);
        const s = o % OS;
        expectedNchw[o] = od[channelsLast ? (Math.floor(nc / c) * OS + s) * c + (nc % c) : o];
      }
    } catch (e) {
      if (!String(e).includes("out of computation range")) throw e;
      expectedNchw = "error";
    }
    paths[g.global ? "global" : "float"] += outCount;
    if (channelsLast) paths.channelsLast += outCount;
    const describe = (i: number) =>
      `${DType[dtype]} X${JSON.stringify(xShape)} ${channelsLast ? "NHWC" : "NCHW"} k${JSON.stringify(g.kernel)} s${JSON.stringify(g.strides)} p${JSON.stringify(g.pads)} cip=${cip ? 1 : 0} out ${i} taps ${JSON.stringify(wins[i].xs)} xs=${q.xs} xz=${q.xz} ys=${q.ys} yz=${q.yz}`;
    for (const [name, f] of Object.entries(cands)) {
      if (expectedNchw === "error") {
        const predicted = f(wins[0], q) === "error";
        if (name === tally.names[0]) predicted ? errorsAgreed++ : errorsDisagreed++;
        tally.compare(name, [predicted ? 1 : 0], [1], () => `onnxruntime refused (scale out of range) ${describe(0)}`);
        continue;
      }
      const got = wins.map((w) => { const r = f(w, q); return r === "error" ? NaN : r; });
      tally.compare(name, got, expectedNchw, describe);
    }
    tally.values += expectedNchw === "error" ? 1 : outCount;
    tally.runs++;
  }
  tally.report(`QLinearAveragePool (seed ${seed}; output values by path ${JSON.stringify(paths)}; onnxruntime refusals predicted ${errorsAgreed}, not predicted ${errorsDisagreed})`);
}

/** QLinearGlobalAveragePool: the integer path only. */
async function runGlobal(cases: number, seed: number): Promise<void> {
  const cands: Record<string, Cand> = {
    "acc = i32(sum (x - xz)); M = f32(xs / f32(ys * size)); y = sat(RNE(f32(f32(acc) * M)) + yz); refused unless 2^-32 <= M < 256": globalInt,
    "M = f32(f32(xs / ys) / size)": (w, q) => {
      const m = f32(f32(q.xs / q.ys) / w.kernelSize);
      if (!(f32(q.xs / f32(q.ys * w.kernelSize)) >= 2 ** -32 && f32(q.xs / f32(q.ys * w.kernelSize)) < 256)) return "error";
      let acc = 0;
      for (const x of w.xs) acc = (acc + x - q.xz) | 0;
      return sat(rne(f32(f32(acc) * m)) + q.yz, q.lo, q.hi);
    },
    "float path (dequantize, f32 sum, divide, quantize with zp before rounding)": floatPath(countValid),
  };
  const tally = new Tally(Object.keys(cands));
  const rng = new Rng(seed);
  while (tally.values < cases) {
    const dtype = rng.pick([UINT8, INT8]);
    const { min, max } = range(dtype);
    const rank = rng.int(1, 3);
    const spatial = Array.from({ length: rank }, () => rng.int(1, rank === 1 ? 3000 : rank === 2 ? 40 : 12));
    const S = spatial.reduce((a, b) => a * b, 1);
    const n = rng.int(1, 2);
    const c = rng.int(1, S > 1000 ? 3 : 17);
    const channelsLast = rng.bool(0.4);
    const xShape = channelsLast ? [n, ...spatial, c] : [n, c, ...spatial];
    const X = fill(dtype, xShape, () => (rng.bool(0.2) ? rng.pick([min, max]) : rng.int(min, max)));
    const xd = X.data as unknown as ArrayLike<number>;
    const wins: Win[] = [];
    for (let o = 0; o < n * c; o++) {
      const nn = Math.floor(o / c), cc = o % c;
      const xs: number[] = [];
      for (let s = 0; s < S; s++) xs.push(xd[channelsLast ? (nn * S + s) * c + cc : o * S + s]);
      wins.push({ xs, kernelSize: S });
    }
    const draw = (): Q => {
      let d: Q;
      do d = { ...scales(rng), xz: zeroPoint(rng, dtype), yz: zeroPoint(rng, dtype), lo: min, hi: max };
      while (rng.bool(0.8) && globalInt(wins[0], d) === "error");
      return d;
    };
    let q = draw();
    const alive = Object.entries(cands).filter(([k]) => tally.counts.get(k) === 0).map(([, f]) => f);
    if (rng.bool() && alive.length >= 2) {
      let best = -1;
      for (let t = 0; t < 64; t++) {
        const d = t === 0 ? q : draw();
        let score = 0;
        for (const w of wins) { const r0 = alive[0](w, d); if (alive.some((f) => f(w, d) !== r0)) score++; }
        if (score > best) { best = score; q = d; }
      }
    }
    const spec = {
      opType: "QLinearGlobalAveragePool",
      domain: "com.microsoft",
      inputs: [v("X", dtype, xShape), v("xs", FLOAT, []), v("xz", dtype, []), v("ys", FLOAT, []), v("yz", dtype, [])],
      outputs: [v("Y", dtype, [])],
      attributes: { channels_last: attr.int(channelsLast ? 1 : 0) },
    };
    const feeds: Record<string, Tensor> = { X, xs: scalarT(FLOAT, q.xs), xz: scalarT(dtype, q.xz), ys: scalarT(FLOAT, q.ys), yz: scalarT(dtype, q.yz) };
    let expected: ArrayLike<number> | "error";
    try {
      const [out] = await runOrtThreads(spec, feeds);
      expected = out.data as unknown as ArrayLike<number>; // [n, c, 1...] or [n, 1..., c]: both n-major, c-minor
    } catch (e) {
      if (!String(e).includes("out of computation range")) throw e;
      expected = "error";
    }
    const describe = (i: number) => `${DType[dtype]} X${JSON.stringify(xShape)} out ${i} xs=${q.xs} xz=${q.xz} ys=${q.ys} yz=${q.yz}`;
    for (const [name, f] of Object.entries(cands)) {
      if (expected === "error") { tally.compare(name, [f(wins[0], q) === "error" ? 1 : 0], [1], () => `refused: ${describe(0)}`); continue; }
      tally.compare(name, wins.map((w) => { const r = f(w, q); return r === "error" ? NaN : r; }), expected, describe);
    }
    const before = tally.values;
    tally.values += expected === "error" ? 1 : wins.length;
    tally.runs++;
    if (Math.floor(before / 250_000) !== Math.floor(tally.values / 250_000)) tally.report(`QLinearGlobalAveragePool (seed ${seed}), so far`);
  }
  tally.report(`QLinearGlobalAveragePool (seed ${seed})`);
}

if (process.argv[1]?.endsWith("qlinear-avgpool.ts")) {
  const { cases, seed } = args(1_000_000);
  header(`QLinearAveragePool / QLinearGlobalAveragePool, ${threadsArg()} intra-op thread(s)`);
  const t0 = Date.now();
  const gi = process.argv.indexOf("--global-cases");
  const globalCases = gi >= 0 ? Number(process.argv[gi + 1]) : Math.max(1000, Math.floor(cases / 20));
  if (!process.argv.includes("--global-only")) await runPool(cases, seed);
  await runGlobal(globalCases, seed + 1);
  await releaseThreadSessions();
  console.log(`done in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
}
