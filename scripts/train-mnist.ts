/**
 * Builds the project's model: trains the MNIST CNN on the `mnist` package's training digits
 * (seeded), exports it to float ONNX, quantizes it into the int8 profile, and caches both under
 * .verinfer/models/ (reused after the first run; --force rebuilds, --dir writes elsewhere).
 *
 *   npx tsx scripts/train-mnist.ts [--force] [--dir <directory>]
 */
import { buildProjectModel, projectModel, projectModelDir, readBuildInfo } from "../offchain/quantize/project/project-model.js";

const args = process.argv.slice(2);
const dirAt = args.indexOf("--dir");
const dir = dirAt >= 0 ? args[dirAt + 1] : undefined;
const progress = (m: string): void => void process.stderr.write(`${m}\n`);
const target = dir ?? projectModelDir();
const paths = args.includes("--force") ? await buildProjectModel(target, progress) : await projectModel({ dir: target, progress });
const info = readBuildInfo(paths);
console.log(`float model      ${paths.floatPath}  sha256 ${info.floatSha256}`);
console.log(`quantized model  ${paths.quantizedPath}  sha256 ${info.quantizedSha256}`);
console.log(`trained in ${info.trainingSeconds.toFixed(1)} s on ${info.trainingDigits} digits; epoch losses ${info.losses.map((l) => l.toFixed(4)).join(", ")}`);
