/**
 * TESTS ONLY: the protocol with the REAL one-step verifiers (deployProtocol), a registered model,
 * posted jobs and opened games, and the drivers the adversarial game tests share. Every move goes
 * through the project's own off-chain API (solver `nextMove`, responder `sendMove`/`encodeMove`),
 * never through hand-built contract arguments, so these tests survive changes of the move
 * encoding. A deliberately wrong move is built as a solver `Move` and sent through `sendMove`.
 */
import { expect } from "chai";
import { keccak256, type ContractTransactionReceipt, type TransactionReceipt } from "ethers";
import { network } from "hardhat";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/types";
import { DEVNET_GAME_PARAMS, DEVNET_PARAMS, deployProtocol, type GameParams, type MarketParams } from "../../../offchain/chain/deploy.js";
import { DisputeGame__factory, JobMarket__factory, ModelRegistry__factory } from "../../../offchain/chain/contracts.js";
import type { Hex32 } from "../../../offchain/engine/commit/hash.js";
import { commitModel, type ModelCommitment } from "../../../offchain/engine/commit/model-commit.js";
import { treeDepth } from "../../../offchain/engine/commit/tensor-commitment.js";
import type { Model } from "../../../offchain/engine/onnx/types.js";
import { tensorBytes, type Tensor } from "../../../offchain/engine/tensor.js";
import { callContract } from "../../../offchain/chain/contracts.js";
import { encodeMove, sendMove, type MoveResult } from "../../../offchain/game/responder.js";
import { nextMove, type GameTrace, type Move } from "../../../offchain/game/solver.js";
import { challengerMoves, setupFromEvent, stateFromEvent, type GameSetup, type GameState } from "../../../offchain/game/types.js";
import type { DisputeGame, JobMarket } from "../../../types/ethers-contracts/index.js";

export const connection = await network.getOrCreate();
export const { ethers, networkHelpers } = connection;

/** IJobMarket.JobStatus / IDisputeGame.GameStatus as the contracts number them. */
export const Job = { None: 0n, Open: 1n, Claimed: 2n, Posted: 3n, Finalized: 4n, Faulted: 5n, Refunded: 6n } as const;
export const Status = { None: 0n, InProgress: 1n, ProverWon: 2n, ChallengerWon: 3n, Closed: 4n } as const;
export const FEE = 10n ** 16n;

export interface World {
  readonly signers: HardhatEthersSigner[];
  readonly market: JobMarket;
  readonly game: DisputeGame;
  readonly registry: ReturnType<typeof ModelRegistry__factory.connect>;
  readonly model: Model;
  readonly commitment: ModelCommitment;
  readonly marketParams: MarketParams;
  readonly gameParams: GameParams;
  /** What the solver needs (fanout, descent levels). */
  readonly solver: { fanout: number; descentLevels: number };
}

/** Deploys the protocol with the real verifiers and registers `model`. */
export async function deployWorld(model: Model, market: MarketParams = { ...DEVNET_PARAMS }, game: GameParams = { ...DEVNET_GAME_PARAMS }, commitment = commitModel(model)): Promise<World> {
  const signers = await ethers.getSigners();
  const deployer = signers[0]!;
  const { deployment } = await deployProtocol(deployer, { market, game });
  const registry = ModelRegistry__factory.connect(deployment.registry, deployer);
  await registerModel(registry, commitment);
  return {
    signers,
    registry,
    market: JobMarket__factory.connect(deployment.market!, deployer),
    game: DisputeGame__factory.connect(deployment.disputeGame!, deployer),
    model,
    commitment,
    marketParams: market,
    gameParams: game,
    solver: { fanout: game.fanout, descentLevels: game.descentLevels },
  };
}

/** Registers one more model in a deployment (the registry is permissionless). */
export async function registerModel(registry: World["registry"], commitment: ModelCommitment): Promise<void> {
  const p = commitment.parts;
  await (await registry.register(commitment.modelId, { ...p, inputs: [...p.inputs], outputs: [...p.outputs], opsets: [...p.opsets] }, keccak256(commitment.modelId), "file://model.onnx")).wait();
}

/** A model other than the world's own, for jobs on a second registered model. */
export interface JobModel {
  readonly model: Model;
  readonly commitment: ModelCommitment;
}

export function inputsOf(model: Model, feeds: ReadonlyMap<string, Tensor>): Uint8Array[] {
  return model.graph.inputs.map((v) => Uint8Array.from(tensorBytes(feeds.get(v.name)!)));
}

export function outputsOf(model: Model, values: ReadonlyMap<string, Tensor>): Uint8Array[] {
  return model.graph.outputs.map((o) => Uint8Array.from(tensorBytes(values.get(o.name)!)));
}

/** Submits a job on `feeds` and has `prover` claim it; returns the job id. */
export async function submitAndClaim(w: World, requester: HardhatEthersSigner, prover: HardhatEthersSigner, feeds: ReadonlyMap<string, Tensor>, fee = FEE, book?: GasBook, m: JobModel = w): Promise<bigint> {
  const deadline = (await networkHelpers.time.latest()) + 24 * 3600;
  const r = await (await w.market.connect(requester).submitJob(m.commitment.modelId, inputsOf(m.model, feeds), ethers.ZeroAddress, deadline, { value: fee })).wait();
  book?.add(r!);
  const jobId = await w.market.jobCount();
  const claimed = await (await w.market.connect(prover).claimJob(jobId, { value: w.marketParams.proverBond })).wait();
  book?.add(claimed!);
  return jobId;
}

export async function postResult(w: World, prover: HardhatEthersSigner, jobId: bigint, values: ReadonlyMap<string, Tensor>, book?: GasBook, m: JobModel = w): Promise<void> {
  const r = await (await w.market.connect(prover).postResult(jobId, outputsOf(m.model, values))).wait();
  book?.add(r!);
}

export interface OpenedGame {
  readonly gameId: bigint;
  readonly setup: GameSetup;
  readonly state: GameState;
  readonly openedAt: number;
  readonly receipt: ContractTransactionReceipt;
}

/** `challenger` challenges job `jobId`; the game's id, setup and first state from GameOpened. */
export async function challenge(w: World, challenger: HardhatEthersSigner, jobId: bigint, book?: GasBook): Promise<OpenedGame> {
  const receipt = (await (await w.market.connect(challenger).challenge(jobId, { value: w.marketParams.challengerBond })).wait())!;
  book?.add(receipt);
  const opened = parsed(w.game.interface, receipt, "GameOpened")[0];
  if (!opened) throw new Error("no GameOpened event");
  const block = await ethers.provider.getBlock(receipt.blockNumber);
  return { gameId: opened.args.gameId as bigint, setup: setupFromEvent(opened.args.setup), state: stateFromEvent(opened.args.state), openedAt: block!.timestamp, receipt };
}

/** The logs of one contract's event `name` in a receipt. */
export function parsed(iface: DisputeGame["interface"] | JobMarket["interface"], receipt: TransactionReceipt, name: string) {
  const out = [];
  for (const log of receipt.logs) {
    try {
      const p = iface.parseLog(log);
      if (p?.name === name) out.push(p);
    } catch {
      // another contract's log
    }
  }
  return out;
}

/** Credited(account, amount) of a receipt, summed per (lower-cased) account. */
export function creditsIn(market: JobMarket, receipt: TransactionReceipt): Map<string, bigint> {
  const m = new Map<string, bigint>();
  for (const e of parsed(market.interface, receipt, "Credited")) {
    const a = (e.args.account as string).toLowerCase();
    m.set(a, (m.get(a) ?? 0n) + (e.args.amount as bigint));
  }
  return m;
}

/** Expects a receipt's credits to be exactly `expected` (accounts with 0 omitted). */
export function expectCredits(market: JobMarket, receipt: TransactionReceipt, expected: Record<string, bigint>, what: string): void {
  const want = new Map<string, bigint>();
  for (const [a, v] of Object.entries(expected)) if (v > 0n) want.set(a.toLowerCase(), (want.get(a.toLowerCase()) ?? 0n) + v);
  const got = creditsIn(market, receipt);
  expect(Object.fromEntries([...got].sort()), what).to.deep.equal(Object.fromEntries([...want].sort()));
}

/** Wei each sender paid for gas, from the receipts it is given. */
export class GasBook {
  private readonly paid = new Map<string, bigint>();
  add(receipt: TransactionReceipt): TransactionReceipt {
    const a = receipt.from.toLowerCase();
    this.paid.set(a, (this.paid.get(a) ?? 0n) + receipt.gasUsed * receipt.gasPrice);
    return receipt;
  }
  of(address: string): bigint {
    return this.paid.get(address.toLowerCase()) ?? 0n;
  }
}

export const burnOf = (w: World, x: bigint): bigint => (x * BigInt(w.marketParams.burnBps)) / 10_000n;

/**
 * A game's clocks as numbers (the one place that reads the game's packed slot for clocks, so a
 * change of its layout is fixed here): seconds left on each clock when its turn began, when the
 * side to move got its turn, and whose turn it is.
 */
export async function clocksOf(w: World, gameId: bigint): Promise<{ proverLeft: number; challengerLeft: number; lastMoveAt: number; challengerToMove: boolean }> {
  const s = await w.game.gameSlot(gameId);
  return { proverLeft: Number(s.proverLeft), challengerLeft: Number(s.challengerLeft), lastMoveAt: Number(s.lastMoveAt), challengerToMove: s.challengerToMove };
}

/** Move bonds each side paid into a game so far (the game's own counters). */
export async function moveBondsOf(w: World, gameId: bigint): Promise<{ mp: bigint; mc: bigint }> {
  const s = await w.game.gameSlot(gameId);
  const bond = BigInt(w.gameParams.moveBond);
  return { mp: BigInt(s.proverMoves) * bond, mc: BigInt(s.challengerMoves) * bond };
}

/**
 * The settlement the market's rules give (JobMarket.settleGame's NatSpec), as the exact credits
 * of the settle transaction. `faultedBefore`: the job had already faulted before this settlement.
 */
export function expectedSettlement(
  w: World,
  who: { prover: string; challenger: string; requester: string },
  outcome: bigint,
  decidedBeforeFault: boolean,
  faultedBefore: boolean,
  fee: bigint,
  { mp, mc }: { mp: bigint; mc: bigint },
): Record<string, bigint> {
  const PB = w.marketParams.proverBond;
  const CB = w.marketParams.challengerBond;
  const sink = w.marketParams.burnSink;
  const proverWon = outcome === Status.ProverWon && (!faultedBefore || decidedBeforeFault);
  const out: Record<string, bigint> = {};
  const add = (a: string, v: bigint) => (out[a.toLowerCase()] = (out[a.toLowerCase()] ?? 0n) + v);
  if (proverWon) {
    add(who.prover, CB + mp + mc - burnOf(w, CB) - burnOf(w, mc));
    add(sink, burnOf(w, CB) + burnOf(w, mc));
  } else if (!faultedBefore) {
    add(who.requester, fee);
    add(who.challenger, CB + PB + mc + mp - burnOf(w, PB) - burnOf(w, mp));
    add(sink, burnOf(w, PB) + burnOf(w, mp));
  } else {
    add(who.challenger, CB + mc + mp);
  }
  return out;
}

/** Contract errors that mean "this side cannot make its move" (as offchain/game/play.ts). */
export const STUCK = /GameStepNotRefuted|OperandProof|StepProof|Accumulate|Layout|Elementwise|Quant/;

/** One side of a game: who signs and what it believes. */
export interface Side {
  readonly signer: HardhatEthersSigner;
  readonly trace: GameTrace;
}

/** A game being driven: its latest state and what the opponent last posted. */
export class LiveGame {
  state: GameState;
  posted: Hex32[] = [];
  /** The side to move has no move (it agrees, or its step cannot refute): it waits to time out. */
  stuck = false;
  done = false;
  /** Stop moving this side after this many of its moves (a side that walks away). */
  quitAfter: { prover?: number; challenger?: number } = {};
  readonly movesBy = { prover: 0, challenger: 0 };
  readonly history: { state: GameState; move: Move; by: "prover" | "challenger" }[] = [];

  constructor(
    readonly w: World,
    readonly opened: OpenedGame,
    readonly prover: Side,
    readonly challenger: Side,
  ) {
    this.state = opened.state;
  }

  get gameId(): bigint {
    return this.opened.gameId;
  }
  get setup(): GameSetup {
    return this.opened.setup;
  }
  get toMove(): "prover" | "challenger" {
    return challengerMoves(this.state.phase) ? "challenger" : "prover";
  }

  /** The honest-by-its-own-trace next move of the side to move. */
  next(): Move {
    const by = this.toMove;
    return nextMove(by, this.state, this[by].trace, this.w.solver, this.posted);
  }

  /** Sends `move` (default: the solver's) for the side to move, or for `signer` if given. */
  async send(move: Move = this.next(), signer: HardhatEthersSigner = this[this.toMove].signer, book?: GasBook): Promise<MoveResult> {
    const by = this.toMove;
    const before = this.state;
    const r = await sendMove(this.w.game.connect(signer), this.gameId, this.setup, this.state, move);
    book?.add(r.receipt);
    this.history.push({ state: before, move, by });
    this.movesBy[by] += 1;
    if (r.state === null) this.done = true;
    else {
      this.state = r.state;
      this.posted = r.posted;
    }
    return r;
  }

  /**
   * One step of the game: the side to move makes its solver move; a side with no move, or whose
   * move the contract refuses as a step it cannot make, becomes `stuck`. Returns whether it moved.
   */
  async step(book?: GasBook): Promise<boolean> {
    if (this.done || this.stuck) return false;
    const by = this.toMove;
    const quit = this.quitAfter[by];
    if (quit !== undefined && this.movesBy[by] >= quit) {
      this.stuck = true;
      return false;
    }
    const move = this.next();
    if (move.kind === "none") {
      this.stuck = true;
      return false;
    }
    try {
      await this.send(move, this[by].signer, book);
      return true;
    } catch (e) {
      const msg = String((e as Error).message);
      if (STUCK.test(msg)) {
        this.stuck = true;
        return false;
      }
      if (/GameNotInProgress/.test(msg)) {
        this.done = true; // closed by the market meanwhile
        return false;
      }
      throw e;
    }
  }
}

/**
 * Plays many games at once, in lock-step (one move per game per round), the way independent
 * watchers would on one chain: time moves only by blocks while anyone can move; when every live
 * game waits for a clock, the chain jumps to the earliest expiry and `resolver` resolves every
 * expired game. `onDecided` runs after each game's decision (e.g. to settle it at once).
 */
export async function playInParallel(
  games: LiveGame[],
  resolver: HardhatEthersSigner,
  opts: { book?: GasBook; onDecided?: (g: LiveGame) => Promise<void> } = {},
): Promise<void> {
  const game = games[0]!.w.game;
  const decided = new Set<LiveGame>();
  const afterDecisions = async () => {
    for (const g of games) {
      if (g.done && !decided.has(g)) {
        decided.add(g);
        if ((await game.gameStatus(g.gameId)) !== Status.Closed) await opts.onDecided?.(g);
      }
    }
  };
  for (;;) {
    let moved = false;
    for (const g of games) {
      if (await g.step(opts.book)) moved = true;
      await afterDecisions();
    }
    const waiting = games.filter((g) => !g.done && g.stuck);
    if (moved) continue;
    if (waiting.length === 0) return;
    const lefts = await Promise.all(waiting.map(async (g) => Number((await game.timeLeft(g.gameId))[0])));
    await networkHelpers.time.increase(Math.max(1, Math.min(...lefts) + 1));
    for (const g of waiting) {
      if ((await game.gameStatus(g.gameId)) !== Status.InProgress) {
        g.done = true;
        continue;
      }
      const [left] = await game.timeLeft(g.gameId);
      if (left === 0n) {
        const r = await (await game.connect(resolver).resolveTimeout(g.gameId)).wait();
        opts.book?.add(r!);
        g.done = true;
      }
    }
    await afterDecisions();
  }
}

/** Rounds of a k-way bisection of a span in the worst case (each round keeps ceil(span / k)). */
export function bisectionRounds(span: number, k: number): number {
  let rounds = 0;
  while (span > 1) {
    span = Math.ceil(span / k);
    rounds++;
  }
  return rounds;
}

/**
 * The most moves one game of this model can take under these parameters: the opening, level 1,
 * the transition, the descent of the deepest output tree, the leaf reveal and pick, level 3 of
 * the longest accumulation, and the one-step.
 */
export function maxMoves(w: World, trace: GameTrace): number {
  const { fanout, descentLevels } = w.solver;
  let deepest = 0;
  for (let node = 0; node < trace.nodeCount; node++) {
    const height = treeDepth(trace.outputLayout(node).byteLength);
    const descent = height > 1 ? 2 * Math.ceil((height - 1) / descentLevels) : 0;
    const acc = trace.accumulation(node, 0).length;
    const level3 = acc > 0 ? 2 * bisectionRounds(acc, fanout) : 0;
    deepest = Math.max(deepest, descent + 2 + level3 + 1);
  }
  return 1 + 2 * bisectionRounds(trace.nodeCount, fanout) + 1 + deepest;
}

/** A GameTrace that believes `base`, except that element `element` of node `node`'s accumulation
 *  departs from it at value v_step (step 0 = p_0, K+1 = the output) by `delta`: a lie inside the
 *  accumulation rather than only at its end. v_{K+1} stays the base's claimed output. */
export function accumulationLie(base: GameTrace, node: number, element: number, step: number, delta: bigint): GameTrace {
  return {
    ...base,
    nodeCount: base.nodeCount,
    accumulation: (n, e) => {
      const v = base.accumulation(n, e);
      if (n !== node || e !== element || v.length === 0) return v;
      return v.map((word, a) => (a >= step && a < v.length - 1 ? (`0x${BigInt.asUintN(256, BigInt(word) + delta).toString(16).padStart(64, "0")}` as Hex32) : word));
    },
  };
}

/**
 * The solvency invariant of the market AND the game (DESIGN.md, "Money"): the market's balance
 * covers the fees of live jobs, the prover bonds of claimed and posted jobs, the challenger bond
 * of every unsettled game and every credit; the game's balance covers the move bonds it still
 * holds (every game whose bonds the market has not collected). With no ETH force-sent, both hold
 * with equality. Also returns every game's status, for "decided games never change".
 */
export async function checkSolvency(w: World, accounts: readonly string[], context: string): Promise<{ statuses: bigint[] }> {
  const { market, game } = w;
  const [jobCount, gameCount] = await Promise.all([market.jobCount(), market.gameCount()]);
  let fees = 0n;
  let bonds = 0n;
  for (let i = 1n; i <= jobCount; i++) {
    const j = await market.job(i);
    if (j.status === Job.Open || j.status === Job.Claimed || j.status === Job.Posted) fees += j.fee;
    if (j.status === Job.Claimed || j.status === Job.Posted) bonds += w.marketParams.proverBond;
  }
  const statuses: bigint[] = [];
  let held = 0n;
  for (let i = 1n; i <= gameCount; i++) {
    const g = await market.game(i);
    if (!g.settled) bonds += w.marketParams.challengerBond;
    const s = await game.gameSlot(i);
    statuses.push(s.status);
    if (!s.bondsReleased) held += (BigInt(s.proverMoves) + BigInt(s.challengerMoves)) * BigInt(w.gameParams.moveBond);
  }
  const credited = await market.queryFilter(market.filters.Credited(), 0, "latest");
  const all = new Set([...accounts.map((a) => a.toLowerCase()), ...credited.map((e) => e.args.account.toLowerCase())]);
  let credits = 0n;
  for (const a of all) credits += await market.credits(a);
  const liabilities = fees + bonds + credits;
  const balance = await ethers.provider.getBalance(await market.getAddress());
  const gameBalance = await ethers.provider.getBalance(await game.getAddress());
  expect(balance >= liabilities, `market insolvent (${context}): ${balance} < ${liabilities}`).to.equal(true);
  expect(balance, `market balance != liabilities (${context})`).to.equal(liabilities);
  expect(gameBalance >= held, `game insolvent (${context}): ${gameBalance} < ${held}`).to.equal(true);
  expect(gameBalance, `game balance != move bonds held (${context})`).to.equal(held);
  return { statuses };
}

/** What a call's revert decodes to (ChainError of offchain/chain/contracts.ts): name and args; throws if it did not revert. */
export async function revertOf(p: Promise<unknown>): Promise<{ name: string; args: readonly unknown[] }> {
  try {
    await p;
  } catch (e) {
    const c = e as { errorName?: string; args?: readonly unknown[]; message?: string };
    return { name: c.errorName ?? `(undecoded: ${String(c.message).split("\n")[0]})`, args: c.args ?? [] };
  }
  throw new Error("expected a revert, the call succeeded");
}

/** A contract call wrapped like the nodes wrap theirs, so that a revert names its custom error. */
export async function call<T>(what: string, fn: () => Promise<T>): Promise<T> {
  return callContract(what, fn);
}

/**
 * Sends a solver move like `sendMove`, but with a chosen bond (a deliberately wrong one): the
 * calldata still comes from the project's `encodeMove`.
 */
export async function sendMoveWithValue(w: World, signer: HardhatEthersSigner, g: { gameId: bigint; setup: GameSetup }, state: GameState, move: Move, value: bigint): Promise<TransactionReceipt> {
  const data = encodeMove(w.game.interface, g.gameId, g.setup, state, move);
  const to = await w.game.getAddress();
  const tx = await callContract(`game move ${move.kind}`, () => signer.sendTransaction({ to, data, value }));
  return (await tx.wait())!;
}
