/**
 * LayoutVerifier (opcodes 15-21): the on-chain index map and the proven element equal the
 * reference operator on every output element of the profile models and of extra shapes (rank 3-4
 * transposes, 3-input concats on every axis, gathers on axes 0 and 1 with negative indices), on
 * >= 2,000 seeded random cases per opcode; gas of one step per opcode.
 */
import { expect } from "chai";
import { network } from "hardhat";
import { attr, type SingleNodeSpec } from "../../offchain/engine/onnx/encode.js";
import { DType, numel, type Tensor } from "../../offchain/engine/tensor.js";
import { feedsFor, i64s, profileModels, t } from "../engine/support/profile-models.js";
import { checkElements, commitAndRun, printGas, rng, sampleElements, stepGas, type Verifier } from "./support/step-harness.js";

const { ethers } = await network.getOrCreate();

const OPS = ["Reshape", "Flatten", "Squeeze", "Unsqueeze", "Transpose", "Concat", "Gather"] as const;
const DTYPES = [DType.FLOAT, DType.UINT8, DType.INT8, DType.INT32, DType.INT64];

type R = ReturnType<typeof rng>;

function randomTensor(r: R, dtype: DType, shape: readonly number[]): Tensor {
  const n = numel(shape);
  if (dtype === DType.INT64) return t(dtype, shape, Array.from({ length: n }, () => BigInt(r.int(-(2 ** 31), 2 ** 31 - 1)) * BigInt(r.int(-(2 ** 20), 2 ** 20))));
  if (dtype === DType.FLOAT) return t(dtype, shape, Array.from({ length: n }, () => (r.bool(0.05) ? r.pick([NaN, Infinity, -Infinity, -0]) : (r.next() - 0.5) * 10 ** r.int(-40, 38))));
  const [lo, hi] = dtype === DType.UINT8 ? [0, 255] : dtype === DType.INT8 ? [-128, 127] : [-(2 ** 31), 2 ** 31 - 1];
  return t(dtype, shape, Array.from({ length: n }, () => r.int(lo, hi)));
}

function permutations(n: number): number[][] {
  if (n === 0) return [[]];
  return permutations(n - 1).flatMap((p) => Array.from({ length: n }, (_, i) => [...p.slice(0, i), n - 1, ...p.slice(i)]));
}

function shuffle<T>(r: R, xs: readonly T[]): T[] {
  const a = [...xs];
  for (let i = a.length - 1; i > 0; i--) {
    const j = r.int(0, i);
    [a[i], a[j]] = [a[j]!, a[i]!];
  }
  return a;
}

const unarySpec = (opType: string, dtype: DType, shape: number[], outShape: number[], extra: Partial<SingleNodeSpec> = {}): SingleNodeSpec => ({
  opType,
  inputs: [{ name: "x", dtype, shape }],
  outputs: [{ name: "y", dtype, shape: outShape }],
  ...extra,
});

function transposeCase(r: R, dtype: DType, shape: number[], perm: number[]) {
  const spec = unarySpec("Transpose", dtype, shape, perm.map((p) => shape[p]!), { attributes: { perm: attr.ints(perm) } });
  return { spec, feeds: { x: randomTensor(r, dtype, shape) } };
}

function concatCase(r: R, dtype: DType, base: number[], axis: number, sizes: number[], axisAttr = axis) {
  const inputs = sizes.map((s, i) => ({ name: `x${i}`, dtype, shape: base.map((d, k) => (k === axis ? s : d)) }));
  const spec: SingleNodeSpec = {
    opType: "Concat",
    inputs,
    outputs: [{ name: "y", dtype, shape: base.map((d, k) => (k === axis ? sizes.reduce((a, b) => a + b, 0) : d)) }],
    attributes: { axis: attr.int(axisAttr) },
  };
  return { spec, feeds: Object.fromEntries(inputs.map((v) => [v.name, randomTensor(r, dtype, v.shape as number[])])) };
}

function gatherCase(r: R, dtype: DType, data: number[], axis: number, idxShape: number[], idxType: DType, axisAttr = axis) {
  const size = data[axis]!;
  const idx = Array.from({ length: numel(idxShape) }, () => r.int(-size, size - 1));
  const spec: SingleNodeSpec = {
    opType: "Gather",
    inputs: [{ name: "x", dtype, shape: data }],
    initializers: { idx: t(idxType, idxShape, idxType === DType.INT64 ? idx.map(BigInt) : idx) },
    outputs: [{ name: "y", dtype, shape: [...data.slice(0, axis), ...idxShape, ...data.slice(axis + 1)] }],
    attributes: { axis: attr.int(axisAttr) },
  };
  return { spec, feeds: { x: randomTensor(r, dtype, data) } };
}

function randomCase(r: R, op: (typeof OPS)[number]): { spec: SingleNodeSpec; feeds: Record<string, Tensor> } {
  const dtype = r.pick(DTYPES);
  const shape = Array.from({ length: r.int(1, 4) }, () => r.int(1, 4));
  switch (op) {
    case "Reshape": {
      const target = shuffle(r, shape);
      const requested = target.map((d, i) => (i === 0 && r.bool(0.3) ? -1 : d));
      return { spec: unarySpec(op, dtype, shape, target, { initializers: { shape: i64s(requested) } }), feeds: { x: randomTensor(r, dtype, shape) } };
    }
    case "Flatten": {
      const axis = r.int(0, shape.length);
      const out = [numel(shape.slice(0, axis)), numel(shape.slice(axis))];
      return { spec: unarySpec(op, dtype, shape, out, { attributes: { axis: attr.int(r.bool() || axis === shape.length ? axis : axis - shape.length) } }), feeds: { x: randomTensor(r, dtype, shape) } };
    }
    case "Squeeze": {
      const at = r.int(0, shape.length);
      const withOne = [...shape.slice(0, at), 1, ...shape.slice(at)];
      const out = withOne.filter((_, i) => i !== at);
      return { spec: unarySpec(op, dtype, withOne, out, { initializers: { axes: i64s([r.bool() ? at : at - withOne.length]) } }), feeds: { x: randomTensor(r, dtype, withOne) } };
    }
    case "Unsqueeze": {
      const at = r.int(0, shape.length);
      const out = [...shape.slice(0, at), 1, ...shape.slice(at)];
      return { spec: unarySpec(op, dtype, shape, out, { initializers: { axes: i64s([r.bool() ? at : at - out.length]) } }), feeds: { x: randomTensor(r, dtype, shape) } };
    }
    case "Transpose":
      return transposeCase(r, dtype, shape, shuffle(r, shape.map((_, i) => i)));
    case "Concat": {
      const axis = r.int(0, shape.length - 1);
      const sizes = Array.from({ length: r.int(1, 4) }, () => r.int(1, 3));
      return concatCase(r, dtype, shape, axis, sizes, r.bool() ? axis : axis - shape.length);
    }
    case "Gather": {
      const axis = r.int(0, shape.length - 1);
      const idxShape = Array.from({ length: r.int(0, 2) }, () => r.int(1, 3));
      return gatherCase(r, dtype, shape, axis, idxShape, r.pick([DType.INT64, DType.INT32]), r.bool() ? axis : axis - shape.length);
    }
  }
}

describe("LayoutVerifier (opcodes 15-21)", function () {
  this.timeout(600_000);
  let verifier: Verifier;
  const gas = new Map<string, bigint>();
  const all = (n: number): number[] => sampleElements(n, 1e9, 0);

  before(async () => {
    verifier = (await ethers.deployContract("LayoutVerifier")) as unknown as Verifier;
  });

  after(() => printGas("LayoutVerifier gas per opcode (worst case measured)", gas));

  describe("profile models: every output element equals the reference", () => {
    const models = Object.entries(profileModels()).filter(([, s]) => (OPS as readonly string[]).includes(s.opType));
    it("covers Reshape, Flatten, Squeeze, Unsqueeze, Transpose, Concat and Gather", () => {
      expect(new Set(models.map(([, s]) => s.opType))).to.deep.equal(new Set(OPS));
    });
    for (const [name, spec] of models) {
      it(`${name}`, async () => {
        const r = commitAndRun(name, spec, feedsFor(spec));
        await checkElements(verifier, r, all(numel(r.output.shape)));
        const g = await stepGas(verifier, r, [0, numel(r.output.shape) - 1]);
        if (!gas.has(spec.opType) || g > gas.get(spec.opType)!) gas.set(spec.opType, g);
        expect(g).to.be.lessThan(150_000n);
      });
    }
  });

  describe("extra shapes", () => {
    const r = rng(21);
    it("Transpose: every permutation of rank 3, on int8, int32, float32 and int64", async () => {
      for (const [k, perm] of permutations(3).entries()) {
        const { spec, feeds } = transposeCase(r, DTYPES[k % DTYPES.length]!, [2, 3, 4], perm);
        await checkElements(verifier, commitAndRun(`Transpose [${perm}]`, spec, feeds), all(24));
      }
    });

    it("Transpose: every permutation of rank 4", async () => {
      for (const [k, perm] of permutations(4).entries()) {
        const { spec, feeds } = transposeCase(r, DTYPES[k % DTYPES.length]!, [2, 3, 1, 4], perm);
        await checkElements(verifier, commitAndRun(`Transpose [${perm}]`, spec, feeds), all(24));
      }
    });

    it("Transpose of a large rank-4 int32 tensor (sampled 500 elements) stays under 150k gas", async () => {
      const { spec, feeds } = transposeCase(r, DType.INT32, [1, 16, 28, 28], [0, 2, 3, 1]);
      const res = commitAndRun("Transpose NCHW->NHWC 16x28x28", spec, feeds);
      expect(await checkElements(verifier, res)).to.equal(500);
      const g = await stepGas(verifier, res, [0, 12543]);
      gas.set("Transpose (int32 [1,16,28,28])", g);
      expect(g).to.be.lessThan(150_000n);
    });

    for (const axis of [0, 1, 2]) {
      it(`Concat of 3 inputs along axis ${axis} (rank 3), also with the negative axis`, async () => {
        for (const axisAttr of [axis, axis - 3]) {
          const { spec, feeds } = concatCase(r, DType.INT8, [2, 3, 4], axis, [1, 3, 2], axisAttr);
          const res = commitAndRun(`Concat axis ${axisAttr}`, spec, feeds);
          await checkElements(verifier, res, all(numel(res.output.shape)));
        }
      });
    }

    it("Concat of 3 int32 inputs along each axis of rank 4", async () => {
      for (const axis of [0, 1, 2, 3]) {
        const { spec, feeds } = concatCase(r, DType.INT32, [2, 2, 3, 2], axis, [2, 1, 3]);
        const res = commitAndRun(`Concat rank 4 axis ${axis}`, spec, feeds);
        await checkElements(verifier, res, all(numel(res.output.shape)));
      }
    });

    for (const axis of [0, 1]) {
      for (const idxShape of [[], [3], [2, 3]]) {
        it(`Gather axis ${axis}, indices of shape [${idxShape}] with negative values`, async () => {
          const { spec, feeds } = gatherCase(r, DType.INT32, [4, 5, 3], axis, idxShape, DType.INT64);
          const res = commitAndRun(`Gather axis ${axis} [${idxShape}]`, spec, feeds);
          await checkElements(verifier, res, all(numel(res.output.shape)));
        });
      }
    }

    it("Gather with every negative index -size..-1 and int32 indices", async () => {
      const spec: SingleNodeSpec = {
        opType: "Gather",
        inputs: [{ name: "x", dtype: DType.UINT8, shape: [3, 4] }],
        initializers: { idx: t(DType.INT32, [8], [-4, -3, -2, -1, 0, 1, 2, 3]) },
        outputs: [{ name: "y", dtype: DType.UINT8, shape: [3, 8] }],
        attributes: { axis: attr.int(1) },
      };
      await checkElements(verifier, commitAndRun("Gather negatives", spec, { x: randomTensor(r, DType.UINT8, [3, 4]) }), all(24));
    });
  });

  describe("differential: >= 2,000 seeded random cases per opcode", () => {
    for (const [k, op] of OPS.entries()) {
      it(`${op}`, async () => {
        const r = rng(2000 + k);
        let cases = 0;
        let models = 0;
        while (cases < 2000) {
          const { spec, feeds } = randomCase(r, op);
          const res = commitAndRun(`${op} random #${models}`, spec, feeds);
          cases += await checkElements(verifier, res, sampleElements(numel(res.output.shape), 40, models), 40);
          models++;
        }
        console.log(`        ${op}: ${cases} cases over ${models} random models`);
      });
    }
  });
});
