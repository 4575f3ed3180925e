/**
 * A four-node quantized model for commitment tests and vectors: QuantizeLinear -> QLinearMatMul
 * -> Reshape -> DequantizeLinear, plus ArgMax on the quantized logits (two graph outputs).
 */
import { DType } from "../../../offchain/engine/tensor.js";
import { attr } from "../../../offchain/engine/onnx/encode.js";
import type { Model } from "../../../offchain/engine/onnx/types.js";
import { f32, i8, i64s, t, u8 } from "./profile-models.js";

export function tinyModel(overrides: { weightDelta?: number; initializerOrder?: "forward" | "reverse"; withArgMax?: boolean } = {}): Model {
  const weights = Array.from({ length: 32 }, (_, i) => ((i * 37) % 255) - 127);
  weights[5] = weights[5]! + (overrides.weightDelta ?? 0);
  const inits: [string, ReturnType<typeof t>][] = [
    ["s0", f32(0.05)],
    ["z0", u8(128)],
    ["w", t(DType.INT8, [8, 4], weights)],
    ["ws", f32(0.01)],
    ["wz", i8(0)],
    ["ys", f32(0.2)],
    ["yz", u8(100)],
    ["shape", i64s([4])],
  ];
  if (overrides.initializerOrder === "reverse") inits.reverse();
  const withArgMax = overrides.withArgMax ?? true;
  return {
    irVersion: 8,
    opsets: [{ domain: "", version: 17 }],
    producerName: "verinfer-tests",
    graph: {
      name: "tiny",
      inputs: [{ name: "x", dtype: DType.FLOAT, shape: [1, 8] }],
      outputs: [
        { name: "out", dtype: DType.FLOAT, shape: [4] },
        ...(withArgMax ? [{ name: "cls", dtype: DType.INT64, shape: [1] }] : []),
      ],
      initializers: new Map(inits),
      nodes: [
        { name: "quant", opType: "QuantizeLinear", domain: "", inputs: ["x", "s0", "z0"], outputs: ["q"], attributes: {} },
        { name: "mm", opType: "QLinearMatMul", domain: "", inputs: ["q", "s0", "z0", "w", "ws", "wz", "ys", "yz"], outputs: ["y"], attributes: {} },
        { name: "flat", opType: "Reshape", domain: "", inputs: ["y", "shape"], outputs: ["y4"], attributes: {} },
        { name: "deq", opType: "DequantizeLinear", domain: "", inputs: ["y4", "ys", "yz"], outputs: ["out"], attributes: {} },
        ...(withArgMax
          ? [{ name: "cls", opType: "ArgMax", domain: "", inputs: ["y4"], outputs: ["cls"], attributes: { axis: attr.int(0), keepdims: attr.int(1) } }]
          : []),
      ],
      valueInfo: [],
    },
  };
}

export const TINY_INPUT = t(DType.FLOAT, [1, 8], [0.1, -0.4, 2.5, 3.3, -6.0, 0.0, 1.25, -0.05]);
