/**
 * Input files for a run or a job: ONNX TensorProto `.pb` (the `test_data_set_N/input_N.pb` format)
 * or JSON (json-tensor.ts), chosen by extension, or by the first byte when the extension is neither.
 * Each file is read for one graph input; a JSON file without dtype/shape takes that input's.
 */
import { readFileSync } from "node:fs";
import { basename, extname } from "node:path";
import { OnnxFormatError } from "../onnx/errors.js";
import { decodeTensor } from "../onnx/tensor-proto.js";
import type { ValueInfo } from "../onnx/types.js";
import type { Tensor } from "../tensor.js";
import { EngineInputError } from "./errors.js";
import { tensorFromJson } from "./json-tensor.js";

function looksLikeJson(bytes: Uint8Array): boolean {
  for (const b of bytes) {
    if (b === 0x20 || b === 0x0a || b === 0x0d || b === 0x09) continue;
    return b === 0x7b || b === 0x5b; // { or [
  }
  return false;
}

/** Parses input bytes (named `file` in errors) for the graph input `expected`. */
export function parseInput(bytes: Uint8Array, file: string, expected: ValueInfo): Tensor {
  const ext = extname(file).toLowerCase();
  const what = `input file ${basename(file)}`;
  if (ext === ".json" || (ext !== ".pb" && looksLikeJson(bytes))) {
    let value: unknown;
    try {
      value = JSON.parse(Buffer.from(bytes).toString("utf8"));
    } catch (e) {
      throw new EngineInputError(`${what} is not valid JSON (${(e as Error).message.split("\n")[0]})`, { cause: e });
    }
    return tensorFromJson(value, expected, what);
  }
  try {
    return decodeTensor(bytes, what).tensor;
  } catch (e) {
    if (e instanceof OnnxFormatError) throw new EngineInputError(e.message, { cause: e });
    throw e;
  }
}

/** Reads an input file for the graph input `expected`. */
export function readInputFile(file: string, expected: ValueInfo): Tensor {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(file);
  } catch (e) {
    throw new EngineInputError(`cannot read input file ${file}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`, { cause: e });
  }
  return parseInput(bytes, file, expected);
}

/** Reads one file per graph input, in the model's input order. */
export function readInputFiles(files: readonly string[], inputs: readonly ValueInfo[]): Tensor[] {
  if (files.length > inputs.length) {
    throw new EngineInputError(`extra input: ${files.length} input files given, the model takes ${inputs.length} (${inputs.map((i) => `"${i.name}"`).join(", ")})`);
  }
  return files.map((f, i) => readInputFile(f, inputs[i]!));
}
