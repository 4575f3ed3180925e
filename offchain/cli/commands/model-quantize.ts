/** `verinfer model quantize <float.onnx> --calibration <data> -o <int8.onnx>` (see offchain/quantize). */
import { createHash } from "node:crypto";
import { existsSync, renameSync, writeFileSync } from "node:fs";
import { loadModel } from "../../engine/onnx/decode.js";
import { UsageError } from "../../errors.js";
import { readCalibration } from "../../quantize/data/calibration.js";
import { QuantizeError, describeProblem } from "../../quantize/errors.js";
import { quantize, DEFAULT_PERCENTILE } from "../../quantize/quantize.js";
import { EXIT_ERROR, printJson, progress } from "../output.js";
import { throttledProgress } from "./progress.js";

export interface QuantizeCommandOptions {
  readonly calibration: string;
  readonly output: string;
  readonly method?: string;
  readonly percentile?: string;
  readonly reduceRange?: boolean;
  readonly perChannel?: string;
  readonly json?: boolean;
}

export async function modelQuantizeCommand(input: string, opts: QuantizeCommandOptions): Promise<void> {
  const method = opts.method ?? "minmax";
  if (method !== "minmax" && method !== "percentile") throw new UsageError(`--method must be minmax or percentile, got "${method}"`);
  const perChannel = opts.perChannel ?? "conv";
  if (perChannel !== "conv" && perChannel !== "all" && perChannel !== "none") throw new UsageError(`--per-channel must be conv, all or none, got "${perChannel}"`);
  const percentile = opts.percentile === undefined ? DEFAULT_PERCENTILE : Number(opts.percentile);
  if (!(percentile > 50 && percentile <= 100)) throw new UsageError(`--percentile must be in (50, 100], got "${opts.percentile}"`);
  if (!existsSync(input)) throw new UsageError(`no such model file: ${input}`);
  const model = await loadModel(input);
  const samples = readCalibration(model, opts.calibration);
  const report = throttledProgress();
  let result;
  try {
    result = await quantize(model, samples, {
      method,
      percentile,
      reduceRange: opts.reduceRange !== false,
      perChannel,
      onSample: (done, total) => report(`calibrating: ${done}/${total} samples`),
    });
  } catch (e) {
    if (!(e instanceof QuantizeError)) throw e;
    // Nothing was written. Every problem is listed, not only the first.
    if (opts.json) printJson({ error: e.shortMessage, kind: e.name, unsupported: e.problems });
    for (const p of e.problems) progress(`  ${describeProblem(p)}`);
    progress(`verinfer: ${e.shortMessage}`);
    process.exitCode = EXIT_ERROR;
    return;
  }
  const tmp = `${opts.output}.${process.pid}.tmp`;
  writeFileSync(tmp, result.bytes);
  renameSync(tmp, opts.output);
  const answer = {
    output: opts.output,
    fileHash: `0x${createHash("sha256").update(result.bytes).digest("hex")}`,
    verifiable: result.verdict.verifiable,
    profile: result.verdict.profile,
    ops: result.verdict.ops,
    calibrationSamples: samples.length,
    calibrationBackend: result.calibrationBackend,
    method,
    reduceRange: opts.reduceRange !== false,
    perChannel,
  };
  if (opts.json) return printJson(answer);
  console.log(`wrote ${opts.output} (int8 profile, verifiable)`);
  console.log(`ops: ${Object.entries(answer.ops).map(([k, v]) => `${k} x${v}`).join(", ")}`);
  console.log(`calibration: ${samples.length} samples, ${method}, run by ${result.calibrationBackend}; weights ${answer.reduceRange ? "7-bit (reduce_range)" : "8-bit"}, per-channel ${perChannel}`);
}
