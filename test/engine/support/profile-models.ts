/**
 * Hand-built single-node models of every operator of the int8 profile (version 1), written the
 * way onnxruntime's static quantizer writes them: quantization parameters and weights as
 * initializers. Each is inside the profile; the profile tests break one rule at a time from these.
 */
import { attr, type SingleNodeSpec } from "../../../offchain/engine/onnx/encode.js";
import { DType, numel, type Tensor, type TypedData } from "../../../offchain/engine/tensor.js";

export function t(dtype: DType, shape: readonly number[], values: ArrayLike<number> | readonly bigint[]): Tensor {
  const n = numel(shape);
  const arr = ((): TypedData => {
    switch (dtype) {
      case DType.FLOAT: return new Float32Array(n);
      case DType.UINT8: return new Uint8Array(n);
      case DType.INT8: return new Int8Array(n);
      case DType.INT32: return new Int32Array(n);
      case DType.INT64: return new BigInt64Array(n);
      default: throw new Error(`helper t() does not build ${dtype}`);
    }
  })();
  for (let i = 0; i < n; i++) {
    const v = (values as ArrayLike<number | bigint>)[values.length === 1 ? 0 : i]!;
    (arr as unknown as (number | bigint)[])[i] = dtype === DType.INT64 ? BigInt(v) : Number(v);
  }
  return { dtype, shape: [...shape], data: arr };
}

export const f32 = (v: number): Tensor => t(DType.FLOAT, [], [v]);
export const u8 = (v: number): Tensor => t(DType.UINT8, [], [v]);
export const i8 = (v: number): Tensor => t(DType.INT8, [], [v]);
export const i64s = (v: readonly number[]): Tensor => t(DType.INT64, [v.length], v);

/** Deterministic pseudo-random values in [lo, hi]. */
export function ramp(n: number, lo: number, hi: number, seed = 1): number[] {
  let s = seed >>> 0;
  return Array.from({ length: n }, () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return lo + (s % (hi - lo + 1));
  });
}

const Q = { ys: f32(0.05), yzp: u8(128) };

/** One verifiable model per profile operator, keyed by a descriptive name. */
export function profileModels(): Record<string, SingleNodeSpec> {
  return {
    "QuantizeLinear per-tensor": {
      opType: "QuantizeLinear",
      inputs: [{ name: "x", dtype: DType.FLOAT, shape: [1, 3, 4, 4] }],
      initializers: { s: f32(0.05), zp: u8(128) },
      outputs: [{ name: "y", dtype: DType.UINT8, shape: [1, 3, 4, 4] }],
    },
    "QuantizeLinear per-axis": {
      opType: "QuantizeLinear",
      inputs: [{ name: "x", dtype: DType.FLOAT, shape: [1, 3, 2, 2] }],
      initializers: { s: t(DType.FLOAT, [3], [0.1, 0.2, 0.3]), zp: t(DType.INT8, [3], [0, -3, 5]) },
      outputs: [{ name: "y", dtype: DType.INT8, shape: [1, 3, 2, 2] }],
      attributes: { axis: attr.int(1) },
    },
    DequantizeLinear: {
      opType: "DequantizeLinear",
      inputs: [{ name: "x", dtype: DType.INT8, shape: [2, 5] }],
      initializers: { s: f32(0.02), zp: i8(-4) },
      outputs: [{ name: "y", dtype: DType.FLOAT, shape: [2, 5] }],
    },
    QLinearConv: {
      opType: "QLinearConv",
      inputs: [{ name: "x", dtype: DType.UINT8, shape: [1, 2, 5, 5] }],
      initializers: {
        xs: f32(0.02), xzp: u8(120),
        w: t(DType.INT8, [4, 2, 3, 3], ramp(72, -127, 127)), ws: t(DType.FLOAT, [4], [0.01, 0.02, 0.015, 0.03]), wzp: t(DType.INT8, [4], [0]),
        ys: Q.ys, yzp: Q.yzp, b: t(DType.INT32, [4], [100, -200, 3000, -40000]),
      },
      nodeInputs: ["x", "xs", "xzp", "w", "ws", "wzp", "ys", "yzp", "b"],
      outputs: [{ name: "y", dtype: DType.UINT8, shape: [1, 4, 5, 5] }],
      attributes: { pads: attr.ints([1, 1, 1, 1]), strides: attr.ints([1, 1]), kernel_shape: attr.ints([3, 3]) },
    },
    QLinearMatMul: {
      opType: "QLinearMatMul",
      inputs: [{ name: "a", dtype: DType.UINT8, shape: [2, 8] }],
      initializers: { as: f32(0.03), azp: u8(128), b: t(DType.UINT8, [8, 3], ramp(24, 0, 255)), bs: f32(0.01), bzp: u8(130), ys: Q.ys, yzp: Q.yzp },
      nodeInputs: ["a", "as", "azp", "b", "bs", "bzp", "ys", "yzp"],
      outputs: [{ name: "y", dtype: DType.UINT8, shape: [2, 3] }],
    },
    "QGemm quantized output": qgemm(true),
    "QGemm float output": qgemm(false),
    MaxPool: {
      opType: "MaxPool",
      inputs: [{ name: "x", dtype: DType.UINT8, shape: [1, 2, 6, 6] }],
      outputs: [{ name: "y", dtype: DType.UINT8, shape: [1, 2, 3, 3] }],
      attributes: { kernel_shape: attr.ints([2, 2]), strides: attr.ints([2, 2]), pads: attr.ints([0, 0, 0, 0]) },
    },
    "MaxPool ceil_mode 1 where it changes nothing": {
      opType: "MaxPool",
      inputs: [{ name: "x", dtype: DType.INT8, shape: [1, 1, 5, 5] }],
      outputs: [{ name: "y", dtype: DType.INT8, shape: [1, 1, 2, 2] }],
      attributes: { kernel_shape: attr.ints([3, 3]), strides: attr.ints([2, 2]), ceil_mode: attr.int(1) },
    },
    MatMulInteger: {
      opType: "MatMulInteger",
      inputs: [{ name: "a", dtype: DType.UINT8, shape: [2, 8] }],
      initializers: { b: t(DType.INT8, [8, 3], ramp(24, -128, 127)), azp: u8(128), bzp: i8(0) },
      nodeInputs: ["a", "b", "azp", "bzp"],
      outputs: [{ name: "y", dtype: DType.INT32, shape: [2, 3] }],
    },
    ConvInteger: {
      opType: "ConvInteger",
      inputs: [{ name: "x", dtype: DType.UINT8, shape: [1, 1, 5, 5] }],
      initializers: { w: t(DType.UINT8, [2, 1, 3, 3], ramp(18, 0, 255)), xzp: u8(3) },
      nodeInputs: ["x", "w", "xzp"],
      outputs: [{ name: "y", dtype: DType.INT32, shape: [1, 2, 3, 3] }],
    },
    ...Object.fromEntries(
      (["Add", "Sub", "Mul"] as const).map((op) => [
        `${op} int32 with broadcasting`,
        {
          opType: op,
          inputs: [{ name: "a", dtype: DType.INT32, shape: [2, 3] }, { name: "b", dtype: DType.INT32, shape: [3] }],
          outputs: [{ name: "y", dtype: DType.INT32, shape: [2, 3] }],
        } satisfies SingleNodeSpec,
      ]),
    ),
    "Relu int8": unary("Relu", DType.INT8, DType.INT8),
    "Clip int8 with constant bounds": {
      opType: "Clip",
      inputs: [{ name: "x", dtype: DType.INT8, shape: [2, 3] }],
      initializers: { lo: i8(-10), hi: i8(20) },
      outputs: [{ name: "y", dtype: DType.INT8, shape: [2, 3] }],
    },
    "Cast int8 -> int32": { ...unary("Cast", DType.INT8, DType.INT32), attributes: { to: attr.int(DType.INT32) } },
    "Reshape with 0 and -1": {
      opType: "Reshape",
      inputs: [{ name: "x", dtype: DType.INT8, shape: [2, 3, 4] }],
      initializers: { shape: i64s([0, -1]) },
      outputs: [{ name: "y", dtype: DType.INT8, shape: [2, 12] }],
    },
    Flatten: {
      opType: "Flatten",
      inputs: [{ name: "x", dtype: DType.UINT8, shape: [2, 3, 4] }],
      outputs: [{ name: "y", dtype: DType.UINT8, shape: [6, 4] }],
      attributes: { axis: attr.int(2) },
    },
    "Squeeze with axes input (opset 13+)": {
      opType: "Squeeze",
      inputs: [{ name: "x", dtype: DType.INT8, shape: [1, 3, 1] }],
      initializers: { axes: i64s([0]) },
      outputs: [{ name: "y", dtype: DType.INT8, shape: [3, 1] }],
    },
    "Unsqueeze with axes input (opset 13+)": {
      opType: "Unsqueeze",
      inputs: [{ name: "x", dtype: DType.INT32, shape: [3, 2] }],
      initializers: { axes: i64s([0, -1]) },
      outputs: [{ name: "y", dtype: DType.INT32, shape: [1, 3, 2, 1] }],
    },
    "Unsqueeze with axes attribute (opset 11)": {
      opType: "Unsqueeze",
      inputs: [{ name: "x", dtype: DType.INT32, shape: [3, 2] }],
      outputs: [{ name: "y", dtype: DType.INT32, shape: [3, 1, 2] }],
      attributes: { axes: attr.ints([1]) },
      opsets: [{ domain: "", version: 11 }],
    },
    Transpose: {
      ...unary("Transpose", DType.UINT8, DType.UINT8, [2, 3, 4], [3, 2, 4]),
      attributes: { perm: attr.ints([1, 0, 2]) },
    },
    Concat: {
      opType: "Concat",
      inputs: [{ name: "a", dtype: DType.INT32, shape: [2, 3] }, { name: "b", dtype: DType.INT32, shape: [2, 1] }],
      outputs: [{ name: "y", dtype: DType.INT32, shape: [2, 4] }],
      attributes: { axis: attr.int(1) },
    },
    "Gather with constant indices": {
      opType: "Gather",
      inputs: [{ name: "x", dtype: DType.INT8, shape: [4, 3] }],
      initializers: { idx: i64s([3, -4, 1]) },
      outputs: [{ name: "y", dtype: DType.INT8, shape: [3, 3] }],
    },
    ArgMax: {
      ...unary("ArgMax", DType.INT8, DType.INT64, [2, 5], [2]),
      attributes: { axis: attr.int(1), keepdims: attr.int(0) },
    },
  };
}

function unary(opType: string, from: DType, to: DType, shape: number[] = [2, 3], outShape: number[] = shape): SingleNodeSpec {
  return { opType, inputs: [{ name: "x", dtype: from, shape }], outputs: [{ name: "y", dtype: to, shape: outShape }] };
}

function qgemm(quantizedOutput: boolean): SingleNodeSpec {
  const initializers: Record<string, Tensor> = {
    as: f32(0.04), azp: u8(128),
    b: t(DType.INT8, [4, 8], ramp(32, -127, 127, 7)), bs: t(DType.FLOAT, [4], [0.01, 0.02, 0.03, 0.04]), bzp: t(DType.INT8, [4], [0, 0, 0, 0]),
    c: t(DType.INT32, [4], [10, -20, 30, -40]), ys: Q.ys,
  };
  if (quantizedOutput) initializers.yzp = Q.yzp;
  return {
    opType: "QGemm",
    domain: "com.microsoft",
    inputs: [{ name: "a", dtype: DType.UINT8, shape: [2, 8] }],
    initializers,
    nodeInputs: ["a", "as", "azp", "b", "bs", "bzp", "c", "ys", ...(quantizedOutput ? ["yzp"] : [])],
    outputs: [{ name: "y", dtype: quantizedOutput ? DType.UINT8 : DType.FLOAT, shape: [2, 4] }],
    attributes: { transB: attr.int(1), alpha: attr.float(1) },
  };
}

/** Feeds for a spec's graph inputs: deterministic values in each type's range. */
export function feedsFor(spec: SingleNodeSpec): Record<string, Tensor> {
  const ranges: Partial<Record<DType, [number, number]>> = {
    [DType.FLOAT]: [-3, 3], [DType.UINT8]: [0, 255], [DType.INT8]: [-128, 127], [DType.INT32]: [-1000, 1000], [DType.INT64]: [0, 1],
  };
  return Object.fromEntries(
    spec.inputs.map((v, k) => {
      const shape = v.shape as number[];
      const [lo, hi] = ranges[v.dtype]!;
      return [v.name, t(v.dtype, shape, ramp(numel(shape), lo, hi, k + 11))];
    }),
  );
}
