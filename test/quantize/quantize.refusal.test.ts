/** Unsupported patterns: named by node with a reason, non-zero exit, nothing written. */
import { expect } from "chai";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { encodeModel, singleNodeModel } from "../../offchain/engine/onnx/encode.js";
import type { Model } from "../../offchain/engine/onnx/types.js";
import { DType } from "../../offchain/engine/tensor.js";
import { QuantizeError } from "../../offchain/quantize/errors.js";
import { quantize } from "../../offchain/quantize/quantize.js";
import { runCli } from "../support/process.js";
import { f32, feeds } from "./support.js";

const vec = (name: string) => ({ name, dtype: DType.FLOAT, shape: [1, 4] });

/** x -> MatMul(w) -> "logits" -> Softmax (named "probabilities") -> y. */
function softmaxModel(opset = 13): Model {
  const base = singleNodeModel({ opType: "MatMul", inputs: [vec("x")], initializers: { w: f32([4, 4], Array.from({ length: 16 }, (_, i) => (i % 5) / 4)) }, outputs: [vec("y")], opsets: [{ domain: "", version: opset }] });
  return {
    ...base,
    graph: {
      ...base.graph,
      nodes: [{ ...base.graph.nodes[0]!, outputs: ["logits"] }, { name: "probabilities", opType: "Softmax", domain: "", inputs: ["logits"], outputs: ["y"], attributes: {} }],
    },
  };
}

async function refusal(model: Model): Promise<QuantizeError> {
  try {
    await quantize(model, [feeds("x", f32([1, 4], [0, 1, 2, 3]))]);
  } catch (e) {
    if (e instanceof QuantizeError) return e;
    throw e;
  }
  throw new Error("quantize accepted the model");
}

describe("quantize: refusals", () => {
  let dir: string;
  before(() => void (dir = mkdtempSync(join(tmpdir(), "verinfer-quantize-"))));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it("names the Softmax node and why", async () => {
    const e = await refusal(softmaxModel());
    expect(e.problems).to.deep.equal([{ node: "probabilities", op: "Softmax", reason: "Softmax has no quantized form in the int8 profile version 1" }]);
    expect(e.shortMessage).to.equal("cannot quantize: probabilities (Softmax): Softmax has no quantized form in the int8 profile version 1");
  });

  it("names an Add of two activations (QLinearAdd is version 2) and every other problem at once", async () => {
    const base = singleNodeModel({ opType: "Add", inputs: [vec("x"), vec("z")], outputs: [vec("y")], nodeName: "residual", opsets: [{ domain: "", version: 13 }] });
    const withTanh: Model = {
      ...base,
      graph: { ...base.graph, nodes: [{ ...base.graph.nodes[0]!, outputs: ["s"] }, { name: "squash", opType: "Tanh", domain: "", inputs: ["s"], outputs: ["y"], attributes: {} }] },
    };
    const e = await refusal(withTanh);
    expect(e.problems.map((p) => p.node)).to.deep.equal(["residual", "squash"]);
    expect(e.problems[0]!.reason).to.contain("two activations");
  });

  it("refuses an opset it does not upgrade, naming the opset", async () => {
    const e = await refusal(softmaxModel(5));
    expect(e.problems).to.have.length(1);
    expect(e.problems[0]).to.include({ node: "(model)", op: "opset" });
    expect(e.problems[0]!.reason).to.contain("ai.onnx opset 5");
  });

  it("CLI: exits 1, names the node on stderr, writes nothing", async () => {
    const model = join(dir, "softmax.onnx");
    const out = join(dir, "softmax.int8.onnx");
    writeFileSync(model, encodeModel(softmaxModel()));
    writeFileSync(join(dir, "calibration.json"), JSON.stringify([[0, 1, 2, 3], [1, 1, 1, 1]]));
    const r = await runCli(["model", "quantize", model, "--calibration", join(dir, "calibration.json"), "-o", out]);
    expect(r.code).to.equal(1);
    expect(r.stderr).to.contain("verinfer: cannot quantize: probabilities (Softmax)");
    expect(existsSync(out)).to.equal(false);
    const j = await runCli(["model", "quantize", model, "--calibration", join(dir, "calibration.json"), "-o", out, "--json"]);
    expect(j.code).to.equal(1);
    expect(JSON.parse(j.stdout).unsupported[0]).to.include({ node: "probabilities", op: "Softmax" });
    expect(existsSync(out)).to.equal(false);
  });

  it("CLI: quantizes a supported model from JSON calibration data", async () => {
    const base = singleNodeModel({ opType: "MatMul", inputs: [vec("x")], initializers: { w: f32([4, 4], Array.from({ length: 16 }, (_, i) => i / 16)) }, outputs: [vec("y")], opsets: [{ domain: "", version: 13 }] });
    const model = join(dir, "matmul.onnx");
    const out = join(dir, "matmul.int8.onnx");
    writeFileSync(model, encodeModel(base));
    writeFileSync(join(dir, "calibration.json"), JSON.stringify([[0, 1, 2, 3], { x: [1, -1, 1, -1] }]));
    const r = await runCli(["model", "quantize", model, "--calibration", join(dir, "calibration.json"), "-o", out, "--json"]);
    expect(r.code, r.stderr).to.equal(0);
    const answer = JSON.parse(r.stdout);
    expect(answer).to.include({ verifiable: true, profile: "int8", calibrationSamples: 2 });
    expect(existsSync(out)).to.equal(true);
  });
});
