/**
 * Many challengers (DESIGN.md, "Many challengers"): ten watchers open games against one result at
 * once, all played in parallel with the real one-step verifiers on the tiny quantized model
 * (QuantizeLinear -> QLinearMatMul -> Reshape -> DequantizeLinear, ArgMax). Finality is delayed
 * by at most ONE game's worst case, finalize costs the same gas for 1 and for 10 games (counters,
 * no loop), and every challenger's money is accounted for, exactly, by the market's rules.
 *
 * One game's worst case, from the deployment parameters: each side spends at most its clock
 * budget plus one clock extension per turn it gets, and a game has at most M moves (maxMoves:
 * opening, level 1, transition, descent, leaf, level 3, one-step), so a game is resolvable at
 * most 2 * clockBudget + M * clockExtension after it opened.
 */
import { expect } from "chai";
import { DEVNET_GAME_PARAMS, DEVNET_PARAMS } from "../../offchain/chain/deploy.js";
import { runReference } from "../../offchain/engine/exec/reference.js";
import { runWithFault, shiftElement } from "../../offchain/engine/exec/fault.js";
import type { Tensor } from "../../offchain/engine/tensor.js";
import { gameTrace } from "../../offchain/game/game-trace.js";
import { projectSteps } from "../../offchain/game/steps.js";
import { Trace } from "../../offchain/game/trace.js";
import { tinyModel, TINY_INPUT } from "../engine/support/tiny-model.js";
import {
  challenge,
  deployWorld,
  ethers,
  expectCredits,
  expectedSettlement,
  FEE,
  GasBook,
  Job,
  LiveGame,
  maxMoves,
  moveBondsOf,
  networkHelpers,
  parsed,
  playInParallel,
  postResult,
  Status,
  submitAndClaim,
  burnOf,
} from "./support/game-harness.js";

const model = tinyModel();
const feeds = new Map([["x", TINY_INPUT]]);
const honestValues = runReference(model, feeds);
const CHALLENGERS = 10;
/** Blocks of the resolving, settling and finalizing transactions themselves (1 s each, and the
 *  wall-clock seconds the in-process chain adds while the test runs). */
const TX_SLACK = 60;

function trace(values: ReadonlyMap<string, Tensor>) {
  return gameTrace(new Trace(world0().commitment, values), projectSteps);
}

let cachedWorld: Awaited<ReturnType<typeof deployWorld>> | undefined;
const world0 = () => cachedWorld!;

/** A challenger's lie: node `node`'s element shifted, later nodes recomputed (it may vanish). */
function challengerLie(node: number, element: number, delta: number): Map<string, Tensor> {
  return runReference(model, feeds, { afterNode: (i, out) => (i === node ? shiftElement(out, element, delta) : out) });
}

async function fixture() {
  const w = await deployWorld(model, { ...DEVNET_PARAMS }, { ...DEVNET_GAME_PARAMS });
  cachedWorld = w;
  const [, requester, prover] = w.signers;
  const jobId = await submitAndClaim(w, requester!, prover!, feeds);
  return { w, requester: requester!, prover: prover!, jobId, challengers: w.signers.slice(3, 3 + CHALLENGERS), anyone: w.signers[15]! };
}

/** Moves the chain to just before the window's end, so that the games run past it. */
async function lateInTheWindow(w: Awaited<ReturnType<typeof fixture>>["w"], jobId: bigint, before: number) {
  const windowEnd = Number((await w.market.job(jobId)).timer);
  await networkHelpers.time.increaseTo(windowEnd - before);
  return windowEnd;
}

async function timestampOf(blockNumber: number): Promise<number> {
  return (await ethers.provider.getBlock(blockNumber))!.timestamp;
}

/**
 * A correct result challenged by `n` liars at once, each lying somewhere else; the honest prover
 * plays all games in parallel. Returns the figures the tests assert.
 */
async function correctResultAgainstLiars(n: number) {
  const f = await networkHelpers.loadFixture(fixture);
  const { w, prover, jobId } = f;
  const book = new GasBook();
  await postResult(w, prover, jobId, honestValues, book);
  const windowEnd = await lateInTheWindow(w, jobId, 40);
  const honest = trace(honestValues);
  const bound = 2 * w.gameParams.clockBudget + maxMoves(w, honest) * w.gameParams.clockExtension;
  const lies: [number, number, number][] = [[0, 0, 3], [0, 5, -2], [1, 1, 4], [1, 3, 1], [2, 2, 7], [2, 3, -1], [3, 0, 2], [3, 3, 5], [4, 0, 1], [1, 0, -3]];
  const games: LiveGame[] = [];
  for (let i = 0; i < n; i++) {
    const [node, element, delta] = lies[i]!;
    const opened = await challenge(w, f.challengers[i]!, jobId, book);
    games.push(new LiveGame(w, opened, { signer: prover, trace: honest }, { signer: f.challengers[i]!, trace: trace(challengerLie(node, element, delta)) }));
  }
  const balances0 = await Promise.all(f.challengers.map((c) => ethers.provider.getBalance(c.address)));
  await playInParallel(games, f.anyone, { book });

  let lastDecision = 0;
  for (const g of games) {
    const [status, decidedAt] = await w.game.gameResult(g.gameId);
    expect(status, `game ${g.gameId}`).to.equal(Status.ProverWon);
    expect(Number(decidedAt) - g.opened.openedAt, `game ${g.gameId} lasted longer than one game's worst case`).to.be.at.most(bound + TX_SLACK);
    lastDecision = Math.max(lastDecision, Number(decidedAt));
  }
  // Every liar loses its bond (the burn share burned); the prover collects the rest and every move bond.
  const sink = w.marketParams.burnSink;
  let proverCredit = 0n;
  for (const g of games) {
    const bonds = await moveBondsOf(w, g.gameId);
    const r = (await (await w.market.connect(f.anyone).settleGame(g.gameId)).wait())!;
    const want = expectedSettlement(w, { prover: prover.address, challenger: g.challenger.signer.address, requester: f.requester.address }, Status.ProverWon, true, false, FEE, bonds);
    expectCredits(w.market, r, want, `settling game ${g.gameId}`);
    expect(want[sink.toLowerCase()]).to.equal(burnOf(w, w.marketParams.challengerBond) + burnOf(w, bonds.mc));
    proverCredit += want[prover.address.toLowerCase()]!;
  }
  await networkHelpers.time.increaseTo(Math.max(windowEnd, (await networkHelpers.time.latest()) + 1));
  const fin = (await (await w.market.connect(f.anyone).finalize(jobId)).wait())!;
  expectCredits(w.market, fin, { [prover.address]: FEE + w.marketParams.proverBond }, "finalize");
  const finalizedAt = await timestampOf(fin.blockNumber);
  expect((await w.market.job(jobId)).status).to.equal(Job.Finalized);
  expect(await w.market.credits(prover.address)).to.equal(proverCredit + FEE + w.marketParams.proverBond);
  // Each liar's ETH: minus its gas, its challenger bond and its move bonds, nothing back.
  for (const [i, g] of games.entries()) {
    const now = await ethers.provider.getBalance(g.challenger.signer.address);
    const { mc } = await moveBondsOf(w, g.gameId);
    // balances0 was read after the challenge: its bond and gas are already gone from it.
    expect(now - balances0[i]!, `liar ${i}`).to.equal(-(mc + (book.of(g.challenger.signer.address) - gasOfChallenge(g))));
  }
  expect(await ethers.provider.getBalance(await w.game.getAddress()), "the game released every move bond").to.equal(0n);
  return { windowEnd, finalizedAt, lastDecision, bound, finalizeGas: fin.gasUsed, moves: games.map((g) => g.movesBy.prover + g.movesBy.challenger) };
}

function gasOfChallenge(g: LiveGame): bigint {
  return g.opened.receipt.gasUsed * g.opened.receipt.gasPrice;
}

describe("dispute game: ten challengers at once (real verifiers, tiny model)", function () {
  this.timeout(120_000);

  it("ten liars against one correct result: finality waits at most one game's worst case (2 x clockBudget + M x clockExtension), every liar loses its bond (the burn share burned, the rest and every move bond to the prover), and finalize gas is the same as with one game", async () => {
    const ten = await correctResultAgainstLiars(CHALLENGERS);
    const one = await correctResultAgainstLiars(1);
    console.log(
      `      bound ${ten.bound} s (2 x ${DEVNET_GAME_PARAMS.clockBudget} + M = ${(ten.bound - 2 * DEVNET_GAME_PARAMS.clockBudget) / DEVNET_GAME_PARAMS.clockExtension} x ${DEVNET_GAME_PARAMS.clockExtension}); finality ${ten.finalizedAt - ten.windowEnd} s after the window with 10 games (last decision ${ten.lastDecision - ten.windowEnd} s after it), ${one.finalizedAt - one.windowEnd} s with 1; moves per game ${ten.moves.join(",")}`,
    );
    console.log(`      finalize gas: ${one.finalizeGas} with 1 resolved game, ${ten.finalizeGas} with 10`);
    expect(ten.finalizedAt - ten.windowEnd).to.be.at.most(ten.bound + TX_SLACK);
    // Ten games in parallel do not add up: no later than one game's worst case after the window.
    expect(ten.finalizedAt - ten.windowEnd).to.be.lessThan(2 * ten.bound);
    const diff = ten.finalizeGas > one.finalizeGas ? ten.finalizeGas - one.finalizeGas : one.finalizeGas - ten.finalizeGas;
    expect(Number(diff), `finalize gas ${one.finalizeGas} (1 game) vs ${ten.finalizeGas} (10 games)`).to.be.at.most(300);
  });

  it("the bound is a game's real worst case: with both sides always moving at the last second of their clocks, a game still ends within 2 x clockBudget + M x clockExtension of its opening", async () => {
    for (const wrongResult of [true, false]) {
      const f = await networkHelpers.loadFixture(fixture);
      const { w, prover, jobId } = f;
      const lie = runWithFault(model, feeds, { node: 1, element: 2, delta: 3 });
      await postResult(w, prover, jobId, wrongResult ? lie.values : honestValues);
      const honest = trace(honestValues);
      const bound = 2 * w.gameParams.clockBudget + maxMoves(w, honest) * w.gameParams.clockExtension;
      const opened = await challenge(w, f.challengers[0]!, jobId);
      const g = new LiveGame(w, opened, { signer: prover, trace: wrongResult ? trace(lie.values) : honest }, { signer: f.challengers[0]!, trace: wrongResult ? honest : trace(challengerLie(1, 1, 2)) });
      for (;;) {
        // timeLeft is read at the latest block: the clock expires at latest + left.
        const [left] = await w.game.timeLeft(g.gameId);
        await networkHelpers.time.setNextBlockTimestamp((await networkHelpers.time.latest()) + Number(left) - 1);
        if (!(await g.step()) || g.done) break;
      }
      if (!g.done) {
        const [left] = await w.game.timeLeft(g.gameId);
        await networkHelpers.time.increase(Number(left));
        await (await w.game.connect(f.anyone).resolveTimeout(g.gameId)).wait();
      }
      const [status, decidedAt] = await w.game.gameResult(g.gameId);
      const lasted = Number(decidedAt) - opened.openedAt;
      console.log(`      ${wrongResult ? "wrong result, honest challenger" : "correct result, lying challenger"}: ${g.movesBy.prover + g.movesBy.challenger} moves, all at the last second: ${lasted} s of a ${bound} s bound`);
      expect(status).to.equal(wrongResult ? Status.ChallengerWon : Status.ProverWon);
      expect(lasted).to.be.at.most(bound);
      // Every move spent (almost) a whole clock: the game ran far past one budget.
      expect(lasted).to.be.greaterThan(w.gameParams.clockBudget);
    }
  });

  it("ten honest challengers against one wrong result: the first game to prove the fault takes the prover's bond less the burn, every other game closes (settled mid-game or after its own win) and refunds its challenger plus the prover's move bonds in it", async () => {
    const f = await networkHelpers.loadFixture(fixture);
    const { w, prover, requester, jobId } = f;
    const book = new GasBook();
    const lie = runWithFault(model, feeds, { node: 1, element: 2, delta: 3 });
    await postResult(w, prover, jobId, lie.values, book);
    const windowEnd = await lateInTheWindow(w, jobId, 40);
    const honest = trace(honestValues);
    const liar = trace(lie.values);
    const bound = 2 * w.gameParams.clockBudget + maxMoves(w, honest) * w.gameParams.clockExtension;
    const balances0 = await Promise.all(f.challengers.map((c) => ethers.provider.getBalance(c.address)));
    const games: LiveGame[] = [];
    for (const c of f.challengers) games.push(new LiveGame(w, await challenge(w, c, jobId, book), { signer: prover, trace: liar }, { signer: c, trace: honest }));
    // Half the games see the prover walk away after its opening: they end on its clock.
    for (const g of games.slice(5)) g.quitAfter.prover = 1 + (Number(g.gameId) % 3);

    const who = (g: LiveGame) => ({ prover: prover.address, challenger: g.challenger.signer.address, requester: requester.address });
    const paid = new Map<string, bigint>();
    const fault = { by: null as bigint | null };
    const settle = async (g: LiveGame) => {
      const [outcome] = await w.game.gameResult(g.gameId);
      const bonds = await moveBondsOf(w, g.gameId);
      const faultedBefore = fault.by !== null;
      const r = (await (await w.market.connect(f.anyone).settleGame(g.gameId)).wait())!;
      const want = expectedSettlement(w, who(g), outcome, false, faultedBefore, FEE, bonds);
      expectCredits(w.market, r, want, `settling game ${g.gameId} (${faultedBefore ? "after the fault" : "first loss"})`);
      const settled = parsed(w.market.interface, r, "GameSettled")[0]!;
      expect(settled.args.outcome).to.equal(faultedBefore ? Status.Closed : Status.ChallengerWon);
      if (!faultedBefore) fault.by = g.gameId;
      else if (outcome === Status.ChallengerWon) wonAfterFault += 1;
      paid.set(g.challenger.signer.address, want[g.challenger.signer.address.toLowerCase()]!);
      if (outcome === Status.InProgress) expect(await w.game.gameStatus(g.gameId)).to.equal(Status.Closed);
    };
    // The first decided game is settled at once and faults the result; right after, four games
    // still in progress are closed by the market; the rest are settled after their own end.
    let closedMidGame = 0;
    let wonAfterFault = 0;
    await playInParallel(games, f.anyone, {
      book,
      onDecided: async (g) => {
        await settle(g);
        if (closedMidGame === 0) {
          for (const other of games) {
            if (closedMidGame < 4 && !other.done && (await w.game.gameStatus(other.gameId)) === Status.InProgress) {
              await settle(other);
              closedMidGame += 1;
            }
          }
        }
      },
    });
    expect(closedMidGame).to.equal(4);
    expect(wonAfterFault, "games won by their challenger after the fault, settled as closed").to.be.greaterThan(0);
    for (const g of games) if (!paid.has(g.challenger.signer.address)) await settle(g);
    const job = await w.market.job(jobId);
    expect(job.status).to.equal(Job.Faulted);
    expect(job.openGames).to.equal(0n);
    expect(Number(job.timer) - windowEnd, "the result faulted within one game's worst case").to.be.at.most(bound + TX_SLACK);
    expect(await w.market.credits(requester.address)).to.equal(FEE);
    expect(await w.market.credits(prover.address)).to.equal(0n);

    // Everyone withdraws: each challenger's ETH changed by minus its gas plus what it was paid
    // beyond its own bonds; the one that proved the fault gained the prover's bond less the burn.
    for (const [i, g] of games.entries()) {
      const c = g.challenger.signer;
      book.add((await (await w.market.connect(c).withdraw(c.address)).wait())!);
      const { mp, mc } = await moveBondsOf(w, g.gameId);
      expect(paid.get(c.address)).to.equal(
        g.gameId === fault.by ? w.marketParams.challengerBond + w.marketParams.proverBond - burnOf(w, w.marketParams.proverBond) + mc + mp - burnOf(w, mp) : w.marketParams.challengerBond + mc + mp,
      );
      const delta = (await ethers.provider.getBalance(c.address)) - balances0[i]!;
      expect(delta, `challenger ${i}: balance change`).to.equal(paid.get(c.address)! - w.marketParams.challengerBond - mc - book.of(c.address));
      expect(delta >= -gasOfChallenge(g) || g.gameId === fault.by, `challenger ${i} lost more than its opening transaction's gas`).to.equal(true);
    }
    expect(await ethers.provider.getBalance(await w.game.getAddress())).to.equal(0n);
    expect(await ethers.provider.getBalance(await w.market.getAddress())).to.equal(FEE + (await w.market.credits(w.marketParams.burnSink)));
  });
});
