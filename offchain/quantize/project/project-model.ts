/**
 * The project's own model, built from nothing but the install: train the CNN on the training part
 * of the `mnist` package's digits, export it to float ONNX, quantize it (calibration on the first
 * digits of the training part), and cache both files under .verinfer/models/<version>/ (or
 * $VERINFER_MODELS_DIR/<version>/). Every step is deterministic, so every build writes the same
 * bytes; bump PROJECT_MODEL_VERSION whenever the recipe changes, so no stale cache is reused.
 */
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { encodeModel } from "../../engine/onnx/encode.js";
import { digitSamples } from "../data/digit-samples.js";
import { mnistSplit } from "../data/mnist.js";
import { quantize } from "../quantize.js";
import { trainCnn, type CnnConfig } from "./cnn.js";
import { cnnToOnnx } from "./export.js";

export const PROJECT_MODEL_VERSION = "mnist-cnn-v1";
export const PROJECT_CNN: CnnConfig = { channels1: 4, channels2: 8, epochs: 4, batchSize: 32, learningRate: 0.004, seed: 4 };
/** Calibration digits: this many from the start of the training part (class-balanced). */
export const PROJECT_CALIBRATION_DIGITS = 500;
/** The project model takes the package's pixels as they are, in [0, 1]. */
export const PROJECT_PIXEL_SCALE = 1;

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..", "..");

export interface ProjectModelPaths {
  readonly dir: string;
  readonly floatPath: string;
  readonly quantizedPath: string;
  /** build.json: recipe, file hashes, training time and losses. */
  readonly infoPath: string;
}

export interface BuildInfo {
  readonly version: string;
  readonly cnn: CnnConfig;
  readonly calibrationDigits: number;
  readonly trainingDigits: number;
  readonly trainingSeconds: number;
  readonly losses: readonly number[];
  readonly floatSha256: string;
  readonly quantizedSha256: string;
}

export function projectModelDir(base = process.env.VERINFER_MODELS_DIR ?? join(REPO_ROOT, ".verinfer", "models")): string {
  return join(base, PROJECT_MODEL_VERSION);
}

function paths(dir: string): ProjectModelPaths {
  return { dir, floatPath: join(dir, "float.onnx"), quantizedPath: join(dir, "int8.onnx"), infoPath: join(dir, "build.json") };
}

/** Writes through a temporary file and a rename, so a reader never sees half a file. */
function writeAtomic(path: string, data: Uint8Array | string): void {
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, data);
  renameSync(tmp, path);
}

const sha256 = (b: Uint8Array): string => createHash("sha256").update(b).digest("hex");

/** Trains, exports and quantizes into `dir` (overwriting); returns the paths. */
export async function buildProjectModel(dir = projectModelDir(), progress?: (message: string) => void): Promise<ProjectModelPaths> {
  const { training } = mnistSplit();
  const started = Date.now();
  progress?.(`training the project CNN on ${training.length} digits (${PROJECT_CNN.epochs} epochs)...`);
  const { params, losses } = trainCnn(PROJECT_CNN, training, (epoch, loss) => progress?.(`  epoch ${epoch}: loss ${loss.toFixed(4)}`));
  const trainingSeconds = (Date.now() - started) / 1000;
  const floatModel = cnnToOnnx(params);
  const floatBytes = encodeModel(floatModel);
  progress?.(`quantizing (calibration on ${PROJECT_CALIBRATION_DIGITS} training digits)...`);
  const calibration = digitSamples(floatModel, training.slice(0, PROJECT_CALIBRATION_DIGITS), PROJECT_PIXEL_SCALE).map((s) => s.feeds);
  const { bytes } = await quantize(floatModel, calibration);
  const p = paths(dir);
  mkdirSync(dir, { recursive: true });
  const info: BuildInfo = {
    version: PROJECT_MODEL_VERSION,
    cnn: PROJECT_CNN,
    calibrationDigits: PROJECT_CALIBRATION_DIGITS,
    trainingDigits: training.length,
    trainingSeconds,
    losses,
    floatSha256: sha256(floatBytes),
    quantizedSha256: sha256(bytes),
  };
  writeAtomic(p.floatPath, floatBytes);
  writeAtomic(p.quantizedPath, bytes);
  writeAtomic(p.infoPath, JSON.stringify(info, null, 2) + "\n");
  return p;
}

/** The project model's files, built on first use and reused after. */
export async function projectModel(options: { dir?: string; progress?: (message: string) => void } = {}): Promise<ProjectModelPaths> {
  const p = paths(options.dir ?? projectModelDir());
  if (existsSync(p.floatPath) && existsSync(p.quantizedPath) && existsSync(p.infoPath)) return p;
  return buildProjectModel(p.dir, options.progress);
}

export function readBuildInfo(p: ProjectModelPaths): BuildInfo {
  return JSON.parse(readFileSync(p.infoPath, "utf8")) as BuildInfo;
}
