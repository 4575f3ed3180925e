/**
 * Seeded random actors against the market: submit, claim (and reclaim), post, challenge, move
 * bonds, decide games (also after their job faulted), settle with random outcomes, finalize,
 * refund, withdraw, time jumps and forced ETH.
 * After EVERY action: balance >= liabilities, balance == liabilities + force-sent ETH, and the
 * game holds exactly the move bonds of unsettled games. Every settlement pays by the outcome
 * the rules give: a game the prover won at or after its job's fault settles as Closed.
 * A revert is accepted only if it decodes to one of the protocol's custom errors (never a panic).
 * At the end everything is wound down and paid out: the market keeps exactly the forced ETH.
 */
import { expect } from "chai";
import type { ContractTransactionReceipt, ContractTransactionResponse } from "ethers";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/types";
import { Rng } from "../engine/support/prng.js";
import { deployMarket, ethers, INPUT_BYTES, networkHelpers, PARAMS, randomBytes, OUTPUT_BYTES } from "./fixtures.js";
import { GameStatus, JobStatus, SolvencyLedger, type Liabilities } from "./solvency.js";

const { time } = networkHelpers;
const ACTIONS = 600;

type Action = "submit" | "claim" | "post" | "challenge" | "moveBond" | "decide" | "settle" | "finalize" | "refund" | "withdraw" | "warp" | "force";
const WEIGHTS: [Action, number][] = [
  ["submit", 12],
  ["claim", 12],
  ["post", 12],
  ["challenge", 10],
  ["moveBond", 12],
  ["decide", 6],
  ["settle", 8],
  ["finalize", 8],
  ["refund", 5],
  ["withdraw", 10],
  ["warp", 10],
  ["force", 1],
];

function pickAction(rng: Rng): Action {
  const total = WEIGHTS.reduce((a, [, w]) => a + w, 0);
  let x = rng.int(0, total - 1);
  for (const [a, w] of WEIGHTS) {
    if (x < w) return a;
    x -= w;
  }
  throw new Error("unreachable");
}

describe("JobMarket under random actors", () => {
  it(`keeps balance == liabilities + forced ETH after each of ${ACTIONS} seeded random actions, then pays everyone out`, async function () {
    this.timeout(600_000);
    const f = await networkHelpers.loadFixture(deployMarket);
    const { market, game, modelId } = f;
    const signers = await ethers.getSigners();
    const requesters = signers.slice(1, 4);
    const provers = signers.slice(4, 8);
    const challengers = signers.slice(8, 12);
    const everyone = signers.slice(1, 14);
    const ledger = new SolvencyLedger(market, everyone.map((s) => s.address));
    const rng = new Rng(0x5eed);
    const inputs = [0, 1, 2].map((i) => randomBytes(INPUT_BYTES, 100 + i));
    const outputs = [0, 1].map((i) => randomBytes(OUTPUT_BYTES, 200 + i));
    const customErrors = new Set<string>();
    const succeeded = new Map<Action, number>();
    const reverted = new Map<string, number>();
    const interfaces = [market.interface, f.registry.interface, game.interface];

    /** Sends; a revert must decode to a custom error of one of our contracts. The receipt, or null on a revert. */
    async function attempt(action: Action, tx: () => Promise<ContractTransactionResponse>): Promise<ContractTransactionReceipt | null> {
      try {
        const receipt = await (await tx()).wait();
        succeeded.set(action, (succeeded.get(action) ?? 0) + 1);
        return receipt;
      } catch (e) {
        const data = (e as { data?: string }).data;
        const decoded = data ? interfaces.map((i) => i.parseError(data)).find((d) => d) : undefined;
        if (!decoded) throw new Error(`${action} reverted without a protocol custom error: ${(e as Error).message}`);
        customErrors.add(decoded.name);
        reverted.set(`${action}:${decoded.name}`, (reverted.get(`${action}:${decoded.name}`) ?? 0) + 1);
        return null;
      }
    }

    /** Decides an undecided game at random (the prover wins 4 times in 7), recording nothing else. */
    async function decideAtRandom(id: bigint): Promise<void> {
      if ((await game.gameStatus(id)) !== BigInt(GameStatus.InProgress)) return;
      const r = rng.next();
      if (r < 0.4) await (await game.setStatus(id, GameStatus.ProverWon)).wait();
      else if (r < 0.7) await (await game.setStatus(id, GameStatus.ChallengerWon)).wait();
    }

    /** Settlements by how a prover's win was treated once its job had faulted. */
    const proverWins = { beforeFault: 0, afterFault: 0 };
    /** The outcome GameSettled must carry, from the rules and the state before settling. */
    async function expectedOutcome(id: bigint, jobId: bigint): Promise<number | null> {
      const [status, decidedAt] = await game.gameResult(id);
      const j = await market.job(jobId);
      const faulted = j.status === JobStatus.Faulted;
      const decided = status === BigInt(GameStatus.ProverWon) || status === BigInt(GameStatus.ChallengerWon);
      if (!decided && !(faulted && status === BigInt(GameStatus.InProgress))) return null; // must revert
      if (!faulted) return Number(status);
      if (status === BigInt(GameStatus.ProverWon)) {
        if (decidedAt < j.timer) return GameStatus.ProverWon;
      }
      return GameStatus.Closed;
    }

    const jobsWith = (l: Liabilities, ...statuses: bigint[]) =>
      l.jobs.map((j, i) => ({ id: BigInt(i + 1), j })).filter(({ j }) => statuses.includes(j.status));
    const unsettledGames = (l: Liabilities) => l.games.map((g, i) => ({ id: BigInt(i + 1), g })).filter(({ g }) => !g.settled);
    const signerOf = (address: string): HardhatEthersSigner => signers.find((s) => s.address === address)!;
    /** A game whose job faulted or has other games open: where the order of outcomes matters. */
    const sharesItsJob = (l: Liabilities, jobId: bigint) => {
      const j = l.jobs[Number(jobId) - 1]!;
      return j.status === JobStatus.Faulted || j.openGames > 1n;
    };
    /** Mostly the candidates `ripe` accepts (when there are any), sometimes any: both paths get exercised. */
    const pickMostly = <T>(candidates: T[], ripe: (c: T) => boolean): T => {
      const preferred = candidates.filter(ripe);
      return preferred.length > 0 && rng.bool(0.8) ? rng.pick(preferred) : rng.pick(candidates);
    };

    let state = await ledger.check("start");
    // Every step ends with a check, also a step that found nothing to act on.
    for (let step = 0; step < ACTIONS; step++) {
      const action = pickAction(rng);
      switch (action) {
        case "submit": {
          const requester = rng.pick(requesters);
          const fee = rng.bool(0.2) ? 0n : BigInt(rng.int(1, 300)) * 10n ** 15n;
          const named = rng.bool(0.3) ? rng.pick(provers).address : ethers.ZeroAddress;
          const deadline = (await time.latest()) + rng.int(200, 4000);
          await attempt(action, () => market.connect(requester).submitJob(modelId, [rng.pick(inputs)], named, deadline, { value: fee }));
          break;
        }
        case "claim": {
          const candidates = jobsWith(state, JobStatus.Open, JobStatus.Claimed);
          if (candidates.length === 0) break;
          const now = BigInt(await time.latest());
          const { id, j } = pickMostly(candidates, ({ j }) => j.deadline > now + 1n && (j.status === JobStatus.Open || j.timer <= now + 1n));
          const prover = j.proverNamed && rng.bool(0.9) ? signerOf(j.prover) : rng.pick(provers);
          const bond = rng.bool(0.95) ? PARAMS.proverBond : PARAMS.proverBond + BigInt(rng.int(-1, 1) || 1);
          await attempt(action, () => market.connect(prover).claimJob(id, { value: bond }));
          break;
        }
        case "post": {
          const candidates = jobsWith(state, JobStatus.Claimed);
          if (candidates.length === 0) break;
          const now = BigInt(await time.latest());
          const { id, j } = pickMostly(candidates, ({ j }) => j.timer > now + 1n);
          const caller = rng.bool(0.9) ? signerOf(j.prover) : rng.pick(provers);
          await attempt(action, () => market.connect(caller).postResult(id, [rng.pick(outputs)]));
          break;
        }
        case "challenge": {
          const candidates = jobsWith(state, JobStatus.Posted);
          if (candidates.length === 0) break;
          const now = BigInt(await time.latest());
          // Half the time, a result already under challenge: several games of one job meet.
          const contested = rng.bool(0.5);
          const { id } = pickMostly(candidates, ({ j }) => j.timer > now + 1n && (!contested || j.openGames > 0n));
          const challenger = rng.pick(rng.bool(0.8) ? challengers : provers);
          await attempt(action, () => market.connect(challenger).challenge(id, { value: PARAMS.challengerBond }));
          break;
        }
        case "moveBond": {
          const candidates = unsettledGames(state);
          if (candidates.length === 0) break;
          const { id, g } = rng.pick(candidates);
          const byProver = rng.bool();
          const payer = byProver ? signerOf(state.jobs[Number(g.jobId) - 1].prover) : signerOf(g.challenger);
          await attempt(action, () => game.connect(payer).postMoveBond(id, byProver, { value: BigInt(rng.int(1, 50)) * 10n ** 15n }));
          break;
        }
        case "decide": {
          // Decide without settling: a later fault of the job may land before or after this.
          const candidates = unsettledGames(state);
          if (candidates.length === 0) break;
          await decideAtRandom(pickMostly(candidates, ({ g }) => sharesItsJob(state, g.jobId)).id);
          succeeded.set(action, (succeeded.get(action) ?? 0) + 1);
          break;
        }
        case "settle": {
          const candidates = unsettledGames(state);
          if (candidates.length === 0) break;
          const { id, g } = pickMostly(candidates, ({ g }) => sharesItsJob(state, g.jobId));
          if (rng.bool(0.7)) await decideAtRandom(id);
          const expected = await expectedOutcome(id, g.jobId);
          const wasFaulted = (await market.job(g.jobId)).status === JobStatus.Faulted;
          const [status] = await game.gameResult(id);
          const receipt = await attempt(action, () => market.connect(rng.pick(everyone)).settleGame(id));
          expect(receipt === null, `settle ${id}: reverted ${receipt === null}, expected outcome ${expected}`).to.equal(expected === null);
          if (receipt === null) break;
          const settled = receipt.logs.map((l) => market.interface.parseLog(l)).find((e) => e?.name === "GameSettled");
          expect(Number(settled!.args.outcome), `outcome of game ${id}`).to.equal(expected);
          if (wasFaulted && status === BigInt(GameStatus.ProverWon)) {
            if (expected === GameStatus.ProverWon) proverWins.beforeFault += 1;
            else proverWins.afterFault += 1;
          }
          break;
        }
        case "finalize": {
          const candidates = jobsWith(state, JobStatus.Posted);
          if (candidates.length === 0) break;
          const now = BigInt(await time.latest());
          const { id } = pickMostly(candidates, ({ j }) => j.timer <= now && j.openGames === 0n);
          await attempt(action, () => market.connect(rng.pick(everyone)).finalize(id));
          break;
        }
        case "refund": {
          const candidates = jobsWith(state, JobStatus.Open, JobStatus.Claimed);
          if (candidates.length === 0) break;
          const now = BigInt(await time.latest());
          const { id } = pickMostly(candidates, ({ j }) => j.deadline <= now);
          await attempt(action, () => market.connect(rng.pick(everyone)).refundExpired(id));
          break;
        }
        case "withdraw": {
          const owed = await Promise.all(everyone.map(async (s) => ({ s, c: await market.credits(s.address) })));
          const withCredit = owed.filter(({ c }) => c > 0n);
          const who = withCredit.length > 0 && rng.bool(0.85) ? rng.pick(withCredit).s : rng.pick(everyone);
          const to = rng.bool(0.7) ? who.address : rng.pick(signers).address;
          await attempt(action, () => market.connect(who).withdraw(to));
          break;
        }
        case "warp": {
          await time.increase(rng.bool(0.8) ? rng.int(1, 300) : rng.int(300, 2500));
          succeeded.set(action, (succeeded.get(action) ?? 0) + 1);
          break;
        }
        case "force": {
          const amount = BigInt(rng.int(1, 1000)) * 10n ** 14n;
          await ethers.deployContract("ForceSender", [await market.getAddress()], { value: amount });
          ledger.addForced(amount);
          succeeded.set(action, (succeeded.get(action) ?? 0) + 1);
          break;
        }
      }
      state = await ledger.check(`step ${step}, ${action}`);
    }

    // Wind everything down: past every deadline and window, decide and settle every game,
    // finalize or refund every job, and let every credited account withdraw.
    await time.increase(10 * (PARAMS.challengeWindow + 4000));
    // Games still undecided: the prover wins those of standing results, and half of those of
    // faulted results too (after the fault, so they settle as Closed); the rest close undecided.
    for (const { id, g } of unsettledGames(state)) {
      const status = await game.gameStatus(id);
      const faulted = (await market.job(g.jobId)).status === JobStatus.Faulted;
      if (status === BigInt(GameStatus.InProgress) && (!faulted || rng.bool())) await game.setStatus(id, GameStatus.ProverWon);
      const expected = await expectedOutcome(id, g.jobId);
      if (faulted && (await game.gameStatus(id)) === BigInt(GameStatus.ProverWon)) {
        if (expected === GameStatus.ProverWon) proverWins.beforeFault += 1;
        else proverWins.afterFault += 1;
      }
      await expect(market.settleGame(id)).to.emit(market, "GameSettled").withArgs(id, g.jobId, expected);
      state = await ledger.check(`wind-down settle ${id}`);
    }
    for (const { id } of jobsWith(state, JobStatus.Posted)) {
      await (await market.finalize(id)).wait();
      state = await ledger.check(`wind-down finalize ${id}`);
    }
    for (const { id } of jobsWith(state, JobStatus.Open, JobStatus.Claimed)) {
      await (await market.refundExpired(id)).wait();
      state = await ledger.check(`wind-down refund ${id}`);
    }
    expect(state.fees + state.proverBonds + state.gameBonds).to.equal(0n);
    expect([state.moveBonds, state.gameBalance], "every move bond released").to.deep.equal([0n, 0n]);
    for (const account of state.accounts) {
      if ((await market.credits(account)) === 0n) continue;
      if (account === PARAMS.burnSink.toLowerCase()) continue;
      await (await market.connect(signerOf(ethers.getAddress(account))).withdraw(account)).wait();
      state = await ledger.check(`wind-down withdraw ${account}`);
    }
    expect(state.total).to.equal(await market.credits(PARAMS.burnSink));
    expect(state.balance).to.equal(state.total + ledger.forced);

    if (process.env.VERINFER_VERBOSE) console.log({ succeeded, reverted, proverWins });
    // The run exercised every path it claims to.
    for (const a of ["submit", "claim", "post", "challenge", "moveBond", "decide", "settle", "finalize", "refund", "withdraw"] as Action[]) {
      expect(succeeded.get(a) ?? 0, `successful ${a} actions`).to.be.greaterThan(3);
    }
    // Games the prover won after their job faulted settled as Closed, and some won before it paid the prover.
    expect(proverWins.afterFault, "prover wins after a fault, settled as Closed").to.be.greaterThan(0);
    expect(proverWins.beforeFault, "prover wins before a fault, settled after it").to.be.greaterThan(0);
    const jobs = state.jobs;
    for (const s of [JobStatus.Finalized, JobStatus.Faulted, JobStatus.Refunded]) {
      expect(jobs.some((j) => j.status === s), `some job ended ${s}`).to.equal(true);
    }
    expect(ledger.checks).to.be.greaterThan(ACTIONS);
    expect(customErrors.size).to.be.greaterThan(3);
  });

  it("the solvency check is live: untracked force-sent ETH makes it fail", async () => {
    const { market } = await networkHelpers.loadFixture(deployMarket);
    const ledger = new SolvencyLedger(market);
    await ethers.deployContract("ForceSender", [await market.getAddress()], { value: 1n });
    let failed = false;
    await ledger.check().catch(() => (failed = true));
    expect(failed).to.equal(true);
    ledger.addForced(1n);
    await ledger.check();
  });
});
