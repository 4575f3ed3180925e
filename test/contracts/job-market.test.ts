/**
 * JobMarket: every transition, every revert with its exact custom error and arguments, and every
 * payout. The dispute game is MockDisputeGame, whose outcomes the tests set.
 */
import { expect } from "chai";
import { toHex } from "../../offchain/engine/commit/hash.js";
import type { JobMarket } from "../../types/ethers-contracts/index.js";
import { deadlineIn, deployMarket, ethers, INPUT_BYTES, networkHelpers, OUTPUT_BYTES, PARAMS, randomBytes } from "./fixtures.js";
import {
  burn,
  claimedJob,
  DEADLINE_SECONDS,
  deploySmallMarket,
  FEE,
  INPUT,
  inputsCommitmentOf,
  lateForfeit,
  namedJob,
  OUTPUT,
  outputsCommitmentOf,
  postedJob,
  resultHashOf,
  submittedJob,
  twiceChallengedJob,
} from "./market-flows.js";
import { GameStatus, JobStatus, SolvencyLedger } from "./solvency.js";

const { time } = networkHelpers;

/** The market of the fixture a test loaded last: afterEach checks its solvency at the test's end. */
let current: JobMarket | undefined;
async function load<T extends { market: JobMarket }>(fixture: () => Promise<T>): Promise<T> {
  const f = await networkHelpers.loadFixture(fixture);
  current = f.market;
  return f;
}
const SINK = PARAMS.burnSink;
const PB = PARAMS.proverBond;
const CB = PARAMS.challengerBond;

describe("JobMarket", () => {
  afterEach(async function () {
    if (current && this.currentTest?.state === "passed") await new SolvencyLedger(current).check(`end of "${this.currentTest.title}"`);
    current = undefined;
  });

  describe("deployment", () => {
    it("exposes its parameters, registry and game", async () => {
      const { market, registry, game } = await load(deployMarket);
      const p = await market.params();
      expect([p.proverBond, p.challengerBond, p.deliveryPeriod, p.challengeWindow, p.burnBps, p.lateForfeitBps, p.maxInputBytes, p.maxOutputBytes, p.burnSink]).to.deep.equal([
        PB,
        CB,
        BigInt(PARAMS.deliveryPeriod),
        BigInt(PARAMS.challengeWindow),
        BigInt(PARAMS.burnBps),
        BigInt(PARAMS.lateForfeitBps),
        BigInt(PARAMS.maxInputBytes),
        BigInt(PARAMS.maxOutputBytes),
        PARAMS.burnSink,
      ]);
      expect(await market.registry()).to.equal(await registry.getAddress());
      expect(await market.disputeGame()).to.equal(await game.getAddress());
      expect(await market.jobCount()).to.equal(0n);
      expect(await market.gameCount()).to.equal(0n);
    });

    it("every out-of-range parameter reverts MarketBadParams(name)", async () => {
      const { registry, game } = await load(deployMarket);
      const factory = await ethers.getContractFactory("JobMarket");
      const r = await registry.getAddress();
      const g = await game.getAddress();
      const cases: [string, string, string, typeof PARAMS][] = [
        ["registry", ethers.ZeroAddress, g, PARAMS],
        ["disputeGame", r, ethers.ZeroAddress, PARAMS],
        ["proverBond", r, g, { ...PARAMS, proverBond: 0n }],
        ["challengerBond", r, g, { ...PARAMS, challengerBond: 0n }],
        ["deliveryPeriod", r, g, { ...PARAMS, deliveryPeriod: 0 }],
        ["challengeWindow", r, g, { ...PARAMS, challengeWindow: 0 }],
        ["burnBps", r, g, { ...PARAMS, burnBps: 10_001 }],
        ["lateForfeitBps", r, g, { ...PARAMS, lateForfeitBps: 10_001 }],
        ["maxInputBytes", r, g, { ...PARAMS, maxInputBytes: 0 }],
        ["maxInputBytes", r, g, { ...PARAMS, maxInputBytes: 256 * 1024 + 1 }],
        ["maxOutputBytes", r, g, { ...PARAMS, maxOutputBytes: 0 }],
        ["maxOutputBytes", r, g, { ...PARAMS, maxOutputBytes: 256 * 1024 + 1 }],
        ["burnSink", r, g, { ...PARAMS, burnSink: ethers.ZeroAddress }],
      ];
      for (const [name, reg, gm, params] of cases) {
        await expect(factory.deploy(reg, gm, params), name)
          .to.be.revertedWithCustomError(factory, "MarketBadParams")
          .withArgs(ethers.encodeBytes32String(name));
      }
    });

    it("views on unknown jobs and games revert MarketUnknownJob / MarketUnknownGame", async () => {
      const { market } = await load(deployMarket);
      await expect(market.job(1)).to.be.revertedWithCustomError(market, "MarketUnknownJob").withArgs(1);
      await expect(market.game(1)).to.be.revertedWithCustomError(market, "MarketUnknownGame").withArgs(1);
      await expect(market.claimJob(7, { value: PB })).to.be.revertedWithCustomError(market, "MarketUnknownJob").withArgs(7);
      await expect(market.postResult(7, [OUTPUT])).to.be.revertedWithCustomError(market, "MarketUnknownJob").withArgs(7);
      await expect(market.challenge(7, { value: CB })).to.be.revertedWithCustomError(market, "MarketUnknownJob").withArgs(7);
      await expect(market.finalize(7)).to.be.revertedWithCustomError(market, "MarketUnknownJob").withArgs(7);
      await expect(market.refundExpired(7)).to.be.revertedWithCustomError(market, "MarketUnknownJob").withArgs(7);
      await expect(market.settleGame(7)).to.be.revertedWithCustomError(market, "MarketUnknownGame").withArgs(7);
    });
  });

  describe("submitJob", () => {
    it("escrows the fee, stores the job and emits JobSubmitted with the input bytes and their commitment", async () => {
      const { market, requester, modelId } = await load(deployMarket);
      const ledger = new SolvencyLedger(market);
      const deadline = await deadlineIn(DEADLINE_SECONDS);
      const inputsCommitment = inputsCommitmentOf(INPUT);
      const tx = market.connect(requester).submitJob(modelId, [INPUT], ethers.ZeroAddress, deadline, { value: FEE });
      await expect(tx)
        .to.emit(market, "JobSubmitted")
        .withArgs(1, modelId, requester.address, ethers.ZeroAddress, FEE, deadline, inputsCommitment, [toHex(INPUT)]);
      await expect(tx).to.changeEtherBalances(ethers, [requester, market], [-FEE, FEE]);
      const j = await market.job(1);
      expect(j.requester).to.equal(requester.address);
      expect(j.fee).to.equal(FEE);
      expect(j.proverNamed).to.equal(false);
      expect(j.prover).to.equal(ethers.ZeroAddress);
      expect(j.deadline).to.equal(BigInt(deadline));
      expect(j.status).to.equal(JobStatus.Open);
      expect(j.modelId).to.equal(modelId);
      expect(j.inputsCommitment).to.equal(inputsCommitment);
      expect(j.openGames).to.equal(0n);
      expect(await market.jobCount()).to.equal(1n);
      await ledger.check();
    });

    it("a job naming a prover records it", async () => {
      const { market, prover, jobId } = await load(namedJob);
      const j = await market.job(jobId);
      expect(j.proverNamed).to.equal(true);
      expect(j.prover).to.equal(prover.address);
    });

    it("a zero fee is allowed", async () => {
      const { market, requester, modelId } = await load(deployMarket);
      await market.connect(requester).submitJob(modelId, [INPUT], ethers.ZeroAddress, await deadlineIn(60));
      expect((await market.job(1)).fee).to.equal(0n);
    });

    it("a job for an unregistered model id reverts RegistryUnknownModel", async () => {
      const { market, registry, requester } = await load(deployMarket);
      const unknown = toHex(Buffer.alloc(32, 0x5a));
      await expect(market.connect(requester).submitJob(unknown, [INPUT], ethers.ZeroAddress, await deadlineIn(60), { value: FEE }))
        .to.be.revertedWithCustomError(registry, "RegistryUnknownModel")
        .withArgs(unknown);
    });

    it("a wrong input count reverts MarketWrongInputCount(expected, actual)", async () => {
      const { market, requester, modelId } = await load(deployMarket);
      const deadline = await deadlineIn(60);
      await expect(market.connect(requester).submitJob(modelId, [], ethers.ZeroAddress, deadline, { value: FEE }))
        .to.be.revertedWithCustomError(market, "MarketWrongInputCount")
        .withArgs(1, 0);
      await expect(market.connect(requester).submitJob(modelId, [INPUT, INPUT], ethers.ZeroAddress, deadline, { value: FEE }))
        .to.be.revertedWithCustomError(market, "MarketWrongInputCount")
        .withArgs(1, 2);
    });

    it("a mis-shaped input (wrong byte length) reverts TensorCommitmentLengthMismatch(expected, actual)", async () => {
      const { market, requester, modelId } = await load(deployMarket);
      const deadline = await deadlineIn(60);
      for (const n of [0, INPUT_BYTES - 1, INPUT_BYTES + 4]) {
        await expect(market.connect(requester).submitJob(modelId, [randomBytes(n)], ethers.ZeroAddress, deadline, { value: FEE }))
          .to.be.revertedWithCustomError(market, "TensorCommitmentLengthMismatch")
          .withArgs(INPUT_BYTES, n);
      }
    });

    it("an input over maxInputBytes reverts MarketInputTooLarge(bytes, limit)", async () => {
      const { market, requester, modelId } = await load(deploySmallMarket);
      await expect(market.connect(requester).submitJob(modelId, [INPUT], ethers.ZeroAddress, await deadlineIn(60), { value: FEE }))
        .to.be.revertedWithCustomError(market, "MarketInputTooLarge")
        .withArgs(INPUT_BYTES, 1000);
    });

    it("a deadline not in the future reverts MarketBadDeadline(deadline, now)", async () => {
      const { market, requester, modelId } = await load(deployMarket);
      const now = (await time.latest()) + 10;
      for (const deadline of [now, now - 5, 0]) {
        await time.setNextBlockTimestamp(now);
        await expect(market.connect(requester).submitJob(modelId, [INPUT], ethers.ZeroAddress, deadline, { value: FEE }))
          .to.be.revertedWithCustomError(market, "MarketBadDeadline")
          .withArgs(deadline, now);
      }
    });
  });

  describe("claimJob", () => {
    it("a claim with the exact bond locks it and sets the claim deadline one delivery period ahead", async () => {
      const { market, prover, jobId } = await load(submittedJob);
      const ledger = new SolvencyLedger(market);
      const at = (await time.latest()) + 5;
      await time.setNextBlockTimestamp(at);
      const tx = market.connect(prover).claimJob(jobId, { value: PB });
      await expect(tx)
        .to.emit(market, "JobClaimed")
        .withArgs(jobId, prover.address, at + PARAMS.deliveryPeriod, ethers.ZeroAddress);
      await expect(tx).to.changeEtherBalances(ethers, [prover, market], [-PB, PB]);
      const j = await market.job(jobId);
      expect(j.status).to.equal(JobStatus.Claimed);
      expect(j.prover).to.equal(prover.address);
      expect(j.timer).to.equal(BigInt(at + PARAMS.deliveryPeriod));
      await ledger.check();
    });

    it("the claim deadline never passes the job's deadline", async () => {
      const { market, requester, prover, modelId } = await load(deployMarket);
      const deadline = await deadlineIn(100);
      await market.connect(requester).submitJob(modelId, [INPUT], ethers.ZeroAddress, deadline, { value: FEE });
      await expect(market.connect(prover).claimJob(1, { value: PB }))
        .to.emit(market, "JobClaimed")
        .withArgs(1, prover.address, deadline, ethers.ZeroAddress);
    });

    it("a bond less or more than proverBond reverts MarketWrongBond(expected, sent)", async () => {
      const { market, prover, jobId } = await load(submittedJob);
      for (const sent of [0n, PB - 1n, PB + 1n, 2n * PB]) {
        await expect(market.connect(prover).claimJob(jobId, { value: sent }))
          .to.be.revertedWithCustomError(market, "MarketWrongBond")
          .withArgs(PB, sent);
      }
    });

    it("only the named prover may claim a job that names one (others revert MarketNotNamedProver)", async () => {
      const { market, prover, other, jobId } = await load(namedJob);
      await expect(market.connect(other).claimJob(jobId, { value: PB }))
        .to.be.revertedWithCustomError(market, "MarketNotNamedProver")
        .withArgs(other.address, prover.address);
      await expect(market.connect(prover).claimJob(jobId, { value: PB })).to.emit(market, "JobClaimed");
    });

    it("a claim at or after the job deadline reverts MarketDeadlinePassed", async () => {
      const { market, prover, jobId, deadline } = await load(submittedJob);
      await time.setNextBlockTimestamp(deadline);
      await expect(market.connect(prover).claimJob(jobId, { value: PB }))
        .to.be.revertedWithCustomError(market, "MarketDeadlinePassed")
        .withArgs(jobId, deadline);
    });

    it("a claim while a live claim holds reverts MarketClaimActive(jobId, claimDeadline)", async () => {
      const { market, prover, other, jobId, claimDeadline } = await load(claimedJob);
      await expect(market.connect(other).claimJob(jobId, { value: PB }))
        .to.be.revertedWithCustomError(market, "MarketClaimActive")
        .withArgs(jobId, claimDeadline);
      await time.setNextBlockTimestamp(claimDeadline - 1n);
      await expect(market.connect(prover).claimJob(jobId, { value: PB }))
        .to.be.revertedWithCustomError(market, "MarketClaimActive")
        .withArgs(jobId, claimDeadline);
    });

    it("a reclaim after the claim lapsed credits the late prover its bond minus the forfeit and burns the forfeit", async () => {
      const { market, prover, other, jobId, claimDeadline } = await load(claimedJob);
      const ledger = new SolvencyLedger(market);
      await time.setNextBlockTimestamp(claimDeadline);
      const tx = market.connect(other).claimJob(jobId, { value: PB });
      await expect(tx)
        .to.emit(market, "JobClaimed")
        .withArgs(jobId, other.address, claimDeadline + BigInt(PARAMS.deliveryPeriod), prover.address);
      await expect(tx).to.emit(market, "Credited").withArgs(prover.address, PB - lateForfeit());
      await expect(tx).to.emit(market, "Credited").withArgs(SINK, lateForfeit());
      expect(await market.credits(prover.address)).to.equal(PB - lateForfeit());
      expect(await market.credits(SINK)).to.equal(lateForfeit());
      expect((await market.job(jobId)).prover).to.equal(other.address);
      await ledger.check();

      await market.connect(other).postResult(jobId, [OUTPUT]);
      await expect(market.connect(prover).postResult(jobId, [OUTPUT]))
        .to.be.revertedWithCustomError(market, "MarketWrongStatus")
        .withArgs(jobId, JobStatus.Posted);
      await ledger.check();
    });

    it("a named job's lapsed claim cannot be reclaimed by others (MarketNotNamedProver) but can by the named prover", async () => {
      const { market, prover, other, jobId } = await load(namedJob);
      await market.connect(prover).claimJob(jobId, { value: PB });
      const claimDeadline = (await market.job(jobId)).timer;
      await time.increaseTo(claimDeadline);
      await expect(market.connect(other).claimJob(jobId, { value: PB }))
        .to.be.revertedWithCustomError(market, "MarketNotNamedProver")
        .withArgs(other.address, prover.address);
      const tx = market.connect(prover).claimJob(jobId, { value: PB });
      await expect(tx).to.emit(market, "JobClaimed");
      await expect(tx).to.emit(market, "Credited").withArgs(prover.address, PB - lateForfeit());
    });

    it("a claim on a posted job reverts MarketWrongStatus", async () => {
      const { market, other, jobId } = await load(postedJob);
      await expect(market.connect(other).claimJob(jobId, { value: PB }))
        .to.be.revertedWithCustomError(market, "MarketWrongStatus")
        .withArgs(jobId, JobStatus.Posted);
    });
  });

  describe("postResult", () => {
    it("posts the outputs, opens the window and emits ResultPosted with a resultHash computed in TypeScript", async () => {
      const { market, prover, jobId, modelId } = await load(claimedJob);
      const ledger = new SolvencyLedger(market);
      const at = (await time.latest()) + 3;
      await time.setNextBlockTimestamp(at);
      const outputsCommitment = outputsCommitmentOf(OUTPUT);
      const resultHash = resultHashOf({
        chainId: (await ethers.provider.getNetwork()).chainId,
        market: await market.getAddress(),
        jobId,
        modelId,
        inputsCommitment: inputsCommitmentOf(INPUT),
        outputsCommitment,
        prover: prover.address,
      });
      const tx = market.connect(prover).postResult(jobId, [OUTPUT]);
      await expect(tx)
        .to.emit(market, "ResultPosted")
        .withArgs(jobId, prover.address, outputsCommitment, resultHash, at + PARAMS.challengeWindow, [toHex(OUTPUT)]);
      await expect(tx).to.changeEtherBalances(ethers, [prover, market], [0n, 0n]);
      const j = await market.job(jobId);
      expect(j.status).to.equal(JobStatus.Posted);
      expect(j.timer).to.equal(BigInt(at + PARAMS.challengeWindow));
      expect(j.outputsCommitment).to.equal(outputsCommitment);
      await ledger.check();
    });

    it("a post by anyone but the prover reverts MarketNotProver(caller, prover)", async () => {
      const { market, prover, other, requester, jobId } = await load(claimedJob);
      for (const caller of [other, requester]) {
        await expect(market.connect(caller).postResult(jobId, [OUTPUT]))
          .to.be.revertedWithCustomError(market, "MarketNotProver")
          .withArgs(caller.address, prover.address);
      }
    });

    it("a post at or after the claim deadline reverts MarketClaimExpired", async () => {
      const { market, prover, jobId, claimDeadline } = await load(claimedJob);
      await time.setNextBlockTimestamp(claimDeadline);
      await expect(market.connect(prover).postResult(jobId, [OUTPUT]))
        .to.be.revertedWithCustomError(market, "MarketClaimExpired")
        .withArgs(jobId, claimDeadline);
    });

    it("a post on an unclaimed or already posted job reverts MarketWrongStatus", async () => {
      const open = await load(submittedJob);
      await expect(open.market.connect(open.prover).postResult(open.jobId, [OUTPUT]))
        .to.be.revertedWithCustomError(open.market, "MarketWrongStatus")
        .withArgs(open.jobId, JobStatus.Open);
      const posted = await load(postedJob);
      await expect(posted.market.connect(posted.prover).postResult(posted.jobId, [OUTPUT]))
        .to.be.revertedWithCustomError(posted.market, "MarketWrongStatus")
        .withArgs(posted.jobId, JobStatus.Posted);
    });

    it("a wrong output count reverts MarketWrongOutputCount(expected, actual)", async () => {
      const { market, prover, jobId } = await load(claimedJob);
      await expect(market.connect(prover).postResult(jobId, []))
        .to.be.revertedWithCustomError(market, "MarketWrongOutputCount")
        .withArgs(1, 0);
      await expect(market.connect(prover).postResult(jobId, [OUTPUT, OUTPUT]))
        .to.be.revertedWithCustomError(market, "MarketWrongOutputCount")
        .withArgs(1, 2);
    });

    it("a wrong output length reverts TensorCommitmentLengthMismatch(expected, actual)", async () => {
      const { market, prover, jobId } = await load(claimedJob);
      await expect(market.connect(prover).postResult(jobId, [randomBytes(OUTPUT_BYTES - 1)]))
        .to.be.revertedWithCustomError(market, "TensorCommitmentLengthMismatch")
        .withArgs(OUTPUT_BYTES, OUTPUT_BYTES - 1);
    });

    it("outputs over maxOutputBytes revert MarketOutputTooLarge(bytes, limit)", async () => {
      const { market, requester, prover, tinyModelId } = await load(deploySmallMarket);
      await market.connect(requester).submitJob(tinyModelId, [randomBytes(4)], ethers.ZeroAddress, await deadlineIn(600), { value: FEE });
      await market.connect(prover).claimJob(1, { value: PB });
      await expect(market.connect(prover).postResult(1, [randomBytes(40)]))
        .to.be.revertedWithCustomError(market, "MarketOutputTooLarge")
        .withArgs(40, 16);
    });
  });

  describe("challenge", () => {
    it("a challenge with the exact bond opens a game in the game contract with the job's setup", async () => {
      const { market, game, prover, challenger, jobId, modelId } = await load(postedJob);
      const ledger = new SolvencyLedger(market);
      const setup = [jobId, modelId, inputsCommitmentOf(INPUT), outputsCommitmentOf(OUTPUT), prover.address, challenger.address] as const;
      const tx = market.connect(challenger).challenge(jobId, { value: CB });
      await expect(tx).to.emit(market, "JobChallenged").withArgs(jobId, 1, challenger.address);
      await expect(tx).to.emit(game, "MockGameOpened").withArgs(1, setup);
      await expect(tx).to.changeEtherBalances(ethers, [challenger, market], [-CB, CB]);
      const encoded = ethers.AbiCoder.defaultAbiCoder().encode(["tuple(uint256,bytes32,bytes32,bytes32,address,address)"], [setup]);
      expect(await game.setupHash(1)).to.equal(ethers.keccak256(encoded));
      expect(await game.gameStatus(1)).to.equal(GameStatus.InProgress);
      const g = await market.game(1);
      expect([g.jobId, g.challenger, g.settled]).to.deep.equal([jobId, challenger.address, false]);
      expect(await game.bondsOf(1)).to.deep.equal([0n, 0n]);
      expect((await market.job(jobId)).openGames).to.equal(1n);
      expect(await market.gameCount()).to.equal(1n);
      await ledger.check();
    });

    it("several challengers each open their own game", async () => {
      const { market, challenger, other, other2, jobId } = await load(postedJob);
      const ledger = new SolvencyLedger(market);
      for (const [i, c] of [challenger, other, other2, challenger].entries()) {
        await expect(market.connect(c).challenge(jobId, { value: CB }))
          .to.emit(market, "JobChallenged")
          .withArgs(jobId, i + 1, c.address);
        await ledger.check();
      }
      expect((await market.job(jobId)).openGames).to.equal(4n);
      expect((await market.game(3)).challenger).to.equal(other2.address);
    });

    it("a bond less or more than challengerBond reverts MarketWrongBond(expected, sent)", async () => {
      const { market, challenger, jobId } = await load(postedJob);
      for (const sent of [0n, CB - 1n, CB + 1n, PB]) {
        await expect(market.connect(challenger).challenge(jobId, { value: sent }))
          .to.be.revertedWithCustomError(market, "MarketWrongBond")
          .withArgs(CB, sent);
      }
    });

    it("a challenge in the last second of the window succeeds", async () => {
      const { market, challenger, jobId, windowEnd } = await load(postedJob);
      await time.setNextBlockTimestamp(windowEnd - 1n);
      await expect(market.connect(challenger).challenge(jobId, { value: CB })).to.emit(market, "JobChallenged");
    });

    it("challenge after the window reverts MarketWindowClosed(jobId, windowEnd)", async () => {
      const { market, challenger, jobId, windowEnd } = await load(postedJob);
      await time.setNextBlockTimestamp(windowEnd);
      await expect(market.connect(challenger).challenge(jobId, { value: CB }))
        .to.be.revertedWithCustomError(market, "MarketWindowClosed")
        .withArgs(jobId, windowEnd);
    });

    it("a challenge of a job without a result reverts MarketWrongStatus", async () => {
      const { market, challenger, jobId } = await load(claimedJob);
      await expect(market.connect(challenger).challenge(jobId, { value: CB }))
        .to.be.revertedWithCustomError(market, "MarketWrongStatus")
        .withArgs(jobId, JobStatus.Claimed);
    });
  });

  describe("finalize", () => {
    it("after the window with no games, pays fee + bond to the prover's credit", async () => {
      const { market, prover, other, jobId, windowEnd } = await load(postedJob);
      const ledger = new SolvencyLedger(market);
      await time.increaseTo(windowEnd);
      const tx = market.connect(other).finalize(jobId);
      await expect(tx).to.emit(market, "JobFinalized").withArgs(jobId, prover.address);
      await expect(tx).to.emit(market, "Credited").withArgs(prover.address, FEE + PB);
      await expect(tx).to.changeEtherBalances(ethers, [prover, market], [0n, 0n]);
      expect(await market.credits(prover.address)).to.equal(FEE + PB);
      expect((await market.job(jobId)).status).to.equal(JobStatus.Finalized);
      await ledger.check();
    });

    it("finalize during the window reverts MarketWindowOpen(jobId, windowEnd)", async () => {
      const { market, jobId, windowEnd } = await load(postedJob);
      await time.setNextBlockTimestamp(windowEnd - 1n);
      await expect(market.finalize(jobId)).to.be.revertedWithCustomError(market, "MarketWindowOpen").withArgs(jobId, windowEnd);
    });

    it("finalize with an undecided game reverts MarketGamesOpen(jobId, openGames)", async () => {
      const { market, jobId, windowEnd } = await load(twiceChallengedJob);
      await time.increaseTo(windowEnd);
      await expect(market.finalize(jobId)).to.be.revertedWithCustomError(market, "MarketGamesOpen").withArgs(jobId, 2);
    });

    it("finalize with a decided but unsettled game still reverts MarketGamesOpen", async () => {
      const { market, game, jobId, windowEnd } = await load(twiceChallengedJob);
      await game.setStatus(1, GameStatus.ProverWon);
      await game.setStatus(2, GameStatus.ProverWon);
      await market.settleGame(1);
      await time.increaseTo(windowEnd);
      await expect(market.finalize(jobId)).to.be.revertedWithCustomError(market, "MarketGamesOpen").withArgs(jobId, 1);
    });

    it("after every game was won by the prover, finalize pays fee + bond on top of the won challenger bonds", async () => {
      const { market, game, prover, jobId, windowEnd } = await load(twiceChallengedJob);
      const ledger = new SolvencyLedger(market);
      await game.setStatus(1, GameStatus.ProverWon);
      await game.setStatus(2, GameStatus.ProverWon);
      await market.settleGame(1);
      await market.settleGame(2);
      await time.increaseTo(windowEnd);
      await market.finalize(jobId);
      expect(await market.credits(prover.address)).to.equal(FEE + PB + 2n * (CB - burn(CB)));
      expect(await market.credits(SINK)).to.equal(2n * burn(CB));
      await ledger.check();
    });

    it("double finalize reverts MarketWrongStatus(jobId, Finalized)", async () => {
      const { market, jobId, windowEnd } = await load(postedJob);
      await time.increaseTo(windowEnd);
      await market.finalize(jobId);
      await expect(market.finalize(jobId)).to.be.revertedWithCustomError(market, "MarketWrongStatus").withArgs(jobId, JobStatus.Finalized);
    });

    it("finalize of a job without a result reverts MarketWrongStatus", async () => {
      const { market, jobId } = await load(claimedJob);
      await expect(market.finalize(jobId)).to.be.revertedWithCustomError(market, "MarketWrongStatus").withArgs(jobId, JobStatus.Claimed);
    });
  });

  describe("settleGame", () => {
    it("an undecided game reverts MarketGameUndecided while the result stands", async () => {
      const { market, game, jobId } = await load(twiceChallengedJob);
      await expect(market.settleGame(1)).to.be.revertedWithCustomError(market, "MarketGameUndecided").withArgs(1);
      await game.setStatus(1, GameStatus.Closed);
      await expect(market.settleGame(1)).to.be.revertedWithCustomError(market, "MarketGameUndecided").withArgs(1);
      expect((await market.job(jobId)).openGames).to.equal(2n);
    });

    it("ProverWon pays the prover the challenger bond minus the burn, plus the move bonds less the burn of the challenger's", async () => {
      const { market, game, prover, challenger, jobId } = await load(twiceChallengedJob);
      const ledger = new SolvencyLedger(market);
      const mp = ethers.parseEther("0.03");
      const mc = ethers.parseEther("0.02");
      const paying = game.connect(prover).postMoveBond(1, true, { value: mp });
      await expect(paying).to.emit(game, "MockMoveBondPosted").withArgs(1, true, mp);
      await expect(paying).to.changeEtherBalances(ethers, [prover, game, market], [-mp, mp, 0n]);
      await expect(game.connect(challenger).postMoveBond(1, false, { value: mc })).to.emit(game, "MockMoveBondPosted").withArgs(1, false, mc);
      expect(await game.bondsOf(1)).to.deep.equal([mp, mc]);
      await ledger.check();
      await game.setStatus(1, GameStatus.ProverWon);
      const tx = market.connect(challenger).settleGame(1);
      await expect(tx).to.emit(market, "GameSettled").withArgs(1, jobId, GameStatus.ProverWon);
      await expect(tx).to.emit(market, "MoveBondsReleased").withArgs(1, mp, mc);
      await expect(tx).to.changeEtherBalances(ethers, [game, market], [-(mp + mc), mp + mc]);
      await expect(tx).to.emit(market, "Credited").withArgs(prover.address, CB + mp + mc - burn(CB) - burn(mc));
      await expect(tx).to.emit(market, "Credited").withArgs(SINK, burn(CB) + burn(mc));
      expect(await market.credits(challenger.address)).to.equal(0n);
      const g = await market.game(1);
      expect(g.settled).to.equal(true);
      const j = await market.job(jobId);
      expect(j.status).to.equal(JobStatus.Posted);
      expect(j.openGames).to.equal(1n);
      await ledger.check();
    });

    it("ChallengerWon faults the job: requester refunded in full, challenger paid both bonds less the burn", async () => {
      const { market, game, requester, prover, challenger, jobId } = await load(twiceChallengedJob);
      const ledger = new SolvencyLedger(market);
      const mp = ethers.parseEther("0.04");
      const mc = ethers.parseEther("0.01");
      await game.connect(prover).postMoveBond(1, true, { value: mp });
      await game.connect(challenger).postMoveBond(1, false, { value: mc });
      await game.setStatus(1, GameStatus.ChallengerWon);
      const tx = market.settleGame(1);
      await expect(tx).to.emit(market, "GameSettled").withArgs(1, jobId, GameStatus.ChallengerWon);
      await expect(tx).to.emit(market, "JobFaulted").withArgs(jobId, 1);
      await expect(tx).to.emit(market, "MoveBondsReleased").withArgs(1, mp, mc);
      await expect(tx).to.changeEtherBalances(ethers, [game, market], [-(mp + mc), mp + mc]);
      await expect(tx).to.emit(market, "Credited").withArgs(requester.address, FEE);
      await expect(tx).to.emit(market, "Credited").withArgs(challenger.address, CB + PB - burn(PB) + mc + mp - burn(mp));
      await expect(tx).to.emit(market, "Credited").withArgs(SINK, burn(PB) + burn(mp));
      expect(await market.credits(prover.address)).to.equal(0n);
      const j = await market.job(jobId);
      expect(j.status).to.equal(JobStatus.Faulted);
      expect(j.timer, "timer holds the time of the fault").to.equal(BigInt(await time.latest()));
      expect(j.openGames).to.equal(1n);
      await ledger.check();
    });

    it("after a fault, another open game closes: challenger bond refunded, closeGame called, the prover's move bonds go to that challenger", async () => {
      const { market, game, prover, other, jobId } = await load(twiceChallengedJob);
      const ledger = new SolvencyLedger(market);
      const mp2 = ethers.parseEther("0.05");
      const mc2 = ethers.parseEther("0.02");
      await game.connect(prover).postMoveBond(2, true, { value: mp2 });
      await game.connect(other).postMoveBond(2, false, { value: mc2 });
      await game.setStatus(1, GameStatus.ChallengerWon);
      await market.settleGame(1);
      await ledger.check();
      const tx = market.settleGame(2);
      await expect(tx).to.emit(market, "GameSettled").withArgs(2, jobId, GameStatus.Closed);
      await expect(tx).to.emit(market, "Credited").withArgs(other.address, CB + mc2 + mp2);
      await expect(tx).to.emit(game, "MockGameStatusSet").withArgs(2, GameStatus.Closed);
      await expect(tx).to.emit(market, "MoveBondsReleased").withArgs(2, mp2, mc2);
      await expect(tx).to.not.emit(market, "JobFaulted");
      expect(await game.closeCalls()).to.equal(1n);
      expect(await game.gameStatus(2)).to.equal(GameStatus.Closed);
      expect(await market.credits(other.address)).to.equal(CB + mc2 + mp2);
      expect((await market.job(jobId)).openGames).to.equal(0n);
      await ledger.check();
    });

    it("after a fault, another game won by its challenger pays it whole without a second fault or closeGame", async () => {
      const { market, game, other, jobId } = await load(twiceChallengedJob);
      await game.setStatus(1, GameStatus.ChallengerWon);
      await game.setStatus(2, GameStatus.ChallengerWon);
      await market.settleGame(1);
      const tx = market.settleGame(2);
      await expect(tx).to.emit(market, "GameSettled").withArgs(2, jobId, GameStatus.Closed);
      await expect(tx).to.not.emit(market, "JobFaulted");
      expect(await market.credits(other.address)).to.equal(CB);
      expect(await game.closeCalls()).to.equal(0n);
    });

    it("a game the prover won before the fault still pays the prover, even settled after the fault", async () => {
      const { market, game, prover, other, jobId } = await load(twiceChallengedJob);
      const ledger = new SolvencyLedger(market);
      const mp = ethers.parseEther("0.03");
      const mc = ethers.parseEther("0.01");
      await game.connect(prover).postMoveBond(2, true, { value: mp });
      await game.connect(other).postMoveBond(2, false, { value: mc });
      await game.setStatus(2, GameStatus.ProverWon);
      await game.setStatus(1, GameStatus.ChallengerWon);
      await time.increase(60);
      await market.settleGame(1);
      const [, decidedAt] = await game.gameResult(2);
      expect(decidedAt < (await market.job(jobId)).timer, "won strictly before the fault").to.equal(true);
      const tx = market.settleGame(2);
      await expect(tx).to.emit(market, "GameSettled").withArgs(2, jobId, GameStatus.ProverWon);
      await expect(tx).to.emit(market, "MoveBondsReleased").withArgs(2, mp, mc);
      await expect(tx).to.emit(market, "Credited").withArgs(prover.address, CB - burn(CB) + mp + mc - burn(mc));
      expect(await market.credits(prover.address)).to.equal(CB - burn(CB) + mp + mc - burn(mc));
      expect(await market.credits(other.address)).to.equal(0n);
      await ledger.check();
    });

    it("a game the prover wins after the job faulted settles as Closed and pays its challenger B_c + m_c + m_p (an honest challenger need not keep playing)", async () => {
      const { market, game, prover, other, jobId } = await load(twiceChallengedJob);
      const ledger = new SolvencyLedger(market);
      const mp = ethers.parseEther("0.04");
      const mc = ethers.parseEther("0.02");
      await game.connect(prover).postMoveBond(2, true, { value: mp });
      await game.connect(other).postMoveBond(2, false, { value: mc });
      await game.setStatus(1, GameStatus.ChallengerWon);
      await market.settleGame(1);
      const faultedAt = (await market.job(jobId)).timer;
      // The challenger of game 2 stops playing; the prover wins it on the clock, after the fault.
      await time.increase(3600);
      await game.setStatus(2, GameStatus.ProverWon);
      const proverBefore = await market.credits(prover.address);
      const sinkBefore = await market.credits(SINK);
      const tx = market.connect(other).settleGame(2);
      await expect(tx).to.emit(market, "GameSettled").withArgs(2, jobId, GameStatus.Closed);
      await expect(tx).to.emit(market, "MoveBondsReleased").withArgs(2, mp, mc);
      await expect(tx).to.emit(market, "Credited").withArgs(other.address, CB + mc + mp);
      await expect(tx).to.not.emit(market, "JobFaulted");
      expect(await market.credits(other.address)).to.equal(CB + mc + mp);
      expect(await market.credits(prover.address), "the prover gains nothing after its fault").to.equal(proverBefore);
      expect(await market.credits(SINK), "nothing burned").to.equal(sinkBefore);
      expect(await game.closeCalls(), "a decided game is not closed again").to.equal(0n);
      const j = await market.job(jobId);
      expect([j.status, j.timer, j.openGames]).to.deep.equal([JobStatus.Faulted, faultedAt, 0n]);
      await ledger.check();
    });

    it("after a fault, a game closed by other means reverts MarketGameUndecided", async () => {
      const { market, game } = await load(twiceChallengedJob);
      await game.setStatus(1, GameStatus.ChallengerWon);
      await market.settleGame(1);
      await game.setStatus(2, GameStatus.Closed);
      await expect(market.settleGame(2)).to.be.revertedWithCustomError(market, "MarketGameUndecided").withArgs(2);
    });

    it("double settle reverts MarketGameAlreadySettled", async () => {
      const { market, game } = await load(twiceChallengedJob);
      await game.setStatus(1, GameStatus.ProverWon);
      await market.settleGame(1);
      await expect(market.settleGame(1)).to.be.revertedWithCustomError(market, "MarketGameAlreadySettled").withArgs(1);
      await game.setStatus(2, GameStatus.ChallengerWon);
      await market.settleGame(2);
      await expect(market.settleGame(2)).to.be.revertedWithCustomError(market, "MarketGameAlreadySettled").withArgs(2);
    });

    it("ETH sent to the market by anyone but the game reverts MarketNotGame(caller)", async () => {
      const { market, prover, other } = await load(twiceChallengedJob);
      const to = await market.getAddress();
      for (const who of [prover, other]) {
        await expect(who.sendTransaction({ to, value: 1n }))
          .to.be.revertedWithCustomError(market, "MarketNotGame")
          .withArgs(who.address);
      }
    });

    it("releaseBonds from anyone but the market reverts MockGameOnlyMarket(caller) and keeps the bonds", async () => {
      const { market, game, prover, challenger } = await load(twiceChallengedJob);
      await game.connect(prover).postMoveBond(1, true, { value: 5n });
      await game.setStatus(1, GameStatus.ProverWon);
      for (const who of [prover, challenger]) {
        await expect(game.connect(who).releaseBonds(1)).to.be.revertedWithCustomError(game, "MockGameOnlyMarket").withArgs(who.address);
      }
      expect(await ethers.provider.getBalance(await game.getAddress())).to.equal(5n);
      await expect(market.settleGame(1)).to.emit(market, "MoveBondsReleased").withArgs(1, 5n, 0n);
    });

    it("a move bond for an unknown, decided or settled game reverts MockGameNotOpen", async () => {
      const { market, game, prover } = await load(twiceChallengedJob);
      await expect(game.connect(prover).postMoveBond(9, true, { value: 1n })).to.be.revertedWithCustomError(game, "MockGameNotOpen").withArgs(9);
      await game.setStatus(1, GameStatus.ProverWon);
      await expect(game.connect(prover).postMoveBond(1, true, { value: 1n })).to.be.revertedWithCustomError(game, "MockGameNotOpen").withArgs(1);
      await market.settleGame(1);
      await expect(game.connect(prover).postMoveBond(1, true, { value: 1n })).to.be.revertedWithCustomError(game, "MockGameNotOpen").withArgs(1);
    });
  });

  describe("refundExpired", () => {
    it("before the deadline reverts MarketDeadlineNotReached(jobId, deadline)", async () => {
      const { market, jobId, deadline } = await load(submittedJob);
      await time.setNextBlockTimestamp(deadline - 1);
      await expect(market.refundExpired(jobId)).to.be.revertedWithCustomError(market, "MarketDeadlineNotReached").withArgs(jobId, deadline);
    });

    it("an Open job past its deadline refunds the fee to the requester", async () => {
      const { market, requester, other, jobId, deadline } = await load(submittedJob);
      const ledger = new SolvencyLedger(market);
      await time.increaseTo(deadline);
      const tx = market.connect(other).refundExpired(jobId);
      await expect(tx).to.emit(market, "JobRefunded").withArgs(jobId, requester.address);
      await expect(tx).to.emit(market, "Credited").withArgs(requester.address, FEE);
      expect(await market.credits(requester.address)).to.equal(FEE);
      expect((await market.job(jobId)).status).to.equal(JobStatus.Refunded);
      await ledger.check();
      await expect(market.refundExpired(jobId)).to.be.revertedWithCustomError(market, "MarketWrongStatus").withArgs(jobId, JobStatus.Refunded);
      await expect(market.connect(other).claimJob(jobId, { value: PB })).to.be.revertedWithCustomError(market, "MarketWrongStatus").withArgs(jobId, JobStatus.Refunded);
    });

    it("a Claimed-but-never-posted job refunds the fee and settles the late bond (forfeit burned)", async () => {
      const { market, requester, prover, jobId, deadline } = await load(claimedJob);
      const ledger = new SolvencyLedger(market);
      await time.increaseTo(deadline);
      const tx = market.refundExpired(jobId);
      await expect(tx).to.emit(market, "JobRefunded").withArgs(jobId, requester.address);
      await expect(tx).to.emit(market, "Credited").withArgs(requester.address, FEE);
      await expect(tx).to.emit(market, "Credited").withArgs(prover.address, PB - lateForfeit());
      await expect(tx).to.emit(market, "Credited").withArgs(SINK, lateForfeit());
      await ledger.check();
    });

    it("a posted job is never refunded (MarketWrongStatus), even past its deadline", async () => {
      const { market, jobId, deadline } = await load(postedJob);
      await time.increaseTo(deadline);
      await expect(market.refundExpired(jobId)).to.be.revertedWithCustomError(market, "MarketWrongStatus").withArgs(jobId, JobStatus.Posted);
    });
  });

  describe("withdraw", () => {
    /** Job 1 refunded: the requester holds a credit of FEE. */
    async function refundedJob() {
      const f = await submittedJob();
      await time.increaseTo(f.deadline);
      await f.market.refundExpired(f.jobId);
      return f;
    }

    it("pays the caller's whole credit once (pull payment)", async () => {
      const { market, requester } = await load(refundedJob);
      const ledger = new SolvencyLedger(market);
      const tx = market.connect(requester).withdraw(requester.address);
      await expect(tx).to.emit(market, "Withdrawn").withArgs(requester.address, requester.address, FEE);
      await expect(tx).to.changeEtherBalances(ethers, [requester, market], [FEE, -FEE]);
      expect(await market.credits(requester.address)).to.equal(0n);
      await ledger.check();
      await expect(market.connect(requester).withdraw(requester.address))
        .to.be.revertedWithCustomError(market, "MarketNothingToWithdraw")
        .withArgs(requester.address);
    });

    it("with nothing to withdraw reverts MarketNothingToWithdraw(account)", async () => {
      const { market, other } = await load(deployMarket);
      await expect(market.connect(other).withdraw(other.address)).to.be.revertedWithCustomError(market, "MarketNothingToWithdraw").withArgs(other.address);
    });

    it("may pay to another address", async () => {
      const { market, requester, other2 } = await load(refundedJob);
      const tx = market.connect(requester).withdraw(other2.address);
      await expect(tx).to.emit(market, "Withdrawn").withArgs(requester.address, other2.address, FEE);
      await expect(tx).to.changeEtherBalances(ethers, [requester, other2, market], [0n, FEE, -FEE]);
    });

    it("to a RejectingReceiver reverts MarketTransferFailed(to, amount) and keeps the credit", async () => {
      const { market, requester } = await load(refundedJob);
      const rejecting = await ethers.deployContract("RejectingReceiver", [await market.getAddress()]);
      const to = await rejecting.getAddress();
      await expect(market.connect(requester).withdraw(to)).to.be.revertedWithCustomError(market, "MarketTransferFailed").withArgs(to, FEE);
      expect(await market.credits(requester.address)).to.equal(FEE);
      await market.connect(requester).withdraw(requester.address);
    });

    it("a RejectingReceiver's own credit survives its failed withdrawal and can be sent elsewhere", async () => {
      const { market, modelId, other } = await load(deployMarket);
      const rejecting = await ethers.deployContract("RejectingReceiver", [await market.getAddress()]);
      const self = await rejecting.getAddress();
      const deadline = await deadlineIn(60);
      await rejecting.submit(modelId, [INPUT], deadline, { value: FEE });
      await time.increaseTo(deadline);
      await market.refundExpired(1);
      await expect(rejecting.withdrawTo(self)).to.be.revertedWithCustomError(market, "MarketTransferFailed").withArgs(self, FEE);
      expect(await market.credits(self)).to.equal(FEE);
      await expect(rejecting.withdrawTo(other.address)).to.changeEtherBalances(ethers, [other, market], [FEE, -FEE]);
    });
  });

  describe("a full honest job", () => {
    it("submit, claim, post, finalize, withdraw: every party ends where the money rules say", async () => {
      const { market, requester, prover, modelId } = await load(deployMarket);
      const ledger = new SolvencyLedger(market);
      const deadline = await deadlineIn(DEADLINE_SECONDS);
      await expect(market.connect(requester).submitJob(modelId, [INPUT], ethers.ZeroAddress, deadline, { value: FEE })).to.changeEtherBalances(ethers, [requester], [-FEE]);
      await ledger.check("submitted");
      await market.connect(prover).claimJob(1, { value: PB });
      await ledger.check("claimed");
      await market.connect(prover).postResult(1, [OUTPUT]);
      await ledger.check("posted");
      await time.increase(PARAMS.challengeWindow);
      await market.finalize(1);
      await ledger.check("finalized");
      await expect(market.connect(prover).withdraw(prover.address)).to.changeEtherBalances(ethers, [prover, market], [FEE + PB, -(FEE + PB)]);
      const l = await ledger.check("withdrawn");
      expect(l.total).to.equal(0n);
      expect(l.balance).to.equal(0n);
    });

    it("input bytes and the inputs commitment in JobSubmitted agree with the TypeScript twin for random inputs", async () => {
      const { market, requester, modelId } = await load(deployMarket);
      const deadline = await deadlineIn(DEADLINE_SECONDS);
      for (let seed = 20; seed < 25; seed++) {
        const input = randomBytes(INPUT_BYTES, seed);
        const id = (await market.jobCount()) + 1n;
        await expect(market.connect(requester).submitJob(modelId, [input], ethers.ZeroAddress, deadline))
          .to.emit(market, "JobSubmitted")
          .withArgs(id, modelId, requester.address, ethers.ZeroAddress, 0, deadline, inputsCommitmentOf(input), [toHex(input)]);
      }
    });
  });
});
