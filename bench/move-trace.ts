/**
 * Opcode breakdown of one move of each kind (debug_traceTransaction, top call frame only; a
 * STATICCALL's figure includes the gas it forwards): plays dispute CASE (index into
 * disputeCases()) and prints SLOAD/SSTORE/LOG/KECCAK256/memory/other per move kind.
 * `CASE=3 npx tsx bench/move-trace.ts`.
 */
import { dispute, disputeCases } from "./dispute.bench.js";
const cases = await disputeCases();
const c = cases[Number(process.env.CASE ?? 0)]!;
const seen = new Set<string>();
await dispute(c.model, c.feeds(), async (hash, kind, _data, gas, send) => {
  if (seen.has(kind)) return;
  seen.add(kind);
  const t = (await send("debug_traceTransaction", [hash, { disableStorage: true, disableMemory: true, disableStack: true }])) as { structLogs: { op: string; gasCost: number; depth: number }[]; gas: number };
  const by = new Map<string, number>();
  let total = 0;
  for (const l of t.structLogs) {
    if (l.depth !== 1) continue;
    const k = /^LOG/.test(l.op) ? "LOG" : /^(SLOAD|SSTORE|KECCAK256|STATICCALL|CALL|CALLDATACOPY|CALLDATALOAD)$/.test(l.op) ? l.op : /^(MLOAD|MSTORE|MSTORE8|MCOPY)$/.test(l.op) ? "memory" : "other";
    by.set(k, (by.get(k) ?? 0) + l.gasCost);
    total += l.gasCost;
  }
  console.log(`${kind} gas ${gas}: top-frame opcodes ${total}: ${[...by].sort((a, b) => b[1] - a[1]).map(([k, v]) => `${k} ${v}`).join(", ")}`);
});
process.exit(0);
