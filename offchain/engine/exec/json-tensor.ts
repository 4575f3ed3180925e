/**
 * Tensors as JSON, the CLI's input and output format (README, "Inputs"):
 *   {"dtype": "float32", "shape": [1, 4], "data": [0.5, 1, 2, 3]}   data flat or nested
 *   [[0.5, 1, 2, 3]]                                                dtype and shape from the model
 * Numbers are JSON numbers; float values may also be "NaN", "Infinity", "-Infinity"; int64 and
 * uint64 values may be decimal strings (and are written as strings beyond 2^53).
 */
import type { ValueInfo } from "../onnx/types.js";
import { DType, dtypeFromName, dtypeName, numel, zeros, type Tensor } from "../tensor.js";
import { EngineInputError } from "./errors.js";
import { staticInputShape } from "./inputs.js";

export interface JsonTensor {
  readonly dtype: string;
  readonly shape: number[];
  readonly data: (number | string)[];
}

const INT_RANGE: Partial<Record<DType, readonly [number, number]>> = {
  [DType.UINT8]: [0, 255],
  [DType.INT8]: [-128, 127],
  [DType.UINT16]: [0, 65535],
  [DType.INT16]: [-32768, 32767],
  [DType.INT32]: [-2147483648, 2147483647],
  [DType.UINT32]: [0, 4294967295],
  [DType.BOOL]: [0, 1],
};
const BIG_RANGE: Partial<Record<DType, readonly [bigint, bigint]>> = {
  [DType.INT64]: [-(2n ** 63n), 2n ** 63n - 1n],
  [DType.UINT64]: [0n, 2n ** 64n - 1n],
};
const FLOAT_WORDS: Readonly<Record<string, number>> = { NaN: NaN, Infinity: Infinity, "-Infinity": -Infinity };

const fmt = (shape: readonly number[]): string => `[${shape.join(",")}]`;

/** The shape of a nested JSON array (ragged arrays are an error). */
function nestedShape(value: unknown, what: string): number[] {
  const shape: number[] = [];
  let v = value;
  while (Array.isArray(v)) {
    shape.push(v.length);
    v = v[0];
  }
  const check = (node: unknown, depth: number): void => {
    if (depth === shape.length) {
      if (Array.isArray(node)) throw new EngineInputError(`${what}: nested arrays are ragged`);
      return;
    }
    if (!Array.isArray(node) || node.length !== shape[depth]) throw new EngineInputError(`${what}: nested arrays are ragged`);
    for (const c of node) check(c, depth + 1);
  };
  check(value, 0);
  return shape;
}

function flatten(value: unknown): unknown[] {
  return Array.isArray(value) ? (value as unknown[]).flat(Infinity) : [value];
}

/** Fills a tensor of the given type from JSON values, checking every value fits the type. */
export function tensorFromValues(dtype: DType, shape: readonly number[], values: readonly unknown[], what: string): Tensor {
  const n = numel(shape);
  if (values.length !== n) {
    throw new EngineInputError(`${what}: ${values.length} values, but ${dtypeName(dtype)} ${fmt(shape)} holds ${n} (wrong shape)`);
  }
  const t = zeros(dtype, shape);
  const data = t.data as unknown as (number | bigint)[];
  values.forEach((v, i) => {
    const bad = (why: string): never => {
      throw new EngineInputError(`${what}: value ${JSON.stringify(v)} at index ${i} ${why}`);
    };
    if (dtype === DType.FLOAT || dtype === DType.DOUBLE) {
      const x = typeof v === "number" ? v : typeof v === "string" && v in FLOAT_WORDS ? FLOAT_WORDS[v]! : bad("is not a number");
      data[i] = x;
      return;
    }
    const big = BIG_RANGE[dtype];
    if (big !== undefined) {
      let x: bigint;
      if (typeof v === "number" && Number.isSafeInteger(v)) x = BigInt(v);
      else if (typeof v === "string" && /^-?\d+$/.test(v)) x = BigInt(v);
      else return bad(`is not an exact integer for ${dtypeName(dtype)} (use a decimal string beyond 2^53)`);
      if (x < big[0] || x > big[1]) bad(`is out of range for ${dtypeName(dtype)}`);
      data[i] = x;
      return;
    }
    const range = INT_RANGE[dtype];
    if (range === undefined) bad(`cannot be given as ${dtypeName(dtype)} in JSON`);
    if (typeof v !== "number" || !Number.isInteger(v)) return bad(`is not an integer (${dtypeName(dtype)})`);
    if (v < range![0] || v > range![1]) bad(`is out of range for ${dtypeName(dtype)}`);
    data[i] = v;
  });
  return t;
}

/**
 * A JSON input for the graph input `expected`: the object form, or a plain (nested) array whose
 * dtype and shape are the model's. A plain flat array of exactly the right element count is also
 * taken in the model's shape.
 */
export function tensorFromJson(value: unknown, expected: ValueInfo, what: string): Tensor {
  if (value !== null && typeof value === "object" && !Array.isArray(value)) {
    const o = value as Record<string, unknown>;
    for (const k of Object.keys(o)) {
      if (!["dtype", "shape", "data", "name"].includes(k)) throw new EngineInputError(`${what}: unknown field "${k}" (expected dtype, shape, data)`);
    }
    if (typeof o.dtype !== "string") throw new EngineInputError(`${what}: "dtype" must be a type name such as "float32" or "uint8"`);
    let dtype: DType;
    try {
      dtype = dtypeFromName(o.dtype);
    } catch {
      throw new EngineInputError(`${what}: unknown dtype "${o.dtype}"`);
    }
    if (!Array.isArray(o.shape) || o.shape.some((d) => !Number.isSafeInteger(d) || (d as number) < 0)) {
      throw new EngineInputError(`${what}: "shape" must be a list of non-negative integers`);
    }
    if (o.data === undefined) throw new EngineInputError(`${what}: "data" is missing`);
    return tensorFromValues(dtype, o.shape as number[], flatten(o.data), what);
  }
  const shape = staticInputShape(expected.name, expected.shape);
  const given = nestedShape(value, what);
  const values = flatten(value);
  const nested = given.length === shape.length && given.every((d, i) => d === shape[i]);
  const flatOk = given.length === 1 && given[0] === numel(shape);
  if (!nested && !flatOk) {
    throw new EngineInputError(`${what}: a nested array of shape ${fmt(given)}, the model's input "${expected.name}" is ${dtypeName(expected.dtype)} ${fmt(shape)} (wrong shape)`);
  }
  return tensorFromValues(expected.dtype, shape, values, what);
}

/** A tensor as JSON: flat data; non-finite floats and int64 beyond 2^53 as strings. */
export function tensorToJson(t: Tensor): JsonTensor {
  const data: (number | string)[] = new Array(t.data.length);
  for (let i = 0; i < t.data.length; i++) {
    const v = t.data[i]!;
    if (typeof v === "bigint") data[i] = v >= -(2n ** 53n) && v <= 2n ** 53n ? Number(v) : v.toString();
    else data[i] = Number.isFinite(v) ? v : Number.isNaN(v) ? "NaN" : v > 0 ? "Infinity" : "-Infinity";
  }
  return { dtype: dtypeName(t.dtype), shape: [...t.shape], data };
}
