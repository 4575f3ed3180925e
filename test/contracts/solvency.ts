/**
 * The market's solvency invariant (DESIGN.md, "Money"): balance >= liabilities, where
 *   liabilities = fees of live jobs (Open, Claimed, Posted)
 *               + prover bonds of claimed jobs (Claimed, Posted)
 *               + the challenger bond of every unsettled game
 *               + the credit of every address that was ever credited.
 * Only ETH force-sent to the market (selfdestruct) may make the balance exceed the liabilities,
 * so a ledger that is told about forced ETH also checks balance == liabilities + forced.
 * Move bonds stay in the game contract until the market settles the game; the game's balance
 * must equal the move bonds of the unsettled games (the test-only MockDisputeGame's books).
 */
import { expect } from "chai";
import type { JobMarket, MockDisputeGame } from "../../types/ethers-contracts/index.js";
import { ethers } from "./fixtures.js";

/** JobStatus values as the contract numbers them. */
export const JobStatus = { None: 0n, Open: 1n, Claimed: 2n, Posted: 3n, Finalized: 4n, Faulted: 5n, Refunded: 6n } as const;
/** IDisputeGame.GameStatus values. */
export const GameStatus = { None: 0, InProgress: 1, ProverWon: 2, ChallengerWon: 3, Closed: 4 } as const;

export interface Liabilities {
  balance: bigint;
  fees: bigint;
  proverBonds: bigint;
  /** Challenger bonds of unsettled games (held by the market). */
  gameBonds: bigint;
  credits: bigint;
  total: bigint;
  /** Move bonds of unsettled games, by the game's books, and the game contract's balance. */
  moveBonds: bigint;
  gameBalance: bigint;
  /** Every job and game as read for this check (index i holds id i + 1). */
  jobs: Awaited<ReturnType<JobMarket["job"]>>[];
  games: Awaited<ReturnType<JobMarket["game"]>>[];
  /** Every account whose credit was counted. */
  accounts: string[];
}

/** Everything the market owes right now, read from its views and its Credited events. */
export async function liabilitiesOf(market: JobMarket, extraAccounts: readonly string[] = []): Promise<Liabilities> {
  const { proverBond, challengerBond } = await market.params();
  const [jobCount, gameCount] = await Promise.all([market.jobCount(), market.gameCount()]);

  const jobs = await Promise.all(Array.from({ length: Number(jobCount) }, (_, i) => market.job(i + 1)));
  let fees = 0n;
  let proverBonds = 0n;
  for (const j of jobs) {
    if (j.status === JobStatus.Open || j.status === JobStatus.Claimed || j.status === JobStatus.Posted) fees += j.fee;
    if (j.status === JobStatus.Claimed || j.status === JobStatus.Posted) proverBonds += proverBond;
  }

  const games = await Promise.all(Array.from({ length: Number(gameCount) }, (_, i) => market.game(i + 1)));
  const game = await gameOf(market);
  let gameBonds = 0n;
  let moveBonds = 0n;
  for (const [i, g] of games.entries()) {
    if (g.settled) continue;
    gameBonds += challengerBond;
    const [mp, mc] = await game.bondsOf(i + 1);
    moveBonds += mp + mc;
  }
  const gameBalance = await ethers.provider.getBalance(await game.getAddress());

  const credited = await market.queryFilter(market.filters.Credited(), 0, "latest");
  const accounts = new Set<string>([...extraAccounts.map((a) => a.toLowerCase()), ...credited.map((e) => e.args.account.toLowerCase())]);
  const creditList = await Promise.all([...accounts].map((a) => market.credits(a)));
  const credits = creditList.reduce((a, b) => a + b, 0n);

  const balance = await ethers.provider.getBalance(await market.getAddress());
  return {
    balance,
    fees,
    proverBonds,
    gameBonds,
    credits,
    total: fees + proverBonds + gameBonds + credits,
    moveBonds,
    gameBalance,
    jobs,
    games,
    accounts: [...accounts],
  };
}

/** The market's game contract, as the test-only MockDisputeGame. */
export async function gameOf(market: JobMarket): Promise<MockDisputeGame> {
  return (await ethers.getContractAt("MockDisputeGame", await market.disputeGame())) as unknown as MockDisputeGame;
}

/**
 * Tracks ETH force-sent to one market and checks the invariant. Create one per test, after
 * loadFixture: the fixture's snapshot revert would otherwise leave it counting vanished ETH.
 */
export class SolvencyLedger {
  forced = 0n;
  checks = 0;

  constructor(
    readonly market: JobMarket,
    readonly accounts: readonly string[] = [],
  ) {}

  /** Records `amount` wei force-sent to the market outside of its functions. */
  addForced(amount: bigint): void {
    this.forced += amount;
  }

  /** balance >= liabilities, balance == liabilities + forced ETH, game balance == unreleased move bonds. */
  async check(context = ""): Promise<Liabilities> {
    const l = await liabilitiesOf(this.market, this.accounts);
    const where = context ? ` (${context})` : "";
    expect(l.balance >= l.total, `market insolvent${where}: balance ${l.balance} < liabilities ${l.total}`).to.equal(true);
    expect(l.balance, `balance != liabilities + forced ETH${where}`).to.equal(l.total + this.forced);
    expect(l.gameBalance, `game balance != move bonds of unsettled games${where}`).to.equal(l.moveBonds);
    this.checks += 1;
    return l;
  }
}
