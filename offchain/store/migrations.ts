/**
 * The schema, as an append-only list of migrations. `PRAGMA user_version` records how many have
 * run; each runs in its own transaction, so a crash mid-migration leaves the previous version.
 * Never edit a migration that shipped: add the next one.
 */
import type { DatabaseSync } from "./sqlite.js";
import { StoreError } from "./errors.js";

export interface Migration {
  readonly version: number;
  readonly name: string;
  readonly sql: string;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: "jobs, inputs, results, games, cursors, transactions",
    sql: `
      CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
      -- One row per event scanner: the last block fully scanned and its hash.
      CREATE TABLE cursors (
        name TEXT PRIMARY KEY, block INTEGER NOT NULL, hash TEXT NOT NULL, updated_at INTEGER NOT NULL
      );
      -- Hashes of recently scanned blocks, to find the common ancestor after a reorg.
      CREATE TABLE scanned_blocks (
        name TEXT NOT NULL, number INTEGER NOT NULL, hash TEXT NOT NULL, PRIMARY KEY (name, number)
      );
      -- Jobs as the market's events describe them (status: the market's JobStatus name).
      CREATE TABLE jobs (
        job_id INTEGER PRIMARY KEY,
        model_id TEXT NOT NULL,
        requester TEXT NOT NULL,
        named_prover TEXT NOT NULL,
        fee TEXT NOT NULL,
        deadline INTEGER NOT NULL,
        inputs_commitment TEXT NOT NULL,
        status TEXT NOT NULL,
        prover TEXT,
        timer INTEGER,
        block INTEGER NOT NULL,
        note TEXT,
        updated_at INTEGER NOT NULL
      );
      CREATE TABLE inputs (
        job_id INTEGER NOT NULL, idx INTEGER NOT NULL, bytes BLOB NOT NULL, PRIMARY KEY (job_id, idx)
      );
      -- Posted results (anyone's), and what this node concluded about them.
      CREATE TABLE results (
        job_id INTEGER PRIMARY KEY,
        prover TEXT NOT NULL,
        outputs_commitment TEXT NOT NULL,
        outputs TEXT NOT NULL,
        window_end INTEGER NOT NULL,
        block INTEGER NOT NULL,
        verdict TEXT,
        verdict_detail TEXT,
        updated_at INTEGER NOT NULL
      );
      -- Outputs this prover computed for a job before claiming it (posted = 1 once sent).
      CREATE TABLE answers (
        job_id INTEGER PRIMARY KEY, outputs TEXT NOT NULL, faulty TEXT, computed_at INTEGER NOT NULL
      );
      -- Games this node plays; state and posted are the latest Moved event's (the contract keeps a hash only).
      CREATE TABLE games (
        game_id INTEGER PRIMARY KEY,
        job_id INTEGER NOT NULL,
        role TEXT NOT NULL,
        setup TEXT NOT NULL,
        state TEXT NOT NULL,
        posted TEXT NOT NULL,
        state_block INTEGER NOT NULL,
        state_log INTEGER NOT NULL,
        opened_block INTEGER NOT NULL,
        status TEXT NOT NULL,
        moves INTEGER NOT NULL DEFAULT 0,
        settled INTEGER NOT NULL DEFAULT 0,
        note TEXT,
        updated_at INTEGER NOT NULL
      );
      CREATE INDEX games_job ON games (job_id);
      -- Every transaction this node sends: the intent is written before anything leaves the process.
      CREATE TABLE txs (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        key TEXT NOT NULL UNIQUE,
        kind TEXT NOT NULL,
        sender TEXT NOT NULL,
        nonce INTEGER NOT NULL,
        to_addr TEXT NOT NULL,
        data TEXT NOT NULL,
        value TEXT NOT NULL,
        gas_limit TEXT,
        status TEXT NOT NULL,
        hash TEXT,
        raw TEXT,
        block INTEGER,
        gas_used TEXT,
        fee_paid TEXT,
        error TEXT,
        attempts INTEGER NOT NULL DEFAULT 0,
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL
      );
      CREATE INDEX txs_status ON txs (status);
      -- Every signed version of a transaction (fee bumps replace it under the same nonce).
      CREATE TABLE tx_attempts (
        tx_id INTEGER NOT NULL, hash TEXT NOT NULL, raw TEXT, max_fee TEXT NOT NULL, priority_fee TEXT NOT NULL,
        sent_at INTEGER NOT NULL, PRIMARY KEY (tx_id, hash)
      );
    `,
  },
  {
    version: 2,
    name: "verified model files",
    sql: `
      -- Model files fetched from a registered mirror whose hash and recomputed id matched.
      CREATE TABLE models (
        model_id TEXT PRIMARY KEY,
        file_hash TEXT NOT NULL,
        uri TEXT NOT NULL,
        path TEXT NOT NULL,
        verified_at INTEGER NOT NULL
      );
    `,
  },
];

export const SCHEMA_VERSION = MIGRATIONS[MIGRATIONS.length - 1]!.version;

export function schemaVersion(db: DatabaseSync): number {
  return Number((db.prepare("PRAGMA user_version").get() as { user_version: number }).user_version);
}

/** Runs every migration above the database's version (up to `target`); returns the versions run. */
export function migrate(db: DatabaseSync, target = SCHEMA_VERSION, migrations: readonly Migration[] = MIGRATIONS): number[] {
  const current = schemaVersion(db);
  if (current > SCHEMA_VERSION) {
    throw new StoreError(`the database is at schema version ${current}, newer than this verinfer (${SCHEMA_VERSION}); upgrade verinfer`);
  }
  const ran: number[] = [];
  for (const m of migrations) {
    if (m.version <= current || m.version > target) continue;
    db.exec("BEGIN IMMEDIATE");
    try {
      db.exec(m.sql);
      db.exec(`PRAGMA user_version = ${m.version}`);
      db.exec("COMMIT");
    } catch (e) {
      db.exec("ROLLBACK");
      throw new StoreError(`migration ${m.version} (${m.name}) failed: ${(e as Error).message}`, { cause: e });
    }
    ran.push(m.version);
  }
  return ran;
}
