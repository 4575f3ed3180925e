/**
 * The project's StepModule: level-3 values from the reference tracers (accumulate-steps.ts) and
 * one-step proofs in the verifiers' operand order (step-proofs.ts) — what a prover or watcher
 * plays a game with against the deployed OneStepRouter.
 */
import { toBeHex } from "ethers";
import type { Hex32 } from "../engine/commit/hash.js";
import { DType, type Tensor } from "../engine/tensor.js";
import { ACCUMULATING_OPCODES, accumulationValues } from "./accumulate-steps.js";
import type { StepModule } from "./game-trace.js";
import { encodeStepProof } from "./step-proofs.js";

/** An element as the game decodes it: integers sign- or zero-extended, float32 as its bits. */
export function elementWord(t: Tensor, element: number): Hex32 {
  if (t.dtype === DType.FLOAT) {
    const b = Buffer.alloc(4);
    b.writeFloatBE((t.data as Float32Array)[element]!);
    return toBeHex(b.readUInt32BE(), 32) as Hex32;
  }
  return toBeHex(BigInt.asUintN(256, BigInt(t.data[element] as number | bigint)), 32) as Hex32;
}

export const projectSteps: StepModule = {
  accumulation(trace, node, element) {
    const opcode = trace.commitment.descriptors[node]![0]!;
    if (!ACCUMULATING_OPCODES.has(opcode)) return [];
    return accumulationValues(trace, node, element, { claimed: true });
  },
  stepProof: (trace, node, element, step) => encodeStepProof(trace, node, element, step),
};
