/**
 * Binary Merkle trees over 32-byte words that are already commitments (the value table's slots,
 * the node descriptors' hashes): leaves are the words themselves, padded with zero words to a
 * power of two (at least 2); a node is H(tag ‖ left ‖ right) with the tree's own tag, so a node
 * of one tree can never pose as a node of another (docs/SPEC.md, sections 7-8).
 */
import { taggedHash } from "./hash.js";
import { hashPairsLevel } from "./sha256-batch.js";

export const ZERO_WORD: Buffer = Buffer.alloc(32);

/** Width (leaf count after padding) and depth of a word tree over `n` leaves. */
export function wordTreeShape(n: number): { width: number; depth: number } {
  let depth = 1;
  while (2 ** depth < n) depth++;
  if (depth > 32) throw new Error(`a word tree of ${n} leaves exceeds depth 32`);
  return { width: 2 ** depth, depth };
}

/** zeroSubtrees(tag)[h]: root of an all-zero subtree of height h. */
const zeroCache = new Map<number, Buffer[]>();
export function zeroSubtrees(tag: number): readonly Buffer[] {
  let z = zeroCache.get(tag);
  if (!z) {
    z = [ZERO_WORD];
    for (let h = 1; h <= 32; h++) z.push(taggedHash(tag, z[h - 1]!, z[h - 1]!));
    zeroCache.set(tag, z);
  }
  return z;
}

/**
 * A word tree with every level kept, for roots, proofs and single-leaf updates. Level h is one
 * buffer of 32-byte words (plus one spare word holding the zero-subtree sibling when the level is
 * odd), hashed in one hashPairsLevel call at construction; every word handed out is a copy.
 */
export class WordTree {
  readonly depth: number;
  /** levels[h]: the stored words of height h, then (if counts[h] is odd) zero[h]. */
  private readonly levels: Buffer[];
  private readonly counts: number[];

  constructor(
    readonly tag: number,
    leaves: readonly Uint8Array[],
  ) {
    this.depth = wordTreeShape(leaves.length).depth;
    const zero = zeroSubtrees(tag);
    let count = leaves.length;
    let level = Buffer.alloc((count + 1) * 32);
    leaves.forEach((l, i) => {
      if (l.length !== 32) throw new Error(`word tree leaves are 32 bytes, got ${l.length}`);
      level.set(l, 32 * i);
    });
    this.levels = [level];
    this.counts = [count];
    for (let h = 0; h < this.depth; h++) {
      if (count % 2 === 1) level.set(zero[h]!, 32 * count);
      const next = Math.ceil(count / 2);
      const nextLevel = Buffer.alloc((next + 1) * 32);
      hashPairsLevel(tag, level, nextLevel, next);
      this.levels.push(nextLevel);
      this.counts.push(next);
      level = nextLevel;
      count = next;
    }
  }

  /** Copy of word `i` of level `h`, or zero[h] beyond the stored words. */
  private word(h: number, i: number): Buffer {
    if (i < this.counts[h]!) return Buffer.from(this.levels[h]!.subarray(32 * i, 32 * i + 32));
    return zeroSubtrees(this.tag)[h]!;
  }

  get root(): Buffer {
    return this.word(this.depth, 0);
  }

  leaf(index: number): Buffer {
    return Number.isInteger(index) && index >= 0 && index < this.counts[0]! ? this.word(0, index) : ZERO_WORD;
  }

  /** Sibling words from the leaf up. */
  proof(index: number): Buffer[] {
    if (!Number.isInteger(index) || index < 0 || index >= 2 ** this.depth) {
      throw new Error(`leaf ${index} outside a tree of ${2 ** this.depth} leaves`);
    }
    const out: Buffer[] = [];
    let i = index;
    for (let h = 0; h < this.depth; h++) {
      out.push(this.word(h, i ^ 1));
      i >>= 1;
    }
    return out;
  }

  /** Sets one leaf and rehashes its path: O(depth). */
  set(index: number, word: Uint8Array): void {
    if (!Number.isInteger(index) || index < 0 || index >= this.counts[0]!) throw new Error(`leaf ${index} is not a stored leaf`);
    if (word.length !== 32) throw new Error(`word tree leaves are 32 bytes, got ${word.length}`);
    this.levels[0]!.set(word, 32 * index);
    let i = index;
    for (let h = 0; h < this.depth; h++) {
      const parent = i >> 1;
      // The pair (2 parent, 2 parent + 1) is contiguous: a missing right word is the spare zero[h].
      hashPairsLevel(this.tag, this.levels[h]!, this.levels[h + 1]!, 1, 64 * parent, 32 * parent);
      i = parent;
    }
  }
}

/** Root implied by a leaf word at `index` and its siblings. */
export function wordRootFromProof(tag: number, leaf: Uint8Array, index: number, siblings: readonly Uint8Array[]): Buffer<ArrayBufferLike> {
  let h: Buffer<ArrayBufferLike> = Buffer.from(leaf);
  let i = index;
  for (const s of siblings) {
    h = i & 1 ? taggedHash(tag, s, h) : taggedHash(tag, h, s);
    i >>= 1;
  }
  return h;
}
