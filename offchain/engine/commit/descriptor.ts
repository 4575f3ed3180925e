/**
 * Node descriptors (docs/SPEC.md, section 8): one fixed 288-byte record per node — what the
 * on-chain one-step reads to know the operator, its operand slots, their types, its attributes
 * and its per-tensor quantization scalars, without any proof beyond the descriptor's own path in
 * the node tree. Nine 32-byte words, big-endian:
 *
 * | word | content |
 * | ---- | ------- |
 * | 0 | opcode u8 ‖ semanticsVersion u8 ‖ nInputs u8 ‖ 0 ‖ nodeIndex u32 ‖ outputSlot u32 ‖ 0^20 |
 * | 1-2 | input slots, 16 × u32 (0xffffffff: omitted or beyond nInputs) |
 * | 3 | output tensor type word |
 * | 4 | H(0x16 ‖ type word of each input, 0^32 for an omitted one) |
 * | 5-7 | attributes, per opcode (ATTRIBUTE LAYOUTS below) |
 * | 8 | quantization scalars: xScale, xZp, wScale, wZp, yScale, yZp, flags, 0 (u32 each) |
 */
import { DType, numel, type Tensor } from "../tensor.js";
import type { Node } from "../onnx/types.js";
import { Tag, taggedHash } from "./hash.js";
import { encodeTensorType } from "./tensor-type.js";
import { ZERO_WORD } from "./word-tree.js";

export const DESCRIPTOR_WORDS = 9;
export const DESCRIPTOR_BYTES = DESCRIPTOR_WORDS * 32;
export const MAX_NODE_INPUTS = 16;
export const ABSENT_SLOT = 0xffffffff;

/** Opcodes of semantics version 1 (DESIGN.md's table, in its order). */
export const Opcode = {
  QuantizeLinear: 1,
  DequantizeLinear: 2,
  QLinearConv: 3,
  QLinearMatMul: 4,
  QGemm: 5,
  MaxPool: 6,
  MatMulInteger: 7,
  ConvInteger: 8,
  Add: 9,
  Sub: 10,
  Mul: 11,
  Relu: 12,
  Clip: 13,
  Cast: 14,
  Reshape: 15,
  Flatten: 16,
  Squeeze: 17,
  Unsqueeze: 18,
  Transpose: 19,
  Concat: 20,
  Gather: 21,
  ArgMax: 22,
} as const;
export type OpName = keyof typeof Opcode;

/** Flags in the quantization word. */
export const QuantFlag = {
  /** The w (weight/b) scale is a tensor in its slot (per-channel), not the inline scalar. */
  W_SCALE_TENSOR: 1 << 0,
  /** The w zero point is a tensor in its slot (per-channel). */
  W_ZP_TENSOR: 1 << 1,
  /** QGemm: y_scale given. */
  Y_SCALE_PRESENT: 1 << 2,
  /** QGemm: y_zp given, so the output is quantized (SEMANTICS.md). */
  Y_ZP_PRESENT: 1 << 3,
  /** The bias (QLinearConv B, QGemm C) is given. */
  BIAS_PRESENT: 1 << 4,
  /** Quantize/DequantizeLinear: scale per axis, in its slot. */
  SCALE_PER_AXIS: 1 << 5,
  /** Quantize/DequantizeLinear: zero point per axis, in its slot. */
  ZP_PER_AXIS: 1 << 6,
  /** MatMulInteger/ConvInteger: the x (a) zero point is a tensor in its slot. */
  X_ZP_TENSOR: 1 << 7,
} as const;

export class DescriptorError extends Error {
  override name = "DescriptorError";
}

/** What the descriptor encoder needs to know about the graph around a node. */
export interface DescriptorContext {
  readonly nodeIndex: number;
  readonly opset: number;
  slotOf(name: string): number;
  typeOf(name: string): { dtype: DType; shape: readonly number[] };
  constant(name: string): Tensor | undefined;
}

const f32bits = (v: number): number => {
  const b = Buffer.alloc(4);
  b.writeFloatBE(v);
  return b.readUInt32BE();
};

function intAttr(node: Node, name: string, fallback: number): number {
  const a = node.attributes[name];
  if (a === undefined) return fallback;
  if (a.kind !== "int") throw new DescriptorError(`${node.opType}: attribute ${name} is not an int`);
  return a.value;
}

function intsAttr(node: Node, name: string): readonly number[] | undefined {
  const a = node.attributes[name];
  if (a === undefined) return undefined;
  if (a.kind !== "ints") throw new DescriptorError(`${node.opType}: attribute ${name} is not a list of ints`);
  return a.value;
}

function floatAttr(node: Node, name: string, fallback: number): number {
  const a = node.attributes[name];
  if (a === undefined) return fallback;
  if (a.kind !== "float") throw new DescriptorError(`${node.opType}: attribute ${name} is not a float`);
  return a.value;
}

const normAxis = (axis: number, rank: number, what: string): number => {
  const a = axis < 0 ? axis + rank : axis;
  if (!Number.isInteger(a) || a < 0 || a >= Math.max(rank, 1)) throw new DescriptorError(`${what}: axis ${axis} outside rank ${rank}`);
  return a;
};

/** Writes u32 values big-endian into a word from byte `offset`. */
function putU32(word: Buffer, offset: number, values: readonly number[]): void {
  values.forEach((v, i) => word.writeUInt32BE(v >>> 0, offset + 4 * i));
}

/** The inline value of a scalar quantization parameter: f32 bits of a scale, i32 of a zero point. */
function scalarBits(t: Tensor | undefined, what: string): number | undefined {
  if (t === undefined || numel(t.shape) !== 1) return undefined;
  const v = t.data[0]!;
  if (t.dtype === DType.FLOAT) return f32bits(v as number);
  if (t.dtype === DType.UINT8 || t.dtype === DType.INT8 || t.dtype === DType.INT32) return (v as number) | 0;
  throw new DescriptorError(`${what} has element type ${t.dtype}, not a scale or zero point type`);
}

/** Convolution/pooling geometry in words 5-7. */
function windowWords(node: Node, ctx: DescriptorContext, words: Buffer[], inputShape: readonly number[], weightShape?: readonly number[]): void {
  const spatial = inputShape.length - 2;
  if (spatial < 1 || spatial > 3) throw new DescriptorError(`${node.opType}: ${spatial} spatial dims (1..3 supported)`);
  const kernel = intsAttr(node, "kernel_shape") ?? weightShape?.slice(2);
  if (kernel === undefined || kernel.length !== spatial) throw new DescriptorError(`${node.opType}: kernel_shape missing or of the wrong rank`);
  const strides = intsAttr(node, "strides") ?? new Array(spatial).fill(1);
  const dilations = intsAttr(node, "dilations") ?? new Array(spatial).fill(1);
  const pads = intsAttr(node, "pads") ?? new Array(2 * spatial).fill(0);
  const autoPad = node.attributes.auto_pad;
  if (autoPad !== undefined && !(autoPad.kind === "string" && autoPad.value === "NOTSET")) {
    throw new DescriptorError(`${node.opType}: auto_pad must be written out as explicit pads`);
  }
  // ceil_mode: the profile admits it only where it does not change the output size, so the
  // output type word already fixes the windows.
  const pad3 = (list: readonly number[]) => [0, 1, 2].map((i) => list[i] ?? 0);
  putU32(words[5]!, 0, [spatial, intAttr(node, "group", 1), ...pad3(kernel), ...pad3(strides)]);
  putU32(words[6]!, 0, [...pad3(dilations), ...pad3(pads.slice(0, spatial))]);
  putU32(words[7]!, 0, pad3(pads.slice(spatial)));
  void ctx;
}

/** The descriptor of one node: exactly DESCRIPTOR_BYTES bytes. */
export function encodeDescriptor(node: Node, semanticsVersion: number, ctx: DescriptorContext): Buffer {
  const opName = node.opType as OpName;
  const opcode = Opcode[opName];
  const domainOk = node.opType === "QGemm" ? node.domain === "com.microsoft" : node.domain === "" || node.domain === "ai.onnx";
  if (opcode === undefined || !domainOk) throw new DescriptorError(`${node.domain || "ai.onnx"}.${node.opType} has no opcode in semantics version ${semanticsVersion}`);
  if (node.inputs.length > MAX_NODE_INPUTS) throw new DescriptorError(`${node.opType}: ${node.inputs.length} inputs exceed the limit ${MAX_NODE_INPUTS}`);
  const outputs = node.outputs.filter((o) => o !== "");
  if (outputs.length !== 1 || node.outputs[0] === "") throw new DescriptorError(`${node.opType}: a profile node has exactly one output`);

  const words = Array.from({ length: DESCRIPTOR_WORDS }, () => Buffer.alloc(32));
  const out = outputs[0]!;
  words[0]![0] = opcode;
  words[0]![1] = semanticsVersion;
  words[0]![2] = node.inputs.length;
  putU32(words[0]!, 4, [ctx.nodeIndex, ctx.slotOf(out)]);

  const slots = new Array<number>(MAX_NODE_INPUTS).fill(ABSENT_SLOT);
  const typeWords: Buffer[] = [];
  node.inputs.forEach((name, i) => {
    if (name === "") {
      typeWords.push(ZERO_WORD);
      return;
    }
    slots[i] = ctx.slotOf(name);
    const t = ctx.typeOf(name);
    typeWords.push(encodeTensorType(t.dtype, t.shape));
  });
  putU32(words[1]!, 0, slots.slice(0, 8));
  putU32(words[2]!, 0, slots.slice(8));
  const outType = ctx.typeOf(out);
  encodeTensorType(outType.dtype, outType.shape).copy(words[3]!);
  taggedHash(Tag.NODE_INPUT_TYPES, ...typeWords).copy(words[4]!);

  const input = (i: number): string | undefined => (node.inputs[i] ? node.inputs[i] : undefined);
  const constOf = (i: number): Tensor | undefined => {
    const name = input(i);
    return name === undefined ? undefined : ctx.constant(name);
  };
  const rankOf = (i: number): number => ctx.typeOf(input(i)!).shape.length;
  const quant = new Array<number>(8).fill(0);
  let flags = 0;
  /** Inline scalar at quant[field], or mark the tensor flag when it is per-channel. */
  const scalar = (i: number, field: number, tensorFlag: number, what: string): void => {
    const name = input(i);
    if (name === undefined) return;
    const t = ctx.constant(name);
    if (t === undefined) throw new DescriptorError(`${node.opType}: ${what} must be an initializer`);
    const bits = scalarBits(t, what);
    if (bits === undefined) flags |= tensorFlag;
    else quant[field] = bits;
  };
  const noTensor = 0;

  switch (opName) {
    case "QuantizeLinear":
    case "DequantizeLinear": {
      const [scaleField, zpField] = opName === "QuantizeLinear" ? [4, 5] : [0, 1];
      scalar(1, scaleField, QuantFlag.SCALE_PER_AXIS, "scale");
      scalar(2, zpField, QuantFlag.ZP_PER_AXIS, "zero point");
      // The axis matters only per axis; per-tensor it is written as 0 so it cannot vary the id.
      const perAxis = (flags & (QuantFlag.SCALE_PER_AXIS | QuantFlag.ZP_PER_AXIS)) !== 0;
      putU32(words[5]!, 0, [perAxis ? normAxis(intAttr(node, "axis", 1), rankOf(0), node.opType) : 0]);
      break;
    }
    case "QLinearConv":
    case "QLinearMatMul":
    case "QGemm": {
      scalar(1, 0, noTensor, "x scale");
      scalar(2, 1, noTensor, "x zero point");
      scalar(4, 2, QuantFlag.W_SCALE_TENSOR, "w scale");
      scalar(5, 3, QuantFlag.W_ZP_TENSOR, "w zero point");
      const [ys, yzp, bias] = opName === "QGemm" ? [7, 8, 6] : opName === "QLinearConv" ? [6, 7, 8] : [6, 7, -1];
      scalar(ys, 4, noTensor, "y scale");
      scalar(yzp, 5, noTensor, "y zero point");
      if (input(ys) !== undefined) flags |= QuantFlag.Y_SCALE_PRESENT;
      if (input(yzp) !== undefined) flags |= QuantFlag.Y_ZP_PRESENT;
      if (bias >= 0 && input(bias) !== undefined) flags |= QuantFlag.BIAS_PRESENT;
      if (opName === "QLinearConv") windowWords(node, ctx, words, ctx.typeOf(input(0)!).shape, ctx.typeOf(input(3)!).shape);
      if (opName === "QGemm") {
        words[5]![0] = intAttr(node, "transA", 0);
        words[5]![1] = intAttr(node, "transB", 0);
        putU32(words[5]!, 4, [f32bits(floatAttr(node, "alpha", 1))]);
      }
      break;
    }
    case "MatMulInteger":
    case "ConvInteger": {
      scalar(2, 1, QuantFlag.X_ZP_TENSOR, "x zero point");
      scalar(3, 3, QuantFlag.W_ZP_TENSOR, "w zero point");
      if (opName === "ConvInteger") windowWords(node, ctx, words, ctx.typeOf(input(0)!).shape, ctx.typeOf(input(1)!).shape);
      break;
    }
    case "MaxPool":
      windowWords(node, ctx, words, ctx.typeOf(input(0)!).shape);
      break;
    case "Clip": {
      const bound = (i: number): bigint | undefined => {
        const t = constOf(i);
        if (input(i) !== undefined && t === undefined) throw new DescriptorError("Clip: bounds must be initializers");
        return t === undefined ? undefined : BigInt(t.data[0] as number | bigint);
      };
      const dtype = ctx.typeOf(input(0)!).dtype;
      const range: Partial<Record<DType, [bigint, bigint]>> = {
        [DType.UINT8]: [0n, 255n],
        [DType.INT8]: [-128n, 127n],
        [DType.INT32]: [-(2n ** 31n), 2n ** 31n - 1n],
        [DType.INT64]: [-(2n ** 63n), 2n ** 63n - 1n],
      };
      const r = range[dtype];
      if (r === undefined) throw new DescriptorError(`Clip on element type ${dtype} is outside the profile`);
      words[5]!.writeBigInt64BE(bound(1) ?? r[0], 0);
      words[5]!.writeBigInt64BE(bound(2) ?? r[1], 8);
      break;
    }
    case "Transpose": {
      const rank = rankOf(0);
      const perm = intsAttr(node, "perm") ?? Array.from({ length: rank }, (_, i) => rank - 1 - i);
      words[5]![0] = rank;
      perm.forEach((p, i) => (words[5]![1 + i] = p));
      break;
    }
    case "Concat":
    case "Gather":
      putU32(words[5]!, 0, [normAxis(intAttr(node, "axis", 0), rankOf(0), node.opType)]);
      break;
    case "ArgMax":
      putU32(words[5]!, 0, [normAxis(intAttr(node, "axis", 0), rankOf(0), node.opType)]);
      words[5]![4] = intAttr(node, "keepdims", 1);
      words[5]![5] = intAttr(node, "select_last_index", 0);
      break;
    default:
      // Add, Sub, Mul, Relu, Cast, Reshape, Flatten, Squeeze, Unsqueeze: the operand and output
      // type words say everything (the layout ops are the identity on row-major flat indices).
      break;
  }
  quant[6] = flags;
  putU32(words[8]!, 0, quant);
  return Buffer.concat(words);
}

/** The node tree's leaf for a descriptor: H(0x13 ‖ descriptor). */
export function descriptorLeaf(descriptor: Uint8Array): Buffer {
  if (descriptor.length !== DESCRIPTOR_BYTES) throw new DescriptorError(`a descriptor is ${DESCRIPTOR_BYTES} bytes, got ${descriptor.length}`);
  return taggedHash(Tag.NODE_DESCRIPTOR, descriptor);
}
