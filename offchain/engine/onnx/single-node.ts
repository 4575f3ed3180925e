/**
 * One-node models, the unit of operator tests: graph inputs, initializers and one node, in the
 * engine IR (encode with encodeModel to feed onnxruntime).
 */
import type { DType, Tensor } from "../tensor.js";
import type { Attribute, Dim, Model, OpsetImport } from "./types.js";

export interface ValueSpec {
  readonly name: string;
  readonly dtype: DType;
  readonly shape: readonly Dim[];
}

export interface SingleNodeSpec {
  readonly opType: string;
  /** "" (default ONNX domain) unless given, e.g. "com.microsoft". */
  readonly domain?: string;
  /** Graph inputs (fed at run time). */
  readonly inputs: readonly ValueSpec[];
  /** Constant operands, by value name. */
  readonly initializers?: Readonly<Record<string, Tensor>>;
  readonly outputs: readonly ValueSpec[];
  readonly attributes?: Readonly<Record<string, Attribute>>;
  /**
   * The node's input names in operator order ("" for an omitted optional input). Default: the
   * graph inputs, then the initializers, in the order given.
   */
  readonly nodeInputs?: readonly string[];
  /** Default: ai.onnx 17, plus version 1 of the node's domain when it is not the default one. */
  readonly opsets?: readonly OpsetImport[];
  /** Default 8 (onnxruntime-node 1.30 accepts 8..13). */
  readonly irVersion?: number;
  /** Default: the op type. */
  readonly nodeName?: string;
}

export const DEFAULT_IR_VERSION = 8;
export const DEFAULT_OPSET = 17;

export function singleNodeModel(spec: SingleNodeSpec): Model {
  const domain = spec.domain ?? "";
  const initializers = new Map(Object.entries(spec.initializers ?? {}));
  const opsets: OpsetImport[] = spec.opsets
    ? [...spec.opsets]
    : [{ domain: "", version: DEFAULT_OPSET }, ...(domain === "" || domain === "ai.onnx" ? [] : [{ domain, version: 1 }])];
  return {
    irVersion: spec.irVersion ?? DEFAULT_IR_VERSION,
    opsets,
    producerName: "verinfer",
    graph: {
      name: `${spec.opType}_graph`,
      inputs: spec.inputs.map((v) => ({ name: v.name, dtype: v.dtype, shape: [...v.shape] })),
      outputs: spec.outputs.map((v) => ({ name: v.name, dtype: v.dtype, shape: [...v.shape] })),
      initializers,
      nodes: [
        {
          name: spec.nodeName ?? spec.opType,
          opType: spec.opType,
          domain,
          inputs: [...(spec.nodeInputs ?? [...spec.inputs.map((v) => v.name), ...initializers.keys()])],
          outputs: spec.outputs.map((v) => v.name),
          attributes: { ...(spec.attributes ?? {}) },
        },
      ],
      valueInfo: [],
    },
  };
}

/** Attribute constructors, so specs read `{ axis: attr.int(1), alpha: attr.float(0.5) }`. */
export const attr = {
  int: (value: number): Attribute => ({ kind: "int", value }),
  float: (value: number): Attribute => ({ kind: "float", value: Math.fround(value) }),
  string: (value: string): Attribute => ({ kind: "string", value }),
  tensor: (value: Tensor): Attribute => ({ kind: "tensor", value }),
  ints: (value: readonly number[]): Attribute => ({ kind: "ints", value: [...value] }),
  floats: (value: readonly number[]): Attribute => ({ kind: "floats", value: value.map(Math.fround) }),
  strings: (value: readonly string[]): Attribute => ({ kind: "strings", value: [...value] }),
} as const;
