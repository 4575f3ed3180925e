/**
 * Seeded multi-node quantized models in the shape onnxruntime's static quantizer writes them
 * (QOperator format, symmetric int8 weights, uint8 activations): MLPs of QGemm layers and CNNs of
 * QLinearConv / MaxPool layers, like SEMANTICS.md's MNIST CNN. Used by the engine tests and the
 * benchmarks. Weights are 7-bit by default (onnxruntime's reduce_range, which avoids the u8s8
 * saturation of AVX2 CPUs without VNNI), and every accumulator respects the profile's int32 bound.
 */
import { attr } from "../../../offchain/engine/onnx/encode.js";
import type { Model, Node } from "../../../offchain/engine/onnx/types.js";
import { DType, numel, type Tensor } from "../../../offchain/engine/tensor.js";

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) | 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface QuantizedModel {
  readonly model: Model;
  /** Weights and biases: the model's parameter count. */
  readonly parameters: number;
  /** Multiply-accumulates of one inference. */
  readonly macs: number;
}

class Builder {
  readonly nodes: Node[] = [];
  readonly initializers = new Map<string, Tensor>();
  parameters = 0;
  macs = 0;
  private count = 0;
  constructor(
    private readonly rnd: () => number,
    private readonly weightMax: number,
  ) {}

  name(prefix: string): string {
    return `${prefix}_${this.count++}`;
  }
  const(name: string, t: Tensor): string {
    this.initializers.set(name, t);
    return name;
  }
  f32(name: string, v: number): string {
    return this.const(name, { dtype: DType.FLOAT, shape: [], data: new Float32Array([v]) });
  }
  u8(name: string, v: number): string {
    return this.const(name, { dtype: DType.UINT8, shape: [], data: new Uint8Array([v]) });
  }
  weights(name: string, shape: number[]): string {
    const n = numel(shape);
    const data = new Int8Array(n);
    const span = 2 * this.weightMax + 1;
    for (let i = 0; i < n; i++) data[i] = Math.floor(this.rnd() * span) - this.weightMax;
    this.parameters += n;
    return this.const(name, { dtype: DType.INT8, shape, data });
  }
  bias(name: string, n: number, magnitude: number): string {
    const data = new Int32Array(n);
    for (let i = 0; i < n; i++) data[i] = Math.round((this.rnd() * 2 - 1) * magnitude);
    this.parameters += n;
    return this.const(name, { dtype: DType.INT32, shape: [n], data });
  }
  perChannel(name: string, n: number, base: number): string {
    const data = new Float32Array(n);
    for (let i = 0; i < n; i++) data[i] = Math.fround(base * (0.75 + 0.5 * this.rnd()));
    return this.const(name, { dtype: DType.FLOAT, shape: [n], data });
  }
  node(opType: string, inputs: string[], attributes: Node["attributes"] = {}, domain = ""): string {
    const out = this.name(opType.toLowerCase());
    this.nodes.push({ name: out, opType, domain, inputs, outputs: [out], attributes });
    return out;
  }
  /** y_scale so that |acc| around sqrt(K) * 128 * mean|w| maps to about +-100. */
  outScale(k: number, xs: number, ws: number): number {
    return Math.fround((xs * ws * Math.sqrt(k) * 128 * (this.weightMax / 2)) / 100);
  }
}

const X_SCALE = Math.fround(1 / 255);
const ACT_SCALE = Math.fround(0.05);
const W_SCALE = Math.fround(0.01);

function finish(b: Builder, input: { name: string; shape: number[] }, output: { name: string; shape: number[] }, name: string): QuantizedModel {
  return {
    model: {
      irVersion: 8,
      opsets: [{ domain: "", version: 13 }, { domain: "com.microsoft", version: 1 }],
      producerName: "verinfer-test",
      graph: {
        name,
        inputs: [{ name: input.name, dtype: DType.FLOAT, shape: input.shape }],
        outputs: [{ name: output.name, dtype: DType.FLOAT, shape: output.shape }],
        initializers: b.initializers,
        nodes: b.nodes,
        valueInfo: [],
      },
    },
    parameters: b.parameters,
    macs: b.macs,
  };
}

function qgemmLayer(b: Builder, a: string, xs: number, k: number, n: number, last: boolean): { out: string; scale: number } {
  const ys = last ? b.outScale(k, xs, W_SCALE) : ACT_SCALE;
  const scale = last ? ys : ACT_SCALE;
  const inputs = [
    a, b.f32(b.name("a_scale"), xs), b.u8(b.name("a_zp"), xs === X_SCALE ? 0 : 128),
    b.weights(b.name("w"), [n, k]), b.perChannel(b.name("w_scale"), n, W_SCALE), b.const(b.name("w_zp"), { dtype: DType.INT8, shape: [n], data: new Int8Array(n) }),
    b.bias(b.name("bias"), n, 64 * Math.sqrt(k)), b.f32(b.name("y_scale"), last ? ys : b.outScale(k, xs, W_SCALE)), b.u8(b.name("y_zp"), 128),
  ];
  b.macs += k * n;
  return { out: b.node("QGemm", inputs, { transB: attr.int(1), alpha: attr.float(1) }, "com.microsoft"), scale };
}

/** QuantizeLinear -> QGemm x layers -> DequantizeLinear; `widths` = [input, hidden..., output]. */
export function quantizedMlp(widths: readonly number[], seed = 1, weightMax = 63): QuantizedModel {
  const b = new Builder(rng(seed), weightMax);
  let x = b.node("QuantizeLinear", ["x", b.f32("x_scale", X_SCALE), b.u8("x_zp", 0)]);
  let xs = X_SCALE;
  for (let i = 1; i < widths.length; i++) {
    const layer = qgemmLayer(b, x, xs, widths[i - 1]!, widths[i]!, i === widths.length - 1);
    x = layer.out;
    xs = layer.scale;
  }
  const yName = b.node("DequantizeLinear", [x, b.f32("out_scale", xs), b.u8("out_zp", 128)]);
  return finish(b, { name: "x", shape: [1, widths[0]!] }, { name: yName, shape: [1, widths[widths.length - 1]!] }, `mlp_${widths.join("x")}`);
}

function qconv(b: Builder, x: string, xs: number, c: number, m: number, hw: number, stride: number): string {
  const k = c * 9;
  const inputs = [
    x, b.f32(b.name("x_scale"), xs), b.u8(b.name("x_zp"), xs === X_SCALE ? 0 : 128),
    b.weights(b.name("w"), [m, c, 3, 3]), b.perChannel(b.name("w_scale"), m, W_SCALE), b.const(b.name("w_zp"), { dtype: DType.INT8, shape: [m], data: new Int8Array(m) }),
    b.f32(b.name("y_scale"), b.outScale(k, xs, W_SCALE)), b.u8(b.name("y_zp"), 128), b.bias(b.name("bias"), m, 64 * Math.sqrt(k)),
  ];
  const out = Math.floor((hw + 2 - 3) / stride) + 1;
  b.macs += k * m * out * out;
  return b.node("QLinearConv", inputs, { kernel_shape: attr.ints([3, 3]), pads: attr.ints([1, 1, 1, 1]), strides: attr.ints([stride, stride]) });
}

/**
 * [1,1,28,28] float -> QuantizeLinear -> QLinearConv(1->a) -> MaxPool 2 -> QLinearConv(a->c) ->
 * MaxPool 2 -> QLinearConv(c->c, stride 2) -> Reshape [1, 16c] -> QGemm(16c->10) -> DequantizeLinear.
 */
export function quantizedCnn(a: number, c: number, seed = 1, weightMax = 63): QuantizedModel {
  const b = new Builder(rng(seed), weightMax);
  const pool = (x: string): string => b.node("MaxPool", [x], { kernel_shape: attr.ints([2, 2]), strides: attr.ints([2, 2]) });
  let x = b.node("QuantizeLinear", ["x", b.f32("x_scale", X_SCALE), b.u8("x_zp", 0)]);
  x = pool(qconv(b, x, X_SCALE, 1, a, 28, 1)); // 14x14
  x = pool(qconv(b, x, ACT_SCALE, a, c, 14, 1)); // 7x7
  x = qconv(b, x, ACT_SCALE, c, c, 7, 2); // 4x4
  x = b.node("Reshape", [x, b.const("flat_shape", { dtype: DType.INT64, shape: [2], data: new BigInt64Array([1n, BigInt(16 * c)]) })]);
  const fc = qgemmLayer(b, x, ACT_SCALE, 16 * c, 10, true);
  const yName = b.node("DequantizeLinear", [fc.out, b.f32("out_scale", fc.scale), b.u8("out_zp", 128)]);
  return finish(b, { name: "x", shape: [1, 1, 28, 28] }, { name: yName, shape: [1, 10] }, `cnn_${a}_${c}`);
}
