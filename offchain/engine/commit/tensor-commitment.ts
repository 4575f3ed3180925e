/**
 * Tensor commitment (docs/SPEC.md, "Tensor commitment"): the elements' little-endian bytes cut into
 * 32-byte leaves, the last one zero-padded; the leaf count padded with zero leaves to a power of two
 * (at least one leaf); leaf = H(0x00 ‖ chunk), node = H(0x01 ‖ left ‖ right);
 * commitment = H(0x02 ‖ typeWord ‖ root). contracts/libraries/TensorCommitment.sol is the twin.
 */
import { type DType, type Tensor, tensorBytes } from "../tensor.js";
import { Tag, taggedHash, toHex, type Hex32 } from "./hash.js";
import { encodeTensorType, tensorByteLength } from "./tensor-type.js";

export const LEAF_BYTES = 32;
/** Trees deeper than this are refused (the contracts' limit). */
export const MAX_TREE_DEPTH = 32;

const ZERO_CHUNK = Buffer.alloc(LEAF_BYTES);

/** ZERO_SUBTREE[d]: the root of a depth-d subtree of zero leaves. */
export const ZERO_SUBTREE: readonly Buffer[] = (() => {
  const z: Buffer[] = [taggedHash(Tag.TENSOR_LEAF, ZERO_CHUNK)];
  for (let d = 1; d <= MAX_TREE_DEPTH; d++) z.push(taggedHash(Tag.TENSOR_NODE, z[d - 1]!, z[d - 1]!));
  return z;
})();

/** Number of 32-byte leaves of a byte string before padding (at least 1). */
export function leafCount(byteLength: number): number {
  return Math.max(1, Math.ceil(byteLength / LEAF_BYTES));
}

/** Depth of the padded tree: ceil(log2(leafCount)). */
export function treeDepth(byteLength: number): number {
  const n = leafCount(byteLength);
  const depth = n <= 1 ? 0 : Math.ceil(Math.log2(n));
  if (depth > MAX_TREE_DEPTH) throw new Error(`a tensor of ${byteLength} bytes exceeds the tree depth limit ${MAX_TREE_DEPTH}`);
  return depth;
}

function chunk(bytes: Uint8Array, i: number): Uint8Array {
  const start = i * LEAF_BYTES;
  if (start + LEAF_BYTES <= bytes.length) return bytes.subarray(start, start + LEAF_BYTES);
  const padded = Buffer.alloc(LEAF_BYTES);
  padded.set(bytes.subarray(start));
  return padded;
}

/** Every level of the tree over the real leaves, bottom (leaf hashes) first; padding is implicit. */
export function merkleLevels(bytes: Uint8Array): Buffer[][] {
  const n = leafCount(bytes.length);
  const depth = treeDepth(bytes.length);
  let level: Buffer[] = new Array(n);
  for (let i = 0; i < n; i++) level[i] = taggedHash(Tag.TENSOR_LEAF, chunk(bytes, i));
  const levels = [level];
  for (let d = 0; d < depth; d++) {
    const next: Buffer[] = new Array(Math.ceil(level.length / 2));
    for (let i = 0; i < next.length; i++) {
      next[i] = taggedHash(Tag.TENSOR_NODE, level[2 * i]!, level[2 * i + 1] ?? ZERO_SUBTREE[d]!);
    }
    levels.push(next);
    level = next;
  }
  return levels;
}

/** Merkle root of a byte string's padded leaf tree. */
export function merkleRoot(bytes: Uint8Array): Buffer {
  const levels = merkleLevels(bytes);
  return levels[levels.length - 1]![0]!;
}

/** Siblings from the leaf upward, proving leaf `index` under merkleRoot(bytes). */
export function leafProof(bytes: Uint8Array, index: number): Buffer[] {
  const levels = merkleLevels(bytes);
  const depth = levels.length - 1;
  if (!Number.isInteger(index) || index < 0 || index >= 2 ** depth) {
    throw new Error(`leaf index ${index} outside a tree of ${2 ** depth} leaves`);
  }
  const proof: Buffer[] = [];
  let i = index;
  for (let d = 0; d < depth; d++) {
    proof.push(levels[d]![i ^ 1] ?? ZERO_SUBTREE[d]!);
    i >>= 1;
  }
  return proof;
}

/** Root implied by a 32-byte leaf chunk at `index` and its siblings. */
export function rootFromProof(leafChunk: Uint8Array, index: number, siblings: readonly Uint8Array[]): Buffer {
  let h = taggedHash(Tag.TENSOR_LEAF, leafChunk);
  let i = index;
  for (const s of siblings) {
    h = i & 1 ? taggedHash(Tag.TENSOR_NODE, s, h) : taggedHash(Tag.TENSOR_NODE, h, s);
    i >>= 1;
  }
  return h;
}

/** Commitment of a tensor given as its type and little-endian bytes. */
export function commitBytes(dtype: DType, shape: readonly number[], bytes: Uint8Array): Hex32 {
  const expected = tensorByteLength({ dtype, shape });
  if (bytes.length !== expected) {
    throw new Error(`tensor of shape [${shape.join(",")}] needs ${expected} bytes, got ${bytes.length}`);
  }
  return toHex(taggedHash(Tag.TENSOR, encodeTensorType(dtype, shape), merkleRoot(bytes)));
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
