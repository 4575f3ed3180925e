/** Single layers quantized against hand-checked parameters, then run by onnxruntime and the reference. */
import { expect } from "chai";
import { attr, singleNodeModel } from "../../offchain/engine/onnx/encode.js";
import type { Model } from "../../offchain/engine/onnx/types.js";
import { DType, type Tensor } from "../../offchain/engine/tensor.js";
import { MinMaxObserver, PercentileObserver } from "../../offchain/quantize/calibrate/observers.js";
import { activationParams, roundHalfEven } from "../../offchain/quantize/params.js";
import { quantize } from "../../offchain/quantize/quantize.js";
import { bothPaths, f32, feeds, sameBits } from "./support.js";

const init = (m: Model, name: string): Tensor => {
  const t = m.graph.initializers.get(name);
  if (t === undefined) throw new Error(`no initializer ${name}; have ${[...m.graph.initializers.keys()].join(", ")}`);
  return t;
};
const values = (t: Tensor): number[] => Array.from(t.data as ArrayLike<number>);
const node = (m: Model, op: string) => m.graph.nodes.find((n) => n.opType === op)!;

describe("quantize: single layers, hand-checked", () => {
  it("rounds half to even and computes uint8 activation parameters with an exact zero", () => {
    expect([0.5, 1.5, 2.5, -0.5, -1.5, -2.5, 2.4, -2.6].map(roundHalfEven)).to.deep.equal([0, 2, 2, -0, -2, -2, 2, -3]);
    expect(activationParams({ min: -1, max: 1.55 })).to.deep.equal({ scale: Math.fround(2.55 / 255), zeroPoint: 100 });
    expect(activationParams({ min: 0.5, max: 2.55 })).to.deep.equal({ scale: Math.fround(0.01), zeroPoint: 0 }); // 0 is always in range
    expect(activationParams({ min: 0, max: 0 })).to.deep.equal({ scale: 1, zeroPoint: 0 });
  });

  it("min-max keeps extremes; percentile clips each side", () => {
    const mm = new MinMaxObserver();
    mm.observe([3, -2, 1]);
    mm.observe([7]);
    expect(mm.range()).to.deep.equal({ min: -2, max: 7 });
    const p = new PercentileObserver(99);
    p.observe(Array.from({ length: 1001 }, (_, i) => i)); // 0..1000
    expect(p.range()).to.deep.equal({ min: 10, max: 990 });
  });

  it("Conv: per-channel 7-bit int8 weights, int32 bias at x_scale * w_scale, explicit pads, Relu folded", async () => {
    // Channel 0: max|w| 0.63 -> scale 0.01; channel 1: max|w| 6.3 -> scale 0.1 (qmax 63).
    const w = f32([2, 1, 2, 2], [0.63, -0.21, 0.1, 0, 6.3, -3.15, 0.7, -6.3]);
    const b = f32([2], [0.5, -1]);
    const float = singleNodeModel({
      opType: "Conv",
      inputs: [{ name: "x", dtype: DType.FLOAT, shape: [1, 1, 3, 3] }],
      initializers: { w, b },
      outputs: [{ name: "y", dtype: DType.FLOAT, shape: [1, 2, 3, 3] }],
      attributes: { kernel_shape: attr.ints([2, 2]), auto_pad: attr.string("SAME_UPPER") },
      opsets: [{ domain: "", version: 13 }],
    });
    const relu: Model = {
      ...float,
      graph: {
        ...float.graph,
        nodes: [{ ...float.graph.nodes[0]!, outputs: ["conv"] }, { name: "relu", opType: "Relu", domain: "", inputs: ["conv"], outputs: ["y"], attributes: {} }],
      },
    };
    // Calibration input covering [0, 2.55]: x_scale 0.01, zero point 0.
    const x = f32([1, 1, 3, 3], [0, 2.55, 1, 0.5, 0.2, 0.1, 2, 1.5, 0.7]);
    const { model } = await quantize(relu, [feeds("x", x)]);
    expect(model.graph.nodes.map((n) => n.opType)).to.deep.equal(["QuantizeLinear", "QLinearConv", "DequantizeLinear"]);
    expect(values(init(model, "x_scale"))).to.deep.equal([Math.fround(0.01)]);
    expect(values(init(model, "x_zero_point"))).to.deep.equal([0]);
    expect(values(init(model, "w_quantized"))).to.deep.equal([63, -21, 10, 0, 63, -32, 7, -63]); // -3.15 / 0.1 = -31.5 -> -32 (RNE)
    expect(values(init(model, "w_scale"))).to.deep.equal([Math.fround(0.63 / 63), Math.fround(6.3 / 63)]);
    expect(values(init(model, "w_zero_point"))).to.deep.equal([0, 0]);
    expect(init(model, "w_zero_point").dtype).to.equal(DType.INT8);
    // 0.5 / (0.01 * 0.01) = 5000; -1 / (0.01 * 0.1) = -1000.
    expect(values(init(model, "b_quantized"))).to.deep.equal([5000, -1000]);
    expect(values(init(model, "y_zero_point"))).to.deep.equal([0]); // Relu folded: the range starts at 0
    const conv = node(model, "QLinearConv");
    expect(conv.attributes.pads).to.deep.equal({ kind: "ints", value: [0, 0, 1, 1] });
    expect(conv.attributes.auto_pad).to.equal(undefined);

    const paths = await bothPaths(model);
    const a = await paths.ort(feeds("x", x));
    expect(sameBits(a, paths.reference(feeds("x", x)))).to.equal(true);
    await paths.release();
  });

  it("Gemm: per-tensor 8-bit weights (reduceRange off), alpha and beta folded, QGemm with int32 C", async () => {
    const wB = f32([2, 2], [0.5, -0.25, 1.27, 0]); // [K, N], transB 0; alpha 2 -> max|w| 2.54 -> scale 0.02
    const c = f32([2], [0.1, 0.2]); // beta 0.5 -> [0.05, 0.1]
    const float = singleNodeModel({
      opType: "Gemm",
      inputs: [{ name: "a", dtype: DType.FLOAT, shape: [1, 2] }],
      initializers: { wB, c },
      outputs: [{ name: "y", dtype: DType.FLOAT, shape: [1, 2] }],
      attributes: { alpha: attr.float(2), beta: attr.float(0.5) },
      opsets: [{ domain: "", version: 13 }],
    });
    const a = f32([1, 2], [-1, 1.55]); // a_scale 0.01, zero point 100
    const { model } = await quantize(float, [feeds("a", a)], { reduceRange: false });
    const g = node(model, "QGemm");
    expect(g.domain).to.equal("com.microsoft");
    expect(g.attributes.alpha).to.deep.equal({ kind: "float", value: 1 });
    expect(values(init(model, "a_zero_point"))).to.deep.equal([100]);
    expect(values(init(model, "wB_scale"))).to.deep.equal([Math.fround(Math.fround(2 * 1.27) / 127)]);
    expect(init(model, "wB_scale").shape).to.deep.equal([]);
    expect(values(init(model, "wB_quantized"))).to.deep.equal([50, -25, 127, 0]);
    // C: 0.05 / (0.01 * 0.02) = 250, 0.1 / 0.0002 = 500.
    expect(values(init(model, "c_quantized"))).to.deep.equal([250, 500]);
    const paths = await bothPaths(model);
    expect(sameBits(await paths.ort(feeds("a", a)), paths.reference(feeds("a", a)))).to.equal(true);
    await paths.release();
  });

  it("MatMul + Add(constant) becomes QGemm; a lone MatMul becomes QLinearMatMul; a lone Relu becomes Clip at the zero point", async () => {
    const w = f32([3, 2], [0.5, -0.5, 0.25, 0.1, -0.3, 0.2]);
    const base = singleNodeModel({
      opType: "MatMul",
      inputs: [{ name: "a", dtype: DType.FLOAT, shape: [1, 3] }],
      initializers: { w },
      outputs: [{ name: "y", dtype: DType.FLOAT, shape: [1, 2] }],
      opsets: [{ domain: "", version: 13 }],
    });
    const a = f32([1, 3], [-1, 0.5, 2]);
    const lone = await quantize(base, [feeds("a", a)]);
    expect(lone.model.graph.nodes.map((n) => n.opType)).to.deep.equal(["QuantizeLinear", "QLinearMatMul", "DequantizeLinear"]);
    const withAdd: Model = {
      ...base,
      graph: {
        ...base.graph,
        initializers: new Map([...base.graph.initializers, ["bias", f32([1, 2], [0.1, -0.1])]]),
        nodes: [
          { ...base.graph.nodes[0]!, outputs: ["mm"] },
          { name: "add", opType: "Add", domain: "", inputs: ["mm", "bias"], outputs: ["pre"], attributes: {} },
          { name: "relu", opType: "Relu", domain: "", inputs: ["pre"], outputs: ["y"], attributes: {} },
        ],
      },
    };
    const fused = await quantize(withAdd, [feeds("a", a)]);
    expect(fused.model.graph.nodes.map((n) => n.opType)).to.deep.equal(["QuantizeLinear", "QGemm", "DequantizeLinear"]);
    const reluOnly = singleNodeModel({
      opType: "Relu",
      inputs: [{ name: "x", dtype: DType.FLOAT, shape: [4] }],
      outputs: [{ name: "y", dtype: DType.FLOAT, shape: [4] }],
      opsets: [{ domain: "", version: 13 }],
    });
    const x = f32([4], [-1, 0, 0.5, 1.55]);
    const clip = await quantize(reluOnly, [feeds("x", x)]);
    expect(clip.model.graph.nodes.map((n) => n.opType)).to.deep.equal(["QuantizeLinear", "Clip", "DequantizeLinear"]);
    const paths = await bothPaths(clip.model);
    const out = await paths.ort(feeds("x", x));
    expect(Array.from(out.data as Float32Array)).to.deep.equal([0, 0, Math.fround(Math.fround(0.01) * 50), Math.fround(Math.fround(0.01) * 155)]);
    expect(sameBits(out, paths.reference(feeds("x", x)))).to.equal(true);
    await paths.release();
  });
});
