/**
 * What a per-operator profile check sees of its node: static input/output types, initializer
 * values, attributes, and a `report` that records a reason without stopping the check, so that
 * every violation of every node is listed.
 */
import { DType, dtypeName, type Tensor } from "../tensor.js";
import type { StaticType } from "../onnx/shapes.js";
import type { Node } from "../onnx/types.js";

export interface CheckContext {
  readonly node: Node;
  /** Version of the default ONNX domain. */
  readonly opset: number;
  has(i: number): boolean;
  name(i: number): string;
  /** Static type of input i, undefined when omitted or unknown (shape failures are reported apart). */
  type(i: number): StaticType | undefined;
  outType(j: number): StaticType | undefined;
  constant(i: number): Tensor | undefined;
  report(reason: string): void;
}

export function typeNames(types: readonly DType[]): string {
  return types.map(dtypeName).join("/");
}

/** Reports unless input i's dtype is one of `allowed`; returns whether it is. */
export function expectDType(c: CheckContext, i: number, role: string, allowed: readonly DType[]): boolean {
  const t = c.type(i);
  if (t === undefined || allowed.includes(t.dtype)) return true;
  c.report(`${c.node.opType} on ${dtypeName(t.dtype)} is outside the int8 profile (${role} "${c.name(i)}" must be ${typeNames(allowed)})`);
  return false;
}

/** Reports when a required input is omitted. */
export function expectPresent(c: CheckContext, i: number, role: string): boolean {
  if (c.has(i)) return true;
  c.report(`${c.node.opType} ${role} (input ${i}) is missing`);
  return false;
}

/** The initializer behind input i, or a report saying why it has to be one. */
export function expectConstant(c: CheckContext, i: number, role: string, why: string): Tensor | undefined {
  if (!c.has(i)) return undefined;
  const t = c.constant(i);
  if (t === undefined) c.report(`${role} "${c.name(i)}" must be an initializer (${why})`);
  return t;
}

/** The elements of an integer tensor as numbers (int64 only where exact; the loader checked shapes). */
export function intValues(t: Tensor): number[] {
  return Array.from(t.data as ArrayLike<number | bigint>, (v) => Number(v));
}

export function isScalarLike(shape: readonly number[]): boolean {
  return shape.length <= 1 && shape.reduce((p, d) => p * d, 1) === 1;
}
