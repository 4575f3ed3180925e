/**
 * DESIGN.md: "a descriptor outside the supported set, or over a limit, rules against the prover".
 * The router's `judges` view answers, without reverting, whether the deployed verifier can judge a
 * node; the game asks it at the transition, where the prover proves the registered descriptor,
 * and an unsupported node decides the game for the challenger. An honest prover on a profile model
 * is never caught by it: every node of the project CNN, of the generated quantized MLPs and CNNs
 * and of every single-node profile model passes.
 */
import { expect } from "chai";
import { encodeBytes32String, ZeroHash } from "ethers";
import { readFileSync } from "node:fs";
import { network } from "hardhat";
import { DEVNET_PARAMS, deployProtocol, deployVerifiers } from "../../offchain/chain/deploy.js";
import { DisputeGame__factory, JobMarket__factory, ModelRegistry__factory, OneStepRouter__factory } from "../../offchain/chain/contracts.js";
import { descriptorLeaf } from "../../offchain/engine/commit/descriptor.js";
import { Tag, taggedHash, toHex, type Hex32 } from "../../offchain/engine/commit/hash.js";
import { modelId } from "../../offchain/engine/commit/model-id.js";
import { commitModel, fileHash, type ModelCommitment } from "../../offchain/engine/commit/model-commit.js";
import { WordTree } from "../../offchain/engine/commit/word-tree.js";
import { FaultError, runWithFault } from "../../offchain/engine/exec/fault.js";
import { runReference } from "../../offchain/engine/exec/reference.js";
import { decodeModel } from "../../offchain/engine/onnx/decode.js";
import { singleNodeModel } from "../../offchain/engine/onnx/encode.js";
import type { Model } from "../../offchain/engine/onnx/types.js";
import { tensorBytes, type Tensor } from "../../offchain/engine/tensor.js";
import { gameTrace } from "../../offchain/game/game-trace.js";
import { playGame } from "../../offchain/game/play.js";
import type { GameTrace } from "../../offchain/game/solver.js";
import { projectSteps } from "../../offchain/game/steps.js";
import { Trace } from "../../offchain/game/trace.js";
import { Phase, setupFromEvent, stateFromEvent } from "../../offchain/game/types.js";
import { digitSamples } from "../../offchain/quantize/data/digit-samples.js";
import { mnistSplit } from "../../offchain/quantize/data/mnist.js";
import { projectModel } from "../../offchain/quantize/project/project-model.js";
import { profileModels } from "../engine/support/profile-models.js";
import { quantizedCnn, quantizedMlp } from "../engine/support/quantized-models.js";
import { inputTypes } from "./support/step-harness.js";

const { ethers, networkHelpers } = await network.getOrCreate();

const GAME = { moveBond: 10n ** 15n, clockBudget: 900, clockExtension: 120, fanout: 16, descentLevels: 3 };
const FEE = 10n ** 16n;
const reason = (s: string) => encodeBytes32String(s);

async function deployRouter() {
  const [deployer] = await ethers.getSigners();
  const v = await deployVerifiers(deployer!);
  return OneStepRouter__factory.connect(v.router, deployer);
}

/** The same model with node `node`'s descriptor edited: a new node tree, parts and model id. */
function withDescriptor(c: ModelCommitment, node: number, edit: (d: Buffer) => void): ModelCommitment {
  const descriptors = c.descriptors.map((d, i) => {
    const b = Buffer.from(d);
    if (i === node) edit(b);
    return b;
  });
  const nodeTree = new WordTree(Tag.NODE_TREE_NODE, descriptors.map(descriptorLeaf));
  const parts = { ...c.parts, nodeRoot: toHex(nodeTree.root) };
  return { ...c, descriptors, nodeTree, parts, modelId: modelId(parts) };
}

/** A type word: dtype, rank, dims (3 bytes each). */
function typeWord(dtype: number, dims: readonly number[]): Hex32 {
  const b = Buffer.alloc(32);
  b[0] = dtype;
  b[1] = dims.length;
  dims.forEach((d, i) => b.writeUIntBE(d, 2 + 3 * i, 3));
  return toHex(b);
}

describe("unsupported nodes rule against the prover", function () {
  this.timeout(600_000);

  it("judges every node of the project CNN, the generated quantized models and every profile model supported", async () => {
    const router = await networkHelpers.loadFixture(deployRouter);
    const models: [string, Model][] = [["project CNN", decodeModel(readFileSync((await projectModel()).quantizedPath))]];
    models.push(["MLP 784-12-12-10", quantizedMlp([784, 12, 12, 10]).model], ["CNN 8/24", quantizedCnn(8, 24).model]);
    for (const [name, spec] of Object.entries(profileModels())) models.push([name, singleNodeModel(spec)]);
    let nodes = 0;
    for (const [name, model] of models) {
      const c = commitModel(model);
      for (let i = 0; i < c.parts.nodeCount; i++) {
        const [ok, why] = await router.judges(toHex(c.descriptors[i]!), inputTypes(c, i));
        expect(ok, `${name} node ${i} (${c.nodes[i]!.opType}): ${why}`).to.equal(true);
        nodes++;
      }
    }
    expect(nodes).to.be.greaterThan(40);
  });

  it("answers false, naming the reason, for a descriptor outside the set or over a limit (never reverts)", async () => {
    const router = await networkHelpers.loadFixture(deployRouter);
    const cnn = commitModel(quantizedCnn(8, 24).model);
    const conv = cnn.nodes.findIndex((n) => n.opType === "QLinearConv");
    const base = Buffer.from(cnn.descriptors[conv]!);
    const types = inputTypes(cnn, conv);
    const edit = (f: (d: Buffer) => void) => {
      const d = Buffer.from(base);
      f(d);
      return toHex(d);
    };
    const cases: [string, string, readonly Hex32[], string][] = [
      ["semantics version 2", edit((d) => (d[1] = 2)), types, "semantics version"],
      ["opcode 0", edit((d) => (d[0] = 0)), types, "opcode"],
      ["opcode 23", edit((d) => (d[0] = 23)), types, "opcode"],
      ["17 inputs", edit((d) => (d[2] = 17)), [...types, ...Array(17 - types.length).fill(ZeroHash)], "input count"],
      ["input type of rank 9", base.toString("hex"), [typeWord(3, [1, 1, 1, 1, 1, 1, 1, 1]).replace(/^0x0308/, "0x0309") as Hex32, ...types.slice(1)], "input type"],
      ["float16 input", base.toString("hex"), [typeWord(10, [1, 8, 4, 4]), ...types.slice(1)], "input type"],
      ["input whose tree is deeper than 32", base.toString("hex"), [typeWord(6, [0xffffff, 0xffffff]), ...types.slice(1)], "input type"],
      ["output whose tree is deeper than 32", edit((d) => Buffer.from(typeWord(6, [0xffffff, 0xffffff]).slice(2), "hex").copy(d, 96)), types, "output type"],
      ["an accumulating descriptor with a flag the opcode does not define", edit((d) => d.writeUInt32BE(d.readUInt32BE(8 * 32 + 24) | 128, 8 * 32 + 24)), types, "refused by its family"],
      ["a descriptor of 287 bytes", toHex(base.subarray(0, 287)), types, "descriptor length"],
    ];
    for (const [what, d, ts, why] of cases) {
      const descriptor = d.startsWith("0x") ? d : `0x${d}`;
      const [ok, got] = await router.judges(descriptor, [...ts]);
      expect(ok, what).to.equal(false);
      expect(got, what).to.equal(reason(why));
    }
  });

  /** The project CNN with a lie in `node` that survives to the outputs. */
  async function cnnLie(node: number) {
    const cnnModel = decodeModel(readFileSync((await projectModel()).quantizedPath));
    const feeds = new Map(digitSamples(cnnModel, mnistSplit().evaluation.slice(0, 1))[0]!.feeds) as Map<string, Tensor>;
    for (const element of [0, 5, 17, 40, 99]) {
      try {
        return { cnnModel, feeds, lie: runWithFault(cnnModel, feeds, { node, element, delta: 9 }) };
      } catch (e) {
        if (!(e instanceof FaultError)) throw e;
      }
    }
    throw new Error(`no surviving lie in node ${node}`);
  }

  /** Registers `c`, posts the lie, challenges it and plays the game with the solver on both sides. */
  async function disputeOn(c: ModelCommitment, cnnModel: Model, feeds: Map<string, Tensor>, lie: ReturnType<typeof runWithFault>, adapt: (t: GameTrace) => GameTrace = (t) => t) {
    const [deployer, requester, prover, challenger] = await ethers.getSigners();
    const { deployment } = await deployProtocol(deployer!, { market: { ...DEVNET_PARAMS }, game: GAME });
    const registry = ModelRegistry__factory.connect(deployment.registry, deployer);
    const market = JobMarket__factory.connect(deployment.market!, deployer);
    const game = DisputeGame__factory.connect(deployment.disputeGame!, deployer);
    const p = c.parts;
    await registry.register(c.modelId, { ...p, inputs: [...p.inputs], outputs: [...p.outputs], opsets: [...p.opsets] }, fileHash(Buffer.from("foreign")), "file://foreign.onnx");
    const deadline = (await networkHelpers.time.latest()) + 3600;
    await market.connect(requester).submitJob(c.modelId, cnnModel.graph.inputs.map((v) => Uint8Array.from(tensorBytes(feeds.get(v.name)!))), ethers.ZeroAddress, deadline, { value: FEE });
    await market.connect(prover).claimJob(1, { value: DEVNET_PARAMS.proverBond });
    await market.connect(prover).postResult(1, cnnModel.graph.outputs.map((o) => Uint8Array.from(tensorBytes(lie.values.get(o.name)!))));
    const receipt = (await (await market.connect(challenger).challenge(1, { value: DEVNET_PARAMS.challengerBond })).wait())!;
    const opened = receipt.logs.map((l) => { try { return game.interface.parseLog(l); } catch { return null; } }).find((e) => e?.name === "GameOpened")!;
    const gameId = opened.args.gameId as bigint;
    const honest = new Trace(c, runReference(cnnModel, feeds));
    const played = await playGame(
      game,
      gameId,
      setupFromEvent(opened.args.setup),
      stateFromEvent(opened.args.state),
      { prover: { signer: prover!, trace: adapt(gameTrace(new Trace(c, lie.values), projectSteps)) }, challenger: { signer: challenger!, trace: adapt(gameTrace(honest, projectSteps)) } },
      (s) => networkHelpers.time.increase(s).then(() => undefined),
    );
    const [resolved] = await game.queryFilter(game.filters.GameResolved(gameId));
    await market.settleGame(gameId);
    return { played, reason: resolved!.args.reason as string, market, requester: requester!, challenger: challenger! };
  }

  it("a node whose types the family refuses only inside its step (Flatten over a wrong element count): the step decides for the challenger instead of reverting", async () => {
    const { cnnModel, feeds, lie } = await cnnLie(5);
    const base = commitModel(cnnModel);
    expect(base.nodes[lie.node]!.opType).to.equal("Flatten");
    // The registered descriptor names an input type of another element count (word 4 commits it).
    const forged = inputTypes(base, lie.node).map((w, i) => (i === 0 ? typeWord(3, [1, 4, 4, 3]) : w));
    const c = withDescriptor(base, lie.node, (d) => taggedHash(Tag.NODE_INPUT_TYPES, ...forged.map((w) => Buffer.from(w.slice(2), "hex"))).copy(d, 4 * 32));
    const adapt = (t: GameTrace): GameTrace => ({ ...t, inputTypes: (n) => (n === lie.node ? forged : t.inputTypes(n)) });
    const out = await disputeOn(c, cnnModel, feeds, lie, adapt);
    expect(out.played.status).to.equal(3n); // ChallengerWon
    expect(out.played.timedOut).to.equal(null);
    expect(out.played.moves.at(-1)!.kind).to.equal("step");
    expect(out.reason).to.equal(reason("step not judged"));
    expect((await out.market.job(1)).status).to.equal(5n); // Faulted
  });

  it("a registered model with a node of another semantics version: a prover posting on it loses the dispute of that node at the transition, and the market settles it", async () => {
    const { cnnModel, feeds, lie } = await cnnLie(2);
    // Node lie.node carries semantics version 2: a model outside what the deployed verifier judges.
    const c = withDescriptor(commitModel(cnnModel), lie.node, (d) => (d[1] = 2));
    const { played, reason: why, market, requester, challenger } = await disputeOn(c, cnnModel, feeds, lie);
    expect(played.status).to.equal(3n); // ChallengerWon
    expect(played.timedOut).to.equal(null);
    expect(played.last.phase).to.equal(Phase.Transition);
    expect(played.last.lo).to.equal(lie.node);
    expect(played.moves.at(-1)!.kind).to.equal("transition");
    expect(why).to.equal(reason("semantics version"));
    expect((await market.job(1)).status).to.equal(5n); // Faulted
    expect(await market.credits(requester.address)).to.equal(FEE);
    expect(await market.credits(challenger.address)).to.be.greaterThan(DEVNET_PARAMS.challengerBond);
  });
});
