/**
 * The protocol's one hash: SHA-256 with a one-byte domain tag in front (docs/SPEC.md, "Domain
 * tags"). SHA-256 is a precompile on every EVM chain, so the contracts compute the same values at
 * the same gas as keccak, while node:crypto hashes ~50x faster than keccak in JavaScript.
 */
import { createHash } from "node:crypto";

/** Domain tags: the first byte of every hashed message. docs/SPEC.md keeps the same table. */
export const Tag = {
  TENSOR_LEAF: 0x00,
  TENSOR_NODE: 0x01,
  TENSOR: 0x02,
  TENSOR_LIST: 0x03,
  MODEL_ID: 0x10,
  MODEL_IO: 0x11,
  MODEL_OPSETS: 0x12,
  NODE_DESCRIPTOR: 0x13,
  VALUE_TABLE_NODE: 0x14,
  NODE_TREE_NODE: 0x15,
  NODE_INPUT_TYPES: 0x16,
  RESULT: 0x20,
} as const;
export type Tag = (typeof Tag)[keyof typeof Tag];

const TAG_BYTES: readonly Buffer[] = Array.from({ length: 256 }, (_, i) => Buffer.from([i]));

/** sha256(tag ‖ parts...), as a 32-byte Buffer. */
export function taggedHash(tag: number, ...parts: readonly Uint8Array[]): Buffer {
  const h = createHash("sha256").update(TAG_BYTES[tag]!);
  for (const p of parts) h.update(p);
  return h.digest();
}

/** 0x-prefixed lower-case hex of 32 bytes: the form commitments take in the API and on-chain. */
export type Hex32 = `0x${string}`;

export function toHex(b: Uint8Array): Hex32 {
  return `0x${Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString("hex")}`;
}

export function fromHex32(h: string): Buffer {
  if (!/^0x[0-9a-fA-F]{64}$/.test(h)) throw new Error(`expected a 0x-prefixed 32-byte hex string, got "${h}"`);
  return Buffer.from(h.slice(2), "hex");
}

/** Big-endian unsigned integer of `bytes` bytes. */
export function uintBE(value: number | bigint, bytes: number): Buffer {
  let v = BigInt(value);
  if (v < 0n || v >= 1n << BigInt(8 * bytes)) throw new Error(`${value} does not fit in ${bytes} bytes`);
  const out = Buffer.alloc(bytes);
  for (let i = bytes - 1; i >= 0; i--) {
    out[i] = Number(v & 0xffn);
    v >>= 8n;
  }
  return out;
}
