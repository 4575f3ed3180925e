/**
 * The docs/SPEC.md test vectors of the version-2 candidates, found by search where needed and each
 * confirmed against onnxruntime-node (prints them; test/engine/ops.v2.differential.test.ts pins them).
 *
 *   npx tsx scripts/semantics/vectors.ts [--seed 1]
 */
import { qlinearAddValue } from "../../offchain/engine/ops/qlinear_add.js";
import { DType, type Tensor } from "../../offchain/engine/tensor.js";
import { scalarT, v } from "../../test/engine/support/differential.js";
import { releaseSessions, runOrt } from "../../test/engine/support/ort.js";
import { Rng } from "../../test/engine/support/prng.js";
import { args, f32, header } from "./lib.js";

const { UINT8, FLOAT } = DType;
const t = (shape: number[], values: number[]): Tensor => ({ dtype: UINT8, shape, data: new Uint8Array(values) });

async function ortBinary(op: string, a: Tensor, b: Tensor, p: number[]): Promise<number[]> {
  const [sa, za, sb, zb, sc, zc] = p;
  const spec = {
    opType: op, domain: "com.microsoft",
    inputs: [v("A", UINT8, a.shape), v("as", FLOAT, []), v("az", UINT8, []), v("B", UINT8, b.shape), v("bs", FLOAT, []), v("bz", UINT8, []), v("cs", FLOAT, []), v("cz", UINT8, [])],
    outputs: [v("C", UINT8, [])],
  };
  const feeds = { A: a, as: scalarT(FLOAT, sa), az: scalarT(UINT8, za), B: b, bs: scalarT(FLOAT, sb), bz: scalarT(UINT8, zb), cs: scalarT(FLOAT, sc), cz: scalarT(UINT8, zc) };
  const [out] = await runOrt(spec, feeds);
  return Array.from(out.data as Uint8Array);
}

const { seed } = args(0);
header("version-2 test vectors");
const rng = new Rng(seed);
// QLinearAdd: A of shape [1] (the span scalar: onnxruntime swaps the operands) where the swap matters.
search: for (let tries = 0; tries < 2000; tries++) {
  const sc = rng.logUniform(-10, 0);
  const p = [f32(sc * rng.logUniform(-4, 3)), rng.int(0, 255), f32(sc * rng.logUniform(-4, 3)), rng.int(0, 255), sc, rng.int(0, 255)];
  for (let ab = 0; ab < 65536; ab++) {
  const a = ab >> 8;
  const b = ab & 255;
  const swapped = qlinearAddValue(b, p[2], p[3], a, p[0], p[1], p[4], p[5], 0, 255);
  const plain = qlinearAddValue(a, p[0], p[1], b, p[2], p[3], p[4], p[5], 0, 255);
  if (swapped === plain) continue;
  const asScalar = await ortBinary("QLinearAdd", t([1], [a]), t([2], [b, b]), p);
  const same = await ortBinary("QLinearAdd", t([2], [a, a]), t([2], [b, b]), p);
  console.log(`QLinearAdd sa=${p[0]} za=${p[1]} sb=${p[2]} zb=${p[3]} sc=${p[4]} zc=${p[5]}, a=${a}, b=${b}:`);
  console.log(`  A [1] (scalarA form, swapped): reference ${swapped}, onnxruntime ${asScalar}`);
  console.log(`  A [2] (general form):          reference ${plain}, onnxruntime ${same}`);
  break search;
  }
}
const mul = await ortBinary("QLinearMul", t([1], [114]), t([1], [254]), [0.0625, 0, 2, 255, 0.5, 165]);
console.log(`QLinearMul 114, 254, sa=0.0625 za=0 sb=2 zb=255 sc=0.5 zc=165: onnxruntime ${mul} (RNE of the product would give 137)`);
const big = await ortBinary("QLinearMul", t([1], [255]), t([1], [255]), [1, 128, 1, 128, 2 ** -20, 0]);
console.log(`QLinearMul 255, 255, sa=sb=1 za=zb=128 sc=2^-20 zc=0: onnxruntime ${big} (127*127*2^20 >= 2^31)`);
for (const cip of [0, 1]) {
  const spec = {
    opType: "QLinearAveragePool", domain: "com.microsoft",
    inputs: [v("X", UINT8, [1, 1, 2]), v("xs", FLOAT, []), v("xz", UINT8, []), v("ys", FLOAT, []), v("yz", UINT8, [])],
    outputs: [v("Y", UINT8, [])],
    attributes: { kernel_shape: { kind: "ints" as const, value: [2] }, pads: { kind: "ints" as const, value: [1, 0] }, count_include_pad: { kind: "int" as const, value: cip } },
  };
  const [out] = await runOrt(spec, { X: t([1, 1, 2], [1, 2]), xs: scalarT(FLOAT, 1), xz: scalarT(UINT8, 0), ys: scalarT(FLOAT, 1), yz: scalarT(UINT8, cip) });
  console.log(`QLinearAveragePool X=[1,2], kernel 2, pads [1,0], xs=ys=1, xz=0, yz=${cip}, count_include_pad=${cip}: onnxruntime ${Array.from(out.data as Uint8Array)}`);
}
await releaseSessions();
