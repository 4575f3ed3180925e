/**
 * ElementwiseVerifier (opcodes 9-14): the on-chain step equals the reference operator on every
 * output element of the profile models and of extra shapes, and on >= 2,000 seeded random cases
 * per opcode; gas of one step per opcode.
 */
import { expect } from "chai";
import { network } from "hardhat";
import { attr, type SingleNodeSpec } from "../../offchain/engine/onnx/encode.js";
import { broadcastShapes } from "../../offchain/engine/ops/broadcast.js";
import { DType, numel, type Tensor } from "../../offchain/engine/tensor.js";
import { feedsFor, profileModels, t } from "../engine/support/profile-models.js";
import { checkElements, commitAndRun, printGas, rng, sampleElements, stepGas, type Verifier } from "./support/step-harness.js";

const { ethers } = await network.getOrCreate();

const OPS = ["Add", "Sub", "Mul", "Relu", "Clip", "Cast"] as const;
const INT32_MIN = -2147483648;
const INT32_MAX = 2147483647;
const RANGE: Record<number, [number, number]> = {
  [DType.UINT8]: [0, 255],
  [DType.INT8]: [-128, 127],
  [DType.INT32]: [INT32_MIN, INT32_MAX],
};

type R = ReturnType<typeof rng>;

function randomInts(r: R, dtype: DType, n: number): (number | bigint)[] {
  if (dtype === DType.INT64) {
    return Array.from({ length: n }, () => {
      const k = r.int(0, 3);
      if (k === 0) return BigInt(r.int(-300, 300));
      if (k === 1) return r.pick([-(2n ** 63n), 2n ** 63n - 1n, 2n ** 32n, -(2n ** 31n) - 1n, 2n ** 31n]);
      return BigInt.asIntN(64, (BigInt(r.int(0, 2 ** 31 - 1)) << 33n) ^ BigInt(r.int(0, 2 ** 31 - 1)) ^ (BigInt(r.int(0, 3)) << 62n));
    });
  }
  const [lo, hi] = RANGE[dtype]!;
  return Array.from({ length: n }, () => {
    const k = r.int(0, 9);
    if (k === 0) return r.pick([lo, hi, 0, -1 < lo ? 0 : -1, 1]);
    if (k < 4) return r.int(Math.max(lo, -300), Math.min(hi, 300));
    return r.int(lo, hi);
  });
}

const tensorOf = (dtype: DType, shape: number[], values: (number | bigint)[]): Tensor =>
  t(dtype, shape, dtype === DType.INT64 ? values.map((v) => BigInt(v)) : values.map((v) => Number(v)));

function randomShape(r: R, maxRank = 4, maxDim = 4): number[] {
  return Array.from({ length: r.int(0, maxRank) }, () => r.int(1, maxDim));
}

/** A random Add/Sub/Mul model on int32 whose input shapes broadcast (ranks and 1-dims vary). */
function randomBinary(r: R, op: "Add" | "Sub" | "Mul"): { spec: SingleNodeSpec; feeds: Record<string, Tensor> } {
  const base = Array.from({ length: r.int(0, 4) }, () => r.int(1, 4));
  const sub = (): number[] => base.slice(base.length - r.int(0, base.length)).map((d) => (r.bool(0.3) ? 1 : d));
  const a = sub();
  const b = sub();
  const out = broadcastShapes(op, a, b);
  const spec: SingleNodeSpec = {
    opType: op,
    inputs: [{ name: "a", dtype: DType.INT32, shape: a }, { name: "b", dtype: DType.INT32, shape: b }],
    outputs: [{ name: "y", dtype: DType.INT32, shape: out }],
  };
  return { spec, feeds: { a: tensorOf(DType.INT32, a, randomInts(r, DType.INT32, numel(a))), b: tensorOf(DType.INT32, b, randomInts(r, DType.INT32, numel(b))) } };
}

function randomUnary(r: R, op: "Relu" | "Clip" | "Cast"): { spec: SingleNodeSpec; feeds: Record<string, Tensor> } {
  const shape = randomShape(r);
  if (op === "Relu") {
    const dtype = r.pick([DType.INT8, DType.INT32]);
    return {
      spec: { opType: op, inputs: [{ name: "x", dtype, shape }], outputs: [{ name: "y", dtype, shape }] },
      feeds: { x: tensorOf(dtype, shape, randomInts(r, dtype, numel(shape))) },
    };
  }
  if (op === "Clip") {
    const dtype = r.pick([DType.UINT8, DType.INT8, DType.INT32]);
    const [lo, hi] = RANGE[dtype]!;
    const bound = (): number => (r.bool(0.3) ? r.int(lo, hi) : r.int(Math.max(lo, -50), Math.min(hi, 80)));
    const initializers: Record<string, Tensor> = {};
    const nodeInputs = ["x"];
    const withMin = r.bool(0.8);
    const withMax = r.bool(0.8);
    if (withMin) initializers.lo = t(dtype, r.bool() ? [] : [1], [bound()]);
    if (withMax) initializers.hi = t(dtype, r.bool() ? [] : [1], [bound()]);
    if (withMin || withMax) nodeInputs.push(withMin ? "lo" : "");
    if (withMax) nodeInputs.push("hi");
    return {
      spec: { opType: op, inputs: [{ name: "x", dtype, shape }], initializers, nodeInputs, outputs: [{ name: "y", dtype, shape }] },
      feeds: { x: tensorOf(dtype, shape, randomInts(r, dtype, numel(shape))) },
    };
  }
  const types = [DType.UINT8, DType.INT8, DType.INT32, DType.INT64];
  const from = r.pick(types);
  const to = r.pick(types);
  return {
    spec: { opType: op, inputs: [{ name: "x", dtype: from, shape }], outputs: [{ name: "y", dtype: to, shape }], attributes: { to: attr.int(to) } },
    feeds: { x: tensorOf(from, shape, randomInts(r, from, numel(shape))) },
  };
}

describe("ElementwiseVerifier (opcodes 9-14)", function () {
  this.timeout(600_000);
  let verifier: Verifier;
  const gas = new Map<string, bigint>();

  before(async () => {
    verifier = (await ethers.deployContract("ElementwiseVerifier")) as unknown as Verifier;
  });

  after(() => printGas("ElementwiseVerifier gas per opcode (worst case measured)", gas));

  describe("profile models: every output element equals the reference", () => {
    const models = Object.entries(profileModels()).filter(([, s]) => (OPS as readonly string[]).includes(s.opType));
    it("covers Add, Sub, Mul, Relu, Clip and Cast", () => {
      expect(new Set(models.map(([, s]) => s.opType))).to.deep.equal(new Set(OPS));
    });
    for (const [name, spec] of models) {
      it(`${name}`, async () => {
        const r = commitAndRun(name, spec, feedsFor(spec));
        await checkElements(verifier, r, sampleElements(numel(r.output.shape), 1e9, 0));
        const g = await stepGas(verifier, r, [0, numel(r.output.shape) - 1]);
        gas.set(`${spec.opType} (${name})`, g);
        expect(g).to.be.lessThan(150_000n);
      });
    }
  });

  describe("extra shapes", () => {
    const r = rng(9);
    const cases: [string, number[], number[]][] = [
      ["scalar + rank 4", [], [2, 3, 1, 4]],
      ["rank 4 + scalar", [2, 1, 3, 2], []],
      ["[4,1,3] + [2,1]", [4, 1, 3], [2, 1]],
      ["[1,3,1,5] + [2,1,4,1]", [1, 3, 1, 5], [2, 1, 4, 1]],
      ["[3] + [2,3]", [3], [2, 3]],
      ["[1] + [1,1,1]", [1], [1, 1, 1]],
      ["[2,3,4] + [2,3,4]", [2, 3, 4], [2, 3, 4]],
    ];
    for (const op of ["Add", "Sub", "Mul"] as const) {
      for (const [label, a, b] of cases) {
        it(`${op} int32 ${label}, with int32 wrap at the extremes`, async () => {
          const out = broadcastShapes(op, a, b);
          const spec: SingleNodeSpec = {
            opType: op,
            inputs: [{ name: "a", dtype: DType.INT32, shape: a }, { name: "b", dtype: DType.INT32, shape: b }],
            outputs: [{ name: "y", dtype: DType.INT32, shape: out }],
          };
          const feeds = { a: tensorOf(DType.INT32, a, randomInts(r, DType.INT32, numel(a))), b: tensorOf(DType.INT32, b, randomInts(r, DType.INT32, numel(b))) };
          await checkElements(verifier, commitAndRun(`${op} ${label}`, spec, feeds), sampleElements(numel(out), 1e9, 0));
        });
      }
    }

    it("Mul wraps products beyond 2^53 exactly (INT32_MIN * INT32_MIN, MAX * MAX, MIN * -1)", async () => {
      const a = [INT32_MIN, INT32_MAX, INT32_MIN, 65536, -65537, 46341];
      const b = [INT32_MIN, INT32_MAX, -1, 65536, 65537, 46341];
      const spec: SingleNodeSpec = {
        opType: "Mul",
        inputs: [{ name: "a", dtype: DType.INT32, shape: [6] }, { name: "b", dtype: DType.INT32, shape: [6] }],
        outputs: [{ name: "y", dtype: DType.INT32, shape: [6] }],
      };
      const res = commitAndRun("Mul extremes", spec, { a: t(DType.INT32, [6], a), b: t(DType.INT32, [6], b) });
      expect(Array.from(res.output.data as Int32Array)).to.deep.equal([0, 1, INT32_MIN, 0, Math.imul(-65537, 65537), Math.imul(46341, 46341)]);
      await checkElements(verifier, res);
    });

    it("Clip with lo > hi gives hi everywhere; Cast int64 -> int8 keeps the low byte", async () => {
      const clip: SingleNodeSpec = {
        opType: "Clip",
        inputs: [{ name: "x", dtype: DType.INT32, shape: [5] }],
        initializers: { lo: t(DType.INT32, [], [10]), hi: t(DType.INT32, [], [-10]) },
        outputs: [{ name: "y", dtype: DType.INT32, shape: [5] }],
      };
      const rc = commitAndRun("Clip lo > hi", clip, { x: t(DType.INT32, [5], [-100, -10, 0, 10, 100]) });
      expect(Array.from(rc.output.data as Int32Array)).to.deep.equal([-10, -10, -10, -10, -10]);
      await checkElements(verifier, rc);
      const cast: SingleNodeSpec = {
        opType: "Cast",
        inputs: [{ name: "x", dtype: DType.INT64, shape: [4] }],
        outputs: [{ name: "y", dtype: DType.INT8, shape: [4] }],
        attributes: { to: attr.int(DType.INT8) },
      };
      const values = [2n ** 63n - 1n, -(2n ** 63n), 0x1234_5678_9abc_de80n, -129n];
      await checkElements(verifier, commitAndRun("Cast int64 -> int8", cast, { x: t(DType.INT64, [4], values) }));
    });
  });

  describe("differential: >= 2,000 seeded random cases per opcode", () => {
    for (const [k, op] of OPS.entries()) {
      it(`${op}`, async () => {
        const r = rng(1000 + k);
        let cases = 0;
        let models = 0;
        while (cases < 2000) {
          const { spec, feeds } = op === "Add" || op === "Sub" || op === "Mul" ? randomBinary(r, op) : randomUnary(r, op);
          const res = commitAndRun(`${op} random #${models}`, spec, feeds);
          const n = numel(res.output.shape);
          cases += await checkElements(verifier, res, sampleElements(n, 40, models), 40);
          models++;
        }
        console.log(`        ${op}: ${cases} cases over ${models} random models`);
      });
    }
  });
});
