/**
 * Gas of one step by operand size (DESIGN.md: "gas is tested at those limits, not only at MNIST
 * size"): at the limits (every operand tree 32 deep, a value table of 2^32 - 1 slots), at a large
 * real size (32 MiB operands, 1,024 slots) and at MNIST scale. Such tensors need not be
 * materialised, only their commitments:
 * the tensors are zero except their first 64-byte leaf pair, so every sibling above the pair is a
 * zero subtree. The descriptors are written by hand; the verifier never sees more than what the
 * game would hand it.
 */
import { expect } from "chai";
import type { BaseContract } from "ethers";
import { network } from "hardhat";
import { Tag, taggedHash, toHex, type Hex32 } from "../../offchain/engine/commit/hash.js";
import { encodeTensorType } from "../../offchain/engine/commit/tensor-type.js";
import { treeDepth, ZERO_SUBTREE } from "../../offchain/engine/commit/tensor-commitment.js";
import { DType, dtypeSize } from "../../offchain/engine/tensor.js";
import type { OperandProof } from "../../offchain/game/trace.js";
import { encodeProofs, intWord, type StepInputArgs, type Verifier } from "./support/step-harness.js";

const { ethers } = await network.getOrCreate();

const MAX_TABLE_DEPTH = 32;

/** Zero subtrees of the value table (a word tree: leaves are commitments, 0^32 when empty). */
const ZERO_WORDS: Buffer[] = (() => {
  const z: Buffer[] = [Buffer.alloc(32)];
  for (let h = 1; h <= MAX_TABLE_DEPTH; h++) z.push(taggedHash(Tag.VALUE_TABLE_NODE, z[h - 1]!, z[h - 1]!));
  return z;
})();

interface Operand {
  readonly dtype: DType;
  readonly shape: readonly number[];
  /** The first 64 bytes of the tensor (every later byte is 0). */
  readonly pair: Buffer;
}

const typeWord = (o: { dtype: DType; shape: readonly number[] }): Buffer => encodeTensorType(o.dtype, o.shape);
const byteLength = (o: { dtype: DType; shape: readonly number[] }): number => o.shape.reduce((a, b) => a * b, dtypeSize(o.dtype));

/** Root of a tensor that is zero beyond its first leaf pair, and its pair's siblings. */
function sparseTensor(o: Operand): { root: Buffer; pairSiblings: Buffer[] } {
  const depth = treeDepth(byteLength(o));
  let node = taggedHash(Tag.TENSOR_LEAF, o.pair.subarray(0, 32), o.pair.subarray(32, 64));
  const pairSiblings: Buffer[] = [];
  for (let h = 1; h < depth; h++) {
    pairSiblings.push(ZERO_SUBTREE[h]!);
    node = taggedHash(Tag.TENSOR_NODE, node, ZERO_SUBTREE[h]!);
  }
  return { root: node, pairSiblings };
}

/** A value table of 2^depth slots whose slots 0..n-1 hold `leaves`: its root and each path. */
function sparseTable(leaves: readonly Buffer[], depth: number): { root: Buffer; paths: Buffer[][] } {
  let level = [...leaves];
  const levels: Buffer[][] = [level];
  for (let h = 0; h < depth; h++) {
    const next: Buffer[] = [];
    for (let j = 0; j < level.length; j += 2) next.push(taggedHash(Tag.VALUE_TABLE_NODE, level[j]!, level[j + 1] ?? ZERO_WORDS[h]!));
    levels.push(next);
    level = next;
  }
  const paths = leaves.map((_, i) => Array.from({ length: depth }, (_, h) => levels[h]![(i >> h) ^ 1] ?? ZERO_WORDS[h]!));
  return { root: level[0]!, paths };
}

function u32s(values: readonly number[]): Buffer {
  const b = Buffer.alloc(32);
  values.forEach((v, i) => b.writeUInt32BE(v >>> 0, 4 * i));
  return b;
}

/** A hand-written descriptor: inputs in slots 0..n-1, attribute word 5, quantization word 8. */
function descriptor(opcode: number, inputs: readonly Operand[], out: { dtype: DType; shape: readonly number[] }, word5: Buffer = Buffer.alloc(32), word8: Buffer = Buffer.alloc(32)): string {
  const w0 = Buffer.alloc(32);
  w0[0] = opcode;
  w0[1] = 1;
  w0[2] = inputs.length;
  w0.writeUInt32BE(inputs.length, 8);
  const slots = Array.from({ length: 16 }, (_, i) => (i < inputs.length ? i : 0xffffffff));
  return toHex(Buffer.concat([w0, u32s(slots.slice(0, 8)), u32s(slots.slice(8)), typeWord(out), Buffer.alloc(32), word5, Buffer.alloc(32), Buffer.alloc(32), word8]));
}

function limitCase(slotCount: number, opcode: number, inputs: readonly Operand[], out: { dtype: DType; shape: readonly number[] }, word5?: Buffer, word8?: Buffer) {
  const tensors = inputs.map(sparseTensor);
  const commitments = inputs.map((o, i) => taggedHash(Tag.TENSOR, typeWord(o), tensors[i]!.root));
  const table = sparseTable(commitments, Math.max(1, Math.ceil(Math.log2(slotCount))));
  const input: StepInputArgs = {
    descriptor: descriptor(opcode, inputs, out, word5, word8),
    inputTypes: inputs.map((o) => toHex(typeWord(o))),
    stateRoot: toHex(table.root),
    slotCount,
    element: 0,
    step: 0,
    previous: toHex(Buffer.alloc(32)),
  };
  const proofFor = (i: number): OperandProof => ({
    slotCommitment: toHex(commitments[i]!),
    slotSiblings: table.paths[i]!.map((b) => toHex(b)) as Hex32[],
    tensorRoot: toHex(tensors[i]!.root),
    left: toHex(inputs[i]!.pair.subarray(0, 32)),
    right: toHex(inputs[i]!.pair.subarray(32, 64)),
    pairSiblings: tensors[i]!.pairSiblings.map((b) => toHex(b)) as Hex32[],
  });
  return { input, proofFor };
}

const pairOf = (fill: (b: Buffer) => void): Buffer => {
  const b = Buffer.alloc(64);
  fill(b);
  return b;
};

interface Scenario {
  readonly title: string;
  readonly slotCount: number;
  /** A rank-3 shape [p, q, r] of 4-byte elements; p divisible by 16, q * r < 2^24. */
  readonly big: readonly [number, number, number];
  /** Channels C and inner size K of the per-axis case: x is [C, K]. */
  readonly channels: number;
  readonly inner: number;
  /** Gather's int64 indices. */
  readonly indices: readonly number[];
  /** Gas every step must stay under. */
  readonly bound: bigint;
}

const SCENARIOS: Scenario[] = [
  {
    // Tensors of 2^37 bytes (2^32 leaves) and a table of 2^32 - 1 slots: only the tx cap applies.
    title: "at the limits: depth-32 operand trees, a depth-32 value table (2^32 - 1 slots)",
    slotCount: 0xffffffff,
    big: [4096, 4096, 2048],
    channels: 8388608,
    inner: 4096,
    indices: [131072, 131072],
    bound: 1n << 24n,
  },
  {
    // 32 MiB operands (depth 20) in a model of 1,024 slots (depth 10): a large real model.
    title: "large: 32 MiB operands (depth 20), 1,024 slots (depth 10)",
    slotCount: 1024,
    big: [2048, 64, 64],
    channels: 4096,
    inner: 2048,
    indices: [1024, 512],
    // A regression ceiling, not a target: calldata (the EIP-7623 floor) is most of it.
    bound: 250_000n,
  },
  {
    // MNIST-CNN scale: int32 activations [16, 28, 28] (50 KiB, depth 11), 64 slots (depth 6).
    title: "MNIST scale: 50 KiB operands (depth 11), 64 slots (depth 6)",
    slotCount: 64,
    big: [16, 28, 28],
    channels: 16,
    inner: 784,
    indices: [16, 16],
    bound: 150_000n,
  },
];

for (const sc of SCENARIOS) {
  describe(`one-step gas ${sc.title}`, function () {
    this.timeout(120_000);
    const gas = new Map<string, bigint>();
    const floors = new Map<string, bigint>();
    let quant: Verifier;
    let elementwise: Verifier;
    let layout: Verifier;
    const [p, q, r] = sc.big;
    const BIG = [p, q, r];
    const lc = (...args: Parameters<typeof limitCase> extends [number, ...infer T] ? T : never) => limitCase(sc.slotCount, ...args);

    before(async () => {
      quant = (await ethers.deployContract("QuantVerifier")) as unknown as Verifier;
      elementwise = (await ethers.deployContract("ElementwiseVerifier")) as unknown as Verifier;
      layout = (await ethers.deployContract("LayoutVerifier")) as unknown as Verifier;
    });

    after(() => {
      console.log(`\n      one step ${sc.title}: eth_estimateGas (the EIP-7623 calldata floor of the same transaction)`);
      for (const [k, v] of gas) console.log(`        ${k.padEnd(30)} ${v.toString().padStart(8)}  (${floors.get(k)})`);
    });

    /** Opens the inputs in `order` (the opcode's proof order, docs/SPEC.md 10.1). */
    const measure = async (label: string, v: Verifier, c: ReturnType<typeof limitCase>, order: readonly number[], expected?: string) => {
      const proof = encodeProofs(order.map((i) => c.proofFor(i)));
      const value = await v.step(c.input, proof);
      if (expected !== undefined) expect(value, label).to.equal(expected);
      const g = await v.step.estimateGas(c.input, proof);
      const data = Buffer.from((v as unknown as BaseContract).interface.encodeFunctionData("step", [c.input, proof]).slice(2), "hex");
      const zeros = data.filter((b) => b === 0).length;
      // EIP-7623 (Prague, Osaka): a transaction pays at least 21k + 10 per zero byte + 40 per other byte.
      floors.set(label, 21000n + BigInt(10 * zeros + 40 * (data.length - zeros)));
      gas.set(label, g);
      expect(g, label).to.be.lessThan(sc.bound);
    };

    it("the sparse construction agrees with the engine's tree on a small tensor", () => {
      const o: Operand = { dtype: DType.INT32, shape: [32], pair: pairOf((b) => b.writeInt32LE(7, 0)) };
      const bytes = Buffer.alloc(128);
      o.pair.copy(bytes);
      const h0 = taggedHash(Tag.TENSOR_LEAF, bytes.subarray(0, 32), bytes.subarray(32, 64));
      const h1 = taggedHash(Tag.TENSOR_LEAF, bytes.subarray(64, 96), bytes.subarray(96, 128));
      expect(toHex(sparseTensor(o).root)).to.equal(toHex(taggedHash(Tag.TENSOR_NODE, h0, h1)));
    });

    it("Add / Mul: two big int32 operands", async () => {
      const a: Operand = { dtype: DType.INT32, shape: BIG, pair: pairOf((b) => b.writeInt32LE(2147483647, 0)) };
      const b: Operand = { dtype: DType.INT32, shape: BIG, pair: pairOf((x) => x.writeInt32LE(1, 0)) };
      const out = { dtype: DType.INT32, shape: BIG };
      await measure("Add", elementwise, lc(9, [a, b], out), [0, 1], intWord(-2147483648));
      await measure("Mul", elementwise, lc(11, [a, b], out), [0, 1], intWord(2147483647));
    });

    it("Relu / Clip / Cast: one big operand", async () => {
      const x: Operand = { dtype: DType.INT32, shape: BIG, pair: pairOf((b) => b.writeInt32LE(-5, 0)) };
      await measure("Relu", elementwise, lc(12, [x], { dtype: DType.INT32, shape: BIG }), [0], intWord(0));
      const bounds = Buffer.alloc(32);
      bounds.writeBigInt64BE(-3n, 0);
      bounds.writeBigInt64BE(3n, 8);
      await measure("Clip", elementwise, lc(13, [x], { dtype: DType.INT32, shape: BIG }, bounds), [0], intWord(-3));
      await measure("Cast", elementwise, lc(14, [x], { dtype: DType.INT8, shape: BIG }), [0], intWord(-5));
    });

    it("QuantizeLinear / DequantizeLinear per tensor and per axis (x, scale and zero point opened)", async () => {
      const shape = [sc.channels, sc.inner];
      const x: Operand = { dtype: DType.FLOAT, shape, pair: pairOf((b) => b.writeFloatLE(1.5, 0)) };
      const s: Operand = { dtype: DType.FLOAT, shape: [sc.channels], pair: pairOf((b) => b.writeFloatLE(0.5, 0)) };
      const zp: Operand = { dtype: DType.INT8, shape: [sc.channels], pair: pairOf((b) => b.writeInt8(-3, 0)) };
      const perAxis = u32s([0, 0, 0, 0, 0, 0, 32 | 64, 0]);
      await measure("QuantizeLinear per axis", quant, lc(1, [x, s, zp], { dtype: DType.INT8, shape }, Buffer.alloc(32), perAxis), [0, 1, 2], intWord(0));
      const xi: Operand = { dtype: DType.INT8, shape: [sc.channels, sc.inner * 4], pair: pairOf((b) => b.writeInt8(7, 0)) };
      const fout = { dtype: DType.FLOAT, shape: [sc.channels, sc.inner * 4] };
      await measure("DequantizeLinear per axis", quant, lc(2, [xi, s, zp], fout, Buffer.alloc(32), perAxis), [0, 1, 2], intWord(0x40a00000));
      const perTensor = u32s([0x3f000000, 0xfffffffd, 0, 0, 0x3f000000, 0xfffffffd, 0, 0]);
      await measure("QuantizeLinear per tensor", quant, lc(1, [x], { dtype: DType.INT8, shape }, Buffer.alloc(32), perTensor), [0], intWord(0));
      await measure("DequantizeLinear per tensor", quant, lc(2, [xi], fout, Buffer.alloc(32), perTensor), [0], intWord(0x40a00000));
    });

    it("Reshape, Transpose, Concat (16 inputs), Gather", async () => {
      const x: Operand = { dtype: DType.INT32, shape: BIG, pair: pairOf((b) => b.writeInt32LE(42, 0)) };
      await measure("Reshape", layout, lc(15, [x], { dtype: DType.INT32, shape: [p, q * r] }), [0], intWord(42));
      const perm = Buffer.alloc(32);
      perm.set([3, 2, 1, 0], 0);
      await measure("Transpose", layout, lc(19, [x], { dtype: DType.INT32, shape: [r, q, p] }, perm), [0], intWord(42));
      const part: Operand = { dtype: DType.INT32, shape: [p / 16, q, r], pair: pairOf((b) => b.writeInt32LE(9, 0)) };
      await measure("Concat (16 inputs)", layout, lc(20, Array<Operand>(16).fill(part), { dtype: DType.INT32, shape: BIG }), [0], intWord(9));
      const idx: Operand = { dtype: DType.INT64, shape: sc.indices, pair: pairOf((b) => b.writeBigInt64LE(BigInt(-p), 0)) };
      await measure("Gather", layout, lc(21, [x, idx], { dtype: DType.INT32, shape: [...sc.indices, q, r] }), [1, 0], intWord(42));
    });
  });
}
