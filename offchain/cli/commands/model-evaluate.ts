/**
 * `verinfer model evaluate [<int8.onnx>]`: float vs quantized top-1 accuracy, agreement and the
 * largest logit error on the held-apart evaluation digits (never the calibration part). Without a
 * model, the project model (built on first use); with one, --float names its float original.
 */
import { existsSync } from "node:fs";
import { loadModel } from "../../engine/onnx/decode.js";
import { UsageError } from "../../errors.js";
import { digitSamples } from "../../quantize/data/digit-samples.js";
import { mnistSplit } from "../../quantize/data/mnist.js";
import { evaluate } from "../../quantize/evaluate.js";
import { PROJECT_PIXEL_SCALE, projectModel } from "../../quantize/project/project-model.js";
import { printJson, progress } from "../output.js";
import { throttledProgress } from "./progress.js";

export interface EvaluateCommandOptions {
  readonly float?: string;
  readonly pixelScale?: string;
  readonly digits?: string;
  readonly json?: boolean;
}

export async function modelEvaluateCommand(quantizedArg: string | undefined, opts: EvaluateCommandOptions): Promise<void> {
  let quantizedPath = quantizedArg;
  let floatPath = opts.float;
  let pixelScale = opts.pixelScale === undefined ? 1 : Number(opts.pixelScale);
  if (!(pixelScale > 0)) throw new UsageError(`--pixel-scale must be a positive number, got "${opts.pixelScale}"`);
  if (quantizedPath === undefined) {
    const p = await projectModel({ progress });
    quantizedPath = p.quantizedPath;
    floatPath ??= p.floatPath;
    pixelScale = opts.pixelScale === undefined ? PROJECT_PIXEL_SCALE : pixelScale;
  }
  if (floatPath === undefined) throw new UsageError("--float <float.onnx> is needed to evaluate a quantized model of your own");
  for (const f of [quantizedPath, floatPath]) if (!existsSync(f)) throw new UsageError(`no such model file: ${f}`);
  const [floatModel, quantizedModel] = await Promise.all([loadModel(floatPath), loadModel(quantizedPath)]);
  let { evaluation } = mnistSplit();
  if (opts.digits !== undefined) {
    const n = Number(opts.digits);
    if (!Number.isInteger(n) || n < 1) throw new UsageError(`--digits must be a positive integer, got "${opts.digits}"`);
    evaluation = evaluation.slice(0, n);
  }
  const report = throttledProgress();
  const e = await evaluate(floatModel, quantizedModel, digitSamples(quantizedModel, evaluation, pixelScale), (done, total) =>
    report(`evaluating: ${done}/${total} digits`),
  );
  const answer = { model: quantizedPath, floatModel: floatPath, pixelScale, ...e };
  if (opts.json) return printJson(answer);
  const pct = (v: number): string => `${(100 * v).toFixed(2)}%`;
  console.log(`evaluation digits  ${e.samples} (held apart from training and calibration)`);
  console.log(`float accuracy     ${pct(e.floatAccuracy)}`);
  console.log(`quantized accuracy ${pct(e.quantizedAccuracy)}  (${e.accuracyLossPoints > 0 ? "-" : e.accuracyLossPoints < 0 ? "+" : "±"}${Math.abs(e.accuracyLossPoints).toFixed(2)} pp)`);
  console.log(`top-1 agreement    ${pct(e.agreement)}`);
  console.log(`max logit error    ${e.maxLogitError.toPrecision(4)}`);
}
