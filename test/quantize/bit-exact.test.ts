/**
 * onnxruntime (the fast path, optimization "all") and the reference interpreter (engine/exec
 * runReference) give the same bits on the quantized models: the project CNN on all 10,000 digits;
 * the quantized mnist-8 on the first 500 (all 10,000 with VERINFER_FULL=1: the reference needs
 * ~15 ms per mnist-8 digit, too slow for the default suite; `npm run bench` runs all of them).
 */
import { expect } from "chai";
import { join } from "node:path";
import { loadModelSync } from "../../offchain/engine/onnx/decode.js";
import type { Model } from "../../offchain/engine/onnx/types.js";
import { digitSamples } from "../../offchain/quantize/data/digit-samples.js";
import { mnistDigits, mnistSplit } from "../../offchain/quantize/data/mnist.js";
import { projectModel } from "../../offchain/quantize/project/project-model.js";
import { quantize } from "../../offchain/quantize/quantize.js";
import { requireShared } from "../engine/support/shared.js";
import { bothPaths, sameBits } from "./support.js";

async function mismatches(model: Model, pixelScale: number, count: number): Promise<number> {
  const paths = await bothPaths(model);
  let bad = 0;
  try {
    for (const s of digitSamples(model, mnistDigits().slice(0, count), pixelScale)) {
      if (!sameBits(await paths.ort(s.feeds), paths.reference(s.feeds))) bad++;
    }
  } finally {
    await paths.release();
  }
  return bad;
}

describe("quantize: onnxruntime and the reference agree bit for bit on the quantized models", function () {
  this.timeout(process.env.VERINFER_FULL === "1" ? 1_800_000 : 300_000);

  it("the project CNN on all 10,000 digits", async () => {
    const q = loadModelSync((await projectModel()).quantizedPath);
    expect(await mismatches(q, 1, 10_000)).to.equal(0);
  });

  it("mnist-8 quantized", async function () {
    const dir = requireShared(this, "models/mnist-8");
    const float = loadModelSync(join(dir, "model.onnx"));
    const calibration = digitSamples(float, mnistSplit().training.slice(0, 500), 255).map((s) => s.feeds);
    const { model } = await quantize(float, calibration);
    expect(await mismatches(model, 255, process.env.VERINFER_FULL === "1" ? 10_000 : 500)).to.equal(0);
  });
});
