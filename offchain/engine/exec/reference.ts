/**
 * The reference path: a whole model run by the reference operators (engine/ops) in committed node
 * order (graph.nodes, which the loader keeps topological). Slow and exact; it is the canonical
 * semantics the fast path must reproduce bit for bit, and the backend the engine falls back to
 * where onnxruntime drifts.
 */
import { nodeLabel } from "../onnx/names.js";
import { inferShapes, opKey, type StaticType } from "../onnx/shapes.js";
import type { Model } from "../onnx/types.js";
import { getOperator, OpError } from "../ops/index.js";
import { dtypeName, type Tensor } from "../tensor.js";
import { ReferenceRunError } from "./errors.js";
import { checkFeeds, type Feeds, type InputCheckOptions } from "./inputs.js";

const fmt = (shape: readonly number[]): string => `[${shape.join(",")}]`;

/**
 * Every value of the model after one run: initializers, graph inputs and every node output, by
 * name. `types` (from inferShapes) may be passed when already computed; each node's outputs are
 * checked against it, so an operator can never hand a later node a tensor of another type.
 */
export function runReference(
  model: Model,
  feeds: Feeds,
  options: InputCheckOptions & {
    readonly types?: ReadonlyMap<string, StaticType>;
    /** Called with each node's first output before later nodes read it; may replace it (fault injection). */
    readonly afterNode?: (index: number, output: Tensor) => Tensor;
  } = {},
): Map<string, Tensor> {
  const g = model.graph;
  const types = options.types ?? inferShapes(model);
  const values = new Map<string, Tensor>(g.initializers);
  for (const [name, t] of checkFeeds(g, feeds, options)) values.set(name, t);

  g.nodes.forEach((node, index) => {
    const op = getOperator(node.domain, node.opType);
    if (op === undefined) throw new ReferenceRunError(`${nodeLabel(node, index)}: the reference interpreter has no ${opKey(node)}`);
    const inputs = node.inputs.map((name) => (name === "" ? undefined : values.get(name)));
    let outputs: Tensor[];
    try {
      outputs = op(inputs, node.attributes);
    } catch (e) {
      if (e instanceof OpError) throw new ReferenceRunError(`${nodeLabel(node, index)}: ${e.message}`, { cause: e });
      throw e;
    }
    node.outputs.forEach((name, j) => {
      if (name === "") return;
      const t = outputs[j];
      if (t === undefined) throw new ReferenceRunError(`${nodeLabel(node, index)}: ${opKey(node)} produced no output ${j}`);
      const want = types.get(name);
      if (want !== undefined && (want.dtype !== t.dtype || want.shape.length !== t.shape.length || want.shape.some((d, i) => d !== t.shape[i]))) {
        throw new ReferenceRunError(
          `${nodeLabel(node, index)}: output "${name}" is ${dtypeName(t.dtype)} ${fmt(t.shape)}, inferred ${dtypeName(want.dtype)} ${fmt(want.shape)}`,
        );
      }
      values.set(name, j === 0 && options.afterNode ? options.afterNode(index, t) : t);
    });
  });
  return values;
}
