/**
 * Binary Merkle trees over 32-byte words that are already commitments (the value table's slots,
 * the node descriptors' hashes): leaves are the words themselves, padded with zero words to a
 * power of two (at least 2); a node is H(tag ‖ left ‖ right) with the tree's own tag, so a node
 * of one tree can never pose as a node of another (docs/SPEC.md, sections 7-8).
 */
import { taggedHash } from "./hash.js";

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

/** A word tree with every level kept, for roots, proofs and single-leaf updates. */
export class WordTree {
  readonly depth: number;
  private readonly levels: Buffer<ArrayBufferLike>[][];

  constructor(
    readonly tag: number,
    leaves: readonly Uint8Array[],
  ) {
    this.depth = wordTreeShape(leaves.length).depth;
    const zero = zeroSubtrees(tag);
    let level: Buffer<ArrayBufferLike>[] = leaves.map((l) => {
      if (l.length !== 32) throw new Error(`word tree leaves are 32 bytes, got ${l.length}`);
      return Buffer.from(l);
    });
    this.levels = [level];
    for (let h = 0; h < this.depth; h++) {
      const next: Buffer[] = new Array(Math.ceil(level.length / 2));
      for (let i = 0; i < next.length; i++) next[i] = taggedHash(tag, level[2 * i]!, level[2 * i + 1] ?? zero[h]!);
      this.levels.push(next);
      level = next;
    }
  }

  get root(): Buffer {
    return this.levels[this.depth]![0] ?? zeroSubtrees(this.tag)[this.depth]!;
  }

  leaf(index: number): Buffer {
    return this.levels[0]![index] ?? ZERO_WORD;
  }

  /** Sibling words from the leaf up. */
  proof(index: number): Buffer[] {
    if (!Number.isInteger(index) || index < 0 || index >= 2 ** this.depth) {
      throw new Error(`leaf ${index} outside a tree of ${2 ** this.depth} leaves`);
    }
    const zero = zeroSubtrees(this.tag);
    const out: Buffer[] = [];
    let i = index;
    for (let h = 0; h < this.depth; h++) {
      out.push(this.levels[h]![i ^ 1] ?? zero[h]!);
      i >>= 1;
    }
    return out;
  }

  /** Sets one leaf and rehashes its path: O(depth). */
  set(index: number, word: Uint8Array): void {
    if (index < 0 || index >= this.levels[0]!.length) throw new Error(`leaf ${index} is not a stored leaf`);
    const zero = zeroSubtrees(this.tag);
    this.levels[0]![index] = Buffer.from(word);
    let i = index;
    for (let h = 0; h < this.depth; h++) {
      const parent = i >> 1;
      const l = this.levels[h]![2 * parent] ?? zero[h]!;
      const r = this.levels[h]![2 * parent + 1] ?? zero[h]!;
      this.levels[h + 1]![parent] = taggedHash(this.tag, l, r);
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
