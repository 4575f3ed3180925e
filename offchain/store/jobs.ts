/** Jobs and their inputs, as the market's events describe them. */
import type { DatabaseSync } from "./sqlite.js";

export type JobStatusName = "Open" | "Claimed" | "Posted" | "Finalized" | "Faulted" | "Refunded";

/** Statuses only move forward; a re-scanned older event never downgrades a row. */
const RANK: Record<JobStatusName, number> = { Open: 0, Claimed: 1, Posted: 2, Finalized: 3, Faulted: 3, Refunded: 3 };

export interface JobRow {
  readonly jobId: bigint;
  readonly modelId: string;
  readonly requester: string;
  readonly namedProver: string;
  readonly fee: bigint;
  readonly deadline: number;
  readonly inputsCommitment: string;
  readonly status: JobStatusName;
  readonly prover: string | null;
  /** Claim deadline while Claimed, window end once Posted. */
  readonly timer: number | null;
  readonly block: number;
  readonly note: string | null;
}

interface RawJob {
  job_id: number;
  model_id: string;
  requester: string;
  named_prover: string;
  fee: string;
  deadline: number;
  inputs_commitment: string;
  status: JobStatusName;
  prover: string | null;
  timer: number | null;
  block: number;
  note: string | null;
}

const fromRaw = (r: RawJob): JobRow => ({
  jobId: BigInt(r.job_id),
  modelId: r.model_id,
  requester: r.requester,
  namedProver: r.named_prover,
  fee: BigInt(r.fee),
  deadline: Number(r.deadline),
  inputsCommitment: r.inputs_commitment,
  status: r.status,
  prover: r.prover,
  timer: r.timer === null ? null : Number(r.timer),
  block: Number(r.block),
  note: r.note,
});

export class JobStore {
  constructor(private readonly db: DatabaseSync) {}

  /** Records a JobSubmitted event (idempotent: a re-scan changes nothing). */
  submitted(j: Omit<JobRow, "status" | "prover" | "timer" | "note">, inputs: readonly Uint8Array[]): void {
    this.db
      .prepare(
        `INSERT INTO jobs (job_id, model_id, requester, named_prover, fee, deadline, inputs_commitment, status, prover, timer, block, note, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, 'Open', NULL, NULL, ?, NULL, ?) ON CONFLICT(job_id) DO NOTHING`,
      )
      .run(Number(j.jobId), j.modelId, j.requester, j.namedProver, j.fee.toString(), j.deadline, j.inputsCommitment, j.block, Date.now());
    const put = this.db.prepare("INSERT OR IGNORE INTO inputs (job_id, idx, bytes) VALUES (?, ?, ?)");
    inputs.forEach((b, i) => put.run(Number(j.jobId), i, b));
  }

  /** Moves a job to `status` unless it is already further along (same rank: the later event wins). */
  advance(jobId: bigint, status: JobStatusName, fields: { prover?: string; timer?: number } = {}): boolean {
    const row = this.get(jobId);
    if (!row) return false;
    if (RANK[status] < RANK[row.status]) return false;
    this.db
      .prepare("UPDATE jobs SET status = ?, prover = COALESCE(?, prover), timer = COALESCE(?, timer), updated_at = ? WHERE job_id = ?")
      .run(status, fields.prover ?? null, fields.timer ?? null, Date.now(), Number(jobId));
    return true;
  }

  note(jobId: bigint, note: string | null): void {
    this.db.prepare("UPDATE jobs SET note = ?, updated_at = ? WHERE job_id = ?").run(note, Date.now(), Number(jobId));
  }

  get(jobId: bigint): JobRow | undefined {
    const r = this.db.prepare("SELECT * FROM jobs WHERE job_id = ?").get(Number(jobId)) as RawJob | undefined;
    return r ? fromRaw(r) : undefined;
  }

  inputs(jobId: bigint): Uint8Array[] {
    return (this.db.prepare("SELECT bytes FROM inputs WHERE job_id = ? ORDER BY idx").all(Number(jobId)) as { bytes: Uint8Array }[]).map((r) => r.bytes);
  }

  /** Jobs not yet final, oldest first. */
  live(): JobRow[] {
    return (this.db.prepare("SELECT * FROM jobs WHERE status IN ('Open', 'Claimed', 'Posted') ORDER BY job_id").all() as unknown as RawJob[]).map(fromRaw);
  }

  countByStatus(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const r of this.db.prepare("SELECT status, COUNT(*) AS n FROM jobs GROUP BY status").all() as { status: string; n: number }[]) out[r.status] = Number(r.n);
    return out;
  }

  /** Forgets jobs first seen above `block` that nothing was done with (a reorg removed their submission). */
  forgetAbove(block: number): number {
    const ids = (this.db.prepare("SELECT job_id FROM jobs WHERE block > ? AND status = 'Open'").all(block) as { job_id: number }[]).map((r) => r.job_id);
    for (const id of ids) {
      this.db.prepare("DELETE FROM inputs WHERE job_id = ?").run(id);
      this.db.prepare("DELETE FROM jobs WHERE job_id = ?").run(id);
    }
    return ids.length;
  }
}
