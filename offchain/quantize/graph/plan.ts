/**
 * The quantization plan of an upgraded float graph: which nodes become which quantized node,
 * with the constant operands they fold (a bias Add into Conv/Gemm/MatMul, Gemm's alpha and beta,
 * a Relu into the range of the node before it), and which float values need a calibrated range.
 * Every node that fits no pattern is a problem named by node, with the reason.
 *
 * Patterns (onnxruntime's QOperator format):
 *   Conv [+ Add(per-channel constant)] [+ Relu]           -> QLinearConv
 *   Gemm [+ Add(constant row)] [+ Relu]                   -> com.microsoft QGemm
 *   MatMul(x, constant 2-D) + Add(constant row) [+ Relu]  -> com.microsoft QGemm (x 2-D)
 *   MatMul(x, constant 2-D) [+ Relu]                      -> QLinearMatMul
 *   MaxPool                                               -> MaxPool on uint8 (same scale/zero point)
 *   Reshape, Flatten, Transpose, Squeeze, Unsqueeze       -> the same op on uint8 (pass-through)
 *   Relu (not foldable)                                   -> Clip(x, zero point) on uint8
 * A Relu folds when it is the only consumer of the node's output: the output range then starts at
 * 0, the zero point is 0, and uint8 saturation at 0 is exactly the Relu.
 */
import { attrFloat, attrInt } from "../../engine/onnx/attr-read.js";
import { nodeId } from "../../engine/onnx/names.js";
import { inferShapesPartial, opKey, type StaticType } from "../../engine/onnx/shapes.js";
import type { Model, Node } from "../../engine/onnx/types.js";
import { DType, dtypeName, type Tensor } from "../../engine/tensor.js";
import { QuantizeError, type QuantizeProblem } from "../errors.js";

export const LAYOUT_OPS: ReadonlySet<string> = new Set(["Reshape", "Flatten", "Transpose", "Squeeze", "Unsqueeze"]);

interface StepBase {
  /** The node this step starts at, and its label for messages. */
  readonly node: Node;
  readonly label: string;
  /** Float input activation. */
  readonly x: string;
  /** Float output value (after any folded Add/Relu). */
  readonly out: string;
}

export interface ConvStep extends StepBase {
  readonly kind: "conv";
  readonly weightName: string;
  readonly weight: Tensor;
  /** Per output channel, from Conv's B and/or a folded Add. */
  readonly bias: Float32Array | undefined;
  readonly biasName: string;
  readonly relu: boolean;
}

export interface GemmStep extends StepBase {
  readonly kind: "gemm";
  readonly weightName: string;
  /** B with alpha folded in, in its stored layout. */
  readonly weight: Tensor;
  readonly transB: boolean;
  /** One value per output column N (beta folded in), or undefined. */
  readonly bias: Float32Array | undefined;
  readonly biasName: string;
  readonly relu: boolean;
}

export interface MatMulStep extends StepBase {
  readonly kind: "matmul";
  readonly weightName: string;
  readonly weight: Tensor;
  readonly relu: boolean;
}

/** Steps whose output keeps the input's scale and zero point. */
export interface PassStep extends StepBase {
  readonly kind: "maxpool" | "layout" | "relu";
}

export type Step = ConvStep | GemmStep | MatMulStep | PassStep;

export interface Plan {
  readonly steps: readonly Step[];
  /** Float values whose range calibration measures: graph inputs and compute-step outputs. */
  readonly calibrated: readonly string[];
  /** Pass-through outputs -> the calibrated value whose parameters they share. */
  readonly aliases: ReadonlyMap<string, string>;
  readonly types: ReadonlyMap<string, StaticType>;
}

export function planQuantization(model: Model): Plan {
  const g = model.graph;
  const problems: QuantizeProblem[] = [];
  const { types, failures } = inferShapesPartial(model);
  for (const f of failures) problems.push({ node: f.node, op: f.index < 0 ? "graph input" : opKey(g.nodes[f.index]!), reason: f.reason });

  const consumers = new Map<string, number[]>();
  g.nodes.forEach((n, i) => n.inputs.forEach((name) => name !== "" && consumers.set(name, [...(consumers.get(name) ?? []), i])));
  const graphOutputs = new Set(g.outputs.map((o) => o.name));
  const inputNames = new Set(g.inputs.map((v) => v.name));
  for (const v of g.inputs) {
    if (v.dtype !== DType.FLOAT) problems.push({ node: v.name, op: "graph input", reason: `"${v.name}" is ${dtypeName(v.dtype)}; the quantizer quantizes float32 inputs only` });
  }
  for (const o of g.outputs) {
    if (inputNames.has(o.name)) problems.push({ node: o.name, op: "graph output", reason: `"${o.name}" is also a graph input` });
    if (g.initializers.has(o.name)) problems.push({ node: o.name, op: "graph output", reason: `"${o.name}" is a constant` });
  }

  const consumed = new Set<number>();
  /** The single node consuming `value`, when it is exactly one and `value` is no graph output. */
  const soleConsumer = (value: string): number | undefined => {
    const c = consumers.get(value) ?? [];
    return c.length === 1 && !graphOutputs.has(value) && !consumed.has(c[0]!) ? c[0] : undefined;
  };
  const foldRelu = (out: string): { out: string; relu: boolean } => {
    const j = soleConsumer(out);
    const n = j === undefined ? undefined : g.nodes[j]!;
    if (j === undefined || n === undefined || n.opType !== "Relu" || n.domain !== "") return { out, relu: false };
    consumed.add(j);
    return { out: n.outputs[0]!, relu: true };
  };
  /** A following Add of a constant that broadcasts along `axis` of an output of rank `rank` only. */
  const foldAdd = (out: string, rank: number, axis: number, size: number): { out: string; bias?: Float32Array } => {
    const j = soleConsumer(out);
    const n = j === undefined ? undefined : g.nodes[j]!;
    if (j === undefined || n === undefined || n.opType !== "Add" || n.domain !== "") return { out };
    const other = n.inputs[0] === out ? n.inputs[1]! : n.inputs[0]!;
    const c = g.initializers.get(other);
    if (c === undefined || c.dtype !== DType.FLOAT || c.shape.length > rank) return { out };
    const aligned = [...new Array<number>(rank - c.shape.length).fill(1), ...c.shape];
    if (!aligned.every((d, i) => d === 1 || (i === axis && d === size))) return { out };
    const data = c.data as Float32Array;
    const bias = new Float32Array(size);
    for (let m = 0; m < size; m++) bias[m] = data.length === 1 ? data[0]! : data[m]!;
    consumed.add(j);
    return { out: n.outputs[0]!, bias };
  };

  const steps: Step[] = [];
  g.nodes.forEach((node, index) => {
    if (consumed.has(index)) return;
    const label = nodeId(node, index);
    const key = opKey(node);
    const report = (reason: string): void => void problems.push({ node: label, op: key, reason });
    const constant = (i: number, role: string): Tensor | undefined => {
      const t = g.initializers.get(node.inputs[i] ?? "");
      if (t === undefined) report(`${role} "${node.inputs[i] ?? ""}" must be an initializer: weights are quantized once, ahead of time`);
      else if (t.dtype !== DType.FLOAT) report(`${role} "${node.inputs[i]}" is ${dtypeName(t.dtype)}, not float32`);
      else return t;
      return undefined;
    };
    const x = node.inputs[0] ?? "";
    if (node.domain !== "" && node.domain !== "ai.onnx") return report(`operators of domain ${node.domain} have no quantized form in the int8 profile`);
    if (node.inputs.slice(0, 1).some((i) => g.initializers.has(i))) return report(`its data input "${x}" is a constant; fold it before quantizing`);

    switch (node.opType) {
      case "Conv": {
        const w = constant(1, "weight W");
        const b = node.inputs[2] ? constant(2, "bias B") : undefined;
        if (w === undefined || (node.inputs[2] && b === undefined)) return;
        const m = w.shape[0]!;
        let bias = b === undefined ? undefined : Float32Array.from(b.data as Float32Array);
        const added = foldAdd(node.outputs[0]!, w.shape.length, 1, m);
        if (added.bias !== undefined) {
          const sum = new Float32Array(m);
          for (let c = 0; c < m; c++) sum[c] = (bias?.[c] ?? 0) + added.bias[c]!;
          bias = sum;
        }
        const relu = foldRelu(added.out);
        steps.push({ kind: "conv", node, label, x, weightName: node.inputs[1]!, weight: w, bias, biasName: node.inputs[2] || `${node.inputs[1]}_bias`, ...relu });
        return;
      }
      case "Gemm": {
        if (attrInt(node, "transA", 0) !== 0) return report("transA = 1 has no QGemm form the quantizer writes; transpose A before the Gemm");
        const w = constant(1, "B");
        const c = node.inputs[2] ? constant(2, "C") : undefined;
        if (w === undefined || (node.inputs[2] && c === undefined)) return;
        const transB = attrInt(node, "transB", 0) === 1;
        const n = transB ? w.shape[0]! : w.shape[1]!;
        const alpha = attrFloat(node, "alpha", 1);
        const beta = attrFloat(node, "beta", 1);
        let bias: Float32Array | undefined;
        if (c !== undefined) {
          const aligned = [...new Array<number>(Math.max(0, 2 - c.shape.length)).fill(1), ...c.shape];
          if (aligned.length !== 2 || aligned[0] !== 1 || (aligned[1] !== 1 && aligned[1] !== n)) {
            return report(`C [${c.shape}] is not one row of ${n} values; QGemm's int32 C is written per output column`);
          }
          const cd = c.data as Float32Array;
          bias = new Float32Array(n);
          for (let j = 0; j < n; j++) bias[j] = Math.fround(beta * (cd.length === 1 ? cd[0]! : cd[j]!));
        }
        const weight = alpha === 1 ? w : { ...w, data: (w.data as Float32Array).map((v) => Math.fround(alpha * v)) };
        const added = foldAdd(node.outputs[0]!, 2, 1, n);
        if (added.bias !== undefined) bias = bias === undefined ? added.bias : bias.map((v, j) => v + added.bias![j]!);
        const relu = foldRelu(added.out);
        steps.push({ kind: "gemm", node, label, x, weightName: node.inputs[1]!, weight, transB, bias, biasName: node.inputs[2] || `${node.inputs[1]}_bias`, ...relu });
        return;
      }
      case "MatMul": {
        const w = constant(1, "B");
        if (w === undefined) return;
        if (w.shape.length !== 2) return report(`B [${w.shape}] must be 2-D to be quantized as weights`);
        const n = w.shape[1]!;
        const a = types.get(x);
        if (a !== undefined && a.shape.length === 2) {
          const added = foldAdd(node.outputs[0]!, 2, 1, n);
          if (added.bias !== undefined) {
            const relu = foldRelu(added.out);
            steps.push({ kind: "gemm", node, label, x, weightName: node.inputs[1]!, weight: w, transB: false, bias: added.bias, biasName: `${node.inputs[1]}_bias`, ...relu });
            return;
          }
        }
        const relu = foldRelu(node.outputs[0]!);
        steps.push({ kind: "matmul", node, label, x, weightName: node.inputs[1]!, weight: w, ...relu });
        return;
      }
      case "MaxPool":
        if (node.outputs.filter((o) => o !== "").length !== 1) return report("MaxPool with an Indices output has no quantized form (the profile allows one output)");
        steps.push({ kind: "maxpool", node, label, x, out: node.outputs[0]! });
        return;
      case "Relu":
        steps.push({ kind: "relu", node, label, x, out: node.outputs[0]! });
        return;
      case "Add": {
        const constOperand = node.inputs.some((i) => g.initializers.has(i));
        return report(
          constOperand
            ? "Add of a constant that follows no Conv/Gemm/MatMul it could be folded into (as a per-channel bias)"
            : "Add of two activations has no quantized form in the int8 profile version 1 (QLinearAdd is a version-2 candidate)",
        );
      }
    }
    if (LAYOUT_OPS.has(node.opType)) {
      const dynamic = node.inputs.slice(1).find((i) => i !== "" && !g.initializers.has(i));
      if (dynamic !== undefined) return report(`"${dynamic}" must be an initializer (the profile's layout ops take constant shapes and axes)`);
      steps.push({ kind: "layout", node, label, x, out: node.outputs[0]! });
      return;
    }
    report(`${node.opType} has no quantized form in the int8 profile version 1`);
  });
  if (problems.length > 0) throw new QuantizeError(problems);

  const aliases = new Map<string, string>();
  const calibrated: string[] = [];
  const source = (v: string): string => aliases.get(v) ?? v;
  for (const v of g.inputs) calibrated.push(v.name);
  for (const s of steps) {
    if (s.kind === "maxpool" || s.kind === "layout" || s.kind === "relu") aliases.set(s.out, source(s.x));
    else calibrated.push(s.out);
  }
  return { steps, calibrated, aliases, types };
}
