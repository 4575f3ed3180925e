/**
 * The games this node plays. The contract stores only a hash of each game's state, so the state
 * and the opponent's posted values live here, from the latest GameOpened/Moved event (or from the
 * receipt of this node's own move), ordered by (block, log index) so that a re-scan never rolls a
 * game back.
 */
import { StoreError } from "./errors.js";
import type { GameSetup, GameState } from "../game/types.js";
import type { Hex32 } from "../engine/commit/hash.js";
import type { DatabaseSync } from "./sqlite.js";

export type GameRole = "prover" | "challenger";
/** IDisputeGame.GameStatus names. */
export type GameStatusName = "None" | "InProgress" | "ProverWon" | "ChallengerWon" | "Closed";
export const GAME_STATUS: readonly GameStatusName[] = ["None", "InProgress", "ProverWon", "ChallengerWon", "Closed"];

export interface GameRow {
  readonly gameId: bigint;
  readonly jobId: bigint;
  readonly role: GameRole;
  readonly setup: GameSetup;
  readonly state: GameState;
  readonly posted: readonly Hex32[];
  /** Where the state came from: (block, log index). */
  readonly stateBlock: number;
  readonly stateLog: number;
  readonly openedBlock: number;
  readonly status: GameStatusName;
  readonly moves: number;
  readonly settled: boolean;
  readonly note: string | null;
}

const bigintJson = (_k: string, v: unknown): unknown => (typeof v === "bigint" ? { $big: v.toString() } : v);
const bigintRevive = (_k: string, v: unknown): unknown => (v && typeof v === "object" && "$big" in (v as object) ? BigInt((v as { $big: string }).$big) : v);
export const encodeJson = (v: unknown): string => JSON.stringify(v, bigintJson);
export const decodeJson = <T>(s: string): T => JSON.parse(s, bigintRevive) as T;

interface RawGame {
  game_id: number;
  job_id: number;
  role: GameRole;
  setup: string;
  state: string;
  posted: string;
  state_block: number;
  state_log: number;
  opened_block: number;
  status: GameStatusName;
  moves: number;
  settled: number;
  note: string | null;
}

/**
 * A stored state. Rows written before the six-word game state (docs/SPEC.md section 10) lack the
 * disputed node's outDtype/outBytes: such a game was played on a game contract of the earlier
 * encoding, which this version cannot answer, so an unfinished one is refused in one line rather
 * than played with a state the contract would not recognize; a finished one is only history.
 */
function decodeState(r: RawGame): GameState {
  const state = decodeJson<GameState>(r.state);
  if (typeof state.outDtype === "number" && typeof state.outBytes === "number") return state;
  if (r.status === "InProgress" || r.status === "None") {
    throw new StoreError(
      `game ${r.game_id} was stored by an earlier verinfer (a game state without outDtype/outBytes, before the six-word state): finish it with that version, or start this one on a new database`,
    );
  }
  return { ...state, outDtype: 0, outBytes: 0 };
}

const fromRaw = (r: RawGame): GameRow => ({
  gameId: BigInt(r.game_id),
  jobId: BigInt(r.job_id),
  role: r.role,
  setup: decodeJson<GameSetup>(r.setup),
  state: decodeState(r),
  posted: decodeJson<Hex32[]>(r.posted),
  stateBlock: Number(r.state_block),
  stateLog: Number(r.state_log),
  openedBlock: Number(r.opened_block),
  status: r.status,
  moves: Number(r.moves),
  settled: r.settled === 1,
  note: r.note,
});

/** Orders event positions: (block, log index). */
const after = (b1: number, l1: number, b2: number, l2: number): boolean => b1 > b2 || (b1 === b2 && l1 > l2);

export class GameStore {
  constructor(private readonly db: DatabaseSync) {}

  /** Records a GameOpened event for a game this node plays (idempotent). */
  opened(g: { gameId: bigint; role: GameRole; setup: GameSetup; state: GameState; block: number; logIndex: number }): void {
    this.db
      .prepare(
        `INSERT INTO games (game_id, job_id, role, setup, state, posted, state_block, state_log, opened_block, status, moves, settled, note, updated_at)
         VALUES (?, ?, ?, ?, ?, '[]', ?, ?, ?, 'InProgress', 0, 0, NULL, ?) ON CONFLICT(game_id) DO NOTHING`,
      )
      .run(Number(g.gameId), Number(g.setup.jobId), g.role, encodeJson(g.setup), encodeJson(g.state), g.block, g.logIndex, g.block, Date.now());
  }

  /** Records a move's resulting state if it is newer than the stored one; returns whether it was. */
  moved(gameId: bigint, state: GameState, posted: readonly Hex32[], block: number, logIndex: number): boolean {
    const g = this.get(gameId);
    if (!g || !after(block, logIndex, g.stateBlock, g.stateLog)) return false;
    this.db
      .prepare("UPDATE games SET state = ?, posted = ?, state_block = ?, state_log = ?, moves = moves + 1, updated_at = ? WHERE game_id = ?")
      .run(encodeJson(state), encodeJson(posted), block, logIndex, Date.now(), Number(gameId));
    return true;
  }

  /** Replaces the state with one read back from the chain (after a GameStateMismatch). */
  resync(gameId: bigint, state: GameState, posted: readonly Hex32[], block: number, logIndex: number, moves: number): void {
    this.db
      .prepare("UPDATE games SET state = ?, posted = ?, state_block = ?, state_log = ?, moves = ?, updated_at = ? WHERE game_id = ?")
      .run(encodeJson(state), encodeJson(posted), block, logIndex, moves, Date.now(), Number(gameId));
  }

  resolved(gameId: bigint, status: GameStatusName): void {
    this.db.prepare("UPDATE games SET status = ?, updated_at = ? WHERE game_id = ? AND status = 'InProgress'").run(status, Date.now(), Number(gameId));
  }

  settled(gameId: bigint): void {
    this.db.prepare("UPDATE games SET settled = 1, updated_at = ? WHERE game_id = ?").run(Date.now(), Number(gameId));
  }

  note(gameId: bigint, note: string | null): void {
    this.db.prepare("UPDATE games SET note = ?, updated_at = ? WHERE game_id = ?").run(note, Date.now(), Number(gameId));
  }

  get(gameId: bigint): GameRow | undefined {
    const r = this.db.prepare("SELECT * FROM games WHERE game_id = ?").get(Number(gameId)) as RawGame | undefined;
    return r ? fromRaw(r) : undefined;
  }

  ofJob(jobId: bigint): GameRow[] {
    return (this.db.prepare("SELECT * FROM games WHERE job_id = ? ORDER BY game_id").all(Number(jobId)) as unknown as RawGame[]).map(fromRaw);
  }

  /** Games still in progress or decided but not settled. */
  unfinished(): GameRow[] {
    return (this.db.prepare("SELECT * FROM games WHERE status = 'InProgress' OR settled = 0 ORDER BY game_id").all() as unknown as RawGame[]).map(fromRaw);
  }

  all(): GameRow[] {
    return (this.db.prepare("SELECT * FROM games ORDER BY game_id").all() as unknown as RawGame[]).map(fromRaw);
  }

  /** Wins and losses from this node's side. */
  tally(): { inProgress: number; won: number; lost: number; closed: number } {
    const t = { inProgress: 0, won: 0, lost: 0, closed: 0 };
    for (const g of this.all()) {
      if (g.status === "InProgress") t.inProgress++;
      else if (g.status === "Closed") t.closed++;
      else if ((g.status === "ProverWon") === (g.role === "prover")) t.won++;
      else t.lost++;
    }
    return t;
  }
}
