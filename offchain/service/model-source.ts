/**
 * Fetching a model to serve or check (DESIGN.md, "Registry"): never trust the registrant. Each
 * registered mirror is tried in turn (non-deprecated first): the file is fetched (file://, or
 * http(s):// with a size cap and a timeout), its sha256 must equal the mirror's fileHash, the
 * model id recomputed from the file must equal the registered id, and the file must load inside
 * the int8 profile. The first mirror passing all three is cached under <home>/models/<id>.onnx;
 * when none does, the model is refused with every mirror's reason.
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync, existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { commitModel, fileHash } from "../engine/commit/model-commit.js";
import { decodeModel } from "../engine/onnx/decode.js";
import { VerinferError } from "../errors.js";
import type { ModelRegistry } from "../chain/contracts.js";
import type { Store } from "../store/store.js";

export class ModelSourceError extends VerinferError {
  override name = "ModelSourceError";
}

export const MAX_MODEL_BYTES = 256 * 1024 * 1024;

export async function fetchUri(uri: string, timeoutMs = 30_000): Promise<Uint8Array> {
  if (uri.startsWith("file://")) return readFile(fileURLToPath(uri));
  if (/^https?:\/\//.test(uri)) {
    const res = await fetch(uri, { signal: AbortSignal.timeout(timeoutMs) });
    if (!res.ok) throw new ModelSourceError(`HTTP ${res.status}`);
    const length = Number(res.headers.get("content-length") ?? "0");
    if (length > MAX_MODEL_BYTES) throw new ModelSourceError(`${length} bytes, over the ${MAX_MODEL_BYTES}-byte cap`);
    const bytes = new Uint8Array(await res.arrayBuffer());
    if (bytes.length > MAX_MODEL_BYTES) throw new ModelSourceError(`over the ${MAX_MODEL_BYTES}-byte cap`);
    return bytes;
  }
  throw new ModelSourceError(`unsupported URI scheme (file://, http://, https:// are fetched)`);
}

export interface VerifiedModel {
  readonly modelId: string;
  readonly bytes: Uint8Array;
  readonly uri: string;
}

/** Checks bytes against a mirror's hash and the registered id; returns a reason on failure. */
export function checkModelFile(bytes: Uint8Array, expectedFileHash: string, modelId: string): string | null {
  const hash = fileHash(bytes);
  if (hash.toLowerCase() !== expectedFileHash.toLowerCase()) return `file hash ${hash} is not the mirror's ${expectedFileHash}`;
  let id: string;
  try {
    id = commitModel(decodeModel(bytes)).modelId;
  } catch (e) {
    return `the file does not commit: ${(e as Error).message.split("\n")[0]}`;
  }
  if (id.toLowerCase() !== modelId.toLowerCase()) return `the file's model id is ${id}, not ${modelId}`;
  return null;
}

export async function fetchVerifiedModel(registry: ModelRegistry, store: Store, home: string, modelId: string): Promise<VerifiedModel> {
  const cached = store.models.get(modelId);
  if (cached && existsSync(cached.path)) {
    const bytes = readFileSync(cached.path);
    if (checkModelFile(bytes, cached.fileHash, modelId) === null) return { modelId, bytes, uri: cached.uri };
  }
  if (!(await registry.isRegistered(modelId))) throw new ModelSourceError(`model ${modelId} is not registered`);
  const count = Number(await registry.mirrorCount(modelId));
  const mirrors = [];
  for (let i = 0; i < count; i++) mirrors.push(await registry.mirror(modelId, i));
  mirrors.sort((a, b) => Number(a.deprecated) - Number(b.deprecated));
  const reasons: string[] = [];
  for (const m of mirrors) {
    let bytes: Uint8Array;
    try {
      bytes = await fetchUri(m.uri);
    } catch (e) {
      reasons.push(`${m.uri}: cannot fetch (${(e as Error).message.split("\n")[0]})`);
      continue;
    }
    const reason = checkModelFile(bytes, m.fileHash, modelId);
    if (reason) {
      reasons.push(`${m.uri}: ${reason}`);
      continue;
    }
    const dir = join(home, "models");
    mkdirSync(dir, { recursive: true });
    const path = join(dir, `${modelId.toLowerCase()}.onnx`);
    writeFileSync(`${path}.tmp`, bytes);
    renameSync(`${path}.tmp`, path);
    store.models.verified({ modelId, fileHash: m.fileHash, uri: m.uri, path });
    return { modelId, bytes, uri: m.uri };
  }
  throw new ModelSourceError(`model ${modelId} refused: no registered mirror serves a matching file (${reasons.join("; ") || "no mirrors"})`);
}
