/**
 * `verinfer demo`: the whole protocol on an embedded in-process Hardhat chain, no setup. It
 * deploys the contracts (the real one-step verifiers behind the router), registers the project's
 * quantized MNIST CNN (its cached file as a file:// mirror), submits a batch of jobs on real
 * digits, and runs three of the project's own nodes in this process on that chain: an honest
 * prover, a faulty prover (DESIGN.md's fault injection: one element of an inner QLinearConv output
 * shifted, the lie surviving to the logits) and a watcher. The nodes are stepped in turn (one
 * iteration each per round) rather than on timers, so the run is deterministic; the challenge
 * window is skipped with evm_increaseTime instead of waited out. Everyone withdraws at the end.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { decodeBytes32String, formatEther, type Signer } from "ethers";
import { connect, LOCAL_CHAIN_IDS, type ChainConnection } from "../chain/network.js";
import { DEVNET_GAME_PARAMS, DEVNET_PARAMS, deployProtocol } from "../chain/deploy.js";
import { VerinferClient } from "../chain/client.js";
import type { Deployment } from "../chain/deployments.js";
import { commitModel, fileHash } from "../engine/commit/model-commit.js";
import { FaultError, parseFault, runWithFault, type Fault } from "../engine/exec/fault.js";
import { decodeModel } from "../engine/onnx/decode.js";
import type { Model } from "../engine/onnx/types.js";
import { tensorBytes } from "../engine/tensor.js";
import { Phase, stateFromEvent } from "../game/types.js";
import { UsageError, VerinferError } from "../errors.js";
import { digitSamples, type LabelledSample } from "../quantize/data/digit-samples.js";
import { mnistSplit } from "../quantize/data/mnist.js";
import { projectModel } from "../quantize/project/project-model.js";
import { ProverService } from "../prover/service.js";
import { WatcherService } from "../watcher/service.js";
import { createLogger } from "../service/log.js";
import type { NodeOptions, NodeRole } from "../service/options.js";
import type { Service } from "../service/lifecycle.js";
import type { DisputeGame, JobMarket } from "../chain/contracts.js";

/** Devnet clocks for the demo: skipped with evm_increaseTime, never waited out. */
export const DEMO_MARKET = { ...DEVNET_PARAMS, deliveryPeriod: 300, challengeWindow: 300 };
export const DEMO_GAME = { ...DEVNET_GAME_PARAMS, clockBudget: 600, clockExtension: 120 };
export const DEMO_FEE = 10n ** 16n; // 0.01 ETH a job

export interface DemoOptions {
  readonly jobs: number;
  readonly faultyJobs: number;
  /** NODE:ELEMENT:DELTA; default: the first inner QLinearConv lie that survives on every faulty job. */
  readonly fault?: string;
  /** Narration of the run (stderr). */
  readonly progress: (message: string) => void;
  /** The nodes' JSON log lines (default: dropped). */
  readonly nodeLog?: (line: string) => void;
}

export interface DemoDispute {
  readonly gameId: string;
  readonly jobId: string;
  readonly prover: string;
  readonly challenger: string;
  readonly slashed: boolean;
  readonly outcome: string;
  readonly reason: string;
  readonly moves: number;
  readonly gas: string;
  /** The phases the game went through, in order (move kinds by phase). */
  readonly phases: readonly string[];
  /** Where the game ended: the node (committed order), its operator and the output element. */
  readonly node: number;
  readonly op: string;
  readonly element: string;
}

export interface DemoSummary {
  readonly jobs: number;
  readonly finalized: number;
  readonly faulted: number;
  readonly disputes: readonly DemoDispute[];
  readonly wallSeconds: number;
  readonly chainId: string;
  readonly modelId: string;
  readonly fault: string;
  readonly faultNode: { index: number; op: string };
  readonly accounts: { requester: string; honestProver: string; faultyProver: string; watcher: string };
  readonly jobList: readonly { jobId: string; digit: number; prover: string; faulty: boolean; status: string; predicted: number | null }[];
  /** Wei, as decimal strings. */
  readonly params: { fee: string; proverBond: string; challengerBond: string; moveBond: string; burnBps: number; challengeWindow: number; clockBudget: number };
  readonly payouts: { requesterRefund: string; honestProver: string; faultyProver: string; watcher: string; burned: string };
  /** Seconds: loading the model, deploying and registering, serving + checking + every game, finalizing + withdrawals. */
  readonly timings: { modelSeconds: number; deploySeconds: number; serveSeconds: number; finalizeSeconds: number };
  readonly rounds: number;
}

const STATUS = ["None", "Open", "Claimed", "Posted", "Finalized", "Faulted", "Refunded"] as const;
const GAME_STATUS = ["None", "InProgress", "ProverWon", "ChallengerWon", "Closed"] as const;

/** A fault in an inner QLinearConv (else any inner node) whose lie survives on every given digit. */
export function chooseFault(model: Model, samples: readonly LabelledSample[]): Fault & { text: string } {
  const nodes = model.graph.nodes;
  const inner = nodes.map((n, i) => ({ op: n.opType, i })).filter(({ i }) => i > 0 && i < nodes.length - 1);
  const ordered = [...inner.filter((n) => n.op === "QLinearConv").reverse(), ...inner.filter((n) => n.op !== "QLinearConv")];
  for (const { i } of ordered) {
    for (const element of [0, 5, 17, 40, 99, 200]) {
      const fault = { node: i, element, delta: 9 };
      const survives = samples.every((s) => {
        try {
          runWithFault(model, s.feeds, fault);
          return true;
        } catch (e) {
          if (e instanceof FaultError) return false;
          throw e;
        }
      });
      if (survives) return { ...fault, text: `${i}:${element}:9` };
    }
  }
  throw new VerinferError("no inner-node lie survives to the outputs on the faulty jobs' digits");
}

function nodeOptions(role: NodeRole, home: string, modelId: string, faulty?: Fault & { text: string }): NodeOptions {
  return {
    role,
    network: "hardhat",
    home,
    db: join(home, `${role}${faulty ? "-faulty" : ""}.sqlite`),
    confirmations: 0,
    pollMs: 0,
    batchBlocks: 10_000,
    metricsPort: 0,
    models: role === "prover" ? [modelId] : [],
    sampleRate: 1,
    faulty,
    minFee: 0n,
    urgentSeconds: 60,
    logLevel: "info",
    json: false,
  };
}

/** The same in-process chain seen through another funded account (closing it is the demo's job). */
function as(chain: ChainConnection, signer: Signer): ChainConnection {
  return { ...chain, signer, close: async () => {} };
}

export async function runDemo(o: DemoOptions): Promise<DemoSummary> {
  if (!(Number.isInteger(o.jobs) && o.jobs >= 2 && o.jobs <= 32)) throw new UsageError(`--jobs must be an integer in [2, 32], got ${o.jobs}`);
  if (!(Number.isInteger(o.faultyJobs) && o.faultyJobs >= 1 && o.faultyJobs < o.jobs)) throw new UsageError(`--faulty-jobs must be an integer in [1, jobs - 1], got ${o.faultyJobs}`);
  const say = o.progress;
  const started = Date.now();
  const secondsSince = (t: number) => Math.round((Date.now() - t) / 100) / 10;

  // ------------------------------------------------------------------ the model and the digits
  say("project CNN: loading (trained, quantized and cached on first use: ~20-50 s the first time)");
  const t0 = Date.now();
  const paths = await projectModel({ progress: (m) => say(`  ${m}`) });
  const bytes = readFileSync(paths.quantizedPath);
  const model = decodeModel(bytes);
  const commitment = commitModel(model);
  const modelId = commitment.modelId;
  const samples = digitSamples(model, mnistSplit().evaluation.slice(0, o.jobs));
  // The faulty prover is named on evenly spread jobs (the 2nd, 5th, ... of the batch).
  const faultyIdx = new Set(Array.from({ length: o.faultyJobs }, (_, k) => Math.min(o.jobs - 1, 1 + Math.floor((k * o.jobs) / o.faultyJobs))));
  while (faultyIdx.size < o.faultyJobs) faultyIdx.add([...Array(o.jobs).keys()].find((i) => !faultyIdx.has(i))!);
  const fault = o.fault ? { ...parseFault(o.fault), text: o.fault } : chooseFault(model, samples.filter((_, i) => faultyIdx.has(i)));
  for (const [i, s] of samples.entries()) if (faultyIdx.has(i)) runWithFault(model, s.feeds, fault); // refuses a lie that vanishes
  const faultNodeIndex = fault.node === "last" ? model.graph.nodes.length - 1 : fault.node;
  const faultOp = model.graph.nodes[faultNodeIndex]!.opType;
  const modelSeconds = secondsSince(t0);
  say(`project CNN ${modelId.slice(0, 18)}… ready (${model.graph.nodes.length} nodes) in ${modelSeconds} s`);

  // ------------------------------------------------------------------ the chain and the contracts
  const t1 = Date.now();
  const chain = await connect("hardhat");
  const home = mkdtempSync(join(tmpdir(), "verinfer-demo-"));
  const services: Service[] = [];
  try {
    if (!LOCAL_CHAIN_IDS.has(chain.chainId)) throw new UsageError(`the demo's fault injection runs on local chains only; this is chain ${chain.chainId}`);
    const [deployer, requesterS, honestS, faultyS, watcherS] = chain.signers;
    if (!watcherS) throw new VerinferError("the in-process chain has too few funded accounts");
    const [requester, honest, faulty, watcher] = await Promise.all([requesterS!, honestS!, faultyS!, watcherS].map((s) => s.getAddress()));
    say(`embedded chain ${chain.chainId}: deploying the verifiers, router, registry, dispute game and job market`);
    const { deployment } = await deployProtocol(deployer!, { market: { ...DEMO_MARKET }, game: { ...DEMO_GAME } });
    const owner = new VerinferClient(deployer!, deployment);
    const uri = pathToFileURL(paths.quantizedPath).href;
    await owner.registerModel(modelId, commitment.parts, fileHash(bytes), uri);
    say(`registered the CNN with its mirror ${uri}`);
    const deploySeconds = secondsSince(t1);

    // ------------------------------------------------------------------ the nodes
    const t2 = Date.now();
    const nodeLog = o.nodeLog ?? (() => {});
    const narrate = narrator(say, { [honest.toLowerCase()]: "honest prover", [faulty.toLowerCase()]: "faulty prover", [watcher.toLowerCase()]: "watcher" });
    const logger = (name: string, account: string) =>
      createLogger(name, {
        write: (line) => {
          nodeLog(line);
          narrate(account, line);
        },
      });
    const inject = (s: Signer) => ({ chain: as(chain, s), deployment: deployment as Deployment });
    const honestNode = new ProverService(nodeOptions("prover", home, modelId), logger("prover", honest), inject(honestS!));
    const faultyNode = new ProverService(nodeOptions("prover", home, modelId, fault), logger("prover", faulty), inject(faultyS!));
    const watcherNode = new WatcherService(nodeOptions("watcher", home, modelId), logger("watcher", watcher), inject(watcherS));
    say(`starting the honest prover ${honest.slice(0, 10)}…, the faulty prover ${faulty.slice(0, 10)}… and the watcher ${watcher.slice(0, 10)}… (each fetches the model from its mirror and verifies it)`);
    say(`the faulty prover lies: element ${fault.element} of node ${faultNodeIndex} (${faultOp}) shifted by ${fault.delta}, every later value recomputed from the lie`);
    for (const s of [honestNode, faultyNode, watcherNode]) {
      await s.init();
      services.push(s);
    }

    // ------------------------------------------------------------------ the jobs
    const client = new VerinferClient(requesterS!, deployment);
    const jobIds: bigint[] = [];
    const jobProver = new Map<bigint, string>();
    for (const [i, s] of samples.entries()) {
      const prover = faultyIdx.has(i) ? faulty : honest;
      const inputs = model.graph.inputs.map((v) => Uint8Array.from(tensorBytes(s.feeds.get(v.name)!)));
      const { jobId } = await client.submitJob({ modelId, inputs, fee: DEMO_FEE, prover });
      jobIds.push(jobId);
      jobProver.set(jobId, prover);
    }
    say(`requester ${requester.slice(0, 10)}… submitted ${o.jobs} jobs on evaluation digits [${samples.map((s) => s.label).join(", ")}], ${formatEther(DEMO_FEE)} ETH each; jobs ${[...faultyIdx].map((i) => jobIds[i]).join(", ")} name the faulty prover`);

    const market = watcherNode.shell.market as JobMarket;
    const game = watcherNode.shell.game as DisputeGame;
    const status = async (id: bigint) => STATUS[Number((await market.job(id)).status)]!;
    const faultyJobs = jobIds.filter((_, i) => faultyIdx.has(i));
    const honestJobs = jobIds.filter((_, i) => !faultyIdx.has(i));
    let rounds = 0;
    const round = async () => {
      rounds++;
      for (const s of [honestNode, faultyNode, watcherNode]) await s.iterate();
    };
    const until = async (what: string, done: () => Promise<boolean>, maxRounds = 200) => {
      for (let r = 0; r < maxRounds; r++) {
        if (await done()) return;
        await round();
      }
      throw new VerinferError(`the demo did not reach "${what}" in ${maxRounds} rounds of the nodes`);
    };

    // Serve, check, challenge, play every game to the end, settle.
    await until("every result posted and checked, every faulty one slashed", async () => {
      const st = await Promise.all(jobIds.map(status));
      const gamesOpen = (await Promise.all(faultyJobs.map((id) => market.job(id)))).some((j) => j.openGames > 0n);
      return (
        st.every((s, i) => (faultyIdx.has(i) ? s === "Faulted" : s === "Posted")) &&
        !gamesOpen &&
        watcherNode.shell.store.results.unjudged().length === 0
      );
    });
    const serveSeconds = secondsSince(t2);

    // The window of the honest results closes: skip it on the local chain, finalize, withdraw.
    const t3 = Date.now();
    say(`skipping the ${DEMO_MARKET.challengeWindow} s challenge window on the local chain (evm_increaseTime)`);
    const provider = chain.provider as unknown as { send(method: string, params: unknown[]): Promise<unknown> };
    await provider.send("evm_increaseTime", [DEMO_MARKET.challengeWindow + 1]);
    await provider.send("evm_mine", []);
    await until("every honest job finalized and every node paid out", async () => {
      const st = await Promise.all(honestJobs.map(status));
      const credits = await Promise.all([honest, watcher].map((a) => market.credits(a)));
      return st.every((s) => s === "Finalized") && credits.every((c) => c === 0n);
    });
    if ((await market.credits(requester)) > 0n) {
      await client.withdraw();
      say("requester withdrew its refunds");
    }
    const finalizeSeconds = secondsSince(t3);

    // ------------------------------------------------------------------ the summary, from the chain
    const withdrawn = async (who: string) => (await market.queryFilter(market.filters.Withdrawn(who), deployment.blockNumber)).reduce((a, e) => a + (e.args.amount as bigint), 0n);
    const challenged = await market.queryFilter(market.filters.JobChallenged(), deployment.blockNumber);
    const disputes: DemoDispute[] = [];
    for (const ev of challenged) {
      const gameId = ev.args.gameId as bigint;
      const jobId = ev.args.jobId as bigint;
      const logs = await game.queryFilter(game.filters.Moved(gameId), deployment.blockNumber);
      const [resolved] = await game.queryFilter(game.filters.GameResolved(gameId), deployment.blockNumber);
      const txs = new Set<string>(logs.map((l) => l.transactionHash));
      if (resolved) txs.add(resolved.transactionHash);
      let gas = 0n;
      for (const h of txs) gas += (await chain.provider.getTransactionReceipt(h))!.gasUsed;
      // Each move's phase is the phase of the state it answered: the opening's, then each event's.
      const states = logs.map((l) => stateFromEvent(l.args.state));
      const phases = [Phase.AwaitOpening, ...states.slice(0, -1).map((st) => st.phase)].slice(0, logs.length).map((ph) => Phase[ph]!);
      const lastState = states.at(-1);
      const gStatus = GAME_STATUS[Number(await game.gameStatus(gameId))] ?? "?";
      const job = await market.job(jobId);
      const node = lastState ? lastState.node : -1;
      let reason = "";
      try {
        reason = resolved ? decodeBytes32String(resolved.args.reason) : "";
      } catch {
        reason = resolved?.args.reason ?? "";
      }
      disputes.push({
        gameId: gameId.toString(),
        jobId: jobId.toString(),
        prover: job.prover,
        challenger: ev.args.challenger as string,
        slashed: gStatus === "ChallengerWon" && STATUS[Number(job.status)] === "Faulted",
        outcome: gStatus,
        reason,
        moves: txs.size,
        gas: gas.toString(),
        phases: resolved && logs.length < txs.size ? [...phases, Phase[lastState?.phase ?? Phase.AwaitOpening]!] : phases,
        node,
        op: model.graph.nodes[node]?.opType ?? "?",
        element: lastState ? lastState.element.toString() : "?",
      });
    }
    const final = await Promise.all(jobIds.map(status));
    const predicted = async (id: bigint): Promise<number | null> => {
      const r = watcherNode.shell.store.results.get(id);
      if (!r) return null;
      const logits = Buffer.from(r.outputs[0]!.slice(2), "hex");
      const vals = Array.from({ length: logits.length / 4 }, (_, k) => logits.readFloatLE(4 * k));
      return vals.indexOf(Math.max(...vals));
    };
    const summary: DemoSummary = {
      jobs: jobIds.length,
      finalized: final.filter((s) => s === "Finalized").length,
      faulted: final.filter((s) => s === "Faulted").length,
      disputes,
      wallSeconds: secondsSince(started),
      chainId: chain.chainId.toString(),
      modelId,
      fault: fault.text,
      faultNode: { index: faultNodeIndex, op: faultOp },
      accounts: { requester, honestProver: honest, faultyProver: faulty, watcher },
      jobList: await Promise.all(
        jobIds.map(async (id, i) => ({ jobId: id.toString(), digit: samples[i]!.label, prover: jobProver.get(id)!, faulty: faultyIdx.has(i), status: final[i]!, predicted: await predicted(id) })),
      ),
      params: {
        fee: DEMO_FEE.toString(),
        proverBond: DEMO_MARKET.proverBond.toString(),
        challengerBond: DEMO_MARKET.challengerBond.toString(),
        moveBond: DEMO_GAME.moveBond.toString(),
        burnBps: DEMO_MARKET.burnBps,
        challengeWindow: DEMO_MARKET.challengeWindow,
        clockBudget: DEMO_GAME.clockBudget,
      },
      payouts: {
        requesterRefund: (await withdrawn(requester)).toString(),
        honestProver: (await withdrawn(honest)).toString(),
        faultyProver: (await withdrawn(faulty)).toString(),
        watcher: (await withdrawn(watcher)).toString(),
        burned: (await market.credits(DEMO_MARKET.burnSink)).toString(),
      },
      timings: { modelSeconds, deploySeconds, serveSeconds, finalizeSeconds },
      rounds,
    };
    return summary;
  } finally {
    for (const s of services) await s.stop().catch(() => {});
    await chain.close();
    rmSync(home, { recursive: true, force: true });
  }
}

/** Turns the nodes' JSON log lines into one-line narration of what matters. */
function narrator(say: (m: string) => void, names: Record<string, string>): (account: string, line: string) => void {
  return (account, line) => {
    let l: Record<string, unknown>;
    try {
      l = JSON.parse(line) as Record<string, unknown>;
    } catch {
      return;
    }
    const who = names[account.toLowerCase()] ?? account;
    const msg = l.msg as string;
    const job = l.jobId === undefined ? "" : ` job ${l.jobId}`;
    switch (msg) {
      case "job computed":
        return say(`  ${who}: computed${job}${l.faulty ? ` (falsified: ${l.faulty})` : ""}`);
      case "result posted":
        return say(`  ${who}: posted the result of${job}`);
      case "result agrees":
        return say(`  ${who}: re-ran${job}: agrees`);
      case "wrong result found (confirmed by the reference interpreter)":
        return say(`  ${who}: re-ran${job}: WRONG (confirmed by the reference interpreter)`);
      case "challenged":
        return say(`  ${who}: challenged${job} (bond posted)`);
      case "game opened":
        return say(`  ${who}: game ${l.gameId} opened (as ${l.role})`);
      case "move":
        return say(`  ${who}: game ${l.gameId} ${l.move} at ${l.phase} (node ${l.node}, ${l.gasUsed} gas)`);
      case "transaction mined":
        if (l.kind === "finalize" || l.kind === "settleGame" || l.kind === "resolveTimeout") return say(`  ${who}: ${l.kind} (${l.key})`);
        return;
      case "withdrew":
        return say(`  ${who}: withdrew ${formatEther(BigInt(l.wei as string))} ETH`);
      default:
        if (l.level === "error" || l.level === "fatal") say(`  ${who}: ${msg}${l.error ? `: ${l.error}` : ""}`);
    }
  };
}
