/**
 * Experiment: the exact arithmetic of com.microsoft QLinearAdd and QLinearMul (uint8 / int8,
 * per-tensor scales and zero points, numpy broadcasting) in onnxruntime-node, against candidate
 * formulas. Shapes cover MLAS's vector body and remainder (1..40, 64, 100, ~1000, ~4100 elements,
 * all 65,536 (a, b) pairs) and every broadcast form onnxruntime's BroadcastLooper distinguishes
 * (input 0 scalar per span, input 1 scalar per span, both spans).
 *
 *   npx tsx scripts/semantics/qlinear-binary.ts [--op add|mul|both] [--cases 1000000] [--seed 1]
 *
 * --cases is the number of output values compared per operator (a bound: runs stop once reached);
 * --threads N runs onnxruntime with N intra-op threads (default 1).
 */
import { broadcast } from "../../offchain/engine/ops/broadcast.js";
// Which MLAS call onnxruntime's BroadcastLooper makes for these shapes: the engine's own rule.
import { binaryForm, type BinaryForm } from "../../offchain/engine/ops/qlinear_binary.js";
import { DType, type Tensor } from "../../offchain/engine/tensor.js";
import { fill, range, scalarT, v, zeroPoint } from "../../test/engine/support/differential.js";

import { Rng } from "../../test/engine/support/prng.js";
import { Tally, args, releaseThreadSessions, runOrtThreads, threadsArg, cvtps, f32, fma32, header, rne, sat } from "./lib.js";

const { UINT8, INT8, FLOAT } = DType;

type Form = BinaryForm;

interface P {
  sa: number; za: number; sb: number; zb: number; sc: number; zc: number; lo: number; hi: number; form: Form;
}

type Cand = (a: number, b: number, p: P) => number;

// ---- QLinearAdd candidates -------------------------------------------------------------------
function addFused(fixed: (rA: number, rB: number, p: P) => number, fold: "mul-add" | "fma", formAware: boolean): Cand {
  return (a, b, p) => {
    const rA = f32(p.sa / p.sc);
    const rB = f32(p.sb / p.sc);
    const F = fixed(rA, rB, p);
    const form = formAware ? p.form : "general";
    let y: number;
    if (form === "general") y = fma32(a, rA, fma32(b, rB, F));
    else if (form === "scalarB") y = fma32(a, rA, fold === "fma" ? fma32(b, rB, F) : f32(F + f32(b * rB)));
    else y = fma32(b, rB, fold === "fma" ? fma32(a, rA, F) : f32(F + f32(a * rA)));
    return sat(cvtps(y), p.lo, p.hi);
  };
}
const fixedPlain = (rA: number, rB: number, p: P) => f32(p.zc - f32(f32(rA * p.za) + f32(rB * p.zb)));
const fixedFmaA = (rA: number, rB: number, p: P) => f32(p.zc - fma32(rA, p.za, f32(rB * p.zb)));
const fixedFmaB = (rA: number, rB: number, p: P) => f32(p.zc - fma32(rB, p.zb, f32(rA * p.za)));

/**
 * The winner: (X, Y) = (A, B), or (B, A) when input A is the scalar of the span (onnxruntime then
 * swaps the operands of the MLAS call, so the fixed part is contracted the other way round too).
 */
const addOrdered: Cand = (a, b, p) => {
  const swap = p.form === "scalarA";
  const [x, sx, zx, y, sy, zy] = swap ? [b, p.sb, p.zb, a, p.sa, p.za] : [a, p.sa, p.za, b, p.sb, p.zb];
  const rX = f32(sx / p.sc);
  const rY = f32(sy / p.sc);
  const F = f32(p.zc - fma32(rX, zx, f32(rY * zy)));
  return sat(cvtps(fma32(x, rX, fma32(y, rY, F))), p.lo, p.hi);
};

const ADD: Record<string, Cand> = {
  "(X,Y) = (B,A) if A is the span scalar else (A,B); F = f32(zc - fma(rX,zX,f32(rY*zY))); sat(cvt(fma(x,rX,fma(y,rY,F))))": addOrdered,
  "no swap: F = f32(zc - fma(rA,za,f32(rB*zb))); scalar side folded with fma": addFused(fixedFmaA, "fma", true),
  "no swap, general form for every shape": addFused(fixedFmaA, "mul-add", false),
  "no swap, scalar side folded f32(F + f32(s*r))": addFused(fixedFmaA, "mul-add", true),
  "F = f32(zc - f32(f32(rA*za) + f32(rB*zb))) (no contraction)": addFused(fixedPlain, "mul-add", true),
  "F = f32(zc - fma(rB,zb,f32(rA*za)))": addFused(fixedFmaB, "mul-add", true),
  "F uncontracted and scalar folded with fma": addFused(fixedPlain, "fma", true),
  "SSE2 unfused (F as the winner): f32(f32(F + f32(a*rA)) + f32(b*rB))": (a, b, p) => {
    const rA = f32(p.sa / p.sc);
    const rB = f32(p.sb / p.sc);
    let F = fixedFmaA(rA, rB, p);
    let y: number;
    if (p.form === "general") y = f32(f32(F + f32(a * rA)) + f32(b * rB));
    else if (p.form === "scalarB") { F = f32(F + f32(b * rB)); y = f32(F + f32(a * rA)); }
    else { F = f32(F + f32(a * rA)); y = f32(F + f32(b * rB)); }
    return sat(cvtps(y), p.lo, p.hi);
  },
  "dequantize-add-divide (MLAS scalar helper): RNE(f32(clamp(f32(f32(sa(a-za))+f32(sb(b-zb)))/sc) + zc))": (a, b, p) => {
    const va = f32(p.sa * (a - p.za));
    const vb = f32(p.sb * (b - p.zb));
    const c = sat(f32(f32(va + vb) / p.sc), p.lo - p.zc, p.hi - p.zc);
    return sat(rne(f32(c + p.zc)), p.lo, p.hi);
  },
  "requantize style: sat(RNE(f32(f32(rA(a-za)) + f32(rB(b-zb)))) + zc)": (a, b, p) => {
    const rA = f32(p.sa / p.sc);
    const rB = f32(p.sb / p.sc);
    return sat(rne(f32(f32(rA * (a - p.za)) + f32(rB * (b - p.zb)))) + p.zc, p.lo, p.hi);
  },
  "float64: sat(RNE((sa(a-za) + sb(b-zb)) / sc) + zc)": (a, b, p) => sat(rne((p.sa * (a - p.za) + p.sb * (b - p.zb)) / p.sc) + p.zc, p.lo, p.hi),
};

// ---- QLinearMul candidates -------------------------------------------------------------------
const mulM = (p: P) => f32(f32(p.sa * p.sb) / p.sc);
const MUL: Record<string, Cand> = {
  "SSE2: sat(cvt(f32(f32(f32((a-za)(b-zb)) * M) + zc))), M = f32(f32(sa*sb)/sc), cvt = RNE, out of int32 range -> INT_MIN": (a, b, p) =>
    sat(cvtps(f32(f32(f32((a - p.za) * (b - p.zb)) * mulM(p)) + p.zc)), p.lo, p.hi),
  "requantize style: sat(RNE(f32(f32(acc) * M)) + zc)": (a, b, p) => sat(rne(f32(f32((a - p.za) * (b - p.zb)) * mulM(p))) + p.zc, p.lo, p.hi),
  "fused: sat(cvt(fma(f32(acc), M, zc)))": (a, b, p) => sat(cvtps(fma32(f32((a - p.za) * (b - p.zb)), mulM(p), p.zc)), p.lo, p.hi),
  "M = f32(sa * f32(sb/sc))": (a, b, p) => sat(cvtps(f32(f32(f32((a - p.za) * (b - p.zb)) * f32(p.sa * f32(p.sb / p.sc))) + p.zc)), p.lo, p.hi),
  "M = f32(f32(sa/sc) * sb)": (a, b, p) => sat(cvtps(f32(f32(f32((a - p.za) * (b - p.zb)) * f32(f32(p.sa / p.sc) * p.sb)) + p.zc)), p.lo, p.hi),
  "no INT_MIN quirk: sat(RNE(f32(f32(acc*M) + zc)))": (a, b, p) => sat(rne(f32(f32(f32((a - p.za) * (b - p.zb)) * mulM(p)) + p.zc)), p.lo, p.hi),
  "dequantize-mul-divide: RNE(f32(clamp(f32(f32(sa(a-za)) * f32(sb(b-zb))) / sc) + zc))": (a, b, p) => {
    const c = sat(f32(f32(f32(p.sa * (a - p.za)) * f32(p.sb * (b - p.zb))) / p.sc), p.lo - p.zc, p.hi - p.zc);
    return sat(rne(f32(c + p.zc)), p.lo, p.hi);
  },
  "float64: sat(RNE(sa(a-za) sb(b-zb) / sc) + zc)": (a, b, p) => sat(rne((p.sa * (a - p.za) * p.sb * (b - p.zb)) / p.sc) + p.zc, p.lo, p.hi),
};

// ---- inputs ----------------------------------------------------------------------------------
const LENGTHS = [1, 2, 3, 7, 8, 15, 16, 17, 31, 32, 33, 40, 63, 64, 65, 100, 1000, 1023, 1031, 4096, 4099, 4127];

function shapes(rng: Rng): { a: number[]; b: number[]; allPairs: boolean } {
  const r = rng.next();
  const n = rng.pick(LENGTHS);
  if (r < 0.1) return { a: [65536], b: [65536], allPairs: true };
  if (r < 0.35) return { a: [n], b: [n], allPairs: false };
  if (r < 0.5) return rng.bool(0.3) ? { a: rng.bool() ? [] : [1], b: [n], allPairs: false } : { a: [n], b: rng.bool() ? [] : [1], allPairs: false };
  if (r < 0.6) {
    const m = rng.int(1, 9);
    return rng.bool() ? { a: [m, 1], b: [m, n], allPairs: false } : { a: [m, n], b: [m, 1], allPairs: false };
  }
  if (r < 0.68) {
    const m = rng.int(1, 9);
    return rng.bool() ? { a: [1, n], b: [m, n], allPairs: false } : { a: [m, n], b: [n], allPairs: false };
  }
  if (r < 0.74) return rng.bool() ? { a: [256, 1], b: [1, 256], allPairs: false } : { a: [1, 256], b: [256, 1], allPairs: false };
  // random rank-1..4 broadcasts
  const rank = rng.int(1, 4);
  const out = Array.from({ length: rank }, () => rng.pick([1, 2, 3, 5, 8, 17, 33]));
  const a = out.map((d) => (rng.bool(0.3) ? 1 : d));
  const b = out.map((d, i) => (rng.bool(0.3) && a[i] !== 1 ? 1 : d));
  return { a: a.slice(rng.int(0, rank - 1)), b, allPairs: false };
}

function scales(rng: Rng): { sa: number; sb: number; sc: number } {
  const r = rng.next();
  if (r < 0.2) {
    // powers of two: exact arithmetic, many exact ties
    return { sa: f32(2 ** rng.int(-8, 2)), sb: f32(2 ** rng.int(-8, 2)), sc: f32(2 ** rng.int(-8, 2)) };
  }
  if (r < 0.3) {
    // ratios with few mantissa bits: sums land on .5
    const sc = f32(2 ** rng.int(-10, 0));
    return { sa: f32(sc * rng.int(1, 7) / 4), sb: f32(sc * rng.int(1, 7) / 8), sc };
  }
  if (r < 0.38) {
    // extreme ratios: far outside the 8-bit range, int32 overflow of the float -> int conversion
    return { sa: rng.logUniform(-30, 30), sb: rng.logUniform(-30, 30), sc: rng.logUniform(-60, 10) };
  }
  const sc = rng.logUniform(-12, 2);
  return { sa: f32(sc * rng.logUniform(-6, 4)), sb: f32(sc * rng.logUniform(-6, 4)), sc };
}

async function run(op: "QLinearAdd" | "QLinearMul", cases: number, seed: number): Promise<void> {
  const cands = op === "QLinearAdd" ? ADD : MUL;
  const tally = new Tally(Object.keys(cands));
  const rng = new Rng(seed);
  const byForm: Record<Form, number> = { general: 0, scalarA: 0, scalarB: 0 };
  while (tally.values < cases) {
    const dtype = rng.pick([UINT8, INT8]);
    const { min, max } = range(dtype);
    const sh = shapes(rng);
    const mode = rng.pick(["uniform", "uniform", "ends"] as const);
    const val = () => (mode === "ends" && rng.bool(0.6) ? rng.pick([min, min + 1, max - 1, max]) : rng.int(min, max));
    const A = fill(dtype, sh.a, (i) => (sh.allPairs ? min + (i >> 8) : val()));
    const B = fill(dtype, sh.b, (i) => (sh.allPairs ? min + (i & 255) : val()));
    const bc = broadcast(op, sh.a, sh.b);
    const form = binaryForm(sh.a, sh.b);
    const ad = A.data as unknown as ArrayLike<number>;
    const bd = B.data as unknown as ArrayLike<number>;
    // Half the runs: scales and zero points SEARCHED so that the candidates not yet rejected
    // disagree the most on (a sample of) this run's data; the other half: drawn at random.
    const draw = () => ({ s: scales(rng), za: zeroPoint(rng, dtype), zb: zeroPoint(rng, dtype), zc: zeroPoint(rng, dtype) });
    let best = draw();
    const alive = Object.entries(cands).filter(([n]) => tally.counts.get(n) === 0).map(([, f]) => f);
    if (rng.bool()) {
      const fs = alive.length >= 2 ? alive : Object.values(cands);
      const step = Math.max(1, Math.floor(bc.aIndex.length / 65536));
      let bestScore = -1;
      for (let t = 0; t < (alive.length >= 2 ? 64 : 8); t++) {
        const d = t === 0 ? best : draw();
        const q: P = { ...d.s, za: d.za, zb: d.zb, zc: d.zc, lo: min, hi: max, form };
        let score = 0;
        for (let i = 0; i < bc.aIndex.length; i += step) {
          const x = ad[bc.aIndex[i]], y = bd[bc.bIndex[i]];
          const r0 = fs[0](x, y, q);
          for (let k = 1; k < fs.length; k++) if (fs[k](x, y, q) !== r0) { score++; break; }
        }
        if (score > bestScore) { bestScore = score; best = d; }
      }
    }
    const { s, za, zb, zc } = best;
    const feeds: Record<string, Tensor> = {
      A, as: scalarT(FLOAT, s.sa), az: scalarT(dtype, za), B, bs: scalarT(FLOAT, s.sb), bz: scalarT(dtype, zb), cs: scalarT(FLOAT, s.sc), cz: scalarT(dtype, zc),
    };
    const spec = {
      opType: op,
      domain: "com.microsoft",
      inputs: [v("A", dtype, sh.a), v("as", FLOAT, []), v("az", dtype, []), v("B", dtype, sh.b), v("bs", FLOAT, []), v("bz", dtype, []), v("cs", FLOAT, []), v("cz", dtype, [])],
      outputs: [v("C", dtype, [])],
    };
    const [out] = await runOrtThreads(spec, feeds);
    byForm[form] += out.data.length;
    const p: P = { ...s, za, zb, zc, lo: min, hi: max, form };
    const expected = out.data as unknown as ArrayLike<number>;
    const got = new Float64Array(expected.length);
    for (const [name, f] of Object.entries(cands)) {
      for (let i = 0; i < expected.length; i++) got[i] = f(ad[bc.aIndex[i]], bd[bc.bIndex[i]], p);
      tally.compare(name, got, expected, (i) =>
        `${DType[dtype]} A${JSON.stringify(sh.a)} B${JSON.stringify(sh.b)} (${form}) a=${ad[bc.aIndex[i]]} b=${bd[bc.bIndex[i]]} sa=${s.sa} za=${za} sb=${s.sb} zb=${zb} sc=${s.sc} zc=${zc}`);
    }
    tally.values += expected.length;
    tally.runs++;
  }
  tally.report(`${op} (seed ${seed}; values by broadcast form: ${JSON.stringify(byForm)})`);
}

const isMain = process.argv[1]?.endsWith("qlinear-binary.ts");
if (isMain) {
  const { cases, seed } = args(1_000_000);
  const opArg = process.argv.includes("--op") ? process.argv[process.argv.indexOf("--op") + 1] : "both";
  header(`QLinearAdd / QLinearMul, ${threadsArg()} intra-op thread(s)`);
  const t0 = Date.now();
  if (opArg !== "mul") await run("QLinearAdd", cases, seed);
  if (opArg !== "add") await run("QLinearMul", cases, seed + 1);
  await releaseThreadSessions();
  console.log(`done in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
}
