/**
 * What the market's and the game's events mean for this node's store: pure, synchronous writes,
 * idempotent under re-scans (the scanner commits them with its cursor).
 */
import { hexlify } from "ethers";
import type { ChainEvent, EventHandler } from "../chain/events.js";
import { setupFromEvent, stateFromEvent } from "../game/types.js";
import type { Hex32 } from "../engine/commit/hash.js";
import { GAME_STATUS } from "../store/games.js";
import type { Store } from "../store/store.js";

export interface IngestHooks {
  /** A game this node plays was opened (for metrics and logs). */
  onGameOpened?(gameId: bigint, role: "prover" | "challenger"): void;
  onEvent?(e: ChainEvent): void;
}

export function ingestHandler(store: Store, me: string, hooks: IngestHooks = {}): EventHandler {
  const mine = (a: string): boolean => a.toLowerCase() === me.toLowerCase();
  return {
    apply(events) {
      for (const e of events) {
        hooks.onEvent?.(e);
        const a = e.args;
        switch (e.name) {
          case "JobSubmitted":
            store.jobs.submitted(
              {
                jobId: a.jobId as bigint,
                modelId: (a.modelId as string).toLowerCase(),
                requester: a.requester as string,
                namedProver: a.namedProver as string,
                fee: a.fee as bigint,
                deadline: Number(a.deadline),
                inputsCommitment: a.inputsCommitment as string,
                block: e.blockNumber,
              },
              (a.inputs as string[]).map((h) => Buffer.from(h.slice(2), "hex")),
            );
            break;
          case "JobClaimed":
            store.jobs.advance(a.jobId as bigint, "Claimed", { prover: a.prover as string, timer: Number(a.claimDeadline) });
            break;
          case "ResultPosted":
            store.jobs.advance(a.jobId as bigint, "Posted", { prover: a.prover as string, timer: Number(a.windowEnd) });
            store.results.posted({
              jobId: a.jobId as bigint,
              prover: a.prover as string,
              outputsCommitment: a.outputsCommitment as string,
              outputs: (a.outputs as string[]).map((h) => hexlify(h)),
              windowEnd: Number(a.windowEnd),
              block: e.blockNumber,
            });
            break;
          case "JobFinalized":
            store.jobs.advance(a.jobId as bigint, "Finalized");
            break;
          case "JobFaulted":
            store.jobs.advance(a.jobId as bigint, "Faulted");
            break;
          case "JobRefunded":
            store.jobs.advance(a.jobId as bigint, "Refunded");
            break;
          case "GameSettled":
            store.games.settled(a.gameId as bigint);
            break;
          case "Credited":
            if (mine(a.account as string)) store.setMeta("credits_dirty", "1");
            break;
          case "GameOpened": {
            const setup = setupFromEvent(a.setup);
            const role = mine(setup.challenger) ? "challenger" : mine(setup.prover) ? "prover" : null;
            if (role === null) break;
            const known = store.games.get(a.gameId as bigint);
            store.games.opened({ gameId: a.gameId as bigint, role, setup, state: stateFromEvent(a.state), block: e.blockNumber, logIndex: e.logIndex });
            if (!known) hooks.onGameOpened?.(a.gameId as bigint, role);
            break;
          }
          case "Moved":
            store.games.moved(a.gameId as bigint, stateFromEvent(a.state), [...(a.posted as string[])] as Hex32[], e.blockNumber, e.logIndex);
            break;
          case "GameResolved":
            store.games.resolved(a.gameId as bigint, GAME_STATUS[Number(a.status)] ?? "None");
            break;
          default:
            break;
        }
      }
    },
    rewind(block) {
      store.jobs.forgetAbove(block);
      store.results.forgetAbove(block);
      // Game states above the ancestor may be gone: re-read every unfinished game from the chain.
      store.setMeta("resync_games", "1");
    },
  };
}
