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
import { Tag, taggedHash, type Hex32 } from "./hash.js";
import { hashPairsLevel, sha256Into } from "./sha256-batch.js";
import { hashBackend } from "./sha256-native.js";
import { tensorByteLength, writeTensorType } from "./tensor-type.js";

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
 * Hashes the leaf level into out[at ..) (32 bytes a node): one node per 64 bytes of data, the last
 * pair zero-padded (a lone last leaf's sibling is the zero leaf Z_0). The short last pair is
 * assembled in `out` just past the level's nodes, so `out` needs (pairs + 2) * 32 bytes from
 * `at`. Returns the node count.
 */
function hashLeafLevel(bytes: Uint8Array, out: Uint8Array, at = 0): number {
  const pairs = Math.max(1, Math.ceil(bytes.length / (2 * LEAF_BYTES)));
  const full = Math.floor(bytes.length / (2 * LEAF_BYTES));
  if (full > 0) hashPairsLevel(Tag.TENSOR_LEAF, bytes, out, full, 0, at);
  if (full < pairs) {
    const tail = at + pairs * LEAF_BYTES;
    const from = full * 2 * LEAF_BYTES;
    // A byte loop: under 64 bytes, cheaper than a subarray view and a set().
    for (let i = 0; i < 2 * LEAF_BYTES; i++) out[tail + i] = from + i < bytes.length ? bytes[from + i]! : 0;
    hashPairsLevel(Tag.TENSOR_LEAF, out, out, 1, tail, at + full * LEAF_BYTES);
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
  let buf = Buffer.alloc((Math.max(1, Math.ceil(bytes.length / (2 * LEAF_BYTES))) + 2) * LEAF_BYTES);
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

/**
 * The work buffer of merkleRoot and commitBytes, reused across calls (hashing is synchronous) so
 * a commitment allocates nothing: a small tensor's whole commitment is a few hashes, and a fresh
 * buffer per call cost as much as those. Kept up to SCRATCH_KEEP bytes; bigger trees get their own.
 */
const SCRATCH_KEEP = 1 << 20;
let scratch = Buffer.alloc(4096);

/**
 * Hashes the padded leaf tree of `bytes` level by level in place in a work buffer from offset
 * `at`, and returns that buffer: the root is its 32 bytes at `at`. The `at` bytes before are the
 * caller's (commitBytes puts the type word there).
 */
function merkleRootWork(bytes: Uint8Array, at: number): Buffer {
  const depth = treeDepth(bytes.length);
  const need = at + (Math.max(1, Math.ceil(bytes.length / (2 * LEAF_BYTES))) + 2) * LEAF_BYTES;
  let work = scratch;
  if (need > work.length) {
    work = Buffer.alloc(need);
    if (need <= SCRATCH_KEEP) scratch = work;
  }
  let count = hashLeafLevel(bytes, work, at);
  for (let d = 1; d < depth; d++) {
    if (count % 2 === 1) work.set(ZERO_SUBTREE[d]!, at + count * LEAF_BYTES);
    count = Math.ceil(count / 2);
    hashPairsLevel(Tag.TENSOR_NODE, work, work, count, at, at);
  }
  return work;
}

/** Merkle root of a byte string's padded leaf tree (on the native backend: the addon's tree, one call). */
export function merkleRoot(bytes: Uint8Array): Buffer {
  treeDepth(bytes.length); // refuses a tree too deep, with the JS message
  const native = hashBackend().native;
  if (native !== undefined) {
    const root = Buffer.allocUnsafe(LEAF_BYTES);
    native.tensorRoot(bytes, root);
    return root;
  }
  return Buffer.from(merkleRootWork(bytes, 0).subarray(0, LEAF_BYTES));
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

/** The commitment's type word and digest (synchronous, so one of each for every call). */
const TYPE_WORD = Buffer.alloc(LEAF_BYTES);
const DIGEST = Buffer.alloc(LEAF_BYTES);

/** Commitment of a tensor given as its type and little-endian bytes. */
export function commitBytes(dtype: DType, shape: readonly number[], bytes: Uint8Array): Hex32 {
  const expected = tensorByteLength({ dtype, shape });
  if (bytes.length !== expected) {
    throw new Error(`tensor of shape [${shape.join(",")}] needs ${expected} bytes, got ${bytes.length}`);
  }
  treeDepth(bytes.length); // refuses a tree too deep, with the JS message
  const native = hashBackend().native;
  if (native !== undefined) {
    // The whole tree and the header in one native call: for a job's small output, a call per
    // level and the JS between them cost more than the three compressions themselves.
    writeTensorType(dtype, shape, TYPE_WORD, 0);
    native.tensorCommitment(TYPE_WORD, bytes, DIGEST);
  } else {
    // The header typeWord ‖ root is one 65-byte message like a tree node: the root lands right
    // after the type word in the work buffer, and the pair is hashed where it lies.
    const work = merkleRootWork(bytes, LEAF_BYTES);
    writeTensorType(dtype, shape, work, 0);
    hashPairsLevel(Tag.TENSOR, work, DIGEST, 1);
  }
  return `0x${DIGEST.toString("hex")}`;
}

/** The commitment of a tensor: the one value that names it on-chain. */
export function commitTensor(t: Tensor): Hex32 {
  return commitBytes(t.dtype, t.shape, tensorBytes(t));
}

/** The message of a list commitment, reused (grown) across calls. */
let listMessage = Buffer.alloc(5 + 32 * 8);
const LIST_DIGEST = Buffer.alloc(32);

/** Commitment of an ordered list of tensor commitments (a job's inputs, a result's outputs). */
export function commitTensorList(commitments: readonly Hex32[]): Hex32 {
  const native = hashBackend().native;
  if (native !== undefined) {
    // One native call decodes and hashes the list (the same TypeError on a malformed commitment).
    native.listCommitment(commitments, LIST_DIGEST);
    return `0x${LIST_DIGEST.toString("hex")}`;
  }
  const k = commitments.length;
  const length = 5 + 32 * k;
  if (listMessage.length < length) listMessage = Buffer.alloc(length);
  const m = listMessage;
  m[0] = Tag.TENSOR_LIST;
  m.writeUInt32BE(k, 1);
  for (let i = 0; i < k; i++) {
    const c = commitments[i]!;
    // write() stops at the first non-hex character: a short count is a malformed commitment.
    if (c.length !== 66 || c[0] !== "0" || c[1] !== "x" || m.write(c.slice(2), 5 + 32 * i, "hex") !== 32) {
      throw new TypeError(`commitments[${i}] is not a 0x-prefixed 32-byte hex string`);
    }
  }
  sha256Into(m, length, LIST_DIGEST);
  return `0x${LIST_DIGEST.toString("hex")}`;
}
