/**
 * The dispute game's state (contracts/dispute/lib/GameTypes.sol), unpacked: every field of the
 * on-chain GameState, with the cursor word's small fields spelled out (offchain/game/cursor.ts).
 * `encodeState` gives the six ABI words the contract hashes (keccak256(abi.encode(gameKey,
 * state))); `stateFromEvent` reads them back from a `Moved`/`GameOpened` event.
 */
import { AbiCoder, keccak256 } from "ethers";
import type { Hex32 } from "../engine/commit/hash.js";
import { packCursor, unpackCursor } from "./cursor.js";

export enum Phase {
  None,
  AwaitOpening,
  StatesPost,
  StatesPick,
  Transition,
  DescendPost,
  DescendPick,
  LeafReveal,
  LeafPick,
  AccPost,
  AccPick,
  OneStep,
}

export interface GameSetup {
  readonly jobId: bigint;
  readonly modelId: Hex32;
  readonly inputsCommitment: Hex32;
  readonly outputsCommitment: Hex32;
  readonly prover: string;
  readonly challenger: string;
}

/**
 * lo/hi: the interval under dispute (level 1: states; level 3: accumulation indices shifted by
 * one); from the transition on, the element's level-3 interval to come ([0, K+2], or [0, 1] for
 * an operator that computes an element in one step). outDtype/outBytes: the disputed node's
 * output element type and byte length (0 before the transition).
 */
export interface GameState {
  readonly phase: Phase;
  readonly lo: number;
  readonly hi: number;
  readonly claimLo: Hex32;
  readonly claimHi: Hex32;
  readonly pending: Hex32;
  readonly node: number;
  readonly descriptorHash: Hex32;
  readonly stateBefore: Hex32;
  readonly position: bigint;
  readonly height: number;
  readonly element: bigint;
  readonly outDtype: number;
  readonly outBytes: number;
}

/** The on-chain GameState: six ABI words. */
export interface EncodedGameState {
  readonly cursor: bigint;
  readonly claimLo: Hex32;
  readonly claimHi: Hex32;
  readonly pending: Hex32;
  readonly descriptorHash: Hex32;
  readonly stateBefore: Hex32;
}

/** What the ordinary moves carry instead of the whole setup (GamePlayers on-chain). */
export interface GamePlayers {
  readonly prover: string;
  readonly challenger: string;
  /** keccak256(abi.encode(jobId, modelId, inputsCommitment, outputsCommitment)). */
  readonly terms: Hex32;
}

const coder = AbiCoder.defaultAbiCoder();

export function playersOf(setup: GameSetup): GamePlayers {
  const terms = keccak256(
    coder.encode(["uint256", "bytes32", "bytes32", "bytes32"], [setup.jobId, setup.modelId, setup.inputsCommitment, setup.outputsCommitment]),
  ) as Hex32;
  return { prover: setup.prover, challenger: setup.challenger, terms };
}

/** The game key the stored hash commits to: keccak256(abi.encode(prover, challenger, terms)). */
export function gameKey(setup: GameSetup): Hex32 {
  const p = playersOf(setup);
  return keccak256(coder.encode(["address", "address", "bytes32"], [p.prover, p.challenger, p.terms])) as Hex32;
}

export function encodeState(s: GameState): EncodedGameState {
  return {
    cursor: packCursor(s),
    claimLo: s.claimLo,
    claimHi: s.claimHi,
    pending: s.pending,
    descriptorHash: s.descriptorHash,
    stateBefore: s.stateBefore,
  };
}

/** keccak256(abi.encode(gameKey, state)): what the contract stores (DisputeGame.stateHash). */
export function stateHash(setup: GameSetup, s: GameState): Hex32 {
  const e = encodeState(s);
  return keccak256(
    coder.encode(
      ["bytes32", "tuple(uint256,bytes32,bytes32,bytes32,bytes32,bytes32)"],
      [gameKey(setup), [e.cursor, e.claimLo, e.claimHi, e.pending, e.descriptorHash, e.stateBefore]],
    ),
  ) as Hex32;
}

/** Whose turn a phase is. */
export function challengerMoves(p: Phase): boolean {
  return p === Phase.StatesPick || p === Phase.DescendPick || p === Phase.LeafPick || p === Phase.AccPick || p === Phase.OneStep;
}

/** Converts the tuple ethers decodes from a `Moved`/`GameOpened` event into a GameState. */
export function stateFromEvent(s: {
  cursor: bigint;
  claimLo: string;
  claimHi: string;
  pending: string;
  descriptorHash: string;
  stateBefore: string;
}): GameState {
  const c = unpackCursor(s.cursor);
  return {
    phase: c.phase,
    lo: c.lo,
    hi: c.hi,
    claimLo: s.claimLo as Hex32,
    claimHi: s.claimHi as Hex32,
    pending: s.pending as Hex32,
    node: c.node,
    descriptorHash: s.descriptorHash as Hex32,
    stateBefore: s.stateBefore as Hex32,
    position: c.position,
    height: c.height,
    element: c.element,
    outDtype: c.outDtype,
    outBytes: c.outBytes,
  };
}

export function setupFromEvent(s: {
  jobId: bigint;
  modelId: string;
  inputsCommitment: string;
  outputsCommitment: string;
  prover: string;
  challenger: string;
}): GameSetup {
  return {
    jobId: s.jobId,
    modelId: s.modelId as Hex32,
    inputsCommitment: s.inputsCommitment as Hex32,
    outputsCommitment: s.outputsCommitment as Hex32,
    prover: s.prover,
    challenger: s.challenger,
  };
}
