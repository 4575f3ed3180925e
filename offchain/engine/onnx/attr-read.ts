/** Typed reads of node attributes, with ONNX defaults; a wrong kind is a one-line error. */
import { OnnxFormatError } from "./errors.js";
import type { Attribute, Node } from "./types.js";

function get(node: Node, name: string, kind: Attribute["kind"]): Attribute | undefined {
  const a = node.attributes[name];
  if (a === undefined) return undefined;
  if (a.kind !== kind) throw new OnnxFormatError(`attribute "${name}" of ${node.opType} must be ${kind}, is ${a.kind}`);
  return a;
}

export function attrInt(node: Node, name: string): number | undefined;
export function attrInt(node: Node, name: string, fallback: number): number;
export function attrInt(node: Node, name: string, fallback?: number): number | undefined {
  const a = get(node, name, "int");
  return a?.kind === "int" ? a.value : fallback;
}

export function attrInts(node: Node, name: string): readonly number[] | undefined {
  const a = get(node, name, "ints");
  return a?.kind === "ints" ? a.value : undefined;
}

export function attrFloat(node: Node, name: string, fallback: number): number {
  const a = get(node, name, "float");
  return a?.kind === "float" ? a.value : fallback;
}

export function attrString(node: Node, name: string, fallback: string): string {
  const a = get(node, name, "string");
  return a?.kind === "string" ? a.value : fallback;
}

/** The version of `domain` the model imports ("" and "ai.onnx" are the same domain), or undefined. */
export function opsetVersion(opsets: readonly { domain: string; version: number }[], domain: string): number | undefined {
  const norm = (d: string): string => (d === "ai.onnx" ? "" : d);
  return opsets.find((o) => norm(o.domain) === norm(domain))?.version;
}
