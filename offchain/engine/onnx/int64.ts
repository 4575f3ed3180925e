/**
 * int64 fields as protobufjs hands them over (a Long, or a number for small values) turned into
 * exact values: a bigint always, a JS number only where it is exact (|v| <= 2^53).
 */
import type { Int64 } from "./schema.js";
import { OnnxFormatError } from "./errors.js";

const TWO_32 = 4294967296n;
const MAX_EXACT = 2n ** 53n;

/** The exact value of an int64/uint64 field. */
export function int64ToBigInt(v: Int64 | bigint): bigint {
  if (typeof v === "bigint") return v;
  if (typeof v === "number") {
    if (!Number.isSafeInteger(v)) throw new OnnxFormatError(`int64 field holds a non-integer ${v}`);
    return BigInt(v);
  }
  const low = BigInt(v.low >>> 0);
  const high = v.unsigned ? BigInt(v.high >>> 0) : BigInt(v.high | 0);
  return high * TWO_32 + low;
}

/** The value as a number, or an OnnxFormatError naming `what` when it is not exact. */
export function int64ToNumber(v: Int64 | bigint, what: string): number {
  const b = int64ToBigInt(v);
  if (b > MAX_EXACT || b < -MAX_EXACT) {
    throw new OnnxFormatError(`${what}: int64 value ${b} does not fit exactly in a JS number (|v| <= 2^53)`);
  }
  return Number(b);
}
