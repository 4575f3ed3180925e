/**
 * The ONNX backend node tests of ../shared/conformance (onnx-node, onnx-node-extra) for the
 * opcodes of the quant, elementwise and layout families: each test the profile admits is
 * committed, run by the reference operators, and every output element recomputed on-chain through
 * the router must equal both the reference's and ONNX's expected output (integers exactly, float32
 * bit for bit). Tests outside the profile (float arithmetic, opsets above 21, ...) are counted.
 */
import { expect } from "chai";
import { network } from "hardhat";
import { join } from "node:path";
import { commitModel, type ModelCommitment } from "../../offchain/engine/commit/model-commit.js";
import { runReference } from "../../offchain/engine/exec/reference.js";
import { numel } from "../../offchain/engine/tensor.js";
import { encodeStepProof } from "../../offchain/game/step-proofs.js";
import { Trace } from "../../offchain/game/trace.js";
import { loadCase, readIndex } from "../engine/support/conformance.js";
import { requireShared } from "../engine/support/shared.js";
import { elementWord, sampleElements, stepInput, type Committed } from "./support/step-harness.js";

const { ethers } = await network.getOrCreate();

const OPS = new Set(["QuantizeLinear", "DequantizeLinear", "Add", "Sub", "Mul", "Relu", "Clip", "Cast", "Reshape", "Flatten", "Squeeze", "Unsqueeze", "Transpose", "Concat", "Gather"]);

/** Operators whose definition for the profile's types is the same from ai.onnx opset 21 to 25. */
const SAME_SINCE_21 = new Set(["Reshape", "Flatten", "Squeeze", "Unsqueeze", "Transpose", "Concat", "Gather", "QuantizeLinear", "DequantizeLinear"]);

/**
 * Two rewrites that keep the computation: (1) the profile wants quantization parameters, indices,
 * shapes and axes as initializers (they are inlined in or fixed by the descriptor) where the node
 * tests feed them as graph inputs, so every graph input after the first becomes an initializer
 * holding its test data; (2) the tests of ONNX 1.22 import opset 25, above the profile's 21, so
 * the tests of operators unchanged since 21 (for the profile's element types) import 21.
 */
function promoteOperands(c: ReturnType<typeof loadCase>): ReturnType<typeof loadCase> {
  const g = c.model.graph;
  const initializers = new Map(g.initializers);
  g.inputs.slice(1).forEach((v, i) => initializers.set(v.name, c.inputs[i + 1]!));
  const relabel = g.nodes.every((n) => SAME_SINCE_21.has(n.opType));
  const opsets = c.model.opsets.map((o) => ((o.domain === "" || o.domain === "ai.onnx") && relabel && o.version > 21 ? { ...o, version: 21 } : o));
  return { ...c, model: { ...c.model, opsets, graph: { ...g, inputs: g.inputs.slice(0, 1), initializers } }, inputs: c.inputs.slice(0, 1) };
}

describe("one-step verifiers on the ONNX conformance node tests", function () {
  this.timeout(600_000);

  for (const suite of ["onnx-node", "onnx-node-extra"]) {
    it(`${suite}: every admitted test of opcodes 1-2 and 9-21 equals ONNX's output on every element`, async function () {
      const dir = requireShared(this, `conformance/${suite}`);
      const stand = await ethers.deployContract("LayoutVerifier");
      const router = await ethers.deployContract("OneStepRouter", [
        await (await ethers.deployContract("QuantVerifier")).getAddress(),
        await (await ethers.deployContract("ElementwiseVerifier")).getAddress(),
        await (await ethers.deployContract("LayoutVerifier")).getAddress(),
        await stand.getAddress(),
      ]);
      const rows = readIndex(dir).filter((r) => r.ops.length === 1 && OPS.has(r.ops[0]!));
      const checked: string[] = [];
      const refused: string[] = [];
      for (const row of rows) {
        let c: ReturnType<typeof loadCase>;
        let commitment: ModelCommitment;
        try {
          // The engine decodes the element types it knows and commits what the profile admits.
          c = promoteOperands(loadCase(join(dir, row.test)));
          commitment = commitModel(c.model);
        } catch (e) {
          refused.push(`${row.test}: ${(e as Error).message.split("\n")[0]!.slice(0, 160)}`);
          continue;
        }
        const { model, inputs, outputs } = c;
        const values = runReference(model, inputs);
        const trace = new Trace(commitment, values);
        const output = trace.valueOfSlot(commitment.layout.nodeOutputSlots[0]!);
        const r: Committed = { name: row.test, commitment, trace, output };
        const expected = outputs[0]!;
        const n = numel(output.shape);
        for (const e of sampleElements(n, 200, n)) {
          const got = await router.step(stepInput(r, e), encodeStepProof(trace, 0, e, 0));
          expect(got, `${row.test} element ${e} (reference)`).to.equal(elementWord(output, e));
          expect(got, `${row.test} element ${e} (ONNX expected)`).to.equal(elementWord(expected, e));
        }
        checked.push(row.test);
      }
      console.log(`        ${suite}: ${checked.length} tests checked on-chain (${checked.join(", ")}); ${refused.length} outside the profile`);
      if (process.env.VERBOSE_CONFORMANCE) for (const r of refused) console.log(`          refused ${r}`);
      expect(checked.length).to.be.greaterThan(0);
    });
  }
});
