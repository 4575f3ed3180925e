/** Event-scanner cursors: the last block fully scanned, and recent block hashes for reorg checks. */
import type { DatabaseSync } from "./sqlite.js";

export interface Cursor {
  readonly block: number;
  readonly hash: string;
}

export class CursorStore {
  constructor(private readonly db: DatabaseSync) {}

  get(name: string): Cursor | undefined {
    const row = this.db.prepare("SELECT block, hash FROM cursors WHERE name = ?").get(name) as { block: number; hash: string } | undefined;
    return row ? { block: Number(row.block), hash: row.hash } : undefined;
  }

  set(name: string, cursor: Cursor, keep = 256): void {
    this.db
      .prepare("INSERT INTO cursors (name, block, hash, updated_at) VALUES (?, ?, ?, ?) ON CONFLICT(name) DO UPDATE SET block = excluded.block, hash = excluded.hash, updated_at = excluded.updated_at")
      .run(name, cursor.block, cursor.hash, Date.now());
    this.rememberBlock(name, cursor.block, cursor.hash);
    this.db.prepare("DELETE FROM scanned_blocks WHERE name = ? AND number < ?").run(name, cursor.block - keep);
  }

  rememberBlock(name: string, number: number, hash: string): void {
    this.db.prepare("INSERT OR REPLACE INTO scanned_blocks (name, number, hash) VALUES (?, ?, ?)").run(name, number, hash);
  }

  /** Remembered block hashes at or below `block`, newest first. */
  recentBlocks(name: string, block: number): Cursor[] {
    return (this.db.prepare("SELECT number, hash FROM scanned_blocks WHERE name = ? AND number <= ? ORDER BY number DESC").all(name, block) as { number: number; hash: string }[]).map(
      (r) => ({ block: Number(r.number), hash: r.hash }),
    );
  }

  /** Rewinds to `block` (the common ancestor after a reorg): forgets every later block. */
  rewind(name: string, to: Cursor): void {
    this.db.prepare("DELETE FROM scanned_blocks WHERE name = ? AND number > ?").run(name, to.block);
    this.set(name, to);
  }
}
