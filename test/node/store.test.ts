import { expect } from "chai";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { MIGRATIONS, SCHEMA_VERSION, migrate, schemaVersion } from "../../offchain/store/migrations.js";
import { sqlite } from "../../offchain/store/sqlite.js";
import { Store } from "../../offchain/store/store.js";
import { StoreError } from "../../offchain/store/errors.js";
import { Phase, type GameState } from "../../offchain/game/types.js";

const ZERO32 = `0x${"00".repeat(32)}` as const;
const state = (phase: Phase, lo = 0): GameState => ({
  phase, lo, hi: 8, claimLo: ZERO32, claimHi: ZERO32, pending: ZERO32, node: 0, descriptorHash: ZERO32, stateBefore: ZERO32, position: 5n, height: 3, element: 2n ** 70n, outDtype: 6, outBytes: 2 ** 40 - 1,
});

describe("node store (SQLite via node:sqlite)", function () {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), "verinfer-store-"))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it("creates a real database file at the current schema version, and reopening runs nothing", () => {
    const path = join(dir, "a.sqlite");
    const s = Store.open(path);
    expect(schemaVersion(s.db)).to.equal(SCHEMA_VERSION);
    s.close();
    const db = new (sqlite().DatabaseSync)(path);
    expect(migrate(db)).to.deep.equal([]);
    db.close();
  });

  it("migrates a version-1 database with data to the latest version, keeping the data", () => {
    const path = join(dir, "old.sqlite");
    const old = Store.open(path, { migrateTo: 1 });
    expect(schemaVersion(old.db)).to.equal(1);
    old.jobs.submitted({ jobId: 7n, modelId: "0xab", requester: "0x1", namedProver: "0x0", fee: 5n, deadline: 100, inputsCommitment: "0xcd", block: 3 }, [Uint8Array.of(1, 2, 3)]);
    old.close();
    const s = Store.open(path);
    expect(schemaVersion(s.db)).to.equal(SCHEMA_VERSION);
    expect(s.jobs.get(7n)?.fee).to.equal(5n);
    expect(Buffer.from(s.jobs.inputs(7n)[0]!)).to.deep.equal(Buffer.from([1, 2, 3]));
    s.models.verified({ modelId: "0xAB", fileHash: "0x01", uri: "file:///m", path: "/m" });
    expect(s.models.get("0xab")?.uri).to.equal("file:///m");
    s.close();
  });

  it("refuses a database newer than the code, and rolls back a failing migration", () => {
    const path = join(dir, "new.sqlite");
    const db = new (sqlite().DatabaseSync)(path);
    db.exec(`PRAGMA user_version = ${SCHEMA_VERSION + 1}`);
    db.close();
    expect(() => Store.open(path)).to.throw(StoreError, /newer than this verinfer/);
    const db2 = new (sqlite().DatabaseSync)(join(dir, "bad.sqlite"));
    const broken = [MIGRATIONS[0]!, { version: 2, name: "broken", sql: "CREATE TABLE x (a); INSERT INTO nowhere VALUES (1);" }];
    expect(() => migrate(db2, 2, broken)).to.throw(StoreError, /migration 2 \(broken\) failed/);
    expect(schemaVersion(db2)).to.equal(1);
    expect(db2.prepare("SELECT name FROM sqlite_master WHERE name = 'x'").get()).to.equal(undefined);
    db2.close();
  });

  it("binds a file to one chain, market, account and role", () => {
    const s = Store.open(join(dir, "b.sqlite"));
    const id = { chainId: "31337", market: "0xAA", account: "0xBB", role: "prover" };
    s.bind(id);
    s.bind(id);
    expect(() => s.bind({ ...id, account: "0xCC" })).to.throw(StoreError, /belongs to account 0xbb/);
    s.close();
  });

  it("job statuses only move forward; a re-scanned event changes nothing; a reorg forgets untouched jobs", () => {
    const s = Store.open(join(dir, "j.sqlite"));
    const job = { jobId: 1n, modelId: "0xab", requester: "0x1", namedProver: "0x0", fee: 5n, deadline: 100, inputsCommitment: "0xcd", block: 10 };
    s.jobs.submitted(job, [Uint8Array.of(9)]);
    s.jobs.submitted(job, [Uint8Array.of(9)]);
    expect(s.jobs.advance(1n, "Posted", { prover: "0xP", timer: 50 })).to.equal(true);
    expect(s.jobs.advance(1n, "Claimed", { prover: "0xQ", timer: 40 })).to.equal(false);
    expect(s.jobs.get(1n)).to.include({ status: "Posted", prover: "0xP", timer: 50 });
    s.jobs.submitted({ ...job, jobId: 2n, block: 12 }, []);
    expect(s.jobs.forgetAbove(11)).to.equal(1);
    expect(s.jobs.get(2n)).to.equal(undefined);
    expect(s.jobs.get(1n)?.status).to.equal("Posted");
    s.close();
  });

  it("a game's state survives a restart and is never rolled back by an older event", () => {
    const path = join(dir, "g.sqlite");
    const s = Store.open(path);
    const setup = { jobId: 3n, modelId: ZERO32, inputsCommitment: ZERO32, outputsCommitment: ZERO32, prover: "0xP", challenger: "0xC" };
    s.games.opened({ gameId: 9n, role: "prover", setup, state: state(Phase.AwaitOpening), block: 5, logIndex: 1 });
    expect(s.games.moved(9n, state(Phase.StatesPick, 2), [ZERO32], 7, 0)).to.equal(true);
    expect(s.games.moved(9n, state(Phase.StatesPost, 1), [], 6, 3)).to.equal(false);
    s.close();
    const again = Store.open(path);
    const g = again.games.get(9n)!;
    expect(g.state.phase).to.equal(Phase.StatesPick);
    expect(g.state.element).to.equal(2n ** 70n);
    expect(g.setup.jobId).to.equal(3n);
    expect(g.posted).to.deep.equal([ZERO32]);
    expect(g.moves).to.equal(1);
    again.games.resolved(9n, "ProverWon");
    expect(again.games.tally()).to.deep.equal({ inProgress: 0, won: 1, lost: 0, closed: 0 });
    again.close();
  });

  it("an unfinished game stored before the six-word state (no outDtype/outBytes) is refused in one line; a finished one still reads", () => {
    const path = join(dir, "old.sqlite");
    const s = Store.open(path);
    const setup = { jobId: 3n, modelId: ZERO32, inputsCommitment: ZERO32, outputsCommitment: ZERO32, prover: "0xP", challenger: "0xC" };
    s.games.opened({ gameId: 1n, role: "challenger", setup, state: state(Phase.StatesPost), block: 5, logIndex: 1 });
    s.games.opened({ gameId: 2n, role: "challenger", setup, state: state(Phase.StatesPost), block: 5, logIndex: 2 });
    s.games.resolved(2n, "ChallengerWon");
    s.close();
    // Rewrite both rows the way the earlier encoding stored them: no outDtype / outBytes.
    const db = new (sqlite().DatabaseSync)(path);
    for (const id of [1, 2]) {
      const row = db.prepare("SELECT state FROM games WHERE game_id = ?").get(id) as { state: string };
      const old = JSON.parse(row.state) as Record<string, unknown>;
      delete old.outDtype;
      delete old.outBytes;
      db.prepare("UPDATE games SET state = ? WHERE game_id = ?").run(JSON.stringify(old), id);
    }
    db.close();
    const again = Store.open(path);
    expect(() => again.games.get(1n)).to.throw(StoreError, /game 1 was stored by an earlier verinfer/);
    expect(again.games.get(2n)!.status).to.equal("ChallengerWon");
    again.close();
  });

  it("transactions: an intent takes its nonce; attempts are recorded before they are sent", () => {
    const s = Store.open(join(dir, "t.sqlite"));
    const row = s.txs.intent({ key: "post:1", kind: "postResult", sender: "0xS", nonce: 4, to: "0xM", data: "0x", value: 0n, gasLimit: 21_000n });
    expect(s.txs.unfinished("0xS").map((r) => r.key)).to.deep.equal(["post:1"]);
    expect(() => s.txs.intent({ key: "post:1", kind: "postResult", sender: "0xS", nonce: 5, to: "0xM", data: "0x", value: 0n, gasLimit: null })).to.throw();
    s.txs.attempt(row.id, { hash: "0xh1", raw: "0xr1", maxFee: 2n, priorityFee: 1n });
    s.txs.attempt(row.id, { hash: "0xh2", raw: "0xr2", maxFee: 3n, priorityFee: 2n });
    expect(s.txs.byKey("post:1")).to.include({ status: "sent", hash: "0xh2", attempts: 2 });
    expect(s.txs.attempts(row.id).map((a) => a.hash).sort()).to.deep.equal(["0xh1", "0xh2"]);
    s.txs.mined(row.id, { hash: "0xh1", block: 9, gasUsed: 50_000n, feePaid: 10n ** 12n, ok: true });
    expect(s.txs.unfinished("0xS")).to.deep.equal([]);
    expect(s.txs.spent()).to.deep.equal({ gasUsed: 50_000n, feePaid: 10n ** 12n, count: 1 });
    s.close();
  });

  it("loading node:sqlite prints no experimental warning", async () => {
    const { spawnSync } = await import("node:child_process");
    const r = spawnSync(process.execPath, ["--import", "tsx", "-e", "const m = await import('./offchain/store/sqlite.ts'); m.sqlite(); process.emitWarning('other warning');"], { encoding: "utf8" });
    expect(r.stderr).to.not.match(/SQLite is an experimental/);
    expect(r.stderr).to.match(/other warning/);
  });
});
