/**
 * Experiment: integer Div (ai.onnx, int32; also int8/int16/uint8) by a constant divisor (an
 * initializer) in onnxruntime-node, against candidate formulas; and what x/0 and INT_MIN/-1 do,
 * each run in a child process so that a crash does not take this one down.
 *
 *   npx tsx scripts/semantics/int-div.ts [--cases 1000000] [--seed 1]
 *   (internal) npx tsx scripts/semantics/int-div.ts --child zero|intmin|zero-int8
 */
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { DType, type Tensor } from "../../offchain/engine/tensor.js";
import { fill, v, vectorT } from "../../test/engine/support/differential.js";
import { releaseSessions, runOrt } from "../../test/engine/support/ort.js";
import { Rng } from "../../test/engine/support/prng.js";
import { Tally, args, f32, header } from "./lib.js";

const { INT32, INT8, INT16, UINT8 } = DType;
const INT_MIN = -2147483648;

type Cand = (a: number, b: number) => number;
const wrap = (dtype: DType, x: number): number => {
  const t = dtype === INT32 ? new Int32Array([x]) : dtype === INT16 ? new Int16Array([x]) : dtype === INT8 ? new Int8Array([x]) : new Uint8Array([x]);
  return t[0];
};

function cands(dtype: DType): Record<string, Cand> {
  return {
    "truncation toward zero: q = trunc(a / b) (exact), wrapped to the type": (a, b) => wrap(dtype, Math.trunc(a / b)),
    "floor division (Python //)": (a, b) => wrap(dtype, Math.floor(a / b)),
    "round half to even of a / b": (a, b) => { const q = a / b; const f = Math.floor(q); const d = q - f; return wrap(dtype, d > 0.5 ? f + 1 : d < 0.5 ? f : f % 2 === 0 ? f : f + 1); },
    "float32 division, truncated: trunc(f32(f32(a) / f32(b)))": (a, b) => wrap(dtype, Math.trunc(f32(f32(a) / f32(b)))),
    "float64 division rounded to nearest": (a, b) => wrap(dtype, Math.round(a / b)),
  };
}

function int32Value(rng: Rng): number {
  const r = rng.next();
  if (r < 0.1) return rng.pick([INT_MIN, INT_MIN + 1, 2147483647, 2147483646, 0, 1, -1]);
  if (r < 0.3) return rng.int(-1000, 1000);
  if (r < 0.4) return (rng.int(-100, 100) * rng.int(1, 1000)) | 0; // exact multiples of small divisors
  return rng.nextU32() | 0;
}

function divisor(rng: Rng, dtype: DType): number {
  if (dtype !== INT32) {
    const lo = dtype === UINT8 ? 1 : dtype === INT8 ? -128 : -32768;
    const hi = dtype === UINT8 ? 255 : dtype === INT8 ? 127 : 32767;
    for (;;) { const b = rng.int(lo, hi); if (b !== 0 && b !== -1) return b; }
  }
  const r = rng.next();
  if (r < 0.3) return rng.pick([1, 2, 3, -2, -3, 7, 10, -10, 255, 256, 65536, INT_MIN, 2147483647, -2147483647]);
  if (r < 0.6) return rng.pick([-1, 1]) * rng.int(1, 100);
  for (;;) { const b = rng.nextU32() | 0; if (b !== 0 && b !== -1) return b; }
}

async function runDiv(cases: number, seed: number): Promise<void> {
  const rng = new Rng(seed);
  const tallies = new Map<DType, Tally>();
  while ([...tallies.values()].reduce((s, t) => s + t.values, 0) < cases) {
    const dtype = rng.bool(0.7) ? INT32 : rng.pick([INT8, INT16, UINT8]);
    const cs = cands(dtype);
    if (!tallies.has(dtype)) tallies.set(dtype, new Tally(Object.keys(cs)));
    const tally = tallies.get(dtype)!;
    const n = rng.pick([1, 7, 8, 15, 16, 17, 64, 1000, 4099]);
    const perElement = rng.bool(0.3);
    const bShape = perElement ? [n] : rng.bool() ? [] : [1];
    const bs = Array.from({ length: perElement ? n : 1 }, () => divisor(rng, dtype));
    const lo = dtype === UINT8 ? 0 : dtype === INT8 ? -128 : dtype === INT16 ? -32768 : INT_MIN;
    const hi = dtype === UINT8 ? 255 : dtype === INT8 ? 127 : dtype === INT16 ? 32767 : 2147483647;
    const A = fill(dtype, [n], (i) => {
      let a = dtype === INT32 ? int32Value(rng) : rng.int(lo, hi);
      if (a === lo && bs[perElement ? i : 0] === -1) a = lo + 1;
      return a;
    });
    const B: Tensor = bShape.length === 0 ? { dtype, shape: [], data: (vectorT(dtype, bs).data as Int32Array).slice(0, 1) } : vectorT(dtype, bs);
    const spec = { opType: "Div", inputs: [v("A", dtype, [n])], initializers: { B }, outputs: [v("C", dtype, [n])], opsets: [{ domain: "", version: 14 }] };
    const [out] = await runOrt(spec, { A });
    const ad = A.data as unknown as ArrayLike<number>;
    const expected = out.data as unknown as ArrayLike<number>;
    for (const [name, f] of Object.entries(cs)) {
      const got = Array.from({ length: n }, (_, i) => f(ad[i], bs[perElement ? i : 0]));
      tally.compare(name, got, expected, (i) => `${DType[dtype]} a=${ad[i]} b=${bs[perElement ? i : 0]}`);
    }
    tally.values += n;
    tally.runs++;
  }
  for (const [dtype, t] of tallies) t.report(`Div ${DType[dtype]} by a constant divisor (seed ${seed})`);
}

/** One edge case, in this (child) process: prints the outcome and exits. */
async function child(kind: string): Promise<void> {
  const dtype = kind === "zero-int8" || kind === "min-int8" ? INT8 : kind === "min-int16" ? INT16 : INT32;
  const a = kind.startsWith("intmin") ? [INT_MIN, 5] : kind === "min-int8" ? [-128, 5] : kind === "min-int16" ? [-32768, 5] : [7, -7];
  const b = kind.startsWith("intmin") || kind.startsWith("min-") ? -1 : 0;
  const A = vectorT(dtype, a);
  const runtime = kind.endsWith("-input");
  const spec = runtime
    ? { opType: "Div", inputs: [v("A", dtype, [2]), v("B", dtype, [1])], outputs: [v("C", dtype, [2])], opsets: [{ domain: "", version: 14 }] }
    : { opType: "Div", inputs: [v("A", dtype, [2])], initializers: { B: vectorT(dtype, [b]) }, outputs: [v("C", dtype, [2])], opsets: [{ domain: "", version: 14 }] };
  try {
    const [out] = await runOrt(spec, runtime ? { A, B: vectorT(dtype, [b]) } : { A });
    console.log(`RESULT ${JSON.stringify(Array.from(out.data as unknown as ArrayLike<number>))}`);
  } catch (e) {
    console.log(`THREW ${(e as Error).message.split("\n")[0]}`);
  }
  process.exit(0);
}

function edgeCases(): void {
  const self = fileURLToPath(import.meta.url);
  const kinds = [
    ["zero", "int32 [7, -7] / constant 0"], ["zero-int8", "int8 [7, -7] / constant 0"], ["intmin", "int32 [INT_MIN, 5] / constant -1"],
    ["zero-input", "int32 [7, -7] / 0 fed at run time"], ["intmin-input", "int32 [INT_MIN, 5] / -1 fed at run time"],
    ["min-int8", "int8 [-128, 5] / constant -1"], ["min-int16", "int16 [-32768, 5] / constant -1"],
  ] as const;
  for (const [kind, what] of kinds) {
    const r = spawnSync("npx", ["tsx", self, "--child", kind], { encoding: "utf8", timeout: 60_000 });
    const line = (r.stdout ?? "").split("\n").find((l) => l.startsWith("RESULT") || l.startsWith("THREW"));
    // npx reports a child killed by signal s as exit status 128 + s (136 = SIGFPE)
    console.log(`  ${what}: ${line ?? "(no output: the process died)"}; exit status ${r.status}${r.status === 136 ? " (128 + SIGFPE)" : ""}, signal ${r.signal ?? "none"}`);
  }
}

if (process.argv[1]?.endsWith("int-div.ts")) {
  const ci = process.argv.indexOf("--child");
  if (ci >= 0) await child(process.argv[ci + 1]);
  else {
    const { cases, seed } = args(1_000_000);
    header("Div (integer, constant divisor)");
    const t0 = Date.now();
    await runDiv(cases, seed);
    await releaseSessions();
    console.log("edge cases (each in a child process):");
    edgeCases();
    console.log(`done in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  }
}
