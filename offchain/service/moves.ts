/**
 * Moves for the node's TxSender (intent first, retries, fee bumps): the calldata comes from the
 * responder's encodeMove, the one encoding of a solver move.
 */
import { keccak256, toUtf8Bytes } from "ethers";
import type { GameState } from "../game/types.js";
import { encodeJson } from "../store/games.js";

export { encodeMove } from "../game/responder.js";

/** A short key naming one game state (a move answers exactly one state, so it is sent once). */
export function stateKey(state: GameState): string {
  return keccak256(toUtf8Bytes(encodeJson(state))).slice(0, 18);
}
