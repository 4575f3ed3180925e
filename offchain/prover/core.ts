/**
 * The prover's decisions, pure (STYLE.md: a pure core, a thin I/O shell): from what the store
 * knows and the chain's time, what to do next. Order matters only within a job (compute, claim,
 * post, finalize); every action is idempotent in the shell, so deciding twice is harmless.
 */
import type { GameRow } from "../store/games.js";
import type { JobRow } from "../store/jobs.js";

export type ProverAction =
  | { readonly kind: "compute"; readonly jobId: bigint }
  | { readonly kind: "claim"; readonly jobId: bigint }
  | { readonly kind: "post"; readonly jobId: bigint }
  | { readonly kind: "finalize"; readonly jobId: bigint }
  | { readonly kind: "play"; readonly gameId: bigint };

export interface ProverView {
  readonly me: string;
  /** The latest block's timestamp. */
  readonly now: number;
  readonly jobs: readonly JobRow[];
  /** Jobs whose outputs this prover has computed (not necessarily posted). */
  readonly answered: ReadonlySet<bigint>;
  /** Model ids served (lower case). */
  readonly served: ReadonlySet<string>;
  readonly games: readonly GameRow[];
  readonly minFee: bigint;
  /** Seconds a claim or post needs before a deadline to be worth sending. */
  readonly marginSeconds: number;
}

const ZERO = "0x0000000000000000000000000000000000000000";
const same = (a: string | null, b: string): boolean => a !== null && a.toLowerCase() === b.toLowerCase();

export function proverActions(v: ProverView): ProverAction[] {
  const out: ProverAction[] = [];
  for (const j of v.jobs) {
    if (j.note?.startsWith("skip")) continue;
    const mine = same(j.prover, v.me);
    switch (j.status) {
      case "Open":
      case "Claimed": {
        if (j.status === "Claimed" && mine) {
          // INVARIANT: post only before the claim deadline; after it the bond is forfeit anyway.
          if (j.timer !== null && v.now + v.marginSeconds < j.timer) out.push(v.answered.has(j.jobId) ? { kind: "post", jobId: j.jobId } : { kind: "compute", jobId: j.jobId });
          break;
        }
        if (!v.served.has(j.modelId.toLowerCase()) || j.fee < v.minFee) break;
        if (j.namedProver !== ZERO && !same(j.namedProver, v.me)) break;
        if (v.now + v.marginSeconds >= j.deadline) break;
        // Someone else's live claim cannot be taken; a lapsed one can (unless a prover was named).
        if (j.status === "Claimed" && (j.timer === null || v.now < j.timer || j.namedProver !== ZERO)) break;
        // Compute before claiming: a job whose inputs fail is never claimed, so no bond is risked.
        out.push(v.answered.has(j.jobId) ? { kind: "claim", jobId: j.jobId } : { kind: "compute", jobId: j.jobId });
        break;
      }
      case "Posted": {
        if (!mine || j.timer === null || v.now < j.timer) break;
        // INVARIANT: finalize only when every game of the result was settled (the market checks too).
        const open = v.games.some((g) => g.jobId === j.jobId && (g.status === "InProgress" || !g.settled));
        if (!open) out.push({ kind: "finalize", jobId: j.jobId });
        break;
      }
      default:
        break;
    }
  }
  for (const g of v.games) if (g.role === "prover") out.push({ kind: "play", gameId: g.gameId });
  return out;
}
