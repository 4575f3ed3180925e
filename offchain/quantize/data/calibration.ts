/**
 * Calibration data for `verinfer model quantize --calibration <data>`, in one of four forms:
 *   mnist:<count>[:<pixelScale>]  the first <count> digits of the training part of the `mnist`
 *                                 package (never the evaluation part), pixels in [0, 1] times
 *                                 <pixelScale> (default 1; 255 for models fed 0..255);
 *   <dir>/ with test_data_set_*   ONNX test-data layout: each test_data_set_N/input_K.pb is input K
 *                                 of one sample;
 *   <dir>/ of *.pb                one TensorProto per sample (single-input models), by file name;
 *   <file>.pb                     one sample;
 *   <file>.json                   an array of samples, each a flat number array (single-input
 *                                 models) or an object { "<input name>": [numbers] }; shapes are
 *                                 the model's.
 */
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { decodeTensor } from "../../engine/onnx/tensor-proto.js";
import type { Model } from "../../engine/onnx/types.js";
import { DType, numel, type Tensor } from "../../engine/tensor.js";
import { UsageError } from "../../errors.js";
import type { Feeds } from "../calibrate/collect.js";
import { digitSamples } from "./digit-samples.js";
import { mnistSplit } from "./mnist.js";

const MNIST = /^mnist:(\d+)(?::(\d+(?:\.\d+)?))?$/;

function staticShape(model: Model, i: number): number[] {
  const v = model.graph.inputs[i]!;
  const shape = v.shape ?? [];
  if (shape.some((d) => typeof d !== "number")) throw new UsageError(`input "${v.name}" has no static shape [${shape}]`);
  return shape as number[];
}

function pbFeeds(model: Model, files: readonly string[]): Feeds {
  if (files.length !== model.graph.inputs.length) throw new UsageError(`a sample has ${files.length} .pb files, the model has ${model.graph.inputs.length} inputs`);
  return new Map(model.graph.inputs.map((v, i) => [v.name, decodeTensor(readFileSync(files[i]!), files[i]).tensor] as [string, Tensor]));
}

function jsonFeeds(model: Model, sample: unknown, index: number): Feeds {
  const inputs = model.graph.inputs;
  const byName: Record<string, unknown> = Array.isArray(sample) ? (inputs.length === 1 ? { [inputs[0]!.name]: sample } : {}) : (sample as Record<string, unknown>);
  return new Map(
    inputs.map((v, i) => {
      const values = byName?.[v.name];
      const shape = staticShape(model, i);
      if (!Array.isArray(values) || values.length !== numel(shape) || values.some((x) => typeof x !== "number")) {
        throw new UsageError(`calibration sample ${index}: "${v.name}" needs ${numel(shape)} numbers`);
      }
      return [v.name, { dtype: DType.FLOAT, shape, data: Float32Array.from(values as number[]) }] as [string, Tensor];
    }),
  );
}

export function readCalibration(model: Model, spec: string): Feeds[] {
  const m = MNIST.exec(spec);
  if (m !== null) {
    const count = Number(m[1]);
    const { training } = mnistSplit();
    if (count < 1 || count > training.length) throw new UsageError(`mnist:<count> must be 1..${training.length}, got ${count}`);
    return digitSamples(model, training.slice(0, count), m[2] === undefined ? 1 : Number(m[2])).map((s) => s.feeds);
  }
  if (!existsSync(spec)) throw new UsageError(`calibration data "${spec}" is neither mnist:<count> nor an existing file or directory`);
  if (statSync(spec).isDirectory()) {
    const entries = readdirSync(spec).sort();
    const sets = entries.filter((e) => /^test_data_set_\d+$/.test(e)).sort((a, b) => Number(a.slice(14)) - Number(b.slice(14)));
    if (sets.length > 0) {
      return sets.map((s) => {
        const dir = join(spec, s);
        const inputs = readdirSync(dir).filter((f) => /^input_\d+\.pb$/.test(f)).sort((a, b) => Number(a.slice(6, -3)) - Number(b.slice(6, -3)));
        return pbFeeds(model, inputs.map((f) => join(dir, f)));
      });
    }
    const pbs = entries.filter((e) => e.endsWith(".pb"));
    if (pbs.length === 0) throw new UsageError(`calibration directory "${spec}" has no .pb files and no test_data_set_* folders`);
    return pbs.map((f) => pbFeeds(model, [join(spec, f)]));
  }
  if (spec.endsWith(".pb")) return [pbFeeds(model, [spec])];
  if (spec.endsWith(".json")) {
    let data: unknown;
    try {
      data = JSON.parse(readFileSync(spec, "utf8"));
    } catch (e) {
      throw new UsageError(`calibration file "${spec}" is not valid JSON: ${(e as Error).message}`);
    }
    if (!Array.isArray(data)) throw new UsageError(`calibration file "${spec}" must hold a JSON array of samples`);
    return data.map((s, i) => jsonFeeds(model, s, i));
  }
  throw new UsageError(`calibration data "${spec}": expected mnist:<count>, a directory, a .pb or a .json file`);
}
