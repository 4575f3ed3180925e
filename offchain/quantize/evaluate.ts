/**
 * Float vs quantized on labelled samples: top-1 accuracy of each, how often their top-1 agree, and
 * the largest absolute difference between a float logit and the quantized one.
 */
import type { Model } from "../engine/onnx/types.js";
import type { LabelledSample } from "./data/digit-samples.js";
import { argMax, createRunner } from "./runner.js";

export interface Evaluation {
  readonly samples: number;
  /** Fractions in [0, 1]. */
  readonly floatAccuracy: number;
  readonly quantizedAccuracy: number;
  readonly agreement: number;
  readonly maxLogitError: number;
  /** Percentage points lost: 100 * (float - quantized accuracy). */
  readonly accuracyLossPoints: number;
  readonly floatBackend: "onnxruntime" | "reference";
}

export async function evaluate(
  floatModel: Model,
  quantizedModel: Model,
  samples: readonly LabelledSample[],
  onSample?: (done: number, total: number) => void,
): Promise<Evaluation> {
  const float = await createRunner(floatModel, true);
  const quantized = await createRunner(quantizedModel, false);
  let floatCorrect = 0;
  let quantizedCorrect = 0;
  let agree = 0;
  let maxLogitError = 0;
  try {
    for (let i = 0; i < samples.length; i++) {
      const s = samples[i]!;
      const f = await float.run(s.feeds);
      const q = await quantized.run(s.feeds);
      const fTop = argMax(f);
      const qTop = argMax(q);
      if (fTop === s.label) floatCorrect++;
      if (qTop === s.label) quantizedCorrect++;
      if (fTop === qTop) agree++;
      for (let j = 0; j < f.length; j++) maxLogitError = Math.max(maxLogitError, Math.abs(f[j]! - q[j]!));
      onSample?.(i + 1, samples.length);
    }
  } finally {
    await float.release();
    await quantized.release();
  }
  const n = samples.length;
  return {
    samples: n,
    floatAccuracy: floatCorrect / n,
    quantizedAccuracy: quantizedCorrect / n,
    agreement: agree / n,
    maxLogitError,
    accuracyLossPoints: (100 * (floatCorrect - quantizedCorrect)) / n,
    floatBackend: float.backend,
  };
}
