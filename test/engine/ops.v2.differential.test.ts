/**
 * The version-2 candidates (docs/SPEC.md, "Version-2 candidates"): com.microsoft QLinearAdd,
 * QLinearMul, QLinearAveragePool, QLinearGlobalAveragePool and integer Div by a constant.
 * - Seeded differential cases against onnxruntime-node 1.30, bit for bit; a case is one output
 *   element; at least 10,000 per operator (VERINFER_DIFF_CASES raises it).
 * - QLinearAveragePool's partial values of single output elements follow the documented order
 *   and end in the full operator's output.
 * - The SPEC's test vectors.
 * - ONNX conformance: ../shared (VERINFER_SHARED) holds node tests for Div only; every one of them
 *   must pass bit for bit (integer and float).
 */
import { expect } from "chai";
import { join } from "node:path";
import { getOperator, getPoolAccumulation } from "../../offchain/engine/ops/index.js";
import { DType, type Tensor } from "../../offchain/engine/tensor.js";
import { mismatches } from "./support/compare.js";
import { loadCase, readIndex, runModel } from "./support/conformance.js";
import { differential, scalarT, vectorT } from "./support/differential.js";
import { V2_GENERATORS } from "./support/generators-v2.js";
import { releaseSessions } from "./support/ort.js";
import { Rng } from "./support/prng.js";
import { requireShared } from "./support/shared.js";

const TARGET = Math.max(10_000, Number(process.env.VERINFER_DIFF_CASES ?? 10_000));
const f32 = Math.fround;

describe("version-2 candidates: reference interpreter vs onnxruntime-node", function () {
  this.timeout(180_000);
  after(releaseSessions);

  Object.entries(V2_GENERATORS).forEach(([name, gen], i) => {
    it(`${name}: ${TARGET} random cases match bit for bit`, async function () {
      const r = await differential(gen, new Rng(0x2e2d0000 + i), TARGET);
      console.log(`      ${name}: ${r.cases} cases (output elements) in ${r.runs} runs, ${r.mismatched} mismatched`);
      expect(r.mismatched, r.first).to.equal(0);
      expect(r.cases).to.be.at.least(TARGET);
    });
  });
});

describe("version-2 candidates: QLinearAveragePool partial values", function () {
  it("every traced element ends in the full output; partials follow the documented steps", function () {
    const rng = new Rng(0xa7e);
    const run = getOperator("com.microsoft", "QLinearAveragePool")!;
    const trace = getPoolAccumulation("com.microsoft", "QLinearAveragePool")!;
    let traced = 0;
    for (let i = 0; i < 120; i++) {
      const c = V2_GENERATORS.QLinearAveragePool(rng);
      const inputs = (c.spec.nodeInputs ?? c.spec.inputs.map((v) => v.name)).map((n) => (n === "" ? undefined : c.feeds[n]));
      while (inputs.length > 0 && inputs[inputs.length - 1] === undefined) inputs.pop();
      const attrs = c.spec.attributes ?? {};
      const [y] = run(inputs, attrs);
      const x = inputs[0]!.data as unknown as ArrayLike<number>;
      const xs = (inputs[1]!.data as Float32Array)[0];
      const xz = inputs[2] === undefined ? 0 : (inputs[2].data as unknown as ArrayLike<number>)[0];
      let length: number | undefined;
      for (let k = 0; k < 6; k++) {
        const o = rng.int(0, y.data.length - 1);
        const acc = trace(inputs, attrs, o);
        expect(acc.output, `output ${o}`).to.equal((y.data as unknown as ArrayLike<number>)[acc.outputPosition]);
        length ??= acc.terms.length;
        expect(acc.terms.length, "K does not depend on the element").to.equal(length);
        let p = 0;
        acc.terms.forEach((t, j) => {
          if (t.kind === "add") {
            expect(t.value).to.equal(x[t.index]);
            p = acc.path === "integer" ? (p + t.value - xz) | 0 : f32(p + f32(xs * (t.value - xz)));
          }
          expect(acc.partials[j], `p_${j + 1}`).to.equal(p);
        });
        traced++;
      }
    }
    expect(traced).to.equal(720);
  });
});

describe("version-2 candidates: docs/SPEC.md test vectors", function () {
  const u8 = (v: number): Tensor => scalarT(DType.UINT8, v);
  const s = (v: number): Tensor => scalarT(DType.FLOAT, v);
  const op = (name: string, domain = "com.microsoft") => getOperator(domain, name)!;
  const data = (t: Tensor): number[] => Array.from(t.data as unknown as ArrayLike<number>);

  it("QLinearMul: the zero point is added before rounding; a huge product gives the type minimum", function () {
    // (114 - 0)(254 - 255) * 0.25 = -28.5; f32(-28.5 + 165) = 136.5 -> 136 (RNE of the sum, not 137)
    expect(data(op("QLinearMul")([vectorT(DType.UINT8, [114]), s(0.0625), u8(0), vectorT(DType.UINT8, [254]), s(2), u8(255), s(0.5), u8(165)], {})[0])).to.deep.equal([136]);
    // 127 * 127 * 2^20 >= 2^31: x86 cvtps2dq gives INT_MIN, saturated to 0 (not 255)
    expect(data(op("QLinearMul")([vectorT(DType.UINT8, [255]), s(1), u8(128), vectorT(DType.UINT8, [255]), s(1), u8(128), s(2 ** -20), u8(0)], {})[0])).to.deep.equal([0]);
  });

  it("QLinearAdd: operands swap when A is the span scalar (same values, another shape, another result)", function () {
    const args = (a: Tensor, b: Tensor) => [a, s(0.035065747797489166), u8(247), b, s(0.0008317354368045926), u8(84), s(0.006127016618847847), u8(19)];
    const b = vectorT(DType.UINT8, [104, 104]);
    expect(data(op("QLinearAdd")(args(vectorT(DType.UINT8, [255]), b), {})[0])).to.deep.equal([67, 67]);
    expect(data(op("QLinearAdd")(args(vectorT(DType.UINT8, [255, 255]), b), {})[0])).to.deep.equal([68, 68]);
  });

  it("QLinearAveragePool: zero point before rounding; count_include_pad divides by the kernel size", function () {
    const x = { dtype: DType.UINT8, shape: [1, 1, 2], data: new Uint8Array([1, 2]) };
    // 1-D, kernel 2, pads [1, 0]: windows [pad, 1] and [1, 2]; xs = ys = 1, zero points 0
    const y0 = op("QLinearAveragePool")([x, s(1), u8(0), s(1), u8(0)], { kernel_shape: { kind: "ints", value: [2] }, pads: { kind: "ints", value: [1, 0] } });
    expect(data(y0[0])).to.deep.equal([1, 2]); // 1/1 = 1; 3/2 = 1.5 -> 2
    const y1 = op("QLinearAveragePool")([x, s(1), u8(0), s(1), u8(1)], { kernel_shape: { kind: "ints", value: [2] }, pads: { kind: "ints", value: [1, 0] }, count_include_pad: { kind: "int", value: 1 } });
    expect(data(y1[0])).to.deep.equal([2, 2]); // f32(0.5 + 1) = 1.5 -> 2; f32(1.5 + 1) = 2.5 -> 2
  });

  it("Div: truncates toward zero; refuses x / 0 and INT_MIN / -1", function () {
    const div = op("Div", "");
    expect(data(div([vectorT(DType.INT32, [7, -7, 7, -7]), vectorT(DType.INT32, [2, 2, -2, -2])], {})[0])).to.deep.equal([3, -3, -3, 3]);
    expect(data(div([vectorT(DType.INT8, [-128]), vectorT(DType.INT8, [-1])], {})[0])).to.deep.equal([-128]);
    expect(() => div([vectorT(DType.INT32, [1]), vectorT(DType.INT32, [0])], {})).to.throw(/division by zero/);
    expect(() => div([vectorT(DType.INT32, [-2147483648]), vectorT(DType.INT32, [-1])], {})).to.throw(/INT_MIN/);
  });
});

describe("version-2 candidates: ONNX conformance (Div)", function () {
  it("every Div node test of ../shared passes bit for bit", function () {
    let passed = 0;
    const failures: string[] = [];
    for (const suite of ["onnx-node", "onnx-node-extra"]) {
      const dir = requireShared(this, join("conformance", suite));
      for (const row of readIndex(dir).filter((r) => r.ops.length === 1 && r.ops[0] === "Div")) {
        try {
          const c = loadCase(join(dir, row.test));
          const outs = runModel(c.model, c.inputs);
          const bad = c.outputs.map((e, i) => mismatches(outs[i], e)).filter((m) => m.count !== 0);
          if (bad.length === 0) passed++;
          else failures.push(`${row.test}: ${bad[0].first}`);
        } catch (e) {
          failures.push(`${row.test}: ${(e as Error).message}`);
        }
      }
    }
    console.log(`      Div conformance: ${passed} passed bit-exact`);
    expect(failures, failures.join("\n")).to.deep.equal([]);
    expect(passed).to.be.greaterThan(0);
  });
});
