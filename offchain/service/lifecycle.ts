/**
 * A service is init / one loop iteration / stop (STYLE.md, "Off-chain services"). The runner calls
 * iterate every poll interval until SIGINT/SIGTERM, then lets the running iteration finish and
 * stops. A transient RPC fault in an iteration is logged and retried with backoff; the first
 * unexpected error stops the node loudly (exit code 1).
 */
import { isTransient, errorLine } from "../chain/rpc-errors.js";
import type { Logger } from "./log.js";

export interface Service {
  readonly name: string;
  init(): Promise<void>;
  iterate(): Promise<void>;
  stop(): Promise<void>;
}

export interface RunOptions {
  readonly pollMs: number;
  readonly log: Logger;
  /** Stop after this many iterations (tests, one-shot runs); default: until a signal. */
  readonly maxIterations?: number;
  /** Listen for SIGINT/SIGTERM (default true). */
  readonly signals?: boolean;
}

export interface Runner {
  /** Resolves with the exit code once the service stopped. */
  readonly done: Promise<number>;
  /** Asks the loop to stop after the current iteration. */
  stop(reason: string): void;
}

export function runService(svc: Service, o: RunOptions): Runner {
  let stopping: string | null = null;
  let wake: (() => void) | null = null;
  const stop = (reason: string): void => {
    if (stopping !== null) return;
    stopping = reason;
    o.log("info", "stopping", { reason });
    wake?.();
  };
  const onSignal = (sig: NodeJS.Signals) => stop(sig);
  if (o.signals ?? true) {
    process.on("SIGINT", onSignal);
    process.on("SIGTERM", onSignal);
  }
  const pause = (ms: number) =>
    new Promise<void>((r) => {
      const t = setTimeout(() => {
        wake = null;
        r();
      }, ms);
      wake = () => {
        clearTimeout(t);
        wake = null;
        r();
      };
    });
  const done = (async (): Promise<number> => {
    let code = 0;
    try {
      await svc.init();
      let failures = 0;
      for (let i = 0; stopping === null && (o.maxIterations === undefined || i < o.maxIterations); i++) {
        try {
          await svc.iterate();
          failures = 0;
        } catch (e) {
          if (!isTransient(e)) throw e;
          failures++;
          const wait = Math.min(10_000, o.pollMs * 2 ** Math.min(failures, 5));
          o.log("warn", "iteration failed on an RPC fault; retrying", { error: errorLine(e), waitMs: wait });
          await pause(wait);
          continue;
        }
        if (stopping === null) await pause(o.pollMs);
      }
    } catch (e) {
      code = 1;
      o.log("fatal", "unexpected error: stopping", { error: errorLine(e), stack: process.env.VERINFER_DEBUG ? (e as Error).stack : undefined });
    } finally {
      if (o.signals ?? true) {
        process.off("SIGINT", onSignal);
        process.off("SIGTERM", onSignal);
      }
      try {
        await svc.stop();
      } catch (e) {
        code = code || 1;
        o.log("error", "error while stopping", { error: errorLine(e) });
      }
      o.log("info", "stopped", { code });
    }
    return code;
  })();
  return { done, stop };
}
