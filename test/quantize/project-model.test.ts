/**
 * The project model and the quantized mnist-8: reproducible builds, verifiable, and at most
 * 0.5 percentage points of top-1 accuracy lost on the held-apart evaluation digits.
 */
import { expect } from "chai";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadModelSync } from "../../offchain/engine/onnx/decode.js";
import { checkProfile } from "../../offchain/engine/profile/check-profile.js";
import { digitSamples } from "../../offchain/quantize/data/digit-samples.js";
import { mnistSplit } from "../../offchain/quantize/data/mnist.js";
import { evaluate } from "../../offchain/quantize/evaluate.js";
import { buildProjectModel, projectModel, PROJECT_CALIBRATION_DIGITS, readBuildInfo } from "../../offchain/quantize/project/project-model.js";
import { quantize } from "../../offchain/quantize/quantize.js";
import { requireShared } from "../engine/support/shared.js";

const MAX_LOSS_POINTS = 0.5;

describe("quantize: the project model and mnist-8", function () {
  this.timeout(180_000);

  it("the build script writes the same bytes on every run (fresh build vs the cache)", async () => {
    const cached = await projectModel();
    const dir = mkdtempSync(join(tmpdir(), "verinfer-project-model-"));
    try {
      const t0 = Date.now();
      const fresh = await buildProjectModel(dir);
      console.log(`      fresh build: ${((Date.now() - t0) / 1000).toFixed(1)} s (training ${readBuildInfo(fresh).trainingSeconds.toFixed(1)} s)`);
      expect(readFileSync(fresh.floatPath).equals(readFileSync(cached.floatPath))).to.equal(true);
      expect(readFileSync(fresh.quantizedPath).equals(readFileSync(cached.quantizedPath))).to.equal(true);
      expect(readBuildInfo(fresh).quantizedSha256).to.equal(readBuildInfo(cached).quantizedSha256);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("the project CNN: verifiable (QLinearConv, uint8 MaxPool, Flatten, QGemm) and loses <= 0.5 pp", async () => {
    const p = await projectModel();
    const q = loadModelSync(p.quantizedPath);
    const verdict = checkProfile(q);
    expect(verdict.verifiable).to.equal(true);
    expect(verdict.ops).to.deep.equal({ QuantizeLinear: 1, QLinearConv: 2, MaxPool: 2, Flatten: 1, "com.microsoft:QGemm": 1, DequantizeLinear: 1 });
    const e = await evaluate(loadModelSync(p.floatPath), q, digitSamples(q, mnistSplit().evaluation));
    console.log(`      project CNN: float ${(100 * e.floatAccuracy).toFixed(2)}%, int8 ${(100 * e.quantizedAccuracy).toFixed(2)}%, agreement ${(100 * e.agreement).toFixed(2)}%, max logit error ${e.maxLogitError.toFixed(3)} (${e.samples} digits)`);
    expect(e.samples).to.be.above(1900);
    expect(e.floatAccuracy).to.be.above(0.95);
    expect(e.accuracyLossPoints).to.be.at.most(MAX_LOSS_POINTS);
  });

  it("mnist-8 (pixels 0..255) quantized: verifiable and loses <= 0.5 pp", async function () {
    const dir = requireShared(this, "models/mnist-8");
    const float = loadModelSync(join(dir, "model.onnx"));
    const { training, evaluation } = mnistSplit();
    const calibration = digitSamples(float, training.slice(0, PROJECT_CALIBRATION_DIGITS), 255).map((s) => s.feeds);
    const { model: q, verdict } = await quantize(float, calibration);
    expect(verdict.verifiable).to.equal(true);
    const e = await evaluate(float, q, digitSamples(q, evaluation, 255));
    console.log(`      mnist-8: float ${(100 * e.floatAccuracy).toFixed(2)}%, int8 ${(100 * e.quantizedAccuracy).toFixed(2)}%, agreement ${(100 * e.agreement).toFixed(2)}%, max logit error ${e.maxLogitError.toFixed(1)} (${e.samples} digits)`);
    expect(e.floatAccuracy).to.be.above(0.98); // the preprocessing (0..255) is right
    expect(e.accuracyLossPoints).to.be.at.most(MAX_LOSS_POINTS);
  });
});
