/**
 * Quantization accuracy: float vs int8 top-1 accuracy, agreement and the largest logit error on
 * the held-apart evaluation digits, for the project CNN and the Model Zoo mnist-8 (from
 * ../shared), with min-max (the default) and percentile calibration; and how many of the 10,000
 * digits onnxruntime and the reference interpreter answer with identical bits.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { loadModelSync } from "../offchain/engine/onnx/decode.js";
import type { Model } from "../offchain/engine/onnx/types.js";
import { runReference } from "../offchain/engine/exec/reference.js";
import { inferShapes } from "../offchain/engine/onnx/shapes.js";
import { digitSamples } from "../offchain/quantize/data/digit-samples.js";
import { mnistDigits, mnistSplit } from "../offchain/quantize/data/mnist.js";
import { evaluate } from "../offchain/quantize/evaluate.js";
import { PROJECT_CALIBRATION_DIGITS, projectModel, readBuildInfo } from "../offchain/quantize/project/project-model.js";
import { quantize, type QuantizeOptions } from "../offchain/quantize/quantize.js";
import { createRunner } from "../offchain/quantize/runner.js";
import type { BenchSection } from "./run.js";

const SHARED = process.env.VERINFER_SHARED ?? "../shared";

async function bitExact(model: Model, pixelScale: number): Promise<number> {
  const ort = await createRunner(model, false);
  const types = inferShapes(model);
  const out = model.graph.outputs[0]!.name;
  let same = 0;
  for (const s of digitSamples(model, mnistDigits(), pixelScale)) {
    const a = await ort.run(s.feeds);
    const b = runReference(model, s.feeds, { types }).get(out)!.data as Float32Array;
    if (Buffer.from(a.buffer).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength))) same++;
  }
  await ort.release();
  return same;
}

export async function quantizeBenchmark(): Promise<BenchSection> {
  const project = await projectModel();
  const info = readBuildInfo(project);
  const models: { name: string; float: Model; scale: number }[] = [{ name: "project CNN", float: loadModelSync(project.floatPath), scale: 1 }];
  const mnist8 = join(SHARED, "models", "mnist-8", "model.onnx");
  if (existsSync(mnist8)) models.push({ name: "mnist-8 (Model Zoo)", float: loadModelSync(mnist8), scale: 255 });
  const { training, evaluation } = mnistSplit();
  const methods: { label: string; options: QuantizeOptions }[] = [
    { label: "min-max (default)", options: {} },
    { label: "percentile 99.99", options: { method: "percentile", percentile: 99.99 } },
  ];
  const rows: string[] = [];
  const exact: string[] = [];
  for (const m of models) {
    const calibration = digitSamples(m.float, training.slice(0, PROJECT_CALIBRATION_DIGITS), m.scale).map((s) => s.feeds);
    const samples = digitSamples(m.float, evaluation, m.scale);
    for (const method of methods) {
      const { model } = await quantize(m.float, calibration, method.options);
      const e = await evaluate(m.float, model, samples);
      const pct = (v: number): string => `${(100 * v).toFixed(2)}%`;
      rows.push(`| ${m.name} | ${method.label} | ${pct(e.floatAccuracy)} | ${pct(e.quantizedAccuracy)} | ${(-e.accuracyLossPoints).toFixed(2)} | ${pct(e.agreement)} | ${e.maxLogitError.toPrecision(4)} | ${e.samples} |`);
      if (method.options.method === undefined) {
        process.stderr.write(`bench: quantize: ${m.name}: bit-exactness over 10,000 digits...\n`);
        exact.push(`| ${m.name} | ${await bitExact(model, m.scale)} / ${mnistDigits().length} |`);
      }
    }
  }
  return {
    title: "Quantization accuracy (int8 profile)",
    markdown: [
      `Evaluation on the ${evaluation.length} held-apart digits of the \`mnist\` package (never used for training or`,
      `calibration); calibration on the first ${PROJECT_CALIBRATION_DIGITS} training digits. Weights 7-bit (reduce_range),`,
      "per-channel for QLinearConv, per-tensor for QGemm; activations uint8. Project CNN trained in",
      `${info.trainingSeconds.toFixed(1)} s (${info.cnn.epochs} epochs, ${info.trainingDigits} digits).`,
      "",
      "| model | calibration | float top-1 | int8 top-1 | change (pp) | agreement | max logit error | digits |",
      "| --- | --- | --- | --- | --- | --- | --- | --- |",
      ...rows,
      "",
      "Default quantized models, onnxruntime (optimization \"all\") vs the reference interpreter, all 10,000 digits:",
      "",
      "| model | identical outputs |",
      "| --- | --- |",
      ...exact,
    ].join("\n"),
  };
}
