/**
 * The trained CNN as a float ONNX model (ai.onnx opset 13, IR 8), batch 1, static shapes:
 * input "input" [1,1,28,28] -> Conv(pads 1) -> Relu -> MaxPool 2x2 -> Conv(pads 1) -> Relu ->
 * MaxPool 2x2 -> Flatten -> Gemm(transB 1) -> output "logits" [1,10].
 */
import type { Attribute, Model, Node } from "../../engine/onnx/types.js";
import { DType, type Tensor } from "../../engine/tensor.js";
import type { CnnParams } from "./cnn.js";

export const PROJECT_INPUT = "input";
export const PROJECT_OUTPUT = "logits";

const ints = (value: number[]): Attribute => ({ kind: "ints", value });
const f32 = (shape: number[], data: Float32Array): Tensor => ({ dtype: DType.FLOAT, shape, data: Float32Array.from(data) });

function node(name: string, opType: string, inputs: string[], outputs: string[], attributes: Record<string, Attribute> = {}): Node {
  return { name, opType, domain: "", inputs, outputs, attributes };
}

export function cnnToOnnx(p: CnnParams): Model {
  const { channels1: c1, channels2: c2 } = p.config;
  const conv = { kernel_shape: ints([3, 3]), pads: ints([1, 1, 1, 1]), strides: ints([1, 1]) };
  const pool = { kernel_shape: ints([2, 2]), strides: ints([2, 2]) };
  const initializers = new Map<string, Tensor>([
    ["conv1.weight", f32([c1, 1, 3, 3], p.w1)],
    ["conv1.bias", f32([c1], p.b1)],
    ["conv2.weight", f32([c2, c1, 3, 3], p.w2)],
    ["conv2.bias", f32([c2], p.b2)],
    ["fc.weight", f32([10, c2 * 49], p.w3)],
    ["fc.bias", f32([10], p.b3)],
  ]);
  return {
    irVersion: 8,
    opsets: [{ domain: "", version: 13 }],
    producerName: "verinfer-train-mnist",
    graph: {
      name: "verinfer_mnist_cnn",
      inputs: [{ name: PROJECT_INPUT, dtype: DType.FLOAT, shape: [1, 1, 28, 28] }],
      outputs: [{ name: PROJECT_OUTPUT, dtype: DType.FLOAT, shape: [1, 10] }],
      initializers,
      nodes: [
        node("conv1", "Conv", [PROJECT_INPUT, "conv1.weight", "conv1.bias"], ["conv1_out"], conv),
        node("relu1", "Relu", ["conv1_out"], ["relu1_out"]),
        node("pool1", "MaxPool", ["relu1_out"], ["pool1_out"], pool),
        node("conv2", "Conv", ["pool1_out", "conv2.weight", "conv2.bias"], ["conv2_out"], conv),
        node("relu2", "Relu", ["conv2_out"], ["relu2_out"]),
        node("pool2", "MaxPool", ["relu2_out"], ["pool2_out"], pool),
        node("flatten", "Flatten", ["pool2_out"], ["flat"], { axis: { kind: "int", value: 1 } }),
        node("fc", "Gemm", ["flat", "fc.weight", "fc.bias"], [PROJECT_OUTPUT], { transB: { kind: "int", value: 1 } }),
      ],
      valueInfo: [],
    },
  };
}
