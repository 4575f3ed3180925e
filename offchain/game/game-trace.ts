/**
 * A side's GameTrace (solver.ts) over a Trace (trace.ts): the opening, transitions, tensor tree
 * nodes and leaves, descriptors, and — through the per-operator step module — accumulations and
 * one-step proofs.
 */
import { DType, dtypeSize } from "../engine/tensor.js";
import { toHex, type Hex32 } from "../engine/commit/hash.js";
import { encodeTensorType } from "../engine/commit/tensor-type.js";
import { WordTree } from "../engine/commit/word-tree.js";
import { Tag } from "../engine/commit/hash.js";
import type { GameTrace } from "./solver.js";
import type { Trace } from "./trace.js";

/** Per-operator level-3 values and one-step proofs (offchain/game/step-proofs.ts). */
export interface StepModule {
  accumulation(trace: Trace, node: number, element: number): Hex32[];
  stepProof(trace: Trace, node: number, element: number, step: number): string;
}

const hex = (b: Uint8Array): Hex32 => toHex(b);

export function gameTrace(trace: Trace, steps: StepModule): GameTrace {
  const c = trace.commitment;
  const outSlot = (node: number): number => c.layout.nodeOutputSlots[node]!;
  return {
    nodeCount: c.parts.nodeCount,
    stateRoot: (i) => trace.stateRoot(i),
    opening: () => {
      // S_0 is derived on-chain by writing each input into the initial table in turn: each
      // input's siblings are taken in the table as it stands after the previous writes.
      const table = new WordTree(Tag.VALUE_TABLE_NODE, c.initialSlots);
      const inputCommitments: Hex32[] = [];
      const inputSiblings: Hex32[][] = [];
      for (const slot of c.layout.inputSlots) {
        const commitment = trace.states.slotCommitments[slot]!;
        inputCommitments.push(commitment);
        inputSiblings.push(table.proof(slot).map(hex));
        table.set(slot, Buffer.from(commitment.slice(2), "hex"));
      }
      const final = trace.table(c.parts.nodeCount);
      return {
        finalRoot: trace.stateRoot(c.parts.nodeCount),
        inputCommitments,
        inputSiblings,
        outputCommitments: c.layout.outputSlots.map((s) => trace.states.slotCommitments[s]!),
        outputSiblings: c.layout.outputSlots.map((s) => final.proof(s).map(hex)),
      };
    },
    transition: (node) => ({
      descriptor: toHex(c.descriptors[node]!),
      nodeSiblings: c.nodeTree.proof(node).map(hex),
      tensorRoot: trace.tensorRoot(outSlot(node)),
      slotSiblings: [...trace.states.transitions[node]!.siblings],
    }),
    tensorNode: (node, height, position) => trace.tensorNode(outSlot(node), height, position),
    leafPair: (node, pairIndex) => trace.leafPair(outSlot(node), pairIndex),
    outputLayout: (node) => {
      const t = trace.valueOfSlot(outSlot(node));
      return { byteLength: t.data.byteLength, elementSize: dtypeSize(t.dtype) };
    },
    descriptor: (node) => toHex(c.descriptors[node]!),
    inputTypes: (node) =>
      c.nodes[node]!.inputs.map((name) => {
        if (name === "") return toHex(Buffer.alloc(32));
        const t = c.types.get(name)!;
        return toHex(encodeTensorType(t.dtype as DType, t.shape));
      }),
    accumulation: (node, element) => steps.accumulation(trace, node, element),
    stepProof: (node, element, step) => steps.stepProof(trace, node, element, step),
  };
}
