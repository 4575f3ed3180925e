/**
 * The cursor word of the on-chain GameState: the small fields packed into one uint256, twin of
 * contracts/dispute/lib/LibCursor.sol (docs/SPEC.md section 10 has the bit table).
 * | bits    | field    | width |
 * | ------- | -------- | ----- |
 * | 0-7     | phase    | 8     |
 * | 8-15    | height   | 8     |
 * | 16-23   | outDtype | 8     |
 * | 24-55   | lo       | 32    |
 * | 56-87   | hi       | 32    |
 * | 88-119  | node     | 32    |
 * | 120-151 | position | 32    |
 * | 152-191 | element  | 40    |
 * | 192-231 | outBytes | 40    |
 * | 232-255 | zero     | 24    |
 */
import type { Phase } from "./types.js";

export interface CursorFields {
  readonly phase: Phase;
  readonly height: number;
  readonly outDtype: number;
  readonly lo: number;
  readonly hi: number;
  readonly node: number;
  readonly position: bigint;
  readonly element: bigint;
  readonly outBytes: number;
}

/** [field, shift, width], in the word's order. */
const LAYOUT = [
  ["phase", 0, 8],
  ["height", 8, 8],
  ["outDtype", 16, 8],
  ["lo", 24, 32],
  ["hi", 56, 32],
  ["node", 88, 32],
  ["position", 120, 32],
  ["element", 152, 40],
  ["outBytes", 192, 40],
] as const;

export class CursorOverflowError extends Error {
  override name = "CursorOverflowError";
}

/** Packs the fields; throws when one does not fit its width (the contract reverts the same way). */
export function packCursor(c: CursorFields): bigint {
  let w = 0n;
  for (const [field, shift, width] of LAYOUT) {
    const v = BigInt(c[field]);
    if (v < 0n || v >> BigInt(width) !== 0n) throw new CursorOverflowError(`cursor field ${field} = ${v} does not fit ${width} bits`);
    w |= v << BigInt(shift);
  }
  return w;
}

export function unpackCursor(w: bigint): CursorFields {
  const get = (shift: number, width: number) => (w >> BigInt(shift)) & ((1n << BigInt(width)) - 1n);
  return {
    phase: Number(get(0, 8)) as Phase,
    height: Number(get(8, 8)),
    outDtype: Number(get(16, 8)),
    lo: Number(get(24, 32)),
    hi: Number(get(56, 32)),
    node: Number(get(88, 32)),
    position: get(120, 32),
    element: get(152, 40),
    outBytes: Number(get(192, 40)),
  };
}
