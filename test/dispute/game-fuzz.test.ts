/**
 * A fuzzed invariant across move sequences, on ONE deployment with the real verifiers and two
 * registered models (the tiny quantized model, whose tensors fit one leaf pair, and the project
 * CNN, which reaches every level incl. the tensor descent): several jobs (correct and wrong
 * results, by several provers), many games,
 * and seeded random actions by everyone —
 *   valid solver moves from honest and lying traces; invalid ones: out of turn (wrong signer),
 *   wrong phase (a move of another phase's kind), stale state (a replay of an earlier move, or of
 *   another game's move), wrong bond (the project's calldata with another value), garbage values
 *   (random words, indices, leaves, proofs) of the phase's own kind; time jumps; resolveTimeout,
 *   settleGame, finalize and withdraw by anyone; new jobs and challenges.
 * Every move is built as a solver Move and sent through the project's responder (sendMove /
 * encodeMove), never as hand-built contract arguments.
 * After EVERY transaction, sent or reverted: the market's balance equals its liabilities (fees of
 * live jobs, prover bonds, challenger bonds of unsettled games, credits) and the game's balance
 * equals the move bonds it holds; a decided game never changes status; a game is won by a
 * one-step refutation only if its prover lied (a wrong result, or a garbage move it got
 * accepted); every revert decodes to the custom error its kind of action allows.
 * At the end everything is wound down and paid out: the market keeps exactly the burned share.
 *
 * Seed: VERINFER_SEED (default below, printed in the test name); actions: VERINFER_FUZZ_ACTIONS
 * (default 1,000, ~35 s here; VERINFER_FULL=1 runs 4,000). Moves weigh most, so that games reach
 * the descent and the one-step at the deployed k = 8, m = 2 (the coverage check at the end says so
 * per seed: not every seed reaches every path).
 */
import { expect } from "chai";
import { readFileSync } from "node:fs";
import { hexlify } from "ethers";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/types";
import { DEVNET_GAME_PARAMS, DEVNET_PARAMS } from "../../offchain/chain/deploy.js";
import type { Hex32 } from "../../offchain/engine/commit/hash.js";
import { commitModel } from "../../offchain/engine/commit/model-commit.js";
import { FaultError, runWithFault, shiftElement } from "../../offchain/engine/exec/fault.js";
import { decodeModel } from "../../offchain/engine/onnx/decode.js";
import type { Model } from "../../offchain/engine/onnx/types.js";
import { runReference } from "../../offchain/engine/exec/reference.js";
import type { Tensor } from "../../offchain/engine/tensor.js";
import { gameTrace } from "../../offchain/game/game-trace.js";
import { sendMove } from "../../offchain/game/responder.js";
import { bisectionPoints, type GameTrace, type Move } from "../../offchain/game/solver.js";
import { projectSteps } from "../../offchain/game/steps.js";
import { Trace } from "../../offchain/game/trace.js";
import { Phase } from "../../offchain/game/types.js";
import { digitSamples } from "../../offchain/quantize/data/digit-samples.js";
import { mnistSplit } from "../../offchain/quantize/data/mnist.js";
import { projectModel } from "../../offchain/quantize/project/project-model.js";
import { Rng } from "../engine/support/prng.js";
import { tinyModel, TINY_INPUT } from "../engine/support/tiny-model.js";
import {
  call,
  challenge,
  checkSolvency,
  deployWorld,
  ethers,
  FEE,
  Job,
  LiveGame,
  networkHelpers,
  parsed,
  postResult,
  registerModel,
  sendMoveWithValue,
  Status,
  STUCK,
  submitAndClaim,
  type JobModel,
  type World,
} from "./support/game-harness.js";

const SEED = Number(process.env.VERINFER_SEED ?? 0xf022) >>> 0;
const ACTIONS = Number(process.env.VERINFER_FUZZ_ACTIONS ?? (process.env.VERINFER_FULL === "1" ? 4000 : 1000));
const MAX_GAMES = 32;
const MAX_JOBS = 10;

/** The tiny model (no level 2: its tensors fit one leaf pair) and the project CNN (every level). */
const tiny = tinyModel();
const tinyFeeds = new Map([["x", TINY_INPUT]]);
const cnn = decodeModel(readFileSync((await projectModel()).quantizedPath));
const cnnFeeds = new Map(digitSamples(cnn, mnistSplit().evaluation.slice(0, 1))[0]!.feeds);

/** A model's jobs in the fuzz: its honest run, wrong results a prover may post (each survives to
 *  the outputs), and lies a challenger may believe (they may vanish: still lies about states). */
interface Kit {
  readonly name: string;
  readonly m: JobModel;
  readonly feeds: Map<string, Tensor>;
  readonly honestValues: Map<string, Tensor>;
  honest: GameTrace;
  readonly wrong: Map<string, Tensor>[];
  wrongTraces: GameTrace[];
  challengerLies: GameTrace[];
}

function kit(name: string, model: Model, feeds: Map<string, Tensor>, wrongCandidates: [number | "last", number | "last", number][], challengerLies: [number, number, number][]): Kit & { lies: [number, number, number][] } {
  const wrong: Map<string, Tensor>[] = [];
  for (const [node, element, delta] of wrongCandidates) {
    try {
      wrong.push(runWithFault(model, feeds, { node, element, delta }).values);
    } catch (e) {
      if (!(e instanceof FaultError)) throw e;
    }
    if (wrong.length === 3) break;
  }
  if (wrong.length === 0) throw new Error(`${name}: no surviving lie among the candidates`);
  return { name, m: { model, commitment: commitModel(model) }, feeds, honestValues: runReference(model, feeds), honest: undefined!, wrong, wrongTraces: [], challengerLies: [], lies: challengerLies };
}

const KITS = [
  kit("tiny", tiny, tinyFeeds, [[1, 2, 3], [0, 4, -5], [3, 1, 2]], [[0, 0, 3], [1, 1, -2], [2, 3, 4], [4, 0, 1]]),
  kit("cnn", cnn, cnnFeeds, [[1, 99, 9], [3, 40, 9], [2, 17, 9], [3, 99, 9], ["last", "last", 1], [6, 3, 5]], [[0, 300, 3], [2, 100, 7], [5, 200, -4], [6, 1, 2]]),
];

type Kind = "challenge" | "move" | "wrongSigner" | "wrongPhase" | "stale" | "wrongBond" | "garbage" | "warp" | "resolve" | "settle" | "finalize" | "withdraw" | "newJob";
const WEIGHTS: [Kind, number][] = [
  ["challenge", 6],
  ["move", 70],
  ["wrongSigner", 5],
  ["wrongPhase", 5],
  ["stale", 5],
  ["wrongBond", 4],
  ["garbage", 8],
  ["warp", 7],
  ["resolve", 6],
  ["settle", 6],
  ["finalize", 4],
  ["withdraw", 4],
  ["newJob", 3],
];
/** The custom errors each kind of action may revert with. */
const ALLOWED: Record<Kind, RegExp> = {
  challenge: /^(MarketWindowClosed|MarketWrongStatus|MarketWrongBond)$/,
  move: /^(GameClockExpired|GameNotInProgress)$/,
  wrongSigner: /^(GameNotYourTurn|GameNotInProgress)$/,
  wrongPhase: /^(GameWrongPhase|GameNotInProgress)$/,
  // A move from another game is sent by that game's player: the turn check may refuse it before the
  // state check does (both come before any effect).
  stale: /^(GameStateMismatch|GameNotYourTurn|GameNotInProgress)$/,
  wrongBond: /^(GameWrongBond|GameClockExpired|GameNotInProgress)$/,
  // A garbage one-step proof may fail inside abi.decode, which has no custom error.
  garbage: /^(Game\w+|OperandProof\w*|StepProof\w*|Accumulate\w+|Layout\w+|Elementwise\w+|Quant\w+|Step\w+|LibWordTree\w*|\(undecoded.*)$/,
  warp: /^$/,
  resolve: /^(GameClockNotExpired|GameNotInProgress)$/,
  settle: /^(MarketGameUndecided|MarketGameAlreadySettled)$/,
  finalize: /^(MarketWindowOpen|MarketGamesOpen|MarketWrongStatus)$/,
  withdraw: /^MarketNothingToWithdraw$/,
  newJob: /^$/,
};

function pickKind(rng: Rng): Kind {
  let x = rng.int(0, WEIGHTS.reduce((a, [, w]) => a + w, 0) - 1);
  for (const [k, w] of WEIGHTS) {
    if (x < w) return k;
    x -= w;
  }
  throw new Error("unreachable");
}

const randomWord = (rng: Rng): Hex32 => hexlify(Uint8Array.from({ length: 32 }, () => rng.int(0, 255))) as Hex32;

interface FuzzGame {
  live: LiveGame;
  /** The prover's trace is a lie, or it got a garbage move accepted. */
  proverLied: boolean;
  /** A side that got a garbage move accepted: its own trace no longer matches the game, so its
   *  later solver moves may fail like garbage does. */
  deviated: { prover: boolean; challenger: boolean };
  /** Every (state, move) ever sent successfully, for replays. */
  sent: { state: LiveGame["state"]; move: Move; by: "prover" | "challenger" }[];
}

describe(`dispute game under fuzzed move sequences (real verifiers, seed ${SEED}, ${ACTIONS} actions)`, function () {
  this.timeout(900_000);

  it(`keeps market and game solvent after every transaction, never changes a decided game, and never lets an honest prover be refuted (seed ${SEED})`, async () => {
    // A window of three hours keeps jobs challengeable across many clock expiries.
    const w: World = await deployWorld(tiny, { ...DEVNET_PARAMS, challengeWindow: 3 * 3600 }, { ...DEVNET_GAME_PARAMS }, KITS[0]!.m.commitment);
    await registerModel(w.registry, KITS[1]!.m.commitment);
    for (const k of KITS) {
      const traceOf = (values: ReadonlyMap<string, Tensor>): GameTrace => gameTrace(new Trace(k.m.commitment, values), projectSteps);
      k.honest = traceOf(k.honestValues);
      k.wrongTraces = k.wrong.map(traceOf);
      k.challengerLies = k.lies.map(([node, element, delta]) => traceOf(runReference(k.m.model, k.feeds, { afterNode: (i, out) => (i === node ? shiftElement(out, element, delta) : out) })));
    }
    const rng = new Rng(SEED);
    const requester = w.signers[1]!;
    const provers = w.signers.slice(2, 5);
    const challengers = w.signers.slice(5, 11);
    const anyone = w.signers.slice(11, 14);
    const everyone = w.signers.slice(1, 14);
    const accounts = [...everyone.map((s) => s.address), w.marketParams.burnSink];

    /** Per job: its prover and the trace it defends (null: a correct result). */
    const jobs = new Map<bigint, { prover: HardhatEthersSigner; lie: number | null; kit: Kit }>();
    const games: FuzzGame[] = [];
    const decided = new Map<bigint, bigint>();
    const counts = new Map<string, number>();
    const note = (key: string) => counts.set(key, (counts.get(key) ?? 0) + 1);
    let txs = 0;

    const check = async (context: string) => {
      const { statuses } = await checkSolvency(w, accounts, `seed ${SEED}, ${context}`);
      for (const [i, s] of statuses.entries()) {
        const id = BigInt(i + 1);
        const before = decided.get(id);
        if (before !== undefined) expect(s, `seed ${SEED}, ${context}: decided game ${id} changed status`).to.equal(before);
        else if (s === Status.ProverWon || s === Status.ChallengerWon || s === Status.Closed) decided.set(id, s);
      }
      txs += 1;
    };

    /** Runs one action's transaction; a revert must be one its kind allows. Returns the receipt or null. */
    const attempt = async <T>(kind: Kind, label: string, fn: () => Promise<T>): Promise<T | null> => {
      try {
        const r = await fn();
        note(`${kind}:ok`);
        return r;
      } catch (e) {
        const c = e as { errorName?: string; message?: string };
        const name = c.errorName ?? `(undecoded: ${String(c.message).split("\n")[0]})`;
        if (kind === "move" && STUCK.test(name)) {
          note(`move:stuck`);
          return null;
        }
        expect(name, `seed ${SEED}: ${label} reverted with ${name}, not an error a ${kind} may give`).to.match(ALLOWED[kind]);
        note(`${kind}:${name.startsWith("(undecoded") ? "undecoded" : name}`);
        return null;
      } finally {
        await check(label);
      }
    };

    /** Inspects a successful move's receipt: a one-step refutation needs a lying prover. */
    const afterMove = (g: FuzzGame, receipt: { logs: readonly unknown[] } & Parameters<typeof parsed>[1], label: string) => {
      for (const e of parsed(w.game.interface, receipt, "GameResolved")) {
        const reason = ethers.decodeBytes32String(e.args.reason as string);
        if (reason === "step refuted" || reason === "padding lane not zero") {
          expect(g.proverLied, `seed ${SEED}: ${label}: an honest prover was refuted (${reason})`).to.equal(true);
          note("refuted");
        }
      }
    };

    const newJob = async () => {
      const prover = rng.pick(provers);
      const k = rng.pick(KITS);
      const lie = rng.bool(0.5) ? rng.int(0, k.wrong.length - 1) : null;
      const jobId = await submitAndClaim(w, requester, prover, k.feeds, FEE, undefined, k.m);
      await check("submit and claim");
      await postResult(w, prover, jobId, lie === null ? k.honestValues : k.wrong[lie]!, undefined, k.m);
      await check("post");
      jobs.set(jobId, { prover, lie, kit: k });
      note(`job:${k.name}`);
    };

    for (let i = 0; i < 4; i++) await newJob();

    const liveGames = () => games.filter((g) => !g.live.done);
    /** A game to act on: mostly one still in progress. */
    const someGame = (): FuzzGame | null => {
      const live = liveGames();
      if (live.length > 0 && rng.bool(0.9)) return rng.pick(live);
      return games.length > 0 ? rng.pick(games) : null;
    };
    const refresh = async (g: FuzzGame) => {
      if ((await w.game.gameStatus(g.live.gameId)) !== Status.InProgress) g.live.done = true;
    };

    /** A move of the phase's own kind with random contents. */
    const garbage = (g: FuzzGame): Move => {
      const s = g.live.state;
      switch (s.phase) {
        case Phase.AwaitOpening: {
          const m = g.live.next();
          if (m.kind !== "open") throw new Error("expected an opening");
          return rng.bool() ? { kind: "open", proof: { ...m.proof, finalRoot: randomWord(rng) } } : { kind: "open", proof: { ...m.proof, inputCommitments: m.proof.inputCommitments.map(() => randomWord(rng)) } };
        }
        case Phase.StatesPost:
        case Phase.AccPost: {
          const { k } = bisectionPoints(s.lo, s.hi, w.solver.fanout);
          return { kind: "post", values: Array.from({ length: rng.bool(0.8) ? k - 1 : rng.int(0, 20) }, () => randomWord(rng)) };
        }
        case Phase.StatesPick:
        case Phase.AccPick:
          return { kind: "pick", values: rng.bool(0.8) ? [...g.live.posted] : g.live.posted.map(() => randomWord(rng)), index: rng.int(0, 20) };
        case Phase.Transition: {
          const m = g.live.next();
          if (m.kind !== "transition") throw new Error("expected a transition");
          return { kind: "transition", proof: { ...m.proof, tensorRoot: randomWord(rng) } };
        }
        case Phase.DescendPost:
          return { kind: "postChildren", nodes: Array.from({ length: rng.pick([1, 2, 4, 16]) }, () => randomWord(rng)) };
        case Phase.DescendPick:
          return { kind: "pickChild", nodes: [...g.live.posted], index: rng.int(0, 20) };
        case Phase.LeafReveal:
          return { kind: "revealLeaves", left: randomWord(rng), right: randomWord(rng) };
        case Phase.LeafPick: {
          const [left, right] = g.live.posted as [Hex32, Hex32];
          const node = s.node;
          return { kind: "pickElement", left, right, offset: rng.int(0, 70), descriptor: g.live.challenger.trace.descriptor(node), inputTypes: g.live.challenger.trace.inputTypes(node) };
        }
        case Phase.OneStep: {
          const m = g.live.next();
          if (m.kind !== "step") throw new Error("expected a step");
          const bytes = Buffer.from(m.proof.slice(2), "hex");
          if (bytes.length > 0 && rng.bool(0.7)) {
            const at = rng.int(0, bytes.length - 1);
            bytes[at] = bytes[at]! ^ (1 << rng.int(0, 7));
            return { ...m, proof: `0x${bytes.toString("hex")}` };
          }
          return { ...m, proof: hexlify(Uint8Array.from({ length: rng.int(0, 200) }, () => rng.int(0, 255))) };
        }
        default:
          throw new Error(`no garbage for phase ${s.phase}`);
      }
    };

    /** A move of another phase's kind, built from the same state. */
    const wrongPhaseMove = (g: FuzzGame): Move => {
      const p = g.live.state.phase;
      // Encodable whatever the phase (the responder proves segment/child 0 of this list), so the
      // call reaches the chain and the game itself refuses it.
      const listed = g.live.posted.length >= 2 ? [...g.live.posted] : [randomWord(rng), randomWord(rng)];
      const options: Move[] = [
        { kind: "post", values: [randomWord(rng)] },
        { kind: "pick", values: listed, index: 0 },
        { kind: "postChildren", nodes: [randomWord(rng), randomWord(rng)] },
        { kind: "pickChild", nodes: listed, index: 0 },
        { kind: "revealLeaves", left: randomWord(rng), right: randomWord(rng) },
        { kind: "step", descriptor: g.live.challenger.trace.descriptor(0), inputTypes: g.live.challenger.trace.inputTypes(0), proof: "0x" },
      ];
      const own: Record<string, Phase[]> = {
        post: [Phase.StatesPost, Phase.AccPost],
        pick: [Phase.StatesPick, Phase.AccPick],
        postChildren: [Phase.DescendPost],
        pickChild: [Phase.DescendPick],
        revealLeaves: [Phase.LeafReveal],
        step: [Phase.OneStep],
      };
      return rng.pick(options.filter((m) => !own[m.kind]!.includes(p)));
    };

    for (let step = 0; step < ACTIONS; step++) {
      const kind = pickKind(rng);
      const label = `action ${step} ${kind}`;
      switch (kind) {
        case "newJob":
          if (jobs.size < MAX_JOBS) await newJob();
          break;
        case "challenge": {
          if (games.length >= MAX_GAMES) break;
          const jobId = rng.pick([...jobs.keys()]);
          const who = rng.pick(challengers);
          const bond = rng.bool(0.9) ? w.marketParams.challengerBond : w.marketParams.challengerBond - 1n;
          if (bond !== w.marketParams.challengerBond) {
            await attempt(kind, label, () => call("challenge", () => w.market.connect(who).challenge(jobId, { value: bond })));
            break;
          }
          const opened = await attempt(kind, label, () => call("challenge", () => challenge(w, who, jobId)));
          if (opened) {
            const j = jobs.get(jobId)!;
            const challengerTrace = rng.bool(0.5) ? j.kit.honest : rng.pick(j.kit.challengerLies);
            const proverTrace = j.lie === null ? j.kit.honest : j.kit.wrongTraces[j.lie]!;
            games.push({ live: new LiveGame(w, opened, { signer: j.prover, trace: proverTrace }, { signer: who, trace: challengerTrace }), proverLied: j.lie !== null, deviated: { prover: false, challenger: false }, sent: [] });
          }
          break;
        }
        case "move": {
          const g = liveGames().length > 0 ? rng.pick(liveGames()) : null;
          if (!g) break;
          const move = g.live.next();
          if (move.kind === "none") {
            note("move:none");
            break;
          }
          const state = g.live.state;
          const by = g.live.toMove;
          const r = await attempt(g.deviated[by] ? "garbage" : kind, `${label} ${move.kind} in game ${g.live.gameId}`, () => g.live.send(move));
          if (r) {
            g.sent.push({ state, move, by });
            note(`sent:${move.kind}`);
            afterMove(g, r.receipt, label);
          } else {
            const [left] = await w.game.timeLeft(g.live.gameId);
            // The side ran out of time: someone resolves it now, mostly.
            if (left === 0n && rng.bool(0.7)) {
              const resolved = await attempt("resolve", `${label} resolve`, () => call("resolve", async () => (await w.game.connect(rng.pick(anyone)).resolveTimeout(g.live.gameId)).wait()));
              if (resolved) g.live.done = true;
            }
            await refresh(g);
          }
          break;
        }
        case "wrongSigner": {
          const g = someGame();
          if (!g) break;
          const move = g.live.next();
          if (move.kind === "none") break;
          const right = g.live[g.live.toMove].signer;
          const wrongSigner = rng.pick([...anyone, g.live.prover.signer, g.live.challenger.signer].filter((s) => s.address !== right.address));
          await attempt(kind, label, () => sendMove(w.game.connect(wrongSigner), g.live.gameId, g.live.setup, g.live.state, move));
          break;
        }
        case "wrongPhase": {
          const g = someGame();
          if (!g) break;
          const move = wrongPhaseMove(g);
          await attempt(kind, `${label} ${move.kind}`, () => sendMove(w.game.connect(g.live[g.live.toMove].signer), g.live.gameId, g.live.setup, g.live.state, move));
          break;
        }
        case "stale": {
          // A replay of a move already made: its whole calldata (game id aside), in this game or in another.
          const withHistory = games.filter((g) => g.sent.length > 0);
          if (withHistory.length === 0) break;
          const liveWithHistory = withHistory.filter((g) => !g.live.done);
          const from = liveWithHistory.length > 0 && rng.bool(0.8) ? rng.pick(liveWithHistory) : rng.pick(withHistory);
          const old = rng.pick(from.sent);
          const target = rng.bool(0.7) || liveGames().length === 0 ? from : rng.pick(liveGames());
          const signer = target.live[old.by].signer;
          await attempt(kind, `${label} ${old.move.kind} from game ${from.live.gameId} into game ${target.live.gameId}`, () => sendMove(w.game.connect(signer), target.live.gameId, from.live.setup, old.state, old.move));
          break;
        }
        case "wrongBond": {
          const g = someGame();
          if (!g) break;
          const move = g.live.next();
          if (move.kind === "none") break;
          const bond = BigInt(w.gameParams.moveBond);
          const value = rng.pick([0n, bond - 1n, bond + 1n, 2n * bond]);
          await attempt(kind, label, () => sendMoveWithValue(w, g.live[g.live.toMove].signer, g.live, g.live.state, move, value));
          break;
        }
        case "garbage": {
          const g = liveGames().length > 0 ? rng.pick(liveGames()) : null;
          if (!g) break;
          const by = g.live.toMove;
          const move = garbage(g);
          const state = g.live.state;
          const r = await attempt(kind, `${label} ${move.kind} by the ${by} in game ${g.live.gameId}`, () => g.live.send(move));
          if (r) {
            // An accepted garbage move is a lie of its mover from here on.
            if (by === "prover") g.proverLied = true;
            g.deviated[by] = true;
            g.sent.push({ state, move, by });
            afterMove(g, r.receipt, label);
          } else await refresh(g);
          break;
        }
        case "warp":
          await networkHelpers.time.increase(rng.pick([1, 5, 30, 120, 300, 600, 901]));
          await check(label);
          note("warp");
          break;
        case "resolve": {
          const g = someGame();
          if (!g) break;
          const r = await attempt(kind, label, () => call("resolve", async () => (await w.game.connect(rng.pick(anyone)).resolveTimeout(g.live.gameId)).wait()));
          if (r) g.live.done = true;
          break;
        }
        case "settle": {
          if (games.length === 0) break;
          const g = rng.pick(games);
          const r = await attempt(kind, label, () => call("settle", async () => (await w.market.connect(rng.pick(everyone)).settleGame(g.live.gameId)).wait()));
          if (r) await refresh(g);
          break;
        }
        case "finalize": {
          const jobId = rng.pick([...jobs.keys()]);
          await attempt(kind, label, () => call("finalize", async () => (await w.market.connect(rng.pick(everyone)).finalize(jobId)).wait()));
          break;
        }
        case "withdraw": {
          const who = rng.pick(everyone);
          await attempt(kind, label, () => call("withdraw", async () => (await w.market.connect(who).withdraw(who.address)).wait()));
          break;
        }
      }
    }

    // Wind down: every clock runs out, every game is resolved and settled, every job finished,
    // everyone withdraws. The market then holds exactly the burned share, the game nothing.
    await networkHelpers.time.increase(100_000);
    for (const g of games) {
      if ((await w.game.gameStatus(g.live.gameId)) === Status.InProgress && (await w.market.job(g.live.setup.jobId)).status !== Job.Faulted) {
        await (await w.game.resolveTimeout(g.live.gameId)).wait();
        await check("wind-down resolve");
      }
    }
    for (const g of games) {
      if (!(await w.market.game(g.live.gameId)).settled) {
        await (await w.market.settleGame(g.live.gameId)).wait();
        await check("wind-down settle");
      }
    }
    for (const jobId of jobs.keys()) {
      if ((await w.market.job(jobId)).status === Job.Posted) {
        await (await w.market.finalize(jobId)).wait();
        await check("wind-down finalize");
      }
    }
    for (const who of everyone) {
      if ((await w.market.credits(who.address)) > 0n) {
        await (await w.market.connect(who).withdraw(who.address)).wait();
        await check("wind-down withdraw");
      }
    }
    const marketBalance = await ethers.provider.getBalance(await w.market.getAddress());
    expect(marketBalance, "the market keeps exactly the burned share").to.equal(await w.market.credits(w.marketParams.burnSink));
    expect(await ethers.provider.getBalance(await w.game.getAddress()), "the game keeps nothing").to.equal(0n);
    const outcomes = [...decided.values()].reduce((m, s) => m.set(s, (m.get(s) ?? 0) + 1), new Map<bigint, number>());
    console.log(`      seed ${SEED}: ${txs} checked transactions, ${jobs.size} jobs, ${games.length} games; outcomes ${JSON.stringify(Object.fromEntries([...outcomes].map(([k, v]) => [String(k), v])))}`);
    console.log(`      ${JSON.stringify(Object.fromEntries([...counts].sort()))}`);
    // The sequence must have exercised the paths it claims to.
    for (const key of ["move:ok", "sent:postChildren", "sent:pickChild", "sent:step", "job:cnn", "job:tiny", "wrongSigner:GameNotYourTurn", "wrongPhase:GameWrongPhase", "stale:GameStateMismatch", "wrongBond:GameWrongBond", "settle:ok", "resolve:ok"]) {
      expect(counts.get(key) ?? 0, `seed ${SEED}: never exercised ${key}`).to.be.greaterThan(0);
    }
  });
});
