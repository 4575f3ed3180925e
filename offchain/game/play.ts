/**
 * Plays one game to its end with the solver on both sides (each over its own trace), for local
 * chains: demos, tests and benchmarks. A side with no move (it agrees with everything, or its
 * step cannot refute the claim) is left to time out; `advanceTime` then moves the local chain's
 * clock and anyone resolves. Records every move's kind and gas.
 */
import type { Signer } from "ethers";
import type { DisputeGame } from "../../types/ethers-contracts/index.js";
import { sendMove } from "./responder.js";
import { nextMove, type GameParams, type GameTrace } from "./solver.js";
import { challengerMoves, type GameSetup, type GameState } from "./types.js";
import type { Hex32 } from "../engine/commit/hash.js";

export interface PlayedMove {
  readonly by: "prover" | "challenger";
  readonly kind: string;
  readonly gas: bigint;
}

export interface PlayedGame {
  readonly moves: readonly PlayedMove[];
  readonly gas: bigint;
  readonly last: GameState;
  /** The side that ran out of time, or null when a move decided the game. */
  readonly timedOut: "prover" | "challenger" | null;
  readonly status: bigint;
  readonly wallMs: number;
}

export interface Side {
  readonly signer: Signer;
  readonly trace: GameTrace;
}

/** Contract errors that mean "this side cannot make its move", not a bug. */
const STUCK = /GameStepNotRefuted|OperandProof|StepProof|Accumulate|Layout|Elementwise|Quant/;

export async function playGame(
  game: DisputeGame,
  gameId: bigint,
  setup: GameSetup,
  first: GameState,
  sides: { prover: Side; challenger: Side },
  advanceTime: (seconds: number) => Promise<void>,
  params?: GameParams,
): Promise<PlayedGame> {
  const p = params ?? { fanout: Number(await game.fanout()), descentLevels: Number(await game.descentLevels()) };
  const started = Date.now();
  const moves: PlayedMove[] = [];
  let state = first;
  let posted: Hex32[] = [];
  let gas = 0n;
  for (;;) {
    const by = challengerMoves(state.phase) ? "challenger" : "prover";
    const side = sides[by];
    const move = nextMove(by, state, side.trace, p, posted);
    let stuck = move.kind === "none";
    if (!stuck) {
      try {
        const r = await sendMove(game.connect(side.signer) as DisputeGame, gameId, setup, state, move);
        moves.push({ by, kind: move.kind, gas: r.receipt.gasUsed });
        gas += r.receipt.gasUsed;
        if (r.state === null) {
          return { moves, gas, last: state, timedOut: null, status: await game.gameStatus(gameId), wallMs: Date.now() - started };
        }
        state = r.state;
        posted = r.posted;
      } catch (e) {
        if (!STUCK.test(String((e as Error).message))) throw e;
        stuck = true;
      }
    }
    if (stuck) {
      const [left] = await game.timeLeft(gameId);
      await advanceTime(Number(left) + 1);
      await (await game.resolveTimeout(gameId)).wait();
      return { moves, gas, last: state, timedOut: by, status: await game.gameStatus(gameId), wallMs: Date.now() - started };
    }
  }
}
