/**
 * One-step proofs (docs/SPEC.md section 10.1): for a node, a disputed output element and an
 * accumulation step, which operand elements the on-chain verifier opens, in the order it reads
 * them, and their ABI-encoded OperandProof[] under S_node. The twin of the verifiers in
 * contracts/dispute/verifiers/ (LibStep.sol and one contract per family): both derive every slot
 * and element index from the descriptor, the type words and the output element alone.
 *
 * Per-opcode rules live in one table (OPERAND_RULES); a family adds its opcodes there.
 */
import { AbiCoder } from "ethers";
import { ABSENT_SLOT, Opcode, QuantFlag } from "../engine/commit/descriptor.js";
import { decodeTensorType, type TensorType } from "../engine/commit/tensor-type.js";
import { DType, numel } from "../engine/tensor.js";
import { accumulateOperands } from "./accumulate-steps.js";
import type { Trace } from "./trace.js";

/** One operand the verifier opens: element `element` of the value in slot `slot`. */
export interface StepOperand {
  readonly slot: number;
  readonly element: number;
}

export class StepProofError extends Error {
  override name = "StepProofError";
}

/** What a rule may read about the node: its descriptor fields, types and (for Gather) values. */
export interface StepContext {
  readonly trace: Trace;
  readonly nodeIndex: number;
  readonly descriptor: Buffer;
  readonly opcode: number;
  readonly element: number;
  readonly step: number;
  /** The output type (descriptor word 3). */
  readonly output: TensorType;
  /** Type of input i (throws for an omitted input). */
  inputType(i: number): TensorType;
  /** Slot of input i (descriptor words 1-2; throws for an omitted input). */
  slot(i: number): number;
  /** The operand reference of element `element` of input i. */
  operand(i: number, element: number): StepOperand;
  /** Element `element` of input i's value, as an integer (what a verifier reads from a proof). */
  intValue(i: number, element: number): bigint;
}

export type OperandRule = (c: StepContext) => StepOperand[];

const span = (shape: readonly number[], from: number, to = shape.length): number => shape.slice(from, to).reduce((a, b) => a * b, 1);
const u32At = (d: Buffer, word: number, i: number): number => d.readUInt32BE(32 * word + 4 * i);

/** The flat indices into A and B of output element `element` under numpy broadcasting. */
export function broadcastIndices(out: readonly number[], a: readonly number[], b: readonly number[], element: number): [number, number] {
  let rest = element;
  let ia = 0;
  let ib = 0;
  let sa = 1;
  let sb = 1;
  const r = out.length;
  for (let k = r - 1; k >= 0; k--) {
    const d = out[k]!;
    const da = a[k - (r - a.length)] ?? 1;
    const db = b[k - (r - b.length)] ?? 1;
    const c = rest % d;
    rest = Math.floor(rest / d);
    if (da !== 1) ia += c * sa;
    if (db !== 1) ib += c * sb;
    sa *= da;
    sb *= db;
  }
  return [ia, ib];
}

/** The input index of Transpose's output element `element`: output dim i is input dim perm[i]. */
export function transposedIndex(inShape: readonly number[], perm: readonly number[], element: number): number {
  const r = inShape.length;
  const stride = new Array<number>(r);
  let s = 1;
  for (let i = r - 1; i >= 0; i--) {
    stride[i] = s;
    s *= inShape[i]!;
  }
  let rest = element;
  let index = 0;
  for (let i = r - 1; i >= 0; i--) {
    const dim = inShape[perm[i]!]!;
    index += (rest % dim) * stride[perm[i]!]!;
    rest = Math.floor(rest / dim);
  }
  return index;
}

/** The channel (index along the quantization axis) of element `element` of x. */
function channelOf(c: StepContext, element: number): number {
  const x = c.inputType(0).shape;
  const axis = u32At(c.descriptor, 5, 0);
  return Math.floor(element / span(x, axis + 1)) % x[axis]!;
}

/** [x at element, scale at channel (per axis), zero point at channel (per axis)]. */
const quantOperands: OperandRule = (c) => {
  const flags = u32At(c.descriptor, 8, 6);
  const ops = [c.operand(0, c.element)];
  if (flags & QuantFlag.SCALE_PER_AXIS) ops.push(c.operand(1, channelOf(c, c.element)));
  if (flags & QuantFlag.ZP_PER_AXIS) ops.push(c.operand(2, channelOf(c, c.element)));
  return ops;
};

/** [A at aIndex, B at bIndex] under broadcasting. */
const binaryOperands: OperandRule = (c) => {
  const [ia, ib] = broadcastIndices(c.output.shape, c.inputType(0).shape, c.inputType(1).shape, c.element);
  return [c.operand(0, ia), c.operand(1, ib)];
};

/** [x at element]: the same index in input 0 (elementwise unary ops, and the identity layouts). */
const sameIndex: OperandRule = (c) => [c.operand(0, c.element)];

/** [data at the transposed index] (attribute word 5: rank u8, perm[8] u8). */
const transposeOperands: OperandRule = (c) => {
  const rank = c.descriptor[5 * 32]!;
  const perm = Array.from({ length: rank }, (_, i) => c.descriptor[5 * 32 + 1 + i]!);
  return [c.operand(0, transposedIndex(c.inputType(0).shape, perm, c.element))];
};

/** [input j at its index]: the one input whose slice of the axis holds the element. */
const concatOperands: OperandRule = (c) => {
  const axis = u32At(c.descriptor, 5, 0);
  const out = c.output.shape;
  const inner = span(out, axis + 1);
  const a = Math.floor(c.element / inner) % out[axis]!;
  const outer = Math.floor(c.element / (inner * out[axis]!));
  let offset = 0;
  for (let j = 0; j < c.descriptor[2]!; j++) {
    const dj = c.inputType(j).shape[axis]!;
    if (a < offset + dj) return [c.operand(j, (outer * dj + a - offset) * inner + (c.element % inner))];
    offset += dj;
  }
  throw new StepProofError(`Concat: element ${c.element} lies in no input`);
};

/** [indices at j, data at (outer * size + index) * inner + i]. */
const gatherOperands: OperandRule = (c) => {
  const axis = u32At(c.descriptor, 5, 0);
  const data = c.inputType(0).shape;
  const inner = span(data, axis + 1);
  const count = numel(c.inputType(1).shape);
  const size = data[axis]!;
  const j = Math.floor(c.element / inner) % count;
  const outer = Math.floor(c.element / (inner * count));
  const v = c.intValue(1, j);
  if (v < -BigInt(size) || v >= BigInt(size)) throw new StepProofError(`Gather: index ${v} out of range for an axis of size ${size}`);
  const at = Number(v < 0n ? v + BigInt(size) : v);
  return [c.operand(1, j), c.operand(0, (outer * size + at) * inner + (c.element % inner))];
};

/**
 * Operands per opcode, in proof order (docs/SPEC.md section 10.1). The accumulating family
 * (opcodes 3-8, 22) adds its rules here; `step` is its level-3 index.
 */
export const OPERAND_RULES: Partial<Record<number, OperandRule>> = {
  [Opcode.QuantizeLinear]: quantOperands,
  [Opcode.DequantizeLinear]: quantOperands,
  [Opcode.Add]: binaryOperands,
  [Opcode.Sub]: binaryOperands,
  [Opcode.Mul]: binaryOperands,
  [Opcode.Relu]: sameIndex,
  [Opcode.Clip]: sameIndex,
  [Opcode.Cast]: sameIndex,
  [Opcode.Reshape]: sameIndex,
  [Opcode.Flatten]: sameIndex,
  [Opcode.Squeeze]: sameIndex,
  [Opcode.Unsqueeze]: sameIndex,
  [Opcode.Transpose]: transposeOperands,
  [Opcode.Concat]: concatOperands,
  [Opcode.Gather]: gatherOperands,
  // The accumulating family (docs/SPEC.md section 10.2): offchain/game/accumulate-steps.ts.
  [Opcode.QLinearConv]: accumulateOperands,
  [Opcode.QLinearMatMul]: accumulateOperands,
  [Opcode.QGemm]: accumulateOperands,
  [Opcode.MaxPool]: accumulateOperands,
  [Opcode.MatMulInteger]: accumulateOperands,
  [Opcode.ConvInteger]: accumulateOperands,
  [Opcode.ArgMax]: accumulateOperands,
};

function stepContext(trace: Trace, nodeIndex: number, element: number, step: number): StepContext {
  const c = trace.commitment;
  const descriptor = c.descriptors[nodeIndex];
  const node = c.nodes[nodeIndex];
  if (descriptor === undefined || node === undefined) throw new StepProofError(`no node ${nodeIndex}`);
  const opcode = descriptor[0]!;
  const slot = (i: number): number => {
    const s = i < 16 ? descriptor.readUInt32BE(32 + 4 * i) : ABSENT_SLOT;
    if (s === ABSENT_SLOT) throw new StepProofError(`node ${nodeIndex} (opcode ${opcode}): input ${i} is omitted`);
    return s;
  };
  const ctx: StepContext = {
    trace,
    nodeIndex,
    descriptor,
    opcode,
    element,
    step,
    output: decodeTensorType(descriptor.subarray(96, 128)),
    inputType: (i) => {
      const name = node.inputs[i];
      const t = name ? c.types.get(name) : undefined;
      if (t === undefined) throw new StepProofError(`node ${nodeIndex} (opcode ${opcode}): input ${i} has no type`);
      return { dtype: t.dtype as DType, shape: t.shape as number[] };
    },
    slot,
    operand: (i, e) => ({ slot: slot(i), element: e }),
    intValue: (i, e) => {
      const v = trace.valueOfSlot(slot(i)).data[e];
      if (v === undefined) throw new StepProofError(`node ${nodeIndex}: element ${e} outside input ${i}`);
      return BigInt(v);
    },
  };
  return ctx;
}

/** The operands of one step of node `nodeIndex` at output element `element`, in proof order. */
export function stepOperands(trace: Trace, nodeIndex: number, element: number, step: number): StepOperand[] {
  const ctx = stepContext(trace, nodeIndex, element, step);
  const rule = OPERAND_RULES[ctx.opcode];
  if (rule === undefined) throw new StepProofError(`opcode ${ctx.opcode} has no one-step operand rule`);
  return rule(ctx);
}

const OPERAND_PROOF_TUPLE = "tuple(bytes32 slotCommitment, bytes32[] slotSiblings, bytes32 tensorRoot, bytes32 left, bytes32 right, bytes32[] pairSiblings)[]";

/** The verifier's `proof` argument: `abi.encode(OperandProof[])` of the operands under S_node. */
export function encodeStepProof(trace: Trace, nodeIndex: number, element: number, step: number): string {
  const proofs = stepOperands(trace, nodeIndex, element, step).map((o) => trace.operandProof(nodeIndex, o.slot, o.element));
  return AbiCoder.defaultAbiCoder().encode([OPERAND_PROOF_TUPLE], [proofs]);
}
