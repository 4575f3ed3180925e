/**
 * Every transaction this node sends, written down BEFORE it leaves the process (crash safety):
 * the intent (key, nonce, call), then each signed attempt's hash, then the outcome. On restart the
 * sender reconciles every unfinished row against the chain (chain/tx.ts).
 */
import type { DatabaseSync } from "./sqlite.js";

/**
 * intent: nonce chosen, nothing signed yet (or signed by a remote signer, hash unknown);
 * sent: at least one signed attempt recorded; mined / failed: final; consumed: the nonce was used
 * by a transaction this node has no hash for (sent by a remote signer just before a crash).
 */
export type TxStatus = "intent" | "sent" | "mined" | "failed" | "consumed";

export interface TxRow {
  readonly id: number;
  readonly key: string;
  readonly kind: string;
  readonly sender: string;
  readonly nonce: number;
  readonly to: string;
  readonly data: string;
  readonly value: bigint;
  readonly gasLimit: bigint | null;
  readonly status: TxStatus;
  readonly hash: string | null;
  readonly raw: string | null;
  readonly block: number | null;
  readonly gasUsed: bigint | null;
  readonly feePaid: bigint | null;
  readonly error: string | null;
  readonly attempts: number;
}

export interface TxAttempt {
  readonly hash: string;
  readonly raw: string | null;
  readonly maxFee: bigint;
  readonly priorityFee: bigint;
}

interface RawTx {
  id: number;
  key: string;
  kind: string;
  sender: string;
  nonce: number;
  to_addr: string;
  data: string;
  value: string;
  gas_limit: string | null;
  status: TxStatus;
  hash: string | null;
  raw: string | null;
  block: number | null;
  gas_used: string | null;
  fee_paid: string | null;
  error: string | null;
  attempts: number;
}

const big = (s: string | null): bigint | null => (s === null ? null : BigInt(s));
const fromRaw = (r: RawTx): TxRow => ({
  id: Number(r.id),
  key: r.key,
  kind: r.kind,
  sender: r.sender,
  nonce: Number(r.nonce),
  to: r.to_addr,
  data: r.data,
  value: BigInt(r.value),
  gasLimit: big(r.gas_limit),
  status: r.status,
  hash: r.hash,
  raw: r.raw,
  block: r.block === null ? null : Number(r.block),
  gasUsed: big(r.gas_used),
  feePaid: big(r.fee_paid),
  error: r.error,
  attempts: Number(r.attempts),
});

export class TxStore {
  constructor(private readonly db: DatabaseSync) {}

  byKey(key: string): TxRow | undefined {
    const r = this.db.prepare("SELECT * FROM txs WHERE key = ?").get(key) as RawTx | undefined;
    return r ? fromRaw(r) : undefined;
  }

  byId(id: number): TxRow {
    return fromRaw(this.db.prepare("SELECT * FROM txs WHERE id = ?").get(id) as unknown as RawTx);
  }

  /** Writes the intent; the nonce is taken from here on. */
  intent(t: { key: string; kind: string; sender: string; nonce: number; to: string; data: string; value: bigint; gasLimit: bigint | null }): TxRow {
    const now = Date.now();
    const r = this.db
      .prepare(
        `INSERT INTO txs (key, kind, sender, nonce, to_addr, data, value, gas_limit, status, attempts, created_at, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'intent', 0, ?, ?)`,
      )
      .run(t.key, t.kind, t.sender, t.nonce, t.to, t.data, t.value.toString(), t.gasLimit?.toString() ?? null, now, now);
    return this.byId(Number(r.lastInsertRowid));
  }

  /** Records a signed attempt (before it is broadcast when the raw bytes are known). */
  attempt(id: number, a: TxAttempt): void {
    const now = Date.now();
    this.db.prepare("INSERT OR IGNORE INTO tx_attempts (tx_id, hash, raw, max_fee, priority_fee, sent_at) VALUES (?, ?, ?, ?, ?, ?)").run(id, a.hash, a.raw, a.maxFee.toString(), a.priorityFee.toString(), now);
    this.db.prepare("UPDATE txs SET status = 'sent', hash = ?, raw = ?, attempts = attempts + 1, updated_at = ? WHERE id = ?").run(a.hash, a.raw, now, id);
  }

  attempts(id: number): TxAttempt[] {
    return (this.db.prepare("SELECT hash, raw, max_fee, priority_fee FROM tx_attempts WHERE tx_id = ? ORDER BY sent_at DESC").all(id) as { hash: string; raw: string | null; max_fee: string; priority_fee: string }[]).map(
      (r) => ({ hash: r.hash, raw: r.raw, maxFee: BigInt(r.max_fee), priorityFee: BigInt(r.priority_fee) }),
    );
  }

  mined(id: number, m: { hash: string; block: number; gasUsed: bigint; feePaid: bigint; ok: boolean; error?: string }): void {
    this.db
      .prepare("UPDATE txs SET status = ?, hash = ?, block = ?, gas_used = ?, fee_paid = ?, error = ?, updated_at = ? WHERE id = ?")
      .run(m.ok ? "mined" : "failed", m.hash, m.block, m.gasUsed.toString(), m.feePaid.toString(), m.error ?? null, Date.now(), id);
  }

  failed(id: number, error: string): void {
    this.db.prepare("UPDATE txs SET status = 'failed', error = ?, updated_at = ? WHERE id = ?").run(error, Date.now(), id);
  }

  consumed(id: number): void {
    this.db.prepare("UPDATE txs SET status = 'consumed', updated_at = ? WHERE id = ?").run(Date.now(), id);
  }

  /** A failed key may be tried again (a new intent under the same key). */
  forget(id: number): void {
    this.db.prepare("DELETE FROM tx_attempts WHERE tx_id = ?").run(id);
    this.db.prepare("DELETE FROM txs WHERE id = ?").run(id);
  }

  unfinished(sender: string): TxRow[] {
    return (this.db.prepare("SELECT * FROM txs WHERE sender = ? AND status IN ('intent', 'sent') ORDER BY nonce").all(sender) as unknown as RawTx[]).map(fromRaw);
  }

  /** The nonce after the highest this store has used for `sender` (0 when it never sent). */
  nextNonce(sender: string): number {
    const r = this.db.prepare("SELECT MAX(nonce) AS n FROM txs WHERE sender = ? AND (status != 'failed' OR block IS NOT NULL)").get(sender) as { n: number | null };
    return r.n === null ? 0 : Number(r.n) + 1;
  }

  all(): TxRow[] {
    return (this.db.prepare("SELECT * FROM txs ORDER BY id").all() as unknown as RawTx[]).map(fromRaw);
  }

  /** Gas used and wei paid by mined (and failed-on-chain) transactions. */
  spent(): { gasUsed: bigint; feePaid: bigint; count: number } {
    let gasUsed = 0n;
    let feePaid = 0n;
    let count = 0;
    for (const r of this.db.prepare("SELECT gas_used, fee_paid FROM txs WHERE gas_used IS NOT NULL").all() as { gas_used: string; fee_paid: string }[]) {
      gasUsed += BigInt(r.gas_used);
      feePaid += BigInt(r.fee_paid);
      count++;
    }
    return { gasUsed, feePaid, count };
  }
}
