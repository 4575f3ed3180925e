/**
 * Runs the float model over the calibration inputs and measures the range of every value the plan
 * needs. onnxruntime runs it when it can load the (upgraded) model, with the measured values added
 * as graph outputs; otherwise the quantizer's own float interpreter does (old opsets, operators
 * onnxruntime has no kernel for). Both see the same float32 values up to summation order.
 */
import * as ort from "onnxruntime-node";
import { encodeModel } from "../../engine/onnx/encode.js";
import type { Model, ValueInfo } from "../../engine/onnx/types.js";
import { dtypeName, type Tensor } from "../../engine/tensor.js";
import { runFloat } from "../float/executor.js";
import type { Plan } from "../graph/plan.js";
import { makeObserver, type CalibrationMethod, type Range, type RangeObserver } from "./observers.js";

export type Feeds = ReadonlyMap<string, Tensor>;
export type CalibrationBackend = "auto" | "onnxruntime" | "reference";

export interface CalibrationOptions {
  readonly method: CalibrationMethod;
  /** Upper percentile for "percentile" (the lower one is 100 - p). */
  readonly percentile: number;
  readonly backend: CalibrationBackend;
  /** Called after each sample (for progress). */
  readonly onSample?: (done: number, total: number) => void;
}

export interface Calibration {
  readonly ranges: ReadonlyMap<string, Range>;
  /** Which interpreter ran the float model. */
  readonly backend: "onnxruntime" | "reference";
}

async function ortSession(model: Model, names: readonly string[], plan: Plan): Promise<ort.InferenceSession> {
  const outputs: ValueInfo[] = [...model.graph.outputs];
  for (const name of names) {
    if (outputs.some((o) => o.name === name)) continue;
    const t = plan.types.get(name)!;
    outputs.push({ name, dtype: t.dtype, shape: [...t.shape] });
  }
  const bytes = encodeModel({ ...model, graph: { ...model.graph, outputs } });
  return ort.InferenceSession.create(bytes, { graphOptimizationLevel: "basic", logSeverityLevel: 4 });
}

export async function calibrate(model: Model, plan: Plan, samples: readonly Feeds[], options: CalibrationOptions): Promise<Calibration> {
  if (samples.length === 0) throw new Error("calibration needs at least one input sample");
  const inputNames = new Set(model.graph.inputs.map((v) => v.name));
  const measured = plan.calibrated.filter((n) => !inputNames.has(n));
  const observers = new Map<string, RangeObserver>(plan.calibrated.map((n) => [n, makeObserver(options.method, options.percentile)]));
  const observeInputs = (feeds: Feeds): void => {
    for (const name of inputNames) observers.get(name)?.observe(feeds.get(name)!.data as Float32Array);
  };

  let session: ort.InferenceSession | undefined;
  if (options.backend !== "reference") {
    try {
      session = await ortSession(model, measured, plan);
    } catch (e) {
      if (options.backend === "onnxruntime") throw e;
    }
  }
  let done = 0;
  for (const feeds of samples) {
    observeInputs(feeds);
    if (measured.length === 0) {
      // Only graph inputs to measure: nothing to run.
    } else if (session !== undefined) {
      const ortFeeds: Record<string, ort.Tensor> = {};
      for (const [k, t] of feeds) ortFeeds[k] = new ort.Tensor(dtypeName(t.dtype) as ort.Tensor.Type, t.data as Float32Array, [...t.shape]);
      const result = await session.run(ortFeeds, measured);
      for (const name of measured) observers.get(name)!.observe(result[name]!.data as Float32Array);
    } else {
      const wanted = new Set(measured);
      runFloat(model, feeds, (name, value) => wanted.has(name) && observers.get(name)!.observe(value.data as Float32Array));
    }
    options.onSample?.(++done, samples.length);
  }
  await session?.release();
  return {
    ranges: new Map([...observers].map(([name, o]) => [name, o.range()])),
    backend: session !== undefined ? "onnxruntime" : "reference",
  };
}
