import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { connect } from "../../chain/network.js";
import { loadDeployment } from "../../chain/deployments.js";
import { VerinferClient } from "../../chain/client.js";
import { commitModel, fileHash } from "../../engine/commit/model-commit.js";
import { decodeModel } from "../../engine/onnx/decode.js";
import { UsageError } from "../../errors.js";
import { printJson, progress } from "../output.js";

/** Registers a model's parts (or adds a mirror when the id is known) with a URI serving the file. */
export async function modelRegisterCommand(path: string, opts: { uri?: string; network: string; json?: boolean }): Promise<void> {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    throw new UsageError(`cannot read ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, { cause: e });
  }
  let c;
  try {
    c = commitModel(decodeModel(bytes));
  } catch (e) {
    throw new UsageError(`${path}: ${(e as Error).message.split("\n")[0]}`, { cause: e });
  }
  const uri = opts.uri ?? pathToFileURL(resolve(path)).href;
  if (!/^(file|https?|ipfs):\/\//.test(uri)) throw new UsageError(`--uri must be a file://, http(s):// or ipfs:// URI, got "${uri}"`);
  const hash = fileHash(bytes);
  const chain = await connect(opts.network);
  try {
    const client = new VerinferClient(chain.signer, loadDeployment(chain.chainId));
    const already = await client.isRegistered(c.modelId);
    if (!opts.json) progress(`${already ? "adding a mirror to" : "registering"} model ${c.modelId}`);
    const receipt = await client.registerModel(c.modelId, c.parts, hash, uri);
    const answer = { modelId: c.modelId, fileHash: hash, uri, newlyRegistered: !already, txHash: receipt.hash, gasUsed: receipt.gasUsed };
    if (opts.json) printJson(answer);
    else for (const [k, v] of Object.entries(answer)) console.log(`${k.padEnd(16)} ${String(v)}`);
  } finally {
    await chain.close();
  }
}
