/**
 * Level 3 of the dispute game for the accumulating operators (opcodes 3 QLinearConv,
 * 4 QLinearMatMul, 5 QGemm, 6 MaxPool, 7 MatMulInteger, 8 ConvInteger, 22 ArgMax): the values
 * v_0..v_{K+1} of one output element that the prover posts, and the operands each one-step opens
 * (docs/SPEC.md section 10.2), both from the reference tracers (offchain/engine/ops/*
 * `*Accumulation`). The twin of contracts/dispute/verifiers/AccumulateVerifier.sol, which derives
 * the same indices on-chain from the descriptor, the type words and the output element alone.
 *
 * Words: int32 partials and integer outputs as int256 two's complement, QGemm's float output as
 * its binary32 bits. ArgMax is an accumulation over the reduced axis (K = the axis length): its
 * partial value packs (running maximum, its index) as `int128(max) << 128 | index`, p_0 is
 * (type minimum, 0), a term moves the pair only for a strictly greater element (ties keep the
 * first index), and y is the index.
 */
import { type Hex32 } from "../engine/commit/hash.js";
import { Opcode, QuantFlag } from "../engine/commit/descriptor.js";
import { getAccumulation, type Accumulation } from "../engine/ops/index.js";
import { DType, numel, type Tensor } from "../engine/tensor.js";
import type { StepContext, StepOperand } from "./step-proofs.js";
import type { Trace } from "./trace.js";

export class AccumulationError extends Error {
  override name = "AccumulationError";
}

/** The opcodes whose output elements are accumulations (DisputeGame's ACCUMULATING set). */
export const ACCUMULATING_OPCODES: ReadonlySet<number> = new Set([
  Opcode.QLinearConv,
  Opcode.QLinearMatMul,
  Opcode.QGemm,
  Opcode.MaxPool,
  Opcode.MatMulInteger,
  Opcode.ConvInteger,
  Opcode.ArgMax,
]);

const u32At = (d: Buffer, word: number, i: number): number => d.readUInt32BE(32 * word + 4 * i);
const span = (shape: readonly number[], from: number, to = shape.length): number => shape.slice(from, to).reduce((a, b) => a * b, 1);

/** An integer as a word: int256 two's complement. */
export const intWord = (v: number | bigint): Hex32 => `0x${BigInt.asUintN(256, BigInt(v)).toString(16).padStart(64, "0")}` as Hex32;

/** A float32 as a word: its bit pattern. */
export function floatWord(v: number): Hex32 {
  const b = Buffer.alloc(4);
  b.writeFloatBE(v);
  return intWord(b.readUInt32BE());
}

/** ArgMax's partial value: (running maximum, its index) packed as int128(max) << 128 | index. */
export const argMaxWord = (max: bigint, index: number): Hex32 => intWord((BigInt.asUintN(128, max) << 128n) | BigInt(index));

function nodeOf(trace: Trace, nodeIndex: number) {
  const c = trace.commitment;
  const node = c.nodes[nodeIndex];
  const descriptor = c.descriptors[nodeIndex];
  if (node === undefined || descriptor === undefined) throw new AccumulationError(`no node ${nodeIndex}`);
  return { node, descriptor, opcode: descriptor[0]! };
}

function nodeInputs(trace: Trace, nodeIndex: number): (Tensor | undefined)[] {
  const { node } = nodeOf(trace, nodeIndex);
  return node.inputs.map((name) => {
    if (name === "") return undefined;
    const v = trace.values.get(name);
    if (v === undefined) throw new AccumulationError(`node ${nodeIndex}: no value for input "${name}"`);
    return v;
  });
}

/** The reference tracer's accumulation of one output element (not ArgMax: see argMaxAxis). */
export function accumulationOf(trace: Trace, nodeIndex: number, element: number): Accumulation {
  const { node } = nodeOf(trace, nodeIndex);
  const tracer = getAccumulation(node.domain, node.opType);
  if (tracer === undefined) throw new AccumulationError(`node ${nodeIndex} (${node.opType}) has no accumulation tracer`);
  return tracer(nodeInputs(trace, nodeIndex), node.attributes, element);
}

/** ArgMax's reduced axis from the descriptor: its length K, the dims after it, and the data. */
function argMaxAxis(trace: Trace, nodeIndex: number): { length: number; inner: number; data: Tensor } {
  const { descriptor } = nodeOf(trace, nodeIndex);
  if (descriptor[5 * 32 + 5] !== 0) throw new AccumulationError(`ArgMax node ${nodeIndex}: select_last_index = 1 is outside the profile`);
  const data = nodeInputs(trace, nodeIndex)[0]!;
  const axis = u32At(descriptor, 5, 0);
  return { length: data.shape[axis]!, inner: span(data.shape, axis + 1), data };
}

/** Flat data index of the j-th element of output element `element`'s axis. */
const argMaxIndex = (length: number, inner: number, element: number, j: number): number =>
  (Math.floor(element / inner) * length + j) * inner + (element % inner);

/** K: the number of terms of every output element of the node (0 for other opcodes). */
export function accumulationLength(trace: Trace, nodeIndex: number): number {
  const { opcode } = nodeOf(trace, nodeIndex);
  if (!ACCUMULATING_OPCODES.has(opcode)) return 0;
  if (opcode === Opcode.ArgMax) return argMaxAxis(trace, nodeIndex).length;
  return accumulationOf(trace, nodeIndex, 0).terms.length;
}

/**
 * The words v_0..v_{K+1} of output element `element` of node `nodeIndex` (level 3's values at
 * indices 1..K+2): v_0 = p_0, v_a after term a, v_{K+1} = y, which must equal the trace's output
 * (or, with `claimed`, is replaced by the trace's output element: what the side claims).
 */
export function accumulationValues(
  trace: Trace,
  nodeIndex: number,
  element: number,
  options: { readonly claimed?: boolean } = {},
): Hex32[] {
  const { opcode } = nodeOf(trace, nodeIndex);
  const out = trace.valueOfSlot(trace.commitment.layout.nodeOutputSlots[nodeIndex]!);
  let words: Hex32[];
  if (opcode === Opcode.ArgMax) {
    const { length, inner, data } = argMaxAxis(trace, nodeIndex);
    let best = typeMin(data.dtype);
    let index = 0;
    words = [argMaxWord(best, index)];
    for (let j = 0; j < length; j++) {
      const v = BigInt(data.data[argMaxIndex(length, inner, element, j)]!);
      if (v > best) [best, index] = [v, j];
      words.push(argMaxWord(best, index));
    }
    words.push(intWord(index));
  } else if (ACCUMULATING_OPCODES.has(opcode)) {
    const acc = accumulationOf(trace, nodeIndex, element);
    const y = out.dtype === DType.FLOAT ? floatWord(acc.output) : intWord(acc.output);
    words = [intWord(acc.start), ...acc.partials.map((p) => intWord(p)), y];
  } else {
    throw new AccumulationError(`node ${nodeIndex} (opcode ${opcode}) does not accumulate`);
  }
  const expected = out.dtype === DType.FLOAT ? floatWord((out.data as Float32Array)[element]!) : intWord(out.data[element] as number | bigint);
  if (options.claimed) {
    // The side's claim: its own output element, even where its trace falsified it (a lying
    // prover's level-3 values end at its lie; the verifier refutes the last step).
    words[words.length - 1] = expected;
  } else if (words[words.length - 1] !== expected) {
    throw new AccumulationError(`node ${nodeIndex}: element ${element}'s accumulation ends at ${words[words.length - 1]}, the trace holds ${expected}`);
  }
  return words;
}

function typeMin(dtype: DType): bigint {
  switch (dtype) {
    case DType.INT8: return -(2n ** 7n);
    case DType.INT16: return -(2n ** 15n);
    case DType.INT32: return -(2n ** 31n);
    case DType.INT64: return -(2n ** 63n);
    case DType.UINT8: case DType.UINT16: case DType.UINT32: case DType.UINT64: return 0n;
    default: throw new AccumulationError(`ArgMax on element type ${dtype} is outside the profile`);
  }
}

/** The output channel (conv: m of [N, M, ...]) or column (matmul, QGemm: n) of an element. */
function channelOf(c: StepContext): number {
  const out = c.output.shape;
  if (c.opcode === Opcode.QLinearConv || c.opcode === Opcode.ConvInteger) return Math.floor(c.element / span(out, 2)) % out[1]!;
  return c.element % out[out.length - 1]!;
}

/**
 * The operands of step `c.step` of an accumulating node, in proof order (docs/SPEC.md 10.2):
 *   a = 0:      QLinearConv [B[m]] / QGemm [C[m,n] broadcast] when the bias flag is set; else []
 *   1 <= a <= K: products [x, w] (+ [wzp[channel]] when W_ZP_TENSOR); MaxPool and ArgMax [x];
 *               a padded conv / pool tap []
 *   a = K + 1:  QLinearConv / QGemm [ws[channel]] when W_SCALE_TENSOR; else []
 */
export function accumulateOperands(c: StepContext): StepOperand[] {
  const flags = u32At(c.descriptor, 8, 6);
  if (c.opcode === Opcode.ArgMax) {
    const { length, inner } = argMaxAxis(c.trace, c.nodeIndex);
    if (c.step === 0 || c.step === length + 1) return [];
    if (c.step > length + 1) throw new AccumulationError(`ArgMax: step ${c.step} past K + 1 = ${length + 1}`);
    return [c.operand(0, argMaxIndex(length, inner, c.element, c.step - 1))];
  }
  const acc = accumulationOf(c.trace, c.nodeIndex, c.element);
  const k = acc.terms.length;
  const wInput = c.opcode === Opcode.MatMulInteger || c.opcode === Opcode.ConvInteger ? 1 : 3;
  if (c.step === 0) {
    if (acc.startIndex === undefined) return [];
    return [c.operand(c.opcode === Opcode.QGemm ? 6 : 8, acc.startIndex)];
  }
  if (c.step <= k) {
    const term = acc.terms[c.step - 1]!;
    if (term.kind === "padding") return [];
    if (term.kind === "compare") return [c.operand(0, term.index)];
    const ops = [c.operand(0, term.aIndex), c.operand(wInput, term.bIndex)];
    if (flags & QuantFlag.W_ZP_TENSOR) ops.push(c.operand(wInput + 2, channelOf(c)));
    return ops;
  }
  if (c.step !== k + 1) throw new AccumulationError(`step ${c.step} past K + 1 = ${k + 1}`);
  const scaled = c.opcode === Opcode.QLinearConv || c.opcode === Opcode.QGemm;
  return scaled && flags & QuantFlag.W_SCALE_TENSOR ? [c.operand(4, channelOf(c))] : [];
}

/** Element count of node `nodeIndex`'s output. */
export function outputCount(trace: Trace, nodeIndex: number): number {
  return numel(trace.valueOfSlot(trace.commitment.layout.nodeOutputSlots[nodeIndex]!).shape);
}
