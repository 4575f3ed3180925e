/**
 * Adversarial moves against the dispute game with the REAL one-step verifiers and the tiny
 * quantized model (QuantizeLinear -> QLinearMatMul -> Reshape -> DequantizeLinear, ArgMax): the
 * cases of issue 5 that test/dispute/game.test.ts (oracle verifier, hand-built calls) and
 * test/contracts/hostile.test.ts (mock game) do not reach. Every move, honest or deliberately
 * wrong, is a solver Move sent through the project's responder (sendMove / encodeMove).
 */
import { expect } from "chai";
import { AbiCoder, decodeBytes32String } from "ethers";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/types";
import { DEVNET_GAME_PARAMS, DEVNET_PARAMS } from "../../offchain/chain/deploy.js";
import { commitModel } from "../../offchain/engine/commit/model-commit.js";
import { runWithFault, shiftElement } from "../../offchain/engine/exec/fault.js";
import { runReference } from "../../offchain/engine/exec/reference.js";
import { DType, tensorBytes, type Tensor } from "../../offchain/engine/tensor.js";
import { gameTrace } from "../../offchain/game/game-trace.js";
import { sendMove } from "../../offchain/game/responder.js";
import type { GameTrace, Move } from "../../offchain/game/solver.js";
import { Tag, taggedHash, toHex, type Hex32 } from "../../offchain/engine/commit/hash.js";
import { encodeTensorType } from "../../offchain/engine/commit/tensor-type.js";
import { leafChunk, merkleRoot } from "../../offchain/engine/commit/tensor-commitment.js";
import { WordTree } from "../../offchain/engine/commit/word-tree.js";
import { projectSteps } from "../../offchain/game/steps.js";
import { Trace } from "../../offchain/game/trace.js";
import { Phase } from "../../offchain/game/types.js";
import { t } from "../engine/support/profile-models.js";
import { tinyModel, TINY_INPUT } from "../engine/support/tiny-model.js";
import {
  accumulationLie,
  burnOf,
  call,
  challenge,
  clocksOf,
  deployWorld,
  ethers,
  expectCredits,
  expectedSettlement,
  FEE,
  GasBook,
  Job,
  LiveGame,
  moveBondsOf,
  networkHelpers,
  postResult,
  revertOf,
  Status,
  submitAndClaim,
} from "./support/game-harness.js";

const model = tinyModel();
const commitment = commitModel(model);
const feeds = new Map([["x", TINY_INPUT]]);
const honestValues = runReference(model, feeds);
const traceOf = (values: ReadonlyMap<string, Tensor>, c = commitment) => gameTrace(new Trace(c, values), projectSteps);
const honest = traceOf(honestValues);
/** A wrong result: QLinearMatMul's element 2 shifted (it survives to both outputs). */
const wrong = runWithFault(model, feeds, { node: 1, element: 2, delta: 3 }).values;
const liar = traceOf(wrong);
/** A watcher who believes a lie about QLinearMatMul's element 1, from its third term on (so
 *  that the one-step it ends at opens operands). */
const liarChallenger = accumulationLie(traceOf(runReference(model, feeds, { afterNode: (i, out) => (i === 1 ? shiftElement(out, 1, -2) : out) })), 1, 1, 3, 1n);
const CLOCK = DEVNET_GAME_PARAMS.clockBudget;
const EXTENSION = DEVNET_GAME_PARAMS.clockExtension;
const MOVE_BOND = DEVNET_GAME_PARAMS.moveBond;
const OPERAND_PROOFS = "tuple(bytes32 slotCommitment, bytes32[] slotSiblings, bytes32 tensorRoot, bytes32 left, bytes32 right, bytes32[] pairSiblings)[]";

async function fixture() {
  const w = await deployWorld(model, { ...DEVNET_PARAMS }, { ...DEVNET_GAME_PARAMS }, commitment);
  const [, requester, prover, challenger, second, puppet, anyone] = w.signers as HardhatEthersSigner[];
  const jobId = await submitAndClaim(w, requester!, prover!, feeds);
  return { w, requester: requester!, prover: prover!, challenger: challenger!, second: second!, puppet: puppet!, anyone: anyone!, jobId };
}
type F = Awaited<ReturnType<typeof fixture>>;

/** Posts `values` and opens a game of `challenger`, the sides playing the given traces. */
async function game(f: F, proverTrace = liar, challengerTrace = honest, challenger = f.challenger, book?: GasBook): Promise<LiveGame> {
  const opened = await challenge(f.w, challenger, f.jobId, book);
  return new LiveGame(f.w, opened, { signer: f.prover, trace: proverTrace }, { signer: challenger, trace: challengerTrace });
}

/** Plays solver moves until `until` holds or the side to move has no move. */
async function playUntil(g: LiveGame, until: (g: LiveGame) => boolean = () => false, book?: GasBook): Promise<void> {
  while (!g.done && !until(g)) if (!(await g.step(book))) return;
}

const isPhase = (p: Phase) => (g: LiveGame) => g.state.phase === p;
const reason = (args: readonly unknown[]) => decodeBytes32String(args[args.length - 1] as string);

async function timeOut(f: F, g: LiveGame): Promise<void> {
  const [left] = await f.w.game.timeLeft(g.gameId);
  await networkHelpers.time.increase(Number(left));
  await (await f.w.game.connect(f.anyone).resolveTimeout(g.gameId)).wait();
  g.done = true;
}

/**
 * A prover trace whose node `node` output tensor carries one non-zero byte past its data (a
 * malformed tensor: its commitment is not that of any tensor of its type), every later state
 * built on that commitment. The engine refuses to commit such bytes, so the forged slot
 * commitment and the states after it are rebuilt here from the honest trace's value tables.
 */
function paddingLiar(node: number, padByte: number): GameTrace {
  const base = new Trace(commitment, honestValues);
  const honestSide = gameTrace(base, projectSteps);
  const slot = commitment.layout.nodeOutputSlots[node]!;
  const y = base.valueOfSlot(slot);
  const data = tensorBytes(y);
  const padded = new Uint8Array(data.length + 1);
  padded.set(data);
  padded[data.length] = padByte;
  const typeWord = encodeTensorType(y.dtype, y.shape);
  expect(toHex(taggedHash(Tag.TENSOR, typeWord, merkleRoot(data)))).to.equal(base.states.slotCommitments[slot]);
  const forgedRoot = merkleRoot(padded);
  const forgedCommitment = taggedHash(Tag.TENSOR, typeWord, forgedRoot);
  const slots = commitment.layout.names.length;
  const table = (i: number): WordTree => {
    const t = base.table(i);
    return new WordTree(Tag.VALUE_TABLE_NODE, Array.from({ length: slots }, (_, j) => (j === slot ? forgedCommitment : t.leaf(j))));
  };
  const n = commitment.parts.nodeCount;
  const stateRoot = (i: number): Hex32 => (i <= node ? base.stateRoot(i) : toHex(table(i).root));
  return {
    ...honestSide,
    stateRoot,
    opening: () => ({ ...honestSide.opening(), finalRoot: stateRoot(n), outputSiblings: commitment.layout.outputSlots.map((s) => table(n).proof(s).map((b) => toHex(b))) }),
    transition: (i) => {
      if (i !== node) throw new Error(`the forged trace only proves node ${node}'s transition`);
      return { ...honestSide.transition(i), tensorRoot: toHex(forgedRoot) };
    },
    leafPair: (i, pair) => (i === node ? [toHex(leafChunk(padded, 2 * pair)), toHex(leafChunk(padded, 2 * pair + 1))] : honestSide.leafPair(i, pair)),
  };
}

describe("dispute game, adversarial moves (real verifiers, tiny model)", function () {
  this.timeout(120_000);

  describe("claims, replays and decided games", () => {
    it("a move aimed at a claim a reorg replaced reverts GameStateMismatch (evm_snapshot / evm_revert, another pick mined instead)", async () => {
      const f = await networkHelpers.loadFixture(fixture);
      await postResult(f.w, f.prover, f.jobId, wrong);
      const g = await game(f);
      await playUntil(g, isPhase(Phase.StatesPick));
      const pick = g.next();
      if (pick.kind !== "pick") throw new Error("expected a pick");
      const before = { state: g.state, posted: g.posted };
      const snapshot = await ethers.provider.send("evm_snapshot", []);
      await g.send(pick);
      // The prover answers the claim it saw mined: the interval the honest pick chose.
      const answer = g.next();
      const answeredState = g.state;
      await ethers.provider.send("evm_revert", [snapshot]);
      // The reorg: the challenger's transaction is replaced by a pick of another segment.
      g.state = before.state;
      g.posted = before.posted;
      const other: Move = { ...pick, index: (pick.index + 1) % (before.posted.length + 1) };
      await g.send(other);
      expect(g.state.lo).to.not.equal(answeredState.lo);
      const r = await revertOf(sendMove(f.w.game.connect(f.prover), g.gameId, g.setup, answeredState, answer));
      expect(r.name).to.equal("GameStateMismatch");
      expect(r.args[0]).to.equal(g.gameId);
      // The replaced pick itself, resent, names a state that is gone as well.
      expect((await revertOf(sendMove(f.w.game.connect(f.challenger), g.gameId, g.setup, before.state, pick))).name).to.equal("GameStateMismatch");
      // The game goes on from the claim that is on chain.
      expect(await g.step()).to.equal(true);
    });

    it("duplicate and replayed moves revert GameStateMismatch: the same move twice, an earlier move later, another game's move", async () => {
      const f = await networkHelpers.loadFixture(fixture);
      await postResult(f.w, f.prover, f.jobId, wrong);
      const a = await game(f);
      const b = await game(f, liar, honest, f.second);
      await playUntil(a, isPhase(Phase.StatesPost));
      const post = a.next();
      const state = a.state;
      await a.send(post);
      expect((await revertOf(sendMove(f.w.game.connect(f.prover), a.gameId, a.setup, state, post))).name, "the same move twice").to.equal("GameStateMismatch");
      const earlier = a.history[0]!;
      await playUntil(a, isPhase(Phase.LeafReveal));
      expect((await revertOf(sendMove(f.w.game.connect(f.prover), a.gameId, a.setup, earlier.state, earlier.move))).name, "the opening replayed later").to.equal("GameStateMismatch");
      // Game a's opening, replayed whole (its setup) into game b that has not opened yet.
      expect((await revertOf(sendMove(f.w.game.connect(f.prover), b.gameId, a.setup, earlier.state, earlier.move))).name, "another game's opening").to.equal("GameStateMismatch");
      await playUntil(b, isPhase(Phase.StatesPick));
      const pickA = a.history.find((h) => h.move.kind === "pick")!;
      expect((await revertOf(sendMove(f.w.game.connect(f.challenger), b.gameId, a.setup, pickA.state, pickA.move))).name, "another game's pick").to.equal("GameStateMismatch");
      // Both games are intact: each still plays to the honest challenger's win.
      await playUntil(a);
      await playUntil(b);
      expect(await f.w.game.gameStatus(a.gameId)).to.equal(Status.ChallengerWon);
      expect(await f.w.game.gameStatus(b.gameId)).to.equal(Status.ChallengerWon);
    });

    it("moving after the game is decided reverts GameNotInProgress: after a one-step win, after a timeout, after the market closed it", async () => {
      const f = await networkHelpers.loadFixture(fixture);
      await postResult(f.w, f.prover, f.jobId, wrong);
      const won = await game(f);
      const timedOut = await game(f, liar, honest, f.second);
      await playUntil(won, isPhase(Phase.OneStep));
      const step = won.next();
      const atStep = won.state;
      await won.send(step);
      expect(await f.w.game.gameStatus(won.gameId)).to.equal(Status.ChallengerWon);
      const again = await revertOf(sendMove(f.w.game.connect(f.challenger), won.gameId, won.setup, atStep, step));
      expect(again.name).to.equal("GameNotInProgress");
      expect(again.args).to.deep.equal([won.gameId, Status.ChallengerWon]);

      await playUntil(timedOut, isPhase(Phase.Transition));
      const late = timedOut.next();
      await timeOut(f, timedOut);
      expect((await revertOf(sendMove(f.w.game.connect(f.prover), timedOut.gameId, timedOut.setup, timedOut.state, late))).args).to.deep.equal([timedOut.gameId, Status.ChallengerWon]);
      expect((await revertOf(call("resolve", () => f.w.game.resolveTimeout(timedOut.gameId)))).name).to.equal("GameNotInProgress");

      const closed = await game(f, liar, honest, f.puppet);
      await playUntil(closed, isPhase(Phase.StatesPick));
      await (await f.w.market.settleGame(won.gameId)).wait(); // the fault
      await (await f.w.market.settleGame(closed.gameId)).wait(); // closes the game still in progress
      expect(await f.w.game.gameStatus(closed.gameId)).to.equal(Status.Closed);
      expect((await revertOf(sendMove(f.w.game.connect(f.puppet), closed.gameId, closed.setup, closed.state, closed.next()))).args).to.deep.equal([closed.gameId, Status.Closed]);
    });
  });

  describe("clocks", () => {
    it("resolving while the side to move still has time reverts GameClockNotExpired(gameId, secondsLeft), for either side mid-game; at the expiry second anyone resolves", async () => {
      for (const side of ["prover", "challenger"] as const) {
        const f = await networkHelpers.loadFixture(fixture);
        await postResult(f.w, f.prover, f.jobId, wrong);
        const g = await game(f);
        await playUntil(g, isPhase(side === "prover" ? Phase.Transition : Phase.LeafPick));
        expect(g.toMove).to.equal(side);
        const slot = await clocksOf(f.w, g.gameId);
        const expiry = slot.lastMoveAt + (side === "prover" ? slot.proverLeft : slot.challengerLeft);
        await networkHelpers.time.setNextBlockTimestamp(expiry - 1);
        await expect(f.w.game.connect(f.anyone).resolveTimeout(g.gameId)).to.be.revertedWithCustomError(f.w.game, "GameClockNotExpired").withArgs(g.gameId, 1);
        await networkHelpers.time.setNextBlockTimestamp(expiry);
        await (await f.w.game.connect(f.anyone).resolveTimeout(g.gameId)).wait();
        expect(await f.w.game.gameStatus(g.gameId), `${side} timed out`).to.equal(side === "prover" ? Status.ChallengerWon : Status.ProverWon);
      }
    });

    it("a challenger's move at the last second is taken and the prover answering late still leaves it the clock extension; at the expiry second the move reverts GameClockExpired", async () => {
      for (const atExpiry of [false, true]) {
        const f = await networkHelpers.loadFixture(fixture);
        await postResult(f.w, f.prover, f.jobId, wrong);
        const g = await game(f);
        await playUntil(g, isPhase(Phase.StatesPick));
        const slot = await clocksOf(f.w, g.gameId);
        const expiry = slot.lastMoveAt + slot.challengerLeft;
        await networkHelpers.time.setNextBlockTimestamp(atExpiry ? expiry : expiry - 1);
        if (atExpiry) {
          const r = await revertOf(g.send());
          expect(r.name).to.equal("GameClockExpired");
          expect(r.args).to.deep.equal([g.gameId]);
          continue;
        }
        await g.send();
        const afterPick = await clocksOf(f.w, g.gameId);
        expect(afterPick.challengerLeft, "the challenger spent all but 1 s").to.equal(1);
        // The prover answers (the transition) at the last second of its own clock: it moves again
        // next (the leaf reveal), so its own clock is lifted to the extension; once it reveals,
        // the challenger, left with 1 s, is lifted to the extension too.
        const proverExpiry = afterPick.lastMoveAt + afterPick.proverLeft;
        await networkHelpers.time.setNextBlockTimestamp(proverExpiry - 1);
        await g.send();
        const afterTransition = await clocksOf(f.w, g.gameId);
        expect(afterTransition.challengerToMove).to.equal(false);
        expect(afterTransition.proverLeft).to.equal(EXTENSION);
        expect(afterTransition.challengerLeft).to.equal(1);
        await g.send();
        const after = await clocksOf(f.w, g.gameId);
        expect(after.challengerToMove).to.equal(true);
        expect(after.challengerLeft).to.equal(EXTENSION);
        // With its extension the honest challenger still wins.
        await playUntil(g);
        expect(await f.w.game.gameStatus(g.gameId)).to.equal(Status.ChallengerWon);
      }
    });
  });

  describe("forged proofs", () => {
    it("a forged node descriptor or forged input types at the transition and at the one-step revert GameProofInvalid", async () => {
      const f = await networkHelpers.loadFixture(fixture);
      await postResult(f.w, f.prover, f.jobId, wrong);
      const g = await game(f);
      await playUntil(g, isPhase(Phase.Transition));
      const forge = (hex: string, at: number) => {
        const b = Buffer.from(hex.slice(2), "hex");
        b[at] = b[at]! ^ 1;
        return `0x${b.toString("hex")}`;
      };
      const transition = g.next();
      if (transition.kind !== "transition") throw new Error("expected a transition");
      const bad1 = await revertOf(g.send({ ...transition, proof: { ...transition.proof, descriptor: forge(transition.proof.descriptor, 40) } }));
      expect([bad1.name, reason(bad1.args)]).to.deep.equal(["GameProofInvalid", "descriptor"]);
      const inputTypes = transition.proof.inputTypes.map((x, i) => (i === 0 ? (forge(x, 31) as typeof x) : x));
      const bad2 = await revertOf(g.send({ ...transition, proof: { ...transition.proof, inputTypes } }));
      expect([bad2.name, reason(bad2.args)]).to.deep.equal(["GameProofInvalid", "input types"]);
      await g.send(transition);
      await playUntil(g, isPhase(Phase.OneStep));
      const step = g.next();
      if (step.kind !== "step") throw new Error("expected a step");
      const bad3 = await revertOf(g.send({ ...step, descriptor: forge(step.descriptor, 200) }));
      expect([bad3.name, reason(bad3.args)]).to.deep.equal(["GameProofInvalid", "descriptor"]);
      const bad4 = await revertOf(g.send({ ...step, inputTypes: step.inputTypes.map((x, i) => (i === 3 ? (forge(x, 0) as typeof x) : x)) }));
      expect([bad4.name, reason(bad4.args)]).to.deep.equal(["GameProofInvalid", "input types"]);
      await g.send(step);
      expect(await f.w.game.gameStatus(g.gameId)).to.equal(Status.ChallengerWon);
    });

    it("a forged operand proof at the one-step reverts OperandProofInvalid: a lying challenger cannot refute an honest step with forged leaves, tensor roots or slot commitments, and loses on time", async () => {
      const f = await networkHelpers.loadFixture(fixture);
      await postResult(f.w, f.prover, f.jobId, honestValues);
      const g = await game(f, honest, liarChallenger);
      await playUntil(g, isPhase(Phase.OneStep));
      const step = g.next();
      if (step.kind !== "step") throw new Error("expected a step");
      // Its own honest-shaped proof confirms the prover's claim.
      expect((await revertOf(g.send(step))).name).to.equal("GameStepNotRefuted");
      const coder = AbiCoder.defaultAbiCoder();
      const [proofs] = coder.decode([OPERAND_PROOFS], step.proof) as unknown as [Array<{ toObject(): Record<string, unknown> }>];
      expect(proofs.length).to.be.greaterThan(0);
      const flip = (h: string) => `0x${(BigInt(h) ^ 1n).toString(16).padStart(64, "0")}`;
      for (const field of ["left", "right", "tensorRoot", "slotCommitment"] as const) {
        for (let i = 0; i < proofs.length; i++) {
          const forged = proofs.map((p, j) => {
            const o = p.toObject() as Record<string, unknown>;
            return j === i ? { ...o, [field]: flip(o[field] as string) } : o;
          });
          const r = await revertOf(g.send({ ...step, proof: coder.encode([OPERAND_PROOFS], [forged]) }));
          expect(r.name, `forged ${field} of opening ${i}`).to.match(/^(OperandProofInvalid|GameStepNotRefuted)$/);
          // A forged leaf may still leave the element's own bytes (the lanes the step reads) intact.
          if (field !== "left" && field !== "right") expect(r.name, `forged ${field} of opening ${i}`).to.equal("OperandProofInvalid");
        }
      }
      expect(await f.w.game.gameStatus(g.gameId)).to.equal(Status.InProgress);
      await timeOut(f, g);
      expect(await f.w.game.gameStatus(g.gameId)).to.equal(Status.ProverWon);
    });

    it("a prover whose committed output tensor has a non-zero padding lane loses at the element pick (\"padding lane not zero\"), even with correct outputs", async () => {
      const f = await networkHelpers.loadFixture(fixture);
      // QLinearMatMul's output is 4 bytes of a 64-byte leaf pair: the prover's trace commits a
      // fifth, non-zero byte (the bytes past the data must be zero). Its posted outputs are the
      // honest ones, so only its states are wrong.
      const forged = paddingLiar(1, 7);
      await postResult(f.w, f.prover, f.jobId, honestValues);
      const g = await game(f, forged, honest);
      await playUntil(g, isPhase(Phase.LeafPick));
      const pick = g.next();
      if (pick.kind !== "pickElement") throw new Error("expected an element pick");
      expect(pick.offset, "the honest challenger points at the first padding byte").to.equal(4);
      // A zero padding lane proves nothing: the pick reverts and the game goes on.
      expect((await revertOf(g.send({ ...pick, offset: 8 }))).name).to.equal("GameStepNotRefuted");
      const r = await g.send(pick);
      const resolved = r.receipt.logs.map((l) => { try { return f.w.game.interface.parseLog(l); } catch { return null; } }).find((e) => e?.name === "GameResolved")!;
      expect(decodeBytes32String(resolved.args.reason)).to.equal("padding lane not zero");
      expect(await f.w.game.gameStatus(g.gameId)).to.equal(Status.ChallengerWon);
      const bonds = await moveBondsOf(f.w, g.gameId);
      expect(bonds.mc).to.equal(BigInt(g.movesBy.challenger) * MOVE_BOND);
    });

    it("an S_0 that does not match the model and the job's input cannot be opened: a run on another input reverts GameProofInvalid(inputs), a run of another model GameProofInvalid(input slot); the prover then loses on time", async () => {
      const otherInput = new Map([["x", t(DType.FLOAT, [1, 8], [1, 2, 3, 4, 5, 6, 7, 8])]]);
      const otherModel = tinyModel({ weightDelta: 1 });
      const otherCommitment = commitModel(otherModel);
      const cases = [
        { what: "another input", values: runReference(model, otherInput), c: commitment, expected: "inputs" },
        { what: "another model", values: runReference(otherModel, feeds), c: otherCommitment, expected: "input slot" },
      ];
      for (const k of cases) {
        const f = await networkHelpers.loadFixture(fixture);
        await postResult(f.w, f.prover, f.jobId, k.values);
        const g = await game(f, traceOf(k.values, k.c), honest);
        const r = await revertOf(g.send());
        expect([r.name, reason(r.args)], k.what).to.deep.equal(["GameProofInvalid", k.expected]);
        await timeOut(f, g);
        expect(await f.w.game.gameStatus(g.gameId), k.what).to.equal(Status.ChallengerWon);
      }
    });
  });

  describe("money", () => {
    it("the prover concedes at once to its own second identity while an honest watcher plays: the watcher's ETH changes by exactly minus its gas plus the prover's move bonds, so it loses at most its opening transaction's gas; the colluders pay the burn", async () => {
      const f = await networkHelpers.loadFixture(fixture);
      const { w, prover, puppet, requester } = f;
      const watcher = f.challenger;
      const book = new GasBook();
      const balance = (a: HardhatEthersSigner) => ethers.provider.getBalance(a.address);
      const [watcher0, puppet0, prover0] = await Promise.all([balance(watcher), balance(puppet), balance(prover)]);
      await postResult(w, prover, f.jobId, wrong, book);
      const honestGame = await game(f, liar, honest, watcher, book);
      await playUntil(honestGame, isPhase(Phase.DescendPost), book);
      // The second identity challenges; the prover opens and posts its lie, the puppet refutes
      // it at once with the honest trace, and settles first: the result faults.
      const puppetGame = await game(f, liar, honest, puppet, book);
      await playUntil(puppetGame, () => false, book);
      expect(await w.game.gameStatus(puppetGame.gameId)).to.equal(Status.ChallengerWon);
      book.add((await (await w.market.connect(puppet).settleGame(puppetGame.gameId)).wait())!);
      expect((await w.market.job(f.jobId)).status).to.equal(Job.Faulted);
      // The watcher's game is closed by its own settlement; it withdraws.
      const { mp, mc } = await moveBondsOf(w, honestGame.gameId);
      expect(mp).to.be.greaterThan(0n);
      const closing = (await (await w.market.connect(watcher).settleGame(honestGame.gameId)).wait())!;
      book.add(closing);
      expectCredits(w.market, closing, { [watcher.address]: DEVNET_PARAMS.challengerBond + mc + mp }, "the watcher's game closes");
      for (const who of [watcher, puppet]) book.add((await (await w.market.connect(who).withdraw(who.address)).wait())!);
      expect(await w.market.credits(requester.address)).to.equal(FEE);

      const watcherDelta = (await balance(watcher)) - watcher0;
      const openingGas = honestGame.opened.receipt.gasUsed * honestGame.opened.receipt.gasPrice;
      console.log(`      watcher: gas ${book.of(watcher.address)} wei (opening ${openingGas}), paid the prover's move bonds ${mp}, net ${watcherDelta}`);
      expect(watcherDelta).to.equal(mp - book.of(watcher.address));
      expect(watcherDelta >= -openingGas, "the honest watcher lost more than its opening transaction's gas").to.equal(true);
      // Prover and puppet together, from before the post (the prover's bond already escrowed):
      // the bond comes back less its burn, less the burn of the puppet game's prover move bonds,
      // less every prover move bond of the watcher's game.
      const puppetBonds = await moveBondsOf(w, puppetGame.gameId);
      const colluders = (await balance(puppet)) - puppet0 + book.of(puppet.address) + ((await balance(prover)) - prover0 + book.of(prover.address));
      expect(colluders).to.equal(DEVNET_PARAMS.proverBond - burnOf(w, DEVNET_PARAMS.proverBond) - burnOf(w, puppetBonds.mp) - mp);
      expect(await ethers.provider.getBalance(await w.game.getAddress())).to.equal(0n);
    });

    type Ending = { name: string; result: "wrong" | "correct"; play: (f: F, g: LiveGame) => Promise<void>; outcome: bigint; settled: bigint };
    const endings: Ending[] = [
      { name: "the challenger wins by the one-step", result: "wrong", outcome: Status.ChallengerWon, settled: Status.ChallengerWon, play: async (_f, g) => playUntil(g) },
      {
        name: "the prover times out mid-game",
        result: "wrong",
        outcome: Status.ChallengerWon,
        settled: Status.ChallengerWon,
        play: async (f, g) => {
          g.quitAfter.prover = 3;
          await playUntil(g);
          await timeOut(f, g);
        },
      },
      {
        name: "the challenger times out at the one-step it cannot make (the prover wins)",
        result: "correct",
        outcome: Status.ProverWon,
        settled: Status.ProverWon,
        play: async (f, g) => {
          await playUntil(g);
          expect(g.state.phase).to.equal(Phase.OneStep);
          await timeOut(f, g);
        },
      },
      {
        name: "the challenger times out mid-game",
        result: "correct",
        outcome: Status.ProverWon,
        settled: Status.ProverWon,
        play: async (f, g) => {
          g.quitAfter.challenger = 2;
          await playUntil(g);
          await timeOut(f, g);
        },
      },
      {
        name: "the market closes the game when another game proved the fault first",
        result: "wrong",
        outcome: Status.InProgress,
        settled: Status.Closed,
        play: async (f, g) => {
          await playUntil(g, isPhase(Phase.LeafReveal));
          const other = await game(f, liar, honest, f.second);
          await playUntil(other);
          await (await f.w.market.settleGame(other.gameId)).wait();
        },
      },
      {
        name: "the prover won before another game proved the fault (its win stands)",
        result: "wrong",
        outcome: Status.ProverWon,
        settled: Status.ProverWon,
        play: async (f, g) => {
          await playUntil(g);
          await timeOut(f, g);
          const other = await game(f, liar, honest, f.second);
          await playUntil(other);
          await (await f.w.market.settleGame(other.gameId)).wait();
        },
      },
    ];
    for (const e of endings) {
      it(`per-move bonds go to the right side when ${e.name}`, async () => {
        const f = await networkHelpers.loadFixture(fixture);
        await postResult(f.w, f.prover, f.jobId, e.result === "wrong" ? wrong : honestValues);
        // The last ending pits the lying prover against a lying watcher, which it beats on time.
        const challengerTrace = e.result === "correct" || e.name.includes("prover won before") ? liarChallenger : honest;
        const g = await game(f, e.result === "wrong" ? liar : honest, challengerTrace);
        await e.play(f, g);
        const [outcome] = await f.w.game.gameResult(g.gameId);
        expect(outcome).to.equal(e.outcome);
        const faultedBefore = (await f.w.market.job(f.jobId)).status === Job.Faulted;
        const bonds = await moveBondsOf(f.w, g.gameId);
        expect(bonds.mp > 0n && bonds.mc > 0n, "both sides paid move bonds").to.equal(true);
        const r = (await (await f.w.market.connect(f.anyone).settleGame(g.gameId)).wait())!;
        const who = { prover: f.prover.address, challenger: f.challenger.address, requester: f.requester.address };
        const want = expectedSettlement(f.w, who, outcome, true, faultedBefore, FEE, bonds);
        expectCredits(f.w.market, r, want, e.name);
        // The same figures written out: who got whose move bonds.
        const CB = DEVNET_PARAMS.challengerBond;
        const PB = DEVNET_PARAMS.proverBond;
        const got = (a: string) => want[a.toLowerCase()] ?? 0n;
        if (e.settled === Status.ProverWon) expect(got(f.prover.address)).to.equal(CB - burnOf(f.w, CB) + bonds.mp + bonds.mc - burnOf(f.w, bonds.mc));
        else if (e.settled === Status.ChallengerWon) expect(got(f.challenger.address)).to.equal(CB + PB - burnOf(f.w, PB) + bonds.mc + bonds.mp - burnOf(f.w, bonds.mp));
        else expect(got(f.challenger.address)).to.equal(CB + bonds.mc + bonds.mp);
        expect(bonds.mp + bonds.mc).to.equal(BigInt(g.movesBy.prover + g.movesBy.challenger) * MOVE_BOND);
        expect(await ethers.provider.getBalance(await f.w.game.getAddress()), "the game released every move bond").to.equal(0n);
      });
    }

    it("a contract challenger whose receive() re-enters withdraw is paid exactly once (ReentrancyGuardReentrantCall), after winning a real game on the prover's clock", async () => {
      const f = await networkHelpers.loadFixture(fixture);
      const { w } = f;
      await postResult(w, f.prover, f.jobId, wrong);
      const attacker = await ethers.deployContract("ReentrantReceiver", [await w.market.getAddress()]);
      const attackerAddress = await attacker.getAddress();
      await (await attacker.challenge(f.jobId, { value: DEVNET_PARAMS.challengerBond })).wait();
      const gameId = await w.market.gameCount();
      // The prover never opens: anyone resolves the game on its clock, anyone settles it.
      await networkHelpers.time.increase(CLOCK);
      await (await w.game.connect(f.anyone).resolveTimeout(gameId)).wait();
      await (await w.market.connect(f.anyone).settleGame(gameId)).wait();
      const owed = DEVNET_PARAMS.challengerBond + DEVNET_PARAMS.proverBond - burnOf(w, DEVNET_PARAMS.proverBond);
      expect(await w.market.credits(attackerAddress)).to.equal(owed);
      const tx = attacker.withdraw();
      await expect(tx).to.changeEtherBalances(ethers, [attacker, w.market], [owed, -owed]);
      await expect(tx).to.emit(w.market, "Withdrawn").withArgs(attackerAddress, attackerAddress, owed);
      expect(await attacker.reentryAttempts()).to.equal(1n);
      expect(await attacker.reentrySucceeded()).to.equal(false);
      expect(w.market.interface.parseError(await attacker.lastRevertData())?.name).to.equal("ReentrancyGuardReentrantCall");
      expect(await w.market.credits(attackerAddress)).to.equal(0n);
      await expect(attacker.withdraw()).to.be.revertedWithCustomError(w.market, "MarketNothingToWithdraw").withArgs(attackerAddress);
    });
  });
});
