/**
 * OneStepRouter: dispatch by opcode to the family verifiers (call data forwarded unchanged, reverts
 * bubbled), refusal of opcodes and semantics versions outside version 1; and the adversarial
 * cases of every family: forged operand proofs (wrong sibling, wrong slot commitment, wrong tensor
 * root, an element from another pair, another slot's opening, wrong state root, forged leaves,
 * wrong proof count or order) revert.
 */
import { anyValue } from "@nomicfoundation/hardhat-ethers-chai-matchers/withArgs";
import { expect } from "chai";
import { encodeBytes32String } from "ethers";
import { network } from "hardhat";
import { toHex } from "../../offchain/engine/commit/hash.js";
import { commitTensor } from "../../offchain/engine/commit/tensor-commitment.js";
import { attr, type SingleNodeSpec } from "../../offchain/engine/onnx/encode.js";
import { DType, numel } from "../../offchain/engine/tensor.js";
import { encodeStepProof, stepOperands } from "../../offchain/game/step-proofs.js";
import { Trace, type OperandProof } from "../../offchain/game/trace.js";
import { feedsFor, profileModels, t } from "../engine/support/profile-models.js";
import {
  commitAndRun,
  elementWord,
  encodeProofs,
  honestProofs,
  printGas,
  stepInput,
  type Committed,
  type StepInputArgs,
} from "./support/step-harness.js";

const { ethers, networkHelpers } = await network.getOrCreate();

const what = (s: string): string => encodeBytes32String(s);
const flip = (h: string): string => (h.slice(0, -1) + (h.endsWith("0") ? "1" : "0")) as string;

async function deploy() {
  const quant = await ethers.deployContract("QuantVerifier");
  const elementwise = await ethers.deployContract("ElementwiseVerifier");
  const layout = await ethers.deployContract("LayoutVerifier");
  // The accumulating family is another contract; any IOneStepVerifier with code stands in for it
  // here, and a second QuantVerifier is recognisable by the error it gives for opcodes 3-8, 22.
  const accumulate = await ethers.deployContract("QuantVerifier");
  const router = await ethers.deployContract("OneStepRouter", [
    await quant.getAddress(),
    await elementwise.getAddress(),
    await layout.getAddress(),
    await accumulate.getAddress(),
  ]);
  return { quant, elementwise, layout, accumulate, router };
}

const PROFILE_OPS = new Set(["QuantizeLinear", "DequantizeLinear", "Add", "Sub", "Mul", "Relu", "Clip", "Cast", "Reshape", "Flatten", "Squeeze", "Unsqueeze", "Transpose", "Concat", "Gather"]);

function withOpcodeByte(descriptor: string, index: number, value: number): string {
  const b = Buffer.from(descriptor.slice(2), "hex");
  b[index] = value;
  return toHex(b);
}

describe("OneStepRouter", function () {
  this.timeout(300_000);

  it("answers exactly what the family verifier answers, for every element of every profile model of opcodes 1-2, 9-21", async () => {
    const { router } = await networkHelpers.loadFixture(deploy);
    const gas = new Map<string, bigint>();
    for (const [name, spec] of Object.entries(profileModels()).filter(([, s]) => PROFILE_OPS.has(s.opType))) {
      const r = commitAndRun(name, spec, feedsFor(spec));
      for (let e = 0; e < numel(r.output.shape); e++) {
        expect(await router.step(stepInput(r, e), encodeStepProof(r.trace, 0, e, 0)), `${name} element ${e}`).to.equal(elementWord(r.output, e));
      }
      expect(await router.accumulationLength(toHex(r.commitment.descriptors[0]!), stepInput(r, 0).inputTypes)).to.equal(0n);
      gas.set(name, await router.step.estimateGas(stepInput(r, 0), encodeStepProof(r.trace, 0, 0, 0)));
    }
    printGas("through the router (its forwarding included)", gas);
    for (const g of gas.values()) expect(g).to.be.lessThan(150_000n);
  });

  it("routes opcodes 3-8 and 22 to the accumulating family", async () => {
    const { router, accumulate } = await networkHelpers.loadFixture(deploy);
    const r = commitAndRun("Relu", profileModels()["Relu int8"]!, feedsFor(profileModels()["Relu int8"]!));
    const base = stepInput(r, 0);
    for (const op of [3, 4, 5, 6, 7, 8, 22]) {
      const d = withOpcodeByte(base.descriptor, 0, op);
      expect(await router.familyOf(d)).to.equal(await accumulate.getAddress());
      // The stand-in answers as a QuantVerifier would: the call really went there, unchanged.
      await expect(router.step({ ...base, descriptor: d }, "0x")).to.be.revertedWithCustomError(accumulate, "StepUnsupportedOpcode").withArgs(op);
      await expect(router.accumulationLength(d, base.inputTypes)).to.be.revertedWithCustomError(accumulate, "StepUnsupportedOpcode").withArgs(op);
    }
  });

  it("reverts for an opcode outside semantics version 1 (0, 23, 255)", async () => {
    const { router } = await networkHelpers.loadFixture(deploy);
    const r = commitAndRun("Relu", profileModels()["Relu int8"]!, feedsFor(profileModels()["Relu int8"]!));
    const base = stepInput(r, 0);
    const proof = encodeStepProof(r.trace, 0, 0, 0);
    for (const op of [0, 23, 255]) {
      const d = withOpcodeByte(base.descriptor, 0, op);
      await expect(router.step({ ...base, descriptor: d }, proof)).to.be.revertedWithCustomError(router, "RouterUnsupportedOpcode").withArgs(op);
      await expect(router.accumulationLength(d, base.inputTypes)).to.be.revertedWithCustomError(router, "RouterUnsupportedOpcode").withArgs(op);
    }
  });

  it("reverts for a semantics version other than 1, and for a descriptor that is not 288 bytes", async () => {
    const { router } = await networkHelpers.loadFixture(deploy);
    const r = commitAndRun("Relu", profileModels()["Relu int8"]!, feedsFor(profileModels()["Relu int8"]!));
    const base = stepInput(r, 0);
    const proof = encodeStepProof(r.trace, 0, 0, 0);
    for (const v of [0, 2, 255]) {
      await expect(router.step({ ...base, descriptor: withOpcodeByte(base.descriptor, 1, v) }, proof))
        .to.be.revertedWithCustomError(router, "RouterUnsupportedSemantics")
        .withArgs(v);
    }
    await expect(router.step({ ...base, descriptor: base.descriptor.slice(0, -2) }, proof)).to.be.revertedWithCustomError(router, "RouterDescriptorLength").withArgs(287);
  });

  it("a wrong but valid opcode is refused by the family it routes to (Relu's descriptor relabelled)", async () => {
    const { router, layout, quant } = await networkHelpers.loadFixture(deploy);
    const r = commitAndRun("Relu", profileModels()["Relu int8"]!, feedsFor(profileModels()["Relu int8"]!));
    const base = stepInput(r, 0);
    const proof = encodeStepProof(r.trace, 0, 0, 0);
    // Transpose reads a rank from attribute word 5, which Relu's descriptor leaves 0.
    await expect(router.step({ ...base, descriptor: withOpcodeByte(base.descriptor, 0, 19) }, proof))
      .to.be.revertedWithCustomError(layout, "StepAttributeInvalid")
      .withArgs(what("rank"), 0);
    // QuantizeLinear wants float32 input.
    await expect(router.step({ ...base, descriptor: withOpcodeByte(base.descriptor, 0, 1) }, proof))
      .to.be.revertedWithCustomError(quant, "StepTypeMismatch")
      .withArgs(0, what("dtype"));
  });

  it("refuses a family address without code at construction", async () => {
    const { quant } = await networkHelpers.loadFixture(deploy);
    const [eoa] = await ethers.getSigners();
    const q = await quant.getAddress();
    const factory = await ethers.getContractFactory("OneStepRouter");
    await expect(factory.deploy(q, q, eoa!.address, q)).to.be.revertedWithCustomError(factory, "RouterNoCode").withArgs(eoa!.address);
  });
});

describe("one-step verifiers: forged operand proofs revert", function () {
  this.timeout(300_000);

  interface Case {
    readonly family: "quant" | "elementwise" | "layout";
    readonly r: Committed;
    readonly element: number;
  }

  // Tensors of more than one leaf pair (> 64 bytes) so that "an element of another pair" exists.
  const cases = (): Record<string, Case> => {
    const add: SingleNodeSpec = {
      opType: "Add",
      inputs: [{ name: "a", dtype: DType.INT32, shape: [4, 10] }, { name: "b", dtype: DType.INT32, shape: [10] }],
      outputs: [{ name: "y", dtype: DType.INT32, shape: [4, 10] }],
    };
    const gather: SingleNodeSpec = {
      opType: "Gather",
      inputs: [{ name: "x", dtype: DType.INT32, shape: [6, 8] }],
      initializers: { idx: t(DType.INT64, [3], [5, -1, 0]) },
      outputs: [{ name: "y", dtype: DType.INT32, shape: [3, 8] }],
    };
    const quantize: SingleNodeSpec = {
      opType: "QuantizeLinear",
      inputs: [{ name: "x", dtype: DType.FLOAT, shape: [2, 20] }],
      initializers: { s: t(DType.FLOAT, [20], Array.from({ length: 20 }, (_, i) => 0.01 * (i + 1))), zp: t(DType.INT8, [20], Array.from({ length: 20 }, (_, i) => i - 10)) },
      outputs: [{ name: "y", dtype: DType.INT8, shape: [2, 20] }],
      attributes: { axis: attr.int(1) },
    };
    const concat: SingleNodeSpec = {
      opType: "Concat",
      inputs: [{ name: "a", dtype: DType.INT32, shape: [2, 20] }, { name: "b", dtype: DType.INT32, shape: [2, 20] }],
      outputs: [{ name: "y", dtype: DType.INT32, shape: [4, 20] }],
      attributes: { axis: attr.int(0) },
    };
    const mk = (name: string, spec: SingleNodeSpec) => commitAndRun(name, spec, feedsFor(spec));
    return {
      "Add (elementwise)": { family: "elementwise", r: mk("Add", add), element: 37 },
      "Gather (layout)": { family: "layout", r: mk("Gather", gather), element: 11 },
      "QuantizeLinear per axis (quant)": { family: "quant", r: mk("Quantize", quantize), element: 33 },
      "Concat (layout)": { family: "layout", r: mk("Concat", concat), element: 65 },
    };
  };

  for (const [label, c0] of Object.entries(cases())) {
    describe(label, () => {
      const c = c0;
      let verifier: Awaited<ReturnType<typeof deploy>>["quant"];
      let input: StepInputArgs;
      let honest: OperandProof[];

      before(async () => {
        const d = await networkHelpers.loadFixture(deploy);
        verifier = d[c.family];
        input = stepInput(c.r, c.element);
        honest = honestProofs(c.r, c.element);
      });

      const forged = (i: number, change: (p: OperandProof) => OperandProof): string =>
        encodeProofs(honest.map((p, k) => (k === i ? change(p) : p)));
      const expectInvalid = async (proof: string, kind: string, inp: StepInputArgs = input) =>
        expect(verifier.step(inp, proof)).to.be.revertedWithCustomError(verifier, "OperandProofInvalid").withArgs(anyValue, anyValue, what(kind));

      it("accepts the honest proof", async () => {
        expect(await verifier.step(input, encodeProofs(honest))).to.equal(elementWord(c.r.output, c.element));
      });

      it("reverts on a wrong sibling in the tensor path, in the value-table path, or a forged leaf", async () => {
        for (let i = 0; i < honest.length; i++) {
          if (honest[i]!.pairSiblings.length > 0) {
            await expectInvalid(forged(i, (p) => ({ ...p, pairSiblings: [flip(p.pairSiblings[0]!), ...p.pairSiblings.slice(1)] as `0x${string}`[] })), "pair");
          }
          await expectInvalid(forged(i, (p) => ({ ...p, slotSiblings: [...p.slotSiblings.slice(0, -1), flip(p.slotSiblings.at(-1)!)] as `0x${string}`[] })), "slot");
          await expectInvalid(forged(i, (p) => ({ ...p, left: flip(p.left) as `0x${string}` })), "pair");
          await expectInvalid(forged(i, (p) => ({ ...p, right: flip(p.right) as `0x${string}` })), "pair");
        }
      });

      it("reverts on a wrong slot commitment or a wrong tensor root", async () => {
        for (let i = 0; i < honest.length; i++) {
          await expectInvalid(forged(i, (p) => ({ ...p, slotCommitment: flip(p.slotCommitment) as `0x${string}` })), "slot");
          await expectInvalid(forged(i, (p) => ({ ...p, tensorRoot: flip(p.tensorRoot) as `0x${string}` })), "tensor");
        }
      });

      it("reverts on the opening of an element from a different leaf pair of the same slot", async () => {
        let tried = 0;
        for (const [i, o] of stepOperands(c.r.trace, 0, c.element, 0).entries()) {
          const value = c.r.trace.valueOfSlot(o.slot);
          const size = value.data.BYTES_PER_ELEMENT;
          const n = numel(value.shape);
          // Another element of the same slot at least one 64-byte pair away.
          const other = (o.element + Math.ceil(64 / size)) % n;
          if (Math.floor((other * size) / 64) === Math.floor((o.element * size) / 64)) continue;
          await expectInvalid(forged(i, () => c.r.trace.operandProof(0, o.slot, other)), "pair");
          tried++;
        }
        expect(tried).to.be.greaterThan(0);
      });

      it("reverts when another slot's opening stands in (proofs swapped, or a different input)", async () => {
        if (honest.length >= 2) {
          const swapped = encodeProofs([honest[1]!, honest[0]!, ...honest.slice(2)]);
          await expect(verifier.step(input, swapped)).to.be.revert(ethers);
        }
        // The output slot is empty under S_node: no opening of it can be valid.
        const outSlot = c.r.commitment.layout.nodeOutputSlots[0]!;
        const otherSlotProof = { ...honest[0]!, slotSiblings: c.r.trace.table(0).proof(outSlot).map((b) => toHex(b)) };
        await expectInvalid(forged(0, () => otherSlotProof), "slot");
      });

      it("reverts under a different state root", async () => {
        await expectInvalid(encodeProofs(honest), "slot", { ...input, stateRoot: flip(input.stateRoot) as `0x${string}` });
      });

      it("reverts on a missing or extra opening, and on malformed proof bytes", async () => {
        await expect(verifier.step(input, encodeProofs(honest.slice(1)))).to.be.revertedWithCustomError(verifier, "StepProofCount").withArgs(honest.length, honest.length - 1);
        await expect(verifier.step(input, encodeProofs([...honest, honest[0]!]))).to.be.revertedWithCustomError(verifier, "StepProofCount").withArgs(honest.length, honest.length + 1);
        await expect(verifier.step(input, "0x")).to.be.revertedWithCustomError(verifier, "StepProofMalformed");
        await expect(verifier.step(input, "0x" + "ff".repeat(64))).to.be.revertedWithCustomError(verifier, "StepProofMalformed");
      });

      it("reverts for an element outside the output", async () => {
        const n = numel(c.r.output.shape);
        await expect(verifier.step({ ...input, element: n }, encodeProofs(honest))).to.be.revertedWithCustomError(verifier, "StepElementOutOfRange").withArgs(n, n);
      });
    });
  }

  it("Gather with an index outside [-size, size) has no step: it reverts (a hand-made value table)", async () => {
    const { layout } = await networkHelpers.loadFixture(deploy);
    const spec: SingleNodeSpec = {
      opType: "Gather",
      inputs: [{ name: "x", dtype: DType.INT8, shape: [4, 3] }],
      initializers: { idx: t(DType.INT64, [2], [1, 2]) },
      outputs: [{ name: "y", dtype: DType.INT8, shape: [2, 3] }],
    };
    const r = commitAndRun("Gather", spec, feedsFor(spec));
    // The same model's trace with the index tensor replaced: S_0 then commits index 4 (and -5).
    for (const bad of [4n, -5n]) {
      const values = new Map(r.trace.values);
      const idx = t(DType.INT64, [2], [1n, bad]);
      values.set("idx", idx);
      const idxSlot = r.commitment.layout.slotOf.get("idx")!;
      const initialSlots = r.commitment.initialSlots.map((w, slot) => (slot === idxSlot ? Buffer.from(commitTensor(idx).slice(2), "hex") : w));
      const trace = new Trace({ ...r.commitment, initialSlots }, values);
      const xSlot = r.commitment.layout.slotOf.get("x")!;
      const proof = encodeProofs([trace.operandProof(0, idxSlot, 1), trace.operandProof(0, xSlot, 0)]);
      const inp = { ...stepInput(r, 3), stateRoot: trace.stateRoot(0) };
      await expect(layout.step(inp, proof)).to.be.revertedWithCustomError(layout, "LayoutGatherIndexOutOfRange").withArgs(bad, 4);
    }
  });
});
