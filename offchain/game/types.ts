/**
 * The dispute game's state as the contract hashes it (contracts/dispute/lib/GameTypes.sol),
 * mirrored field for field so that `abi.encode(setup, state)` is identical on both sides.
 */
import type { Hex32 } from "../engine/commit/hash.js";

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
}

/** Whose turn a phase is. */
export function challengerMoves(p: Phase): boolean {
  return p === Phase.StatesPick || p === Phase.DescendPick || p === Phase.LeafPick || p === Phase.AccPick || p === Phase.OneStep;
}

/** Converts the tuple ethers decodes from a `Moved`/`GameOpened` event into a GameState. */
export function stateFromEvent(s: {
  phase: bigint;
  lo: bigint;
  hi: bigint;
  claimLo: string;
  claimHi: string;
  pending: string;
  node: bigint;
  descriptorHash: string;
  stateBefore: string;
  position: bigint;
  height: bigint;
  element: bigint;
}): GameState {
  return {
    phase: Number(s.phase) as Phase,
    lo: Number(s.lo),
    hi: Number(s.hi),
    claimLo: s.claimLo as Hex32,
    claimHi: s.claimHi as Hex32,
    pending: s.pending as Hex32,
    node: Number(s.node),
    descriptorHash: s.descriptorHash as Hex32,
    stateBefore: s.stateBefore as Hex32,
    position: s.position,
    height: Number(s.height),
    element: s.element,
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
