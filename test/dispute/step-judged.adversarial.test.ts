/**
 * "step not judged" must never be reachable by a lying challenger (DisputeGame.step: a verifier
 * revert that `_refusesNode` lists decides the game for the challenger). Those errors are meant
 * to depend on the node alone — its registry-proven descriptor and the type words its word 4
 * commits — or, for LayoutGatherIndexOutOfRange, on an index the verifier has already opened
 * under S_node. Here an HONEST prover faces a LYING challenger at the one-step of a supported
 * node, and the challenger crafts everything it controls (the operand proofs, the descriptor and
 * type words it sends, the element it picks) to provoke one of those errors. Each attempt must
 * revert with an error that is passed back to the challenger; the game stays InProgress and the
 * prover wins on time.
 */
import { expect } from "chai";
import { AbiCoder, decodeBytes32String, type BytesLike } from "ethers";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/types";
import { DEVNET_GAME_PARAMS, DEVNET_PARAMS } from "../../offchain/chain/deploy.js";
import { OneStepRouter__factory } from "../../offchain/chain/contracts.js";
import { Tag, taggedHash, toHex, type Hex32 } from "../../offchain/engine/commit/hash.js";
import { commitModel, type ModelCommitment } from "../../offchain/engine/commit/model-commit.js";
import { encodeTensorType } from "../../offchain/engine/commit/tensor-type.js";
import { leafChunk, merkleRoot } from "../../offchain/engine/commit/tensor-commitment.js";
import { shiftElement } from "../../offchain/engine/exec/fault.js";
import { runReference } from "../../offchain/engine/exec/reference.js";
import { singleNodeModel } from "../../offchain/engine/onnx/encode.js";
import type { Model } from "../../offchain/engine/onnx/types.js";
import { checkProfile } from "../../offchain/engine/profile/check-profile.js";
import { DType, tensorBytes, type Tensor } from "../../offchain/engine/tensor.js";
import { gameTrace } from "../../offchain/game/game-trace.js";
import type { GameTrace, Move } from "../../offchain/game/solver.js";
import { projectSteps } from "../../offchain/game/steps.js";
import { Trace } from "../../offchain/game/trace.js";
import { Phase } from "../../offchain/game/types.js";
import { feedsFor, profileModels } from "../engine/support/profile-models.js";
import { tinyModel, TINY_INPUT } from "../engine/support/tiny-model.js";
import { accumulationLie, call, challenge, deployWorld, LiveGame, networkHelpers, postResult, revertOf, Status, submitAndClaim } from "./support/game-harness.js";

const OPERAND_PROOFS = "tuple(bytes32 slotCommitment, bytes32[] slotSiblings, bytes32 tensorRoot, bytes32 left, bytes32 right, bytes32[] pairSiblings)[]";
const coder = AbiCoder.defaultAbiCoder();
/** The errors DisputeGame._refusesNode turns into "step not judged". */
const NODE_ERRORS = /^(StepTypeMismatch|StepAttributeInvalid|StepUnsupportedOpcode|StepInputMissing|AccumulateUnsupported|ConvGeometryInvalid|MatMulGeometryInvalid|DescriptorMalformed|TensorTypeInvalid|LayoutGatherIndexOutOfRange)$/;

interface Opening {
  slotCommitment: string;
  slotSiblings: string[];
  tensorRoot: string;
  left: string;
  right: string;
  pairSiblings: string[];
}

const decodeProofs = (proof: string): Opening[] => {
  const [ps] = coder.decode([OPERAND_PROOFS], proof) as unknown as [Opening[]];
  return Array.from(ps, (p) => ({
    slotCommitment: p.slotCommitment,
    slotSiblings: Array.from(p.slotSiblings),
    tensorRoot: p.tensorRoot,
    left: p.left,
    right: p.right,
    pairSiblings: Array.from(p.pairSiblings),
  }));
};
const encodeProofs = (ps: readonly Opening[]): string => coder.encode([OPERAND_PROOFS], [ps]);
const reasonOf = (args: readonly unknown[]) => decodeBytes32String(args[args.length - 1] as string);
const flipByte = (h: string, byte: number): Hex32 => {
  const b = Buffer.from(h.slice(2), "hex");
  b[byte] = b[byte]! ^ 0xff;
  return toHex(b);
};

/** A little-endian int64 lane of `value` written into a copy of 32-byte word `word` at byte `at`. */
function withInt64(word: string, at: number, value: bigint): Hex32 {
  const b = Buffer.from(word.slice(2), "hex");
  b.writeBigInt64LE(value, at);
  return toHex(b);
}

/* ------------------------------------------------------------------------------------------ */
/* Gather: the node whose one listed error (LayoutGatherIndexOutOfRange) reads an operand.     */
/* ------------------------------------------------------------------------------------------ */

const GATHER_SPEC = profileModels()["Gather with constant indices"]!;
const gatherModel = singleNodeModel(GATHER_SPEC);
const gatherCommitment = commitModel(gatherModel);
const gatherFeeds = new Map(Object.entries(feedsFor(GATHER_SPEC))) as Map<string, Tensor>;
const gatherHonestValues = runReference(gatherModel, gatherFeeds);
/** Output element 4 of the [3, 3] output reads index position j = 1 (index -4: it wraps to row 0). */
const GATHER_ELEMENT = 4;
const GATHER_J = 1;
const traceOf = (model: Model, c: ModelCommitment, values: ReadonlyMap<string, Tensor>): GameTrace => gameTrace(new Trace(c, values), projectSteps);
const gatherHonest = traceOf(gatherModel, gatherCommitment, gatherHonestValues);
/** A watcher who believes Gather's element 4 is 5 higher than it is. */
const gatherLiar = traceOf(
  gatherModel,
  gatherCommitment,
  runReference(gatherModel, gatherFeeds, { afterNode: (i, out) => (i === 0 ? shiftElement(out, GATHER_ELEMENT, 5) : out) }),
);

async function gatherFixture() {
  const w = await deployWorld(gatherModel, { ...DEVNET_PARAMS }, { ...DEVNET_GAME_PARAMS }, gatherCommitment);
  const [, requester, prover, challenger, anyone] = w.signers as HardhatEthersSigner[];
  const jobId = await submitAndClaim(w, requester!, prover!, gatherFeeds);
  await postResult(w, prover!, jobId, gatherHonestValues);
  const opened = await challenge(w, challenger!, jobId);
  // A fresh driver per test: loadFixture restores the chain, not a cached driver's state.
  return { w, anyone: anyone!, live: () => new LiveGame(w, opened, { signer: prover!, trace: gatherHonest }, { signer: challenger!, trace: gatherLiar }) };
}

/* ------------------------------------------------------------------------------------------ */
/* QLinearMatMul (accumulating): its listed errors read the element the game hands it.         */
/* ------------------------------------------------------------------------------------------ */

const tiny = tinyModel();
const tinyCommitment = commitModel(tiny);
const tinyFeeds = new Map([["x", TINY_INPUT]]);
const tinyHonestValues = runReference(tiny, tinyFeeds);
const tinyHonest = traceOf(tiny, tinyCommitment, tinyHonestValues);
/** A watcher who believes QLinearMatMul's element 1 departs from its third term on. */
const tinyLiar = accumulationLie(
  traceOf(tiny, tinyCommitment, runReference(tiny, tinyFeeds, { afterNode: (i, out) => (i === 1 ? shiftElement(out, 1, -2) : out) })),
  1,
  1,
  3,
  1n,
);

async function tinyFixture() {
  const w = await deployWorld(tiny, { ...DEVNET_PARAMS }, { ...DEVNET_GAME_PARAMS }, tinyCommitment);
  const [, requester, prover, challenger, anyone] = w.signers as HardhatEthersSigner[];
  const jobId = await submitAndClaim(w, requester!, prover!, tinyFeeds);
  await postResult(w, prover!, jobId, tinyHonestValues);
  const opened = await challenge(w, challenger!, jobId);
  return { w, anyone: anyone!, live: () => new LiveGame(w, opened, { signer: prover!, trace: tinyHonest }, { signer: challenger!, trace: tinyLiar }) };
}

async function playUntil(g: LiveGame, phase: Phase): Promise<void> {
  while (!g.done && g.state.phase !== phase) if (!(await g.step())) throw new Error(`stuck before phase ${Phase[phase]}`);
}

async function oneStep(g: LiveGame): Promise<Extract<Move, { kind: "step" }>> {
  await playUntil(g, Phase.OneStep);
  expect(g.state.phase).to.equal(Phase.OneStep);
  const step = g.next();
  if (step.kind !== "step") throw new Error("expected a step");
  // The liar's own proof is honest-shaped: it confirms the honest claim.
  expect((await revertOf(g.send(step))).name, "the liar's own proof").to.equal("GameStepNotRefuted");
  return step;
}

/** Sends `move`; it must revert with an error passed back to the challenger (never a node error). */
async function refused(g: LiveGame, move: Move, what: string): Promise<{ name: string; args: readonly unknown[] }> {
  const r = await revertOf(g.send(move));
  expect(r.name, what).to.not.match(NODE_ERRORS);
  expect(await g.w.game.gameStatus(g.gameId), what).to.equal(Status.InProgress);
  return r;
}

/** The challenger cannot refute: its clock runs out and the honest prover wins. */
async function proverWinsOnTime(g: LiveGame, anyone: HardhatEthersSigner): Promise<void> {
  expect(await g.w.game.gameStatus(g.gameId)).to.equal(Status.InProgress);
  const [left, challengerToMove] = await g.w.game.timeLeft(g.gameId);
  expect(challengerToMove).to.equal(true);
  await networkHelpers.time.increase(Number(left));
  await (await g.w.game.connect(anyone).resolveTimeout(g.gameId)).wait();
  expect(await g.w.game.gameStatus(g.gameId)).to.equal(Status.ProverWon);
}

describe("step not judged: a lying challenger cannot provoke a node error on a supported, honest node", function () {
  this.timeout(300_000);

  describe("LayoutGatherIndexOutOfRange (the index is an operand: it is opened before the range check)", () => {
    it("an honest prover never serves an out-of-range Gather index: the profile refuses the constant and the reference refuses to run it", () => {
      expect(checkProfile(gatherModel).verifiable, "the fixture model is a profile model").to.equal(true);
      const idx = gatherModel.graph.initializers.get("idx")!;
      for (const bad of [4n, -5n, 1n << 40n]) {
        const data = (idx.data as BigInt64Array).slice();
        data[GATHER_J] = bad;
        const inits = new Map(gatherModel.graph.initializers);
        inits.set("idx", { ...idx, data });
        const broken: Model = { ...gatherModel, graph: { ...gatherModel.graph, initializers: inits } };
        const verdict = checkProfile(broken);
        expect(verdict.verifiable, `index ${bad}`).to.equal(false);
        expect(verdict.unsupported.map((u) => u.reason).join("; "), `index ${bad}`).to.match(/out of range|safe integer/);
        expect(() => runReference(broken, gatherFeeds), `index ${bad}`).to.throw(/out of range|safe integer/);
      }
    });

    it("a forged out-of-range index in the opened leaf (honest siblings and roots) reverts OperandProofInvalid, not LayoutGatherIndexOutOfRange", async () => {
      const { live, anyone } = await networkHelpers.loadFixture(gatherFixture);
      const g = live();
      const step = await oneStep(g);
      expect([g.state.node, Number(g.state.element)], "the dispute is at Gather's element 4").to.deep.equal([0, GATHER_ELEMENT]);
      const [indices, data] = decodeProofs(step.proof) as [Opening, Opening];
      // Index j = 1 of int64 indices: bytes 8..15 of the first leaf.
      for (const bad of [3n, 4n, -5n, 100n, (1n << 63n) - 1n, -(1n << 63n)]) {
        const r = await refused(g, { ...step, proof: encodeProofs([{ ...indices, left: withInt64(indices.left, 8 * GATHER_J, bad) }, data]) }, `index ${bad}`);
        expect(r.name, `index ${bad}`).to.equal("OperandProofInvalid");
        expect(reasonOf(r.args), `index ${bad}`).to.equal("pair");
      }
      await proverWinsOnTime(g, anyone);
    });

    it("a self-consistent forged index tensor (its own leaves, tensor root and slot commitment) is refused at the value table: OperandProofInvalid(\"slot\")", async () => {
      const { live, anyone } = await networkHelpers.loadFixture(gatherFixture);
      const g = live();
      const step = await oneStep(g);
      const [indices, data] = decodeProofs(step.proof) as [Opening, Opening];
      const idx = gatherHonestValues.get("idx") ?? gatherModel.graph.initializers.get("idx")!;
      const forgedValues = (idx.data as BigInt64Array).slice();
      forgedValues[GATHER_J] = 100n;
      const bytes = tensorBytes({ ...idx, data: forgedValues });
      const root = merkleRoot(bytes);
      const typeWord = encodeTensorType(DType.INT64, idx.shape);
      const forged: Opening = {
        slotCommitment: toHex(taggedHash(Tag.TENSOR, typeWord, root)),
        slotSiblings: indices.slotSiblings,
        tensorRoot: toHex(root),
        left: toHex(leafChunk(bytes, 0)),
        right: toHex(leafChunk(bytes, 1)),
        pairSiblings: [],
      };
      const r = await refused(g, { ...step, proof: encodeProofs([forged, data]) }, "forged index tensor");
      expect([r.name, reasonOf(r.args)]).to.deep.equal(["OperandProofInvalid", "slot"]);
      // The forged tree under the honest slot commitment: the commitment does not hash to it.
      const r2 = await refused(g, { ...step, proof: encodeProofs([{ ...forged, slotCommitment: indices.slotCommitment }, data]) }, "forged tree, honest commitment");
      expect([r2.name, reasonOf(r2.args)]).to.deep.equal(["OperandProofInvalid", "tensor"]);
      // The forged leaves under the honest root: the pair does not hash to it.
      const r3 = await refused(g, { ...step, proof: encodeProofs([{ ...indices, left: forged.left }, data]) }, "forged leaves, honest root");
      expect([r3.name, reasonOf(r3.args)]).to.deep.equal(["OperandProofInvalid", "pair"]);
      await proverWinsOnTime(g, anyone);
    });

    it("another slot's genuine opening in the indices position (the data tensor, openings swapped) or an opening under another state reverts OperandProofInvalid", async () => {
      const { live, anyone } = await networkHelpers.loadFixture(gatherFixture);
      const g = live();
      const step = await oneStep(g);
      const [indices, data] = decodeProofs(step.proof) as [Opening, Opening];
      const swapped = await refused(g, { ...step, proof: encodeProofs([data, indices]) }, "openings swapped");
      expect(swapped.name).to.equal("OperandProofInvalid");
      const dataTwice = await refused(g, { ...step, proof: encodeProofs([data, data]) }, "the data opening as the index");
      expect(dataTwice.name).to.equal("OperandProofInvalid");
      // The indices' genuine opening under S_1 (the output slot written): not S_node's path.
      const final = new Trace(gatherCommitment, gatherHonestValues);
      const idxSlot = gatherCommitment.descriptors[0]!.readUInt32BE(32 + 4);
      const later = final.operandProof(1, idxSlot, GATHER_J);
      expect(later.slotSiblings).to.not.deep.equal(indices.slotSiblings);
      const r = await refused(g, { ...step, proof: encodeProofs([{ ...later, slotSiblings: [...later.slotSiblings], pairSiblings: [...later.pairSiblings] }, data]) }, "an opening under S_1");
      expect([r.name, reasonOf(r.args)]).to.deep.equal(["OperandProofInvalid", "slot"]);
      await proverWinsOnTime(g, anyone);
    });

    it("a proof list of the wrong length or bytes that are not an OperandProof[] revert with a proof error, not a node error", async () => {
      const { live, anyone } = await networkHelpers.loadFixture(gatherFixture);
      const g = live();
      const step = await oneStep(g);
      const ps = decodeProofs(step.proof);
      const cases: [string, BytesLike][] = [
        ["no openings", encodeProofs([])],
        ["one opening", encodeProofs([ps[0]!])],
        ["three openings", encodeProofs([...ps, ps[1]!])],
        ["empty bytes", "0x"],
        ["a head offset past the end", `0x${"ff".repeat(32)}${"00".repeat(32)}`],
        ["a truncated list", step.proof.slice(0, 2 + 2 * 200)],
      ];
      for (const [what, proof] of cases) {
        const r = await refused(g, { ...step, proof: typeof proof === "string" ? proof : toHex(Buffer.from(proof as Uint8Array)) }, what);
        // A malformed list may also fail Solidity's own calldata checks (empty revert data).
        expect(r.name, what).to.match(/^(StepProofCount|StepProofMalformed|OperandProofInvalid|\(undecoded)/);
      }
      await proverWinsOnTime(g, anyone);
    });
  });

  describe("StepTypeMismatch, TensorTypeInvalid, StepInputMissing, StepUnsupportedOpcode, StepAttributeInvalid (read only the descriptor and its committed type words)", () => {
    it("forged type words at the one-step (indices as float32 or int8, a non-canonical word, another data shape) revert GameProofInvalid(\"input types\")", async () => {
      const { live, anyone } = await networkHelpers.loadFixture(gatherFixture);
      const g = live();
      const step = await oneStep(g);
      const [dataType, idxType] = step.inputTypes as [Hex32, Hex32];
      const nonCanonical = (w: Hex32): Hex32 => flipByte(w, 31);
      const cases: [string, Hex32[]][] = [
        ["indices as float32 (StepTypeMismatch(1, dtype) if believed)", [dataType, toHex(encodeTensorType(DType.FLOAT, [3]))]],
        ["indices as int8", [dataType, toHex(encodeTensorType(DType.INT8, [3]))]],
        ["a non-canonical index word (TensorTypeInvalid if validated)", [dataType, nonCanonical(idxType)]],
        ["an unknown dtype", [flipByte(dataType, 0), idxType]],
        ["data of another shape (StepTypeMismatch(output, shape) if believed)", [toHex(encodeTensorType(DType.INT8, [4, 4])), idxType]],
        ["data of rank 9", [flipByte(dataType, 1), idxType]],
        ["the words swapped", [idxType, dataType]],
      ];
      for (const [what, inputTypes] of cases) {
        const r = await refused(g, { ...step, inputTypes }, what);
        expect([r.name, reasonOf(r.args)], what).to.deep.equal(["GameProofInvalid", "input types"]);
      }
      await proverWinsOnTime(g, anyone);
    });

    it("a type list one short or one long (StepInputMissing if believed) reverts GameBadList", async () => {
      const { live, anyone } = await networkHelpers.loadFixture(gatherFixture);
      const g = live();
      const step = await oneStep(g);
      for (const [what, inputTypes] of [
        ["one short", step.inputTypes.slice(0, 1)],
        ["empty", []],
        ["one long", [...step.inputTypes, step.inputTypes[1]!]],
      ] as [string, Hex32[]][]) {
        const r = await refused(g, { ...step, inputTypes }, what);
        expect(r.name, what).to.equal("GameBadList");
      }
      await proverWinsOnTime(g, anyone);
    });

    it("a forged descriptor (another opcode, an axis past the rank, an omitted input slot, another output type) reverts GameProofInvalid(\"descriptor\")", async () => {
      const { live, anyone } = await networkHelpers.loadFixture(gatherFixture);
      const g = live();
      const step = await oneStep(g);
      const edit = (f: (d: Buffer) => void): string => {
        const d = Buffer.from(step.descriptor.slice(2), "hex");
        f(d);
        return toHex(d);
      };
      const cases: [string, string][] = [
        ["opcode 23 (StepUnsupportedOpcode)", edit((d) => (d[0] = 23))],
        ["opcode 3 (AccumulateUnsupported / ConvGeometryInvalid)", edit((d) => (d[0] = 3))],
        ["axis 5 (StepAttributeInvalid)", edit((d) => d.writeUInt32BE(5, 5 * 32))],
        ["input 1 omitted (StepInputMissing)", edit((d) => d.writeUInt32BE(0xffffffff, 32 + 4))],
        ["output of another shape (StepTypeMismatch)", edit((d) => encodeTensorType(DType.INT8, [3, 4]).copy(d, 96))],
        ["a non-canonical output word", edit((d) => (d[127] = 1))],
      ];
      for (const [what, descriptor] of cases) {
        const r = await refused(g, { ...step, descriptor }, what);
        expect([r.name, reasonOf(r.args)], what).to.deep.equal(["GameProofInvalid", "descriptor"]);
      }
      await proverWinsOnTime(g, anyone);
    });
  });

  describe("MatMulGeometryInvalid / ConvGeometryInvalid (\"element\": read the element the game hands the verifier)", () => {
    it("the verifier alone would call an element past the output a node error, so the game must never hand it one", async () => {
      const { w } = await networkHelpers.loadFixture(tinyFixture);
      const router = OneStepRouter__factory.connect(await w.game.verifier(), w.signers[0]!);
      const trace = new Trace(tinyCommitment, tinyHonestValues);
      const types = tinyHonest.inputTypes(1);
      const input = { descriptor: tinyHonest.descriptor(1), inputTypes: types, stateRoot: trace.stateRoot(1), slotCount: tinyCommitment.layout.names.length, element: 4, step: 1, previous: `0x${"00".repeat(32)}` };
      const r = await revertOf(call("router step", () => router.step(input, encodeProofs([]))));
      expect([r.name, reasonOf(r.args)]).to.deep.equal(["MatMulGeometryInvalid", "element"]);
    });

    it("a lying challenger cannot carry a padding lane of an accumulating node's output to the one-step: pickElement reverts GameStepNotRefuted", async () => {
      const { live, anyone } = await networkHelpers.loadFixture(tinyFixture);
      const g = live();
      await playUntil(g, Phase.LeafPick);
      const pick = g.next();
      if (pick.kind !== "pickElement") throw new Error("expected an element pick");
      expect(g.state.node, "the dispute is at QLinearMatMul").to.equal(1);
      // QLinearMatMul's output is uint8 [1, 4]: bytes 4..63 of the pair are padding.
      for (const offset of [4, 5, 31, 32, 63]) {
        const r = await refused(g, { ...pick, offset }, `padding offset ${offset}`);
        expect(r.name, `padding offset ${offset}`).to.equal("GameStepNotRefuted");
      }
      const r = await refused(g, { ...pick, offset: 64 }, "offset 64");
      expect(r.name).to.equal("GameBadPick");
      await proverWinsOnTime(g, anyone);
    });

    it("at the accumulating one-step, forged operands and proof lists of the wrong length revert with proof errors", async () => {
      const { live, anyone } = await networkHelpers.loadFixture(tinyFixture);
      const g = live();
      const step = await oneStep(g);
      const ps = decodeProofs(step.proof);
      expect(ps.length, "a multiply-accumulate opens x and w").to.equal(2);
      const flip = (h: string): string => `0x${(BigInt(h) ^ 1n).toString(16).padStart(64, "0")}`;
      const cases: [string, string][] = [
        ["no openings", encodeProofs([])],
        ["three openings (as if a zero point were per channel)", encodeProofs([...ps, ps[1]!])],
        ["x and w swapped", encodeProofs([ps[1]!, ps[0]!])],
        ["a forged x root", encodeProofs([{ ...ps[0]!, tensorRoot: flip(ps[0]!.tensorRoot) }, ps[1]!])],
        ["a forged w commitment", encodeProofs([ps[0]!, { ...ps[1]!, slotCommitment: flip(ps[1]!.slotCommitment) }])],
      ];
      for (const [what, proof] of cases) {
        const r = await refused(g, { ...step, proof }, what);
        expect(r.name, what).to.match(/^(StepProofCount|OperandProofInvalid)$/);
      }
      const forgedTypes = step.inputTypes.map((w, i) => (i === 3 ? toHex(encodeTensorType(DType.FLOAT, [8, 4])) : w));
      const r = await refused(g, { ...step, inputTypes: forgedTypes }, "w as float32 (StepTypeMismatch if believed)");
      expect([r.name, reasonOf(r.args)]).to.deep.equal(["GameProofInvalid", "input types"]);
      await proverWinsOnTime(g, anyone);
    });
  });
});
