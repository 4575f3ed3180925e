/**
 * The responder (STYLE.md: apart from the solver): sends a solver's move to the game contract
 * with the exact move bond, and reads the new state and the posted values from the `Moved` event.
 */
import type { ContractTransactionReceipt } from "ethers";
import type { DisputeGame } from "../../types/ethers-contracts/index.js";
import { callContract } from "../chain/contracts.js";
import type { Hex32 } from "../engine/commit/hash.js";
import type { Move } from "./solver.js";
import { stateFromEvent, type GameSetup, type GameState } from "./types.js";

export interface MoveResult {
  readonly receipt: ContractTransactionReceipt;
  /** The state after the move, or null when the move decided the game. */
  readonly state: GameState | null;
  readonly posted: Hex32[];
}

export async function sendMove(game: DisputeGame, gameId: bigint, setup: GameSetup, state: GameState, move: Move): Promise<MoveResult> {
  const value = await game.moveBond();
  const opts = { value };
  const send = (): Promise<{ wait(): Promise<ContractTransactionReceipt | null> }> => {
    switch (move.kind) {
      case "open":
        return game.open(gameId, setup, state, move.proof, opts);
      case "post":
        return game.post(gameId, setup, state, move.values, opts);
      case "pick":
        return game.pick(gameId, setup, state, move.values, move.index, opts);
      case "transition":
        return game.transition(gameId, setup, state, move.proof, opts);
      case "postChildren":
        return game.postChildren(gameId, setup, state, move.nodes, opts);
      case "pickChild":
        return game.pickChild(gameId, setup, state, move.nodes, move.index, opts);
      case "revealLeaves":
        return game.revealLeaves(gameId, setup, state, move.left, move.right, opts);
      case "pickElement":
        return game.pickElement(gameId, setup, state, { left: move.left, right: move.right, offset: move.offset, descriptor: move.descriptor, inputTypes: move.inputTypes }, opts);
      case "step":
        return game.step(gameId, setup, state, move.descriptor, move.inputTypes, move.proof, opts);
      case "none":
        throw new Error(`no move to send: ${move.reason}`);
    }
  };
  const tx = await callContract(`game move ${move.kind}`, send);
  const receipt = await tx.wait();
  if (receipt === null) throw new Error(`game move ${move.kind}: the transaction was dropped`);
  for (const log of receipt.logs) {
    const parsed = (() => {
      try {
        return game.interface.parseLog(log);
      } catch {
        return null;
      }
    })();
    if (parsed?.name === "Moved") {
      return { receipt, state: stateFromEvent(parsed.args.state), posted: [...(parsed.args.posted as string[])] as Hex32[] };
    }
  }
  return { receipt, state: null, posted: [] };
}
