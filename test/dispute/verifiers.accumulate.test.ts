/**
 * AccumulateVerifier (opcodes 3 QLinearConv, 4 QLinearMatMul, 5 QGemm, 6 MaxPool, 7 MatMulInteger,
 * 8 ConvInteger, 22 ArgMax) against the reference tracers: every step a = 0..K+1 of sampled output
 * elements of the profile's single-node models and of seeded random shapes must reproduce
 * accumulationValues() (offchain/game/accumulate-steps.ts) bit for bit, with the proofs of
 * encodeStepProof (docs/SPEC.md section 10.2). Then forged and misplaced proofs, the mutation
 * guard (SEMANTICS.md's wrong formulas in a tests-only mock) and gas per step kind.
 */
import { expect } from "chai";
import { ZeroHash } from "ethers";
import { network } from "hardhat";
import { Tag, taggedHash, toHex, type Hex32 } from "../../offchain/engine/commit/hash.js";
import { encodeTensorType } from "../../offchain/engine/commit/tensor-type.js";
import { ZERO_SUBTREE } from "../../offchain/engine/commit/tensor-commitment.js";
import { attr, type SingleNodeSpec } from "../../offchain/engine/onnx/encode.js";
import { DType, numel, type Tensor } from "../../offchain/engine/tensor.js";
import { accumulationValues, argMaxWord } from "../../offchain/game/accumulate-steps.js";
import { encodeStepProof, stepOperands } from "../../offchain/game/step-proofs.js";
import type { OperandProof } from "../../offchain/game/trace.js";
import { f32, feedsFor, i8, profileModels, t, u8 } from "../engine/support/profile-models.js";
import { commitAndRun, encodeProofs, rng, sampleElements, stepInput, type Committed, type StepInputArgs } from "./support/step-harness.js";

const { ethers } = await network.getOrCreate();

const OPS = ["QLinearConv", "QLinearMatMul", "QGemm", "MaxPool", "MatMulInteger", "ConvInteger", "ArgMax"] as const;
type Op = (typeof OPS)[number];

type Rng = ReturnType<typeof rng>;
interface Case {
  readonly name: string;
  readonly op: Op;
  readonly spec: SingleNodeSpec;
  readonly feeds: Record<string, Tensor>;
}

/*//////////////////////////////////////////////////////////////
                          STEP CHECKS
//////////////////////////////////////////////////////////////*/

interface StepVerifier {
  step: { staticCall(input: StepInputArgs, proof: string): Promise<string> } & ((input: StepInputArgs, proof: string) => Promise<string>);
  accumulationLength(descriptor: string, inputTypes: string[]): Promise<bigint>;
  getAddress(): Promise<string>;
}

function stepArgs(r: Committed, element: number, step: number, values: readonly Hex32[]): StepInputArgs {
  return { ...stepInput(r, element), step, previous: step === 0 ? ZeroHash : values[step - 1]! };
}

/** Every step of the given elements; returns [steps checked, mismatches] (expect: asserts each). */
async function runSteps(v: StepVerifier, r: Committed, elements: readonly number[], expectEqual: boolean): Promise<[number, number]> {
  let steps = 0;
  let mismatches = 0;
  const jobs: { e: number; a: number; want: Hex32; input: StepInputArgs; proof: string }[] = [];
  for (const e of elements) {
    const values = accumulationValues(r.trace, 0, e);
    for (let a = 0; a < values.length; a++) {
      jobs.push({ e, a, want: values[a]!, input: stepArgs(r, e, a, values), proof: encodeStepProof(r.trace, 0, e, a) });
    }
  }
  for (let i = 0; i < jobs.length; i += 64) {
    const chunk = jobs.slice(i, i + 64);
    const got = await Promise.all(chunk.map((j) => v.step(j.input, j.proof).catch((err: Error) => `revert: ${err.message}`)));
    chunk.forEach((j, k) => {
      steps++;
      if (got[k] !== j.want) {
        mismatches++;
        if (expectEqual) expect(got[k], `${r.name}: element ${j.e}, step ${j.a}`).to.equal(j.want);
      }
    });
  }
  return [steps, mismatches];
}

/*//////////////////////////////////////////////////////////////
                       RANDOM MODEL SHAPES
//////////////////////////////////////////////////////////////*/

const RANGE: Record<number, [number, number]> = { [DType.UINT8]: [0, 255], [DType.INT8]: [-128, 127] };
const Q = [DType.UINT8, DType.INT8] as const;

/** A value of an 8-bit type, at the range ends one time in three. */
function edgy(r: Rng, dtype: DType): number {
  const [lo, hi] = RANGE[dtype]!;
  return r.bool(0.35) ? r.pick([lo, hi]) : r.int(lo, hi);
}

function values(r: Rng, dtype: DType, n: number): number[] {
  const [lo, hi] = RANGE[dtype]!;
  return Array.from({ length: n }, () => r.int(lo, hi));
}

/** A scale: a power of two (ties in requantization) or a random normal float32. */
function scale(r: Rng): number {
  return r.bool(0.4) ? 2 ** -r.int(0, 9) : Math.fround(10 ** -(1 + 3 * r.next()));
}

function randomConv(r: Rng, i: number, quantized: boolean): Case {
  const D = r.int(1, 3);
  const inDims = Array.from({ length: D }, () => r.int(2, D === 1 ? 9 : D === 2 ? 6 : 4));
  const kind = r.pick(["plain", "group", "depthwise"] as const);
  let group: number;
  let cg: number;
  let m: number;
  if (kind === "plain") [group, cg, m] = [1, r.int(1, 3), r.int(1, 4)];
  else if (kind === "group") [group, cg, m] = [2, r.int(1, 2), 2 * r.int(1, 2)];
  else {
    group = r.int(2, 4);
    [cg, m] = [1, group * r.int(1, 2)];
  }
  const c = cg * group;
  const kernel = inDims.map(() => r.int(1, 3));
  const dil = kernel.map(() => r.int(1, 2));
  const strides = kernel.map(() => r.int(1, 2));
  const pb = kernel.map((k) => r.int(0, Math.min(2, k)));
  const pe = kernel.map((k) => r.int(0, Math.min(2, k)));
  kernel.forEach((k, d) => {
    const extent = (k - 1) * dil[d]! + 1;
    if (inDims[d]! + pb[d]! + pe[d]! < extent) pe[d] = extent - inDims[d]! - pb[d]!;
  });
  const outDims = kernel.map((k, d) => Math.floor((inDims[d]! + pb[d]! + pe[d]! - ((k - 1) * dil[d]! + 1)) / strides[d]!) + 1);
  const n = r.int(1, 2);
  const xT = r.pick(Q);
  const wT = quantized ? DType.INT8 : r.pick(Q);
  const wShape = [m, cg, ...kernel];
  const attributes = {
    kernel_shape: attr.ints(kernel),
    strides: attr.ints(strides),
    dilations: attr.ints(dil),
    pads: attr.ints([...pb, ...pe]),
    group: attr.int(group),
  };
  const perChannelZp = r.bool(0.5);
  const wzp = perChannelZp ? t(wT, [m], Array.from({ length: m }, () => edgy(r, wT))) : t(wT, [], [edgy(r, wT)]);
  const w = t(wT, wShape, values(r, wT, numel(wShape)));
  const xShape = [n, c, ...inDims];
  const feeds = { x: t(xT, xShape, values(r, xT, numel(xShape))) };
  const outShape = [n, m, ...outDims];
  const name = `${quantized ? "QLinearConv" : "ConvInteger"} #${i} ${D}-D ${kind} x${xShape.join("x")} k${kernel.join("x")} s${strides} d${dil} p${[...pb, ...pe]}`;
  if (!quantized) {
    const withZp = r.int(0, 2);
    const initializers: Record<string, Tensor> = { w };
    const nodeInputs = ["x", "w"];
    if (withZp >= 1) {
      initializers.xzp = t(xT, [], [edgy(r, xT)]);
      nodeInputs.push("xzp");
    }
    if (withZp === 2) {
      initializers.wzp = wzp;
      nodeInputs.push("wzp");
    }
    return {
      name,
      op: "ConvInteger",
      feeds,
      spec: { opType: "ConvInteger", inputs: [{ name: "x", dtype: xT, shape: xShape }], initializers, nodeInputs, outputs: [{ name: "y", dtype: DType.INT32, shape: outShape }], attributes },
    };
  }
  const yT = r.pick(Q);
  const ws = r.bool(0.6) ? t(DType.FLOAT, [m], Array.from({ length: m }, () => scale(r))) : f32(scale(r));
  const withBias = r.bool(0.7);
  const big = r.bool(0.4);
  const initializers: Record<string, Tensor> = {
    xs: f32(scale(r)), xzp: t(xT, [], [edgy(r, xT)]), w, ws, wzp, ys: f32(scale(r)), yzp: t(yT, [], [edgy(r, yT)]),
  };
  if (withBias) initializers.b = t(DType.INT32, [m], Array.from({ length: m }, () => (big ? r.pick([-1, 1]) * r.int(2 ** 24, 2 ** 29) : r.int(-60000, 60000))));
  return {
    name,
    op: "QLinearConv",
    feeds,
    spec: {
      opType: "QLinearConv",
      inputs: [{ name: "x", dtype: xT, shape: xShape }],
      initializers,
      nodeInputs: ["x", "xs", "xzp", "w", "ws", "wzp", "ys", "yzp", ...(withBias ? ["b"] : [])],
      outputs: [{ name: "y", dtype: yT, shape: outShape }],
      attributes,
    },
  };
}

function randomMatMul(r: Rng, i: number, quantized: boolean): Case {
  const k = r.bool(0.2) ? r.int(200, 700) : r.int(1, 12);
  const rows = r.int(1, 4);
  const cols = r.int(1, 4);
  const batch = Array.from({ length: r.int(0, 2) }, () => r.int(1, 3));
  const aIs1D = r.bool(0.15);
  const bIs1D = !aIs1D && r.bool(0.15);
  const sub = (dims: number[]): number[] => dims.slice(r.int(0, dims.length)).map((d) => (r.bool(0.3) ? 1 : d));
  const aBatch = aIs1D ? [] : sub(batch);
  const bBatch = bIs1D ? [] : sub(batch);
  const outBatch: number[] = [];
  const br = Math.max(aBatch.length, bBatch.length);
  for (let j = 0; j < br; j++) {
    const da = aBatch[j - (br - aBatch.length)] ?? 1;
    const db = bBatch[j - (br - bBatch.length)] ?? 1;
    outBatch.push(da === 1 ? db : da);
  }
  const aShape = aIs1D ? [k] : [...aBatch, rows, k];
  const bShape = bIs1D ? [k] : [...bBatch, k, cols];
  const outShape = [...outBatch, ...(aIs1D ? [] : [rows]), ...(bIs1D ? [] : [cols])];
  const aT = r.pick(Q);
  const bT = r.pick(Q);
  const feeds = { a: t(aT, aShape, values(r, aT, numel(aShape))) };
  const b = t(bT, bShape, values(r, bT, numel(bShape)));
  const name = `${quantized ? "QLinearMatMul" : "MatMulInteger"} #${i} ${aShape.join("x")} * ${bShape.join("x")}`;
  if (quantized) {
    const yT = r.pick(Q);
    return {
      name,
      op: "QLinearMatMul",
      feeds,
      spec: {
        opType: "QLinearMatMul",
        inputs: [{ name: "a", dtype: aT, shape: aShape }],
        initializers: { as: f32(scale(r)), azp: t(aT, [], [edgy(r, aT)]), b, bs: f32(scale(r)), bzp: t(bT, [], [edgy(r, bT)]), ys: f32(scale(r)), yzp: t(yT, [], [edgy(r, yT)]) },
        nodeInputs: ["a", "as", "azp", "b", "bs", "bzp", "ys", "yzp"],
        outputs: [{ name: "y", dtype: yT, shape: outShape }],
      },
    };
  }
  const initializers: Record<string, Tensor> = { b };
  const nodeInputs = ["a", "b"];
  const zps = r.int(0, 2);
  if (zps >= 1) {
    initializers.azp = t(aT, [], [edgy(r, aT)]);
    nodeInputs.push("azp");
  }
  if (zps === 2) {
    const perColumn = !bIs1D && cols > 1 && r.bool(0.6);
    initializers.bzp = perColumn ? t(bT, [cols], Array.from({ length: cols }, () => edgy(r, bT))) : t(bT, [], [edgy(r, bT)]);
    nodeInputs.push("bzp");
  }
  return {
    name,
    op: "MatMulInteger",
    feeds,
    spec: { opType: "MatMulInteger", inputs: [{ name: "a", dtype: aT, shape: aShape }], initializers, nodeInputs, outputs: [{ name: "y", dtype: DType.INT32, shape: outShape }] },
  };
}

function randomQGemm(r: Rng, i: number): Case {
  const k = r.int(1, 16);
  const rows = r.int(1, 4);
  const cols = r.int(1, 5);
  const transA = r.int(0, 1);
  const transB = r.int(0, 1);
  const alpha = r.pick([1, 0.5, 2, Math.fround(1.7), Math.fround(0.3)]);
  const aT = r.pick(Q);
  const bT = DType.INT8;
  const aShape = transA ? [k, rows] : [rows, k];
  const bShape = transB ? [cols, k] : [k, cols];
  const initializers: Record<string, Tensor> = { as: f32(scale(r)), b: t(bT, bShape, values(r, bT, k * cols)) };
  initializers.bs = r.bool(0.5) ? t(DType.FLOAT, [cols], Array.from({ length: cols }, () => scale(r))) : f32(scale(r));
  const names = { azp: r.bool(0.8), bzp: r.bool(0.7), c: r.bool(0.8), ys: r.bool(0.7), yzp: r.bool(0.6) };
  if (names.azp) initializers.azp = t(aT, [], [edgy(r, aT)]);
  if (names.bzp) initializers.bzp = r.bool(0.5) ? t(bT, [cols], Array.from({ length: cols }, () => edgy(r, bT))) : t(bT, [], [edgy(r, bT)]);
  const cShape = r.pick([[], [1], [cols], [rows, cols], [1, cols], [rows, 1]]);
  const big = r.bool(0.4);
  if (names.c) initializers.c = t(DType.INT32, cShape, Array.from({ length: numel(cShape) }, () => (big ? r.pick([-1, 1]) * r.int(2 ** 24, 2 ** 29) : r.int(-40000, 40000))));
  if (names.ys) initializers.ys = f32(scale(r));
  const yT = r.pick(Q);
  if (names.yzp) initializers.yzp = t(yT, [], [edgy(r, yT)]);
  const nodeInputs = ["a", "as", names.azp ? "azp" : "", "b", "bs", names.bzp ? "bzp" : "", names.c ? "c" : "", names.ys ? "ys" : "", names.yzp ? "yzp" : ""];
  while (nodeInputs[nodeInputs.length - 1] === "") nodeInputs.pop();
  return {
    name: `QGemm #${i} transA=${transA} transB=${transB} alpha=${alpha} C[${names.c ? cShape : "-"}] ${names.yzp ? "quantized" : "float"}`,
    op: "QGemm",
    feeds: { a: t(aT, aShape, values(r, aT, k * rows)) },
    spec: {
      opType: "QGemm",
      domain: "com.microsoft",
      inputs: [{ name: "a", dtype: aT, shape: aShape }],
      initializers,
      nodeInputs,
      outputs: [{ name: "y", dtype: names.yzp ? yT : DType.FLOAT, shape: [rows, cols] }],
      attributes: { transA: attr.int(transA), transB: attr.int(transB), alpha: attr.float(alpha) },
    },
  };
}

function randomMaxPool(r: Rng, i: number): Case {
  const D = r.int(1, 3);
  const inDims = Array.from({ length: D }, () => r.int(2, D === 1 ? 9 : D === 2 ? 6 : 4));
  const kernel = inDims.map(() => r.int(1, 3));
  const dil = kernel.map(() => r.int(1, 2));
  const strides = kernel.map(() => r.int(1, 2));
  const pb = kernel.map((k) => r.int(0, k - 1));
  const pe = kernel.map((k) => r.int(0, k - 1));
  kernel.forEach((k, d) => {
    const extent = (k - 1) * dil[d]! + 1;
    if (inDims[d]! + pb[d]! + pe[d]! < extent) pe[d] = extent - inDims[d]! - pb[d]!;
  });
  const outDims = kernel.map((k, d) => Math.floor((inDims[d]! + pb[d]! + pe[d]! - ((k - 1) * dil[d]! + 1)) / strides[d]!) + 1);
  const xT = r.bool(0.6) ? DType.INT8 : DType.UINT8;
  const xShape = [r.int(1, 2), r.int(1, 3), ...inDims];
  // Mostly negative int8 data: windows touching the padding then tell the type minimum from 0.
  const data = xT === DType.INT8 ? Array.from({ length: numel(xShape) }, () => (r.bool(0.8) ? r.int(-128, -1) : r.int(-128, 127))) : values(r, xT, numel(xShape));
  return {
    name: `MaxPool #${i} ${D}-D ${xT === DType.INT8 ? "int8" : "uint8"} x${xShape.join("x")} k${kernel} s${strides} d${dil} p${[...pb, ...pe]}`,
    op: "MaxPool",
    feeds: { x: t(xT, xShape, data) },
    spec: {
      opType: "MaxPool",
      inputs: [{ name: "x", dtype: xT, shape: xShape }],
      outputs: [{ name: "y", dtype: xT, shape: [xShape[0]!, xShape[1]!, ...outDims] }],
      attributes: { kernel_shape: attr.ints(kernel), strides: attr.ints(strides), dilations: attr.ints(dil), pads: attr.ints([...pb, ...pe]) },
    },
  };
}

function randomArgMax(r: Rng, i: number): Case {
  const rank = r.int(1, 4);
  const shape = Array.from({ length: rank }, () => r.int(1, 5));
  const axis = r.int(0, rank - 1);
  shape[axis] = r.int(2, 7);
  const keepdims = r.int(0, 1);
  const xT = r.pick([DType.UINT8, DType.INT8, DType.INT32]);
  const ends: Record<number, [number, number]> = { [DType.UINT8]: [0, 255], [DType.INT8]: [-128, 127], [DType.INT32]: [-(2 ** 31), 2 ** 31 - 1] };
  const [lo, hi] = ends[xT]!;
  // Few distinct values (ties everywhere), the type's ends among them.
  const palette = [lo, hi, lo + 1, 0, r.int(-3, 3) + (xT === DType.UINT8 ? 3 : 0)];
  const data = Array.from({ length: numel(shape) }, () => r.pick(palette));
  const outShape = keepdims ? shape.map((d, j) => (j === axis ? 1 : d)) : shape.filter((_, j) => j !== axis);
  return {
    name: `ArgMax #${i} ${shape.join("x")} axis ${axis} keepdims ${keepdims} dtype ${xT}`,
    op: "ArgMax",
    feeds: { x: t(xT, shape, data) },
    spec: { opType: "ArgMax", inputs: [{ name: "x", dtype: xT, shape }], outputs: [{ name: "y", dtype: DType.INT64, shape: outShape }], attributes: { axis: attr.int(axis), keepdims: attr.int(keepdims) } },
  };
}

function randomCase(op: Op, r: Rng, i: number): Case {
  switch (op) {
    case "QLinearConv": return randomConv(r, i, true);
    case "ConvInteger": return randomConv(r, i, false);
    case "QLinearMatMul": return randomMatMul(r, i, true);
    case "MatMulInteger": return randomMatMul(r, i, false);
    case "QGemm": return randomQGemm(r, i);
    case "MaxPool": return randomMaxPool(r, i);
    case "ArgMax": return randomArgMax(r, i);
  }
}

function profileCases(): Case[] {
  return Object.entries(profileModels())
    .filter(([, spec]) => (OPS as readonly string[]).includes(spec.opType))
    .map(([name, spec]) => ({ name: `profile: ${name}`, op: spec.opType as Op, spec, feeds: feedsFor(spec) }));
}

/*//////////////////////////////////////////////////////////////
                 CASES FOR THE MUTATION GUARD
//////////////////////////////////////////////////////////////*/

/** f32 of the exact product acc * m (one rounding), as a double. */
function exactProductF32(acc: number, m: number): number {
  const buf = Buffer.alloc(4);
  buf.writeFloatBE(m);
  const bits = buf.readUInt32BE();
  const e = (bits >>> 23) & 0xff;
  const mant = BigInt(e === 0 ? bits & 0x7fffff : (bits & 0x7fffff) | 0x800000);
  const exp = (e === 0 ? 1 : e) - 150;
  let p = BigInt(Math.abs(acc)) * mant;
  let shift = 0;
  const len = p.toString(2).length;
  if (len > 24) {
    shift = len - 24;
    const q = p >> BigInt(shift);
    const rem = p - (q << BigInt(shift));
    const half = 1n << BigInt(shift - 1);
    p = rem > half || (rem === half && (q & 1n) === 1n) ? q + 1n : q;
  }
  return Math.sign(acc) * Number(p) * 2 ** (exp + shift);
}

const rne = (v: number): number => {
  const f = Math.floor(v);
  const d = v - f;
  return d > 0.5 || (d === 0.5 && f % 2 !== 0) ? f + 1 : f;
};

/**
 * QLinearConvs whose weights equal their zero point, so that each channel's accumulator is its
 * bias, with channels chosen so that a wrong formula changes y: `rounding` holds (1) |acc| > 2^24
 * where skipping f32(acc) changes y and (3) exact ties (M = 1/2, odd acc); `multiplier` holds
 * (2) scales where f32(f32(xs*ws)/ys) != f32(xs*f32(ws/ys)) and y changes (xs, ys not powers of
 * two, or the two orders agree).
 */
function mutationConvs(r: Rng): Case[] {
  const requant = (acc: number, m: number): number => rne(Math.fround(Math.fround(acc) * m));
  const build = (name: string, xs: number, ys: number, biases: number[], wss: number[]): Case => {
    const m = biases.length;
    return {
      name,
      op: "QLinearConv",
      feeds: { x: t(DType.UINT8, [1, 1, 2], [17, 200]) },
      spec: {
        opType: "QLinearConv",
        inputs: [{ name: "x", dtype: DType.UINT8, shape: [1, 1, 2] }],
        initializers: {
          xs: f32(xs), xzp: u8(0), w: t(DType.INT8, [m, 1, 1], [3]), ws: t(DType.FLOAT, [m], wss), wzp: t(DType.INT8, [m], [3]),
          ys: f32(ys), yzp: i8(0), b: t(DType.INT32, [m], biases),
        },
        nodeInputs: ["x", "xs", "xzp", "w", "ws", "wzp", "ys", "yzp", "b"],
        outputs: [{ name: "y", dtype: DType.INT8, shape: [1, m, 2] }],
        attributes: { kernel_shape: attr.ints([1]) },
      },
    };
  };
  // (1) skipped f32(acc): M = xs * ws small, |acc| > 2^24; (3) ties: M = 1/2 (ws = 8), odd acc.
  const xs1 = 0.0625;
  const b1: number[] = [];
  const w1: number[] = [];
  for (let tries = 0; b1.length < 4 && tries < 10_000; tries++) {
    const ws = Math.fround(1e-5 * (1 + r.next()));
    const m = Math.fround(xs1 * ws);
    const acc0 = Math.round((r.int(40, 120) + 0.5) / m);
    if (acc0 <= 2 ** 24 || acc0 >= 2 ** 30) continue;
    for (let acc = acc0 - 40; acc <= acc0 + 40; acc++) {
      if (requant(acc, m) !== rne(exactProductF32(acc, m))) {
        b1.push(acc);
        w1.push(ws);
        break;
      }
    }
  }
  for (const acc of [1, 3, 5, -1, -3, 7, 9, -5]) {
    b1.push(acc);
    w1.push(8);
  }
  // (2) the multiplier divided in the wrong order.
  const xs2 = Math.fround(0.0371);
  const ys2 = Math.fround(0.173);
  const b2: number[] = [];
  const w2: number[] = [];
  for (let tries = 0; b2.length < 4 && tries < 10_000; tries++) {
    const ws = Math.fround(10 ** -(1 + 3 * r.next()));
    const good = Math.fround(Math.fround(xs2 * ws) / ys2);
    const bad = Math.fround(xs2 * Math.fround(ws / ys2));
    if (good === bad) continue;
    search: for (let k = 1; k < 127; k++) {
      const acc0 = Math.round((k + 0.5) / good);
      for (let acc = acc0 - 2; acc <= acc0 + 2; acc++) {
        if (acc > 0 && acc < 2 ** 30 && requant(acc, good) !== requant(acc, bad)) {
          b2.push(acc);
          w2.push(ws);
          break search;
        }
      }
    }
  }
  expect(b1.length, "rounding probes").to.equal(12);
  expect(b2.length, "multiplier probes").to.equal(4);
  return [build("QLinearConv rounding probes (acc = bias)", xs1, 1, b1, w1), build("QLinearConv multiplier probes (acc = bias)", xs2, ys2, b2, w2)];
}

/*//////////////////////////////////////////////////////////////
                             SUITE
//////////////////////////////////////////////////////////////*/

const RANDOM_MODELS: Record<Op, number> = { QLinearConv: 14, ConvInteger: 12, QLinearMatMul: 14, MatMulInteger: 14, QGemm: 16, MaxPool: 14, ArgMax: 24 };
const ELEMENTS_PER_MODEL: Record<Op, number> = { QLinearConv: 10, ConvInteger: 10, QLinearMatMul: 8, MatMulInteger: 8, QGemm: 10, MaxPool: 20, ArgMax: 40 };

describe("AccumulateVerifier: accumulating one-steps against the reference tracers", function () {
  this.timeout(1_200_000);

  let verifier: StepVerifier;
  const stepCounts = new Map<Op, number>();
  const randomCounts = new Map<Op, number>();

  before(async () => {
    verifier = (await ethers.deployContract("AccumulateVerifier")) as unknown as StepVerifier;
  });

  async function check(c: Case, elementCount: number, seed: number): Promise<number> {
    const r = commitAndRun(c.name, c.spec, c.feeds);
    const n = numel(r.output.shape);
    const elements = sampleElements(n, elementCount, seed);
    const k = accumulationValues(r.trace, 0, 0).length - 2;
    expect(await verifier.accumulationLength(toHex(r.commitment.descriptors[0]!), stepInput(r, 0).inputTypes), `${c.name}: K`).to.equal(BigInt(k));
    const [steps] = await runSteps(verifier, r, elements, true);
    stepCounts.set(c.op, (stepCounts.get(c.op) ?? 0) + steps);
    return steps;
  }

  it("reproduces every step of every element of the profile's single-node models", async () => {
    for (const c of profileCases()) await check(c, 1_000, 1);
  });

  for (const op of OPS) {
    it(`reproduces every step of sampled elements of seeded random ${op} models`, async () => {
      const r = rng(0xacc0 + OPS.indexOf(op));
      let steps = 0;
      // At least RANDOM_MODELS[op] models, and on until 2,000 random step cases of this opcode.
      for (let i = 0; i < RANDOM_MODELS[op] || steps < 2_000; i++) steps += await check(randomCase(op, r, i), ELEMENTS_PER_MODEL[op], i + 1);
      randomCounts.set(op, steps);
      expect(steps, `${op}: random step cases`).to.be.at.least(2_000);
    });
  }

  it("covers accumulators above 2^24, ties and zero points at the range ends (QLinearConv probes)", async () => {
    for (const c of mutationConvs(rng(7))) {
      const r = commitAndRun(c.name, c.spec, c.feeds);
      // K = 1 (one input channel, a 1-tap kernel): v_0 = bias, v_1 = bias + 0, v_2 = y.
      expect(accumulationValues(r.trace, 0, 0).length).to.equal(3);
      const [steps] = await runSteps(verifier, r, sampleElements(numel(r.output.shape), 1_000, 1), true);
      stepCounts.set("QLinearConv", (stepCounts.get("QLinearConv") ?? 0) + steps);
    }
  });

  after(() => {
    console.log("\n      AccumulateVerifier step cases checked per opcode (all / of them random):");
    for (const [op, n] of stepCounts) console.log(`        ${op.padEnd(16)} ${String(n).padStart(6)} / ${randomCounts.get(op) ?? 0}`);
  });
});

describe("AccumulateVerifier: adversarial proofs", function () {
  this.timeout(300_000);
  let verifier: StepVerifier;
  let conv: Committed;
  let convValues: Hex32[];
  const models = profileModels();

  before(async () => {
    verifier = (await ethers.deployContract("AccumulateVerifier")) as unknown as StepVerifier;
    conv = commitAndRun("QLinearConv", models.QLinearConv!, feedsFor(models.QLinearConv!));
    convValues = accumulationValues(conv.trace, 0, 12);
  });

  const proofsOf = (r: Committed, e: number, a: number): OperandProof[] => stepOperands(r.trace, 0, e, a).map((o) => r.trace.operandProof(0, o.slot, o.element));
  // Element 12 is the centre of channel 0's 5x5 map: a 3x3 window without padding; term 5 is its centre tap.
  const A = 5;

  it("accepts the honest proof (control)", async () => {
    expect(await verifier.step(stepArgs(conv, 12, A, convValues), encodeProofs(proofsOf(conv, 12, A)))).to.equal(convValues[A]);
  });

  it("reverts on a forged operand: a changed leaf, tensor root, slot commitment or sibling", async () => {
    const honest = proofsOf(conv, 12, A);
    const flip = (h: string): string => `0x${(BigInt(h) ^ 1n).toString(16).padStart(64, "0")}`;
    const forgeries: OperandProof[][] = [
      [{ ...honest[0]!, left: flip(honest[0]!.left) as Hex32 }, honest[1]!, ...honest.slice(2)],
      [{ ...honest[0]!, right: flip(honest[0]!.right) as Hex32 }, honest[1]!, ...honest.slice(2)],
      [honest[0]!, { ...honest[1]!, tensorRoot: flip(honest[1]!.tensorRoot) as Hex32 }, ...honest.slice(2)],
      [honest[0]!, { ...honest[1]!, slotCommitment: flip(honest[1]!.slotCommitment) as Hex32 }, ...honest.slice(2)],
      [{ ...honest[0]!, slotSiblings: [flip(honest[0]!.slotSiblings[0]!) as Hex32, ...honest[0]!.slotSiblings.slice(1)] }, ...honest.slice(1)],
    ];
    for (const f of forgeries) {
      await expect(verifier.step(stepArgs(conv, 12, A, convValues), encodeProofs(f))).to.be.revertedWithCustomError(verifier as never, "OperandProofInvalid");
    }
  });

  it("reverts on a proof of the wrong element, the wrong operand order, or the wrong count", async () => {
    // Term 14 (input channel 1, centre tap) of output channel 3 reads w[67], in w's second leaf
    // pair; element 12 (channel 0) reads w[13], in the first: the opening is of the wrong element.
    const B = 14;
    const other = proofsOf(conv, 12 + 3 * 25, B);
    const mine = proofsOf(conv, 12, B);
    await expect(verifier.step(stepArgs(conv, 12, B, convValues), encodeProofs([mine[0]!, other[1]!, mine[2]!])))
      .to.be.revertedWithCustomError(verifier as never, "OperandProofInvalid");
    expect(await verifier.step(stepArgs(conv, 12, B, convValues), encodeProofs(mine))).to.equal(convValues[B]);
    // ... x and w swapped: each opening is checked against the slot the verifier derives.
    const honest = proofsOf(conv, 12, A);
    await expect(verifier.step(stepArgs(conv, 12, A, convValues), encodeProofs([honest[1]!, honest[0]!, ...honest.slice(2)])))
      .to.be.revertedWithCustomError(verifier as never, "OperandProofInvalid");
    await expect(verifier.step(stepArgs(conv, 12, A, convValues), encodeProofs([...honest, honest[0]!]))).to.be.revertedWithCustomError(verifier as never, "StepProofCount");
    await expect(verifier.step(stepArgs(conv, 12, A, convValues), encodeProofs(honest.slice(0, 1)))).to.be.revertedWithCustomError(verifier as never, "StepProofCount");
    // A padded tap needs no proof, and refuses one (element 0 is a corner: term 1 is padded).
    const corner = accumulationValues(conv.trace, 0, 0);
    await expect(verifier.step(stepArgs(conv, 0, 1, corner), encodeProofs(honest))).to.be.revertedWithCustomError(verifier as never, "StepProofCount");
    expect(await verifier.step(stepArgs(conv, 0, 1, corner), encodeProofs([]))).to.equal(corner[1]);
  });

  it("derives the operand index itself: an opening of a neighbour in the same leaf pair still gives the honest value", async () => {
    // Output element 13's term A reads x one to the right of element 12's: the same 64-byte pair.
    const neighbour = proofsOf(conv, 13, A);
    expect(await verifier.step(stepArgs(conv, 12, A, convValues), encodeProofs([neighbour[0]!, ...proofsOf(conv, 12, A).slice(1)]))).to.equal(convValues[A]);
  });

  it("reverts past the output step, for an element outside the output, and under another state root", async () => {
    const k = convValues.length - 2;
    await expect(verifier.step(stepArgs(conv, 12, k + 2, [...convValues, convValues[k + 1]!]), encodeProofs([]))).to.be.revertedWithCustomError(verifier as never, "AccumulateStepOutOfRange");
    await expect(verifier.step({ ...stepArgs(conv, 12, 0, convValues), element: 100 }, encodeProofs([]))).to.be.revertedWithCustomError(verifier as never, "ConvGeometryInvalid");
    await expect(verifier.step({ ...stepArgs(conv, 12, A, convValues), stateRoot: ZeroHash as Hex32 }, encodeProofs(proofsOf(conv, 12, A)))).to.be.revertedWithCustomError(verifier as never, "OperandProofInvalid");
  });

  it("refuses ArgMax with select_last_index = 1, and opcodes of other families", async () => {
    const am = commitAndRun("ArgMax", models.ArgMax!, feedsFor(models.ArgMax!));
    const d = Buffer.from(am.commitment.descriptors[0]!);
    d[5 * 32 + 5] = 1;
    await expect(verifier.accumulationLength(toHex(d), stepInput(am, 0).inputTypes)).to.be.revertedWithCustomError(verifier as never, "AccumulateUnsupported");
    d[5 * 32 + 5] = 0;
    d[0] = 9;
    await expect(verifier.accumulationLength(toHex(d), stepInput(am, 0).inputTypes)).to.be.revertedWithCustomError(verifier as never, "StepUnsupportedOpcode");
  });

  it("packs ArgMax partials as (max, index) and keeps the first index on ties", async () => {
    const spec: SingleNodeSpec = {
      opType: "ArgMax",
      inputs: [{ name: "x", dtype: DType.INT8, shape: [5] }],
      outputs: [{ name: "y", dtype: DType.INT64, shape: [] }],
      attributes: { axis: attr.int(0), keepdims: attr.int(0) },
    };
    const r = commitAndRun("ArgMax ties", spec, { x: t(DType.INT8, [5], [-128, 4, -7, 4, 4]) });
    const v = accumulationValues(r.trace, 0, 0);
    expect(v).to.deep.equal([argMaxWord(-128n, 0), argMaxWord(-128n, 0), argMaxWord(4n, 1), argMaxWord(4n, 1), argMaxWord(4n, 1), argMaxWord(4n, 1), toHex(Buffer.from("00".repeat(31) + "01", "hex"))]);
    await runSteps(verifier, r, [0], true);
  });
});

describe("AccumulateVerifier: mutation guard (SEMANTICS.md's wrong formulas in a tests-only mock)", function () {
  this.timeout(600_000);
  const MUTANTS = ["None", "SkipAccRounding", "DivideWeightFirst", "MaxPoolPadZero", "RoundHalfAway"] as const;

  it("the differential check fails for every wrong formula, and passes for the canonical control", async () => {
    const cases: Case[] = [...mutationConvs(rng(7)), ...profileCases()];
    const r = rng(99);
    for (let i = 0; i < 4; i++) cases.push(randomCase("MaxPool", r, i), randomCase("QLinearConv", r, i));
    const committed = cases.map((c) => commitAndRun(c.name, c.spec, c.feeds));
    const found: Record<string, number> = {};
    for (const [index, name] of MUTANTS.entries()) {
      const mutant = (await ethers.deployContract("AccumulateVerifierMutant", [index])) as unknown as StepVerifier;
      let total = 0;
      for (const c of committed) total += (await runSteps(mutant, c, sampleElements(numel(c.output.shape), 12, 3), false))[1];
      found[name] = total;
    }
    console.log(`      mismatching steps per mutant: ${JSON.stringify(found)}`);
    expect(found.None).to.equal(0);
    for (const name of MUTANTS.slice(1)) expect(found[name], name).to.be.greaterThan(0);
  });
});

/*//////////////////////////////////////////////////////////////
                              GAS
//////////////////////////////////////////////////////////////*/

/** Value-table node tag, zero subtrees of the value table. */
const ZW: Buffer[] = (() => {
  const z: Buffer[] = [Buffer.alloc(32)];
  for (let h = 1; h <= 32; h++) z.push(taggedHash(Tag.VALUE_TABLE_NODE, z[h - 1]!, z[h - 1]!));
  return z;
})();

/** Root and per-leaf sibling paths of a sparse value table of depth `depth`. */
function sparseTable(depth: number, leaves: ReadonlyMap<number, Buffer>): { root: Hex32; proof(i: number): Hex32[] } {
  const node = (h: number, pos: number): Buffer => {
    const lo = pos * 2 ** h;
    const hi = lo + 2 ** h;
    if (![...leaves.keys()].some((k) => k >= lo && k < hi)) return ZW[h]!;
    if (h === 0) return leaves.get(pos)!;
    return taggedHash(Tag.VALUE_TABLE_NODE, node(h - 1, 2 * pos), node(h - 1, 2 * pos + 1));
  };
  return {
    root: toHex(node(depth, 0)),
    proof: (i) =>
      Array.from({ length: depth }, (_, h) => {
        // Slots reach 2^32: no 32-bit bit operators here.
        const pos = Math.floor(i / 2 ** h);
        return toHex(node(h, pos % 2 === 0 ? pos + 1 : pos - 1));
      }),
  };
}

describe("AccumulateVerifier: gas per step kind", function () {
  this.timeout(600_000);
  const rows = new Map<string, [bigint, bigint]>();
  let verifier: StepVerifier;
  let probe: { measure(v: string, input: StepInputArgs, proof: string): Promise<[bigint, string]> };

  before(async () => {
    verifier = (await ethers.deployContract("AccumulateVerifier")) as unknown as StepVerifier;
    probe = (await ethers.deployContract("StepGasProbe")) as never;
  });

  async function measure(label: string, input: StepInputArgs, proof: string): Promise<bigint> {
    const tx = await (verifier.step as unknown as { estimateGas(i: StepInputArgs, p: string): Promise<bigint> }).estimateGas(input, proof);
    const [exec] = await probe.measure(await verifier.getAddress(), input, proof);
    rows.set(label, [exec, tx]);
    return exec;
  }

  /** Gas of a = 0, a product / compare term, a padded term when there is one, and a = K + 1. */
  async function kinds(label: string, r: Committed, element: number, padElement?: number): Promise<void> {
    const v = accumulationValues(r.trace, 0, element);
    const k = v.length - 2;
    const acc = stepOperands(r.trace, 0, element, 1).length > 0 ? 1 : Math.min(k, 5);
    await measure(`${label} a=0`, stepArgs(r, element, 0, v), encodeStepProof(r.trace, 0, element, 0));
    await measure(`${label} a=${acc} term`, stepArgs(r, element, acc, v), encodeStepProof(r.trace, 0, element, acc));
    if (padElement !== undefined) {
      const pv = accumulationValues(r.trace, 0, padElement);
      await measure(`${label} padded term`, stepArgs(r, padElement, 1, pv), encodeStepProof(r.trace, 0, padElement, 1));
    }
    await measure(`${label} a=K+1 (K=${k})`, stepArgs(r, element, k + 1, v), encodeStepProof(r.trace, 0, element, k + 1));
  }

  it("measures each step kind of each opcode (profile models)", async () => {
    const m = profileModels();
    const run = (name: string) => commitAndRun(name, m[name]!, feedsFor(m[name]!));
    await kinds("QLinearConv (per-channel)", run("QLinearConv"), 12, 0);
    await kinds("QLinearMatMul", run("QLinearMatMul"), 4);
    await kinds("QGemm quantized", run("QGemm quantized output"), 5);
    await kinds("QGemm float", run("QGemm float output"), 5);
    await kinds("MaxPool", run("MaxPool"), 4);
    await kinds("MatMulInteger", run("MatMulInteger"), 4);
    await kinds("ConvInteger", run("ConvInteger"), 4);
    await kinds("ArgMax", run("ArgMax"), 1);
  });

  it("measures a large K (MatMulInteger, K = 65,536, under 150k) and tree depths 32 / 32 (pinned, see the open item)", async () => {
    const k = 65_536;
    const spec: SingleNodeSpec = {
      opType: "MatMulInteger",
      inputs: [{ name: "a", dtype: DType.UINT8, shape: [1, k] }],
      initializers: { b: t(DType.INT8, [k, 2], Array.from({ length: 2 * k }, (_, i) => (i % 3) - 1)), bzp: t(DType.INT8, [2], [0, 1]) },
      nodeInputs: ["a", "b", "", "bzp"],
      outputs: [{ name: "y", dtype: DType.INT32, shape: [1, 2] }],
    };
    const r = commitAndRun("MatMulInteger K=65536", spec, { a: t(DType.UINT8, [1, k], Array.from({ length: k }, (_, i) => (i * 7) % 256)) });
    const v = accumulationValues(r.trace, 0, 1);
    const exec = await measure(`MatMulInteger K=${k} a=${k} term (per-column zp)`, stepArgs(r, 1, k, v), encodeStepProof(r.trace, 0, 1, k));
    expect(exec).to.be.below(150_000n);

    // Depth 32 everywhere: a value table of 2^32 slots and operands of 2^37 bytes (tensor depth 32),
    // all-zero tensors so that every sibling is a zero subtree. A QLinearConv-sized worst case for a
    // product term: three openings (x, w, per-channel w zero point).
    const base = commitAndRun("QLinearConv", profileModels().QLinearConv!, feedsFor(profileModels().QLinearConv!));
    const d = Buffer.from(base.commitment.descriptors[0]!);
    // A 1-D conv over [1, 2^13 channels, 2^24 - 8 positions]: x has 2^37 - 2^16 bytes (depth 32).
    const C = 2 ** 13;
    const L = 2 ** 24 - 8;
    const M = 2 ** 13;
    const xType = encodeTensorType(DType.UINT8, [1, C, L]);
    const wType = encodeTensorType(DType.INT8, [M, C, 1]);
    const zpType = encodeTensorType(DType.INT8, [M]);
    const sType = encodeTensorType(DType.FLOAT, [M]);
    const yType = encodeTensorType(DType.UINT8, [1, M, L]);
    const scalarF = encodeTensorType(DType.FLOAT, []);
    const scalarU = encodeTensorType(DType.UINT8, []);
    const types = [xType, scalarF, scalarU, wType, sType, zpType, scalarF, scalarU, encodeTensorType(DType.INT32, [M])].map(toHex);
    const slots = [2 ** 32 - 1, 1, 2, 2 ** 32 - 2, 4, 2 ** 31 + 5, 6, 7, 8];
    slots.forEach((s, i) => d.writeUInt32BE(s, 32 + 4 * i));
    yType.copy(d, 96);
    d.fill(0, 160, 256);
    d.writeUInt32BE(1, 160); // spatial rank 1
    d.writeUInt32BE(1, 164); // group
    d.writeUInt32BE(1, 168); // kernel
    d.writeUInt32BE(1, 180); // stride
    d.writeUInt32BE(1, 192); // dilation
    const depthOf = (bytes: number): number => Math.max(1, Math.ceil(Math.log2(Math.ceil(bytes / 32))));
    const zeroOpening = (type: Buffer, bytes: number) => {
      const depth = depthOf(bytes);
      const root = ZERO_SUBTREE[depth]!;
      return { commitment: taggedHash(Tag.TENSOR, type, root), root: toHex(root), pairSiblings: Array.from({ length: depth - 1 }, (_, h) => toHex(ZERO_SUBTREE[h + 1]!)) };
    };
    const xo = zeroOpening(xType, C * L);
    const wo = zeroOpening(wType, M * C);
    const zo = zeroOpening(zpType, M);
    expect(depthOf(C * L)).to.equal(32);
    const table = sparseTable(32, new Map([[slots[0]!, xo.commitment], [slots[3]!, wo.commitment], [slots[5]!, zo.commitment]]));
    const opening = (slot: number, o: ReturnType<typeof zeroOpening>): OperandProof => ({
      slotCommitment: toHex(o.commitment), slotSiblings: table.proof(slot), tensorRoot: o.root as Hex32, left: ZeroHash as Hex32, right: ZeroHash as Hex32, pairSiblings: o.pairSiblings,
    });
    const element = M * L - 1;
    const input: StepInputArgs = { descriptor: toHex(d), inputTypes: types, stateRoot: table.root, slotCount: 2 ** 32, element, step: C, previous: ZeroHash };
    const proof = encodeProofs([opening(slots[0]!, xo), opening(slots[3]!, wo), opening(slots[5]!, zo)]);
    // x = 0, w = 0, wzp = 0: the term adds 0 and the previous value stays.
    expect(await verifier.step(input, proof)).to.equal(ZeroHash);
    const deep = await measure(`QLinearConv depth 32/32 a=${C} term, 3 openings`, input, proof);
    expect(await verifier.accumulationLength(toHex(d), types)).to.equal(BigInt(C));
    // The same term with an inline weight zero point: two openings.
    const d2 = Buffer.from(d);
    d2.writeUInt32BE(d2.readUInt32BE(8 * 32 + 24) & ~2, 8 * 32 + 24);
    const input2 = { ...input, descriptor: toHex(d2) };
    const proof2 = encodeProofs([opening(slots[0]!, xo), opening(slots[3]!, wo)]);
    expect(await verifier.step(input2, proof2)).to.equal(ZeroHash);
    const deep2 = await measure(`QLinearConv depth 32/32 a=${C} term, 2 openings`, input2, proof2);
    // OPEN ITEM (reported): at the absolute limits (a 2^32-slot table and 2^37-byte operands) the
    // gas is that of ~65 SHA-256 path steps per opening in LibOperand (~1.2k gas each), so even two
    // openings exceed 150k (~164k; three ~208k). These bounds pin the measured figures until
    // LibOperand's hashing gets cheaper; at MNIST-sized trees every step kind is under 80k.
    expect(deep2).to.be.below(180_000n);
    expect(deep).to.be.below(250_000n);
  });

  after(() => {
    console.log("\n      AccumulateVerifier gas per step kind (execution: the verifier call as the game makes it; tx: eth_estimateGas incl. 21k and calldata)");
    for (const [k, [exec, tx]] of rows) console.log(`        ${k.padEnd(58)} exec ${exec.toString().padStart(7)}   tx ${tx.toString().padStart(7)}`);
  });
});
