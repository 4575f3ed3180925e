/**
 * The solver (STYLE.md: Optimism's challenger keeps a pure `solver` apart from the `responder`):
 * given a game's state and one side's trace, the next move. Pure: no chain access. An honest
 * side's trace is the honest run; a lying side's trace is a falsified one — the same solver plays
 * both, which is how the tests put each side against a liar.
 */
import type { Hex32 } from "../engine/commit/hash.js";
import { challengerMoves, Phase, type GameState } from "./types.js";

/** What a side knows about its run (offchain/game/game-trace.ts builds it from a Trace). */
export interface GameTrace {
  readonly nodeCount: number;
  stateRoot(i: number): Hex32;
  opening(): {
    finalRoot: Hex32;
    inputCommitments: Hex32[];
    inputSiblings: Hex32[][];
    outputCommitments: Hex32[];
    outputSiblings: Hex32[][];
  };
  transition(node: number): { descriptor: string; nodeSiblings: Hex32[]; tensorRoot: Hex32; slotSiblings: Hex32[] };
  /** Node of the node's output tensor tree at (height, position); zero subtrees past the data. */
  tensorNode(node: number, height: number, position: number): Hex32;
  leafPair(node: number, pairIndex: number): [Hex32, Hex32];
  /** Byte length of the node's output tensor and its element size. */
  outputLayout(node: number): { byteLength: number; elementSize: number };
  descriptor(node: number): string;
  inputTypes(node: number): Hex32[];
  /** v_0..v_{K+1} of one output element (empty for operators that do not accumulate). */
  accumulation(node: number, element: number): Hex32[];
  stepProof(node: number, element: number, step: number): string;
}

export interface GameParams {
  readonly fanout: number;
  readonly descentLevels: number;
}

export type Move =
  | { kind: "open"; proof: ReturnType<GameTrace["opening"]> }
  | { kind: "post"; values: Hex32[] }
  /** `values`: everything the prover posted; the responder sends segment `index` with its siblings. */
  | { kind: "pick"; values: Hex32[]; index: number }
  /** The node's transition, with the type words of its inputs (checked against the descriptor). */
  | { kind: "transition"; proof: ReturnType<GameTrace["transition"]> & { inputTypes: Hex32[] } }
  | { kind: "postChildren"; nodes: Hex32[] }
  /** `nodes`: everything the prover revealed; the responder sends node `index` with its siblings. */
  | { kind: "pickChild"; nodes: Hex32[]; index: number }
  | { kind: "revealLeaves"; left: Hex32; right: Hex32 }
  /** descriptor and inputTypes are informative (the contract knows the node's layout since the transition). */
  | { kind: "pickElement"; left: Hex32; right: Hex32; offset: number; descriptor: string; inputTypes: Hex32[] }
  | { kind: "step"; descriptor: string; inputTypes: Hex32[]; proof: string }
  /** The side agrees with everything it was shown: it cannot move and will lose on time. */
  | { kind: "none"; reason: string };

export class SolverError extends Error {
  override name = "SolverError";
}

/** Interior points of a k-way bisection of [lo, hi]: lo + floor(j (hi-lo) / k'), j = 1..k'-1. */
export function bisectionPoints(lo: number, hi: number, fanout: number): { k: number; points: number[] } {
  const span = hi - lo;
  const k = Math.min(fanout, span);
  const points: number[] = [];
  for (let j = 0; j <= k; j++) points.push(lo + Math.floor((j * span) / k));
  return { k, points };
}

function descentStep(height: number, levels: number): number {
  return Math.min(levels, height - 1);
}

/**
 * The next move of `role` in `state`. `posted` is what the opponent last posted (the values of
 * the latest `Moved` event), needed by the picking phases.
 */
export function nextMove(
  role: "prover" | "challenger",
  state: GameState,
  trace: GameTrace,
  params: GameParams,
  posted: readonly Hex32[] = [],
): Move {
  if (challengerMoves(state.phase) !== (role === "challenger")) throw new SolverError(`not the ${role}'s turn in phase ${Phase[state.phase]}`);
  const accValue = (a1: number): Hex32 => {
    // Level-3 index a1 = a + 1 holds v_a.
    const v = trace.accumulation(state.node, Number(state.element));
    return v[a1 - 1]!;
  };
  switch (state.phase) {
    case Phase.AwaitOpening:
      return { kind: "open", proof: trace.opening() };
    case Phase.StatesPost:
    case Phase.AccPost: {
      const { points } = bisectionPoints(state.lo, state.hi, params.fanout);
      const at = state.phase === Phase.StatesPost ? (i: number) => trace.stateRoot(i) : accValue;
      return { kind: "post", values: points.slice(1, -1).map(at) };
    }
    case Phase.StatesPick:
    case Phase.AccPick: {
      const { k, points } = bisectionPoints(state.lo, state.hi, params.fanout);
      const own = state.phase === Phase.StatesPick ? (i: number) => trace.stateRoot(i) : accValue;
      const theirs = [state.claimLo, ...posted, state.claimHi];
      // The first segment whose start we agree with and whose end we dispute.
      for (let j = 0; j < k; j++) {
        if (own(points[j + 1]!) !== theirs[j + 1]) return { kind: "pick", values: [...posted], index: j };
      }
      return { kind: "none", reason: "agrees with every posted value" };
    }
    case Phase.Transition:
      return { kind: "transition", proof: { ...trace.transition(state.lo), inputTypes: trace.inputTypes(state.lo) } };
    case Phase.DescendPost: {
      const m = descentStep(state.height, params.descentLevels);
      const base = Number(state.position) * 2 ** m;
      const nodes = Array.from({ length: 2 ** m }, (_, j) => trace.tensorNode(state.node, state.height - m, base + j));
      return { kind: "postChildren", nodes };
    }
    case Phase.DescendPick: {
      const m = descentStep(state.height, params.descentLevels);
      const base = Number(state.position) * 2 ** m;
      for (let j = 0; j < posted.length; j++) {
        if (trace.tensorNode(state.node, state.height - m, base + j) !== posted[j]) return { kind: "pickChild", nodes: [...posted], index: j };
      }
      return { kind: "none", reason: "agrees with every revealed node" };
    }
    case Phase.LeafReveal: {
      const [left, right] = trace.leafPair(state.node, Number(state.position));
      return { kind: "revealLeaves", left, right };
    }
    case Phase.LeafPick: {
      const [left, right] = posted as [Hex32, Hex32];
      const [ownL, ownR] = trace.leafPair(state.node, Number(state.position));
      const theirs = Buffer.from(left.slice(2) + right.slice(2), "hex");
      const ours = Buffer.from(ownL.slice(2) + ownR.slice(2), "hex");
      const { elementSize } = trace.outputLayout(state.node);
      for (let b = 0; b < 64; b++) {
        if (theirs[b] !== ours[b]) {
          const offset = b - (b % elementSize);
          return { kind: "pickElement", left, right, offset, descriptor: trace.descriptor(state.node), inputTypes: trace.inputTypes(state.node) };
        }
      }
      return { kind: "none", reason: "agrees with the revealed leaves" };
    }
    case Phase.OneStep: {
      // [lo, hi] = [0, 1] for an operator without accumulation (step 0); otherwise the step at hi.
      const step = state.hi - 1;
      return {
        kind: "step",
        descriptor: trace.descriptor(state.node),
        inputTypes: trace.inputTypes(state.node),
        proof: trace.stepProof(state.node, Number(state.element), step),
      };
    }
    default:
      throw new SolverError(`no move in phase ${Phase[state.phase]}`);
  }
}
