/**
 * The native tree hasher (native/sha256, built by `npm install`) against the JS batch hasher (the
 * reference) and node:crypto, kernel by kernel (SHA-NI where the CPU has it, portable C always);
 * the trees and docs/vectors on both backends; the fallback; and hostile arguments at the
 * Node-API boundary, which must throw a one-line TypeError and never crash the process.
 */
import { expect } from "chai";
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { Tag, taggedHash } from "../../offchain/engine/commit/hash.js";
import { hashPairsLevelJs } from "../../offchain/engine/commit/sha256-batch.js";
import {
  hashBackend,
  nativeAddon,
  resolveBackend,
  restoreHashBackend,
  useHashBackend,
  type NativeSha256,
} from "../../offchain/engine/commit/sha256-native.js";
import { commitBytes, commitTensorList, leafChunk, leafCount, merkleLevels, merkleRoot, treeDepth, ZERO_SUBTREE } from "../../offchain/engine/commit/tensor-commitment.js";
import { WordTree, zeroSubtrees } from "../../offchain/engine/commit/word-tree.js";
import { loadEngineModel } from "../../offchain/engine/exec/engine.js";
import { encodeModel } from "../../offchain/engine/onnx/encode.js";
import type { DType } from "../../offchain/engine/tensor.js";
import { HASH_BACKENDS } from "./support/hash-backends.js";
import { Rng } from "./support/prng.js";
import { tinyModel } from "./support/tiny-model.js";

const sha256 = (tag: number, pair: Uint8Array): Buffer => createHash("sha256").update(Uint8Array.of(tag)).update(pair).digest();

function randomBytes(rng: Rng, n: number): Uint8Array {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i += 4) {
    const x = rng.nextU32();
    for (let j = 0; j < 4 && i + j < n; j++) out[i + j] = (x >>> (8 * j)) & 0xff;
  }
  return out;
}

/** Level sizes: empty, one, two, odd, every power of two and its neighbours to 2^12, and large. */
const LEVEL_SIZES = [...new Set([0, 1, 2, 3, 5, 7, ...Array.from({ length: 13 }, (_, k) => [2 ** k - 1, 2 ** k, 2 ** k + 1]).flat(), 10_001, 65_537])].sort((a, b) => a - b);

const addon: NativeSha256 | undefined = nativeAddon();

/** Byte lengths around every leaf count 2^k - 1, 2^k, 2^k + 1 (k = 0..12), and inside a leaf. */
const TREE_LENGTHS = [...new Set([0, 1, 31, 32, 33, 63, 64, 65, ...Array.from({ length: 13 }, (_, k) => [2 ** k - 1, 2 ** k, 2 ** k + 1].flatMap((n) => [32 * n - 1, 32 * n, 32 * n + 1])).flat()])].filter((n) => n >= 0).sort((a, b) => a - b);

describe("sha256-native: the addon", () => {
  it("is built (required under CI, where a C compiler is present; elsewhere the JS hasher stands in)", function () {
    if (addon === undefined) {
      if (process.env.CI) expect.fail(`CI needs the native addon: ${hashBackend().warning ?? "not loaded"}`);
      this.skip();
    }
    expect(addon.kernels).to.include("portable");
    expect(addon.kernels[0]).to.equal(addon.kernel);
  });
});

describe("sha256-native: every kernel against the JS batch hasher and node:crypto", () => {
  before(function () {
    if (addon === undefined) this.skip();
  });
  for (const kernel of ["sha-ni", "portable"]) {
    describe(`kernel ${kernel}`, () => {
      before(function () {
        if (!addon!.kernels.includes(kernel)) this.skip();
      });

      it("hashes levels of every boundary size, both tensor tags and others, like JS and node:crypto", () => {
        const rng = new Rng(0x5ee0 + kernel.length);
        for (const n of LEVEL_SIZES) {
          const input = randomBytes(rng, 64 * n);
          for (const tag of [Tag.TENSOR_LEAF, Tag.TENSOR_NODE, Tag.VALUE_TABLE_NODE, Tag.NODE_TREE_NODE, rng.nextU32() & 0xff]) {
            const native = new Uint8Array(32 * n);
            const js = new Uint8Array(32 * n);
            addon!.hashLevel(tag, input, 0, native, 0, n, kernel);
            hashPairsLevelJs(tag, input, js, n);
            if (!Buffer.from(native).equals(Buffer.from(js))) expect.fail(`${n} nodes, tag ${tag}: native and JS differ`);
            // node:crypto on a sample (all of the small levels).
            for (let i = 0; i < n; i += n < 300 ? 1 : 97) {
              if (!sha256(tag, input.subarray(64 * i, 64 * i + 64)).equals(native.subarray(32 * i, 32 * i + 32))) expect.fail(`${n} nodes, tag ${tag}: node ${i} differs from node:crypto`);
            }
          }
        }
      });

      it("agrees on every tag byte and every last byte (the tabulated second block), alone and in pairs", () => {
        const rng = new Rng(8);
        const pairs = randomBytes(rng, 3 * 64);
        const out = new Uint8Array(3 * 32);
        for (let tag = 0; tag < 256; tag++) {
          for (let last = 0; last < 256; last++) {
            pairs[63] = last;
            pairs[127] = 255 - last;
            pairs[191] = last ^ tag;
            pairs[0] = tag ^ last;
            addon!.hashLevel(tag, pairs, 0, out, 0, 3, kernel); // an interleaved pair and a lone node
            for (let i = 0; i < 3; i++) {
              if (!sha256(tag, pairs.subarray(64 * i, 64 * i + 64)).equals(out.subarray(32 * i, 32 * i + 32))) expect.fail(`tag ${tag}, last ${last}, node ${i}`);
            }
          }
        }
      });

      it("hashes at offsets, from unaligned views and in place (a level into its own buffer)", () => {
        const rng = new Rng(12);
        for (const n of [1, 2, 3, 8, 9, 257]) {
          const backing = randomBytes(rng, 64 * n + 64 * 3 + 3);
          const input = backing.subarray(3);
          const out = new Uint8Array(5 + 32 * (n + 2)).subarray(5);
          addon!.hashLevel(1, input, 64 * 2, out, 32, n, kernel);
          for (let i = 0; i < n; i++) expect(sha256(1, input.subarray(64 * (i + 2), 64 * (i + 3))).equals(out.subarray(32 + 32 * i, 64 + 32 * i))).to.equal(true);
          const inPlace = Uint8Array.from(input);
          const want = Array.from({ length: n }, (_, i) => sha256(0, input.subarray(64 * i, 64 * i + 64)));
          addon!.hashLevel(0, inPlace, 0, inPlace, 0, n, kernel);
          for (let i = 0; i < n; i++) expect(Buffer.from(inPlace.subarray(32 * i, 32 * i + 32)).equals(want[i]!), `in place, ${n} nodes, node ${i}`).to.equal(true);
          // An output starting before the input in the same buffer is fine too.
          const shifted = Uint8Array.from(input);
          addon!.hashLevel(0, shifted, 64, shifted, 0, n, kernel);
          for (let i = 0; i < n; i++) expect(Buffer.from(shifted.subarray(32 * i, 32 * i + 32)).equals(sha256(0, input.subarray(64 * (i + 1), 64 * (i + 2))))).to.equal(true);
        }
      });

      it("tensorRoot, tensorCommitment and listCommitment equal the JS tree, header and list at every leaf-count boundary", () => {
        const rng = new Rng(14);
        const previous = useHashBackend("js");
        try {
          const out = new Uint8Array(32);
          for (const len of TREE_LENGTHS) {
            const bytes = randomBytes(rng, len);
            addon!.tensorRoot(bytes, out, kernel);
            if (!merkleRoot(bytes).equals(out)) expect.fail(`root of ${len} bytes`);
            const typeWord = Buffer.alloc(32);
            typeWord[0] = 2; // uint8, rank 1
            typeWord[1] = 1;
            typeWord.writeUIntBE(len, 2, 3);
            addon!.tensorCommitment(typeWord, bytes, out, kernel);
            if (`0x${Buffer.from(out).toString("hex")}` !== commitBytes(2 as DType, [len], bytes)) expect.fail(`commitment of ${len} bytes`);
          }
          for (const k of [0, 1, 2, 3, 15, 16, 17, 40]) {
            const list = Array.from({ length: k }, () => `0x${Buffer.from(randomBytes(rng, 32)).toString("hex")}` as `0x${string}`);
            if (k === 3) list[1] = list[1]!.toUpperCase().replace("0X", "0x") as `0x${string}`; // upper-case hex decodes alike
            addon!.listCommitment(list, out, kernel);
            expect(`0x${Buffer.from(out).toString("hex")}`, `list of ${k}`).to.equal(commitTensorList(list));
          }
        } finally {
          restoreHashBackend(previous);
        }
      });

      it("hashBytes equals node:crypto on every length 0..300 and some large ones", () => {
        const rng = new Rng(13);
        const out = new Uint8Array(40);
        for (const len of [...Array.from({ length: 301 }, (_, i) => i), 1000, 4096, 65_537]) {
          const m = randomBytes(rng, len + 7);
          addon!.hashBytes(m, 7, len, out, 8, kernel);
          if (!createHash("sha256").update(m.subarray(7)).digest().equals(out.subarray(8))) expect.fail(`length ${len}`);
        }
      });
    });
  }
});

/** The tree by its definition: one node:crypto call per node. */
function referenceRoot(bytes: Uint8Array): Buffer {
  const depth = treeDepth(bytes.length);
  let level: Uint8Array[] = Array.from({ length: Math.max(1, leafCount(bytes.length)) }, (_, i) => leafChunk(bytes, i));
  for (let d = 0; d < depth; d++) {
    const tag = d === 0 ? Tag.TENSOR_LEAF : Tag.TENSOR_NODE;
    level = Array.from({ length: Math.ceil(level.length / 2) }, (_, i) => taggedHash(tag, level[2 * i]!, level[2 * i + 1] ?? ZERO_SUBTREE[d]!));
  }
  return Buffer.from(level[0]!);
}

describe("sha256-native: the trees on every backend", () => {
  let previous: ReturnType<typeof useHashBackend>;
  beforeEach(() => {
    previous = hashBackend();
  });
  afterEach(() => restoreHashBackend(previous));

  it("merkleRoot, merkleLevels and commitBytes agree across backends at every leaf-count boundary", () => {
    const rng = new Rng(21);
    for (const len of TREE_LENGTHS) {
      const bytes = randomBytes(rng, len);
      const want = referenceRoot(bytes);
      const got = HASH_BACKENDS.map((b) => {
        useHashBackend(b);
        const levels = merkleLevels(bytes);
        return { b, root: merkleRoot(bytes), top: Buffer.from(levels[levels.length - 1]![0]!), commitment: commitBytes(2 as DType, [len], bytes) };
      });
      for (const g of got) {
        expect(g.root.equals(want), `${g.b}: root of ${len} bytes`).to.equal(true);
        expect(g.top.equals(want), `${g.b}: merkleLevels top of ${len} bytes`).to.equal(true);
        expect(g.commitment, `${g.b}: commitment of ${len} bytes`).to.equal(got[0]!.commitment);
      }
    }
  });

  it("WordTree roots and updates agree across backends at every leaf-count boundary", () => {
    const rng = new Rng(22);
    for (const n of [0, 1, 2, 3, 4, 5, 7, 8, 9, 15, 16, 17, 31, 32, 33, 63, 64, 65, 127, 128, 129, 1023, 1024, 1025]) {
      const leaves = Array.from({ length: n }, () => randomBytes(rng, 32));
      const zero = zeroSubtrees(Tag.VALUE_TABLE_NODE);
      let level: Buffer[] = leaves.map((l) => Buffer.from(l));
      const depth = new WordTree(Tag.VALUE_TABLE_NODE, leaves).depth;
      for (let h = 0; h < depth; h++) level = Array.from({ length: Math.ceil(level.length / 2) }, (_, i) => taggedHash(Tag.VALUE_TABLE_NODE, level[2 * i]!, level[2 * i + 1] ?? zero[h]!));
      const want = level[0] ?? zero[depth]!;
      for (const b of HASH_BACKENDS) {
        useHashBackend(b);
        const tree = new WordTree(Tag.VALUE_TABLE_NODE, leaves);
        expect(tree.root.equals(want), `${b}: root of ${n} leaves`).to.equal(true);
        if (n > 0) {
          tree.set(n - 1, new Uint8Array(32));
          const again = new WordTree(Tag.VALUE_TABLE_NODE, [...leaves.slice(0, n - 1), new Uint8Array(32)]);
          expect(tree.root.equals(again.root), `${b}: set() of ${n} leaves`).to.equal(true);
        }
      }
    }
  });

  it("reproduces docs/vectors/tensor-commitment.json on every backend", () => {
    const vectors = JSON.parse(readFileSync(new URL("../../docs/vectors/tensor-commitment.json", import.meta.url), "utf8")) as {
      tensors: { name: string; dtype: number; shape: number[]; bytes: string; root: string; commitment: string }[];
      lists: { commitments: `0x${string}`[]; commitment: string }[];
    };
    expect(vectors.tensors.length).to.be.greaterThan(0);
    for (const b of HASH_BACKENDS) {
      useHashBackend(b);
      for (const v of vectors.tensors) {
        const bytes = Buffer.from(v.bytes.slice(2), "hex");
        expect(`0x${merkleRoot(bytes).toString("hex")}`, `${b}: ${v.name} root`).to.equal(v.root);
        expect(commitBytes(v.dtype as DType, v.shape, bytes), `${b}: ${v.name}`).to.equal(v.commitment);
      }
      for (const l of vectors.lists) expect(commitTensorList(l.commitments), `${b}: list of ${l.commitments.length}`).to.equal(l.commitment);
    }
  });
});

describe("sha256-native: malformed list commitments", () => {
  it("throw the same TypeError on every backend", () => {
    const good = `0x${"ab".repeat(32)}` as const;
    const bad = ["0x", `0x${"ab".repeat(31)}`, `0x${"ab".repeat(32)}0`, `0X${"ab".repeat(32)}`, `0x${"ag".repeat(32)}`, `ab${"ab".repeat(32)}`, `0x${"ab".repeat(31)}a `];
    for (const b of HASH_BACKENDS) {
      const previous = useHashBackend(b);
      try {
        for (const c of bad) {
          expect(() => commitTensorList([good, c as `0x${string}`]), `${b}: "${c}"`).to.throw(TypeError, /^commitments\[1\] is not a 0x-prefixed 32-byte hex string$/);
        }
      } finally {
        restoreHashBackend(previous);
      }
    }
  });
});

describe("sha256-native: choosing the backend, and the fallback", () => {
  it("VERINFER_HASH=js (or useHashBackend) forces the JS hasher, without a warning", () => {
    const previous = useHashBackend("js");
    try {
      expect(hashBackend().name).to.equal("js");
      expect(hashBackend().native).to.equal(undefined);
      expect(hashBackend().warning).to.equal(undefined);
      // The trees still come out right on the forced path.
      const bytes = randomBytes(new Rng(31), 1000);
      expect(merkleRoot(bytes).equals(referenceRoot(bytes))).to.equal(true);
    } finally {
      restoreHashBackend(previous);
    }
  });

  it("without the addon, auto falls back to JS and says why; native refuses to start", () => {
    const missing = { error: "not built (test)" };
    const auto = resolveBackend("auto", missing);
    expect(auto.name).to.equal("js");
    expect(auto.native).to.equal(undefined);
    expect(auto.warning).to.match(/^the native SHA-256 addon is not built \(test\); tree hashing uses the JS batch hasher/);
    expect(() => resolveBackend("native", missing)).to.throw(/VERINFER_HASH=native, but the native SHA-256 addon is not built \(test\)/);
    if (addon !== undefined) {
      expect(resolveBackend("auto", { addon }).name).to.equal(`native ${addon.kernel}`);
      expect(resolveBackend("js", { addon }).name).to.equal("js");
    }
  });

  it("the engine passes the fallback's warning on once, and names the hasher", async () => {
    const previous = hashBackend();
    restoreHashBackend(resolveBackend("auto", { error: "not built (test)" }));
    try {
      const m = await loadEngineModel(encodeModel(tinyModel()), { backend: "reference" });
      expect(m.hasher).to.equal("js");
      expect(m.warnings.filter((w) => /native SHA-256 addon/.test(w))).to.have.length(1);
    } finally {
      restoreHashBackend(previous);
    }
    const m = await loadEngineModel(encodeModel(tinyModel()), { backend: "reference" });
    expect(m.hasher).to.equal(previous.name);
    expect(m.warnings.some((w) => /native SHA-256 addon/.test(w))).to.equal(previous.warning !== undefined);
  });
});

describe("sha256-native: hostile arguments at the Node-API boundary", () => {
  before(function () {
    if (addon === undefined) this.skip();
  });

  /** Each must throw a TypeError whose message is one line. */
  const refuses = (what: string, f: () => unknown, pattern?: RegExp): void => {
    let error: unknown;
    try {
      f();
    } catch (e) {
      error = e;
    }
    expect(error, what).to.be.instanceOf(TypeError);
    const message = (error as Error).message;
    expect(message.includes("\n"), `${what}: one line`).to.equal(false);
    if (pattern) expect(message, what).to.match(pattern);
  };

  it("refuses non-Uint8Array buffers, bad numbers and missing arguments with a TypeError", () => {
    const a = addon!;
    const pair = new Uint8Array(64);
    const out = new Uint8Array(32);
    const hl = a.hashLevel as unknown as (...args: unknown[]) => void;
    const hb = a.hashBytes as unknown as (...args: unknown[]) => void;
    refuses("no arguments", () => hl(), /takes 6 or 7 arguments/);
    refuses("five arguments", () => hl(0, pair, 0, out, 0));
    for (const bad of [null, undefined, "x".repeat(64), 64, [0, 1], {}, new Uint16Array(32), new Float32Array(16), new DataView(new ArrayBuffer(64)), new ArrayBuffer(64)]) {
      refuses(`input ${Object.prototype.toString.call(bad)}`, () => hl(0, bad, 0, out, 0, 1), /input must be a Uint8Array/);
      refuses(`output ${Object.prototype.toString.call(bad)}`, () => hl(0, pair, 0, bad, 0, 1), /output must be a Uint8Array/);
      refuses(`hashBytes input ${Object.prototype.toString.call(bad)}`, () => hb(bad, 0, 1, out, 0), /input must be a Uint8Array/);
    }
    for (const bad of [-1, 256, 1.5, NaN, Infinity, "1", null, undefined, 1n]) {
      refuses(`tag ${String(bad)}`, () => hl(bad, pair, 0, out, 0, 1), /tag must be an integer in 0\.\.255/);
    }
    for (const bad of [-1, 0.5, NaN, -Infinity, Infinity, 2 ** 53, "0", {}, 1n]) {
      refuses(`count ${String(bad)}`, () => hl(0, pair, 0, out, 0, bad), /count must be an integer/);
      refuses(`inOffset ${String(bad)}`, () => hl(0, pair, bad, out, 0, 1), /inOffset must be an integer/);
      refuses(`outOffset ${String(bad)}`, () => hl(0, pair, 0, out, bad, 1), /outOffset must be an integer/);
      refuses(`hashBytes length ${String(bad)}`, () => hb(pair, 0, bad, out, 0), /length must be an integer/);
    }
    refuses("unknown kernel", () => hl(0, pair, 0, out, 0, 1, "avx9000"), /kernel "avx9000" is not available/);
    refuses("kernel not a string", () => hl(0, pair, 0, out, 0, 1, 7), /kernel must be a kernel name string/);
  });

  it("refuses every range outside the buffers, overflowing counts and forward overlaps", () => {
    const a = addon!;
    const pair = new Uint8Array(64);
    const out = new Uint8Array(32);
    refuses("two pairs in 64 bytes", () => a.hashLevel(0, pair, 0, new Uint8Array(64), 0, 2), /input of 64 bytes holds no 2 pairs at offset 0/);
    refuses("a pair at offset 1", () => a.hashLevel(0, pair, 1, out, 0, 1), /holds no 1 pairs at offset 1/);
    refuses("31-byte output", () => a.hashLevel(0, pair, 0, new Uint8Array(31), 0, 1), /output of 31 bytes holds no 1 digests/);
    refuses("output offset past the end", () => a.hashLevel(0, pair, 0, out, 1, 1), /output of 32 bytes/);
    refuses("an offset past the end, even for no pairs", () => a.hashLevel(0, pair, 65, out, 0, 0), /input of 64 bytes holds no 0 pairs at offset 65/);
    refuses("huge count", () => a.hashLevel(0, pair, 0, out, 0, 2 ** 53 - 1), /input of 64 bytes holds no/);
    refuses("huge offset", () => a.hashLevel(0, pair, 2 ** 53 - 1, out, 0, 1), /input of 64 bytes holds no/);
    refuses("hashBytes past the end", () => a.hashBytes(pair, 60, 5, out, 0), /input of 64 bytes holds no 5 bytes at offset 60/);
    refuses("hashBytes short output", () => a.hashBytes(pair, 0, 5, out, 1), /output of 32 bytes holds no digest at offset 1/);
    const shared = new Uint8Array(64 * 4);
    refuses("output inside the input, after its start", () => a.hashLevel(0, shared, 0, shared, 32, 2), /overlaps the input and starts after it/);
    const view = new Uint8Array(shared.buffer, 16);
    refuses("overlap through another view", () => a.hashLevel(0, shared, 0, view, 0, 2), /overlaps/);
    // A detached buffer has no bytes: every non-empty range is refused, the empty one is a no-op.
    const detached = new Uint8Array(64);
    structuredClone(detached.buffer, { transfer: [detached.buffer] });
    refuses("detached input", () => a.hashLevel(0, detached, 0, out, 0, 1), /input of 0 bytes/);
    a.hashLevel(0, detached, 0, out, 0, 0);
    a.hashBytes(detached, 0, 0, out, 0);
    expect(Buffer.from(out).equals(createHash("sha256").digest())).to.equal(true);
  });

  it("refuses bad arguments to the tree, commitment and list calls", () => {
    const a = addon!;
    const out = new Uint8Array(32);
    const tr = a.tensorRoot as unknown as (...args: unknown[]) => void;
    const tc = a.tensorCommitment as unknown as (...args: unknown[]) => void;
    const lc = a.listCommitment as unknown as (...args: unknown[]) => void;
    refuses("tensorRoot()", () => tr(), /takes 2 or 3 arguments/);
    refuses("tensorRoot(string)", () => tr("abc", out), /data must be a Uint8Array/);
    refuses("tensorRoot short output", () => tr(new Uint8Array(5), new Uint8Array(31)), /output of 31 bytes holds no digest/);
    refuses("tensorRoot Int8Array", () => tr(new Int8Array(5), out), /data must be a Uint8Array, not another typed array/);
    refuses("tensorCommitment()", () => tc(new Uint8Array(32)), /takes 3 or 4 arguments/);
    refuses("tensorCommitment 31-byte type word", () => tc(new Uint8Array(31), new Uint8Array(5), out), /typeWord must be 32 bytes, got 31/);
    refuses("tensorCommitment kernel", () => tc(new Uint8Array(32), new Uint8Array(5), out, "nope"), /kernel "nope" is not available/);
    refuses("listCommitment()", () => lc([]), /takes 2 or 3 arguments/);
    for (const bad of [null, "0x00", {}, new Uint8Array(32), { length: 1, 0: `0x${"00".repeat(32)}` }]) {
      refuses(`listCommitment(${Object.prototype.toString.call(bad)})`, () => lc(bad, out), /commitments must be an array/);
    }
    for (const bad of [7, null, undefined, {}, `0x${"00".repeat(31)}`, `0x${"00".repeat(33)}`, `0x${"zz".repeat(32)}`, `0x${"é".repeat(64)}`]) {
      refuses(`listCommitment([${String(bad)}])`, () => lc([`0x${"00".repeat(32)}`, bad], out), /^commitments\[1\] is not a 0x-prefixed 32-byte hex string$/);
    }
    // eslint-disable-next-line no-sparse-arrays
    refuses("a hole", () => lc([, `0x${"00".repeat(32)}`], out), /commitments\[0\]/);
    const throwing = [`0x${"00".repeat(32)}`];
    Object.defineProperty(throwing, 1, { get: () => { throw new RangeError("from the getter"); }, enumerable: true });
    expect(() => lc(throwing, out)).to.throw(RangeError, "from the getter");
    refuses("listCommitment short output", () => lc([], new Uint8Array(8)), /output of 8 bytes holds no digest/);
  });

  it("leaves the buffers untouched when it refuses", () => {
    const out = new Uint8Array(32).fill(0xaa);
    expect(() => addon!.hashLevel(0, new Uint8Array(64), 0, out, 0, 2)).to.throw(TypeError);
    expect(out.every((b) => b === 0xaa)).to.equal(true);
  });
});
