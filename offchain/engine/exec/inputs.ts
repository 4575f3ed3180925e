/**
 * Feeds against a model's graph inputs: every input present, none extra, each of the static dtype
 * and shape the graph declares, the data filling exactly that shape, and (optionally) all of them
 * together under a byte limit such as the market's `maxInputBytes`. Anything else is a one-line
 * EngineInputError, raised before any backend sees the data.
 */
import type { Graph } from "../onnx/types.js";
import { dtypeName, dtypeSize, numel, type Tensor } from "../tensor.js";
import { EngineInputError } from "./errors.js";

/** Inputs by graph input name, or positionally in the graph's input order. */
export type Feeds = ReadonlyMap<string, Tensor> | Readonly<Record<string, Tensor>> | readonly Tensor[];

export interface InputCheckOptions {
  /** Most bytes all inputs may hold together (e.g. the market's maxInputBytes). */
  readonly maxInputBytes?: number;
}

const fmt = (shape: readonly (number | string | null)[]): string => `[${shape.map((d) => d ?? "?").join(",")}]`;

/** The static shape of a graph input, or an error naming what is not static. */
export function staticInputShape(name: string, shape: readonly (number | string | null)[] | null): number[] {
  if (shape === null || shape.some((d) => typeof d !== "number")) {
    throw new EngineInputError(`graph input "${name}" has no static shape (${shape === null ? "[?]" : fmt(shape)}); the engine runs static shapes only`);
  }
  return shape as number[];
}

function asMap(graph: Graph, feeds: Feeds): Map<string, Tensor> {
  if (Array.isArray(feeds)) {
    const list = feeds as readonly Tensor[];
    if (list.length > graph.inputs.length) {
      throw new EngineInputError(`extra input: ${list.length} inputs given, the model takes ${graph.inputs.length} (${graph.inputs.map((i) => `"${i.name}"`).join(", ")})`);
    }
    return new Map(list.map((t, i) => [graph.inputs[i]!.name, t]));
  }
  return feeds instanceof Map ? new Map(feeds) : new Map(Object.entries(feeds as Record<string, Tensor>));
}

/** The feeds as a name -> tensor map in graph input order, checked against the graph. */
export function checkFeeds(graph: Graph, feeds: Feeds, options: InputCheckOptions = {}): Map<string, Tensor> {
  const given = asMap(graph, feeds);
  const known = new Set(graph.inputs.map((i) => i.name));
  for (const name of given.keys()) {
    if (!known.has(name)) {
      throw new EngineInputError(`extra input "${name}": the model's inputs are ${graph.inputs.map((i) => `"${i.name}"`).join(", ") || "none"}`);
    }
  }
  const out = new Map<string, Tensor>();
  let total = 0;
  for (const v of graph.inputs) {
    const t = given.get(v.name);
    if (t === undefined) throw new EngineInputError(`missing input "${v.name}" (${dtypeName(v.dtype)} ${fmt(v.shape ?? [])})`);
    const shape = staticInputShape(v.name, v.shape);
    if (t.dtype !== v.dtype) {
      throw new EngineInputError(`input "${v.name}" has dtype ${safeName(t.dtype)}, the model expects ${dtypeName(v.dtype)}`);
    }
    if (t.shape.length !== shape.length || t.shape.some((d, i) => d !== shape[i])) {
      throw new EngineInputError(`input "${v.name}" has shape ${fmt(t.shape)}, the model expects ${fmt(shape)}`);
    }
    const n = numel(shape);
    if (t.data.length !== n) {
      const what = t.data.length > n ? "oversized" : "undersized";
      throw new EngineInputError(`input "${v.name}" is ${what}: it holds ${t.data.length} elements, ${dtypeName(v.dtype)} ${fmt(shape)} needs ${n}`);
    }
    if (t.data.BYTES_PER_ELEMENT !== dtypeSize(v.dtype)) {
      throw new EngineInputError(`input "${v.name}" holds ${t.data.BYTES_PER_ELEMENT}-byte elements, ${dtypeName(v.dtype)} needs ${dtypeSize(v.dtype)}`);
    }
    total += t.data.byteLength;
    out.set(v.name, t);
  }
  if (options.maxInputBytes !== undefined && total > options.maxInputBytes) {
    throw new EngineInputError(`inputs are oversized: ${total} bytes, the limit is ${options.maxInputBytes}`);
  }
  return out;
}

function safeName(dtype: number): string {
  try {
    return dtypeName(dtype);
  } catch {
    return `type ${dtype}`;
  }
}
