/**
 * A trace provider (STYLE.md: Optimism's `trace` providers): everything one side of a dispute
 * game needs to know about one run of one model — state roots, transitions, the tree of any
 * node's output tensor, and Merkle openings of any operand under any state — computed from the
 * run's values and the model commitment. Pure: no chain access.
 */
import type { Tensor } from "../engine/tensor.js";
import { dtypeSize, tensorBytes } from "../engine/tensor.js";
import { Tag, toHex, type Hex32 } from "../engine/commit/hash.js";
import type { ModelCommitment } from "../engine/commit/model-commit.js";
import { executionStates, type ExecutionStates } from "../engine/commit/states.js";
import { leafChunk, merkleLevels, treeDepth, ZERO_SUBTREE } from "../engine/commit/tensor-commitment.js";
import { WordTree } from "../engine/commit/word-tree.js";

/** OperandProof of contracts/dispute/lib/LibOperand.sol, as the ABI encodes it. */
export interface OperandProof {
  readonly slotCommitment: Hex32;
  readonly slotSiblings: readonly Hex32[];
  readonly tensorRoot: Hex32;
  readonly left: Hex32;
  readonly right: Hex32;
  readonly pairSiblings: readonly Hex32[];
}

const hex = (b: Uint8Array): Hex32 => toHex(b);

export class Trace {
  readonly states: ExecutionStates;
  private readonly tables = new Map<number, WordTree>();
  private readonly tensorLevels = new Map<number, Uint8Array[][]>();

  constructor(
    readonly commitment: ModelCommitment,
    readonly values: ReadonlyMap<string, Tensor>,
  ) {
    this.states = executionStates(commitment, values);
  }

  get nodeCount(): number {
    return this.commitment.parts.nodeCount;
  }

  /** S_i's root. */
  stateRoot(i: number): Hex32 {
    return this.states.roots[i]!;
  }

  /** The value table as it stands in S_i (cached). */
  table(i: number): WordTree {
    let t = this.tables.get(i);
    if (!t) {
      const layout = this.commitment.layout;
      const filled = new Set<number>([...layout.initializerSlots, ...layout.inputSlots, ...layout.nodeOutputSlots.slice(0, i)]);
      t = new WordTree(
        Tag.VALUE_TABLE_NODE,
        layout.names.map((_, slot) => (filled.has(slot) ? Buffer.from(this.states.slotCommitments[slot]!.slice(2), "hex") : Buffer.alloc(32))),
      );
      if (toHex(t.root) !== this.stateRoot(i)) throw new Error(`internal: rebuilt S_${i} does not match`);
      this.tables.set(i, t);
    }
    return t;
  }

  valueOfSlot(slot: number): Tensor {
    const name = this.commitment.layout.names[slot]!;
    const v = this.values.get(name);
    if (v === undefined) throw new Error(`no value for slot ${slot} ("${name}")`);
    return v;
  }

  /** Every level of slot `slot`'s tensor tree: levels[0] the 32-byte leaves, last [root]. */
  tensorTree(slot: number): Uint8Array[][] {
    let levels = this.tensorLevels.get(slot);
    if (!levels) {
      levels = merkleLevels(tensorBytes(this.valueOfSlot(slot)));
      this.tensorLevels.set(slot, levels);
    }
    return levels;
  }

  tensorRoot(slot: number): Hex32 {
    const levels = this.tensorTree(slot);
    return hex(levels[levels.length - 1]![0]!);
  }

  /**
   * The node of slot `slot`'s tensor tree at `height` (1 = over two leaves) and `position`,
   * padding included (zero subtrees beyond the data).
   */
  tensorNode(slot: number, height: number, position: number): Hex32 {
    const levels = this.tensorTree(slot);
    const node = levels[height]?.[position];
    if (node !== undefined) return hex(node);
    // Beyond the data: a zero subtree of that height.
    return hex(ZERO_SUBTREE[height]!);
  }

  /** The two 32-byte leaves under pair node `pairIndex` of slot `slot`. */
  leafPair(slot: number, pairIndex: number): [Hex32, Hex32] {
    const bytes = tensorBytes(this.valueOfSlot(slot));
    return [hex(leafChunk(bytes, 2 * pairIndex)), hex(leafChunk(bytes, 2 * pairIndex + 1))];
  }

  /** Opening of element `element` of slot `slot` under S_i. */
  operandProof(i: number, slot: number, element: number): OperandProof {
    const table = this.table(i);
    const t = this.valueOfSlot(slot);
    const bytes = tensorBytes(t);
    const byteIndex = element * dtypeSize(t.dtype);
    if (byteIndex >= bytes.length) throw new Error(`element ${element} outside slot ${slot}`);
    const pairIndex = Math.floor(byteIndex / 64);
    const depth = treeDepth(bytes.length);
    const pairSiblings: Hex32[] = [];
    let pos = pairIndex;
    for (let h = 1; h < depth; h++) {
      pairSiblings.push(this.tensorNode(slot, h, pos ^ 1));
      pos >>= 1;
    }
    const [left, right] = this.leafPair(slot, pairIndex);
    return {
      slotCommitment: this.states.slotCommitments[slot]!,
      slotSiblings: table.proof(slot).map(hex),
      tensorRoot: this.tensorRoot(slot),
      left,
      right,
      pairSiblings,
    };
  }
}
