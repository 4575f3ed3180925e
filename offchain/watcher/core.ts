/**
 * The watcher's decisions, pure: which posted results to re-run (all, or a deterministic sample
 * per watcher), which confirmed disagreements to challenge while the window is open, which games
 * to play.
 */
import { createHash } from "node:crypto";
import type { GameRow } from "../store/games.js";
import type { JobRow } from "../store/jobs.js";
import type { ResultRow } from "../store/results.js";

export type WatcherAction =
  | { readonly kind: "check"; readonly jobId: bigint }
  | { readonly kind: "skip"; readonly jobId: bigint; readonly reason: string }
  | { readonly kind: "challenge"; readonly jobId: bigint }
  | { readonly kind: "play"; readonly gameId: bigint };

export interface WatcherView {
  readonly me: string;
  readonly now: number;
  /** Results not judged yet, and results judged "disagree". */
  readonly unjudged: readonly ResultRow[];
  readonly disagreed: readonly ResultRow[];
  readonly jobs: ReadonlyMap<bigint, JobRow>;
  readonly games: readonly GameRow[];
  /** Jobs this watcher already opened a game on. */
  readonly challengedJobs: ReadonlySet<bigint>;
  readonly sampleRate: number;
  /** Model ids to watch (lower case); empty: every model. */
  readonly models: ReadonlySet<string>;
  /** Seconds a challenge needs before the window closes to be worth sending. */
  readonly marginSeconds: number;
}

/** Deterministic per (watcher, job): independent watchers sample independently. */
export function sampled(me: string, jobId: bigint, rate: number): boolean {
  if (rate >= 1) return true;
  if (rate <= 0) return false;
  const h = createHash("sha256").update(`${me.toLowerCase()}:${jobId}`).digest();
  return h.readUInt32BE(0) / 2 ** 32 < rate;
}

export function watcherActions(v: WatcherView): WatcherAction[] {
  const out: WatcherAction[] = [];
  for (const r of v.unjudged) {
    const job = v.jobs.get(r.jobId);
    if (r.prover.toLowerCase() === v.me.toLowerCase()) out.push({ kind: "skip", jobId: r.jobId, reason: "own result" });
    else if (v.now + v.marginSeconds >= r.windowEnd) out.push({ kind: "skip", jobId: r.jobId, reason: "challenge window closed" });
    else if (job && v.models.size > 0 && !v.models.has(job.modelId.toLowerCase())) out.push({ kind: "skip", jobId: r.jobId, reason: "model not watched" });
    else if (!sampled(v.me, r.jobId, v.sampleRate)) out.push({ kind: "skip", jobId: r.jobId, reason: "not sampled" });
    else out.push({ kind: "check", jobId: r.jobId });
  }
  for (const r of v.disagreed) {
    const job = v.jobs.get(r.jobId);
    if (v.challengedJobs.has(r.jobId)) continue;
    // INVARIANT: bond only on a result still standing and inside its window.
    if (job && job.status !== "Posted") continue;
    if (v.now + v.marginSeconds >= r.windowEnd) continue;
    out.push({ kind: "challenge", jobId: r.jobId });
  }
  for (const g of v.games) if (g.role === "challenger") out.push({ kind: "play", gameId: g.gameId });
  return out;
}
