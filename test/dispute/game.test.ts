import { expect } from "chai";
import { encodeBytes32String, getCreateAddress, keccak256 } from "ethers";
import { network } from "hardhat";
import { commitModel } from "../../offchain/engine/commit/model-commit.js";
import { runReference } from "../../offchain/engine/exec/reference.js";
import { runWithFault } from "../../offchain/engine/exec/fault.js";
import { tensorBytes, type Tensor } from "../../offchain/engine/tensor.js";
import { gameTrace } from "../../offchain/game/game-trace.js";
import { sendMove } from "../../offchain/game/responder.js";
import { nextMove, type GameTrace } from "../../offchain/game/solver.js";
import { Trace } from "../../offchain/game/trace.js";
import { challengerMoves, encodeState, Phase, playersOf, setupFromEvent, stateFromEvent, stateHash, type GameSetup, type GameState } from "../../offchain/game/types.js";
import { CursorOverflowError, packCursor, unpackCursor } from "../../offchain/game/cursor.js";
import { segmentProof, segmentRoot } from "../../offchain/game/segment-tree.js";
import { toHex } from "../../offchain/engine/commit/hash.js";
import { tinyModel, TINY_INPUT } from "../engine/support/tiny-model.js";
import { honestStepValue, oracleSteps } from "./support/oracle-steps.js";

const { ethers, networkHelpers } = await network.getOrCreate();

const MOVE_BOND = 10n ** 15n;
const CLOCK = 3600;
const EXTENSION = 300;
const FANOUT = 16;
const DESCENT = 4;
const PARAMS = {
  proverBond: ethers.parseEther("1"),
  challengerBond: ethers.parseEther("0.5"),
  deliveryPeriod: 600,
  challengeWindow: 1800,
  burnBps: 2000,
  lateForfeitBps: 1000,
  maxInputBytes: 65536,
  maxOutputBytes: 65536,
  burnSink: "0x000000000000000000000000000000000000dEaD",
};

const model = tinyModel({ withArgMax: false });
const commitment = commitModel(model);
const honestValues = runReference(model, { x: TINY_INPUT });
const honest = new Trace(commitment, honestValues);

function outputsOf(values: ReadonlyMap<string, Tensor>): Uint8Array[] {
  return model.graph.outputs.map((o) => Uint8Array.from(tensorBytes(values.get(o.name)!)));
}

async function deployGame() {
  return deployGameWith(FANOUT, DESCENT);
}

async function deployGameWith(fanout: number, descent: number) {
  const [deployer, requester, prover, challenger, other] = await ethers.getSigners();
  const registry = await ethers.deployContract("ModelRegistry");
  const oracle = await ethers.deployContract("OracleVerifier");
  const nonce = await deployer.getNonce();
  const predictedMarket = getCreateAddress({ from: deployer.address, nonce: nonce + 1 });
  const game = await ethers.deployContract("DisputeGame", [
    predictedMarket,
    await registry.getAddress(),
    await oracle.getAddress(),
    [MOVE_BOND, CLOCK, EXTENSION, fanout, descent],
  ]);
  const market = await ethers.deployContract("JobMarket", [await registry.getAddress(), await game.getAddress(), PARAMS]);
  expect(await market.getAddress()).to.equal(predictedMarket);
  const parts = { ...commitment.parts, inputs: [...commitment.parts.inputs], outputs: [...commitment.parts.outputs], opsets: [...commitment.parts.opsets] };
  await registry.register(commitment.modelId, parts, keccak256("0x01"), "ipfs://tiny");
  const deadline = (await networkHelpers.time.latest()) + 3600;
  await market.connect(requester).submitJob(commitment.modelId, [tensorBytes(TINY_INPUT)], ethers.ZeroAddress, deadline, { value: 10n ** 16n });
  await market.connect(prover).claimJob(1, { value: PARAMS.proverBond });
  return { deployer, requester, prover, challenger, other, registry, oracle, game, market };
}

type Fixture = Awaited<ReturnType<typeof deployGame>>;

/** Posts the prover's outputs and opens a game; returns the game's id, setup and first state. */
async function postAndChallenge(f: Fixture, proverValues: ReadonlyMap<string, Tensor>) {
  await f.market.connect(f.prover).postResult(1, outputsOf(proverValues));
  const tx = await f.market.connect(f.challenger).challenge(1, { value: PARAMS.challengerBond });
  const receipt = (await tx.wait())!;
  for (const log of receipt.logs) {
    try {
      const parsed = f.game.interface.parseLog(log);
      if (parsed?.name === "GameOpened") {
        return { gameId: parsed.args.gameId as bigint, setup: setupFromEvent(parsed.args.setup), state: stateFromEvent(parsed.args.state) };
      }
    } catch {
      // another contract's log
    }
  }
  throw new Error("no GameOpened event");
}

interface Outcome {
  status: bigint;
  moves: number;
  gas: bigint;
  last: GameState;
  timedOut: "prover" | "challenger" | null;
}

/** Plays a game to the end: each side by the solver over its own trace. */
async function play(f: Fixture, gameId: bigint, setup: GameSetup, first: GameState, prover: GameTrace, challenger: GameTrace): Promise<Outcome> {
  let state = first;
  let posted: `0x${string}`[] = [];
  let moves = 0;
  let gas = 0n;
  const params = { fanout: Number(await f.game.fanout()), descentLevels: Number(await f.game.descentLevels()) };
  for (;;) {
    const role = challengerMoves(state.phase) ? "challenger" : "prover";
    const move = nextMove(role, state, role === "prover" ? prover : challenger, params, posted);
    let stuck = move.kind === "none";
    if (!stuck) {
      if (move.kind === "transition") {
        // The game asks for K when the node's descriptor is proven (the transition).
        const k = oracleSteps.accumulation(honest, state.lo, 0).length;
        if (k > 0) await f.oracle.setLength(keccak256(move.proof.descriptor), k - 2);
      }
      if (move.kind === "step") {
        const step = state.hi - 1;
        await f.oracle.setAnswer(state.stateBefore, state.element, step, honestStepValue(honest, state.node, Number(state.element), step));
      }
      const signer = role === "prover" ? f.prover : f.challenger;
      try {
        const r = await sendMove(f.game.connect(signer), gameId, setup, state, move);
        moves++;
        gas += r.receipt.gasUsed;
        if (r.state === null) break;
        state = r.state;
        posted = r.posted;
      } catch (e) {
        // A side whose move the contract refuses (e.g. a step that confirms the claim) is stuck.
        if (!/GameStepNotRefuted/.test(String((e as Error).message))) throw e;
        stuck = true;
      }
    }
    if (stuck) {
      const [left] = await f.game.timeLeft(gameId);
      await networkHelpers.time.increase(Number(left) + 1);
      await f.game.resolveTimeout(gameId);
      return { status: await f.game.gameStatus(gameId), moves, gas, last: state, timedOut: role };
    }
  }
  return { status: await f.game.gameStatus(gameId), moves, gas, last: state, timedOut: null };
}

const PROVER_WON = 2n;
const CHALLENGER_WON = 3n;
const honestSide = gameTrace(honest, oracleSteps);

function liarTrace(node: number, element: number, delta: number): { trace: GameTrace; values: Map<string, Tensor> } {
  const { values } = runWithFault(model, { x: TINY_INPUT }, { node, element, delta });
  return { trace: gameTrace(new Trace(commitment, values), oracleSteps), values };
}

describe("dispute game: levels 0-3, both sides honest in turn against a liar (oracle verifier)", function () {
  this.timeout(120_000);

  for (const [node, element] of [
    [0, 0],
    [0, 7],
    [1, 2],
    [2, 3],
    [3, 1],
  ] as const) {
    it(`a lying prover (node ${node}, element ${element}) loses to an honest challenger at that very step`, async () => {
      const f = await networkHelpers.loadFixture(deployGame);
      const liar = liarTrace(node, element, 3);
      const { gameId, setup, state } = await postAndChallenge(f, liar.values);
      const out = await play(f, gameId, setup, state, liar.trace, honestSide);
      expect(out.status).to.equal(CHALLENGER_WON);
      expect(out.timedOut).to.equal(null);
      expect(out.last.node).to.equal(node);
      expect(Number(out.last.element)).to.equal(element);
    });

    it(`an honest prover beats a challenger lying at node ${node}, element ${element} (the liar times out)`, async () => {
      const f = await networkHelpers.loadFixture(deployGame);
      const { gameId, setup, state } = await postAndChallenge(f, honestValues);
      const liar = liarTrace(node, element, 3);
      const out = await play(f, gameId, setup, state, honestSide, liar.trace);
      expect(out.status).to.equal(PROVER_WON);
      expect(out.timedOut).to.equal("challenger");
    });
  }

  it("settles through the market: the honest challenger takes the prover's bond less the burn, the requester is refunded", async () => {
    const f = await networkHelpers.loadFixture(deployGame);
    const liar = liarTrace(1, 2, 1);
    const { gameId, setup, state } = await postAndChallenge(f, liar.values);
    const out = await play(f, gameId, setup, state, liar.trace, honestSide);
    expect(out.status).to.equal(CHALLENGER_WON);
    await f.market.settleGame(gameId);
    const slot = await f.game.gameSlot(gameId);
    const movesP = BigInt(slot.proverMoves);
    const movesC = BigInt(slot.challengerMoves);
    const burn = (x: bigint) => (x * 2000n) / 10000n;
    expect(await f.market.credits(f.requester.address)).to.equal(10n ** 16n);
    expect(await f.market.credits(f.challenger.address)).to.equal(
      PARAMS.challengerBond + PARAMS.proverBond - burn(PARAMS.proverBond) + movesC * MOVE_BOND + movesP * MOVE_BOND - burn(movesP * MOVE_BOND),
    );
    expect(await ethers.provider.getBalance(await f.game.getAddress())).to.equal(0n);
  });
});

describe("dispute game: clocks, turns and replays", function () {
  this.timeout(60_000);

  it("a prover that never opens loses on time, resolvable by anyone; resolving earlier reverts", async () => {
    const f = await networkHelpers.loadFixture(deployGame);
    const { gameId } = await postAndChallenge(f, honestValues);
    await expect(f.game.connect(f.other).resolveTimeout(gameId)).to.be.revertedWithCustomError(f.game, "GameClockNotExpired");
    await networkHelpers.time.increase(CLOCK);
    await f.game.connect(f.other).resolveTimeout(gameId);
    expect(await f.game.gameStatus(gameId)).to.equal(CHALLENGER_WON);
  });

  it("a move at the last second is taken, one a second later is refused with the same expiry test", async () => {
    const f = await networkHelpers.loadFixture(deployGame);
    const { gameId, setup, state } = await postAndChallenge(f, honestValues);
    const opening = nextMove("prover", state, honestSide, { fanout: FANOUT, descentLevels: DESCENT });
    if (opening.kind !== "open") throw new Error("expected the opening");
    const slot = await f.game.gameSlot(gameId);
    await networkHelpers.time.setNextBlockTimestamp(Number(slot.lastMoveAt) + CLOCK);
    await expect(f.game.connect(f.prover).open(gameId, setup, encodeState(state), opening.proof, { value: MOVE_BOND })).to.be.revertedWithCustomError(f.game, "GameClockExpired");
    const f2 = await networkHelpers.loadFixture(deployGame);
    const g2 = await postAndChallenge(f2, honestValues);
    const slot2 = await f2.game.gameSlot(g2.gameId);
    await networkHelpers.time.setNextBlockTimestamp(Number(slot2.lastMoveAt) + CLOCK - 1);
    await f2.game.connect(f2.prover).open(g2.gameId, g2.setup, encodeState(g2.state), opening.proof, { value: MOVE_BOND });
    // The late mover's clock is spent down to 1 s, but it moves next (it posts after opening),
    // so the extension lifts it to clockExtension; the challenger keeps its full budget.
    const after = await f2.game.gameSlot(g2.gameId);
    expect(after.proverLeft).to.equal(BigInt(EXTENSION));
    expect(after.challengerLeft).to.equal(BigInt(CLOCK));
  });

  it("a late move leaves the answering side at least the clock extension", async () => {
    const f = await networkHelpers.loadFixture(deployGame);
    const { gameId, setup, state } = await postAndChallenge(f, honestValues);
    const params = { fanout: FANOUT, descentLevels: DESCENT };
    const open = nextMove("prover", state, honestSide, params);
    const r1 = await sendMove(f.game.connect(f.prover), gameId, setup, state, open);
    const post = nextMove("prover", r1.state!, honestSide, params);
    // The challenger has not spent its clock; spend most of the prover's before it posts.
    await networkHelpers.time.increase(CLOCK - 10);
    const r2 = await sendMove(f.game.connect(f.prover), gameId, setup, r1.state!, post);
    const pick = nextMove("challenger", r2.state!, gameTrace(runLiarChallengerTrace(), oracleSteps), params, r2.posted);
    expect(pick.kind).to.equal("pick");
    await networkHelpers.time.increase(CLOCK - 100);
    await sendMove(f.game.connect(f.challenger), gameId, setup, r2.state!, pick);
    const slot = await f.game.gameSlot(gameId);
    // The prover spent all but ~10 s of its clock; answering the transition it gets the extension.
    expect(slot.proverLeft).to.equal(BigInt(EXTENSION));
    expect(slot.challengerLeft).to.be.lessThan(BigInt(CLOCK - 99));
    expect(slot.proverMoves).to.equal(2n);
    expect(slot.challengerMoves).to.equal(1n);
  });

  it("moves out of turn, with a stale state, with a wrong bond, or after the end revert", async () => {
    const f = await networkHelpers.loadFixture(deployGame);
    const { gameId, setup, state } = await postAndChallenge(f, honestValues);
    const params = { fanout: FANOUT, descentLevels: DESCENT };
    const open = nextMove("prover", state, honestSide, params);
    if (open.kind !== "open") throw new Error("expected the opening");
    await expect(f.game.connect(f.challenger).open(gameId, setup, encodeState(state), open.proof, { value: MOVE_BOND })).to.be.revertedWithCustomError(f.game, "GameNotYourTurn");
    await expect(f.game.connect(f.prover).open(gameId, setup, encodeState(state), open.proof, { value: MOVE_BOND - 1n })).to.be.revertedWithCustomError(f.game, "GameWrongBond");
    await f.game.connect(f.prover).open(gameId, setup, encodeState(state), open.proof, { value: MOVE_BOND });
    // Replaying the same move names a state that is no longer the game's.
    await expect(f.game.connect(f.prover).open(gameId, setup, encodeState(state), open.proof, { value: MOVE_BOND })).to.be.revertedWithCustomError(f.game, "GameStateMismatch");
    // A forged setup (another prover) does not hash to the game's state either.
    await expect(f.game.connect(f.other).open(gameId, { ...setup, prover: f.other.address }, encodeState(state), open.proof, { value: MOVE_BOND })).to.be.revertedWithCustomError(f.game, "GameStateMismatch");
    await networkHelpers.time.increase(CLOCK + 1);
    await f.game.resolveTimeout(gameId);
    await expect(f.game.resolveTimeout(gameId)).to.be.revertedWithCustomError(f.game, "GameNotInProgress");
  });

  it("an opening whose outputs are not the posted ones, or whose inputs are not the job's, reverts", async () => {
    const f = await networkHelpers.loadFixture(deployGame);
    const { gameId, setup, state } = await postAndChallenge(f, honestValues);
    const open = nextMove("prover", state, honestSide, { fanout: FANOUT, descentLevels: DESCENT });
    if (open.kind !== "open") throw new Error("expected the opening");
    const badIn = { ...open.proof, inputCommitments: [keccak256("0x02")] as `0x${string}`[] };
    await expect(f.game.connect(f.prover).open(gameId, setup, encodeState(state), badIn, { value: MOVE_BOND })).to.be.revertedWithCustomError(f.game, "GameProofInvalid");
    const badOut = { ...open.proof, finalRoot: keccak256("0x03") as `0x${string}` };
    await expect(f.game.connect(f.prover).open(gameId, setup, encodeState(state), badOut, { value: MOVE_BOND })).to.be.revertedWithCustomError(f.game, "GameProofInvalid");
  });

  it("a forged node descriptor at the transition reverts", async () => {
    const f = await networkHelpers.loadFixture(deployGame);
    const liar = liarTrace(1, 0, 1);
    const { gameId, setup, state } = await postAndChallenge(f, liar.values);
    const params = { fanout: FANOUT, descentLevels: DESCENT };
    let s = state;
    let posted: `0x${string}`[] = [];
    for (;;) {
      const role = challengerMoves(s.phase) ? "challenger" : "prover";
      const move = nextMove(role, s, role === "prover" ? liar.trace : honestSide, params, posted);
      if (move.kind === "transition") {
        const d = Buffer.from(move.proof.descriptor.slice(2), "hex");
        d[8 + 3] ^= 1; // another output slot
        const forged = { ...move.proof, descriptor: `0x${d.toString("hex")}` };
        await expect(f.game.connect(f.prover).transition(gameId, setup, encodeState(s), forged, { value: MOVE_BOND })).to.be.revertedWithCustomError(f.game, "GameProofInvalid");
        return;
      }
      const r = await sendMove(f.game.connect(role === "prover" ? f.prover : f.challenger), gameId, setup, s, move);
      s = r.state!;
      posted = r.posted;
    }
  });
});

describe("dispute game: a pick names exactly what the prover posted", function () {
  this.timeout(60_000);
  const params = { fanout: FANOUT, descentLevels: DESCENT };

  /** Plays honest-prover vs liar-challenger moves until `phase`, returns the game there. */
  async function playTo(phase: Phase, liar = liarTrace(1, 0, 1)) {
    const f = await networkHelpers.loadFixture(deployGame);
    const { gameId, setup, state } = await postAndChallenge(f, liar.values);
    let s = state;
    let posted: `0x${string}`[] = [];
    while (s.phase !== phase) {
      const role = challengerMoves(s.phase) ? "challenger" : "prover";
      const move = nextMove(role, s, role === "prover" ? liar.trace : honestSide, params, posted);
      if (move.kind === "transition") {
        const k = oracleSteps.accumulation(honest, s.lo, 0).length;
        if (k > 0) await f.oracle.setLength(keccak256(move.proof.descriptor), k - 2);
      }
      const r = await sendMove(f.game.connect(role === "prover" ? f.prover : f.challenger), gameId, setup, s, move);
      s = r.state!;
      posted = r.posted;
      // The off-chain twin of the stored hash agrees after every move.
      expect(await f.game.stateHash(gameId)).to.equal(stateHash(setup, s));
    }
    return { f, gameId, setup, s, posted, liar };
  }

  it("the posted list's segment root is the state's pending, and every off-chain state hash is the contract's", async () => {
    const { s, posted } = await playTo(Phase.StatesPick);
    expect(s.pending).to.equal(segmentRoot(s.claimLo, posted, s.claimHi));
  });

  it("a pick proving a value the prover never posted reverts", async () => {
    const { f, gameId, setup, s, posted } = await playTo(Phase.StatesPick);
    const p = segmentProof(s.claimLo, posted, s.claimHi, 0);
    const forged = keccak256("0x1234");
    await expect(f.game.connect(f.challenger).pick(gameId, playersOf(setup), encodeState(s), 0, p.start, forged, p.siblings, { value: MOVE_BOND }))
      .to.be.revertedWithCustomError(f.game, "GameProofInvalid").withArgs(encodeBytes32String("segment"));
    // Nor can a pick claim the agreed start is anything but claimLo.
    await expect(f.game.connect(f.challenger).pick(gameId, playersOf(setup), encodeState(s), 0, forged, p.end, p.siblings, { value: MOVE_BOND }))
      .to.be.revertedWithCustomError(f.game, "GameProofInvalid");
    // The honest proof of the same segment is taken.
    await f.game.connect(f.challenger).pick(gameId, playersOf(setup), encodeState(s), 0, p.start, p.end, p.siblings, { value: MOVE_BOND });
  });

  it("a pick with a wrong sibling, a sibling too few, or a segment under another index reverts", async () => {
    const { f, gameId, setup, s, posted } = await playTo(Phase.StatesPick);
    const k = posted.length + 1;
    const p = segmentProof(s.claimLo, posted, s.claimHi, 1);
    const players = playersOf(setup);
    const bad = [...p.siblings];
    bad[bad.length - 1] = keccak256(bad[bad.length - 1]!) as `0x${string}`;
    await expect(f.game.connect(f.challenger).pick(gameId, players, encodeState(s), 1, p.start, p.end, bad, { value: MOVE_BOND })).to.be.revertedWithCustomError(f.game, "GameProofInvalid");
    await expect(f.game.connect(f.challenger).pick(gameId, players, encodeState(s), 1, p.start, p.end, p.siblings.slice(1), { value: MOVE_BOND })).to.be.revertedWithCustomError(f.game, "SegmentTreeBadProofLength");
    await expect(f.game.connect(f.challenger).pick(gameId, players, encodeState(s), 0, p.start, p.end, p.siblings, { value: MOVE_BOND })).to.be.revertedWithCustomError(f.game, "GameProofInvalid");
    await expect(f.game.connect(f.challenger).pick(gameId, players, encodeState(s), k, p.start, p.end, p.siblings, { value: MOVE_BOND })).to.be.revertedWithCustomError(f.game, "GameBadPick").withArgs(k, k);
  });

  it("a state whose cursor field overflows cannot be encoded off-chain either", () => {
    const base = { phase: Phase.StatesPost, height: 0, outDtype: 0, lo: 0, hi: 2, node: 0, position: 0n, element: 0n, outBytes: 0 };
    expect(() => packCursor({ ...base, lo: 2 ** 32 })).to.throw(CursorOverflowError);
    expect(() => packCursor({ ...base, element: 2n ** 40n })).to.throw(CursorOverflowError);
    expect(unpackCursor(packCursor({ ...base, element: 2n ** 40n - 1n, outBytes: 2 ** 40 - 1 }))).to.deep.equal({ ...base, element: 2n ** 40n - 1n, outBytes: 2 ** 40 - 1 });
  });
});

describe("dispute game: a node the verifier cannot judge rules against the prover", function () {
  this.timeout(60_000);

  it("the transition of an unsupported node decides the game for the challenger, and the market settles it", async () => {
    const f = await networkHelpers.loadFixture(deployGame);
    const liar = liarTrace(1, 0, 1);
    await f.oracle.setUnsupported(keccak256(toHex(commitment.descriptors[1]!)), encodeBytes32String("opcode"));
    const { gameId, setup, state } = await postAndChallenge(f, liar.values);
    const out = await play(f, gameId, setup, state, liar.trace, honestSide);
    expect(out.status).to.equal(CHALLENGER_WON);
    expect(out.timedOut).to.equal(null);
    expect(out.last.phase).to.equal(Phase.Transition);
    expect(out.last.lo).to.equal(1);
    await f.market.settleGame(gameId);
    expect((await f.market.job(1)).status).to.equal(5n); // Faulted
  });

  it("an honest prover is never caught by it: a supported node's transition goes on to the descent", async () => {
    const f = await networkHelpers.loadFixture(deployGame);
    const liar = liarTrace(1, 0, 1);
    // Another node is unsupported; the disputed one is not.
    await f.oracle.setUnsupported(keccak256(toHex(commitment.descriptors[0]!)), encodeBytes32String("opcode"));
    const { gameId, setup, state } = await postAndChallenge(f, liar.values);
    const out = await play(f, gameId, setup, state, liar.trace, honestSide);
    expect(out.status).to.equal(CHALLENGER_WON);
    expect(out.last.phase).to.equal(Phase.OneStep);
  });
});

/** A challenger trace that disagrees from S_1 on (its lie is in node 0). */
function runLiarChallengerTrace(): Trace {
  return new Trace(commitment, runWithFault(model, { x: TINY_INPUT }, { node: 0, element: 0, delta: 5 }).values);
}

void Phase;
