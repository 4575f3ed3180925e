/**
 * Writes docs/vectors/*.json: the test vectors that the TypeScript and the Solidity side both
 * check (docs/SPEC.md). Run `npm run vectors` after changing an encoding, then review the diff:
 * a changed vector is a protocol change.
 */
import { writeFileSync, mkdirSync } from "node:fs";
import { DType, dtypeSize, numel, tensorBytes, type Tensor } from "../offchain/engine/tensor.js";
import { commitModel } from "../offchain/engine/commit/model-commit.js";
import { descriptorLeaf } from "../offchain/engine/commit/descriptor.js";
import { executionStates } from "../offchain/engine/commit/states.js";
import { getOperator } from "../offchain/engine/ops/index.js";
import { tinyModel, TINY_INPUT } from "../test/engine/support/tiny-model.js";
import { toHex, type Hex32 } from "../offchain/engine/commit/hash.js";
import { encodeTensorType } from "../offchain/engine/commit/tensor-type.js";
import { commitBytes, commitTensorList, merkleRoot } from "../offchain/engine/commit/tensor-commitment.js";
import { canonicalOpsets, modelId, type ModelParts } from "../offchain/engine/commit/model-id.js";

/** Deterministic bytes: a linear congruential sequence, so vectors are reproducible by hand. */
function patternBytes(n: number, seed: number): Uint8Array {
  const out = new Uint8Array(n);
  let x = seed >>> 0;
  for (let i = 0; i < n; i++) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    out[i] = x >>> 24;
  }
  return out;
}

const cases: { name: string; dtype: DType; shape: number[]; seed: number }[] = [
  { name: "uint8 scalar", dtype: DType.UINT8, shape: [], seed: 1 },
  { name: "empty int8 tensor (a zero dim)", dtype: DType.INT8, shape: [0, 4], seed: 2 },
  { name: "uint8 [3], one partial leaf", dtype: DType.UINT8, shape: [3], seed: 3 },
  { name: "uint8 [32], exactly one leaf", dtype: DType.UINT8, shape: [32], seed: 4 },
  { name: "uint8 [33], two leaves", dtype: DType.UINT8, shape: [33], seed: 5 },
  { name: "int8 [5,7], two leaves", dtype: DType.INT8, shape: [5, 7], seed: 6 },
  { name: "int8 [100], four leaves", dtype: DType.INT8, shape: [100], seed: 7 },
  { name: "int32 [3,3], two leaves", dtype: DType.INT32, shape: [3, 3], seed: 8 },
  { name: "int64 [5], padded to two leaves", dtype: DType.INT64, shape: [5], seed: 9 },
  { name: "float32 [1,10], an MNIST output", dtype: DType.FLOAT, shape: [1, 10], seed: 10 },
  { name: "float32 [1,1,28,28], an MNIST input (98 leaves, padded to 128)", dtype: DType.FLOAT, shape: [1, 1, 28, 28], seed: 11 },
  { name: "uint8 rank 8", dtype: DType.UINT8, shape: [1, 2, 1, 3, 1, 2, 1, 5], seed: 12 },
  { name: "uint8 [300], odd levels", dtype: DType.UINT8, shape: [300], seed: 13 },
];

const tensors = cases.map((c) => {
  const bytes = patternBytes(numel(c.shape) * dtypeSize(c.dtype), c.seed);
  return {
    name: c.name,
    dtype: c.dtype,
    shape: c.shape,
    bytes: toHex(bytes),
    typeWord: toHex(encodeTensorType(c.dtype, c.shape)),
    root: toHex(merkleRoot(bytes)),
    commitment: commitBytes(c.dtype, c.shape, bytes),
  };
});

const lists = [
  { name: "empty list", commitments: [] as Hex32[] },
  { name: "one tensor", commitments: [tensors[9]!.commitment] },
  { name: "three tensors", commitments: [tensors[0]!.commitment, tensors[3]!.commitment, tensors[10]!.commitment] },
].map((l) => ({ ...l, commitment: commitTensorList(l.commitments) }));

const parts: ModelParts = {
  semanticsVersion: 1,
  nodeRoot: toHex(Buffer.alloc(32, 0x11)),
  valueRoot: toHex(Buffer.alloc(32, 0x22)),
  nodeCount: 12,
  slotCount: 40,
  inputs: [{ slot: 0, tensorType: toHex(encodeTensorType(DType.FLOAT, [1, 1, 28, 28])) }],
  outputs: [{ slot: 39, tensorType: toHex(encodeTensorType(DType.FLOAT, [1, 10])) }],
  opsets: canonicalOpsets([
    { domain: "", version: 13 },
    { domain: "com.microsoft", version: 1 },
  ]),
};
const models = [{ name: "a two-domain MNIST-shaped model", parts, modelId: modelId(parts) }];

// Model commitment of the four-node test model (test/engine/support/tiny-model.ts), and the
// execution states of one input, run by the reference operators.
const tiny = tinyModel();
const committed = commitModel(tiny);
const values = new Map<string, Tensor>([...tiny.graph.initializers, ["x", TINY_INPUT]]);
for (const node of tiny.graph.nodes) {
  const outs = getOperator(node.domain, node.opType)!(node.inputs.map((n) => (n === "" ? undefined : values.get(n))), node.attributes);
  node.outputs.forEach((name, i) => values.set(name, outs[i]!));
}
const states = executionStates(committed, values);
const modelCommitment = {
  name: "tiny: QuantizeLinear -> QLinearMatMul -> Reshape -> DequantizeLinear, ArgMax",
  slots: committed.layout.names,
  descriptors: committed.descriptors.map((d) => toHex(d)),
  nodeLeaves: committed.descriptors.map((d) => toHex(descriptorLeaf(d))),
  parts: committed.parts,
  modelId: committed.modelId,
  input: { dtype: TINY_INPUT.dtype, shape: TINY_INPUT.shape, bytes: toHex(tensorBytes(TINY_INPUT)) },
  stateRoots: states.roots,
  inputsCommitment: states.inputsCommitment,
  outputsCommitment: states.outputsCommitment,
};

mkdirSync("docs/vectors", { recursive: true });
writeFileSync("docs/vectors/model-commitment.json", JSON.stringify(modelCommitment, null, 2) + "\n");
writeFileSync("docs/vectors/tensor-commitment.json", JSON.stringify({ tensors, lists }, null, 2) + "\n");
writeFileSync("docs/vectors/model-id.json", JSON.stringify({ models }, null, 2) + "\n");
console.log(`wrote ${tensors.length} tensor, ${lists.length} list, ${models.length} model-id and 1 model-commitment vectors to docs/vectors/`);
