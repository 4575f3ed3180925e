/**
 * Posted results (anyone's, from ResultPosted) with this node's verdict on them, and the answers
 * this prover computed before claiming (so a restart between claim and post re-posts the same
 * outputs instead of computing anew).
 */
import type { DatabaseSync } from "./sqlite.js";

export type Verdict = "agree" | "disagree" | "skipped" | "unconfirmed" | "challenged" | "error";

export interface ResultRow {
  readonly jobId: bigint;
  readonly prover: string;
  readonly outputsCommitment: string;
  /** One 0x-hex byte string per model output. */
  readonly outputs: readonly string[];
  readonly windowEnd: number;
  readonly block: number;
  readonly verdict: Verdict | null;
  readonly verdictDetail: string | null;
}

interface RawResult {
  job_id: number;
  prover: string;
  outputs_commitment: string;
  outputs: string;
  window_end: number;
  block: number;
  verdict: Verdict | null;
  verdict_detail: string | null;
}

const fromRaw = (r: RawResult): ResultRow => ({
  jobId: BigInt(r.job_id),
  prover: r.prover,
  outputsCommitment: r.outputs_commitment,
  outputs: JSON.parse(r.outputs) as string[],
  windowEnd: Number(r.window_end),
  block: Number(r.block),
  verdict: r.verdict,
  verdictDetail: r.verdict_detail,
});

export interface Answer {
  readonly outputs: readonly string[];
  /** The fault injected (NODE:ELEMENT:DELTA), null for an honest answer. */
  readonly faulty: string | null;
}

export class ResultStore {
  constructor(private readonly db: DatabaseSync) {}

  /** Records a ResultPosted event (a re-post after a reorg replaces the row and clears the verdict). */
  posted(r: Omit<ResultRow, "verdict" | "verdictDetail">): void {
    const existing = this.get(r.jobId);
    if (existing && existing.outputsCommitment === r.outputsCommitment && existing.prover === r.prover) return;
    this.db
      .prepare(
        `INSERT OR REPLACE INTO results (job_id, prover, outputs_commitment, outputs, window_end, block, verdict, verdict_detail, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, NULL, NULL, ?)`,
      )
      .run(Number(r.jobId), r.prover, r.outputsCommitment, JSON.stringify(r.outputs), r.windowEnd, r.block, Date.now());
  }

  get(jobId: bigint): ResultRow | undefined {
    const r = this.db.prepare("SELECT * FROM results WHERE job_id = ?").get(Number(jobId)) as RawResult | undefined;
    return r ? fromRaw(r) : undefined;
  }

  setVerdict(jobId: bigint, verdict: Verdict, detail: string | null = null): void {
    this.db.prepare("UPDATE results SET verdict = ?, verdict_detail = ?, updated_at = ? WHERE job_id = ?").run(verdict, detail, Date.now(), Number(jobId));
  }

  /** Results nobody here has judged yet, oldest first. */
  unjudged(): ResultRow[] {
    return (this.db.prepare("SELECT * FROM results WHERE verdict IS NULL ORDER BY job_id").all() as unknown as RawResult[]).map(fromRaw);
  }

  withVerdict(verdict: Verdict): ResultRow[] {
    return (this.db.prepare("SELECT * FROM results WHERE verdict = ? ORDER BY job_id").all(verdict) as unknown as RawResult[]).map(fromRaw);
  }

  countByVerdict(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const r of this.db.prepare("SELECT COALESCE(verdict, 'pending') AS v, COUNT(*) AS n FROM results GROUP BY v").all() as { v: string; n: number }[]) out[r.v] = Number(r.n);
    return out;
  }

  forgetAbove(block: number): number {
    return Number(this.db.prepare("DELETE FROM results WHERE block > ?").run(block).changes);
  }

  saveAnswer(jobId: bigint, a: Answer): void {
    this.db.prepare("INSERT OR REPLACE INTO answers (job_id, outputs, faulty, computed_at) VALUES (?, ?, ?, ?)").run(Number(jobId), JSON.stringify(a.outputs), a.faulty, Date.now());
  }

  answer(jobId: bigint): Answer | undefined {
    const r = this.db.prepare("SELECT outputs, faulty FROM answers WHERE job_id = ?").get(Number(jobId)) as { outputs: string; faulty: string | null } | undefined;
    return r ? { outputs: JSON.parse(r.outputs) as string[], faulty: r.faulty } : undefined;
  }
}
