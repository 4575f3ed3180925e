/**
 * TESTS ONLY: the StepBackend the nodes load with `--steps test/node/support/oracle-plugin.ts`
 * while the game runs against contracts/mocks/OracleVerifier.sol (the real one-step verifiers are
 * not committed yet). Level-3 values come from test/dispute/support/oracle-steps.ts; before the
 * challenger's pickElement it registers the node's accumulation length, before its step the
 * HONEST value of that step, computed here from the reference interpreter on the job's inputs
 * (never from the mover's own, possibly falsified, trace).
 */
import { Interface, keccak256 } from "ethers";
import { DisputeGame__factory, OracleVerifier__factory } from "../../../types/ethers-contracts/index.js";
import { commitModel } from "../../../offchain/engine/commit/model-commit.js";
import { Trace } from "../../../offchain/game/trace.js";
import type { MoveContext, StepBackend } from "../../../offchain/service/steps.js";
import { honestStepValue, oracleSteps } from "../../dispute/support/oracle-steps.js";

const honestTraces = new Map<string, Trace>();

function honestTrace(c: MoveContext): Trace {
  const key = c.setup.inputsCommitment + c.setup.modelId;
  let t = honestTraces.get(key);
  if (!t) {
    t = new Trace(commitModel(c.engine.model), c.engine.reference(c.feeds));
    honestTraces.set(key, t);
  }
  return t;
}

const oracleIface = new Interface(OracleVerifier__factory.abi);

export function createStepBackend(): StepBackend {
  let oracle: string | undefined;
  return {
    name: "TESTS-ONLY oracle (contracts/mocks/OracleVerifier.sol)",
    steps: oracleSteps,
    async beforeMove(c) {
      if (c.move.kind !== "pickElement" && c.move.kind !== "step") return;
      oracle ??= await DisputeGame__factory.connect(c.gameAddress, c.signer).verifier();
      const honest = honestTrace(c);
      const node = c.state.node;
      const k = oracleSteps.accumulation(honest, node, 0).length;
      if (c.move.kind === "pickElement") {
        if (k === 0) return;
        await c.send({ key: `oracle-length:${c.gameId}:${node}`, kind: "oracle setLength", to: oracle, data: oracleIface.encodeFunctionData("setLength", [keccak256(c.move.descriptor), k - 2]) });
        return;
      }
      const step = c.state.hi === 1 && k === 0 ? 0 : c.state.hi - 1;
      const value = honestStepValue(honest, node, Number(c.state.element), step);
      await c.send({
        key: `oracle-answer:${c.gameId}:${c.state.stateBefore}:${c.state.element}:${step}`,
        kind: "oracle setAnswer",
        to: oracle,
        data: oracleIface.encodeFunctionData("setAnswer", [c.state.stateBefore, c.state.element, step, value]),
      });
    },
  };
}
