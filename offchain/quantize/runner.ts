/**
 * Runs a model's first output on many inputs: through onnxruntime when it loads the model, else
 * (float models only) through the quantizer's float interpreter after the upgrade pass.
 */
import * as ort from "onnxruntime-node";
import { encodeModel } from "../engine/onnx/encode.js";
import type { Model } from "../engine/onnx/types.js";
import { dtypeName, type Tensor } from "../engine/tensor.js";
import type { Feeds } from "./calibrate/collect.js";
import { runFloat } from "./float/executor.js";
import { upgradeModel } from "./graph/upgrade.js";

export interface ModelRunner {
  /** The first graph output, as numbers. */
  run(feeds: Feeds): Promise<Float32Array>;
  readonly backend: "onnxruntime" | "reference";
  release(): Promise<void>;
}

export async function createRunner(model: Model, allowFloatFallback: boolean): Promise<ModelRunner> {
  const output = model.graph.outputs[0]!.name;
  let session: ort.InferenceSession | undefined;
  let failure: unknown;
  try {
    session = await ort.InferenceSession.create(encodeModel(model), { graphOptimizationLevel: "all", logSeverityLevel: 4 });
  } catch (e) {
    failure = e;
  }
  if (session !== undefined) {
    const s = session;
    return {
      backend: "onnxruntime",
      async run(feeds) {
        const ortFeeds: Record<string, ort.Tensor> = {};
        for (const [k, t] of feeds) ortFeeds[k] = new ort.Tensor(dtypeName(t.dtype) as ort.Tensor.Type, t.data as Float32Array, [...t.shape]);
        return Float32Array.from((await s.run(ortFeeds, [output]))[output]!.data as ArrayLike<number>);
      },
      release: () => s.release(),
    };
  }
  if (!allowFloatFallback) throw failure;
  const upgraded = upgradeModel(model);
  return {
    backend: "reference",
    run: async (feeds) => Float32Array.from(runFloat(upgraded, feeds).get(output)!.data as Float32Array),
    release: async () => undefined,
  };
}

/** Index of the largest value, the first one on ties. */
export function argMax(values: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < values.length; i++) if (values[i]! > values[best]!) best = i;
  return best;
}

export type { Tensor };
