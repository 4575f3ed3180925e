/**
 * Mutation guard: each wrong formula SEMANTICS.md lists is swapped into the interpreter (through
 * the `formulas` object) and the differential and conformance checks must then FAIL. A check that
 * cannot tell the canonical formula from a tempting wrong one would prove nothing.
 */
import { expect } from "chai";
import { join } from "node:path";
import { type Formulas, formulas, f32, resetFormulas, roundHalfEven, saturate } from "../../offchain/engine/ops/numeric.js";
import { SUPPORTED_OPERATORS } from "../../offchain/engine/ops/index.js";
import { mismatches } from "./support/compare.js";
import { loadCase, readIndex, runModel } from "./support/conformance.js";
import { differential } from "./support/differential.js";
import { GENERATORS } from "./support/generators.js";
import { releaseSessions } from "./support/ort.js";
import { Rng } from "./support/prng.js";
import { SHARED_ROOT } from "./support/shared.js";
import { existsSync } from "node:fs";

const roundHalfAway = (v: number): number => (Number.isFinite(v) ? Math.sign(v) * Math.round(Math.abs(v)) : v);

interface Mutant {
  readonly name: string;
  readonly patch: Partial<Formulas>;
  /** Generators whose differential check must catch it. */
  readonly caughtBy: readonly string[];
}

const MUTANTS: readonly Mutant[] = [
  {
    name: "QuantizeLinear x * f32(1/s)",
    patch: { quantize: (x, s, zp, lo, hi) => { const q = f32(x * f32(1 / s)); return Number.isNaN(q) ? lo : saturate(roundHalfEven(q) + zp, lo, hi); } },
    caughtBy: ["QuantizeLinear"],
  },
  {
    name: "QuantizeLinear float64 division",
    patch: { quantize: (x, s, zp, lo, hi) => { const q = x / s; return Number.isNaN(q) ? lo : saturate(roundHalfEven(q) + zp, lo, hi); } },
    caughtBy: ["QuantizeLinear"],
  },
  {
    name: "QuantizeLinear round half away from zero",
    patch: { quantize: (x, s, zp, lo, hi) => { const q = f32(x / s); return Number.isNaN(q) ? lo : saturate(roundHalfAway(q) + zp, lo, hi); } },
    caughtBy: ["QuantizeLinear"],
  },
  {
    name: "QuantizeLinear RNE(f32(q + zp))",
    patch: { quantize: (x, s, zp, lo, hi) => { const q = f32(x / s); return Number.isNaN(q) ? lo : saturate(roundHalfEven(f32(q + zp)), lo, hi); } },
    caughtBy: ["QuantizeLinear"],
  },
  {
    name: "multiplier f32(xs * f32(ws / ys))",
    patch: { multiplier: (sa, sb, sy) => f32(sa * f32(sb / sy)) },
    caughtBy: ["QLinearConvBoundary"],
  },
  {
    name: "multiplier f32(f32(xs / ys) * ws)",
    patch: { multiplier: (sa, sb, sy) => f32(f32(sa / sy) * sb) },
    caughtBy: ["QLinearConvBoundary"],
  },
  {
    name: "float64 throughout (multiplier and requantize)",
    patch: {
      multiplier: (sa, sb, sy) => (sa * sb) / sy,
      gemmMultiplier: (alpha, as, bs, ys) => (ys === undefined ? alpha * as * bs : (alpha * as * bs) / ys),
      requantize: (acc, m, zp, lo, hi) => saturate(roundHalfEven(acc * m) + zp, lo, hi),
    },
    caughtBy: ["QLinearConvBoundary"],
  },
  {
    name: "requantize skipping f32(acc)",
    patch: { requantize: (acc, m, zp, lo, hi) => saturate(roundHalfEven(f32(acc * m)) + zp, lo, hi) },
    caughtBy: ["QLinearConvBoundary"],
  },
  {
    name: "requantize round half away from zero",
    patch: { requantize: (acc, m, zp, lo, hi) => saturate(roundHalfAway(f32(f32(acc) * m)) + zp, lo, hi) },
    caughtBy: ["QLinearConvBoundary"],
  },
  {
    name: "MaxPool int8 padded with 0",
    patch: { maxPoolPad: () => 0 },
    caughtBy: ["MaxPool"],
  },
  {
    name: "DequantizeLinear without f32 of the int32 difference",
    patch: { dequantize: (x, zp, s) => f32(((x - zp) | 0) * s) },
    caughtBy: ["DequantizeLinear"],
  },
];

const GENERATOR_SEEDS: Record<string, number> = Object.fromEntries(Object.keys(GENERATORS).map((k, i) => [k, 0xbad0000 + i]));

/** Mismatches of the conformance tests of the given operators under the current formulas. */
function conformanceMismatches(ops: readonly string[]): number {
  let bad = 0;
  const supported = new Set(SUPPORTED_OPERATORS.map((o) => o.opType));
  for (const suite of ["onnx-node", "onnx-node-extra"]) {
    const dir = join(SHARED_ROOT, "conformance", suite);
    for (const row of readIndex(dir)) {
      if (!row.ops.some((o) => ops.includes(o)) || !row.ops.every((o) => supported.has(o))) continue;
      try {
        const c = loadCase(join(dir, row.test));
        const outs = runModel(c.model, c.inputs);
        bad += c.outputs.reduce((n, e, i) => n + Math.min(1e9, mismatches(outs[i], e).count), 0);
      } catch {
        // Out-of-profile tests are refused with or without the mutant: not evidence either way.
      }
    }
  }
  return bad;
}

describe("mutation guard: the wrong formulas of SEMANTICS.md are caught", function () {
  this.timeout(120_000);
  afterEach(resetFormulas);
  after(releaseSessions);

  it("the canonical formulas pass the same checks (baseline)", async function () {
    for (const name of new Set(MUTANTS.flatMap((m) => m.caughtBy))) {
      const r = await differential(GENERATORS[name], new Rng(GENERATOR_SEEDS[name]), 3000);
      expect(r.mismatched, `${name}: ${r.first}`).to.equal(0);
    }
  });

  for (const m of MUTANTS) {
    it(`${m.name}: the differential check fails`, async function () {
      Object.assign(formulas, m.patch);
      for (const name of m.caughtBy) {
        const r = await differential(GENERATORS[name], new Rng(GENERATOR_SEEDS[name]), 3000);
        expect(r.mismatched, `${name} did not catch "${m.name}"`).to.be.greaterThan(0);
      }
    });
  }

  it("the conformance tests alone catch the mutants their data can reveal", function () {
    if (!existsSync(join(SHARED_ROOT, "conformance"))) {
      if (process.env.CI === "true") throw new Error(`conformance data not found under ${SHARED_ROOT}`);
      console.log(`      SKIPPED: conformance data not found under ${SHARED_ROOT}`);
      this.skip();
    }
    expect(conformanceMismatches(["QuantizeLinear", "MaxPool", "QLinearConv", "QLinearMatMul"])).to.equal(0);
    const seen: string[] = [];
    for (const mt of MUTANTS) {
      Object.assign(formulas, mt.patch);
      const bad = conformanceMismatches(["QuantizeLinear", "MaxPool", "QLinearConv", "QLinearMatMul", "DequantizeLinear"]);
      resetFormulas();
      if (bad > 0) seen.push(mt.name);
    }
    console.log(`      conformance data alone catches: ${seen.join("; ") || "none"}`);
    // The ONNX tests use few, simple values: they catch only some mutants, which is why the
    // differential checks above exist. These two they must catch.
    expect(seen).to.include.members(["QuantizeLinear RNE(f32(q + zp))", "MaxPool int8 padded with 0"]);
  });
});
