import { readFileSync } from "node:fs";
import { decodeModel } from "../../engine/onnx/decode.js";
import { commitModel, fileHash, ModelCommitError } from "../../engine/commit/model-commit.js";
import { UsageError, VerinferError } from "../../errors.js";
import { printJson } from "../output.js";

export async function modelHashCommand(path: string, opts: { json?: boolean; parts?: boolean }): Promise<void> {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    throw new UsageError(`cannot read ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, { cause: e });
  }
  const hash = fileHash(bytes);
  const model = (() => {
    try {
      return decodeModel(bytes);
    } catch (e) {
      throw new UsageError(`${path}: ${(e as Error).message}`, { cause: e });
    }
  })();
  try {
    const c = commitModel(model);
    if (opts.json) {
      printJson({ modelId: c.modelId, fileHash: hash, nodeCount: c.parts.nodeCount, slotCount: c.parts.slotCount, ...(opts.parts ? { parts: c.parts } : {}) });
      return;
    }
    console.log(`modelId   ${c.modelId}`);
    console.log(`fileHash  ${hash}`);
    console.log(`nodes     ${c.parts.nodeCount}, value slots ${c.parts.slotCount}`);
  } catch (e) {
    if (!(e instanceof ModelCommitError)) throw e;
    if (!opts.json) {
      console.log(`fileHash  ${hash}`);
      throw new VerinferError(`${path}: ${e.message}`, { cause: e });
    }
    // One JSON answer on stdout, the one-line error on stderr, a non-zero exit.
    printJson({ modelId: null, fileHash: hash, verifiable: false, error: e.message });
    process.stderr.write(`verinfer: ${path}: ${e.message}\n`);
    process.exitCode = 1;
  }
}
