/** Model files this node fetched and verified (hash, recomputed id), cached on disk. */
import type { DatabaseSync } from "./sqlite.js";

export interface ModelRow {
  readonly modelId: string;
  readonly fileHash: string;
  readonly uri: string;
  readonly path: string;
}

export class ModelStore {
  constructor(private readonly db: DatabaseSync) {}

  get(modelId: string): ModelRow | undefined {
    const r = this.db.prepare("SELECT model_id, file_hash, uri, path FROM models WHERE model_id = ?").get(modelId.toLowerCase()) as
      | { model_id: string; file_hash: string; uri: string; path: string }
      | undefined;
    return r ? { modelId: r.model_id, fileHash: r.file_hash, uri: r.uri, path: r.path } : undefined;
  }

  verified(m: ModelRow): void {
    this.db
      .prepare("INSERT OR REPLACE INTO models (model_id, file_hash, uri, path, verified_at) VALUES (?, ?, ?, ?, ?)")
      .run(m.modelId.toLowerCase(), m.fileHash, m.uri, m.path, Date.now());
  }
}
