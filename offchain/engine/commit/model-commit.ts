/**
 * The model commitment (docs/SPEC.md, sections 7-8): from a decoded .onnx model, the value-slot
 * layout, the node descriptors, the initial value table and the parts whose fold is the model id.
 * Computed from the file alone; the registry checks the same fold on-chain.
 */
import { createHash } from "node:crypto";
import type { Model, Node } from "../onnx/types.js";
import { inferShapes, type StaticType } from "../onnx/shapes.js";
import { opsetVersion } from "../onnx/attr-read.js";
import { checkProfile } from "../profile/check-profile.js";
import { SEMANTICS_VERSION } from "../profile/limits.js";
import type { Tensor } from "../tensor.js";
import { Tag, toHex, type Hex32 } from "./hash.js";
import { canonicalOpsets, modelId, type IoSlot, type ModelParts } from "./model-id.js";
import { descriptorLeaf, encodeDescriptor } from "./descriptor.js";
import { encodeTensorType } from "./tensor-type.js";
import { commitTensor } from "./tensor-commitment.js";
import { WordTree, ZERO_WORD } from "./word-tree.js";

export class ModelCommitError extends Error {
  override name = "ModelCommitError";
}

/** Which value lives in which slot (docs/SPEC.md, section 7). */
export interface SlotLayout {
  /** Value name per slot. */
  readonly names: readonly string[];
  readonly slotOf: ReadonlyMap<string, number>;
  /** Slots of the graph inputs, in graph order: 0..I-1. */
  readonly inputSlots: readonly number[];
  /** Slots of the initializers the nodes use, in order of first use: I..I+K-1. */
  readonly initializerSlots: readonly number[];
  /** Slot of node i's output: I+K+i. */
  readonly nodeOutputSlots: readonly number[];
  /** Slots of the graph outputs, in graph order. */
  readonly outputSlots: readonly number[];
}

export interface ModelCommitment {
  readonly modelId: Hex32;
  readonly parts: ModelParts;
  readonly layout: SlotLayout;
  /** The nodes in committed order (file order, Constant nodes folded into initializers). */
  readonly nodes: readonly Node[];
  readonly descriptors: readonly Buffer[];
  readonly nodeTree: WordTree;
  /** Slot words of the initial value table: initializer commitments, zero elsewhere. */
  readonly initialSlots: readonly Buffer[];
  /** Static dtype and shape of every value. */
  readonly types: ReadonlyMap<string, StaticType>;
}

/** sha256 of the .onnx file's bytes: what mirrors serve and the registry records. */
export function fileHash(bytes: Uint8Array): Hex32 {
  return toHex(createHash("sha256").update(bytes).digest());
}

function slotLayout(model: Model): SlotLayout {
  const g = model.graph;
  const names: string[] = [];
  const slotOf = new Map<string, number>();
  const assign = (name: string): number => {
    const slot = names.length;
    names.push(name);
    slotOf.set(name, slot);
    return slot;
  };
  const inputSlots = g.inputs.map((v) => assign(v.name));
  const initializerSlots: number[] = [];
  for (const node of g.nodes) {
    for (const name of node.inputs) {
      if (name !== "" && !slotOf.has(name) && g.initializers.has(name)) initializerSlots.push(assign(name));
    }
  }
  const nodeOutputSlots = g.nodes.map((node, i) => {
    const out = node.outputs[0];
    if (out === undefined || out === "" || slotOf.has(out)) {
      throw new ModelCommitError(`node ${i} (${node.opType}) must have one new output value`);
    }
    return assign(out);
  });
  const outputSlots = g.outputs.map((v) => {
    const slot = slotOf.get(v.name);
    if (slot === undefined || slot < inputSlots.length + initializerSlots.length) {
      throw new ModelCommitError(`graph output "${v.name}" must be the output of a node`);
    }
    return slot;
  });
  return { names, slotOf, inputSlots, initializerSlots, nodeOutputSlots, outputSlots };
}

/**
 * Commits a model of the int8 profile. Refuses, naming every reason, a model outside it: such a
 * model has no id the protocol could ever settle a dispute about.
 */
export function commitModel(model: Model): ModelCommitment {
  const verdict = checkProfile(model);
  if (!verdict.verifiable) {
    const first = verdict.unsupported[0]!;
    const more = verdict.unsupported.length - 1;
    throw new ModelCommitError(
      `the model is outside the int8 profile, so it has no verifiable id: ${first.node} (${first.op}): ${first.reason}${more > 0 ? ` (+${more} more; see \`verinfer model inspect\`)` : ""}`,
    );
  }
  const g = model.graph;
  const types = inferShapes(model);
  const layout = slotLayout(model);
  const typeOf = (name: string): StaticType => {
    const t = types.get(name);
    if (t === undefined) throw new ModelCommitError(`value "${name}" has no static type`);
    return t;
  };
  const opset = opsetVersion(model.opsets, "") ?? 0;
  const descriptors = g.nodes.map((node, nodeIndex) =>
    encodeDescriptor(node, SEMANTICS_VERSION, {
      nodeIndex,
      opset,
      slotOf: (name) => {
        const s = layout.slotOf.get(name);
        if (s === undefined) throw new ModelCommitError(`node ${nodeIndex} reads "${name}", which no slot holds`);
        return s;
      },
      typeOf,
      constant: (name): Tensor | undefined => g.initializers.get(name),
    }),
  );
  const nodeTree = new WordTree(Tag.NODE_TREE_NODE, descriptors.map(descriptorLeaf));
  const initialSlots = layout.names.map((_, slot) => ZERO_WORD);
  for (const slot of layout.initializerSlots) {
    initialSlots[slot] = Buffer.from(commitTensor(g.initializers.get(layout.names[slot]!)!).slice(2), "hex");
  }
  const valueRoot = new WordTree(Tag.VALUE_TABLE_NODE, initialSlots).root;
  const io = (slots: readonly number[]): IoSlot[] =>
    slots.map((slot) => {
      const t = typeOf(layout.names[slot]!);
      return { slot, tensorType: toHex(encodeTensorType(t.dtype, t.shape)) };
    });
  const parts: ModelParts = {
    semanticsVersion: SEMANTICS_VERSION,
    nodeRoot: toHex(nodeTree.root),
    valueRoot: toHex(valueRoot),
    nodeCount: g.nodes.length,
    slotCount: layout.names.length,
    inputs: io(layout.inputSlots),
    outputs: io(layout.outputSlots),
    opsets: canonicalOpsets(model.opsets),
  };
  return { modelId: modelId(parts), parts, layout, nodes: g.nodes, descriptors, nodeTree, initialSlots, types };
}
