/**
 * Static shape inference: the dtype and shape of every value of the graph, from the static shapes
 * of the graph inputs, the initializers and the operator rules of shape-rules.ts. The profile
 * commits these shapes, so the file's own value_info is never trusted: a declared type that
 * disagrees with the inferred one is a failure.
 */
import { dtypeName, type Tensor } from "../tensor.js";
import { opsetVersion } from "./attr-read.js";
import { nodeId, nodeLabel } from "./names.js";
import { OnnxFormatError } from "./errors.js";
import { fmt, shapeRule, ShapeRuleError, type RuleContext, type StaticType } from "./shape-rules.js";
import type { Model, Node, ValueInfo } from "./types.js";

export { opKey, type StaticType } from "./shape-rules.js";

export interface ShapeFailure {
  /** The node's name (`#index` when unnamed), or the graph input's name. */
  readonly node: string;
  /** Index in graph.nodes; -1 for a graph input. */
  readonly index: number;
  readonly op: string;
  readonly reason: string;
}

export interface ShapeReport {
  readonly types: ReadonlyMap<string, StaticType>;
  /** Root causes only: a node whose inputs are unknown because of an earlier failure is skipped. */
  readonly failures: readonly ShapeFailure[];
}

function describe(t: { dtype: number; shape: readonly (number | string | null)[] | null }): string {
  return `${dtypeName(t.dtype)} ${t.shape === null ? "[?]" : `[${t.shape.map((d) => d ?? "?").join(",")}]`}`;
}

function staticShape(v: ValueInfo): number[] | undefined {
  if (v.shape === null || v.shape.some((d) => typeof d !== "number")) return undefined;
  return v.shape as number[];
}

function conflict(declared: ValueInfo, inferred: StaticType): boolean {
  if (declared.dtype !== inferred.dtype) return true;
  if (declared.shape === null) return false;
  if (declared.shape.length !== inferred.shape.length) return true;
  return declared.shape.some((d, i) => typeof d === "number" && d !== inferred.shape[i]);
}

/** Infers every value's static type, collecting failures instead of stopping at the first. */
export function inferShapesPartial(model: Model): ShapeReport {
  const g = model.graph;
  const opset = opsetVersion(model.opsets, "") ?? 1;
  const types = new Map<string, StaticType>();
  const unknown = new Set<string>();
  const failures: ShapeFailure[] = [];
  const declared = new Map<string, ValueInfo>();
  for (const v of [...g.valueInfo, ...g.outputs]) declared.set(v.name, v);

  for (const [name, t] of g.initializers) types.set(name, { dtype: t.dtype, shape: t.shape });
  for (const v of g.inputs) {
    const shape = staticShape(v);
    if (shape === undefined) {
      failures.push({ node: v.name, index: -1, op: "graph input", reason: `graph input "${v.name}" has no static shape (${describe(v)})` });
      unknown.add(v.name);
    } else {
      types.set(v.name, { dtype: v.dtype, shape });
    }
  }

  g.nodes.forEach((node, index) => {
    const id = nodeId(node, index);
    const markUnknown = (): void => node.outputs.forEach((o) => o !== "" && unknown.add(o));
    if (node.inputs.some((i) => unknown.has(i))) return markUnknown();
    try {
      const outs = outputTypes(node, opset, types, declared, g.initializers);
      node.outputs.forEach((name, j) => {
        if (name === "") return;
        const t = outs[j];
        if (t === undefined) throw new ShapeRuleError(`output ${j} is not an output ${node.opType} defines`);
        if (t.shape.some((d) => !Number.isSafeInteger(d) || d < 0)) throw new ShapeRuleError(`output "${name}" would have shape ${fmt(t.shape)}`);
        const d = declared.get(name);
        if (d !== undefined && conflict(d, t)) {
          throw new ShapeRuleError(`the file declares "${name}" as ${describe(d)}, but it is ${describe(t)}`);
        }
        types.set(name, t);
      });
    } catch (e) {
      if (!(e instanceof ShapeRuleError || e instanceof OnnxFormatError)) throw e;
      failures.push({ node: id, index, op: node.opType, reason: e.message });
      markUnknown();
    }
  });
  return { types, failures };
}

function outputTypes(
  node: Node,
  opset: number,
  types: ReadonlyMap<string, StaticType>,
  declared: ReadonlyMap<string, ValueInfo>,
  initializers: ReadonlyMap<string, Tensor>,
): StaticType[] {
  const rule = shapeRule(node);
  if (rule === undefined) {
    // Operators without a rule (outside the profile) keep the file's static declarations, if any.
    return node.outputs.map((o) => {
      const d = o === "" ? undefined : declared.get(o);
      const shape = d === undefined ? undefined : staticShape(d);
      if (d === undefined || shape === undefined) throw new ShapeRuleError(`no shape rule for ${node.opType}, and the file gives no static shape for "${o}"`);
      return { dtype: d.dtype, shape };
    });
  }
  const nameOf = (i: number): string => node.inputs[i] ?? "";
  const ctx: RuleContext = {
    node,
    opset,
    has: (i) => nameOf(i) !== "",
    input: (i) => {
      const name = nameOf(i);
      if (name === "") throw new ShapeRuleError(`input ${i} is required`);
      const t = types.get(name);
      if (t === undefined) throw new ShapeRuleError(`input "${name}" has no static type`);
      return t;
    },
    constant: (i) => initializers.get(nameOf(i)),
  };
  return rule(ctx);
}

/** Every value's static type; throws an OnnxFormatError naming the first node that has none. */
export function inferShapes(model: Model): ReadonlyMap<string, StaticType> {
  const report = inferShapesPartial(model);
  const f = report.failures[0];
  if (f !== undefined) {
    throw new OnnxFormatError(f.index < 0 ? f.reason : `cannot infer a static shape at ${nodeLabel(model.graph.nodes[f.index]!, f.index)}: ${f.reason}`);
  }
  return report.types;
}
