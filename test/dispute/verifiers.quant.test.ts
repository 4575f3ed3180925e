/**
 * QuantVerifier (opcodes 1-2): QuantizeLinear and DequantizeLinear steps, per tensor (inline
 * scalars) and per axis (scale and zero point opened at the element's channel), equal the
 * reference operators bit for bit: profile models, NaN / ±Inf / -0 / subnormal / tie inputs,
 * int32 wrap, >= 2,000 seeded random cases per opcode; gas of one step per opcode.
 */
import { expect } from "chai";
import { network } from "hardhat";
import { attr, type SingleNodeSpec } from "../../offchain/engine/onnx/encode.js";
import { DType, numel, type Tensor } from "../../offchain/engine/tensor.js";
import { feedsFor, profileModels, t } from "../engine/support/profile-models.js";
import { checkElements, commitAndRun, printGas, rng, sampleElements, specialFloats, stepGas, type Verifier } from "./support/step-harness.js";

const { ethers } = await network.getOrCreate();

type R = ReturnType<typeof rng>;
const RANGE: Record<number, [number, number]> = {
  [DType.UINT8]: [0, 255],
  [DType.INT8]: [-128, 127],
  [DType.INT32]: [-(2 ** 31), 2 ** 31 - 1],
};

/** A positive normal float32 scale over many binades. */
const randomScale = (r: R): number => Math.fround((0.5 + r.next()) * 2 ** r.int(-30, 20));

function randomFloats(r: R, n: number, scale: number): number[] {
  const specials = specialFloats(scale);
  return Array.from({ length: n }, () => {
    const k = r.int(0, 9);
    if (k === 0) return r.pick(specials);
    // Exact ties (q + 0.5) * s when representable, and values near them.
    if (k < 3) return Math.fround((r.int(-300, 300) + 0.5) * scale);
    if (k < 7) return Math.fround((r.next() - 0.5) * 600 * scale);
    return Math.fround((r.next() - 0.5) * 2 ** r.int(-140, 127));
  });
}

interface QuantCase {
  spec: SingleNodeSpec;
  feeds: Record<string, Tensor>;
}

function quantizeCase(r: R, shape: number[], out: DType, axis: number | undefined, withZp = true, values?: number[]): QuantCase {
  const channels = axis === undefined ? 1 : shape[axis]!;
  const pshape = axis === undefined ? [] : [channels];
  const scales = Array.from({ length: channels }, () => randomScale(r));
  const [lo, hi] = RANGE[out]!;
  const initializers: Record<string, Tensor> = { s: t(DType.FLOAT, pshape, scales) };
  if (withZp) initializers.zp = t(out, pshape, Array.from({ length: channels }, () => r.int(lo, hi)));
  const x = values ?? randomFloats(r, numel(shape), scales[0]!);
  return {
    spec: {
      opType: "QuantizeLinear",
      inputs: [{ name: "x", dtype: DType.FLOAT, shape }],
      initializers,
      outputs: [{ name: "y", dtype: withZp ? out : DType.UINT8, shape }],
      ...(axis === undefined ? {} : { attributes: { axis: attr.int(r.bool() ? axis : axis - shape.length) } }),
    },
    feeds: { x: t(DType.FLOAT, shape, x) },
  };
}

function dequantizeCase(r: R, shape: number[], dtype: DType, axis: number | undefined, withZp = true): QuantCase {
  const channels = axis === undefined ? 1 : shape[axis]!;
  const pshape = axis === undefined ? [] : [channels];
  const [lo, hi] = RANGE[dtype]!;
  const initializers: Record<string, Tensor> = { s: t(DType.FLOAT, pshape, Array.from({ length: channels }, () => randomScale(r))) };
  if (withZp) initializers.zp = t(dtype, pshape, Array.from({ length: channels }, () => (r.bool(0.7) ? r.int(Math.max(lo, -300), Math.min(hi, 300)) : r.int(lo, hi))));
  const x = Array.from({ length: numel(shape) }, () => (r.bool(0.1) ? r.pick([lo, hi, 0]) : r.int(lo, hi)));
  return {
    spec: {
      opType: "DequantizeLinear",
      inputs: [{ name: "x", dtype, shape }],
      initializers,
      outputs: [{ name: "y", dtype: DType.FLOAT, shape }],
      ...(axis === undefined ? {} : { attributes: { axis: attr.int(axis) } }),
    },
    feeds: { x: t(dtype, shape, x) },
  };
}

function randomShape(r: R): number[] {
  return Array.from({ length: r.int(1, 4) }, () => r.int(1, 4));
}

describe("QuantVerifier (opcodes 1-2)", function () {
  this.timeout(600_000);
  let verifier: Verifier;
  const gas = new Map<string, bigint>();
  const all = (n: number): number[] => sampleElements(n, 1e9, 0);

  before(async () => {
    verifier = (await ethers.deployContract("QuantVerifier")) as unknown as Verifier;
  });

  after(() => printGas("QuantVerifier gas per opcode (worst case measured)", gas));

  describe("profile models: every output element equals the reference", () => {
    const models = Object.entries(profileModels()).filter(([, s]) => s.opType === "QuantizeLinear" || s.opType === "DequantizeLinear");
    it("covers QuantizeLinear per tensor, per axis, and DequantizeLinear", () => {
      expect(models.map(([n]) => n)).to.deep.equal(["QuantizeLinear per-tensor", "QuantizeLinear per-axis", "DequantizeLinear"]);
    });
    for (const [name, spec] of models) {
      it(`${name}`, async () => {
        const r = commitAndRun(name, spec, feedsFor(spec));
        await checkElements(verifier, r, all(numel(r.output.shape)));
        const g = await stepGas(verifier, r, [0, numel(r.output.shape) - 1]);
        gas.set(name, g);
        expect(g).to.be.lessThan(150_000n);
      });
    }
  });

  describe("extra cases", () => {
    const r = rng(1);
    for (const out of [DType.UINT8, DType.INT8]) {
      it(`QuantizeLinear to ${out === DType.UINT8 ? "uint8" : "int8"}: NaN, ±Inf, ±0, subnormals, extremes and exact ties`, async () => {
        for (const scale of [1, 0.05, 2 ** -126, 3e-39 * 2 ** 23, 1e30]) {
          const s = Math.fround(scale);
          const values = specialFloats(s);
          const spec: SingleNodeSpec = {
            opType: "QuantizeLinear",
            inputs: [{ name: "x", dtype: DType.FLOAT, shape: [values.length] }],
            initializers: { s: t(DType.FLOAT, [], [s]), zp: t(out, [], [out === DType.UINT8 ? 128 : -3]) },
            outputs: [{ name: "y", dtype: out, shape: [values.length] }],
          };
          const res = commitAndRun(`Quantize specials s=${s}`, spec, { x: t(DType.FLOAT, [values.length], values) });
          // NaN gives the type minimum, not the zero point.
          expect(Number(res.output.data[0])).to.equal(out === DType.UINT8 ? 0 : -128);
          await checkElements(verifier, res, all(values.length));
        }
      });
    }

    for (const axis of [0, 1, 2, 3]) {
      it(`QuantizeLinear per axis ${axis} of a rank-4 tensor (scale and zero point opened per channel)`, async () => {
        const { spec, feeds } = quantizeCase(r, [2, 3, 2, 4], axis % 2 ? DType.INT8 : DType.UINT8, axis);
        await checkElements(verifier, commitAndRun(`Quantize axis ${axis}`, spec, feeds), all(48));
      });
    }

    it("QuantizeLinear per axis without a zero point (uint8 output, zero point 0)", async () => {
      const { spec, feeds } = quantizeCase(r, [3, 5], DType.UINT8, 1, false);
      await checkElements(verifier, commitAndRun("Quantize axis, no zp", spec, feeds), all(15));
    });

    it("QuantizeLinear per tensor without a zero point", async () => {
      const { spec, feeds } = quantizeCase(r, [2, 7], DType.UINT8, undefined, false);
      await checkElements(verifier, commitAndRun("Quantize no zp", spec, feeds), all(14));
    });

    for (const axis of [0, 1, 2]) {
      it(`DequantizeLinear per axis ${axis} (int8, uint8 and int32 inputs)`, async () => {
        for (const dtype of [DType.INT8, DType.UINT8, DType.INT32]) {
          const { spec, feeds } = dequantizeCase(r, [3, 2, 4], dtype, axis);
          await checkElements(verifier, commitAndRun(`Dequantize axis ${axis}`, spec, feeds), all(24));
        }
      });
    }

    it("DequantizeLinear on int32 wraps x - zp and rounds f32(x - zp) before the multiply (|x - zp| > 2^24)", async () => {
      const x = [2 ** 31 - 1, -(2 ** 31), 2 ** 24 + 1, 2 ** 25 + 3, -(2 ** 24) - 1, 0];
      const spec: SingleNodeSpec = {
        opType: "DequantizeLinear",
        inputs: [{ name: "x", dtype: DType.INT32, shape: [6] }],
        initializers: { s: t(DType.FLOAT, [], [Math.fround(0.1)]), zp: t(DType.INT32, [], [-5]) },
        outputs: [{ name: "y", dtype: DType.FLOAT, shape: [6] }],
      };
      await checkElements(verifier, commitAndRun("Dequantize int32 wrap", spec, { x: t(DType.INT32, [6], x) }), all(6));
    });

    it("a large QuantizeLinear (MNIST input, 784 floats, sampled 500) stays under 150k gas", async () => {
      const { spec, feeds } = quantizeCase(r, [1, 1, 28, 28], DType.UINT8, undefined);
      const res = commitAndRun("Quantize 28x28", spec, feeds);
      expect(await checkElements(verifier, res)).to.equal(500);
      gas.set("QuantizeLinear [1,1,28,28]", await stepGas(verifier, res, [0, 783]));
    });
  });

  describe("differential: >= 2,000 seeded random cases per opcode", () => {
    for (const op of ["QuantizeLinear", "DequantizeLinear"] as const) {
      it(`${op}`, async () => {
        const r = rng(op === "QuantizeLinear" ? 3001 : 3002);
        let cases = 0;
        let models = 0;
        while (cases < 2000) {
          const shape = randomShape(r);
          const axis = r.bool(0.5) ? r.int(0, shape.length - 1) : undefined;
          const withZp = r.bool(0.85);
          const { spec, feeds } =
            op === "QuantizeLinear"
              ? quantizeCase(r, shape, r.pick([DType.UINT8, DType.INT8]), axis, withZp)
              : dequantizeCase(r, shape, r.pick([DType.UINT8, DType.INT8, DType.INT32]), axis, withZp);
          const res = commitAndRun(`${op} random #${models}`, spec, feeds);
          cases += await checkElements(verifier, res, sampleElements(numel(res.output.shape), 40, models), 40);
          models++;
        }
        console.log(`        ${op}: ${cases} cases over ${models} random models`);
      });
    }
  });
});
