/**
 * Which RPC failures are worth retrying. Transient: the node unreachable or slow, nonce races, a
 * replaced or underpriced transaction. Everything else (a revert, insufficient funds, a malformed
 * call) is permanent and reported with the decoded contract error.
 */
import { isError } from "ethers";

const TRANSIENT_CODES = new Set(["NETWORK_ERROR", "TIMEOUT", "SERVER_ERROR", "NONCE_EXPIRED", "REPLACEMENT_UNDERPRICED", "TRANSACTION_REPLACED"]);
const TRANSIENT_TEXT =
  /ECONNREFUSED|ECONNRESET|ETIMEDOUT|EPIPE|EAI_AGAIN|ENOTFOUND|socket hang up|fetch failed|network error|timeout|timed out|nonce too (low|high)|nonce has already been used|underpriced|already known|known transaction|replacement|header not found|missing response|bad response|rate limit|too many requests|\b50[234]\b|\b429\b/i;

function messages(e: unknown, depth = 0): string {
  if (depth > 4 || e === null || e === undefined) return "";
  const o = e as { message?: string; shortMessage?: string; code?: string; cause?: unknown; error?: unknown; info?: unknown };
  return [o.code ?? "", o.shortMessage ?? "", o.message ?? "", messages(o.cause, depth + 1), messages(o.error, depth + 1)].join(" ");
}

export function isTransient(e: unknown): boolean {
  if (isError(e, "CALL_EXCEPTION") || isError(e, "INSUFFICIENT_FUNDS")) return false;
  const code = (e as { code?: string })?.code;
  if (code !== undefined && TRANSIENT_CODES.has(code)) return true;
  return TRANSIENT_TEXT.test(messages(e));
}

export function isNonceTooLow(e: unknown): boolean {
  return isError(e, "NONCE_EXPIRED") || /nonce too low|nonce has already been used/i.test(messages(e));
}

export function isNonceTooHigh(e: unknown): boolean {
  return /nonce too high/i.test(messages(e));
}

export function isAlreadyKnown(e: unknown): boolean {
  return /already known|known transaction|already imported/i.test(messages(e));
}

/** One line saying what went wrong, for logs. */
export function errorLine(e: unknown): string {
  const o = e as { shortMessage?: string; message?: string };
  return (o?.shortMessage ?? o?.message ?? String(e)).split("\n")[0]!;
}

export interface BackoffPolicy {
  /** First wait, doubled after every failure up to maxMs. */
  readonly baseMs: number;
  readonly maxMs: number;
  /** Give up (rethrow) once transient failures have lasted this long. */
  readonly giveUpAfterMs: number;
}

export const DEFAULT_BACKOFF: BackoffPolicy = { baseMs: 200, maxMs: 5_000, giveUpAfterMs: 120_000 };

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Runs `fn`, retrying transient failures with exponential backoff (and jitter). */
export async function withRetry<T>(what: string, fn: () => Promise<T>, policy: BackoffPolicy = DEFAULT_BACKOFF, onRetry?: (what: string, e: unknown, waitMs: number) => void): Promise<T> {
  const started = Date.now();
  let wait = policy.baseMs;
  for (;;) {
    try {
      return await fn();
    } catch (e) {
      if (!isTransient(e) || Date.now() - started + wait > policy.giveUpAfterMs) throw e;
      const jittered = Math.round(wait * (0.75 + Math.random() * 0.5));
      onRetry?.(what, e, jittered);
      await sleep(jittered);
      wait = Math.min(policy.maxMs, wait * 2);
    }
  }
}
