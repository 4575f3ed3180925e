/**
 * The specialised 65-byte SHA-256 (offchain/engine/commit/sha256-batch.ts) against node:crypto,
 * and the trees built on it against the per-node node:crypto definition (docs/SPEC.md, 3, 7, 8),
 * once per tree-hashing backend (the JS batch hasher, and the native addon when it is built).
 */
import { expect } from "chai";
import { createHash } from "node:crypto";
import { hashNode, hashPairsLevel } from "../../offchain/engine/commit/sha256-batch.js";
import { Tag, taggedHash } from "../../offchain/engine/commit/hash.js";
import {
  leafChunk,
  leafCount,
  leafProof,
  merkleLevels,
  merkleRoot,
  rootFromProof,
  treeDepth,
  ZERO_SUBTREE,
} from "../../offchain/engine/commit/tensor-commitment.js";
import { WordTree, wordRootFromProof, zeroSubtrees } from "../../offchain/engine/commit/word-tree.js";
import { forEachHashBackend } from "./support/hash-backends.js";
import { Rng } from "./support/prng.js";

const sha256 = (tag: number, pair: Uint8Array): Buffer => createHash("sha256").update(Uint8Array.of(tag)).update(pair).digest();

function randomBytes(rng: Rng, n: number): Uint8Array {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = rng.nextU32() & 0xff;
  return out;
}

/** The tree by its definition: one node:crypto call per node (the code before the batch hasher). */
function referenceLevels(bytes: Uint8Array): Uint8Array[][] {
  const depth = treeDepth(bytes.length);
  let level: Uint8Array[] = Array.from({ length: Math.max(1, leafCount(bytes.length)) }, (_, i) => leafChunk(bytes, i));
  const levels = [level];
  for (let d = 0; d < depth; d++) {
    const tag = d === 0 ? Tag.TENSOR_LEAF : Tag.TENSOR_NODE;
    level = Array.from({ length: Math.ceil(level.length / 2) }, (_, i) => taggedHash(tag, level[2 * i]!, level[2 * i + 1] ?? ZERO_SUBTREE[d]!));
    levels.push(level);
  }
  return levels;
}

forEachHashBackend("sha256-batch: 65-byte SHA-256 against node:crypto", () => {
  it("agrees on 100,000 seeded random messages (random tags), hashed as one level", () => {
    const rng = new Rng(20250917);
    const n = 100_000;
    const input = randomBytes(rng, 64 * n);
    for (const tag of [0x00, 0x01, 0x14, 0x15, rng.nextU32() & 0xff]) {
      const output = new Uint8Array(32 * n);
      hashPairsLevel(tag, input, output, n);
      for (let i = 0; i < n; i++) {
        const want = sha256(tag, input.subarray(64 * i, 64 * i + 64));
        if (!want.equals(output.subarray(32 * i, 32 * i + 32))) expect.fail(`tag ${tag}, message ${i}: mismatch`);
      }
    }
  });

  it("agrees on every tag byte 0..255 and every last byte 0..255 (the tabulated second block)", () => {
    const rng = new Rng(7);
    const pair = randomBytes(rng, 64);
    const out = new Uint8Array(32);
    for (let tag = 0; tag < 256; tag++) {
      for (let last = 0; last < 256; last++) {
        pair[63] = last;
        pair[0] = tag ^ last; // vary the first block too
        hashPairsLevel(tag, pair, out, 1);
        if (!sha256(tag, pair).equals(out)) expect.fail(`tag ${tag}, last byte ${last}: mismatch`);
      }
    }
  });

  it("agrees on all-zero and all-0xff pairs, with offsets, unaligned views and in place", () => {
    for (const fill of [0x00, 0xff]) {
      const pair = new Uint8Array(64).fill(fill);
      const out = new Uint8Array(32);
      hashPairsLevel(0xff, pair, out, 1);
      expect(Buffer.from(out).equals(sha256(0xff, pair))).to.equal(true);
    }
    const rng = new Rng(11);
    const backing = randomBytes(rng, 64 * 9 + 3);
    const input = backing.subarray(3); // byteOffset 3: unaligned
    const out = new Uint8Array(5 + 32 * 4).subarray(5);
    hashPairsLevel(Tag.TENSOR_NODE, input, out, 4, 64 * 2, 0);
    for (let i = 0; i < 4; i++) expect(Buffer.from(out.subarray(32 * i, 32 * i + 32)).equals(sha256(1, input.subarray(64 * (i + 2), 64 * (i + 3))))).to.equal(true);
    const inPlace = Uint8Array.from(input);
    const want = Array.from({ length: 9 }, (_, i) => sha256(1, input.subarray(64 * i, 64 * i + 64)));
    hashPairsLevel(Tag.TENSOR_NODE, inPlace, inPlace, 9);
    for (let i = 0; i < 9; i++) expect(Buffer.from(inPlace.subarray(32 * i, 32 * i + 32)).equals(want[i]!)).to.equal(true);
    const node = new Uint8Array(32);
    hashNode(0x14, input.subarray(0, 32), input.subarray(32, 64), node);
    expect(Buffer.from(node).equals(taggedHash(0x14, input.subarray(0, 32), input.subarray(32, 64)))).to.equal(true);
  });

  it("refuses counts and offsets outside the buffers, and non-byte tags", () => {
    const buf = new Uint8Array(64);
    expect(() => hashPairsLevel(0, buf, new Uint8Array(32), 2)).to.throw(RangeError);
    expect(() => hashPairsLevel(0, buf, new Uint8Array(31), 1)).to.throw(RangeError);
    expect(() => hashPairsLevel(0, buf, new Uint8Array(32), 1, 1)).to.throw(RangeError);
    expect(() => hashPairsLevel(256, buf, new Uint8Array(32), 1)).to.throw(RangeError);
    expect(() => hashPairsLevel(0, buf, new Uint8Array(32), 0)).not.to.throw();
  });
});

forEachHashBackend("sha256-batch: trees built on it equal the per-node definition", () => {
  it("merkleLevels, merkleRoot, leafProof and rootFromProof, for every length 0..300 and some large ones", () => {
    const rng = new Rng(3);
    const lengths = [...Array.from({ length: 301 }, (_, i) => i), 1023, 1024, 1025, 4096 + 7, 65_536, 100_003];
    for (const len of lengths) {
      const bytes = randomBytes(rng, len);
      const want = referenceLevels(bytes);
      const got = merkleLevels(bytes);
      expect(got.length).to.equal(want.length);
      got.forEach((level, d) => {
        expect(level.length, `length ${len}, level ${d}`).to.equal(want[d]!.length);
        level.forEach((node, i) => {
          if (!Buffer.from(node).equals(Buffer.from(want[d]![i]!))) expect.fail(`length ${len}: level ${d} node ${i} differs`);
        });
      });
      const root = Buffer.from(want[want.length - 1]![0]!);
      expect(merkleRoot(bytes).equals(root), `root of ${len} bytes`).to.equal(true);
      if (len > 0 && len < 400) {
        const i = rng.int(0, leafCount(len) - 1);
        expect(rootFromProof(leafChunk(bytes, i), i, leafProof(bytes, i)).equals(root)).to.equal(true);
      }
    }
  });

  it("WordTree: root, proofs and set() against per-node taggedHash, every size 0..70", () => {
    const rng = new Rng(5);
    const reference = (tag: number, leaves: Uint8Array[]): Buffer => {
      const depth = new WordTree(tag, leaves).depth;
      const zero = zeroSubtrees(tag);
      let level: Buffer[] = leaves.map((l) => Buffer.from(l));
      for (let h = 0; h < depth; h++) {
        level = Array.from({ length: Math.ceil(level.length / 2) }, (_, i) => taggedHash(tag, level[2 * i]!, level[2 * i + 1] ?? zero[h]!));
      }
      return level[0] ?? zero[depth]!;
    };
    for (let n = 0; n <= 70; n++) {
      const tag = n % 2 === 0 ? Tag.VALUE_TABLE_NODE : Tag.NODE_TREE_NODE;
      const leaves = Array.from({ length: n }, () => randomBytes(rng, 32));
      const tree = new WordTree(tag, leaves);
      expect(tree.root.equals(reference(tag, leaves)), `root of ${n} leaves`).to.equal(true);
      for (let k = 0; k < Math.min(n, 4); k++) {
        const i = rng.int(0, n - 1);
        const word = randomBytes(rng, 32);
        const before = tree.proof(i);
        tree.set(i, word);
        leaves[i] = word;
        const root = reference(tag, leaves);
        expect(tree.root.equals(root), `root of ${n} leaves after set(${i})`).to.equal(true);
        expect(tree.leaf(i).equals(Buffer.from(word))).to.equal(true);
        expect(wordRootFromProof(tag, word, i, before).equals(root), "the siblings do not change").to.equal(true);
        expect(wordRootFromProof(tag, word, i, tree.proof(i)).equals(root)).to.equal(true);
      }
    }
  });
});
