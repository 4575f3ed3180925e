/**
 * Cast between integer types (uint8, int8, uint16, int16, int32, uint32, int64, uint64): the value
 * wraps modulo 2^bits of the target type, as onnxruntime does (SEMANTICS.md). Casts from or to
 * float, bool or string types are outside the profile and refused. `saturate` only concerns float8.
 */
import { DType, dtypeName, isKnownDType, zeros, type Tensor } from "../tensor.js";
import { type Attributes, OpError, checkAttributes, checkData, checkInputCount, intAttr, required } from "./common.js";

const OP = "Cast";
const NUMBER_TYPES = new Set([DType.UINT8, DType.INT8, DType.UINT16, DType.INT16, DType.INT32, DType.UINT32]);
const BIGINT_TYPES = new Set([DType.INT64, DType.UINT64]);

function isInteger(d: DType): boolean {
  return NUMBER_TYPES.has(d) || BIGINT_TYPES.has(d);
}

export function cast(inputs: readonly (Tensor | undefined)[], attributes: Attributes): Tensor[] {
  checkInputCount(OP, inputs, 1, 1);
  checkAttributes(OP, attributes, ["to", "saturate", "round_mode"]);
  const x = required(OP, inputs, 0, "input");
  checkData(OP, x, "input");
  const toCode = intAttr(OP, attributes, "to", -1);
  if (toCode === -1) throw new OpError(OP, `attribute "to" is required`);
  if (!isKnownDType(toCode) || !isInteger(toCode)) throw new OpError(OP, `cast to element type ${toCode} is outside the profile (integer -> integer only)`);
  if (!isInteger(x.dtype)) throw new OpError(OP, `cast from ${dtypeName(x.dtype)} is outside the profile (integer -> integer only)`);
  const to: DType = toCode;
  const out = zeros(to, x.shape);
  const n = x.data.length;
  const fromBig = BIGINT_TYPES.has(x.dtype);
  const toBig = BIGINT_TYPES.has(to);
  // Typed-array stores convert modulo 2^bits (ToInt8, ToUint32, ToBigInt64, ...): the wrap.
  if (!fromBig && !toBig) {
    const xs = x.data as unknown as ArrayLike<number>;
    const o = out.data as unknown as { [i: number]: number };
    for (let i = 0; i < n; i++) o[i] = xs[i];
  } else if (!fromBig && toBig) {
    const xs = x.data as unknown as ArrayLike<number>;
    const o = out.data as BigInt64Array | BigUint64Array;
    for (let i = 0; i < n; i++) o[i] = BigInt(xs[i]);
  } else if (fromBig && !toBig) {
    const xs = x.data as BigInt64Array | BigUint64Array;
    const o = out.data as unknown as { [i: number]: number };
    // Keep the low 32 bits exactly before leaving BigInt (a double would round above 2^53).
    for (let i = 0; i < n; i++) o[i] = Number(BigInt.asIntN(32, xs[i]));
  } else {
    const xs = x.data as BigInt64Array | BigUint64Array;
    const o = out.data as BigInt64Array | BigUint64Array;
    for (let i = 0; i < n; i++) o[i] = xs[i];
  }
  return [out];
}
