/**
 * Tensor commitments, three ways: the TypeScript twin (offchain/engine/commit), the Solidity
 * library (through TensorCommitmentHarness) and a naive recursive implementation written here
 * straight from the SPEC rule. All three must agree on the vectors and on random lengths.
 */
import { expect } from "chai";
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { DType } from "../../offchain/engine/tensor.js";
import { toHex, type Hex32 } from "../../offchain/engine/commit/hash.js";
import { decodeTensorType, encodeTensorType, tensorByteLength, TensorTypeError } from "../../offchain/engine/commit/tensor-type.js";
import {
  commitBytes,
  commitTensorList,
  leafChunk,
  leafProof,
  merkleRoot,
  rootFromProof,
  treeDepth,
} from "../../offchain/engine/commit/tensor-commitment.js";
import { Rng } from "../engine/support/prng.js";
import { ethers, networkHelpers } from "./fixtures.js";

interface TensorVector {
  name: string;
  dtype: number;
  shape: number[];
  bytes: Hex32;
  typeWord: Hex32;
  root: Hex32;
  commitment: Hex32;
}
interface ListVector {
  name: string;
  commitments: Hex32[];
  commitment: Hex32;
}

const vectors: { tensors: TensorVector[]; lists: ListVector[] } = JSON.parse(
  readFileSync(new URL("../../docs/vectors/tensor-commitment.json", import.meta.url), "utf8"),
);

const bytesOf = (h: string): Buffer => Buffer.from(h.slice(2), "hex");

/* ---------------------------- naive reference ---------------------------- */

function sha256(...parts: Uint8Array[]): Buffer {
  const h = createHash("sha256");
  for (const p of parts) h.update(p);
  return h.digest();
}

/** SPEC rule, read literally: zero-padded 32-byte leaves, count padded to a power of two >= 2. */
function naiveRoot(data: Uint8Array): Buffer {
  let count = 2;
  while (count * 32 < data.length) count *= 2;
  const leaves = Array.from({ length: count }, (_, i) => {
    const leaf = Buffer.alloc(32);
    if (i * 32 < data.length) leaf.set(data.subarray(i * 32, Math.min(data.length, i * 32 + 32)));
    return leaf;
  });
  const subtree = (start: number, size: number): Buffer =>
    size === 2
      ? sha256(Buffer.from([0x00]), leaves[start], leaves[start + 1])
      : sha256(Buffer.from([0x01]), subtree(start, size / 2), subtree(start + size / 2, size / 2));
  return subtree(0, count);
}

function naiveCommit(typeWord: Uint8Array, data: Uint8Array): Hex32 {
  return toHex(sha256(Buffer.from([0x02]), typeWord, naiveRoot(data)));
}

function naiveCommitList(commitments: readonly Hex32[]): Hex32 {
  const count = Buffer.alloc(4);
  count.writeUInt32BE(commitments.length);
  return toHex(sha256(Buffer.from([0x03]), count, ...commitments.map(bytesOf)));
}

function randomData(rng: Rng, n: number): Uint8Array {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = rng.int(0, 255);
  return out;
}

async function deployHarness() {
  return { harness: await ethers.deployContract("TensorCommitmentHarness") };
}

/* --------------------------------- tests --------------------------------- */

describe("TensorCommitment", () => {
  describe("docs/vectors/tensor-commitment.json", () => {
    for (const v of vectors.tensors) {
      it(`vector "${v.name}" matches in TypeScript`, () => {
        const data = bytesOf(v.bytes);
        expect(toHex(encodeTensorType(v.dtype as DType, v.shape))).to.equal(v.typeWord);
        expect(toHex(merkleRoot(data))).to.equal(v.root);
        expect(commitBytes(v.dtype as DType, v.shape, data)).to.equal(v.commitment);
        expect(decodeTensorType(bytesOf(v.typeWord))).to.deep.equal({ dtype: v.dtype, shape: v.shape });
      });

      it(`vector "${v.name}" matches on-chain (root, commit with the type word, byte length)`, async () => {
        const { harness } = await networkHelpers.loadFixture(deployHarness);
        expect(await harness.root(v.bytes)).to.equal(v.root);
        expect(await harness.commit(v.typeWord, v.bytes)).to.equal(v.commitment);
        expect(await harness.byteLength(v.typeWord)).to.equal(BigInt(bytesOf(v.bytes).length));
        await harness.validate(v.typeWord);
      });

      it(`vector "${v.name}" matches the naive recursive reference`, () => {
        expect(toHex(naiveRoot(bytesOf(v.bytes)))).to.equal(v.root);
        expect(naiveCommit(bytesOf(v.typeWord), bytesOf(v.bytes))).to.equal(v.commitment);
      });
    }

    for (const l of vectors.lists) {
      it(`list vector "${l.name}" matches in TypeScript, on-chain and in the naive reference`, async () => {
        const { harness } = await networkHelpers.loadFixture(deployHarness);
        expect(commitTensorList(l.commitments)).to.equal(l.commitment);
        expect(naiveCommitList(l.commitments)).to.equal(l.commitment);
        expect(await harness.commitList(l.commitments)).to.equal(l.commitment);
      });
    }
  });

  describe("agreement on random data", () => {
    it("TypeScript and the naive reference agree on every length 0..2000", () => {
      const rng = new Rng(0x7e5);
      for (let n = 0; n <= 2000; n++) {
        const data = randomData(rng, n);
        expect(toHex(merkleRoot(data)), `length ${n}`).to.equal(toHex(naiveRoot(data)));
      }
    });

    it("Solidity, TypeScript and the naive reference agree on seeded random lengths 0..2000 (root and commit)", async () => {
      const { harness } = await networkHelpers.loadFixture(deployHarness);
      const rng = new Rng(20240601);
      const edges = [0, 1, 31, 32, 33, 63, 64, 65, 95, 96, 97, 127, 128, 129, 191, 192, 193, 255, 256, 257, 1023, 1024, 1025, 2000];
      const lengths = [...edges, ...Array.from({ length: 500 }, () => rng.int(0, 2000))];
      for (const n of lengths) {
        const data = randomData(rng, n);
        const expected = toHex(naiveRoot(data));
        expect(toHex(merkleRoot(data)), `TS root, length ${n}`).to.equal(expected);
        expect(await harness.root(data), `on-chain root, length ${n}`).to.equal(expected);
        const word = encodeTensorType(DType.UINT8, [n]);
        const commitment = naiveCommit(word, data);
        expect(commitBytes(DType.UINT8, [n], data), `TS commit, length ${n}`).to.equal(commitment);
        expect(await harness.commit(word, data), `on-chain commit, length ${n}`).to.equal(commitment);
      }
    });

    it("commitList agrees with the naive reference on random lists of 0..20 commitments", async () => {
      const { harness } = await networkHelpers.loadFixture(deployHarness);
      const rng = new Rng(99);
      for (let k = 0; k <= 20; k++) {
        const list = Array.from({ length: k }, () => toHex(randomData(rng, 32)));
        const expected = naiveCommitList(list);
        expect(commitTensorList(list)).to.equal(expected);
        expect(await harness.commitList(list)).to.equal(expected);
      }
    });
  });

  describe("leaf proofs", () => {
    const samples = vectors.tensors.filter((v) => ["uint8 [33], two leaves", "int8 [100], four leaves", "uint8 [300], odd levels", "float32 [1,1,28,28], an MNIST input (98 leaves, padded to 128)"].includes(v.name));

    it("picks the tensors it claims to", () => {
      expect(samples).to.have.length(4);
    });

    for (const v of samples) {
      it(`every leaf of "${v.name}" (padding included) proves back to the root`, () => {
        const data = bytesOf(v.bytes);
        const depth = treeDepth(data.length);
        for (let i = 0; i < 2 ** depth; i++) {
          const proof = leafProof(data, i);
          expect(proof).to.have.length(depth);
          expect(toHex(rootFromProof(leafChunk(data, i), i, proof)), `leaf ${i}`).to.equal(v.root);
        }
      });
    }

    it("a proof does not verify a tampered leaf or another index", () => {
      const data = bytesOf(vectors.tensors.find((v) => v.name === "uint8 [300], odd levels")!.bytes);
      const root = toHex(merkleRoot(data));
      const proof = leafProof(data, 3);
      const tampered = Buffer.from(leafChunk(data, 3));
      tampered[0] ^= 1;
      expect(toHex(rootFromProof(tampered, 3, proof))).to.not.equal(root);
      expect(toHex(rootFromProof(leafChunk(data, 3), 2, proof))).to.not.equal(root);
    });

    it("leafProof refuses an index outside the padded tree", () => {
      const data = new Uint8Array(100);
      expect(() => leafProof(data, 4)).to.throw(/outside/);
      expect(() => leafProof(data, -1)).to.throw(/outside/);
    });
  });

  describe("type words", () => {
    const valid = encodeTensorType(DType.INT8, [2, 3]);
    const withByte = (index: number, value: number): Hex32 => {
      const w = Buffer.from(valid);
      w[index] = value;
      return toHex(w);
    };
    const nonCanonical: [string, Hex32][] = [
      ["dtype 0 (UNDEFINED)", withByte(0, 0)],
      ["dtype 8 (STRING)", withByte(0, 8)],
      ["dtype 14 (COMPLEX64)", withByte(0, 14)],
      ["dtype 255", withByte(0, 255)],
      ["rank 9", withByte(1, 9)],
      ["rank 255", withByte(1, 255)],
      ["a non-zero dim beyond the rank", withByte(2 + 3 * 2 + 2, 1)],
      ["a non-zero last dim slot at rank 0", toHex(Buffer.concat([Buffer.from([2, 0]), Buffer.alloc(23), Buffer.from([1]), Buffer.alloc(6)]))],
      ["a non-zero first trailing byte", withByte(26, 1)],
      ["a non-zero last trailing byte", withByte(31, 0x80)],
    ];

    for (const [what, word] of nonCanonical) {
      it(`a word with ${what} reverts TensorTypeInvalid on-chain and throws in TypeScript`, async () => {
        const { harness } = await networkHelpers.loadFixture(deployHarness);
        await expect(harness.validate(word)).to.be.revertedWithCustomError(harness, "TensorTypeInvalid").withArgs(word);
        await expect(harness.commit(word, "0x")).to.be.revertedWithCustomError(harness, "TensorTypeInvalid").withArgs(word);
        expect(() => decodeTensorType(bytesOf(word))).to.throw(TensorTypeError);
      });
    }

    it("encodeTensorType refuses an unknown dtype, rank 9 and a dim over 2^24 - 1", () => {
      expect(() => encodeTensorType(8 as DType, [1])).to.throw(TensorTypeError);
      expect(() => encodeTensorType(DType.UINT8, [1, 1, 1, 1, 1, 1, 1, 1, 1])).to.throw(TensorTypeError);
      expect(() => encodeTensorType(DType.UINT8, [0x1000000])).to.throw(TensorTypeError);
    });

    it("every known dtype at ranks 0..8 round-trips and has the same byte length on both sides", async () => {
      const { harness } = await networkHelpers.loadFixture(deployHarness);
      const dtypes = [1, 2, 3, 4, 5, 6, 7, 9, 10, 11, 12, 13] as DType[];
      for (const dtype of dtypes) {
        for (let rank = 0; rank <= 8; rank++) {
          const shape = Array.from({ length: rank }, (_, i) => (i % 3) + 1);
          const word = encodeTensorType(dtype, shape);
          expect(decodeTensorType(word)).to.deep.equal({ dtype, shape });
          await harness.validate(word);
          expect(await harness.byteLength(word)).to.equal(BigInt(tensorByteLength({ dtype, shape })));
        }
      }
    });

    it("a length mismatch reverts TensorCommitmentLengthMismatch(expected, actual) and throws in TypeScript", async () => {
      const { harness } = await networkHelpers.loadFixture(deployHarness);
      const word = encodeTensorType(DType.INT32, [3, 3]);
      await expect(harness.commit(word, new Uint8Array(35)))
        .to.be.revertedWithCustomError(harness, "TensorCommitmentLengthMismatch")
        .withArgs(36, 35);
      await expect(harness.commit(word, new Uint8Array(37)))
        .to.be.revertedWithCustomError(harness, "TensorCommitmentLengthMismatch")
        .withArgs(36, 37);
      expect(() => commitBytes(DType.INT32, [3, 3], new Uint8Array(35))).to.throw(/needs 36 bytes, got 35/);
    });
  });
});
