/**
 * Randomized differential tests: the reference interpreter against onnxruntime-node 1.30, bit for
 * bit, on single-node models with random shapes, attributes, zero points (range ends included),
 * scales (huge, tiny, powers of two for exact ties, searched ties) and extreme data. A "case" is
 * one output element; every session run draws fresh data and fresh quantization parameters, and
 * sessions are cached by their model bytes. Default: at least 10,000 cases per operator;
 * VERINFER_DIFF_CASES raises it.
 */
import { expect } from "chai";
import { differential } from "./support/differential.js";
import { GENERATORS } from "./support/generators.js";
import { releaseSessions } from "./support/ort.js";
import { Rng } from "./support/prng.js";

const TARGET = Math.max(10_000, Number(process.env.VERINFER_DIFF_CASES ?? 10_000));

describe("differential: reference interpreter vs onnxruntime-node", function () {
  this.timeout(120_000);
  after(releaseSessions);

  Object.entries(GENERATORS).forEach(([name, gen], i) => {
    it(`${name}: ${TARGET} random cases match bit for bit`, async function () {
      const r = await differential(gen, new Rng(0x5eed0000 + i), TARGET);
      console.log(`      ${name}: ${r.cases} cases (output elements) in ${r.runs} runs, ${r.mismatched} mismatched`);
      expect(r.mismatched, r.first).to.equal(0);
      expect(r.cases).to.be.at.least(TARGET);
    });
  });
});
