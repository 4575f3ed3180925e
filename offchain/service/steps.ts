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
import type { Signer } from "ethers";
import type { EngineModel } from "../engine/exec/engine.js";
import type { Tensor } from "../engine/tensor.js";
import type { StepModule } from "../game/game-trace.js";
import type { Move } from "../game/solver.js";
import { projectSteps } from "../game/steps.js";
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

export { elementWord } from "../game/steps.js";

export const projectStepBackend: StepBackend = {
  name: "project (offchain/game/steps.ts: reference tracers and step-proofs.ts)",
  steps: projectSteps,
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
