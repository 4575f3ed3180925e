/**
 * Execution states (docs/SPEC.md, section 7): S_0 is the initial value table with the job's
 * inputs written into their slots; S_i is S_{i-1} with node i's output written into its slot
 * (exactly one slot changes per node: the game's level-1 transition). Given every value of a
 * run, this computes every state root, every slot commitment and each transition's proof.
 */
import type { Tensor } from "../tensor.js";
import { Tag, toHex, type Hex32 } from "./hash.js";
import type { ModelCommitment } from "./model-commit.js";
import { commitTensor, commitTensorList } from "./tensor-commitment.js";
import { WordTree } from "./word-tree.js";

export interface Transition {
  /** 1-based: the transition from S_{i-1} to S_i runs node i-1 (0-based node index). */
  readonly step: number;
  readonly slot: number;
  /** Commitment written into the slot (node output T). */
  readonly written: Hex32;
  /** Siblings of the slot's leaf, the same in S_{i-1} and S_i (only the leaf changes). */
  readonly siblings: readonly Hex32[];
}

export interface ExecutionStates {
  /** S_0..S_n. */
  readonly roots: readonly Hex32[];
  /** Commitment per slot after the run (S_n's leaves). */
  readonly slotCommitments: readonly Hex32[];
  readonly transitions: readonly Transition[];
  /** The result's outputs commitment (list of the graph outputs' commitments). */
  readonly outputsCommitment: Hex32;
  /** The job's inputs commitment (list of the graph inputs' commitments). */
  readonly inputsCommitment: Hex32;
}

/** Computes all states from a run's values (name -> tensor, every input and node output). */
export function executionStates(c: ModelCommitment, values: ReadonlyMap<string, Tensor>): ExecutionStates {
  const valueOf = (slot: number): Tensor => {
    const name = c.layout.names[slot]!;
    const v = values.get(name);
    if (v === undefined) throw new Error(`the run has no value for "${name}" (slot ${slot})`);
    return v;
  };
  const table = new WordTree(Tag.VALUE_TABLE_NODE, c.initialSlots);
  const words = c.initialSlots.map((w) => toHex(w));
  const inputCommitments = c.layout.inputSlots.map((slot) => {
    const commitment = commitTensor(valueOf(slot));
    table.set(slot, Buffer.from(commitment.slice(2), "hex"));
    words[slot] = commitment;
    return commitment;
  });
  const roots: Hex32[] = [toHex(table.root)];
  const transitions: Transition[] = c.layout.nodeOutputSlots.map((slot, i) => {
    const written = commitTensor(valueOf(slot));
    const siblings = table.proof(slot).map((s) => toHex(s));
    table.set(slot, Buffer.from(written.slice(2), "hex"));
    words[slot] = written;
    roots.push(toHex(table.root));
    return { step: i + 1, slot, written, siblings };
  });
  return {
    roots,
    slotCommitments: words,
    transitions,
    outputsCommitment: commitTensorList(c.layout.outputSlots.map((s) => words[s]!)),
    inputsCommitment: commitTensorList(inputCommitments),
  };
}
