/**
 * Static post-training quantization of a float ONNX model into the verifiable int8 profile:
 * upgrade (opset, explicit pads, constant folding) -> plan (patterns, refusals by node) ->
 * calibrate (activation ranges) -> emit (QOperator graph) -> checkProfile (the int32 accumulator
 * bound on the real weights, every static rule). Either the result is verifiable or a
 * QuantizeError names every node that is not; nothing half-quantized is ever returned.
 */
import { encodeModel } from "../engine/onnx/encode.js";
import type { Model } from "../engine/onnx/types.js";
import { checkProfile } from "../engine/profile/check-profile.js";
import type { ProfileVerdict } from "../engine/profile/verdict.js";
import { DType, dtypeName } from "../engine/tensor.js";
import { UsageError } from "../errors.js";
import { calibrate, type CalibrationBackend, type Feeds } from "./calibrate/collect.js";
import type { CalibrationMethod, Range } from "./calibrate/observers.js";
import { QuantizeError } from "./errors.js";
import { emitQuantized } from "./graph/emit.js";
import { planQuantization } from "./graph/plan.js";
import { upgradeModel } from "./graph/upgrade.js";
import { activationParams } from "./params.js";

export type { Feeds } from "./calibrate/collect.js";

export interface QuantizeOptions {
  /** Activation range estimator; default "minmax" (see docs: it measured at least as accurate here). */
  readonly method?: CalibrationMethod;
  /** Upper percentile of the "percentile" method; default 99.99. */
  readonly percentile?: number;
  /**
   * 7-bit weights in [-63, 63] (default true): u8 x s8 pair sums then fit int16, so onnxruntime's
   * AVX2-without-VNNI kernels cannot saturate and drift from the canonical semantics.
   */
  readonly reduceRange?: boolean;
  /** Per-channel weight scales: "conv" (default: QLinearConv per channel, QGemm per tensor), "all" or "none". */
  readonly perChannel?: "conv" | "all" | "none";
  /** Who runs the float model for calibration; default "auto" (onnxruntime, else the reference). */
  readonly backend?: CalibrationBackend;
  /** Progress callback (once per calibration sample). */
  readonly onSample?: (done: number, total: number) => void;
}

export const DEFAULT_METHOD: CalibrationMethod = "minmax";
export const DEFAULT_PERCENTILE = 99.99;

export interface QuantizeResult {
  readonly model: Model;
  readonly bytes: Uint8Array;
  readonly verdict: ProfileVerdict;
  readonly calibrationBackend: "onnxruntime" | "reference";
  /** Calibrated float ranges by float value name. */
  readonly ranges: ReadonlyMap<string, Range>;
}

function checkSamples(model: Model, samples: readonly Feeds[]): void {
  if (samples.length === 0) throw new UsageError("calibration needs at least one input sample");
  samples.forEach((feeds, i) => {
    for (const v of model.graph.inputs) {
      const t = feeds.get(v.name);
      const want = v.shape ?? [];
      if (t === undefined) throw new UsageError(`calibration sample ${i} has no value for input "${v.name}"`);
      if (t.dtype !== DType.FLOAT) throw new UsageError(`calibration sample ${i}: input "${v.name}" is ${dtypeName(t.dtype)}, the model wants float32`);
      if (t.shape.length !== want.length || want.some((d, j) => typeof d === "number" && d !== t.shape[j])) {
        throw new UsageError(`calibration sample ${i}: input "${v.name}" has shape [${t.shape}], the model wants [${want}]`);
      }
    }
  });
}

export async function quantize(floatModel: Model, calibrationInputs: readonly Feeds[], options: QuantizeOptions = {}): Promise<QuantizeResult> {
  const upgraded = upgradeModel(floatModel);
  const plan = planQuantization(upgraded);
  checkSamples(upgraded, calibrationInputs);
  const calibration = await calibrate(upgraded, plan, calibrationInputs, {
    method: options.method ?? DEFAULT_METHOD,
    percentile: options.percentile ?? DEFAULT_PERCENTILE,
    backend: options.backend ?? "auto",
    onSample: options.onSample,
  });
  const perChannel = options.perChannel ?? "conv";
  const { model, problems } = emitQuantized(upgraded, plan, (v) => activationParams(calibration.ranges.get(v)!), {
    weightQmax: options.reduceRange === false ? 127 : 63,
    perChannelConv: perChannel !== "none",
    perChannelGemm: perChannel === "all",
  });
  if (problems.length > 0) throw new QuantizeError(problems);
  const verdict = checkProfile(model);
  if (!verdict.verifiable) throw new QuantizeError(verdict.unsupported);
  return { model, bytes: encodeModel(model), verdict, calibrationBackend: calibration.backend, ranges: calibration.ranges };
}
