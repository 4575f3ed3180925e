import { expect } from "chai";
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { network } from "hardhat";
import { decodeModel } from "../../offchain/engine/onnx/decode.js";
import { attr, encodeModel, singleNodeModel } from "../../offchain/engine/onnx/encode.js";
import type { Model } from "../../offchain/engine/onnx/types.js";
import { getOperator } from "../../offchain/engine/ops/index.js";
import { DType, type Tensor } from "../../offchain/engine/tensor.js";
import { Tag, toHex } from "../../offchain/engine/commit/hash.js";
import { commitModel, ModelCommitError, fileHash } from "../../offchain/engine/commit/model-commit.js";
import { DESCRIPTOR_BYTES, Opcode } from "../../offchain/engine/commit/descriptor.js";
import { modelId } from "../../offchain/engine/commit/model-id.js";
import { executionStates } from "../../offchain/engine/commit/states.js";
import { commitTensor, commitTensorList } from "../../offchain/engine/commit/tensor-commitment.js";
import { wordRootFromProof, ZERO_WORD } from "../../offchain/engine/commit/word-tree.js";
import { feedsFor, profileModels } from "./support/profile-models.js";
import { requireShared } from "./support/shared.js";
import { tinyModel, TINY_INPUT } from "./support/tiny-model.js";

/** Runs a model node by node with the reference operators: every value by name. */
function runReference(model: Model, feeds: Record<string, Tensor>): Map<string, Tensor> {
  const values = new Map<string, Tensor>([...model.graph.initializers, ...Object.entries(feeds)]);
  for (const node of model.graph.nodes) {
    const op = getOperator(node.domain, node.opType)!;
    const outs = op(node.inputs.map((n) => (n === "" ? undefined : values.get(n))), node.attributes);
    node.outputs.forEach((name, i) => name !== "" && values.set(name, outs[i]!));
  }
  return values;
}

describe("model commitment (docs/SPEC.md sections 7-8)", () => {
  it("lays out slots as inputs, then initializers in order of first use, then one slot per node output", () => {
    const c = commitModel(tinyModel());
    expect(c.layout.names).to.deep.equal(["x", "s0", "z0", "w", "ws", "wz", "ys", "yz", "shape", "q", "y", "y4", "out", "cls"]);
    expect(c.layout.inputSlots).to.deep.equal([0]);
    expect(c.layout.nodeOutputSlots).to.deep.equal([9, 10, 11, 12, 13]);
    expect(c.layout.outputSlots).to.deep.equal([12, 13]);
    expect(c.parts.slotCount).to.equal(14);
    expect(c.parts.nodeCount).to.equal(5);
  });

  it("gives every node a fixed-size descriptor naming its opcode, slots and output slot", () => {
    const c = commitModel(tinyModel());
    for (const d of c.descriptors) expect(d.length).to.equal(DESCRIPTOR_BYTES);
    const mm = c.descriptors[1]!;
    expect(mm[0]).to.equal(Opcode.QLinearMatMul);
    expect(mm[1]).to.equal(1);
    expect(mm[2]).to.equal(8);
    expect(mm.readUInt32BE(4)).to.equal(1); // node index
    expect(mm.readUInt32BE(8)).to.equal(10); // output slot of "y"
    expect([0, 1, 2, 3, 4, 5, 6, 7].map((i) => mm.readUInt32BE(32 + 4 * i))).to.deep.equal([9, 1, 2, 3, 4, 5, 6, 7]);
    expect(mm.readUInt32BE(64)).to.equal(0xffffffff);
    // Inline quantization scalars: xScale = f32(0.05), xZp = 128, yZp = 100.
    expect(mm.readFloatBE(8 * 32)).to.equal(Math.fround(0.05));
    expect(mm.readUInt32BE(8 * 32 + 4)).to.equal(128);
    expect(mm.readUInt32BE(8 * 32 + 20)).to.equal(100);
  });

  it("is the same model id whatever the file's initializer order, and survives an encode/decode round trip", () => {
    const a = commitModel(tinyModel());
    const b = commitModel(tinyModel({ initializerOrder: "reverse" }));
    const c = commitModel(decodeModel(encodeModel(tinyModel())));
    expect(b.modelId).to.equal(a.modelId);
    expect(c.modelId).to.equal(a.modelId);
  });

  it("changes the model id when one weight changes by one", () => {
    expect(commitModel(tinyModel({ weightDelta: 1 })).modelId).to.not.equal(commitModel(tinyModel()).modelId);
  });

  it("changes the model id when an attribute or a scale changes", () => {
    const base = tinyModel();
    const withScale = { ...base, graph: { ...base.graph, initializers: new Map([...base.graph.initializers, ["ys", { ...base.graph.initializers.get("ys")!, data: new Float32Array([0.25]) }]]) } };
    expect(commitModel(withScale).modelId).to.not.equal(commitModel(base).modelId);
    const transpose = (perm: number[]) =>
      singleNodeModel({
        opType: "Transpose",
        inputs: [{ name: "x", dtype: DType.INT8, shape: [2, 3, 3] }],
        outputs: [{ name: "y", dtype: DType.INT8, shape: [2, 3, 3] }],
        attributes: { perm: attr.ints(perm) },
      });
    expect(commitModel(transpose([0, 2, 1])).modelId).to.not.equal(commitModel(transpose([0, 1, 2])).modelId);
  });

  it("commits every single-node model of the profile, and the registry folds the same id on-chain", async () => {
    const { ethers } = await network.getOrCreate();
    const registry = await ethers.deployContract("ModelRegistry");
    for (const [name, spec] of Object.entries(profileModels())) {
      const c = commitModel(singleNodeModel(spec));
      expect(modelId(c.parts), name).to.equal(c.modelId);
      const parts = { ...c.parts, inputs: [...c.parts.inputs], outputs: [...c.parts.outputs], opsets: [...c.parts.opsets] };
      expect(await registry.computeModelId(parts), name).to.equal(c.modelId);
    }
  });

  it("refuses a float model outside the profile, naming why (mnist-8)", function () {
    const dir = requireShared(this, "models/mnist-8");
    const model = decodeModel(readFileSync(resolve(dir, "model.onnx")));
    expect(() => commitModel(model)).to.throw(ModelCommitError, /outside the int8 profile, so it has no verifiable id: .*\(\+\d+ more/);
  });

  it("reproduces the published vector docs/vectors/model-commitment.json (descriptors, roots, id, states)", () => {
    const v = JSON.parse(readFileSync(resolve(import.meta.dirname, "../../docs/vectors/model-commitment.json"), "utf8"));
    const c = commitModel(tinyModel());
    expect(c.layout.names).to.deep.equal(v.slots);
    expect(c.descriptors.map((d) => toHex(d))).to.deep.equal(v.descriptors);
    expect(c.parts.nodeRoot).to.equal(v.parts.nodeRoot);
    expect(c.parts.valueRoot).to.equal(v.parts.valueRoot);
    expect(c.modelId).to.equal(v.modelId);
    const st = executionStates(c, runReference(tinyModel(), { x: TINY_INPUT }));
    expect(st.roots).to.deep.equal(v.stateRoots);
    expect(st.outputsCommitment).to.equal(v.outputsCommitment);
  });

  it("file hash is the sha256 of the file bytes", () => {
    const bytes = encodeModel(tinyModel());
    expect(fileHash(bytes)).to.match(/^0x[0-9a-f]{64}$/);
    expect(fileHash(bytes)).to.not.equal(fileHash(encodeModel(tinyModel({ weightDelta: 1 }))));
  });
});

describe("execution states S_0..S_n", () => {
  const model = tinyModel();
  let c: ReturnType<typeof commitModel>;
  let values: Map<string, Tensor>;
  let s: ReturnType<typeof executionStates>;
  before(() => {
    c = commitModel(model);
    values = runReference(model, { x: TINY_INPUT });
    s = executionStates(c, values);
  });

  it("has one state per node plus S_0, and binds the outputs and inputs commitments", () => {
    expect(s.roots).to.have.length(c.parts.nodeCount + 1);
    expect(new Set(s.roots).size).to.equal(s.roots.length);
    expect(s.outputsCommitment).to.equal(commitTensorList([commitTensor(values.get("out")!), commitTensor(values.get("cls")!)]));
    expect(s.inputsCommitment).to.equal(commitTensorList([commitTensor(TINY_INPUT)]));
  });

  it("each transition writes exactly one slot: the same siblings prove an empty slot under S_{i-1} and T under S_i", () => {
    for (const tr of s.transitions) {
      const siblings = tr.siblings.map((h) => Buffer.from(h.slice(2), "hex"));
      expect(toHex(wordRootFromProof(Tag.VALUE_TABLE_NODE, ZERO_WORD, tr.slot, siblings))).to.equal(s.roots[tr.step - 1]);
      expect(toHex(wordRootFromProof(Tag.VALUE_TABLE_NODE, Buffer.from(tr.written.slice(2), "hex"), tr.slot, siblings))).to.equal(s.roots[tr.step]);
    }
  });

  it("a one-element lie in an inner node changes that state and every later one, never an earlier one", () => {
    const lie = new Map(values);
    const y = values.get("y")!;
    const data = Uint8Array.from(y.data as Uint8Array);
    data[2] = (data[2]! + 1) & 0xff;
    lie.set("y", { ...y, data });
    const bad = executionStates(c, lie);
    expect(bad.roots.slice(0, 2)).to.deep.equal(s.roots.slice(0, 2));
    expect(bad.roots[2]).to.not.equal(s.roots[2]);
  });

  it("S_0 differs for different inputs of the same model", () => {
    const other = runReference(model, { x: { ...TINY_INPUT, data: new Float32Array(8).fill(1) } });
    expect(executionStates(c, other).roots[0]).to.not.equal(s.roots[0]);
  });

  it("feeds for the profile models commit without error (every op's descriptor is encodable)", () => {
    for (const [name, spec] of Object.entries(profileModels())) {
      const m = singleNodeModel(spec);
      const st = executionStates(commitModel(m), runReference(m, feedsFor(spec)));
      expect(st.roots, name).to.have.length(2);
    }
  });
});
