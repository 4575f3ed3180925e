/**
 * The int8 profile verdict of a model (DESIGN.md, "Static rules of the profile"): every node's
 * operator, types, attributes and constant operands against version 1 of the profile, every shape
 * static, every value of a profile type and within the verifier's limits. Lists every violation;
 * the model is verifiable only when there is none.
 */
import { opsetVersion } from "../onnx/attr-read.js";
import { isDefaultDomain, nodeId } from "../onnx/names.js";
import { OnnxFormatError } from "../onnx/errors.js";
import { inferShapesPartial, opKey, type StaticType } from "../onnx/shapes.js";
import type { Model } from "../onnx/types.js";
import { dtypeName, dtypeSize } from "../tensor.js";
import type { CheckContext } from "./context.js";
import { MAX_ONNX_OPSET, MAX_RANK, MAX_TREE_DEPTH, MICROSOFT_OPSET, MIN_ONNX_OPSET, PROFILE_TYPES } from "./limits.js";
import { opCheck } from "./op-checks.js";
import type { ProfileVerdict, Unsupported } from "./verdict.js";

const MODEL = "(model)";

function typeProblem(t: StaticType): string | undefined {
  if (!PROFILE_TYPES.has(t.dtype)) return `${dtypeName(t.dtype)} is not a type of the int8 profile`;
  if (t.shape.length > MAX_RANK) return `rank ${t.shape.length} exceeds the profile's maximum ${MAX_RANK}`;
  const leaves = Math.ceil((t.shape.reduce((p, d) => p * d, 1) * dtypeSize(t.dtype)) / 32);
  if (leaves > 2 ** MAX_TREE_DEPTH) return `its commitment tree would be deeper than ${MAX_TREE_DEPTH}`;
  return undefined;
}

export function checkProfile(model: Model): ProfileVerdict {
  const g = model.graph;
  const unsupported: Unsupported[] = [];
  const ops: Record<string, number> = {};
  const opset = opsetVersion(model.opsets, "") ?? 0;

  if (opset < MIN_ONNX_OPSET || opset > MAX_ONNX_OPSET) {
    unsupported.push({
      node: MODEL,
      op: "opset",
      reason: `ai.onnx opset ${opset} is outside the int8 profile's range ${MIN_ONNX_OPSET}..${MAX_ONNX_OPSET}`,
    });
  }
  const ms = opsetVersion(model.opsets, "com.microsoft");
  if (ms !== undefined && ms !== MICROSOFT_OPSET) {
    unsupported.push({ node: MODEL, op: "opset", reason: `com.microsoft opset ${ms} is not ${MICROSOFT_OPSET}` });
  }

  const { types, failures } = inferShapesPartial(model);
  for (const f of failures) unsupported.push({ node: f.node, op: f.index < 0 ? "graph input" : opKey(g.nodes[f.index]!), reason: f.reason });

  for (const v of [...g.inputs, ...g.outputs]) {
    const t = types.get(v.name);
    const problem = t === undefined ? undefined : typeProblem(t);
    if (problem !== undefined) unsupported.push({ node: v.name, op: g.inputs.includes(v) ? "graph input" : "graph output", reason: `"${v.name}": ${problem}` });
  }

  g.nodes.forEach((node, index) => {
    const key = opKey(node);
    ops[key] = (ops[key] ?? 0) + 1;
    const label = nodeId(node, index);
    const report = (reason: string): void => void unsupported.push({ node: label, op: key, reason });
    const check = opCheck(key);
    if (check === undefined) {
      const first = types.get(node.inputs[0] ?? "");
      const on = first === undefined ? "" : ` on ${dtypeName(first.dtype)}`;
      const where = isDefaultDomain(node.domain) ? "" : ` (domain ${node.domain})`;
      report(`${node.opType}${on}${where} is outside the int8 profile (not in the version-1 operator table)`);
      return;
    }
    const nameOf = (i: number): string => node.inputs[i] ?? "";
    const ctx: CheckContext = {
      node,
      opset,
      has: (i) => nameOf(i) !== "",
      name: nameOf,
      type: (i) => types.get(nameOf(i)),
      outType: (j) => types.get(node.outputs[j] ?? ""),
      constant: (i) => g.initializers.get(nameOf(i)),
      report,
    };
    try {
      check(ctx);
    } catch (e) {
      // Attribute kinds are read lazily; a malformed one is a reason, not a crash.
      if (!(e instanceof OnnxFormatError)) throw e;
      report(e.message);
    }
    for (const o of node.outputs) {
      const t = types.get(o);
      const problem = t === undefined ? undefined : typeProblem(t);
      if (problem !== undefined) report(`output "${o}": ${problem}`);
    }
  });

  const verifiable = unsupported.length === 0;
  return { verifiable, profile: verifiable ? "int8" : null, unsupported, ops };
}

