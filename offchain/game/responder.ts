/**
 * The responder (STYLE.md: apart from the solver): sends a solver's move to the game contract
 * with the exact move bond, and reads the new state and the posted values from the `Moved` event.
 */
import type { Interface, Signer, TransactionReceipt } from "ethers";
import type { DisputeGame } from "../../types/ethers-contracts/index.js";
import { callContract } from "../chain/contracts.js";
import type { Hex32 } from "../engine/commit/hash.js";
import type { Move } from "./solver.js";
import { stateFromEvent, type GameSetup, type GameState } from "./types.js";

export interface MoveResult {
  readonly receipt: TransactionReceipt;
  /** The state after the move, or null when the move decided the game. */
  readonly state: GameState | null;
  readonly posted: Hex32[];
}

/** A solver move as calldata for the game contract (the nodes send it through their TxSender). */
export function encodeMove(game: Interface, gameId: bigint, setup: GameSetup, state: GameState, move: Move): string {
  switch (move.kind) {
    case "open":
      return game.encodeFunctionData("open", [gameId, setup, state, move.proof]);
    case "post":
      return game.encodeFunctionData("post", [gameId, setup, state, move.values]);
    case "pick":
      return game.encodeFunctionData("pick", [gameId, setup, state, move.values, move.index]);
    case "transition":
      return game.encodeFunctionData("transition", [gameId, setup, state, move.proof]);
    case "postChildren":
      return game.encodeFunctionData("postChildren", [gameId, setup, state, move.nodes]);
    case "pickChild":
      return game.encodeFunctionData("pickChild", [gameId, setup, state, move.nodes, move.index]);
    case "revealLeaves":
      return game.encodeFunctionData("revealLeaves", [gameId, setup, state, move.left, move.right]);
    case "pickElement":
      return game.encodeFunctionData("pickElement", [
        gameId,
        setup,
        state,
        { left: move.left, right: move.right, offset: move.offset, descriptor: move.descriptor, inputTypes: move.inputTypes },
      ]);
    case "step":
      return game.encodeFunctionData("step", [gameId, setup, state, move.descriptor, move.inputTypes, move.proof]);
    case "none":
      throw new Error(`no move to encode: ${move.reason}`);
  }
}

export async function sendMove(game: DisputeGame, gameId: bigint, setup: GameSetup, state: GameState, move: Move): Promise<MoveResult> {
  const value = await game.moveBond();
  const data = encodeMove(game.interface, gameId, setup, state, move);
  const signer = game.runner as Signer | null;
  if (!signer || typeof signer.sendTransaction !== "function") throw new Error("the game contract is not connected to a signer");
  const to = await game.getAddress();
  const send = () => signer.sendTransaction({ to, data, value });
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
