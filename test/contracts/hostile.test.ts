/**
 * Adversarial actors against the market and the registry: every test names the attack it tries
 * and checks solvency after each step.
 */
import { expect } from "chai";
import type { ContractTransactionResponse } from "ethers";
import { toHex } from "../../offchain/engine/commit/hash.js";
import { modelId as computeModelId } from "../../offchain/engine/commit/model-id.js";
import { deadlineIn, deployMarket, ethers, INPUT_BYTES, mnistParts, networkHelpers, PARAMS, partsStruct, randomBytes } from "./fixtures.js";
import { burn, claimedJob, deploySmallMarket, FEE, INPUT, OUTPUT, postedJob, twiceChallengedJob } from "./market-flows.js";
import { GameStatus, JobStatus, SolvencyLedger } from "./solvency.js";

const { time } = networkHelpers;
const PB = PARAMS.proverBond;
const CB = PARAMS.challengerBond;

/** Gas paid by a transaction's sender, in wei. */
async function gasOf(tx: Promise<ContractTransactionResponse> | ContractTransactionResponse): Promise<bigint> {
  const receipt = await (await tx).wait();
  return receipt!.gasUsed * receipt!.gasPrice;
}

describe("hostile", () => {
  it("hostile: double finalize reverts MarketWrongStatus and pays the prover once", async () => {
    const { market, prover, jobId, windowEnd } = await networkHelpers.loadFixture(postedJob);
    const ledger = new SolvencyLedger(market);
    await time.increaseTo(windowEnd);
    await market.finalize(jobId);
    await ledger.check();
    await expect(market.finalize(jobId)).to.be.revertedWithCustomError(market, "MarketWrongStatus").withArgs(jobId, JobStatus.Finalized);
    expect(await market.credits(prover.address)).to.equal(FEE + PB);
    await ledger.check();
  });

  it("hostile: challenge after the window reverts MarketWindowClosed, even after finalization", async () => {
    const { market, challenger, jobId, windowEnd } = await networkHelpers.loadFixture(postedJob);
    const ledger = new SolvencyLedger(market);
    await time.increaseTo(windowEnd);
    await expect(market.connect(challenger).challenge(jobId, { value: CB }))
      .to.be.revertedWithCustomError(market, "MarketWindowClosed")
      .withArgs(jobId, windowEnd);
    await market.finalize(jobId);
    await expect(market.connect(challenger).challenge(jobId, { value: CB }))
      .to.be.revertedWithCustomError(market, "MarketWrongStatus")
      .withArgs(jobId, JobStatus.Finalized);
    await ledger.check();
  });

  it("hostile: finalize during the window reverts MarketWindowOpen", async () => {
    const { market, prover, jobId, windowEnd } = await networkHelpers.loadFixture(postedJob);
    await expect(market.connect(prover).finalize(jobId)).to.be.revertedWithCustomError(market, "MarketWindowOpen").withArgs(jobId, windowEnd);
    expect(await market.credits(prover.address)).to.equal(0n);
  });

  it("hostile: wrong bond amounts on claim and challenge revert MarketWrongBond and move no money", async () => {
    const { market, requester, prover, challenger, modelId, jobId } = await networkHelpers.loadFixture(postedJob);
    const ledger = new SolvencyLedger(market);
    await market.connect(requester).submitJob(modelId, [INPUT], ethers.ZeroAddress, await deadlineIn(3600), { value: FEE });
    await ledger.check();
    const before = await ethers.provider.getBalance(await market.getAddress());
    for (const sent of [0n, PB - 1n, PB + 1n]) {
      await expect(market.connect(prover).claimJob(2, { value: sent }))
        .to.be.revertedWithCustomError(market, "MarketWrongBond")
        .withArgs(PB, sent);
    }
    for (const sent of [0n, CB - 1n, CB + 1n]) {
      await expect(market.connect(challenger).challenge(jobId, { value: sent }))
        .to.be.revertedWithCustomError(market, "MarketWrongBond")
        .withArgs(CB, sent);
    }
    expect(await ethers.provider.getBalance(await market.getAddress())).to.equal(before);
    expect((await market.job(2)).status).to.equal(JobStatus.Open);
    expect(await market.gameCount()).to.equal(0n);
    await ledger.check();
  });

  it("hostile: a non-prover posting reverts MarketNotProver", async () => {
    const { market, prover, challenger, jobId } = await networkHelpers.loadFixture(claimedJob);
    await expect(market.connect(challenger).postResult(jobId, [OUTPUT]))
      .to.be.revertedWithCustomError(market, "MarketNotProver")
      .withArgs(challenger.address, prover.address);
    expect((await market.job(jobId)).status).to.equal(JobStatus.Claimed);
  });

  it("hostile: a job for an unregistered model id reverts RegistryUnknownModel", async () => {
    const { market, registry, requester } = await networkHelpers.loadFixture(deployMarket);
    const unknown = computeModelId(mnistParts({ nodeCount: 13 }));
    await expect(market.connect(requester).submitJob(unknown, [INPUT], ethers.ZeroAddress, await deadlineIn(600), { value: FEE }))
      .to.be.revertedWithCustomError(registry, "RegistryUnknownModel")
      .withArgs(unknown);
    expect(await market.jobCount()).to.equal(0n);
  });

  it("hostile: a registration whose parts do not hash to its id reverts RegistryModelIdMismatch", async () => {
    const { registry, other } = await networkHelpers.loadFixture(deployMarket);
    const honest = mnistParts({ nodeCount: 13 });
    const claimed = computeModelId(honest);
    const forged = mnistParts({ nodeCount: 13, valueRoot: toHex(Buffer.alloc(32, 0x66)) });
    await expect(registry.connect(other).register(claimed, partsStruct(forged), toHex(Buffer.alloc(32)), "ipfs://evil"))
      .to.be.revertedWithCustomError(registry, "RegistryModelIdMismatch")
      .withArgs(claimed, computeModelId(forged));
    expect(await registry.isRegistered(claimed)).to.equal(false);
  });

  it("hostile: an oversized or mis-shaped input reverts MarketInputTooLarge / TensorCommitmentLengthMismatch", async () => {
    const small = await networkHelpers.loadFixture(deploySmallMarket);
    await expect(small.market.connect(small.requester).submitJob(small.modelId, [INPUT], ethers.ZeroAddress, await deadlineIn(600), { value: FEE }))
      .to.be.revertedWithCustomError(small.market, "MarketInputTooLarge")
      .withArgs(INPUT_BYTES, 1000);
    await expect(small.market.connect(small.requester).submitJob(small.tinyModelId, [randomBytes(5)], ethers.ZeroAddress, await deadlineIn(600), { value: FEE }))
      .to.be.revertedWithCustomError(small.market, "TensorCommitmentLengthMismatch")
      .withArgs(4, 5);
    const big = await networkHelpers.loadFixture(deployMarket);
    await expect(big.market.connect(big.requester).submitJob(big.modelId, [randomBytes(INPUT_BYTES * 2)], ethers.ZeroAddress, await deadlineIn(600), { value: FEE }))
      .to.be.revertedWithCustomError(big.market, "TensorCommitmentLengthMismatch")
      .withArgs(INPUT_BYTES, INPUT_BYTES * 2);
    await expect(big.market.connect(big.requester).submitJob(big.modelId, [randomBytes(PARAMS.maxInputBytes + 1)], ethers.ZeroAddress, await deadlineIn(600), { value: FEE }))
      .to.be.revertedWithCustomError(big.market, "MarketInputTooLarge")
      .withArgs(PARAMS.maxInputBytes + 1, PARAMS.maxInputBytes);
  });

  it("hostile: a ReentrantReceiver prover re-entering withdraw gets exactly its credit once (reentry reverts ReentrancyGuardReentrantCall)", async () => {
    const { market, requester, modelId } = await networkHelpers.loadFixture(deployMarket);
    const ledger = new SolvencyLedger(market);
    const attacker = await ethers.deployContract("ReentrantReceiver", [await market.getAddress()]);
    const attackerAddress = await attacker.getAddress();
    await market.connect(requester).submitJob(modelId, [INPUT], ethers.ZeroAddress, await deadlineIn(3600), { value: FEE });
    await attacker.claim(1, { value: PB });
    await attacker.post(1, [OUTPUT]);
    await time.increase(PARAMS.challengeWindow);
    await market.finalize(1);
    await ledger.check();
    expect(await market.credits(attackerAddress)).to.equal(FEE + PB);

    const tx = attacker.withdraw();
    await expect(tx).to.changeEtherBalances(ethers, [attacker, market], [FEE + PB, -(FEE + PB)]);
    await expect(tx).to.emit(market, "Withdrawn").withArgs(attackerAddress, attackerAddress, FEE + PB);
    expect(await attacker.reentryAttempts()).to.equal(1n);
    expect(await attacker.reentrySucceeded()).to.equal(false);
    const reason = market.interface.parseError(await attacker.lastRevertData());
    expect(reason?.name).to.equal("ReentrancyGuardReentrantCall");
    expect(await market.credits(attackerAddress)).to.equal(0n);
    await ledger.check();
    await expect(attacker.withdraw()).to.be.revertedWithCustomError(market, "MarketNothingToWithdraw").withArgs(attackerAddress);
  });

  it("hostile: a ReentrantReceiver challenger paid after a fault cannot withdraw twice", async () => {
    const { market, game, jobId } = await networkHelpers.loadFixture(postedJob);
    const ledger = new SolvencyLedger(market);
    const attacker = await ethers.deployContract("ReentrantReceiver", [await market.getAddress()]);
    await attacker.challenge(jobId, { value: CB });
    await game.setStatus(1, GameStatus.ChallengerWon);
    await market.settleGame(1);
    const owed = CB + PB - burn(PB);
    expect(await market.credits(await attacker.getAddress())).to.equal(owed);
    await expect(attacker.withdraw()).to.changeEtherBalances(ethers, [attacker, market], [owed, -owed]);
    expect(market.interface.parseError(await attacker.lastRevertData())?.name).to.equal("ReentrancyGuardReentrantCall");
    await ledger.check();
  });

  it("hostile: ETH force-sent with ForceSender breaks neither finalize nor withdraw, and balance >= liabilities still holds", async () => {
    const { market, prover, requester, challenger, game, jobId, windowEnd } = await networkHelpers.loadFixture(twiceChallengedJob);
    const ledger = new SolvencyLedger(market);
    const marketAddress = await market.getAddress();
    const forced = ethers.parseEther("3.7");
    await ethers.deployContract("ForceSender", [marketAddress], { value: forced });
    ledger.addForced(forced);
    await ledger.check("after the force-send");

    await game.setStatus(1, GameStatus.ProverWon);
    await game.setStatus(2, GameStatus.ProverWon);
    await market.settleGame(1);
    await market.settleGame(2);
    await ledger.check("after settling");
    await time.increaseTo(windowEnd);
    await market.finalize(jobId);
    await ledger.check("after finalizing");

    const proverOwed = FEE + PB + 2n * (CB - burn(CB));
    expect(await market.credits(prover.address)).to.equal(proverOwed);
    await expect(market.connect(prover).withdraw(prover.address)).to.changeEtherBalances(ethers, [prover, market], [proverOwed, -proverOwed]);
    await expect(market.connect(challenger).withdraw(challenger.address)).to.be.revertedWithCustomError(market, "MarketNothingToWithdraw");
    await expect(market.connect(requester).withdraw(requester.address)).to.be.revertedWithCustomError(market, "MarketNothingToWithdraw");
    const l = await ledger.check("after withdrawing");
    expect(l.total).to.equal(2n * burn(CB));
    expect(l.balance).to.equal(l.total + forced);
  });

  for (const honestAbandons of [false, true]) {
    const after = honestAbandons ? "; the honest challenger stops playing after the fault and the prover wins its game on the clock" : "";
    it(`hostile: the prover concedes at once to its own second identity${after}; the honest challenger loses only gas, the requester is refunded, the prover pays the burn`, async () => {
      const f = await networkHelpers.loadFixture(postedJob);
      const { market, game, requester, prover, challenger: honest, other: puppet, jobId } = f;
      const ledger = new SolvencyLedger(market);
      const balance = (a: { getAddress(): Promise<string> }) => a.getAddress().then((x) => ethers.provider.getBalance(x));
      // The job is already submitted, claimed and posted; count from here plus what was spent before.
      const [honest0, puppet0, prover0, requester0] = await Promise.all([balance(honest), balance(puppet), balance(prover), balance(requester)]);
      const gas = new Map<string, bigint>([[honest.address, 0n], [puppet.address, 0n], [prover.address, 0n], [requester.address, 0n]]);
      const send = async (who: { address: string }, tx: Promise<ContractTransactionResponse>) => {
        gas.set(who.address, gas.get(who.address)! + (await gasOf(tx)));
        await ledger.check();
      };

      // The honest challenger opens game 1 and plays; the prover answers with move bonds.
      await send(honest, market.connect(honest).challenge(jobId, { value: CB }));
      const proverMoves = [ethers.parseEther("0.02"), ethers.parseEther("0.03")];
      const honestMoves = [ethers.parseEther("0.025")];
      await send(prover, game.connect(prover).postMoveBond(1, true, { value: proverMoves[0] }));
      await send(honest, game.connect(honest).postMoveBond(1, false, { value: honestMoves[0] }));
      await send(prover, game.connect(prover).postMoveBond(1, true, { value: proverMoves[1] }));

      // The prover's second identity opens game 2; the prover concedes it at once, and it is settled first.
      await send(puppet, market.connect(puppet).challenge(jobId, { value: CB }));
      await game.setStatus(2, GameStatus.ChallengerWon);
      const faulting = await market.connect(puppet).settleGame(2);
      await expect(faulting).to.emit(market, "JobFaulted").withArgs(jobId, 2);
      await send(puppet, Promise.resolve(faulting));
      expect((await market.job(jobId)).status).to.equal(JobStatus.Faulted);

      // Then the honest challenger's game is settled: it closes, the challenger whole plus the prover's move bonds.
      // A win of the prover after the fault changes nothing: no game is won by the prover after its fault.
      const mp = proverMoves[0] + proverMoves[1];
      const mc = honestMoves[0];
      if (honestAbandons) {
        await time.increase(3600);
        await game.setStatus(1, GameStatus.ProverWon);
      }
      const closing = await market.connect(honest).settleGame(1);
      await expect(closing).to.emit(market, "GameSettled").withArgs(1, jobId, GameStatus.Closed);
      await expect(closing).to.emit(market, "MoveBondsReleased").withArgs(1, mp, mc);
      await send(honest, Promise.resolve(closing));
      expect(await game.gameStatus(1)).to.equal(honestAbandons ? GameStatus.ProverWon : GameStatus.Closed);
      expect(await game.closeCalls()).to.equal(honestAbandons ? 0n : 1n);
      expect(await market.credits(honest.address)).to.equal(CB + mc + mp);
      expect(await market.credits(requester.address)).to.equal(FEE);

      for (const who of [honest, puppet, requester]) await send(who, market.connect(who).withdraw(who.address));
      await expect(market.connect(prover).withdraw(prover.address)).to.be.revertedWithCustomError(market, "MarketNothingToWithdraw");

      const [honest1, puppet1, prover1, requester1] = await Promise.all([balance(honest), balance(puppet), balance(prover), balance(requester)]);
      // Honest challenger: bond and own move bonds back, plus the prover's move bonds; gas is its only cost.
      expect(honest1 - honest0 + gas.get(honest.address)!).to.equal(mp);
      // Requester: the fee it paid at submission came back in full (only withdraw gas spent since).
      expect(requester1 - requester0 + gas.get(requester.address)!).to.equal(FEE);
      // Prover and puppet together: the prover's bond (already escrowed at claim) minus what the puppet recovered.
      const colluders = puppet1 - puppet0 + gas.get(puppet.address)! + (prover1 - prover0 + gas.get(prover.address)!);
      const recoveredByPuppet = CB + PB - burn(PB);
      expect(colluders).to.equal(recoveredByPuppet - CB - mp);
      const lostOfBond = PB - (colluders + mp);
      expect(lostOfBond >= (PB * BigInt(PARAMS.burnBps)) / 10_000n).to.equal(true);
      expect(lostOfBond).to.equal(burn(PB));
      const l = await ledger.check("everyone withdrew");
      expect(l.total).to.equal(await market.credits(PARAMS.burnSink));
      expect(l.gameBalance, "the game released every move bond").to.equal(0n);
    });
  }
});
