/**
 * DESIGN.md, "The dispute game": "a descriptor outside the supported set, or over a limit, rules
 * against the prover". The registry checks only that a model's parts fold to its id (node
 * descriptors enter only through nodeRoot), so anyone can register a model whose node descriptor
 * the verifiers refuse. Before the game judged nodes at the transition, the honest challenger's
 * move reverted inside the verifier there (pickElement -> AccumulateUnsupported; step ->
 * RouterUnsupportedOpcode) and the LYING prover won on the clock. These tests pin the fix: the
 * transition that reveals such a node decides the game for the challenger.
 * The off-chain tools refuse such a model (commitModel: "outside the int8 profile"), so the
 * commitments below are built from an inside-the-profile model with one descriptor patched.
 */
import { expect } from "chai";
import { decodeBytes32String } from "ethers";
import { Tag, toHex } from "../../offchain/engine/commit/hash.js";
import { descriptorLeaf } from "../../offchain/engine/commit/descriptor.js";
import { commitModel, type ModelCommitment } from "../../offchain/engine/commit/model-commit.js";
import { modelId } from "../../offchain/engine/commit/model-id.js";
import { WordTree } from "../../offchain/engine/commit/word-tree.js";
import { runWithFault } from "../../offchain/engine/exec/fault.js";
import { runReference } from "../../offchain/engine/exec/reference.js";
import { attr } from "../../offchain/engine/onnx/encode.js";
import type { Model } from "../../offchain/engine/onnx/types.js";
import { gameTrace } from "../../offchain/game/game-trace.js";
import { projectSteps } from "../../offchain/game/steps.js";
import { Trace } from "../../offchain/game/trace.js";
import { Phase } from "../../offchain/game/types.js";
import { tinyModel, TINY_INPUT } from "../engine/support/tiny-model.js";
import { challenge, deployWorld, LiveGame, postResult, Status, submitAndClaim } from "./support/game-harness.js";

const feeds = new Map([["x", TINY_INPUT]]);

/** `inside`'s commitment with node `node`'s descriptor patched, and the id refolded. */
function patched(inside: Model, node: number, patch: (d: Buffer) => void, nodes = inside.graph.nodes): ModelCommitment {
  const c = commitModel(inside);
  const descriptors = c.descriptors.map((d, i) => {
    const b = Buffer.from(d);
    if (i === node) patch(b);
    return b;
  });
  const nodeTree = new WordTree(Tag.NODE_TREE_NODE, descriptors.map(descriptorLeaf));
  const parts = { ...c.parts, nodeRoot: toHex(nodeTree.root) };
  return { ...c, descriptors, nodeTree, parts, modelId: modelId(parts), nodes };
}

/** A lying prover against an honest challenger on `commitment`; the game's end. */
async function dispute(model: Model, commitment: ModelCommitment, lie: { node: number; element: number; delta: number }) {
  const honestValues = runReference(model, feeds);
  const wrong = runWithFault(model, feeds, lie).values;
  const w = await deployWorld(model, undefined, undefined, commitment);
  const [, requester, prover, challenger] = w.signers;
  const jobId = await submitAndClaim(w, requester!, prover!, feeds);
  await postResult(w, prover!, jobId, wrong);
  const opened = await challenge(w, challenger!, jobId);
  const side = (values: typeof wrong) => gameTrace(new Trace(commitment, values), projectSteps);
  const g = new LiveGame(w, opened, { signer: prover!, trace: side(wrong) }, { signer: challenger!, trace: side(honestValues) });
  return { w, g };
}

/** Plays to the transition; the prover's transition move itself must decide for the challenger. */
async function expectDecidedAtTransition(w: Awaited<ReturnType<typeof dispute>>["w"], g: LiveGame): Promise<void> {
  while (!g.done && g.state.phase !== Phase.Transition && (await g.step()));
  expect(g.state.phase).to.equal(Phase.Transition);
  expect(g.toMove).to.equal("prover");
  await g.send();
  expect(g.done, "the transition decides the game").to.equal(true);
  expect(await w.game.gameStatus(g.gameId), "the lying prover must lose on an unsupported descriptor").to.equal(Status.ChallengerWon);
  const [resolved] = await w.game.queryFilter(w.game.filters.GameResolved(g.gameId));
  expect(resolved, "a GameResolved event").to.not.equal(undefined);
  expect(decodeBytes32String(resolved!.args.reason)).to.not.match(/timed out/);
}

describe("a registered descriptor outside the supported set rules against the prover (DESIGN.md)", function () {
  this.timeout(60_000);

  it("an ArgMax with select_last_index = 1 in a registered model: the honest challenger of a lie there wins when the prover's transition reveals the node", async () => {
    const base = tinyModel();
    const selectLast: Model = { ...base, graph: { ...base.graph, nodes: base.graph.nodes.map((n) => (n.opType === "ArgMax" ? { ...n, attributes: { ...n.attributes, select_last_index: attr.int(1) } } : n)) } };
    // Word 5 byte 5 of ArgMax's descriptor is select_last_index (offchain/engine/commit/descriptor.ts).
    const commitment = patched(base, 4, (d) => (d[5 * 32 + 5] = 1), selectLast.graph.nodes);
    const { w, g } = await dispute(selectLast, commitment, { node: 4, element: 0, delta: 1 });
    await expectDecidedAtTransition(w, g);
  });

  it("an opcode outside semantics version 1 (23) in a registered model: the honest challenger of a lie there wins when the prover's transition reveals the node", async () => {
    const model = tinyModel();
    // Node 2 (Reshape, opcode 15) relabelled 23.
    const commitment = patched(model, 2, (d) => (d[0] = 23));
    const { w, g } = await dispute(model, commitment, { node: 2, element: 1, delta: 2 });
    await expectDecidedAtTransition(w, g);
  });
});
