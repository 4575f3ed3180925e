/**
 * The commitment to a k-way bisection's posted list, twin of contracts/dispute/lib/LibSegmentTree.sol
 * (docs/SPEC.md section 10): with v_0 = claimLo, v_1..v_{k-1} the posted values, v_k = claimHi,
 * leaf j = keccak256(v_j ‖ v_{j+1}), padded with zero words to 2^d leaves (d = ceil(log2 k) >= 1),
 * nodes keccak256(left ‖ right). A pick of segment j carries (v_j, v_{j+1}) and d siblings.
 */
import { concat, keccak256, ZeroHash } from "ethers";
import type { Hex32 } from "../engine/commit/hash.js";

export function segmentDepth(k: number): number {
  let d = 1;
  while (2 ** d < k) d++;
  return d;
}

const h = (a: string, b: string): Hex32 => keccak256(concat([a, b])) as Hex32;

/** Every level of the tree, leaves first. */
function levels(claimLo: Hex32, values: readonly Hex32[], claimHi: Hex32): Hex32[][] {
  const v = [claimLo, ...values, claimHi];
  const k = v.length - 1;
  const width = 2 ** segmentDepth(k);
  let level: Hex32[] = Array.from({ length: width }, (_, j) => (j < k ? h(v[j]!, v[j + 1]!) : (ZeroHash as Hex32)));
  const out = [level];
  while (level.length > 1) {
    level = Array.from({ length: level.length / 2 }, (_, i) => h(level[2 * i]!, level[2 * i + 1]!));
    out.push(level);
  }
  return out;
}

export function segmentRoot(claimLo: Hex32, values: readonly Hex32[], claimHi: Hex32): Hex32 {
  return levels(claimLo, values, claimHi).at(-1)![0]!;
}

/** Segment `index`'s two ends and its siblings, leaf level first. */
export function segmentProof(claimLo: Hex32, values: readonly Hex32[], claimHi: Hex32, index: number): { start: Hex32; end: Hex32; siblings: Hex32[] } {
  const v = [claimLo, ...values, claimHi];
  if (index < 0 || index >= v.length - 1) throw new Error(`segment ${index} of ${v.length - 1}`);
  const ls = levels(claimLo, values, claimHi);
  const siblings: Hex32[] = [];
  let i = index;
  for (let d = 0; d < ls.length - 1; d++) {
    siblings.push(ls[d]![i ^ 1]!);
    i >>= 1;
  }
  return { start: v[index]!, end: v[index + 1]!, siblings };
}
