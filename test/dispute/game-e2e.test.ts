/**
 * The dispute game end to end on the in-process chain with the REAL one-step verifiers (the
 * router over the quant, elementwise, layout and accumulate families) and the project's quantized
 * CNN on a real digit: a result falsified in one element of one inner node is challenged and the
 * prover slashed; a correct result challenged by a liar stands and the liar is slashed.
 */
import { expect } from "chai";
import { readFileSync } from "node:fs";
import { network } from "hardhat";
import { DEVNET_PARAMS, deployProtocol } from "../../offchain/chain/deploy.js";
import { DisputeGame__factory, JobMarket__factory, ModelRegistry__factory } from "../../offchain/chain/contracts.js";
import { commitModel, fileHash } from "../../offchain/engine/commit/model-commit.js";
import { runReference } from "../../offchain/engine/exec/reference.js";
import { FaultError, runWithFault } from "../../offchain/engine/exec/fault.js";
import { decodeModel } from "../../offchain/engine/onnx/decode.js";
import { tensorBytes, type Tensor } from "../../offchain/engine/tensor.js";
import { gameTrace } from "../../offchain/game/game-trace.js";
import { playGame } from "../../offchain/game/play.js";
import type { GameTrace } from "../../offchain/game/solver.js";
import { projectSteps } from "../../offchain/game/steps.js";
import { Trace } from "../../offchain/game/trace.js";
import { challengerMoves, encodeState, Phase, playersOf, setupFromEvent, stateFromEvent, stateHash } from "../../offchain/game/types.js";
import { sendMove } from "../../offchain/game/responder.js";
import { nextMove } from "../../offchain/game/solver.js";
import { Tag, taggedHash, type Hex32 } from "../../offchain/engine/commit/hash.js";
import { encodeBytes32String, keccak256 } from "ethers";
import { digitSamples } from "../../offchain/quantize/data/digit-samples.js";
import { mnistSplit } from "../../offchain/quantize/data/mnist.js";
import { projectModel } from "../../offchain/quantize/project/project-model.js";

const { ethers, networkHelpers } = await network.getOrCreate();

const GAME = { moveBond: 10n ** 15n, clockBudget: 900, clockExtension: 120, fanout: 16, descentLevels: 4 };
const FEE = 10n ** 16n;

describe("dispute game end to end: project CNN, real one-step verifiers", function () {
  this.timeout(300_000);
  let bytes: Buffer;
  let model: ReturnType<typeof decodeModel>;
  let commitment: ReturnType<typeof commitModel>;
  let feeds: Map<string, Tensor>;
  let honest: Trace;

  before(async () => {
    const paths = await projectModel();
    bytes = readFileSync(paths.quantizedPath);
    model = decodeModel(bytes);
    commitment = commitModel(model);
    feeds = new Map(digitSamples(model, mnistSplit().evaluation.slice(0, 1))[0]!.feeds);
    honest = new Trace(commitment, runReference(model, feeds));
  });

  async function deploy() {
    const [deployer, requester, prover, challenger] = await ethers.getSigners();
    const { deployment } = await deployProtocol(deployer, { market: { ...DEVNET_PARAMS }, game: GAME });
    const registry = ModelRegistry__factory.connect(deployment.registry, deployer);
    const market = JobMarket__factory.connect(deployment.market!, deployer);
    const game = DisputeGame__factory.connect(deployment.disputeGame!, deployer);
    const p = commitment.parts;
    await registry.register(commitment.modelId, { ...p, inputs: [...p.inputs], outputs: [...p.outputs], opsets: [...p.opsets] }, fileHash(bytes), "file://project-cnn.int8.onnx");
    const deadline = (await networkHelpers.time.latest()) + 3600;
    const inputs = model.graph.inputs.map((v) => Uint8Array.from(tensorBytes(feeds.get(v.name)!)));
    await market.connect(requester).submitJob(commitment.modelId, inputs, ethers.ZeroAddress, deadline, { value: FEE });
    await market.connect(prover).claimJob(1, { value: DEVNET_PARAMS.proverBond });
    return { requester, prover, challenger, market, game };
  }

  /** Posts the prover's outputs, opens a game and plays it out with the solver on both sides. */
  async function dispute(f: Awaited<ReturnType<typeof deploy>>, proverValues: ReadonlyMap<string, Tensor>, proverSide: GameTrace, challengerSide: GameTrace) {
    await f.market.connect(f.prover).postResult(1, model.graph.outputs.map((o) => Uint8Array.from(tensorBytes(proverValues.get(o.name)!))));
    const receipt = (await (await f.market.connect(f.challenger).challenge(1, { value: DEVNET_PARAMS.challengerBond })).wait())!;
    const opened = receipt.logs.map((l) => { try { return f.game.interface.parseLog(l); } catch { return null; } }).find((e) => e?.name === "GameOpened")!;
    const gameId = opened.args.gameId as bigint;
    const played = await playGame(
      f.game,
      gameId,
      setupFromEvent(opened.args.setup),
      stateFromEvent(opened.args.state),
      { prover: { signer: f.prover, trace: proverSide }, challenger: { signer: f.challenger, trace: challengerSide } },
      (seconds) => networkHelpers.time.increase(seconds).then(() => undefined),
    );
    const { moves, gas, last: state, timedOut } = played;
    console.log(`      game: ${moves.length} moves, ${gas} gas, ${played.wallMs} ms, ended at node ${state.node} element ${state.element} (${timedOut ? `${timedOut} timed out` : "one-step"})`);
    return { gameId, moves, gas, state, timedOut };
  }

  /** A lie in an inner node that survives to the outputs (ReLU, pooling and saturation swallow many). */
  function innerLie(): { values: Map<string, Tensor>; node: number; element: number } {
    const last = commitment.parts.nodeCount - 1;
    for (let node = 1; node < last; node++) {
      for (const element of [0, 5, 17, 40, 99]) {
        try {
          return runWithFault(model, feeds, { node, element, delta: 9 });
        } catch (e) {
          if (!(e instanceof FaultError)) throw e;
        }
      }
    }
    throw new Error("no surviving inner lie found");
  }

  it("a result falsified in one element of one inner node is challenged, bisected to that step and the prover slashed", async () => {
    const f = await networkHelpers.loadFixture(deploy);
    const lie = innerLie();
    const liar = gameTrace(new Trace(commitment, lie.values), projectSteps);
    const out = await dispute(f, lie.values, liar, gameTrace(honest, projectSteps));
    expect(await f.game.gameStatus(out.gameId)).to.equal(3n);
    expect(out.timedOut).to.equal(null);
    expect(out.state.node).to.equal(lie.node);
    await f.market.settleGame(out.gameId);
    const job = await f.market.job(1);
    expect(job.status).to.equal(5n); // Faulted
    expect(await f.market.credits(f.requester.address)).to.equal(FEE);
    expect(await f.market.credits(f.challenger.address)).to.be.greaterThan(DEVNET_PARAMS.challengerBond + DEVNET_PARAMS.proverBond - (DEVNET_PARAMS.proverBond * 2000n) / 10000n);
  });

  it("a correct result challenged by a liar stands, the liar times out and is slashed", async () => {
    const f = await networkHelpers.loadFixture(deploy);
    const lie = innerLie();
    const liar = gameTrace(new Trace(commitment, lie.values), projectSteps);
    const out = await dispute(f, honest.values, gameTrace(honest, projectSteps), liar);
    expect(await f.game.gameStatus(out.gameId)).to.equal(2n);
    expect(out.timedOut).to.equal("challenger");
    await f.market.settleGame(out.gameId);
    await networkHelpers.time.increase(DEVNET_PARAMS.challengeWindow + 1);
    await f.market.finalize(1);
    const burn = (DEVNET_PARAMS.challengerBond * 2000n) / 10000n;
    expect(await f.market.credits(f.prover.address)).to.be.greaterThanOrEqual(FEE + DEVNET_PARAMS.proverBond + DEVNET_PARAMS.challengerBond - burn);
  });

  it("a pickChild naming a node the prover never revealed, or with a wrong sibling, reverts; the revealed one is taken", async () => {
    const f = await networkHelpers.loadFixture(deploy);
    const lie = innerLie();
    const liar = gameTrace(new Trace(commitment, lie.values), projectSteps);
    await f.market.connect(f.prover).postResult(1, model.graph.outputs.map((o) => Uint8Array.from(tensorBytes(lie.values.get(o.name)!))));
    const receipt = (await (await f.market.connect(f.challenger).challenge(1, { value: DEVNET_PARAMS.challengerBond })).wait())!;
    const opened = receipt.logs.map((l) => { try { return f.game.interface.parseLog(l); } catch { return null; } }).find((e) => e?.name === "GameOpened")!;
    const gameId = opened.args.gameId as bigint;
    const setup = setupFromEvent(opened.args.setup);
    let s = stateFromEvent(opened.args.state);
    let posted: Hex32[] = [];
    const params = { fanout: GAME.fanout, descentLevels: GAME.descentLevels };
    while (s.phase !== Phase.DescendPick) {
      const role = challengerMoves(s.phase) ? "challenger" : "prover";
      const move = nextMove(role, s, role === "prover" ? liar : gameTrace(honest, projectSteps), params, posted);
      const r = await sendMove(f.game.connect(role === "prover" ? f.prover : f.challenger) as typeof f.game, gameId, setup, s, move);
      s = r.state!;
      posted = r.posted;
    }
    const players = playersOf(setup);
    const sibs = (i: number) => {
      // The siblings of revealed node i under the disputed node (tensor-node hashing), bottom first.
      let level: Buffer[] = posted.map((n) => Buffer.from(n.slice(2), "hex"));
      const out: string[] = [];
      let j = i;
      while (level.length > 1) {
        out.push(`0x${level[j ^ 1]!.toString("hex")}`);
        level = Array.from({ length: level.length / 2 }, (_, q) => taggedHash(Tag.TENSOR_NODE, level[2 * q]!, level[2 * q + 1]!));
        j >>= 1;
      }
      return out;
    };
    const bond = { value: GAME.moveBond };
    await expect(f.game.connect(f.challenger).pickChild(gameId, players, encodeState(s), 0, keccak256("0x99"), sibs(0), bond))
      .to.be.revertedWithCustomError(f.game, "GameProofInvalid").withArgs(encodeBytes32String("child"));
    const wrong = sibs(0);
    wrong[0] = keccak256(wrong[0]!);
    await expect(f.game.connect(f.challenger).pickChild(gameId, players, encodeState(s), 0, posted[0]!, wrong, bond)).to.be.revertedWithCustomError(f.game, "GameProofInvalid");
    // A revealed node proven at another index does not stand in either.
    await expect(f.game.connect(f.challenger).pickChild(gameId, players, encodeState(s), 1, posted[0]!, sibs(0), bond)).to.be.revertedWithCustomError(f.game, "GameProofInvalid");
    await f.game.connect(f.challenger).pickChild(gameId, players, encodeState(s), 0, posted[0]!, sibs(0), bond);
    expect(await f.game.stateHash(gameId)).to.not.equal(stateHash(setup, s));
  });

  it("a lie in the last node's last element is refuted at its requantize step", async () => {
    const f = await networkHelpers.loadFixture(deploy);
    const lie = runWithFault(model, feeds, { node: "last", element: "last", delta: 1 });
    const out = await dispute(f, lie.values, gameTrace(new Trace(commitment, lie.values), projectSteps), gameTrace(honest, projectSteps));
    expect(await f.game.gameStatus(out.gameId)).to.equal(3n);
    expect(out.state.node).to.equal(lie.node);
  });
});

