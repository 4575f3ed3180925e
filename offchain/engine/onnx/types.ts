/**
 * The engine's in-memory form of an ONNX model: only what the profile, the executors and the
 * commitments need, with every int64 narrowed to a JS number (the loader refuses values outside
 * ±2^53 in fields the engine uses, so no value is ever silently rounded).
 */
import type { DType, Tensor } from "../tensor.js";

/** A dimension: a number when static, a string for a symbolic dim_param, null when absent. */
export type Dim = number | string | null;

export interface ValueInfo {
  readonly name: string;
  readonly dtype: DType;
  /** null when the model gives no shape at all (unknown rank). */
  readonly shape: readonly Dim[] | null;
}

export type Attribute =
  | { readonly kind: "float"; readonly value: number }
  | { readonly kind: "int"; readonly value: number }
  | { readonly kind: "string"; readonly value: string }
  | { readonly kind: "tensor"; readonly value: Tensor }
  | { readonly kind: "floats"; readonly value: readonly number[] }
  | { readonly kind: "ints"; readonly value: readonly number[] }
  | { readonly kind: "strings"; readonly value: readonly string[] }
  /** Kinds the profile never accepts (graphs, sparse tensors, type protos): kept by name only. */
  | { readonly kind: "unsupported"; readonly type: number };

export interface Node {
  readonly name: string;
  readonly opType: string;
  /** "" for the default ONNX domain (ai.onnx), as in the file. */
  readonly domain: string;
  /** Input value names in order; "" marks an omitted optional input. */
  readonly inputs: readonly string[];
  readonly outputs: readonly string[];
  readonly attributes: Readonly<Record<string, Attribute>>;
}

export interface OpsetImport {
  /** "" for the default ONNX domain. */
  readonly domain: string;
  readonly version: number;
}

export interface Graph {
  readonly name: string;
  /** Graph inputs that are not initializers, in file order. */
  readonly inputs: readonly ValueInfo[];
  readonly outputs: readonly ValueInfo[];
  /** Initializers, and Constant nodes folded into initializers (as onnxruntime does). */
  readonly initializers: ReadonlyMap<string, Tensor>;
  /** Nodes in file order, Constant nodes removed (see initializers). */
  readonly nodes: readonly Node[];
  /** value_info entries: types and shapes of intermediates, where the file gives them. */
  readonly valueInfo: readonly ValueInfo[];
}

export interface Model {
  readonly irVersion: number;
  readonly opsets: readonly OpsetImport[];
  readonly producerName: string;
  readonly graph: Graph;
}
