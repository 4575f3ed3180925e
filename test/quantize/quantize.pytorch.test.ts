/**
 * The PyTorch-exported layers of ../shared/conformance/onnx-pytorch (ai.onnx opset 6): upgraded,
 * calibrated by the quantizer's own float interpreter (onnxruntime cannot load some of them),
 * quantized into verifiable models that onnxruntime and the reference run bit-exactly and that
 * stay near the expected float outputs; the layers without a quantized form are refused by node.
 */
import { expect } from "chai";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { loadModelSync } from "../../offchain/engine/onnx/decode.js";
import { decodeTensor } from "../../offchain/engine/onnx/tensor-proto.js";
import { checkProfile } from "../../offchain/engine/profile/check-profile.js";
import { QuantizeError } from "../../offchain/quantize/errors.js";
import { quantize } from "../../offchain/quantize/quantize.js";
import { requireShared } from "../engine/support/shared.js";
import { bothPaths, sameBits } from "./support.js";

const REFUSED: Readonly<Record<string, string>> = { test_AvgPool2d: "AveragePool", test_Softmax: "Softmax", test_softmax_lastdim: "Softmax" };

describe("quantize: PyTorch opset-6 layers (onnx-pytorch conformance)", function () {
  let root: string;
  before(function () {
    root = requireShared(this, "conformance/onnx-pytorch/pytorch-converted");
  });

  it("every layer is quantized into a verifiable, bit-exact model or refused by node", async function () {
    this.timeout(60_000);
    const quantized: string[] = [];
    for (const test of readdirSync(root).sort()) {
      const dir = join(root, test);
      const model = loadModelSync(join(dir, "model.onnx"));
      const input = decodeTensor(readFileSync(join(dir, "test_data_set_0", "input_0.pb"))).tensor;
      const expected = decodeTensor(readFileSync(join(dir, "test_data_set_0", "output_0.pb"))).tensor;
      const sample = new Map([[model.graph.inputs[0]!.name, input]]);
      if (REFUSED[test] !== undefined) {
        const e = await quantize(model, [sample], { backend: "reference" }).then(
          () => undefined,
          (err: unknown) => err,
        );
        expect(e, test).to.be.instanceOf(QuantizeError);
        expect((e as QuantizeError).problems[0]!.op, test).to.equal(REFUSED[test]);
        continue;
      }
      const { model: q, calibrationBackend, ranges } = await quantize(model, [sample], { backend: "reference" });
      expect(calibrationBackend).to.equal("reference");
      expect(checkProfile(q).verifiable, test).to.equal(true);
      expect(q.opsets.find((o) => o.domain === "")!.version, test).to.equal(13);
      const paths = await bothPaths(q);
      const a = await paths.ort(sample);
      expect(sameBits(a, paths.reference(sample)), test).to.equal(true);
      await paths.release();
      // Within a few output steps of the float result (the output range is calibrated on this input).
      const out = ranges.get(model.graph.outputs[0]!.name) ?? ranges.get(model.graph.inputs[0]!.name)!;
      const step = (Math.max(0, out.max) - Math.min(0, out.min)) / 255;
      const got = a.data as Float32Array;
      const want = expected.data as Float32Array;
      const worst = Math.max(...Array.from(want, (v, i) => Math.abs(v - got[i]!)));
      expect(worst, `${test}: max error ${worst} vs output step ${step}`).to.be.below(8 * step);
      quantized.push(test);
    }
    expect(quantized).to.include.members(["test_Conv1d", "test_Conv2d", "test_Conv2d_padding", "test_Conv2d_groups", "test_Linear", "test_MaxPool2d"]);
  });

  it("calibrates the same ranges with onnxruntime and with its own float interpreter", async () => {
    const dir = join(root, "test_Conv2d_padding");
    const model = loadModelSync(join(dir, "model.onnx"));
    const sample = new Map([[model.graph.inputs[0]!.name, decodeTensor(readFileSync(join(dir, "test_data_set_0", "input_0.pb"))).tensor]]);
    const viaOrt = await quantize(model, [sample], { backend: "onnxruntime" });
    const viaRef = await quantize(model, [sample], { backend: "reference" });
    for (const [name, r] of viaOrt.ranges) {
      const s = viaRef.ranges.get(name)!;
      expect(Math.abs(r.min - s.min) + Math.abs(r.max - s.max), name).to.be.below(1e-5);
    }
  });
});
