/**
 * What every operator shares: its signature, its one error type, and the checks on inputs and
 * attributes. Operators are pure functions of their input tensors and attributes; they never look
 * at the graph, and they refuse (with a one-line OpError) anything outside what they implement.
 */
import type { Attribute } from "../onnx/types.js";
import { DType, dtypeName, numel, type Tensor, type TypedData } from "../tensor.js";

/** An operator: inputs in ONNX order (undefined = omitted optional input), outputs in order. */
export type Operator = (
  inputs: readonly (Tensor | undefined)[],
  attributes: Readonly<Record<string, Attribute>>,
) => Tensor[];

export type Attributes = Readonly<Record<string, Attribute>>;

export class OpError extends Error {
  constructor(
    readonly op: string,
    detail: string,
  ) {
    super(`${op}: ${detail}`);
    this.name = "OpError";
  }
}

export function shapeStr(shape: readonly number[]): string {
  return `[${shape.join(",")}]`;
}

export function describe(t: Tensor): string {
  return `${dtypeName(t.dtype)}${shapeStr(t.shape)}`;
}

/** The input at `index`, which must be present. */
export function required(op: string, inputs: readonly (Tensor | undefined)[], index: number, name: string): Tensor {
  const t = inputs[index];
  if (t === undefined) throw new OpError(op, `missing required input ${index} (${name})`);
  return t;
}

/** The input at `index`, or undefined when omitted. */
export function optional(inputs: readonly (Tensor | undefined)[], index: number): Tensor | undefined {
  return index < inputs.length ? inputs[index] : undefined;
}

export function checkInputCount(op: string, inputs: readonly (Tensor | undefined)[], min: number, max: number): void {
  if (inputs.length < min || inputs.length > max) {
    const want = min === max ? `${min}` : `${min} to ${max}`;
    throw new OpError(op, `expects ${want} inputs, got ${inputs.length}`);
  }
}

export function checkDType(op: string, t: Tensor, name: string, allowed: readonly DType[]): void {
  if (!allowed.includes(t.dtype)) {
    throw new OpError(op, `input ${name} has element type ${dtypeName(t.dtype)}, expected ${allowed.map(dtypeName).join(" or ")}`);
  }
}

export function checkSameDType(op: string, a: Tensor, aName: string, b: Tensor, bName: string): void {
  if (a.dtype !== b.dtype) {
    throw new OpError(op, `${aName} is ${dtypeName(a.dtype)} but ${bName} is ${dtypeName(b.dtype)}`);
  }
}

/** Checks the tensor's data really has its shape's element count (guards hand-built tensors). */
export function checkData(op: string, t: Tensor, name: string): void {
  if (t.data.length !== numel(t.shape)) {
    throw new OpError(op, `input ${name} ${describe(t)} holds ${t.data.length} elements`);
  }
}

/** A scalar or a one-element 1-D shape. */
export function isScalarShape(shape: readonly number[]): boolean {
  return shape.length === 0 || (shape.length === 1 && shape[0] === 1);
}

/** A scalar or a one-element 1-D tensor. */
export function isScalarLike(t: Tensor): boolean {
  return isScalarShape(t.shape);
}

const KNOWN_ATTRIBUTE_KINDS = new Set(["float", "int", "string", "tensor", "floats", "ints", "strings"]);

/** Refuses attributes the operator does not know (a silently ignored attribute is a wrong result). */
export function checkAttributes(op: string, attrs: Attributes, known: readonly string[]): void {
  for (const [name, a] of Object.entries(attrs)) {
    if (!known.includes(name)) throw new OpError(op, `unsupported attribute "${name}"`);
    if (!KNOWN_ATTRIBUTE_KINDS.has(a.kind)) throw new OpError(op, `attribute "${name}" has an unsupported kind`);
  }
}

export function intAttr(op: string, attrs: Attributes, name: string, fallback: number): number {
  const a = attrs[name];
  if (a === undefined) return fallback;
  if (a.kind !== "int") throw new OpError(op, `attribute "${name}" must be an int, got ${a.kind}`);
  return a.value;
}

export function floatAttr(op: string, attrs: Attributes, name: string, fallback: number): number {
  const a = attrs[name];
  if (a === undefined) return fallback;
  if (a.kind !== "float") throw new OpError(op, `attribute "${name}" must be a float, got ${a.kind}`);
  return Math.fround(a.value);
}

export function intsAttr(op: string, attrs: Attributes, name: string): readonly number[] | undefined {
  const a = attrs[name];
  if (a === undefined) return undefined;
  if (a.kind !== "ints") throw new OpError(op, `attribute "${name}" must be a list of ints, got ${a.kind}`);
  return a.value;
}

export function stringAttr(op: string, attrs: Attributes, name: string, fallback: string): string {
  const a = attrs[name];
  if (a === undefined) return fallback;
  if (a.kind !== "string") throw new OpError(op, `attribute "${name}" must be a string, got ${a.kind}`);
  return a.value;
}

/** Normalizes a possibly negative axis against `rank` (axis in [-rank, rank-1]). */
export function normalizeAxis(op: string, axis: number, rank: number): number {
  if (!Number.isInteger(axis) || axis < -rank || axis >= rank) {
    throw new OpError(op, `axis ${axis} out of range for rank ${rank}`);
  }
  return axis < 0 ? axis + rank : axis;
}

/** Row-major strides of a shape. */
export function stridesOf(shape: readonly number[]): number[] {
  const s = new Array<number>(shape.length);
  let acc = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    s[i] = acc;
    acc *= shape[i];
  }
  return s;
}

/** A new typed array of the same kind as `like`, of length n. */
export function allocLike(like: TypedData, n: number): TypedData {
  const ctor = like.constructor as new (n: number) => TypedData;
  return new ctor(n);
}

/** The elements of an int64 or int32 tensor as safe JS integers (shapes, axes, indices). */
export function integerValues(op: string, t: Tensor, name: string): number[] {
  if (t.dtype === DType.INT64) {
    return Array.from(t.data as BigInt64Array, (v) => {
      if (v > BigInt(Number.MAX_SAFE_INTEGER) || v < BigInt(Number.MIN_SAFE_INTEGER)) {
        throw new OpError(op, `input ${name} holds ${v}, outside the safe integer range`);
      }
      return Number(v);
    });
  }
  if (t.dtype === DType.INT32) return Array.from(t.data as Int32Array);
  throw new OpError(op, `input ${name} has element type ${dtypeName(t.dtype)}, expected int64 or int32`);
}

/** Scale inputs must be float32 (float16 and other scale types are outside the profile). */
export function scaleValues(op: string, t: Tensor, name: string): Float32Array {
  checkDType(op, t, name, [DType.FLOAT]);
  checkData(op, t, name);
  return t.data as Float32Array;
}

/** Scales of the accumulating operators: finite and positive, as the profile requires. */
export function checkPositiveScales(op: string, values: ArrayLike<number>, name: string): void {
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (!(v > 0) || !Number.isFinite(v)) throw new OpError(op, `${name}[${i}] = ${v} is not a finite positive scale`);
  }
}

/** Element values of an 8/16/32-bit integer tensor as JS numbers (the typed array itself). */
export function numberData(t: Tensor): ArrayLike<number> {
  return t.data as unknown as ArrayLike<number>;
}

/**
 * A per-channel quantization parameter (scale or zero point) given as a scalar or as a 1-D tensor
 * of `channels` values, expanded to one value per channel.
 */
export function perChannel(op: string, name: string, t: Tensor, values: ArrayLike<number>, channels: number): Float64Array {
  const out = new Float64Array(channels);
  if (isScalarLike(t)) out.fill(values[0]);
  else if (t.shape.length === 1 && t.shape[0] === channels) for (let c = 0; c < channels; c++) out[c] = values[c];
  else throw new OpError(op, `${name} ${describe(t)} must be a scalar or have shape [${channels}]`);
  return out;
}

/** The one value of a scalar (or single-element) parameter. */
export function scalarValue(op: string, name: string, t: Tensor): number {
  if (!isScalarLike(t)) throw new OpError(op, `${name} ${describe(t)} must be a scalar`);
  return numberData(t)[0];
}

/** A per-tensor quantization scale: input `index`, a float32 scalar, finite and positive. */
export function scalarScale(op: string, inputs: readonly (Tensor | undefined)[], index: number, name: string): number {
  const t = required(op, inputs, index, name);
  scaleValues(op, t, name);
  const s = scalarValue(op, name, t);
  checkPositiveScales(op, [s], name);
  return s;
}

/** A per-tensor zero point: input `index`, a scalar of `like`'s type; 0 when absent (unless
 *  `mustBePresent`). */
export function scalarZeroPoint(
  op: string,
  inputs: readonly (Tensor | undefined)[],
  index: number,
  name: string,
  like: { tensor: Tensor; name: string },
  mustBePresent = false,
): number {
  const t = mustBePresent ? required(op, inputs, index, name) : optional(inputs, index);
  if (t === undefined) return 0;
  checkSameDType(op, like.tensor, like.name, t, name);
  checkData(op, t, name);
  return scalarValue(op, name, t);
}
