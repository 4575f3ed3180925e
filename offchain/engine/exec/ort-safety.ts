/**
 * What must never reach onnxruntime, because it kills the process instead of failing
 * (TOOLCHAIN.md, SEMANTICS.md "Integer operators"): integer Div (or Mod) by a divisor that is not
 * an initializer free of 0 and -1 (x/0 throws, INT_MIN/-1 is SIGFPE), and 4-bit or 2-bit values
 * (an output of such a type aborts). The int8 profile refuses all of these already; this guard
 * holds the invariant for every model the engine hands to onnxruntime, verifiable or not.
 */
import { inferShapesPartial, opKey } from "../onnx/shapes.js";
import { nodeId, isDefaultDomain } from "../onnx/names.js";
import type { Model } from "../onnx/types.js";
import type { Unsupported } from "../profile/verdict.js";
import { DType, isKnownDType } from "../tensor.js";
import { ModelRefusedError } from "./errors.js";

const FLOAT_TYPES: ReadonlySet<DType> = new Set([DType.FLOAT, DType.DOUBLE, DType.FLOAT16]);
const DIVIDING_OPS = new Set(["Div", "Mod"]);

/** Every reason onnxruntime could die on this model; empty when it is safe to hand over. */
export function onnxruntimeHazards(model: Model): Unsupported[] {
  const g = model.graph;
  const hazards: Unsupported[] = [];
  // The loader refuses element types the engine cannot hold (every 4-bit and 2-bit type among
  // them), so this only re-states that for the values the session will return.
  for (const v of [...g.inputs, ...g.outputs, ...g.valueInfo]) {
    if (!isKnownDType(v.dtype)) hazards.push({ node: v.name, op: "value", reason: `"${v.name}" has element type ${v.dtype}, which onnxruntime-node cannot return safely` });
  }
  const { types } = inferShapesPartial(model);
  g.nodes.forEach((node, index) => {
    if (!isDefaultDomain(node.domain) || !DIVIDING_OPS.has(node.opType)) return;
    const label = nodeId(node, index);
    const dividend = types.get(node.inputs[0] ?? "");
    const divisorName = node.inputs[1] ?? "";
    const divisor = g.initializers.get(divisorName);
    const dtype = divisor?.dtype ?? types.get(divisorName)?.dtype ?? dividend?.dtype;
    if (dtype !== undefined && FLOAT_TYPES.has(dtype)) return;
    if (divisor === undefined) {
      hazards.push({
        node: label,
        op: opKey(node),
        reason: `${node.opType} by the non-constant "${divisorName}"${dtype === undefined ? " of unknown type" : ""}: an integer divisor of 0 throws and INT_MIN / -1 kills onnxruntime`,
      });
      return;
    }
    const values = Array.from(divisor.data as ArrayLike<number | bigint>, Number);
    if (values.includes(0)) hazards.push({ node: label, op: opKey(node), reason: `${node.opType} divisor "${divisorName}" contains 0` });
    if (values.includes(-1)) hazards.push({ node: label, op: opKey(node), reason: `${node.opType} divisor "${divisorName}" contains -1 (INT_MIN / -1 kills onnxruntime)` });
  });
  return hazards;
}

/** Throws ModelRefusedError, with every hazard, unless the model is safe for onnxruntime. */
export function assertSafeForOnnxruntime(model: Model): void {
  const hazards = onnxruntimeHazards(model);
  if (hazards.length > 0) {
    throw new ModelRefusedError(`model would crash onnxruntime, refused: ${hazards.map((h) => `${h.node} (${h.op}): ${h.reason}`).join("; ")}`, hazards);
  }
}
