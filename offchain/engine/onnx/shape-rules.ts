/**
 * Static output types (dtype and shape) per operator: the version-1 profile operators, plus the
 * few float operators of common models (Conv, MatMul, Gemm, Div, ...) so that a float model's
 * report can still show its shapes. A rule throws ShapeRuleError with the reason; shapes.ts names
 * the node.
 */
import { DType, dtypeName, type Tensor } from "../tensor.js";
import { attrInt, attrInts, attrString } from "./attr-read.js";
import { toDType } from "./elem-types.js";
import type { Node } from "./types.js";

export interface StaticType {
  readonly dtype: DType;
  readonly shape: readonly number[];
}

export class ShapeRuleError extends Error {}

export interface RuleContext {
  readonly node: Node;
  /** Version of the default ONNX domain the model imports. */
  readonly opset: number;
  /** Whether input i is given (present and not ""). */
  has(i: number): boolean;
  /** The static type of input i; throws when it is omitted or unknown. */
  input(i: number): StaticType;
  /** The initializer value of input i, if it is one. */
  constant(i: number): Tensor | undefined;
}

export type ShapeRule = (ctx: RuleContext) => StaticType[];

const fail = (reason: string): never => {
  throw new ShapeRuleError(reason);
};
export const fmt = (shape: readonly number[]): string => `[${shape.join(",")}]`;

/** The integer values of a constant int32/int64 tensor, exact. */
export function constInts(t: Tensor, what: string): number[] {
  if (t.dtype !== DType.INT64 && t.dtype !== DType.INT32) fail(`${what} must be int64 or int32, is ${dtypeName(t.dtype)}`);
  return Array.from(t.data as ArrayLike<number | bigint>, (v) => {
    const n = Number(v);
    if (!Number.isSafeInteger(n)) fail(`${what} holds ${v}, beyond 2^53`);
    return n;
  });
}

function normAxis(axis: number, rank: number, what: string): number {
  if (axis < -rank || axis >= rank) fail(`${what} ${axis} is out of range for rank ${rank}`);
  return axis < 0 ? axis + rank : axis;
}

export function broadcast(a: readonly number[], b: readonly number[]): number[] {
  const rank = Math.max(a.length, b.length);
  const out: number[] = [];
  for (let i = 0; i < rank; i++) {
    const da = a[a.length - rank + i] ?? 1;
    const db = b[b.length - rank + i] ?? 1;
    if (da !== db && da !== 1 && db !== 1) fail(`shapes ${fmt(a)} and ${fmt(b)} do not broadcast`);
    out.push(da === 1 ? db : da);
  }
  return out;
}

function sameDTypes(ctx: RuleContext, indices: readonly number[]): DType {
  const d = ctx.input(indices[0]!).dtype;
  for (const i of indices) {
    const di = ctx.input(i).dtype;
    if (di !== d) fail(`input ${i} is ${dtypeName(di)}, input ${indices[0]} is ${dtypeName(d)}`);
  }
  return d;
}

const elementwise: ShapeRule = (ctx) => {
  const dtype = sameDTypes(ctx, [0, 1]);
  return [{ dtype, shape: broadcast(ctx.input(0).shape, ctx.input(1).shape) }];
};
const unary: ShapeRule = (ctx) => [ctx.input(0)];

export function matmulShape(a: readonly number[], b: readonly number[]): number[] {
  if (a.length === 0 || b.length === 0) fail("MatMul operands must have rank >= 1");
  const a2 = a.length === 1 ? [1, a[0]!] : a;
  const b2 = b.length === 1 ? [b[0]!, 1] : b;
  const k = a2[a2.length - 1]!;
  if (b2[b2.length - 2] !== k) fail(`inner dimensions differ: ${fmt(a)} x ${fmt(b)}`);
  const batch = broadcast(a2.slice(0, -2), b2.slice(0, -2));
  const out = [...batch];
  if (a.length > 1) out.push(a2[a2.length - 2]!);
  if (b.length > 1) out.push(b2[b2.length - 1]!);
  return out;
}

/** Output spatial size of a sliding window (Conv and pooling), ONNX and onnxruntime's formula. */
export function windowOutput(inSize: number, k: number, stride: number, dilation: number, padBegin: number, padEnd: number, ceil: boolean): number {
  const span = dilation * (k - 1) + 1;
  const room = inSize + padBegin + padEnd - span;
  if (room < 0) fail(`window ${span} is larger than the padded input ${inSize + padBegin + padEnd}`);
  let out = (ceil ? Math.ceil(room / stride) : Math.floor(room / stride)) + 1;
  // onnxruntime drops a last window that would start inside the end padding (ceil mode only).
  if (ceil && (out - 1) * stride >= inSize + padBegin) out--;
  return out;
}

export interface WindowGeometry {
  readonly kernel: readonly number[];
  readonly strides: readonly number[];
  readonly dilations: readonly number[];
  /** Begin pads then end pads, after auto_pad is resolved. */
  readonly pads: readonly number[];
}

/** Strides, dilations and explicit pads of a window op over input spatial dims `spatial`. */
export function windowGeometry(node: Node, spatial: readonly number[], kernel: readonly number[]): WindowGeometry {
  const n = spatial.length;
  const strides = attrInts(node, "strides") ?? new Array<number>(n).fill(1);
  const dilations = attrInts(node, "dilations") ?? new Array<number>(n).fill(1);
  if (strides.length !== n || dilations.length !== n) fail(`strides/dilations must have ${n} values`);
  if ([...strides, ...dilations, ...kernel].some((v) => v < 1)) fail("kernel, strides and dilations must be >= 1");
  const autoPad = attrString(node, "auto_pad", "NOTSET");
  let pads: number[];
  if (autoPad === "NOTSET") {
    pads = [...(attrInts(node, "pads") ?? new Array<number>(2 * n).fill(0))];
    if (pads.length !== 2 * n) fail(`pads must have ${2 * n} values`);
    if (pads.some((p) => p < 0)) fail("pads must be >= 0");
  } else if (autoPad === "VALID") {
    pads = new Array<number>(2 * n).fill(0);
  } else if (autoPad === "SAME_UPPER" || autoPad === "SAME_LOWER") {
    pads = new Array<number>(2 * n).fill(0);
    for (let i = 0; i < n; i++) {
      const out = Math.ceil(spatial[i]! / strides[i]!);
      const total = Math.max(0, (out - 1) * strides[i]! + dilations[i]! * (kernel[i]! - 1) + 1 - spatial[i]!);
      const small = Math.floor(total / 2);
      pads[i] = autoPad === "SAME_UPPER" ? small : total - small;
      pads[i + n] = total - pads[i]!;
    }
  } else {
    return fail(`auto_pad "${autoPad}" is not an ONNX value`);
  }
  return { kernel, strides, dilations, pads };
}

export function windowShape(node: Node, x: readonly number[], kernel: readonly number[], channels: number, ceil: boolean): number[] {
  const spatial = x.slice(2);
  if (x.length < 3 || spatial.length !== kernel.length) fail(`input ${fmt(x)} does not fit a ${kernel.length}-D kernel`);
  const g = windowGeometry(node, spatial, kernel);
  const n = spatial.length;
  return [x[0]!, channels, ...spatial.map((s, i) => windowOutput(s, kernel[i]!, g.strides[i]!, g.dilations[i]!, g.pads[i]!, g.pads[i + n]!, ceil))];
}

function convShape(ctx: RuleContext, xi: number, wi: number): number[] {
  const x = ctx.input(xi).shape;
  const w = ctx.input(wi).shape;
  const group = attrInt(ctx.node, "group", 1);
  if (w.length !== x.length) fail(`weights ${fmt(w)} and input ${fmt(x)} differ in rank`);
  if (group < 1 || x[1] !== w[1]! * group || w[0]! % group !== 0) {
    fail(`input channels ${x[1]} do not match weights ${fmt(w)} with group ${group}`);
  }
  const kernel = w.slice(2);
  const declared = attrInts(ctx.node, "kernel_shape");
  if (declared !== undefined && fmt(declared) !== fmt(kernel)) fail(`kernel_shape ${fmt(declared)} differs from weights ${fmt(w)}`);
  return windowShape(ctx.node, x, kernel, w[0]!, false);
}

function poolShape(ctx: RuleContext): number[] {
  const kernel = attrInts(ctx.node, "kernel_shape") ?? fail("kernel_shape is required");
  const x = ctx.input(0).shape;
  return windowShape(ctx.node, x, kernel, x[1]!, attrInt(ctx.node, "ceil_mode", 0) === 1);
}

function gemmShape(a: readonly number[], b: readonly number[], transA: boolean, transB: boolean): number[] {
  if (a.length !== 2 || b.length !== 2) fail(`Gemm operands must be 2-D, are ${fmt(a)} and ${fmt(b)}`);
  const [m, ka] = transA ? [a[1]!, a[0]!] : [a[0]!, a[1]!];
  const [kb, n] = transB ? [b[1]!, b[0]!] : [b[0]!, b[1]!];
  if (ka !== kb) fail(`inner dimensions differ: ${fmt(a)} x ${fmt(b)} (transA=${+transA}, transB=${+transB})`);
  return [m, n];
}

/** Axes of Squeeze/Unsqueeze: the attribute before opset 13, the constant second input from 13. */
function axesOf(ctx: RuleContext): number[] | undefined {
  if (ctx.opset < 13) return attrInts(ctx.node, "axes") === undefined ? undefined : [...attrInts(ctx.node, "axes")!];
  if (!ctx.has(1)) return undefined;
  const t = ctx.constant(1) ?? fail(`${ctx.node.opType} axes "${ctx.node.inputs[1]}" are not an initializer, so the output shape is not static`);
  return constInts(t, "axes");
}

const reshape: ShapeRule = (ctx) => {
  const x = ctx.input(0);
  const t = ctx.constant(1) ?? fail(`Reshape shape "${ctx.node.inputs[1] ?? ""}" is not an initializer, so the output shape is not static`);
  const target = constInts(t, "shape");
  const allowZero = attrInt(ctx.node, "allowzero", 0) === 1;
  const total = x.shape.reduce((p, d) => p * d, 1);
  let inferred = -1;
  const out = target.map((d, i) => {
    if (d === 0 && !allowZero) {
      if (i >= x.shape.length) fail(`shape value 0 at axis ${i} has no input dimension to copy`);
      return x.shape[i]!;
    }
    if (d === -1) {
      if (inferred >= 0) fail("shape has more than one -1");
      inferred = i;
      return 1;
    }
    if (d < 0) fail(`shape value ${d} is invalid`);
    return d;
  });
  const known = out.reduce((p, d) => p * d, 1);
  if (inferred >= 0) {
    if (known === 0 || total % known !== 0) fail(`cannot infer -1: ${total} elements into ${fmt(target)}`);
    out[inferred] = total / known;
  } else if (known !== total) {
    fail(`${total} elements of ${fmt(x.shape)} cannot take shape ${fmt(target)}`);
  }
  return [{ dtype: x.dtype, shape: out }];
};

const quantizeLinear: ShapeRule = (ctx) => {
  const x = ctx.input(0);
  let dtype = DType.UINT8;
  if (ctx.has(2)) dtype = ctx.input(2).dtype;
  else if (attrInt(ctx.node, "output_dtype", 0) !== 0) dtype = toDType(attrInt(ctx.node, "output_dtype", 0), "output_dtype");
  return [{ dtype, shape: x.shape }];
};

/** com.microsoft QLinearAveragePool / QLinearGlobalAveragePool: NCHW, or NHWC with channels_last. */
const toNchw = (x: readonly number[], last: boolean): number[] => (last ? [x[0]!, x[x.length - 1]!, ...x.slice(1, -1)] : [...x]);
const fromNchw = (y: readonly number[], last: boolean): number[] => (last ? [y[0]!, ...y.slice(2), y[1]!] : [...y]);
const qlinearAveragePool: ShapeRule = (ctx) => {
  const last = attrInt(ctx.node, "channels_last", 0) !== 0;
  const kernel = attrInts(ctx.node, "kernel_shape") ?? fail("kernel_shape is required");
  const x = toNchw(ctx.input(0).shape, last);
  return [{ dtype: ctx.input(0).dtype, shape: fromNchw(windowShape(ctx.node, x, kernel, x[1]!, attrInt(ctx.node, "ceil_mode", 0) === 1), last) }];
};
const qlinearGlobalAveragePool: ShapeRule = (ctx) => {
  const last = attrInt(ctx.node, "channels_last", 0) !== 0;
  const x = toNchw(ctx.input(0).shape, last);
  if (x.length < 3) fail(`input ${fmt(ctx.input(0).shape)} must have rank >= 3`);
  return [{ dtype: ctx.input(0).dtype, shape: fromNchw([x[0]!, x[1]!, ...x.slice(2).map(() => 1)], last) }];
};
const qlinearBinary: ShapeRule = (ctx) => [{ dtype: sameDTypes(ctx, [0, 3]), shape: broadcast(ctx.input(0).shape, ctx.input(3).shape) }];

const maxPool: ShapeRule = (ctx) => {
  const shape = poolShape(ctx);
  return [{ dtype: ctx.input(0).dtype, shape }, { dtype: DType.INT64, shape }];
};

const RULES: Readonly<Record<string, ShapeRule>> = {
  QuantizeLinear: quantizeLinear,
  DequantizeLinear: (ctx) => [{ dtype: ctx.input(1).dtype, shape: ctx.input(0).shape }],
  QLinearConv: (ctx) => [{ dtype: ctx.input(7).dtype, shape: convShape(ctx, 0, 3) }],
  QLinearMatMul: (ctx) => [{ dtype: ctx.input(7).dtype, shape: matmulShape(ctx.input(0).shape, ctx.input(3).shape) }],
  "com.microsoft:QGemm": (ctx) => [
    {
      dtype: ctx.has(8) ? ctx.input(8).dtype : DType.FLOAT,
      shape: gemmShape(ctx.input(0).shape, ctx.input(3).shape, attrInt(ctx.node, "transA", 0) === 1, attrInt(ctx.node, "transB", 0) === 1),
    },
  ],
  MaxPool: maxPool,
  "com.microsoft:QLinearAdd": qlinearBinary,
  "com.microsoft:QLinearMul": qlinearBinary,
  "com.microsoft:QLinearAveragePool": qlinearAveragePool,
  "com.microsoft:QLinearGlobalAveragePool": qlinearGlobalAveragePool,
  MatMulInteger: (ctx) => [{ dtype: DType.INT32, shape: matmulShape(ctx.input(0).shape, ctx.input(1).shape) }],
  ConvInteger: (ctx) => [{ dtype: DType.INT32, shape: convShape(ctx, 0, 1) }],
  Add: elementwise,
  Sub: elementwise,
  Mul: elementwise,
  Div: elementwise,
  Relu: unary,
  Clip: unary,
  Identity: unary,
  Sigmoid: unary,
  Tanh: unary,
  LeakyRelu: unary,
  Softmax: unary,
  LogSoftmax: unary,
  Cast: (ctx) => [{ dtype: toDType(attrInt(ctx.node, "to") ?? fail("attribute to is required"), "Cast target"), shape: ctx.input(0).shape }],
  Reshape: reshape,
  Flatten: (ctx) => {
    const x = ctx.input(0);
    const r = x.shape.length;
    const axis = attrInt(ctx.node, "axis", 1);
    if (axis < -r || axis > r) fail(`axis ${axis} is out of range for rank ${r}`);
    const a = axis < 0 ? axis + r : axis;
    const prod = (s: readonly number[]): number => s.reduce((p, d) => p * d, 1);
    return [{ dtype: x.dtype, shape: [prod(x.shape.slice(0, a)), prod(x.shape.slice(a))] }];
  },
  Squeeze: (ctx) => {
    const x = ctx.input(0);
    const axes = axesOf(ctx);
    if (axes === undefined) return [{ dtype: x.dtype, shape: x.shape.filter((d) => d !== 1) }];
    const drop = new Set(axes.map((a) => normAxis(a, x.shape.length, "axis")));
    for (const a of drop) if (x.shape[a] !== 1) fail(`cannot squeeze axis ${a} of size ${x.shape[a]}`);
    return [{ dtype: x.dtype, shape: x.shape.filter((_, i) => !drop.has(i)) }];
  },
  Unsqueeze: (ctx) => {
    const x = ctx.input(0);
    const axes = axesOf(ctx) ?? fail("axes are required");
    const rank = x.shape.length + axes.length;
    const ins = new Set(axes.map((a) => normAxis(a, rank, "axis")));
    if (ins.size !== axes.length) fail(`axes ${fmt(axes)} repeat an axis`);
    const out: number[] = [];
    let j = 0;
    for (let i = 0; i < rank; i++) out.push(ins.has(i) ? 1 : x.shape[j++]!);
    return [{ dtype: x.dtype, shape: out }];
  },
  Transpose: (ctx) => {
    const x = ctx.input(0);
    const r = x.shape.length;
    const perm = attrInts(ctx.node, "perm") ?? x.shape.map((_, i) => r - 1 - i);
    if (perm.length !== r || new Set(perm).size !== r || perm.some((p) => p < 0 || p >= r)) fail(`perm ${fmt(perm)} is not a permutation of ${r} axes`);
    return [{ dtype: x.dtype, shape: perm.map((p) => x.shape[p]!) }];
  },
  Concat: (ctx) => {
    const n = ctx.node.inputs.length;
    if (n === 0) fail("Concat needs at least one input");
    const first = ctx.input(0);
    const axisAttr = attrInt(ctx.node, "axis") ?? fail("attribute axis is required");
    const axis = normAxis(axisAttr, first.shape.length, "axis");
    const dtype = sameDTypes(ctx, [...Array(n).keys()]);
    const shape = [...first.shape];
    for (let i = 1; i < n; i++) {
      const s = ctx.input(i).shape;
      if (s.length !== shape.length || s.some((d, j) => j !== axis && d !== shape[j])) fail(`input ${i} ${fmt(s)} does not fit ${fmt(first.shape)} along axis ${axis}`);
      shape[axis]! += s[axis]!;
    }
    return [{ dtype, shape }];
  },
  Gather: (ctx) => {
    const x = ctx.input(0);
    const idx = ctx.input(1);
    if (idx.dtype !== DType.INT64 && idx.dtype !== DType.INT32) fail(`indices must be int32 or int64, are ${dtypeName(idx.dtype)}`);
    const axis = normAxis(attrInt(ctx.node, "axis", 0), x.shape.length, "axis");
    return [{ dtype: x.dtype, shape: [...x.shape.slice(0, axis), ...idx.shape, ...x.shape.slice(axis + 1)] }];
  },
  ArgMax: (ctx) => {
    const x = ctx.input(0);
    const axis = normAxis(attrInt(ctx.node, "axis", 0), x.shape.length, "axis");
    const keep = attrInt(ctx.node, "keepdims", 1) === 1;
    const shape = keep ? x.shape.map((d, i) => (i === axis ? 1 : d)) : x.shape.filter((_, i) => i !== axis);
    return [{ dtype: DType.INT64, shape }];
  },
  Conv: (ctx) => [{ dtype: ctx.input(0).dtype, shape: convShape(ctx, 0, 1) }],
  MatMul: (ctx) => [{ dtype: sameDTypes(ctx, [0, 1]), shape: matmulShape(ctx.input(0).shape, ctx.input(1).shape) }],
  Gemm: (ctx) => [
    {
      dtype: ctx.input(0).dtype,
      shape: gemmShape(ctx.input(0).shape, ctx.input(1).shape, attrInt(ctx.node, "transA", 0) === 1, attrInt(ctx.node, "transB", 0) === 1),
    },
  ],
};

/** "Op" for the default domain, "domain:Op" otherwise. */
export function opKey(node: { domain: string; opType: string }): string {
  return node.domain === "" || node.domain === "ai.onnx" ? node.opType : `${node.domain}:${node.opType}`;
}

export function shapeRule(node: Node): ShapeRule | undefined {
  return RULES[opKey(node)];
}
