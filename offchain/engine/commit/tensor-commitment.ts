/**
 * Tensor commitment (docs/SPEC.md, "Tensor commitment"): the elements' little-endian bytes cut into
 * 32-byte leaves (the chunks themselves), the last one zero-padded; the leaf count padded with zero
 * leaves to a power of two, at least 2. A node over two leaves is H(0x00 ‖ left ‖ right), a node
 * over two nodes H(0x01 ‖ left ‖ right), so leaf data can never pose as a node; commitment =
 * H(0x02 ‖ typeWord ‖ root). Hashing leaves in pairs halves the on-chain cost of committing
 * (one hash per 64 bytes instead of per 32) while an opening stays the same size: the sibling
 * chunk replaces the leaf-level sibling hash. contracts/libraries/TensorCommitment.sol is the twin.
 */
import { type DType, type Tensor, tensorBytes } from "../tensor.js";
import { Tag, taggedHash, toHex, type Hex32 } from "./hash.js";
import { hashNode, hashPairsLevel } from "./sha256-batch.js";
import { encodeTensorType, tensorByteLength } from "./tensor-type.js";

export const LEAF_BYTES = 32;
/** Trees deeper than this are refused (the contracts' limit). */
export const MAX_TREE_DEPTH = 32;

const ZERO_CHUNK = Buffer.alloc(LEAF_BYTES);

/** ZERO_SUBTREE[d]: the root of a height-d subtree of zero leaves (ZERO_SUBTREE[0]: a zero leaf). */
export const ZERO_SUBTREE: readonly Buffer[] = (() => {
  const z: Buffer[] = [ZERO_CHUNK, taggedHash(Tag.TENSOR_LEAF, ZERO_CHUNK, ZERO_CHUNK)];
  for (let d = 2; d <= MAX_TREE_DEPTH; d++) z.push(taggedHash(Tag.TENSOR_NODE, z[d - 1]!, z[d - 1]!));
  return z;
})();

/** Number of 32-byte leaves before padding. */
export function leafCount(byteLength: number): number {
  return Math.ceil(byteLength / LEAF_BYTES);
}

/** Depth of the padded tree: ceil(log2(leafCount)), at least 1. */
export function treeDepth(byteLength: number): number {
  const n = leafCount(byteLength);
  const depth = n <= 2 ? 1 : Math.ceil(Math.log2(n));
  if (depth > MAX_TREE_DEPTH) throw new Error(`a tensor of ${byteLength} bytes exceeds the tree depth limit ${MAX_TREE_DEPTH}`);
  return depth;
}

/** Leaf i: the i-th 32-byte chunk, zero-padded (zero beyond the data). */
export function leafChunk(bytes: Uint8Array, i: number): Uint8Array {
  const start = i * LEAF_BYTES;
  if (start + LEAF_BYTES <= bytes.length) return bytes.subarray(start, start + LEAF_BYTES);
  const padded = Buffer.alloc(LEAF_BYTES);
  if (start < bytes.length) padded.set(bytes.subarray(start));
  return padded;
}

/**
 * Hashes the leaf level into `out` (32 bytes a node from offset 0): one node per 64 bytes of data,
 * the last pair zero-padded (a lone last leaf's sibling is the zero leaf Z_0). Returns the count.
 */
function hashLeafLevel(bytes: Uint8Array, out: Uint8Array): number {
  const pairs = Math.max(1, Math.ceil(bytes.length / (2 * LEAF_BYTES)));
  const full = Math.floor(bytes.length / (2 * LEAF_BYTES));
  hashPairsLevel(Tag.TENSOR_LEAF, bytes, out, full);
  if (full < pairs) {
    const tail = new Uint8Array(2 * LEAF_BYTES);
    tail.set(bytes.subarray(full * 2 * LEAF_BYTES));
    hashPairsLevel(Tag.TENSOR_LEAF, tail, out, 1, 0, full * LEAF_BYTES);
  }
  return pairs;
}

/**
 * Every level of the tree over the real leaves: levels[0] are the leaf chunks, levels[d] the
 * nodes of height d; the last level is [root]. Padding is implicit (ZERO_SUBTREE). Each level's
 * nodes are 32-byte Buffer views into one buffer per level, hashed in one hashPairsLevel call.
 */
export function merkleLevels(bytes: Uint8Array): Uint8Array[][] {
  const depth = treeDepth(bytes.length);
  const leaves: Uint8Array[] = Array.from({ length: Math.max(1, leafCount(bytes.length)) }, (_, i) => leafChunk(bytes, i));
  const levels: Uint8Array[][] = [leaves];
  // Each node buffer has room for one node more: an odd level's zero-subtree sibling.
  let buf = Buffer.alloc((Math.max(1, Math.ceil(bytes.length / (2 * LEAF_BYTES))) + 1) * LEAF_BYTES);
  let count = hashLeafLevel(bytes, buf);
  for (let d = 1; ; d++) {
    levels.push(Array.from({ length: count }, (_, i) => buf.subarray(i * LEAF_BYTES, (i + 1) * LEAF_BYTES)));
    if (d === depth) break;
    if (count % 2 === 1) buf.set(ZERO_SUBTREE[d]!, count * LEAF_BYTES);
    const next = Math.ceil(count / 2);
    const nextBuf = Buffer.alloc((next + 1) * LEAF_BYTES);
    hashPairsLevel(Tag.TENSOR_NODE, buf, nextBuf, next);
    buf = nextBuf;
    count = next;
  }
  return levels;
}

/** Merkle root of a byte string's padded leaf tree (one work buffer, hashed level by level in place). */
export function merkleRoot(bytes: Uint8Array): Buffer {
  const depth = treeDepth(bytes.length);
  const work = new Uint8Array((Math.max(1, Math.ceil(bytes.length / (2 * LEAF_BYTES))) + 1) * LEAF_BYTES);
  let count = hashLeafLevel(bytes, work);
  for (let d = 1; d < depth; d++) {
    if (count % 2 === 1) work.set(ZERO_SUBTREE[d]!, count * LEAF_BYTES);
    count = Math.ceil(count / 2);
    hashPairsLevel(Tag.TENSOR_NODE, work, work, count);
  }
  return Buffer.from(work.subarray(0, LEAF_BYTES));
}

/** Siblings from the leaf upward (the first is the sibling leaf chunk) proving leaf `index`. */
export function leafProof(bytes: Uint8Array, index: number): Buffer[] {
  const levels = merkleLevels(bytes);
  const depth = levels.length - 1;
  if (!Number.isInteger(index) || index < 0 || index >= 2 ** depth) {
    throw new Error(`leaf index ${index} outside a tree of ${2 ** depth} leaves`);
  }
  const proof: Buffer[] = [];
  let i = index;
  for (let d = 0; d < depth; d++) {
    proof.push(Buffer.from(levels[d]![i ^ 1] ?? ZERO_SUBTREE[d]!));
    i >>= 1;
  }
  return proof;
}

/** Root implied by a 32-byte leaf chunk at `index` and its siblings (leafProof's output). */
export function rootFromProof(leaf: Uint8Array, index: number, siblings: readonly Uint8Array[]): Buffer {
  let h: Uint8Array = leaf;
  let i = index;
  siblings.forEach((s, d) => {
    const tag = d === 0 ? Tag.TENSOR_LEAF : Tag.TENSOR_NODE;
    h = i & 1 ? taggedHash(tag, s, h) : taggedHash(tag, h, s);
    i >>= 1;
  });
  return Buffer.from(h);
}

/** Commitment of a tensor given as its type and little-endian bytes. */
export function commitBytes(dtype: DType, shape: readonly number[], bytes: Uint8Array): Hex32 {
  const expected = tensorByteLength({ dtype, shape });
  if (bytes.length !== expected) {
    throw new Error(`tensor of shape [${shape.join(",")}] needs ${expected} bytes, got ${bytes.length}`);
  }
  // The header is one 65-byte message like a tree node: hashed in JS, without a native call.
  const out = Buffer.allocUnsafe(32);
  hashNode(Tag.TENSOR, encodeTensorType(dtype, shape), merkleRoot(bytes), out);
  return toHex(out);
}

/** The commitment of a tensor: the one value that names it on-chain. */
export function commitTensor(t: Tensor): Hex32 {
  return commitBytes(t.dtype, t.shape, tensorBytes(t));
}

/** Commitment of an ordered list of tensor commitments (a job's inputs, a result's outputs). */
export function commitTensorList(commitments: readonly Hex32[]): Hex32 {
  const count = Buffer.alloc(4);
  count.writeUInt32BE(commitments.length);
  return toHex(taggedHash(Tag.TENSOR_LIST, count, ...commitments.map((c) => Buffer.from(c.slice(2), "hex"))));
}
