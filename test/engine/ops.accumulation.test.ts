/**
 * Accumulation traces (level 3 of the dispute game): for every accumulating operator, the trace of
 * an output element must end in exactly the full operator's output, its partial values must follow
 * from p_0 and the terms by the documented step, its operands must be the inputs' elements at the
 * stated indices, and its length must not depend on the data. The documented order is pinned by a
 * hand-computed example.
 */
import { expect } from "chai";
import { type Accumulation, getAccumulation, getOperator } from "../../offchain/engine/ops/index.js";
import { DType, type Tensor } from "../../offchain/engine/tensor.js";
import { fill, scalarT, vectorT } from "./support/differential.js";
import { GENERATORS } from "./support/generators.js";
import { Rng } from "./support/prng.js";

const ACCUMULATING = ["QLinearConv", "ConvInteger", "QLinearMatMul", "MatMulInteger", "QGemm", "MaxPool"];

function nodeInputs(c: ReturnType<(typeof GENERATORS)[string]>): (Tensor | undefined)[] {
  const names = c.spec.nodeInputs ?? [...c.spec.inputs.map((v) => v.name), ...Object.keys(c.spec.initializers ?? {})];
  return names.map((n) => (n === "" ? undefined : c.feeds[n]));
}

function checkTrace(acc: Accumulation, inputs: readonly (Tensor | undefined)[], opType: string): void {
  let p = acc.start;
  expect(acc.partials.length).to.equal(acc.terms.length);
  acc.terms.forEach((t, k) => {
    if (t.kind === "product") {
      expect(t.a).to.equal((inputs[0]!.data as unknown as number[])[t.aIndex]);
      const bInput = opType === "ConvInteger" || opType === "MatMulInteger" ? inputs[1] : inputs[3];
      expect(t.b).to.equal((bInput!.data as unknown as number[])[t.bIndex]);
      p = (p + (t.a - acc.aZeroPoint) * (t.b - acc.bZeroPoint)) | 0;
    } else if (t.kind === "compare") {
      expect(t.value).to.equal((inputs[0]!.data as unknown as number[])[t.index]);
      p = Math.max(p, t.value);
    }
    expect(acc.partials[k], `p_${k + 1}`).to.equal(p);
  });
}

describe("accumulation traces", function () {
  this.timeout(60_000);

  for (const opType of ACCUMULATING) {
    it(`${opType}: every traced output equals the full operator's output, partials follow the terms`, function () {
      const gen = GENERATORS[opType];
      const rng = new Rng(0xacc + opType.length);
      const domain = opType === "QGemm" ? "com.microsoft" : "";
      const run = getOperator(domain, opType)!;
      const trace = getAccumulation(domain, opType)!;
      let traced = 0;
      for (let i = 0; i < 80; i++) {
        const c = gen(rng);
        const inputs = nodeInputs(c);
        while (inputs.length > 0 && inputs[inputs.length - 1] === undefined) inputs.pop();
        const attrs = c.spec.attributes ?? {};
        const [y] = run(inputs, attrs);
        const n = y.data.length;
        const picks = n <= 24 ? [...Array(n).keys()] : Array.from({ length: 24 }, () => rng.int(0, n - 1));
        let length: number | undefined;
        for (const o of picks) {
          const acc = trace(inputs, attrs, o);
          expect(acc.outputIndex).to.equal(o);
          expect(acc.output, `${opType} output ${o}`).to.equal((y.data as unknown as number[])[o]);
          checkTrace(acc, inputs, opType);
          length ??= acc.terms.length;
          expect(acc.terms.length, "K depends only on the node").to.equal(length);
          traced++;
        }
      }
      expect(traced).to.be.greaterThan(500);
    });
  }

  it("QLinearConv: the order is input channel within the group, then kernel taps row-major; padding kept", function () {
    // x [1, 2, 2, 2], w [1, 2, 2, 2], pads 1 on top/left only: output (0,0) sees only x[.,0,0].
    const x = fill(DType.UINT8, [1, 2, 2, 2], (i) => 10 + i);
    const w = fill(DType.INT8, [1, 2, 2, 2], (i) => i + 1);
    const inputs = [x, scalarT(DType.FLOAT, 1), scalarT(DType.UINT8, 0), w, scalarT(DType.FLOAT, 1), scalarT(DType.INT8, 0), scalarT(DType.FLOAT, 64), scalarT(DType.UINT8, 0), vectorT(DType.INT32, [7])];
    const acc = getAccumulation("", "QLinearConv")!(inputs, { pads: { kind: "ints", value: [1, 1, 0, 0] } }, 0);
    expect(acc.start).to.equal(7);
    expect(acc.startIndex).to.equal(0);
    expect(acc.terms).to.deep.equal([
      { kind: "padding" }, // ci 0, tap (0,0) -> input (-1,-1)
      { kind: "padding" }, // ci 0, tap (0,1) -> input (-1, 0)
      { kind: "padding" }, // ci 0, tap (1,0) -> input (0, -1)
      { kind: "product", aIndex: 0, a: 10, bIndex: 3, b: 4 }, // ci 0, tap (1,1) -> input (0,0)
      { kind: "padding" },
      { kind: "padding" },
      { kind: "padding" },
      { kind: "product", aIndex: 4, a: 14, bIndex: 7, b: 8 }, // ci 1, tap (1,1)
    ]);
    expect(acc.partials).to.deep.equal([7, 7, 7, 47, 47, 47, 47, 159]);
    expect(acc.output).to.equal(2); // 159 / 64 = 2.48 -> 2
  });

  it("MatMulInteger / QGemm: k ascending, C[m,n] first, transposes map the operand indices", function () {
    const a = fill(DType.UINT8, [2, 3], (i) => i + 1); // [[1,2,3],[4,5,6]]
    const b = fill(DType.UINT8, [3, 2], (i) => i); // [[0,1],[2,3],[4,5]]
    const mm = getAccumulation("", "MatMulInteger")!([a, b], {}, 3); // (m=1, n=1)
    expect(mm.terms.map((t) => (t.kind === "product" ? [t.aIndex, t.bIndex] : []))).to.deep.equal([[3, 1], [4, 3], [5, 5]]);
    expect(mm.partials).to.deep.equal([4, 19, 49]);
    // QGemm with transB: B' is [N=2, K=3], C = [100, 200] broadcast per column.
    const bt = fill(DType.UINT8, [2, 3], (i) => [0, 2, 4, 1, 3, 5][i]);
    const q = getAccumulation("com.microsoft", "QGemm")!(
      [a, scalarT(DType.FLOAT, 1), scalarT(DType.UINT8, 0), bt, scalarT(DType.FLOAT, 1), scalarT(DType.UINT8, 0), vectorT(DType.INT32, [100, 200])],
      { transB: { kind: "int", value: 1 } },
      3,
    );
    expect(q.start).to.equal(200);
    expect(q.startIndex).to.equal(1);
    expect(q.terms.map((t) => (t.kind === "product" ? [t.aIndex, t.bIndex] : []))).to.deep.equal([[3, 3], [4, 4], [5, 5]]);
    expect(q.partials).to.deep.equal([204, 219, 249]);
    expect(q.output).to.equal(249); // float output (no y_zero_point): f32(249 * 1)
  });

  it("MaxPool: p_0 is the type minimum and a window entirely in the padding outputs it", function () {
    const x = fill(DType.INT8, [1, 1, 1, 2], () => -100);
    const attrs = { kernel_shape: { kind: "ints", value: [1, 2] }, pads: { kind: "ints", value: [0, 2, 0, 0] }, strides: { kind: "ints", value: [1, 2] } } as const;
    const acc = getAccumulation("", "MaxPool")!([x], attrs, 0);
    expect(acc.start).to.equal(-128);
    expect(acc.terms).to.deep.equal([{ kind: "padding" }, { kind: "padding" }]);
    expect(acc.output).to.equal(-128);
    expect(getAccumulation("", "MaxPool")!([x], attrs, 1).output).to.equal(-100);
  });
});
