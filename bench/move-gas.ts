/**
 * Where a move's gas goes: plays the bench's disputes (bench/dispute.bench.ts; VERINFER_BENCH_FANOUT,
 * VERINFER_BENCH_DESCENT and VERINFER_BENCH_CASES=0,2 select) and prints, per move, the gas used,
 * the calldata (zero / non-zero bytes, EIP-7623 tokens), the standard intrinsic cost
 * (21000 + 4 x tokens), the floor (21000 + 10 x tokens) and the execution gas (gas used minus the
 * standard intrinsic cost when the floor does not bind). `npx tsx bench/move-gas.ts`.
 */
import { calldataTokens, dispute, disputeCases, GAME } from "./dispute.bench.js";

const cases = await disputeCases();
const pick = process.env.VERINFER_BENCH_CASES?.split(",").map(Number);
const maxByKind = new Map<string, bigint>();
let line = `fanout ${GAME.fanout}, descentLevels ${GAME.descentLevels}\n`;
for (const [i, c] of cases.entries()) {
  if (pick && !pick.includes(i)) continue;
  line += `\n${c.name}\n| move | gas | zero B | non-zero B | tokens | 21000+4t | floor 21000+10t | execution |\n| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n`;
  const r = await dispute(c.model, c.feeds(), (_h, kind, data, gas) => {
    const t = calldataTokens(data);
    const standard = 21000 + 4 * t.tokens;
    const floor = 21000 + 10 * t.tokens;
    const exec = Number(gas) - standard;
    line += `| ${kind} | ${gas} | ${t.zero} | ${t.nonZero} | ${t.tokens} | ${standard} | ${floor} | ${Number(gas) > floor ? exec : `<= ${floor - standard} (floor binds)`} |\n`;
    if (gas > (maxByKind.get(kind) ?? 0n)) maxByKind.set(kind, gas);
  });
  line += `total ${r.gas} over ${r.moves.length} moves\n`;
}
line += `\nmax by kind: ${[...maxByKind].map(([k, g]) => `${k} ${g}`).join(", ")}\n`;
process.stdout.write(line);
process.exit(0);
