/**
 * Where a node gets level-3 values and one-step proofs (the game's StepModule), and what it must
 * do on-chain before a move (a hook: the TESTS-ONLY oracle verifier is told the honest answer
 * there). The default backend is the project's: accumulation values from the reference tracers,
 * one-step proofs from offchain/game/step-proofs.ts (which throws for opcodes whose operand rules
 * are not written yet). `--steps <module>` loads another one (local chains only): the module's
 * default export, or its `createStepBackend()`.
 */
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { toBeHex } from "ethers";
import type { Signer } from "ethers";
import type { Hex32 } from "../engine/commit/hash.js";
import type { EngineModel } from "../engine/exec/engine.js";
import { getAccumulation } from "../engine/ops/index.js";
import { DType, type Tensor } from "../engine/tensor.js";
import type { StepModule } from "../game/game-trace.js";
import type { Move } from "../game/solver.js";
import { encodeStepProof } from "../game/step-proofs.js";
import type { Trace } from "../game/trace.js";
import type { GameSetup, GameState } from "../game/types.js";
import { UsageError } from "../errors.js";

export interface MoveContext {
  readonly gameId: bigint;
  readonly setup: GameSetup;
  readonly state: GameState;
  readonly move: Move;
  /** This side's trace (honest, or falsified under --faulty). */
  readonly trace: Trace;
  readonly engine: EngineModel;
  readonly feeds: ReadonlyMap<string, Tensor>;
  readonly gameAddress: string;
  readonly signer: Signer;
  /** Sends a transaction through the node's sender (idempotent under `key`). */
  send(req: { key: string; kind: string; to: string; data: string }): Promise<void>;
}

export interface StepBackend {
  readonly name: string;
  readonly steps: StepModule;
  beforeMove?(c: MoveContext): Promise<void>;
}

const word = (v: number | bigint): Hex32 => toBeHex(BigInt.asUintN(256, BigInt(v)), 32) as Hex32;

/** An element as the game decodes it: integers sign- or zero-extended, float32 as its bits. */
export function elementWord(t: Tensor, element: number): Hex32 {
  if (t.dtype === DType.FLOAT) {
    const b = Buffer.alloc(4);
    b.writeFloatBE((t.data as Float32Array)[element]!);
    return word(b.readUInt32BE());
  }
  return word(t.data[element] as number | bigint);
}

/** v_0..v_{K+1} of one output element from the reference tracers ([] for non-accumulating nodes). */
export function accumulationValues(trace: Trace, node: number, element: number): Hex32[] {
  const n = trace.commitment.nodes[node]!;
  const tracer = getAccumulation(n.domain, n.opType);
  if (!tracer) return [];
  const inputs = n.inputs.map((name) => (name === "" ? undefined : trace.values.get(name)));
  const acc = tracer(inputs, n.attributes, element);
  // The last value is this side's claimed output element (possibly falsified).
  const out = trace.valueOfSlot(trace.commitment.layout.nodeOutputSlots[node]!);
  return [word(acc.start), ...acc.partials.map(word), elementWord(out, element)];
}

export const projectStepBackend: StepBackend = {
  name: "project (offchain/game/step-proofs.ts)",
  steps: {
    accumulation: accumulationValues,
    stepProof: (trace, node, element, step) => encodeStepProof(trace, node, element, step),
  },
};

export async function loadStepBackend(spec: string | undefined): Promise<StepBackend> {
  if (spec === undefined || spec === "" || spec === "project") return projectStepBackend;
  let mod: { default?: StepBackend; createStepBackend?: () => StepBackend | Promise<StepBackend> };
  try {
    mod = (await import(pathToFileURL(resolve(spec)).href)) as typeof mod;
  } catch (e) {
    throw new UsageError(`--steps ${spec}: cannot load the module (${(e as Error).message.split("\n")[0]})`, { cause: e });
  }
  const backend = mod.createStepBackend ? await mod.createStepBackend() : mod.default;
  if (!backend || typeof backend.steps?.accumulation !== "function" || typeof backend.steps?.stepProof !== "function") {
    throw new UsageError(`--steps ${spec}: the module exports no StepBackend (default export or createStepBackend())`);
  }
  return backend;
}
