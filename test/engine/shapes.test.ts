/**
 * Static shape inference: the rules of the profile operators on their edge cases, and one-line
 * errors naming the node when a shape cannot be resolved statically.
 */
import { expect } from "chai";
import { attr, singleNodeModel, type SingleNodeSpec } from "../../offchain/engine/onnx/encode.js";
import { OnnxFormatError } from "../../offchain/engine/onnx/errors.js";
import { inferShapes, type StaticType } from "../../offchain/engine/onnx/shapes.js";
import type { Dim } from "../../offchain/engine/onnx/types.js";
import { DType, type Tensor } from "../../offchain/engine/tensor.js";
import { f32, i64s, t, u8 } from "./support/profile-models.js";

/** The inferred type of `y` for a one-node model whose declared output shape is left open. */
function inferY(opType: string, inputs: [string, DType, Dim[]][], extra: Partial<SingleNodeSpec> = {}): StaticType {
  const spec: SingleNodeSpec = {
    opType,
    inputs: inputs.map(([name, dtype, shape]) => ({ name, dtype, shape })),
    outputs: [{ name: "y", dtype: extra.outputs?.[0]?.dtype ?? inputs[0]![1], shape: [] }],
    ...extra,
  };
  // Declared output shapes are checked against the inference; leave this one unranked.
  const model = singleNodeModel(spec);
  const open = { ...model, graph: { ...model.graph, outputs: model.graph.outputs.map((o) => ({ ...o, shape: null })) } };
  return inferShapes(open).get("y")!;
}

const ints = (v: Record<string, Tensor>): Record<string, Tensor> => v;

describe("shape inference: operator rules", function () {
  it("Reshape copies 0 from the input and infers -1", function () {
    expect(inferY("Reshape", [["x", DType.INT8, [2, 3, 4]]], { initializers: ints({ s: i64s([0, -1, 2]) }) }).shape).to.deep.equal([2, 6, 2]);
  });

  it("Reshape with allowzero 1 keeps a literal 0", function () {
    expect(inferY("Reshape", [["x", DType.INT8, [0, 3]]], { initializers: { s: i64s([3, 0]) }, attributes: { allowzero: attr.int(1) }, opsets: [{ domain: "", version: 14 }] }).shape).to.deep.equal([3, 0]);
  });

  it("Unsqueeze reads axes from the attribute before opset 13 and from the input from 13", function () {
    expect(inferY("Unsqueeze", [["x", DType.INT8, [3]]], { attributes: { axes: attr.ints([0]) }, opsets: [{ domain: "", version: 11 }] }).shape).to.deep.equal([1, 3]);
    expect(inferY("Unsqueeze", [["x", DType.INT8, [3]]], { initializers: { a: i64s([1]) } }).shape).to.deep.equal([3, 1]);
  });

  it("Squeeze without axes drops every dimension of size 1", function () {
    expect(inferY("Squeeze", [["x", DType.INT8, [1, 3, 1, 2]]]).shape).to.deep.equal([3, 2]);
  });

  it("ConvInteger honours group, dilations, strides and asymmetric pads", function () {
    const y = inferY("ConvInteger", [["x", DType.UINT8, [1, 4, 7, 7]]], {
      initializers: { w: t(DType.UINT8, [6, 2, 3, 3], [1]) },
      outputs: [{ name: "y", dtype: DType.INT32, shape: [] }],
      attributes: { group: attr.int(2), dilations: attr.ints([2, 2]), strides: attr.ints([2, 1]), pads: attr.ints([1, 0, 1, 0]) },
    });
    expect(y).to.deep.equal({ dtype: DType.INT32, shape: [1, 6, 3, 3] });
  });

  it("MaxPool ceil_mode 1 rounds up, dropping a window that would start in the end padding", function () {
    const pool = (size: number, pads: number[]): readonly number[] =>
      inferY("MaxPool", [["x", DType.UINT8, [1, 1, size, size]]], { attributes: { kernel_shape: attr.ints([2, 2]), strides: attr.ints([2, 2]), pads: attr.ints(pads), ceil_mode: attr.int(1) } }).shape;
    expect(pool(5, [0, 0, 0, 0])).to.deep.equal([1, 1, 3, 3]);
    expect(pool(4, [0, 0, 1, 1])).to.deep.equal([1, 1, 2, 2]);
  });

  it("Gather with a scalar index removes the axis", function () {
    expect(inferY("Gather", [["x", DType.INT8, [4, 3]]], { initializers: { i: t(DType.INT64, [], [2]) }, attributes: { axis: attr.int(1) } }).shape).to.deep.equal([4]);
  });

  it("MatMulInteger promotes a 1-D operand and broadcasts batch dimensions", function () {
    expect(inferY("MatMulInteger", [["a", DType.UINT8, [3]], ["b", DType.UINT8, [2, 3, 4]]], { outputs: [{ name: "y", dtype: DType.INT32, shape: [] }] }).shape).to.deep.equal([2, 4]);
  });

  it("QGemm's output type follows y_zero_point's presence, its shape transA/transB", function () {
    const base = { domain: "com.microsoft", attributes: { transA: attr.int(1) } };
    const inits = { as: f32(1), azp: u8(0), b: t(DType.UINT8, [8, 5], [1]), bs: f32(1) };
    const inputs: [string, DType, Dim[]][] = [["a", DType.UINT8, [8, 2]]];
    expect(inferY("QGemm", inputs, { ...base, initializers: inits, nodeInputs: ["a", "as", "azp", "b", "bs"], outputs: [{ name: "y", dtype: DType.FLOAT, shape: [] }] })).to.deep.equal({ dtype: DType.FLOAT, shape: [2, 5] });
    expect(
      inferY("QGemm", inputs, { ...base, initializers: { ...inits, ys: f32(1), yzp: t(DType.INT8, [], [0]) }, nodeInputs: ["a", "as", "azp", "b", "bs", "", "", "ys", "yzp"], outputs: [{ name: "y", dtype: DType.INT8, shape: [] }] }),
    ).to.deep.equal({ dtype: DType.INT8, shape: [2, 5] });
  });

  it("QuantizeLinear without a zero point outputs uint8, or output_dtype from opset 21", function () {
    expect(inferY("QuantizeLinear", [["x", DType.FLOAT, [2]]], { initializers: { s: f32(1) }, outputs: [{ name: "y", dtype: DType.UINT8, shape: [] }] }).dtype).to.equal(DType.UINT8);
    expect(
      inferY("QuantizeLinear", [["x", DType.FLOAT, [2]]], { initializers: { s: f32(1) }, attributes: { output_dtype: attr.int(DType.INT8) }, opsets: [{ domain: "", version: 21 }], outputs: [{ name: "y", dtype: DType.INT8, shape: [] }] }).dtype,
    ).to.equal(DType.INT8);
  });

  it("Flatten with a negative axis, ArgMax with keepdims", function () {
    expect(inferY("Flatten", [["x", DType.INT8, [2, 3, 4]]], { attributes: { axis: attr.int(-1) } }).shape).to.deep.equal([6, 4]);
    expect(inferY("ArgMax", [["x", DType.INT8, [2, 5]]], { attributes: { axis: attr.int(-1) }, outputs: [{ name: "y", dtype: DType.INT64, shape: [] }] })).to.deep.equal({ dtype: DType.INT64, shape: [2, 1] });
  });
});

describe("shape inference: failures name the node", function () {
  const fails = (fn: () => unknown, message: string): void => {
    expect(fn).to.throw(OnnxFormatError).with.property("message", message);
  };

  it("a symbolic graph input dimension", function () {
    fails(() => inferY("Relu", [["x", DType.INT8, ["N", 3]]]), 'graph input "x" has no static shape (int8 [N,3])');
  });

  it("a Reshape whose element count does not fit", function () {
    fails(
      () => inferY("Reshape", [["x", DType.INT8, [2, 3, 4]]], { initializers: { s: i64s([5, -1]) }, nodeName: "r" }),
      'cannot infer a static shape at node "r": cannot infer -1: 24 elements into [5,-1]',
    );
  });

  it("an operator without a rule and without a declared static output", function () {
    fails(() => inferY("Softplus", [["x", DType.FLOAT, [2]]], { nodeName: "" }), 'cannot infer a static shape at node #0 (Softplus): no shape rule for Softplus, and the file gives no static shape for "y"');
  });

  it("a declared output shape that contradicts the inference", function () {
    const m = singleNodeModel({ opType: "Transpose", inputs: [{ name: "x", dtype: DType.INT8, shape: [2, 3] }], outputs: [{ name: "y", dtype: DType.INT8, shape: [2, 3] }] });
    fails(() => inferShapes(m), 'cannot infer a static shape at node "Transpose": the file declares "y" as int8 [2,3], but it is int8 [3,2]');
  });

  it("operands that do not broadcast", function () {
    fails(() => inferY("Add", [["a", DType.INT32, [2, 3]], ["b", DType.INT32, [4]]]), 'cannot infer a static shape at node "Add": shapes [2,3] and [4] do not broadcast');
  });
});
