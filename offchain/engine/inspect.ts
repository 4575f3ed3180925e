/**
 * What `verinfer model inspect` reports, as a library function: the model's operators with counts,
 * its inputs and outputs with dtypes and shapes, its opsets, its size, the int8 profile verdict with
 * every reason, and whatever would make onnxruntime crash (which the engine refuses to hand it).
 */
import { decodeModel, loadModel } from "./onnx/decode.js";
import { inferShapesPartial } from "./onnx/shapes.js";
import type { Dim, Model, ValueInfo } from "./onnx/types.js";
import { checkProfile } from "./profile/check-profile.js";
import type { ProfileName, Unsupported } from "./profile/verdict.js";
import { onnxruntimeHazards } from "./exec/ort-safety.js";
import { dtypeName, numel } from "./tensor.js";

export interface InspectedValue {
  readonly name: string;
  readonly dtype: string;
  /** Static dimensions as numbers; symbolic ones by name; unknown ones null. */
  readonly shape: readonly Dim[] | null;
}

export interface ModelReport {
  readonly verifiable: boolean;
  readonly profile: ProfileName | null;
  readonly unsupported: readonly Unsupported[];
  /** Node count per operator ("Op", or "domain:Op"). */
  readonly ops: Readonly<Record<string, number>>;
  readonly inputs: readonly InspectedValue[];
  readonly outputs: readonly InspectedValue[];
  /** Domain ("ai.onnx" for the default one) -> version. */
  readonly opsets: Readonly<Record<string, number>>;
  readonly irVersion: number;
  readonly producer: string;
  readonly nodes: number;
  readonly initializers: number;
  /** Elements of every initializer (weights, biases, quantization parameters, constant shapes). */
  readonly parameters: number;
  /** Reasons onnxruntime would crash on the model; the engine never runs such a model. */
  readonly onnxruntimeHazards: readonly Unsupported[];
}

export function inspectModel(model: Model): ModelReport {
  const g = model.graph;
  const verdict = checkProfile(model);
  const { types } = inferShapesPartial(model);
  const describe = (v: ValueInfo): InspectedValue => {
    const inferred = types.get(v.name);
    return { name: v.name, dtype: dtypeName(inferred?.dtype ?? v.dtype), shape: inferred ? [...inferred.shape] : v.shape };
  };
  let parameters = 0;
  for (const t of g.initializers.values()) parameters += numel(t.shape);
  return {
    verifiable: verdict.verifiable,
    profile: verdict.profile,
    unsupported: verdict.unsupported,
    ops: verdict.ops,
    inputs: g.inputs.map(describe),
    outputs: g.outputs.map(describe),
    opsets: Object.fromEntries(model.opsets.map((o) => [o.domain === "" ? "ai.onnx" : o.domain, o.version])),
    irVersion: model.irVersion,
    producer: model.producerName,
    nodes: g.nodes.length,
    initializers: g.initializers.size,
    parameters,
    onnxruntimeHazards: onnxruntimeHazards(model),
  };
}

/** inspectModel on a file's bytes or path. */
export async function inspectModelFile(source: Uint8Array | string): Promise<ModelReport> {
  return inspectModel(typeof source === "string" ? await loadModel(source) : decodeModel(source));
}
