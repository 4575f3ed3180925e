/**
 * The responder (STYLE.md: apart from the solver): sends a solver's move to the game contract
 * with the exact move bond, and reads the new state and the posted values from the `Moved` event.
 */
import type { Interface, Signer, TransactionReceipt } from "ethers";
import type { DisputeGame } from "../../types/ethers-contracts/index.js";
import { callContract } from "../chain/contracts.js";
import { fromHex32, Tag, taggedHash, toHex, type Hex32 } from "../engine/commit/hash.js";
import { segmentProof } from "./segment-tree.js";
import type { Move } from "./solver.js";
import { encodeState, playersOf, stateFromEvent, type GameSetup, type GameState } from "./types.js";

export interface MoveResult {
  readonly receipt: TransactionReceipt;
  /** The state after the move, or null when the move decided the game. */
  readonly state: GameState | null;
  readonly posted: Hex32[];
}

/** The m siblings of node `index` among the 2^m revealed nodes (tensor-node hashing), bottom first. */
function childSiblings(nodes: readonly Hex32[], index: number): Hex32[] {
  const siblings: Hex32[] = [];
  let level = nodes.map((n) => fromHex32(n));
  let i = index;
  while (level.length > 1) {
    siblings.push(toHex(level[i ^ 1]!));
    level = Array.from({ length: level.length / 2 }, (_, j) => taggedHash(Tag.TENSOR_NODE, level[2 * j]!, level[2 * j + 1]!));
    i >>= 1;
  }
  return siblings;
}

/**
 * A solver move as calldata for the game contract (the nodes send it through their TxSender).
 * The state is encoded (encodeState: the cursor word and five hashes); open, transition and step
 * carry the whole setup (they read the model), the other moves only playersOf(setup).
 */
export function encodeMove(game: Interface, gameId: bigint, setup: GameSetup, state: GameState, move: Move): string {
  const s = encodeState(state);
  const players = playersOf(setup);
  switch (move.kind) {
    case "open":
      return game.encodeFunctionData("open", [gameId, setup, s, move.proof]);
    case "post":
      return game.encodeFunctionData("post", [gameId, players, s, move.values]);
    case "pick": {
      const p = segmentProof(state.claimLo, move.values, state.claimHi, move.index);
      return game.encodeFunctionData("pick", [gameId, players, s, move.index, p.start, p.end, p.siblings]);
    }
    case "transition":
      return game.encodeFunctionData("transition", [gameId, setup, s, move.proof]);
    case "postChildren":
      return game.encodeFunctionData("postChildren", [gameId, players, s, move.nodes]);
    case "pickChild":
      return game.encodeFunctionData("pickChild", [gameId, players, s, move.index, move.nodes[move.index]!, childSiblings(move.nodes, move.index)]);
    case "revealLeaves":
      return game.encodeFunctionData("revealLeaves", [gameId, players, s, move.left, move.right]);
    case "pickElement":
      return game.encodeFunctionData("pickElement", [gameId, players, s, move.left, move.right, move.offset]);
    case "step":
      return game.encodeFunctionData("step", [gameId, setup, s, move.descriptor, move.inputTypes, move.proof]);
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
