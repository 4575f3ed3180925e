/** Digits as model inputs: one float32 tensor of the model's single input shape (784 elements). */
import type { Model } from "../../engine/onnx/types.js";
import { DType } from "../../engine/tensor.js";
import { UsageError } from "../../errors.js";
import type { Feeds } from "../calibrate/collect.js";
import { DIGIT_PIXELS, type Digit } from "./mnist.js";

export interface LabelledSample {
  readonly feeds: Feeds;
  readonly label: number;
}

/** `pixelScale` multiplies the package's [0, 1] pixels (255 for models trained on 0..255 input). */
export function digitSamples(model: Model, digits: readonly Digit[], pixelScale = 1): LabelledSample[] {
  const inputs = model.graph.inputs;
  const input = inputs[0];
  if (inputs.length !== 1 || input === undefined) throw new UsageError(`digit data needs a model with one input, this one has ${inputs.length}`);
  const shape = input.shape ?? [];
  if (shape.some((d) => typeof d !== "number") || shape.reduce<number>((p, d) => p * (d as number), 1) !== DIGIT_PIXELS) {
    throw new UsageError(`digit data needs an input of ${DIGIT_PIXELS} elements with a static shape, "${input.name}" is [${shape}]`);
  }
  return digits.map((d) => ({
    label: d.label,
    feeds: new Map([[input.name, { dtype: DType.FLOAT, shape: shape as number[], data: pixelScale === 1 ? d.pixels : d.pixels.map((p) => p * pixelScale) }]]),
  }));
}
