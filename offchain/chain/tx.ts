/**
 * Sending transactions so that a crash, an RPC fault or a reorg never posts anything twice:
 * - every transaction has a key (e.g. `post:7`, `move:3:<state hash>`); a key is sent once;
 * - the call is simulated first: a revert is a permanent failure, reported with the decoded
 *   custom error (ChainError.errorName), and nothing is sent;
 * - the nonce is chosen and the intent written to the store BEFORE anything leaves the process;
 *   with a local key the signed bytes and their hash are written too, before the broadcast;
 * - transient RPC faults (connection refused, timeouts, nonce races, underpriced or replaced
 *   transactions) are retried with exponential backoff;
 * - a transaction not mined in time is re-signed under the same nonce with higher fees (the nonce
 *   pins it: at most one version can ever execute), sooner and harder as its deadline (a game
 *   clock) nears;
 * - on restart, `reconcile` looks every unfinished intent up by hash and by nonce: mined ones are
 *   recorded, signed ones re-broadcast unchanged, and only never-signed ones are signed again,
 *   under the nonce they were given.
 */
import { BaseWallet, Transaction, type Provider, type Signer, type TransactionReceipt, type TransactionRequest } from "ethers";
import { ChainError } from "../errors.js";
import type { TxRow, TxStore } from "../store/txs.js";
import { decodeRevert } from "./contracts.js";
import { DEFAULT_BACKOFF, errorLine, isAlreadyKnown, isNonceTooHigh, isNonceTooLow, isTransient, sleep, withRetry, type BackoffPolicy } from "./rpc-errors.js";

export interface TxRequest {
  /** Idempotence key: a key already mined is never sent again. */
  readonly key: string;
  /** What this is, for logs and errors ("claimJob", "move open"). */
  readonly kind: string;
  readonly to: string;
  readonly data: string;
  readonly value?: bigint;
  /** Seconds left before a deadline the transaction must beat (a game clock), or null. */
  readonly secondsLeft?: () => Promise<number | null>;
}

export interface TxOutcome {
  readonly key: string;
  readonly hash: string | null;
  readonly receipt: TransactionReceipt | null;
  readonly gasUsed: bigint;
  readonly feePaid: bigint;
  /** The key had been sent before (this call sent nothing new). */
  readonly reused: boolean;
}

export interface TxLogger {
  (level: "info" | "warn" | "error", msg: string, fields?: Record<string, unknown>): void;
}

export interface TxSenderOptions {
  readonly signer: Signer;
  readonly store: TxStore;
  readonly log?: TxLogger;
  readonly backoff?: BackoffPolicy;
  readonly pollMs?: number;
  /** Re-sign with higher fees when not mined after this long. */
  readonly bumpAfterMs?: number;
  /** Under this many seconds left on the deadline, bump at once and double the fees. */
  readonly urgentSeconds?: number;
  /** Fee multiplier of an ordinary bump, in percent (>= 110: nodes refuse smaller replacements). */
  readonly bumpPercent?: number;
  readonly onRetry?: () => void;
  readonly onMined?: (o: TxOutcome) => void;
  /** TESTS ONLY: throw right after this point, as if the process died there. */
  readonly crashAt?: "afterIntent" | "afterBroadcast";
}

export class SimulatedCrash extends Error {
  override name = "SimulatedCrash";
}

const FORMAT_ARG = (v: unknown): string => (typeof v === "bigint" ? v.toString() : Array.isArray(v) ? `[${v.map(FORMAT_ARG).join(", ")}]` : String(v));

/** A ChainError naming the decoded custom error of a revert, or carrying the RPC error's message. */
export function chainErrorOf(what: string, e: unknown): ChainError {
  if (e instanceof ChainError) return e;
  const data = (e as { data?: string; info?: { error?: { data?: string } } })?.data ?? (e as { info?: { error?: { data?: string } } })?.info?.error?.data;
  const decoded = decodeRevert(typeof data === "string" ? data : undefined);
  if (decoded) {
    const args = decoded.args.toArray();
    return new ChainError(`${what} reverted: ${decoded.name}(${args.map(FORMAT_ARG).join(", ")})`, decoded.name, args, { cause: e });
  }
  return new ChainError(`${what} failed: ${errorLine(e)}`, undefined, undefined, { cause: e });
}

/** Serializes async work (one transaction in flight per sender keeps nonces simple). */
class Mutex {
  private tail: Promise<unknown> = Promise.resolve();
  run<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.tail.then(fn, fn);
    this.tail = next.catch(() => undefined);
    return next;
  }
}

export class TxSender {
  private readonly provider: Provider;
  private readonly mutex = new Mutex();
  private readonly backoff: BackoffPolicy;
  private readonly localKey: boolean;
  private address?: string;
  private chainId?: bigint;

  constructor(private readonly o: TxSenderOptions) {
    if (!o.signer.provider) throw new Error("TxSender: the signer has no provider");
    this.provider = o.signer.provider;
    this.backoff = o.backoff ?? DEFAULT_BACKOFF;
    this.localKey = o.signer instanceof BaseWallet;
  }

  private log(level: "info" | "warn" | "error", msg: string, fields?: Record<string, unknown>): void {
    this.o.log?.(level, msg, fields);
  }

  private retry<T>(what: string, fn: () => Promise<T>): Promise<T> {
    return withRetry(what, fn, this.backoff, (w, e, ms) => {
      this.o.onRetry?.();
      this.log("warn", "rpc retry", { what: w, error: errorLine(e), waitMs: ms });
    });
  }

  async sender(): Promise<string> {
    this.address ??= await this.o.signer.getAddress();
    return this.address;
  }

  /** Settles every intent a previous run left unfinished (call once at start-up). */
  async reconcile(): Promise<TxRow[]> {
    return this.mutex.run(async () => {
      const from = await this.sender();
      const rows = this.o.store.unfinished(from);
      for (const row of rows) {
        this.log("info", "reconciling a transaction left unfinished", { key: row.key, nonce: row.nonce, status: row.status, hash: row.hash });
        try {
          await this.finish(row, undefined);
        } catch (e) {
          this.log("warn", "reconciled transaction failed", { key: row.key, error: errorLine(e) });
        }
      }
      return rows.map((r) => this.o.store.byKey(r.key)!);
    });
  }

  /** Simulates, then sends `req` once (see the file comment); throws ChainError on a permanent failure. */
  async send(req: TxRequest): Promise<TxOutcome> {
    return this.mutex.run(async () => {
      const existing = this.o.store.byKey(req.key);
      if (existing) return this.resume(existing, req);
      const from = await this.sender();
      const call = { from, to: req.to, data: req.data, value: req.value ?? 0n };
      // A revert here is permanent: report the decoded error, send nothing.
      const gas = await this.retry(`${req.kind} (estimate)`, () => this.provider.estimateGas(call)).catch((e) => {
        throw chainErrorOf(req.kind, e);
      });
      const gasLimit = (gas * 120n) / 100n + 10_000n;
      const nonce = await this.allocateNonce(from);
      const row = this.o.store.intent({ key: req.key, kind: req.kind, sender: from, nonce, to: req.to, data: req.data, value: req.value ?? 0n, gasLimit });
      return this.finish(row, req);
    });
  }

  private async resume(row: TxRow, req: TxRequest): Promise<TxOutcome> {
    if (row.status === "mined") return { key: row.key, hash: row.hash, receipt: null, gasUsed: row.gasUsed ?? 0n, feePaid: row.feePaid ?? 0n, reused: true };
    if (row.status === "consumed") return { key: row.key, hash: null, receipt: null, gasUsed: 0n, feePaid: 0n, reused: true };
    if (row.status === "failed") throw new ChainError(`${row.kind} failed before: ${row.error ?? "unknown error"}`, /^.*reverted: (\w+)\(/.exec(row.error ?? "")?.[1]);
    return this.finish(row, req);
  }

  private async allocateNonce(from: string): Promise<number> {
    // The store's own record counts too: providers cache eth_getTransactionCount for a moment.
    const pending = await this.retry("nonce", () => this.provider.getTransactionCount(from, "pending"));
    return Math.max(pending, this.o.store.nextNonce(from));
  }

  private async fees(urgent: boolean, floor?: { maxFee: bigint; priorityFee: bigint }): Promise<{ maxFee: bigint; priorityFee: bigint }> {
    const fd = await this.retry("fee data", () => this.provider.getFeeData());
    let maxFee = fd.maxFeePerGas ?? fd.gasPrice ?? 1_000_000_000n;
    let priorityFee = fd.maxPriorityFeePerGas ?? 1_000_000_000n;
    if (floor) {
      const pct = BigInt(urgent ? 200 : Math.max(110, this.o.bumpPercent ?? 125));
      maxFee = bigMax(maxFee, (floor.maxFee * pct) / 100n + 1n);
      priorityFee = bigMax(priorityFee, (floor.priorityFee * pct) / 100n + 1n);
    } else if (urgent) {
      maxFee *= 2n;
      priorityFee *= 2n;
    }
    if (priorityFee > maxFee) maxFee = priorityFee;
    return { maxFee, priorityFee };
  }

  private async signAndRecord(row: TxRow, urgent: boolean, floor?: { maxFee: bigint; priorityFee: bigint }): Promise<void> {
    this.chainId ??= (await this.retry("chain id", () => this.provider.getNetwork())).chainId;
    const { maxFee, priorityFee } = await this.fees(urgent, floor);
    const tx: TransactionRequest = {
      type: 2,
      chainId: this.chainId,
      nonce: row.nonce,
      to: row.to,
      data: row.data,
      value: row.value,
      gasLimit: row.gasLimit ?? undefined,
      maxFeePerGas: maxFee,
      maxPriorityFeePerGas: priorityFee,
    };
    if (this.localKey) {
      const raw = await (this.o.signer as BaseWallet).signTransaction(tx);
      // Written before the broadcast: after a crash the same bytes go out again, never new ones.
      this.o.store.attempt(row.id, { hash: Transaction.from(raw).hash!, raw, maxFee, priorityFee });
    } else {
      // A remote signer signs and broadcasts in one call; the nonce in the intent pins it.
      const response = await this.retry(`${row.kind} (send)`, () => this.o.signer.sendTransaction(tx));
      this.o.store.attempt(row.id, { hash: response.hash, raw: null, maxFee, priorityFee });
    }
  }

  private async broadcast(raw: string): Promise<void> {
    await this.retry("broadcast", async () => {
      try {
        await this.provider.broadcastTransaction(raw);
      } catch (e) {
        // Our own earlier broadcast got there: the receipt will tell.
        if (isAlreadyKnown(e) || isNonceTooLow(e)) return;
        throw e;
      }
    });
  }

  private async receiptOf(row: TxRow): Promise<TransactionReceipt | null> {
    for (const a of this.o.store.attempts(row.id)) {
      const r = await this.retry("receipt", () => this.provider.getTransactionReceipt(a.hash));
      if (r) return r;
    }
    return null;
  }

  private async revertReason(row: TxRow, receipt: TransactionReceipt): Promise<string> {
    for (const blockTag of [receipt.blockNumber - 1, "latest"] as const) {
      try {
        await this.provider.call({ from: row.sender, to: row.to, data: row.data, value: row.value, blockTag });
      } catch (e) {
        const err = chainErrorOf(row.kind, e);
        if (err.errorName) return err.shortMessage;
      }
    }
    return `${row.kind} reverted on-chain (no decodable reason)`;
  }

  /** Drives one intent to its end: signed, broadcast, mined (or consumed by another transaction). */
  private async finish(start: TxRow, req: TxRequest | undefined): Promise<TxOutcome> {
    let row = start;
    const from = row.sender;
    const secondsLeft = async (): Promise<number | null> => (req?.secondsLeft ? req.secondsLeft().catch(() => null) : null);
    const urgentSeconds = this.o.urgentSeconds ?? 120;
    if (row.status === "intent") {
      if (!this.localKey) {
        // A remote signer may have taken the transaction before the crash without us learning its hash.
        const latest = await this.retry("nonce", () => this.provider.getTransactionCount(from, "latest"));
        const pending = await this.retry("nonce", () => this.provider.getTransactionCount(from, "pending"));
        if (latest > row.nonce || pending > row.nonce) {
          while ((await this.retry("nonce", () => this.provider.getTransactionCount(from, "latest"))) <= row.nonce) await sleep(this.o.pollMs ?? 500);
          this.o.store.consumed(row.id);
          this.log("warn", "nonce used by a transaction sent before a crash; not sending again", { key: row.key, nonce: row.nonce });
          return { key: row.key, hash: null, receipt: null, gasUsed: 0n, feePaid: 0n, reused: true };
        }
      }
      const left = await secondsLeft();
      await this.signAndRecord(row, left !== null && left < urgentSeconds);
      row = this.o.store.byId(row.id);
      if (this.o.crashAt === "afterIntent") throw new SimulatedCrash("crash after the intent was written");
    }
    let attempt = this.o.store.attempts(row.id)[0];
    if (attempt?.raw) await this.broadcastOrResign(row);
    if (this.o.crashAt === "afterBroadcast") throw new SimulatedCrash("crash after the broadcast");
    let lastSent = Date.now();
    for (;;) {
      const receipt = await this.receiptOf(row);
      if (receipt) {
        const gasUsed = receipt.gasUsed;
        const feePaid = receipt.gasUsed * (receipt.gasPrice ?? 0n);
        if (receipt.status === 1) {
          this.o.store.mined(row.id, { hash: receipt.hash, block: receipt.blockNumber, gasUsed, feePaid, ok: true });
          const out = { key: row.key, hash: receipt.hash, receipt, gasUsed, feePaid, reused: req === undefined };
          this.o.onMined?.(out);
          return out;
        }
        const reason = await this.revertReason(row, receipt);
        this.o.store.mined(row.id, { hash: receipt.hash, block: receipt.blockNumber, gasUsed, feePaid, ok: false, error: reason });
        this.o.onMined?.({ key: row.key, hash: receipt.hash, receipt, gasUsed, feePaid, reused: false });
        throw chainErrorOf(row.kind, new ChainError(reason, /reverted: (\w+)\(/.exec(reason)?.[1]));
      }
      const latest = await this.retry("nonce", () => this.provider.getTransactionCount(from, "latest"));
      if (latest > row.nonce) {
        // The nonce is used, yet by none of our hashes (checked once more: a receipt may have just appeared).
        if (await this.receiptOf(row)) continue;
        if (this.localKey) {
          // Every version we signed is recorded, so ours did not execute: sign again under a fresh nonce.
          this.log("warn", "nonce taken by another transaction; re-sending under a new nonce", { key: row.key, nonce: row.nonce });
          this.o.store.forget(row.id);
          const nonce = await this.allocateNonce(from);
          row = this.o.store.intent({ key: row.key, kind: row.kind, sender: from, nonce, to: row.to, data: row.data, value: row.value, gasLimit: row.gasLimit });
          await this.signAndRecord(row, false);
          row = this.o.store.byId(row.id);
          await this.broadcastOrResign(row);
          lastSent = Date.now();
          continue;
        }
        this.o.store.consumed(row.id);
        return { key: row.key, hash: null, receipt: null, gasUsed: 0n, feePaid: 0n, reused: true };
      }
      const left = await secondsLeft();
      const urgent = left !== null && left < urgentSeconds;
      const bumpAfter = urgent ? Math.min(2_000, this.o.bumpAfterMs ?? 30_000) : (this.o.bumpAfterMs ?? 30_000);
      if (Date.now() - lastSent > bumpAfter) {
        attempt = this.o.store.attempts(row.id)[0];
        this.log("warn", "transaction not mined in time; re-signing with higher fees", { key: row.key, nonce: row.nonce, urgent, secondsLeft: left });
        await this.signAndRecord(row, urgent, attempt ? { maxFee: attempt.maxFee, priorityFee: attempt.priorityFee } : undefined);
        row = this.o.store.byId(row.id);
        await this.broadcastOrResign(row);
        lastSent = Date.now();
      }
      await sleep(this.o.pollMs ?? 500);
    }
  }

  /** Broadcasts the latest signed version; a nonce gap (our nonce above the chain's) re-signs lower. */
  private async broadcastOrResign(row: TxRow): Promise<void> {
    const attempt = this.o.store.attempts(row.id)[0];
    if (!attempt?.raw) return;
    try {
      await this.broadcast(attempt.raw);
    } catch (e) {
      // A node may mine the transaction and still answer the broadcast with an error (Hardhat
      // with automine, for one that reverted): then the receipt, read next, tells the outcome.
      if (await this.provider.getTransactionReceipt(attempt.hash).catch(() => null)) return;
      if (!isNonceTooHigh(e) && !isTransient(e)) throw chainErrorOf(row.kind, e);
      throw e;
    }
  }
}

function bigMax(a: bigint, b: bigint): bigint {
  return a > b ? a : b;
}
