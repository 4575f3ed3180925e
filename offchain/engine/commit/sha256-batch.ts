/**
 * SHA-256 specialised for the protocol's one tree-node message shape (docs/SPEC.md, sections 1, 3,
 * 7, 8): exactly 65 bytes, `tag ‖ left ‖ right` with 32-byte halves. Such a message is two
 * compression blocks: the first is `tag ‖ left ‖ right[0..30]`; the second is `right[31] ‖ 0x80 ‖
 * 0…0 ‖ u64 520` (the padding and the bit length), fixed except for its first byte. So its message
 * schedule (plus the round constants) takes one of 256 values, tabulated once at load, and hashing
 * a node costs one full compression and one schedule-free compression.
 *
 * hashPairsLevel hashes a whole tree level in one call over caller-owned buffers: no allocation
 * and no native call per node (node:crypto pays a JS -> C++ crossing and a Buffer per node; see
 * bench/hash.bench.ts for the figures). Padding (an odd level's zero-subtree sibling, a short last
 * leaf pair) is the caller's: the input is n complete 64-byte pairs.
 *
 * hashPairsLevel and hashNode run on the backend sha256-native.ts chose: the native addon
 * (native/sha256, SHA-NI: ~10x faster per node) when it is built, else the JS below, which stays the
 * reference (hashPairsLevelJs) that the addon is tested against.
 *
 * Plain JS on int32 arithmetic, which V8 compiles to machine integer ops (the rotations to ror).
 * The first block runs sixteen rounds an iteration with its schedule window in locals, the second
 * eight; the roles a..h rotate through the variables instead of moving. Checked against
 * node:crypto by test/engine/sha256-batch.test.ts.
 */
import { hash as cryptoHash } from "node:crypto";
import { hashBackend } from "./sha256-native.js";

const K = Int32Array.from([
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
  0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
  0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
  0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
  0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
  0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
  0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
  0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
]);

const IV0 = 0x6a09e667 | 0;
const IV1 = 0xbb67ae85 | 0;
const IV2 = 0x3c6ef372 | 0;
const IV3 = 0xa54ff53a | 0;
const IV4 = 0x510e527f | 0;
const IV5 = 0x9b05688c | 0;
const IV6 = 0x1f83d9ab | 0;
const IV7 = 0x5be0cd19 | 0;

/** The message bytes of a tree node: tag, then two 32-byte words. */
export const NODE_MESSAGE_BYTES = 65;

/**
 * SECOND_BLOCK_KW[64 * b + t] = K[t] + W[t] for the second block whose first byte is b: the
 * block is [b << 24 | 0x80 << 16, 0 × 13, 0, 65 * 8].
 */
const SECOND_BLOCK_KW: Int32Array = (() => {
  const out = new Int32Array(256 * 64);
  const w = new Int32Array(64);
  for (let b = 0; b < 256; b++) {
    w.fill(0);
    w[0] = (b << 24) | 0x800000;
    w[15] = NODE_MESSAGE_BYTES * 8;
    for (let t = 16; t < 64; t++) {
      const x = w[t - 15]!;
      const y = w[t - 2]!;
      const s0 = ((x >>> 7) | (x << 25)) ^ ((x >>> 18) | (x << 14)) ^ (x >>> 3);
      const s1 = ((y >>> 17) | (y << 15)) ^ ((y >>> 19) | (y << 13)) ^ (y >>> 10);
      w[t] = (w[t - 16]! + s0 + w[t - 7]! + s1) | 0;
    }
    for (let t = 0; t < 64; t++) out[64 * b + t] = (K[t]! + w[t]!) | 0;
  }
  return out;
})();

/** Scratch: the state after the first block. */
const MID = new Int32Array(8);

function checkLevel(tag: number, input: Uint8Array, output: Uint8Array, n: number, inOffset: number, outOffset: number): void {
  if (!Number.isInteger(tag) || tag < 0 || tag > 255) throw new RangeError(`tag ${tag} is not a byte`);
  if (!Number.isInteger(n) || n < 0) throw new RangeError(`node count ${n} is not a count`);
  if (!Number.isInteger(inOffset) || inOffset < 0 || inOffset + 64 * n > input.length) throw new RangeError(`input of ${input.length} bytes holds no ${n} pairs at ${inOffset}`);
  if (!Number.isInteger(outOffset) || outOffset < 0 || outOffset + 32 * n > output.length) throw new RangeError(`output of ${output.length} bytes holds no ${n} nodes at ${outOffset}`);
}

/**
 * Hashes n tree nodes: for i < n, output[outOffset + 32i .. +32) = SHA-256(tag ‖ input[inOffset +
 * 64i .. +64)). The output may overlap the input when it starts at or before it (a level hashed
 * in place into its own buffer); the native backend refuses any other overlap. On the backend in
 * use (sha256-native.ts).
 */
export function hashPairsLevel(tag: number, input: Uint8Array, output: Uint8Array, n: number, inOffset = 0, outOffset = 0): void {
  checkLevel(tag, input, output, n, inOffset, outOffset);
  if (n === 0) return;
  const native = hashBackend().native;
  if (native !== undefined) native.hashLevel(tag, input, inOffset, output, outOffset, n);
  else levelJs(tag, input, output, n, inOffset, outOffset);
}

/** hashPairsLevel in JS whatever the backend: the reference (each pair is read in full before its hash is written). */
export function hashPairsLevelJs(tag: number, input: Uint8Array, output: Uint8Array, n: number, inOffset = 0, outOffset = 0): void {
  checkLevel(tag, input, output, n, inOffset, outOffset);
  levelJs(tag, input, output, n, inOffset, outOffset);
}

function levelJs(tag: number, input: Uint8Array, output: Uint8Array, n: number, inOffset: number, outOffset: number): void {
  const tagHigh = tag << 24;
  const din = new DataView(input.buffer, input.byteOffset, input.byteLength);
  const dout = output.buffer === input.buffer && output.byteOffset === input.byteOffset ? din : new DataView(output.buffer, output.byteOffset, output.byteLength);
  for (let i = 0; i < n; i++) {
    const p = inOffset + 64 * i;
    compressFirst(tagHigh, din, p);
    compressSecond(input[p + 63]!, dout, outOffset + 32 * i);
  }
}

/**
 * The first block, tag ‖ m[p .. p+63) (read big-endian through a DataView): its state lands in MID.
 * Sixteen rounds per iteration, the schedule window in w0..w15 (w_j holds W[t + j]) and advanced
 * by sixteen words between iterations; the roles a..h rotate through the variables.
 */
function compressFirst(tagHigh: number, m: DataView, p: number): void {
  let w0 = tagHigh | (m.getUint32(p) >>> 8);
  let w1 = m.getInt32(p + 3);
  let w2 = m.getInt32(p + 7);
  let w3 = m.getInt32(p + 11);
  let w4 = m.getInt32(p + 15);
  let w5 = m.getInt32(p + 19);
  let w6 = m.getInt32(p + 23);
  let w7 = m.getInt32(p + 27);
  let w8 = m.getInt32(p + 31);
  let w9 = m.getInt32(p + 35);
  let w10 = m.getInt32(p + 39);
  let w11 = m.getInt32(p + 43);
  let w12 = m.getInt32(p + 47);
  let w13 = m.getInt32(p + 51);
  let w14 = m.getInt32(p + 55);
  let w15 = m.getInt32(p + 59);
  let a = IV0, b = IV1, c = IV2, d = IV3, e = IV4, f = IV5, g = IV6, h = IV7;
  let t1 = 0;
  for (let t = 0; ; t += 16) {
    t1 = (h + (((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7))) + (g ^ (e & (f ^ g))) + K[t]! + w0) | 0;
    d = (d + t1) | 0;
    h = (t1 + (((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10))) + ((a & b) | (c & (a | b)))) | 0;
    t1 = (g + (((d >>> 6) | (d << 26)) ^ ((d >>> 11) | (d << 21)) ^ ((d >>> 25) | (d << 7))) + (f ^ (d & (e ^ f))) + K[t + 1]! + w1) | 0;
    c = (c + t1) | 0;
    g = (t1 + (((h >>> 2) | (h << 30)) ^ ((h >>> 13) | (h << 19)) ^ ((h >>> 22) | (h << 10))) + ((h & a) | (b & (h | a)))) | 0;
    t1 = (f + (((c >>> 6) | (c << 26)) ^ ((c >>> 11) | (c << 21)) ^ ((c >>> 25) | (c << 7))) + (e ^ (c & (d ^ e))) + K[t + 2]! + w2) | 0;
    b = (b + t1) | 0;
    f = (t1 + (((g >>> 2) | (g << 30)) ^ ((g >>> 13) | (g << 19)) ^ ((g >>> 22) | (g << 10))) + ((g & h) | (a & (g | h)))) | 0;
    t1 = (e + (((b >>> 6) | (b << 26)) ^ ((b >>> 11) | (b << 21)) ^ ((b >>> 25) | (b << 7))) + (d ^ (b & (c ^ d))) + K[t + 3]! + w3) | 0;
    a = (a + t1) | 0;
    e = (t1 + (((f >>> 2) | (f << 30)) ^ ((f >>> 13) | (f << 19)) ^ ((f >>> 22) | (f << 10))) + ((f & g) | (h & (f | g)))) | 0;
    t1 = (d + (((a >>> 6) | (a << 26)) ^ ((a >>> 11) | (a << 21)) ^ ((a >>> 25) | (a << 7))) + (c ^ (a & (b ^ c))) + K[t + 4]! + w4) | 0;
    h = (h + t1) | 0;
    d = (t1 + (((e >>> 2) | (e << 30)) ^ ((e >>> 13) | (e << 19)) ^ ((e >>> 22) | (e << 10))) + ((e & f) | (g & (e | f)))) | 0;
    t1 = (c + (((h >>> 6) | (h << 26)) ^ ((h >>> 11) | (h << 21)) ^ ((h >>> 25) | (h << 7))) + (b ^ (h & (a ^ b))) + K[t + 5]! + w5) | 0;
    g = (g + t1) | 0;
    c = (t1 + (((d >>> 2) | (d << 30)) ^ ((d >>> 13) | (d << 19)) ^ ((d >>> 22) | (d << 10))) + ((d & e) | (f & (d | e)))) | 0;
    t1 = (b + (((g >>> 6) | (g << 26)) ^ ((g >>> 11) | (g << 21)) ^ ((g >>> 25) | (g << 7))) + (a ^ (g & (h ^ a))) + K[t + 6]! + w6) | 0;
    f = (f + t1) | 0;
    b = (t1 + (((c >>> 2) | (c << 30)) ^ ((c >>> 13) | (c << 19)) ^ ((c >>> 22) | (c << 10))) + ((c & d) | (e & (c | d)))) | 0;
    t1 = (a + (((f >>> 6) | (f << 26)) ^ ((f >>> 11) | (f << 21)) ^ ((f >>> 25) | (f << 7))) + (h ^ (f & (g ^ h))) + K[t + 7]! + w7) | 0;
    e = (e + t1) | 0;
    a = (t1 + (((b >>> 2) | (b << 30)) ^ ((b >>> 13) | (b << 19)) ^ ((b >>> 22) | (b << 10))) + ((b & c) | (d & (b | c)))) | 0;
    t1 = (h + (((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7))) + (g ^ (e & (f ^ g))) + K[t + 8]! + w8) | 0;
    d = (d + t1) | 0;
    h = (t1 + (((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10))) + ((a & b) | (c & (a | b)))) | 0;
    t1 = (g + (((d >>> 6) | (d << 26)) ^ ((d >>> 11) | (d << 21)) ^ ((d >>> 25) | (d << 7))) + (f ^ (d & (e ^ f))) + K[t + 9]! + w9) | 0;
    c = (c + t1) | 0;
    g = (t1 + (((h >>> 2) | (h << 30)) ^ ((h >>> 13) | (h << 19)) ^ ((h >>> 22) | (h << 10))) + ((h & a) | (b & (h | a)))) | 0;
    t1 = (f + (((c >>> 6) | (c << 26)) ^ ((c >>> 11) | (c << 21)) ^ ((c >>> 25) | (c << 7))) + (e ^ (c & (d ^ e))) + K[t + 10]! + w10) | 0;
    b = (b + t1) | 0;
    f = (t1 + (((g >>> 2) | (g << 30)) ^ ((g >>> 13) | (g << 19)) ^ ((g >>> 22) | (g << 10))) + ((g & h) | (a & (g | h)))) | 0;
    t1 = (e + (((b >>> 6) | (b << 26)) ^ ((b >>> 11) | (b << 21)) ^ ((b >>> 25) | (b << 7))) + (d ^ (b & (c ^ d))) + K[t + 11]! + w11) | 0;
    a = (a + t1) | 0;
    e = (t1 + (((f >>> 2) | (f << 30)) ^ ((f >>> 13) | (f << 19)) ^ ((f >>> 22) | (f << 10))) + ((f & g) | (h & (f | g)))) | 0;
    t1 = (d + (((a >>> 6) | (a << 26)) ^ ((a >>> 11) | (a << 21)) ^ ((a >>> 25) | (a << 7))) + (c ^ (a & (b ^ c))) + K[t + 12]! + w12) | 0;
    h = (h + t1) | 0;
    d = (t1 + (((e >>> 2) | (e << 30)) ^ ((e >>> 13) | (e << 19)) ^ ((e >>> 22) | (e << 10))) + ((e & f) | (g & (e | f)))) | 0;
    t1 = (c + (((h >>> 6) | (h << 26)) ^ ((h >>> 11) | (h << 21)) ^ ((h >>> 25) | (h << 7))) + (b ^ (h & (a ^ b))) + K[t + 13]! + w13) | 0;
    g = (g + t1) | 0;
    c = (t1 + (((d >>> 2) | (d << 30)) ^ ((d >>> 13) | (d << 19)) ^ ((d >>> 22) | (d << 10))) + ((d & e) | (f & (d | e)))) | 0;
    t1 = (b + (((g >>> 6) | (g << 26)) ^ ((g >>> 11) | (g << 21)) ^ ((g >>> 25) | (g << 7))) + (a ^ (g & (h ^ a))) + K[t + 14]! + w14) | 0;
    f = (f + t1) | 0;
    b = (t1 + (((c >>> 2) | (c << 30)) ^ ((c >>> 13) | (c << 19)) ^ ((c >>> 22) | (c << 10))) + ((c & d) | (e & (c | d)))) | 0;
    t1 = (a + (((f >>> 6) | (f << 26)) ^ ((f >>> 11) | (f << 21)) ^ ((f >>> 25) | (f << 7))) + (h ^ (f & (g ^ h))) + K[t + 15]! + w15) | 0;
    e = (e + t1) | 0;
    a = (t1 + (((b >>> 2) | (b << 30)) ^ ((b >>> 13) | (b << 19)) ^ ((b >>> 22) | (b << 10))) + ((b & c) | (d & (b | c)))) | 0;
    if (t === 48) break;
    w0 = (w0 + (((w1 >>> 7) | (w1 << 25)) ^ ((w1 >>> 18) | (w1 << 14)) ^ (w1 >>> 3)) + w9 + (((w14 >>> 17) | (w14 << 15)) ^ ((w14 >>> 19) | (w14 << 13)) ^ (w14 >>> 10))) | 0;
    w1 = (w1 + (((w2 >>> 7) | (w2 << 25)) ^ ((w2 >>> 18) | (w2 << 14)) ^ (w2 >>> 3)) + w10 + (((w15 >>> 17) | (w15 << 15)) ^ ((w15 >>> 19) | (w15 << 13)) ^ (w15 >>> 10))) | 0;
    w2 = (w2 + (((w3 >>> 7) | (w3 << 25)) ^ ((w3 >>> 18) | (w3 << 14)) ^ (w3 >>> 3)) + w11 + (((w0 >>> 17) | (w0 << 15)) ^ ((w0 >>> 19) | (w0 << 13)) ^ (w0 >>> 10))) | 0;
    w3 = (w3 + (((w4 >>> 7) | (w4 << 25)) ^ ((w4 >>> 18) | (w4 << 14)) ^ (w4 >>> 3)) + w12 + (((w1 >>> 17) | (w1 << 15)) ^ ((w1 >>> 19) | (w1 << 13)) ^ (w1 >>> 10))) | 0;
    w4 = (w4 + (((w5 >>> 7) | (w5 << 25)) ^ ((w5 >>> 18) | (w5 << 14)) ^ (w5 >>> 3)) + w13 + (((w2 >>> 17) | (w2 << 15)) ^ ((w2 >>> 19) | (w2 << 13)) ^ (w2 >>> 10))) | 0;
    w5 = (w5 + (((w6 >>> 7) | (w6 << 25)) ^ ((w6 >>> 18) | (w6 << 14)) ^ (w6 >>> 3)) + w14 + (((w3 >>> 17) | (w3 << 15)) ^ ((w3 >>> 19) | (w3 << 13)) ^ (w3 >>> 10))) | 0;
    w6 = (w6 + (((w7 >>> 7) | (w7 << 25)) ^ ((w7 >>> 18) | (w7 << 14)) ^ (w7 >>> 3)) + w15 + (((w4 >>> 17) | (w4 << 15)) ^ ((w4 >>> 19) | (w4 << 13)) ^ (w4 >>> 10))) | 0;
    w7 = (w7 + (((w8 >>> 7) | (w8 << 25)) ^ ((w8 >>> 18) | (w8 << 14)) ^ (w8 >>> 3)) + w0 + (((w5 >>> 17) | (w5 << 15)) ^ ((w5 >>> 19) | (w5 << 13)) ^ (w5 >>> 10))) | 0;
    w8 = (w8 + (((w9 >>> 7) | (w9 << 25)) ^ ((w9 >>> 18) | (w9 << 14)) ^ (w9 >>> 3)) + w1 + (((w6 >>> 17) | (w6 << 15)) ^ ((w6 >>> 19) | (w6 << 13)) ^ (w6 >>> 10))) | 0;
    w9 = (w9 + (((w10 >>> 7) | (w10 << 25)) ^ ((w10 >>> 18) | (w10 << 14)) ^ (w10 >>> 3)) + w2 + (((w7 >>> 17) | (w7 << 15)) ^ ((w7 >>> 19) | (w7 << 13)) ^ (w7 >>> 10))) | 0;
    w10 = (w10 + (((w11 >>> 7) | (w11 << 25)) ^ ((w11 >>> 18) | (w11 << 14)) ^ (w11 >>> 3)) + w3 + (((w8 >>> 17) | (w8 << 15)) ^ ((w8 >>> 19) | (w8 << 13)) ^ (w8 >>> 10))) | 0;
    w11 = (w11 + (((w12 >>> 7) | (w12 << 25)) ^ ((w12 >>> 18) | (w12 << 14)) ^ (w12 >>> 3)) + w4 + (((w9 >>> 17) | (w9 << 15)) ^ ((w9 >>> 19) | (w9 << 13)) ^ (w9 >>> 10))) | 0;
    w12 = (w12 + (((w13 >>> 7) | (w13 << 25)) ^ ((w13 >>> 18) | (w13 << 14)) ^ (w13 >>> 3)) + w5 + (((w10 >>> 17) | (w10 << 15)) ^ ((w10 >>> 19) | (w10 << 13)) ^ (w10 >>> 10))) | 0;
    w13 = (w13 + (((w14 >>> 7) | (w14 << 25)) ^ ((w14 >>> 18) | (w14 << 14)) ^ (w14 >>> 3)) + w6 + (((w11 >>> 17) | (w11 << 15)) ^ ((w11 >>> 19) | (w11 << 13)) ^ (w11 >>> 10))) | 0;
    w14 = (w14 + (((w15 >>> 7) | (w15 << 25)) ^ ((w15 >>> 18) | (w15 << 14)) ^ (w15 >>> 3)) + w7 + (((w12 >>> 17) | (w12 << 15)) ^ ((w12 >>> 19) | (w12 << 13)) ^ (w12 >>> 10))) | 0;
    w15 = (w15 + (((w0 >>> 7) | (w0 << 25)) ^ ((w0 >>> 18) | (w0 << 14)) ^ (w0 >>> 3)) + w8 + (((w13 >>> 17) | (w13 << 15)) ^ ((w13 >>> 19) | (w13 << 13)) ^ (w13 >>> 10))) | 0;
  }
  MID[0] = (a + IV0) | 0;
  MID[1] = (b + IV1) | 0;
  MID[2] = (c + IV2) | 0;
  MID[3] = (d + IV3) | 0;
  MID[4] = (e + IV4) | 0;
  MID[5] = (f + IV5) | 0;
  MID[6] = (g + IV6) | 0;
  MID[7] = (h + IV7) | 0;
}

/** The second block (first byte `last`, the rest fixed) from MID; the digest goes to out[o .. o+32) big-endian. */
function compressSecond(last: number, out: DataView, o: number): void {
  const kw = SECOND_BLOCK_KW;
  const mid = MID;
  const a0 = mid[0]!, b0 = mid[1]!, c0 = mid[2]!, d0 = mid[3]!, e0 = mid[4]!, f0 = mid[5]!, g0 = mid[6]!, h0 = mid[7]!;
  let a = a0, b = b0, c = c0, d = d0, e = e0, f = f0, g = g0, h = h0;
  let t1 = 0;
  for (let t = last << 6, end = t + 64; t < end; t += 8) {
    t1 = (h + ((((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7)))) + (g ^ (e & (f ^ g))) + kw[t]!) | 0;
    d = (d + t1) | 0;
    h = (t1 + (((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10))) + ((a & b) | (c & (a | b)))) | 0;
    t1 = (g + ((((d >>> 6) | (d << 26)) ^ ((d >>> 11) | (d << 21)) ^ ((d >>> 25) | (d << 7)))) + (f ^ (d & (e ^ f))) + kw[t + 1]!) | 0;
    c = (c + t1) | 0;
    g = (t1 + (((h >>> 2) | (h << 30)) ^ ((h >>> 13) | (h << 19)) ^ ((h >>> 22) | (h << 10))) + ((h & a) | (b & (h | a)))) | 0;
    t1 = (f + ((((c >>> 6) | (c << 26)) ^ ((c >>> 11) | (c << 21)) ^ ((c >>> 25) | (c << 7)))) + (e ^ (c & (d ^ e))) + kw[t + 2]!) | 0;
    b = (b + t1) | 0;
    f = (t1 + (((g >>> 2) | (g << 30)) ^ ((g >>> 13) | (g << 19)) ^ ((g >>> 22) | (g << 10))) + ((g & h) | (a & (g | h)))) | 0;
    t1 = (e + ((((b >>> 6) | (b << 26)) ^ ((b >>> 11) | (b << 21)) ^ ((b >>> 25) | (b << 7)))) + (d ^ (b & (c ^ d))) + kw[t + 3]!) | 0;
    a = (a + t1) | 0;
    e = (t1 + (((f >>> 2) | (f << 30)) ^ ((f >>> 13) | (f << 19)) ^ ((f >>> 22) | (f << 10))) + ((f & g) | (h & (f | g)))) | 0;
    t1 = (d + ((((a >>> 6) | (a << 26)) ^ ((a >>> 11) | (a << 21)) ^ ((a >>> 25) | (a << 7)))) + (c ^ (a & (b ^ c))) + kw[t + 4]!) | 0;
    h = (h + t1) | 0;
    d = (t1 + (((e >>> 2) | (e << 30)) ^ ((e >>> 13) | (e << 19)) ^ ((e >>> 22) | (e << 10))) + ((e & f) | (g & (e | f)))) | 0;
    t1 = (c + ((((h >>> 6) | (h << 26)) ^ ((h >>> 11) | (h << 21)) ^ ((h >>> 25) | (h << 7)))) + (b ^ (h & (a ^ b))) + kw[t + 5]!) | 0;
    g = (g + t1) | 0;
    c = (t1 + (((d >>> 2) | (d << 30)) ^ ((d >>> 13) | (d << 19)) ^ ((d >>> 22) | (d << 10))) + ((d & e) | (f & (d | e)))) | 0;
    t1 = (b + ((((g >>> 6) | (g << 26)) ^ ((g >>> 11) | (g << 21)) ^ ((g >>> 25) | (g << 7)))) + (a ^ (g & (h ^ a))) + kw[t + 6]!) | 0;
    f = (f + t1) | 0;
    b = (t1 + (((c >>> 2) | (c << 30)) ^ ((c >>> 13) | (c << 19)) ^ ((c >>> 22) | (c << 10))) + ((c & d) | (e & (c | d)))) | 0;
    t1 = (a + ((((f >>> 6) | (f << 26)) ^ ((f >>> 11) | (f << 21)) ^ ((f >>> 25) | (f << 7)))) + (h ^ (f & (g ^ h))) + kw[t + 7]!) | 0;
    e = (e + t1) | 0;
    a = (t1 + (((b >>> 2) | (b << 30)) ^ ((b >>> 13) | (b << 19)) ^ ((b >>> 22) | (b << 10))) + ((b & c) | (d & (b | c)))) | 0;
  }
  out.setInt32(o, (a + a0) | 0);
  out.setInt32(o + 4, (b + b0) | 0);
  out.setInt32(o + 8, (c + c0) | 0);
  out.setInt32(o + 12, (d + d0) | 0);
  out.setInt32(o + 16, (e + e0) | 0);
  out.setInt32(o + 20, (f + f0) | 0);
  out.setInt32(o + 24, (g + g0) | 0);
  out.setInt32(o + 28, (h + h0) | 0);
}

/** One node: SHA-256(tag ‖ left ‖ right) into out[outOffset .. +32), through a 64-byte scratch pair. */
const PAIR = new Uint8Array(64);
export function hashNode(tag: number, left: Uint8Array, right: Uint8Array, out: Uint8Array, outOffset = 0): void {
  if (left.length !== 32 || right.length !== 32) throw new RangeError(`node halves are 32 bytes, got ${left.length} and ${right.length}`);
  PAIR.set(left, 0);
  PAIR.set(right, 32);
  hashPairsLevel(tag, PAIR, out, 1, 0, outOffset);
}

/**
 * SHA-256 of message[0 .. length) into out[0 .. 32), on the backend in use (without the addon,
 * node:crypto's one-shot hash).
 */
export function sha256Into(message: Uint8Array, length: number, out: Uint8Array): void {
  if (!Number.isInteger(length) || length < 0 || length > message.length) throw new RangeError(`message of ${message.length} bytes has no ${length} bytes`);
  if (out.length < 32) throw new RangeError(`output of ${out.length} bytes holds no digest`);
  const native = hashBackend().native;
  if (native !== undefined) native.hashBytes(message, 0, length, out, 0);
  else out.set(cryptoHash("sha256", message.subarray(0, length), "buffer"));
}
