/**
 * The calibration interpreter: runs a float32 graph of Conv, Gemm, MatMul, Add, Relu, MaxPool and
 * the layout ops (Reshape, Flatten, Transpose, Squeeze, Unsqueeze, borrowed from the reference
 * operators, which are type-agnostic). Values are float32 (stored in Float32Arrays, so every op
 * result is rounded once); sums run in float64, so results may differ from onnxruntime in the last
 * bits, which calibration (ranges only) does not notice. It exists so that models onnxruntime
 * cannot load (old opsets) still calibrate.
 */
import type { Model, Node } from "../../engine/onnx/types.js";
import { getOperator, OpError } from "../../engine/ops/index.js";
import { DType, type Tensor } from "../../engine/tensor.js";
import { add, relu } from "./add.js";
import { conv } from "./conv.js";
import { FloatOpError } from "./errors.js";
import { gemm, matMul } from "./gemm.js";
import { maxPool } from "./max-pool.js";

export { FloatOpError } from "./errors.js";

const LAYOUT_OPS = new Set(["Reshape", "Flatten", "Transpose", "Squeeze", "Unsqueeze"]);

/** Op types the interpreter runs (default domain). */
export const FLOAT_OPS: ReadonlySet<string> = new Set(["Conv", "Gemm", "MatMul", "Add", "Relu", "MaxPool", ...LAYOUT_OPS]);

function runNode(node: Node, inputs: readonly (Tensor | undefined)[]): Tensor[] {
  const need = (i: number): Tensor => {
    const t = inputs[i];
    if (t === undefined) throw new FloatOpError(node, `input ${i} is missing`);
    if (t.dtype !== DType.FLOAT && !(LAYOUT_OPS.has(node.opType) && i > 0)) throw new FloatOpError(node, `input ${i} is not float32`);
    return t;
  };
  if (node.domain !== "" && node.domain !== "ai.onnx") throw new FloatOpError(node, `domain ${node.domain} is outside the calibration interpreter`);
  switch (node.opType) {
    case "Conv":
      return [conv(node, need(0), need(1), inputs[2] === undefined ? undefined : need(2))];
    case "Gemm":
      return [gemm(node, need(0), need(1), inputs[2] === undefined ? undefined : need(2))];
    case "MatMul":
      return [matMul(node, need(0), need(1))];
    case "Add":
      return [add(node, need(0), need(1))];
    case "Relu":
      return [relu(need(0))];
    case "MaxPool":
      return [maxPool(node, need(0))];
  }
  const op = LAYOUT_OPS.has(node.opType) ? getOperator("", node.opType) : undefined;
  if (op === undefined) throw new FloatOpError(node, `${node.opType} is outside the calibration interpreter`);
  try {
    return op(inputs, node.attributes);
  } catch (e) {
    if (e instanceof OpError) throw new FloatOpError(node, e.message);
    throw e;
  }
}

/**
 * Runs `model` on `feeds` (graph input name -> float32 tensor); calls `observe` with every node
 * output as it is computed; returns every value by name.
 */
export function runFloat(
  model: Model,
  feeds: ReadonlyMap<string, Tensor>,
  observe?: (name: string, value: Tensor) => void,
): Map<string, Tensor> {
  const values = new Map<string, Tensor>(model.graph.initializers);
  for (const input of model.graph.inputs) {
    const t = feeds.get(input.name);
    if (t === undefined) throw new Error(`no value for graph input "${input.name}"`);
    values.set(input.name, t);
  }
  for (const node of model.graph.nodes) {
    const outputs = runNode(
      node,
      node.inputs.map((n) => (n === "" ? undefined : values.get(n))),
    );
    node.outputs.forEach((name, i) => {
      if (name === "" || outputs[i] === undefined) return;
      values.set(name, outputs[i]!);
      observe?.(name, outputs[i]!);
    });
  }
  return values;
}
