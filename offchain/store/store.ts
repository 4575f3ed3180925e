/**
 * The node's state in one SQLite file (DESIGN.md: jobs, inputs, results, games, cursor), so that a
 * restart, even in the middle of a game, loses nothing. WAL journal, synchronous=FULL: a committed
 * write survives a crash of the process or the machine.
 */
import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import { CursorStore } from "./cursors.js";
import { StoreError } from "./errors.js";
import { GameStore } from "./games.js";
import { JobStore } from "./jobs.js";
import { migrate } from "./migrations.js";
import { ModelStore } from "./models.js";
import { ResultStore } from "./results.js";
import { sqlite, type DatabaseSync } from "./sqlite.js";
import { TxStore } from "./txs.js";

/** What a database belongs to; a node refuses a file written for another chain, market or account. */
export interface StoreIdentity {
  readonly chainId: string;
  readonly market: string;
  readonly account: string;
  readonly role: string;
}

export class Store {
  readonly cursors: CursorStore;
  readonly jobs: JobStore;
  readonly results: ResultStore;
  readonly games: GameStore;
  readonly txs: TxStore;
  readonly models: ModelStore;

  private constructor(
    readonly db: DatabaseSync,
    readonly path: string,
  ) {
    this.cursors = new CursorStore(db);
    this.jobs = new JobStore(db);
    this.results = new ResultStore(db);
    this.games = new GameStore(db);
    this.txs = new TxStore(db);
    this.models = new ModelStore(db);
  }

  /** Opens (creating) the database at `path` and migrates it to the current schema. */
  static open(path: string, options: { migrateTo?: number } = {}): Store {
    if (path !== ":memory:") mkdirSync(dirname(path), { recursive: true });
    let db: DatabaseSync;
    try {
      db = new (sqlite().DatabaseSync)(path);
    } catch (e) {
      throw new StoreError(`cannot open the database ${path}: ${(e as Error).message}`, { cause: e });
    }
    try {
      db.exec("PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA busy_timeout = 5000; PRAGMA foreign_keys = ON;");
      migrate(db, options.migrateTo);
    } catch (e) {
      db.close();
      throw e;
    }
    return new Store(db, path);
  }

  /** Runs `fn` in one transaction: all of its writes or none. */
  transaction<T>(fn: () => T): T {
    this.db.exec("BEGIN IMMEDIATE");
    try {
      const out = fn();
      this.db.exec("COMMIT");
      return out;
    } catch (e) {
      this.db.exec("ROLLBACK");
      throw e;
    }
  }

  meta(key: string): string | undefined {
    return (this.db.prepare("SELECT value FROM meta WHERE key = ?").get(key) as { value: string } | undefined)?.value;
  }

  setMeta(key: string, value: string): void {
    this.db.prepare("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)").run(key, value);
  }

  /** Binds the file to one chain, market, account and role on first use; refuses any other later. */
  bind(id: StoreIdentity): void {
    for (const [k, v] of Object.entries(id)) {
      const have = this.meta(k);
      if (have === undefined) this.setMeta(k, v.toLowerCase());
      else if (have !== v.toLowerCase()) {
        throw new StoreError(`the database ${this.path} belongs to ${k} ${have}, not ${v}; use another --db`);
      }
    }
  }

  close(): void {
    if (this.db.isOpen) this.db.close();
  }
}
