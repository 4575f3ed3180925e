/**
 * Confirmed, reorg-safe event scanning from a stored cursor.
 *
 * Each poll scans (cursor, head - confirmations] in batches of at most `batchBlocks` blocks, one
 * getLogs call per batch over every watched contract, and hands the batch's decoded events (in
 * chain order) to the handler; the handler's writes and the new cursor (block number and hash)
 * are committed in ONE store transaction, so a crash re-delivers a batch rather than losing it.
 * Before scanning, the cursor block's hash is compared with the chain's: on a mismatch (a reorg
 * deeper than the confirmations) the scanner walks back through the hashes it remembered to the
 * newest block still on the chain, tells the handler to forget everything above it, and scans
 * again from there. Handlers must therefore be idempotent (re-scans re-deliver events).
 */
import type { Interface, Log, LogDescription, Provider } from "ethers";
import type { Store } from "../store/store.js";
import { withRetry, type BackoffPolicy, DEFAULT_BACKOFF } from "./rpc-errors.js";

export interface WatchedContract {
  readonly name: string;
  readonly address: string;
  readonly iface: Interface;
}

export interface ChainEvent {
  readonly contract: string;
  readonly name: string;
  readonly args: LogDescription["args"];
  readonly blockNumber: number;
  readonly blockHash: string;
  readonly logIndex: number;
  readonly transactionHash: string;
}

export interface EventHandler {
  /** Applies a batch of events (synchronous store writes only: they commit with the cursor). */
  apply(events: readonly ChainEvent[]): void;
  /** A reorg: forget whatever was derived from blocks above `block`. */
  rewind(block: number): void;
}

export interface ScannerOptions {
  readonly name: string;
  readonly provider: Provider;
  readonly store: Store;
  readonly contracts: readonly WatchedContract[];
  /** Blocks a log must be buried under before it is delivered. */
  readonly confirmations: number;
  /** First block to scan when there is no cursor yet (e.g. the deployment block). */
  readonly startBlock: number;
  readonly batchBlocks?: number;
  readonly backoff?: BackoffPolicy;
}

export interface PollReport {
  readonly from: number;
  readonly to: number;
  readonly events: number;
  readonly head: number;
  /** Depth of the reorg detected before this scan (0: none). */
  readonly reorgDepth: number;
}

export class EventScanner {
  private readonly byAddress: Map<string, WatchedContract>;
  private head = 0;

  constructor(private readonly o: ScannerOptions) {
    this.byAddress = new Map(o.contracts.map((c) => [c.address.toLowerCase(), c]));
  }

  private retry<T>(what: string, fn: () => Promise<T>): Promise<T> {
    return withRetry(what, fn, this.o.backoff ?? DEFAULT_BACKOFF);
  }

  /** Last block fully scanned. */
  get cursorBlock(): number {
    return this.o.store.cursors.get(this.o.name)?.block ?? this.o.startBlock - 1;
  }

  /** Blocks between the chain head and the cursor, as of the last poll. */
  get lag(): number {
    return Math.max(0, this.head - this.cursorBlock);
  }

  private async blockHash(n: number): Promise<string | null> {
    const b = await this.retry(`block ${n}`, () => this.o.provider.getBlock(n));
    return b?.hash ?? null;
  }

  /** Checks the cursor against the chain; on a reorg rewinds to the common ancestor. Returns the depth. */
  private async checkReorg(handler: EventHandler): Promise<number> {
    const cursor = this.o.store.cursors.get(this.o.name);
    if (!cursor) return 0;
    if ((await this.blockHash(cursor.block)) === cursor.hash) return 0;
    let ancestor = { block: this.o.startBlock - 1, hash: "" };
    for (const b of this.o.store.cursors.recentBlocks(this.o.name, cursor.block)) {
      if ((await this.blockHash(b.block)) === b.hash) {
        ancestor = b;
        break;
      }
    }
    this.o.store.transaction(() => {
      handler.rewind(ancestor.block);
      if (ancestor.hash === "") {
        this.o.store.db.prepare("DELETE FROM cursors WHERE name = ?").run(this.o.name);
        this.o.store.db.prepare("DELETE FROM scanned_blocks WHERE name = ?").run(this.o.name);
      } else this.o.store.cursors.rewind(this.o.name, ancestor);
    });
    return cursor.block - ancestor.block;
  }

  private decode(log: Log): ChainEvent | null {
    const c = this.byAddress.get(log.address.toLowerCase());
    if (!c) return null;
    let parsed: LogDescription | null = null;
    try {
      parsed = c.iface.parseLog({ topics: [...log.topics], data: log.data });
    } catch {
      return null;
    }
    if (!parsed) return null;
    return { contract: c.name, name: parsed.name, args: parsed.args, blockNumber: log.blockNumber, blockHash: log.blockHash, logIndex: log.index, transactionHash: log.transactionHash };
  }

  /** Scans every confirmed block past the cursor; returns what it did. */
  async poll(handler: EventHandler): Promise<PollReport> {
    this.head = await this.retry("block number", () => this.o.provider.getBlockNumber());
    const reorgDepth = await this.checkReorg(handler);
    const target = this.head - this.o.confirmations;
    const first = this.cursorBlock + 1;
    let events = 0;
    const batch = this.o.batchBlocks ?? 2_000;
    for (let from = first; from <= target; from += batch) {
      const to = Math.min(target, from + batch - 1);
      const logs = await this.retry(`logs ${from}-${to}`, () =>
        this.o.provider.getLogs({ address: this.o.contracts.map((c) => c.address), fromBlock: from, toBlock: to }),
      );
      const hash = await this.blockHash(to);
      if (hash === null) break; // the chain shrank under us: the next poll sees the reorg
      const decoded = logs
        .filter((l) => !l.removed)
        .map((l) => this.decode(l))
        .filter((e): e is ChainEvent => e !== null)
        .sort((a, b) => a.blockNumber - b.blockNumber || a.logIndex - b.logIndex);
      this.o.store.transaction(() => {
        handler.apply(decoded);
        for (const e of decoded) this.o.store.cursors.rememberBlock(this.o.name, e.blockNumber, e.blockHash);
        this.o.store.cursors.set(this.o.name, { block: to, hash });
      });
      events += decoded.length;
    }
    return { from: first, to: Math.max(first - 1, target), events, head: this.head, reorgDepth };
  }
}
