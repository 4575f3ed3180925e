/**
 * Brings a float model into the form the planner reads: ai.onnx opset 13 or later (from 6; the
 * attributes of Conv, Gemm, MaxPool, Reshape, Flatten, Relu and MatMul kept their meaning since),
 * legacy `broadcast` attributes of opset < 7 rewritten into numpy broadcasting, auto_pad written
 * out as explicit pads, a ceil_mode that changes nothing dropped, layout ops on constants folded
 * into initializers, unused initializers removed. Anything it cannot carry forward is a problem
 * named by node (the opset itself when it is outside 6..21).
 */
import { attrInt, attrInts, attrString, opsetVersion } from "../../engine/onnx/attr-read.js";
import { nodeId } from "../../engine/onnx/names.js";
import { inferShapesPartial, opKey } from "../../engine/onnx/shapes.js";
import { windowGeometry, windowOutput } from "../../engine/onnx/shape-rules.js";
import type { Attribute, Model, Node } from "../../engine/onnx/types.js";
import { getOperator } from "../../engine/ops/index.js";
import type { Tensor } from "../../engine/tensor.js";
import { QuantizeError, type QuantizeProblem } from "../errors.js";

export const MIN_INPUT_OPSET = 6;
export const MAX_INPUT_OPSET = 21;
/** Per-axis QuantizeLinear/DequantizeLinear and uint8 MaxPool need 13 and 12. */
export const MIN_OUTPUT_OPSET = 13;

const FOLDABLE = new Set(["Reshape", "Flatten", "Transpose", "Squeeze", "Unsqueeze"]);
const WINDOW_OPS = new Set(["Conv", "MaxPool"]);

/** The IR version onnxruntime expects with an opset (IR 8 up to opset 18, then 9, 10). */
export function irVersionFor(opset: number): number {
  return opset <= 18 ? 8 : opset === 19 ? 9 : 10;
}

function without(attrs: Readonly<Record<string, Attribute>>, ...names: string[]): Record<string, Attribute> {
  const out = { ...attrs };
  for (const n of names) delete out[n];
  return out;
}

export function upgradeModel(model: Model): Model {
  const opset = opsetVersion(model.opsets, "") ?? 0;
  if (opset < MIN_INPUT_OPSET || opset > MAX_INPUT_OPSET) {
    throw new QuantizeError([
      {
        node: "(model)",
        op: "opset",
        reason: `ai.onnx opset ${opset} is outside the opsets the quantizer upgrades (${MIN_INPUT_OPSET}..${MAX_INPUT_OPSET})`,
      },
    ]);
  }
  const g = model.graph;
  const problems: QuantizeProblem[] = [];
  const initializers = new Map<string, Tensor>(g.initializers);
  const { types } = inferShapesPartial(model);
  const nodes: Node[] = [];

  g.nodes.forEach((original, index) => {
    let node: Node = original;
    const label = nodeId(node, index);
    const report = (reason: string): void => void problems.push({ node: label, op: opKey(node), reason });
    if (opset < 7 && (node.opType === "Add" || node.opType === "Gemm") && node.attributes.broadcast !== undefined) {
      node = legacyBroadcast(node, opset, initializers, types, report);
    }
    if (WINDOW_OPS.has(node.opType) && node.domain === "") node = explicitWindow(node, types, report);
    if (FOLDABLE.has(node.opType) && node.domain === "" && node.inputs.every((i) => i === "" || initializers.has(i))) {
      const out = getOperator("", node.opType)!(node.inputs.map((i) => (i === "" ? undefined : initializers.get(i))), node.attributes);
      node.outputs.forEach((name, i) => name !== "" && initializers.set(name, out[i]!));
      return;
    }
    nodes.push(node);
  });
  if (problems.length > 0) throw new QuantizeError(problems);

  const used = new Set(nodes.flatMap((n) => n.inputs));
  for (const o of g.outputs) used.add(o.name);
  for (const name of [...initializers.keys()]) if (!used.has(name)) initializers.delete(name);

  const newOpset = Math.max(MIN_OUTPUT_OPSET, opset);
  return {
    irVersion: irVersionFor(newOpset),
    opsets: [{ domain: "", version: newOpset }, ...model.opsets.filter((o) => o.domain !== "" && o.domain !== "ai.onnx")],
    producerName: model.producerName,
    graph: { ...g, initializers, nodes, valueInfo: [] },
  };
}

/** Opset < 7 Add/Gemm `broadcast`: Gemm's C already broadcasts unidirectionally; Add's B aligns at `axis`. */
function legacyBroadcast(
  node: Node,
  opset: number,
  initializers: Map<string, Tensor>,
  types: ReadonlyMap<string, { shape: readonly number[] }>,
  report: (reason: string) => void,
): Node {
  const attrs = without(node.attributes, "broadcast", "axis");
  if (node.opType === "Gemm" || attrInt(node, "broadcast", 0) === 0) return { ...node, attributes: attrs };
  const a = types.get(node.inputs[0] ?? "");
  const bName = node.inputs[1] ?? "";
  const b = initializers.get(bName);
  const axis = attrInt(node, "axis");
  if (a === undefined || b === undefined) {
    report(`opset ${opset} Add with legacy broadcast needs a constant B and a known input shape`);
    return node;
  }
  const suffixAxis = a.shape.length - b.shape.length;
  if (axis === undefined || axis === suffixAxis) return { ...node, attributes: attrs };
  const trailing = a.shape.length - axis - b.shape.length;
  if (axis < 0 || trailing < 0) {
    report(`opset ${opset} Add broadcast axis ${axis} does not fit A [${a.shape}] and B [${b.shape}]`);
    return node;
  }
  const name = `${bName}_broadcast_axis${axis}`;
  initializers.set(name, { ...b, shape: [...b.shape, ...new Array<number>(trailing).fill(1)] });
  return { ...node, inputs: [node.inputs[0]!, name], attributes: attrs };
}

/** auto_pad -> explicit pads; ceil_mode 1 dropped where it changes no output size, refused elsewhere. */
function explicitWindow(node: Node, types: ReadonlyMap<string, { shape: readonly number[] }>, report: (reason: string) => void): Node {
  const autoPad = attrString(node, "auto_pad", "NOTSET");
  const ceil = attrInt(node, "ceil_mode", 0) === 1;
  let attrs = without(node.attributes, "storage_order");
  if (autoPad === "NOTSET" && !ceil) return { ...node, attributes: attrs };
  const x = types.get(node.inputs[0] ?? "");
  const w = node.opType === "Conv" ? types.get(node.inputs[1] ?? "") : undefined;
  const kernel = attrInts(node, "kernel_shape") ?? w?.shape.slice(2);
  if (x === undefined || kernel === undefined) {
    report(`auto_pad ${autoPad} / ceil_mode needs a known input shape to be written out as explicit pads`);
    return node;
  }
  const spatial = x.shape.slice(2);
  const geo = windowGeometry(node, spatial, kernel);
  const n = spatial.length;
  if (ceil) {
    const differs = spatial.some((s, i) => {
      const args = [s, kernel[i]!, geo.strides[i]!, geo.dilations[i]!, geo.pads[i]!, geo.pads[i + n]!] as const;
      return windowOutput(...args, true) !== windowOutput(...args, false);
    });
    if (differs) report("ceil_mode 1 changes the output size here, and the int8 profile's MaxPool has floor mode only");
  }
  attrs = without(attrs, "auto_pad", "ceil_mode");
  attrs.pads = { kind: "ints", value: [...geo.pads] };
  return { ...node, attributes: attrs };
}
