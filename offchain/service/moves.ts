/**
 * A solver move as calldata for the game contract, so that it goes through the node's TxSender
 * (intent first, retries, fee bumps) rather than straight to the contract as
 * offchain/game/responder.ts sends it. Same switch as the responder, one line per move kind.
 */
import { keccak256, toUtf8Bytes, type Interface } from "ethers";
import type { Move } from "../game/solver.js";
import type { GameSetup, GameState } from "../game/types.js";
import { encodeJson } from "../store/games.js";

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

/** A short key naming one game state (a move answers exactly one state, so it is sent once). */
export function stateKey(state: GameState): string {
  return keccak256(toUtf8Bytes(encodeJson(state))).slice(0, 18);
}
