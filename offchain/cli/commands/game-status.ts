import { connect } from "../../chain/network.js";
import { loadDeployment } from "../../chain/deployments.js";
import { JobMarket__factory } from "../../chain/contracts.js";
import { DisputeGame__factory } from "../../../types/ethers-contracts/index.js";
import { Phase, stateFromEvent, type GameState } from "../../game/types.js";
import { UsageError } from "../../errors.js";
import { GAME_STATUS } from "../../store/games.js";
import { printJson } from "../output.js";

/** The game's level (DESIGN.md, "The dispute game") from its phase. */
export function levelOf(phase: Phase): number {
  if (phase === Phase.AwaitOpening || phase === Phase.None) return 0;
  if (phase <= Phase.Transition) return 1;
  if (phase <= Phase.LeafPick) return 2;
  return 3;
}

/**
 * The games of a result (a job id), or one game (`game:N`); `job:N` forces a job id. A bare
 * number is a job id.
 */
export async function gameStatusCommand(idText: string, opts: { network: string; json?: boolean }): Promise<void> {
  const m = /^(?:(job|game):)?(\d+)$/.exec(idText);
  if (!m) throw new UsageError(`expected a job id, job:N or game:N, got "${idText}"`);
  const chain = await connect(opts.network);
  try {
    const d = loadDeployment(chain.chainId);
    if (!d.market || !d.disputeGame) throw new UsageError(`no JobMarket/DisputeGame in the deployment of chain ${chain.chainId}`);
    const market = JobMarket__factory.connect(d.market, chain.provider);
    const game = DisputeGame__factory.connect(d.disputeGame, chain.provider);
    const id = BigInt(m[2]!);
    let jobId: bigint;
    let gameIds: bigint[];
    if (m[1] === "game") {
      const rec = await market.game(id);
      if (rec.jobId === 0n) throw new UsageError(`no game ${id}`);
      jobId = rec.jobId;
      gameIds = [id];
    } else {
      jobId = id;
      if ((await market.job(id)).status === 0n) throw new UsageError(`no job ${id}`);
      gameIds = (await market.queryFilter(market.filters.JobChallenged(id), d.blockNumber)).map((e) => e.args.gameId);
    }
    const [moveBond, params] = await Promise.all([game.moveBond(), market.params()]);
    const games = [];
    for (const gameId of gameIds) {
      const [slot, rec, [left, challengerToMove]] = await Promise.all([game.gameSlot(gameId), market.game(gameId), game.timeLeft(gameId)]);
      let state: GameState | null = null;
      for (const ev of await game.queryFilter(game.filters.GameOpened(gameId), d.blockNumber)) state = stateFromEvent(ev.args.state);
      const moved = await game.queryFilter(game.filters.Moved(gameId), d.blockNumber);
      if (moved.length > 0) state = stateFromEvent(moved[moved.length - 1]!.args.state);
      const status = GAME_STATUS[Number(slot.status)] ?? "None";
      games.push({
        gameId,
        challenger: rec.challenger,
        status,
        settled: rec.settled,
        level: state ? levelOf(state.phase) : null,
        phase: state ? Phase[state.phase] : null,
        position: state ? { lo: state.lo, hi: state.hi, node: state.node, element: state.element, treePosition: state.position, height: state.height } : null,
        moves: moved.length,
        clocks: {
          toMove: status === "InProgress" ? (challengerToMove ? "challenger" : "prover") : null,
          secondsLeft: status === "InProgress" ? left : null,
          proverLeft: slot.proverLeft,
          challengerLeft: slot.challengerLeft,
          lastMoveAt: Number(slot.lastMoveAt),
        },
        bonds: {
          challengerBond: params.challengerBond,
          proverMoveBonds: BigInt(slot.proverMoves) * moveBond,
          challengerMoveBonds: BigInt(slot.challengerMoves) * moveBond,
        },
      });
    }
    const answer = { jobId, proverBond: params.proverBond, games };
    if (opts.json) {
      printJson(answer);
      return;
    }
    console.log(`job ${jobId}: ${games.length} game(s)`);
    for (const g of games) {
      console.log(
        `  game ${g.gameId}  ${g.status}${g.settled ? " (settled)" : ""}  level ${g.level ?? "-"} ${g.phase ?? ""}  moves ${g.moves}` +
          (g.clocks.toMove ? `  ${g.clocks.toMove} to move, ${g.clocks.secondsLeft} s left` : "") +
          `  challenger ${g.challenger}`,
      );
    }
  } finally {
    await chain.close();
  }
}
