/**
 * TESTS ONLY: level-3 values from the reference tracers and empty one-step proofs, for games
 * played against contracts/mocks/OracleVerifier.sol (which answers the honest value the test
 * registers). The real per-operator module is offchain/game/step-proofs.ts.
 */
import { toBeHex } from "ethers";
import type { Hex32 } from "../../../offchain/engine/commit/hash.js";
import { getAccumulation } from "../../../offchain/engine/ops/index.js";
import { DType, type Tensor } from "../../../offchain/engine/tensor.js";
import type { StepModule } from "../../../offchain/game/game-trace.js";
import type { Trace } from "../../../offchain/game/trace.js";

export const intWord = (v: number | bigint): Hex32 => toBeHex(BigInt.asUintN(256, BigInt(v)), 32) as Hex32;

import { elementWord } from "../../../offchain/game/steps.js";
export { elementWord };

function nodeInputs(trace: Trace, node: number): (Tensor | undefined)[] {
  return trace.commitment.nodes[node]!.inputs.map((n) => (n === "" ? undefined : trace.values.get(n)));
}

export const oracleSteps: StepModule = {
  accumulation(trace, node, element) {
    const n = trace.commitment.nodes[node]!;
    const tracer = getAccumulation(n.domain, n.opType);
    if (!tracer) return [];
    const acc = tracer(nodeInputs(trace, node), n.attributes, element);
    // The prover's claimed output is the element of its (possibly falsified) output tensor.
    const out = trace.valueOfSlot(trace.commitment.layout.nodeOutputSlots[node]!);
    return [intWord(acc.start), ...acc.partials.map(intWord), elementWord(out, element)];
  },
  stepProof: () => "0x",
};

/** The honest value of level-3 step `step` (or of the element, for non-accumulating nodes). */
export function honestStepValue(trace: Trace, node: number, element: number, step: number): Hex32 {
  const acc = oracleSteps.accumulation(trace, node, element);
  if (acc.length === 0) return elementWord(trace.valueOfSlot(trace.commitment.layout.nodeOutputSlots[node]!), element);
  return acc[step]!;
}
