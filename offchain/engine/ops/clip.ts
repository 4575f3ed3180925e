/**
 * Clip: y = min(max(x, lo), hi), so lo > hi gives hi everywhere (as onnxruntime and numpy do).
 * Bounds are scalar inputs of x's type (opset 11+; an omitted bound is the type's limit) or, before
 * opset 11, float attributes `min` / `max` that only apply to float input. Integer types are the
 * profile's; float32 is here for the conformance tests, with NaN refused (not measured).
 */
import { DType, dtypeName, type Tensor } from "../tensor.js";
import {
  type Attributes,
  OpError,
  allocLike,
  checkAttributes,
  checkData,
  checkInputCount,
  checkSameDType,
  describe,
  isScalarLike,
  optional,
  required,
} from "./common.js";
import { intRange } from "./numeric.js";

const OP = "Clip";
const NUMBER_INT_TYPES = [DType.UINT8, DType.INT8, DType.UINT16, DType.INT16, DType.INT32, DType.UINT32];
const FLOAT32_MAX = 3.4028234663852886e38;

function bound(x: Tensor, t: Tensor | undefined, name: string): number | bigint | undefined {
  if (t === undefined) return undefined;
  checkSameDType(OP, x, "input", t, name);
  checkData(OP, t, name);
  if (!isScalarLike(t)) throw new OpError(OP, `${name} ${describe(t)} must be a scalar`);
  return t.data[0];
}

export function clip(inputs: readonly (Tensor | undefined)[], attributes: Attributes): Tensor[] {
  checkInputCount(OP, inputs, 1, 3);
  checkAttributes(OP, attributes, ["min", "max"]);
  const x = required(OP, inputs, 0, "input");
  checkData(OP, x, "input");
  const attrMin = attributes.min;
  const attrMax = attributes.max;
  let lo = bound(x, optional(inputs, 1), "min");
  let hi = bound(x, optional(inputs, 2), "max");
  if (attrMin !== undefined || attrMax !== undefined) {
    if (inputs.length > 1) throw new OpError(OP, `bounds given both as inputs and as attributes`);
    if (x.dtype !== DType.FLOAT) throw new OpError(OP, `attribute bounds (opset < 11) apply to float input only, got ${dtypeName(x.dtype)}`);
    if (attrMin !== undefined) lo = attrMin.kind === "float" ? Math.fround(attrMin.value) : badAttr("min");
    if (attrMax !== undefined) hi = attrMax.kind === "float" ? Math.fround(attrMax.value) : badAttr("max");
  }
  const n = x.data.length;
  const out = allocLike(x.data, n);
  if (x.dtype === DType.INT64 || x.dtype === DType.UINT64) {
    const xs = x.data as BigInt64Array | BigUint64Array;
    const o = out as BigInt64Array | BigUint64Array;
    for (let i = 0; i < n; i++) {
      let v = xs[i];
      if (lo !== undefined && v < (lo as bigint)) v = lo as bigint;
      if (hi !== undefined && v > (hi as bigint)) v = hi as bigint;
      o[i] = v;
    }
  } else if (NUMBER_INT_TYPES.includes(x.dtype) || x.dtype === DType.FLOAT) {
    const range = x.dtype === DType.FLOAT ? { min: -FLOAT32_MAX, max: FLOAT32_MAX } : intRange(x.dtype);
    const l = (lo as number | undefined) ?? range.min;
    const h = (hi as number | undefined) ?? range.max;
    if (Number.isNaN(l) || Number.isNaN(h)) throw new OpError(OP, `NaN bound`);
    const xs = x.data as unknown as ArrayLike<number>;
    const o = out as unknown as { [i: number]: number };
    for (let i = 0; i < n; i++) {
      const v = xs[i];
      if (Number.isNaN(v)) throw new OpError(OP, `NaN input at ${i} (float32 Clip is for conformance only)`);
      const m = v < l ? l : v;
      o[i] = m > h ? h : m;
    }
  } else {
    throw new OpError(OP, `unsupported element type ${dtypeName(x.dtype)}`);
  }
  return [{ dtype: x.dtype, shape: [...x.shape], data: out }];
}

function badAttr(name: string): never {
  throw new OpError(OP, `attribute "${name}" must be a float`);
}
