/**
 * Scales and zero points: initializers (they are inlined in the node descriptor), of the right
 * element type and shape, and scales finite, positive and normal float32, so that every
 * requantization multiplier the verifier recomputes is an ordinary float32 value.
 */
import { DType, dtypeName } from "../tensor.js";
import { expectConstant, type CheckContext, typeNames, intValues } from "./context.js";

/** 2^-126, the smallest normal float32. */
const MIN_NORMAL_F32 = 1.1754943508222875e-38;

const INLINE = "quantization parameters are inlined in the node descriptor";

export function scaleProblem(v: number): string | undefined {
  if (Number.isNaN(v)) return "NaN";
  if (!Number.isFinite(v)) return "infinite";
  if (v <= 0) return v === 0 ? "zero" : "negative";
  if (v < MIN_NORMAL_F32) return "subnormal";
  return undefined;
}

/**
 * Checks a scale: float32 initializer with 1 element (rank <= 1), or `perChannel` elements (1-D)
 * when that is given. Returns the number of channels it has (1 or perChannel), or undefined.
 */
export function checkScale(c: CheckContext, i: number, role: string, perChannel?: number): number | undefined {
  const t = expectConstant(c, i, role, INLINE);
  if (t === undefined) return undefined;
  const label = `${role} "${c.name(i)}"`;
  if (t.dtype !== DType.FLOAT) {
    c.report(`${label} is ${dtypeName(t.dtype)}; scales must be float32`);
    return undefined;
  }
  const n = t.data.length;
  const scalar = t.shape.length <= 1 && n === 1;
  const channels = perChannel !== undefined && t.shape.length === 1 && n === perChannel;
  if (!scalar && !channels) {
    c.report(`${label} has shape [${t.shape.join(",")}]; it must be a scalar${perChannel !== undefined ? ` or hold ${perChannel} per-channel values` : ""}`);
    return undefined;
  }
  const values = t.data as Float32Array;
  for (let k = 0; k < values.length; k++) {
    const problem = scaleProblem(values[k]!);
    if (problem !== undefined) {
      c.report(`${label}${n > 1 ? ` element ${k}` : ""} is ${problem} (${values[k]}); scales must be finite, positive and normal float32`);
      return undefined;
    }
  }
  return n;
}

/**
 * Checks a zero point: an initializer of one of `allowed` types whose element count is 1 or
 * `channels` (matching its scale). Returns its values, or undefined.
 */
export function checkZeroPoint(c: CheckContext, i: number, role: string, allowed: readonly DType[], channels = 1): number[] | undefined {
  const t = expectConstant(c, i, role, INLINE);
  if (t === undefined) return undefined;
  const label = `${role} "${c.name(i)}"`;
  if (!allowed.includes(t.dtype)) {
    c.report(`${label} is ${dtypeName(t.dtype)}; it must be ${typeNames(allowed)}`);
    return undefined;
  }
  const n = t.data.length;
  if (t.shape.length > 1 || (n !== 1 && n !== channels)) {
    c.report(`${label} has shape [${t.shape.join(",")}]; it must hold 1${channels > 1 ? ` or ${channels}` : ""} value(s) like its scale`);
    return undefined;
  }
  return intValues(t);
}
