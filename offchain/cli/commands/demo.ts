/**
 * `verinfer demo`: everything on an embedded chain, including a faulty prover caught and slashed
 * (offchain/demo/demo.ts). Narration on stderr as it happens; the summary on stdout (text, or
 * DESIGN.md's `--json` fields: jobs, finalized, disputes [{prover, slashed, moves, gas}], wallSeconds).
 */
import { formatEther } from "ethers";
import { runDemo, type DemoSummary } from "../../demo/demo.js";
import { UsageError } from "../../errors.js";
import { printJson, progress } from "../output.js";

export interface DemoCommandOptions {
  readonly jobs?: string;
  readonly faultyJobs?: string;
  readonly fault?: string;
  readonly verbose?: boolean;
  readonly json?: boolean;
}

const int = (text: string | undefined, dflt: number, flag: string): number => {
  if (text === undefined) return dflt;
  if (!/^\d+$/.test(text)) throw new UsageError(`${flag} must be a positive integer, got "${text}"`);
  return Number(text);
};

export async function demoCommand(opts: DemoCommandOptions): Promise<void> {
  const summary = await runDemo({
    jobs: int(opts.jobs, 6, "--jobs"),
    faultyJobs: int(opts.faultyJobs, 2, "--faulty-jobs"),
    fault: opts.fault,
    progress,
    nodeLog: opts.verbose ? (line) => process.stderr.write(line) : undefined,
  });
  if (opts.json) return printJson(summary);
  console.log(narrate(summary));
}

const eth = (wei: string | bigint): string => `${formatEther(BigInt(wei))} ETH`;
const short = (a: string): string => `${a.slice(0, 8)}…${a.slice(-4)}`;

export function narrate(s: DemoSummary): string {
  const a = s.accounts;
  const who = (x: string): string =>
    x.toLowerCase() === a.honestProver.toLowerCase() ? "honest prover" : x.toLowerCase() === a.faultyProver.toLowerCase() ? "faulty prover" : x.toLowerCase() === a.watcher.toLowerCase() ? "watcher" : short(x);
  const p = s.params;
  const burn = (x: bigint): bigint => (x * BigInt(p.burnBps)) / 10_000n;
  const lines: string[] = [];
  lines.push(`verinfer demo: embedded chain ${s.chainId}, the project's quantized MNIST CNN (${s.modelId.slice(0, 18)}…)`);
  lines.push("");
  lines.push(`jobs: ${s.jobs} submitted by the requester ${short(a.requester)}, ${eth(p.fee)} each`);
  for (const j of s.jobList) {
    lines.push(`  job ${j.jobId.padStart(2)}  digit ${j.digit}  ${who(j.prover).padEnd(13)}  answered ${j.predicted ?? "-"}${j.faulty ? " (logits falsified)" : ""}  -> ${j.status}`);
  }
  lines.push("");
  lines.push(`the faulty prover's lie: ${s.fault} (element ${s.fault.split(":")[1]} of node ${s.faultNode.index}, ${s.faultNode.op}), surviving to the logits`);
  for (const d of s.disputes) {
    lines.push(`dispute on job ${d.jobId} (game ${d.gameId}): ${who(d.challenger)} challenged ${who(d.prover)}`);
    lines.push(`  ${d.moves} moves, ${Number(d.gas).toLocaleString("en-US")} gas, against the real one-step verifiers`);
    lines.push(`  levels: ${compress(d.phases)}`);
    lines.push(`  ended at node ${d.node} (${d.op}), output element ${d.element}: ${d.outcome}${d.reason ? ` ("${d.reason}")` : ""}; prover ${d.slashed ? "SLASHED" : "not slashed"}`);
  }
  const slashed = s.disputes.filter((d) => d.slashed).length;
  const proverBond = BigInt(p.proverBond);
  lines.push("");
  lines.push("payouts (withdrawn from the market):");
  lines.push(`  requester      ${eth(s.payouts.requesterRefund)}  (the fees of the ${s.faulted} faulted jobs, refunded in full)`);
  lines.push(`  watcher        ${eth(s.payouts.watcher)}  (its ${slashed} challenger bond(s) back, plus the faulty prover's bond less the ${p.burnBps / 100}% burn: ${eth(proverBond - burn(proverBond))} a game, plus move bonds)`);
  lines.push(`  honest prover  ${eth(s.payouts.honestProver)}  (${s.finalized} fees plus its bonds back)`);
  lines.push(`  faulty prover  ${eth(s.payouts.faultyProver)}  (lost ${eth(proverBond * BigInt(slashed))} of bonds)`);
  lines.push(`  burned         ${eth(s.payouts.burned)}`);
  lines.push("");
  lines.push(`honest jobs final: ${s.finalized}/${s.jobs - s.faulted}; faulted: ${s.faulted}; disputes won by the watcher: ${slashed}/${s.disputes.length}`);
  const t = s.timings;
  lines.push(`wall time ${s.wallSeconds} s (model ${t.modelSeconds} s, deploy ${t.deploySeconds} s, serve + disputes ${t.serveSeconds} s, finalize ${t.finalizeSeconds} s; ${s.rounds} node rounds); the ${p.challengeWindow} s window was skipped on the local chain`);
  return lines.join("\n");
}

/** "StatesPost StatesPick StatesPick ..." as "StatesPost, StatesPick x2, ...". */
function compress(phases: readonly string[]): string {
  const out: string[] = [];
  for (let i = 0; i < phases.length; ) {
    let j = i;
    while (j < phases.length && phases[j] === phases[i]) j++;
    out.push(j - i > 1 ? `${phases[i]} x${j - i}` : phases[i]!);
    i = j;
  }
  return out.join(" -> ");
}
