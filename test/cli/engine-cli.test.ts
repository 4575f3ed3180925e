/**
 * `verinfer model inspect` and `verinfer run` as child processes: the --json fields of DESIGN.md
 * ("Command line"), the run's answer equal to the reference interpreter's bit for bit, and one line
 * and a non-zero exit for every bad input (truncated files, wrong shapes and dtypes, missing
 * inputs, models outside the profile, dividing by a non-constant, overflow-prone accumulators).
 */
import { expect } from "chai";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { commitTensor, commitTensorList } from "../../offchain/engine/commit/tensor-commitment.js";
import { commitModel } from "../../offchain/engine/commit/model-commit.js";
import { executionStates } from "../../offchain/engine/commit/states.js";
import { tensorToJson } from "../../offchain/engine/exec/json-tensor.js";
import { runReference } from "../../offchain/engine/exec/reference.js";
import { encodeModel, singleNodeModel } from "../../offchain/engine/onnx/encode.js";
import { encodeTensor } from "../../offchain/engine/onnx/tensor-proto.js";
import { DType, type Tensor } from "../../offchain/engine/tensor.js";
import { requireShared, SHARED_ROOT } from "../engine/support/shared.js";
import { t } from "../engine/support/profile-models.js";
import { quantizedCnn, quantizedMlp } from "../engine/support/quantized-models.js";
import { runCli, type CliResult } from "../support/process.js";

/** stderr without npm's own notices and without progress lines (printed once a command runs over a second). */
const errLines = (r: CliResult): string[] => r.stderr.split("\n").filter((l) => l !== "" && !l.startsWith("npm warn") && !/^verinfer: .*\.\.\.$/.test(l));

function expectOneLineError(r: CliResult, pattern: RegExp): void {
  expect(r.code, r.stderr).to.not.equal(0);
  const lines = errLines(r);
  expect(lines, r.stderr).to.have.length(1);
  expect(lines[0]).to.match(/^verinfer: /);
  expect(lines[0]).to.match(pattern);
}

describe("verinfer model inspect / run", function () {
  this.timeout(120_000);
  let dir: string;
  const cnn = quantizedCnn(8, 24, 7).model;
  const input = t(DType.FLOAT, [1, 1, 28, 28], Array.from({ length: 784 }, (_, i) => ((i * 37) % 101) / 100));
  const path = (name: string): string => join(dir, name);

  before(() => {
    dir = mkdtempSync(join(tmpdir(), "verinfer-cli-"));
    const bytes = encodeModel(cnn);
    writeFileSync(path("cnn.onnx"), bytes);
    writeFileSync(path("truncated.onnx"), bytes.subarray(0, Math.floor(bytes.length / 2)));
    writeFileSync(path("x.pb"), encodeTensor("x", input));
    writeFileSync(path("x-truncated.pb"), encodeTensor("x", input).subarray(0, 100));
    writeFileSync(path("x-u8.pb"), encodeTensor("x", t(DType.UINT8, [1, 1, 28, 28], [3])));
    writeFileSync(path("x-nested.json"), JSON.stringify([[Array.from({ length: 28 }, (_, r) => Array.from((input.data as Float32Array).slice(r * 28, r * 28 + 28)))]]));
    writeFileSync(path("x-object.json"), JSON.stringify({ dtype: "float32", shape: [1, 1, 28, 28], data: Array.from(input.data as Float32Array) }));
    writeFileSync(path("x-wrong-shape.json"), JSON.stringify({ dtype: "float32", shape: [1, 784], data: Array.from(input.data as Float32Array) }));
    writeFileSync(
      path("div.onnx"),
      encodeModel(singleNodeModel({
        opType: "Div",
        inputs: [{ name: "a", dtype: DType.INT32, shape: [4] }, { name: "b", dtype: DType.INT32, shape: [4] }],
        outputs: [{ name: "y", dtype: DType.INT32, shape: [4] }],
      })),
    );
    writeFileSync(path("overflow.onnx"), encodeModel(quantizedMlp([70_000, 2], 1, 127).model));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it("model inspect --json: verifiable, profile, unsupported, ops, and the model's inputs, outputs and opsets", async () => {
    const r = await runCli(["model", "inspect", path("cnn.onnx"), "--json"]);
    expect(r.code, r.stderr).to.equal(0);
    const out = JSON.parse(r.stdout);
    expect(out.verifiable).to.equal(true);
    expect(out.profile).to.equal("int8");
    expect(out.unsupported).to.deep.equal([]);
    expect(out.ops).to.deep.equal({ QuantizeLinear: 1, QLinearConv: 3, MaxPool: 2, Reshape: 1, "com.microsoft:QGemm": 1, DequantizeLinear: 1 });
    expect(out.inputs).to.deep.equal([{ name: "x", dtype: "float32", shape: [1, 1, 28, 28] }]);
    expect(out.outputs).to.deep.equal([{ name: cnn.graph.outputs[0]!.name, dtype: "float32", shape: [1, 10] }]);
    expect(out.opsets).to.deep.equal({ "ai.onnx": 13, "com.microsoft": 1 });
    expect(out.onnxruntimeHazards).to.deep.equal([]);
  });

  it("model inspect of mnist-8 lists every reason it is not verifiable, and exits 0", async function () {
    const model = join(requireShared(this, join("models", "mnist-8")), "model.onnx");
    const json = await runCli(["model", "inspect", model, "--json"]);
    expect(json.code, json.stderr).to.equal(0);
    const out = JSON.parse(json.stdout);
    expect(out.verifiable).to.equal(false);
    expect(out.profile).to.equal(null);
    expect(out.unsupported.length).to.be.greaterThan(3);
    for (const u of out.unsupported) expect(Object.keys(u)).to.deep.equal(["node", "op", "reason"]);
    expect(out.ops.Conv).to.equal(2);
    const text = await runCli(["model", "inspect", model]);
    expect(text.code).to.equal(0);
    expect(text.stdout).to.contain("NOT verifiable");
    for (const u of out.unsupported) expect(text.stdout).to.contain(u.reason);
  });

  it("model inspect names a division by a non-constant as a reason and an onnxruntime hazard", async () => {
    const r = await runCli(["model", "inspect", path("div.onnx"), "--json"]);
    expect(r.code, r.stderr).to.equal(0);
    const out = JSON.parse(r.stdout);
    expect(out.verifiable).to.equal(false);
    expect(out.unsupported.map((u: { reason: string }) => u.reason).join(" ")).to.contain("Div divisor");
    expect(out.onnxruntimeHazards[0].reason).to.match(/^Div by the non-constant "b"/);
  });

  it("run --json gives the outputs bit-equal to the reference, and their commitment", async () => {
    const r = await runCli(["run", path("cnn.onnx"), "--input", path("x.pb"), "--json"]);
    expect(r.code, r.stderr).to.equal(0);
    const out = JSON.parse(r.stdout);
    const name = cnn.graph.outputs[0]!.name;
    const expected = runReference(cnn, [input]).get(name)!;
    expect(Object.keys(out.outputs)).to.deep.equal([name]);
    expect(out.outputs[name]).to.deep.equal(tensorToJson(expected));
    expect(out.backend).to.equal("onnxruntime");
    expect(out.verifiable).to.equal(true);
    expect(out.hasher).to.be.oneOf(["native sha-ni", "native portable", "js"]);
    // Without the native addon (no compiler at install) the one warning says so; nothing else warns.
    const hasherWarnings = out.hasher === "js" ? 1 : 0;
    expect(out.warnings.length).to.be.at.most(hasherWarnings);
    if (out.warnings.length > 0) expect(out.warnings[0]).to.match(/native SHA-256 addon/);
    expect(out.outputCommitment).to.equal(commitTensorList([commitTensor(expected)]));
    expect(out.inputCommitment).to.equal(commitTensorList([commitTensor(input)]));
    expect(out.steps).to.equal(undefined);
  });

  it("JSON inputs (nested array, object form) give the same answer as the .pb", async () => {
    const answers = await Promise.all(["x.pb", "x-nested.json", "x-object.json"].map((f) => runCli(["run", path("cnn.onnx"), "--input", path(f), "--json"])));
    for (const a of answers) expect(a.code, a.stderr).to.equal(0);
    const [pb, nested, object] = answers.map((a) => JSON.parse(a.stdout).outputs);
    expect(nested).to.deep.equal(pb);
    expect(object).to.deep.equal(pb);
  });

  it("run --trace --json adds one step per node with its output's type, range, commitment and state root", async () => {
    const r = await runCli(["run", path("cnn.onnx"), "--input", path("x.pb"), "--trace", "--json"]);
    expect(r.code, r.stderr).to.equal(0);
    const out = JSON.parse(r.stdout);
    const ref = runReference(cnn, [input]);
    const commitment = commitModel(cnn);
    const states = executionStates(commitment, ref);
    expect(out.modelId).to.equal(commitment.modelId);
    expect(out.initialState).to.equal(states.roots[0]);
    expect(out.finalState).to.equal(states.roots[cnn.graph.nodes.length]);
    expect(out.outputCommitment).to.equal(states.outputsCommitment);
    expect(out.steps.map((s: { stateRoot: string }) => s.stateRoot)).to.deep.equal(states.roots.slice(1));
    expect(out.steps).to.have.length(cnn.graph.nodes.length);
    out.steps.forEach((s: Record<string, unknown>, i: number) => {
      const node = cnn.graph.nodes[i]!;
      const value = ref.get(node.outputs[0]!) as Tensor;
      expect(s.index).to.equal(i);
      expect(s.op).to.equal(node.domain === "" ? node.opType : `${node.domain}:${node.opType}`);
      expect(s.output).to.equal(node.outputs[0]);
      expect(s.dtype).to.equal(tensorToJson(value).dtype);
      expect(s.shape).to.deep.equal(value.shape);
      expect(s.commitment).to.equal(commitTensor(value));
      expect(s.min).to.be.a("number");
    });
  });

  it("run --backend reference answers the same outputs, marked reference", async () => {
    const [fast, slow] = await Promise.all([
      runCli(["run", path("cnn.onnx"), "--input", path("x.pb"), "--json"]),
      runCli(["run", path("cnn.onnx"), "--input", path("x.pb"), "--json", "--backend", "reference"]),
    ]);
    expect(slow.code, slow.stderr).to.equal(0);
    expect(JSON.parse(slow.stdout).backend).to.equal("reference");
    expect(JSON.parse(slow.stdout).outputs).to.deep.equal(JSON.parse(fast.stdout).outputs);
  });

  it("a probe that disagrees (test hook) falls back to the reference and warns on stderr", async () => {
    const r = await runCli(["run", path("cnn.onnx"), "--input", path("x.pb"), "--json"], { VERINFER_TEST_FORCE_PROBE_MISMATCH: "1" });
    expect(r.code, r.stderr).to.equal(0);
    const out = JSON.parse(r.stdout);
    expect(out.backend).to.equal("reference");
    expect(out.warnings[0]).to.match(/^onnxruntime disagrees with the reference interpreter/);
    expect(errLines(r).some((l) => l.startsWith("verinfer: warning: onnxruntime disagrees"))).to.equal(true);
    const forced = await runCli(["run", path("cnn.onnx"), "--input", path("x.pb"), "--backend", "onnxruntime"], { VERINFER_TEST_FORCE_PROBE_MISMATCH: "1" });
    expectOneLineError(forced, /refusing to run it on onnxruntime$/);
  });

  const bad: [string, () => string[], RegExp][] = [
    ["a truncated model file", () => ["run", path("truncated.onnx"), "--input", path("x.pb")], /not a valid ONNX model/],
    ["a missing model file", () => ["run", path("nope.onnx"), "--input", path("x.pb")], /cannot read model file .*ENOENT/],
    ["a truncated input file", () => ["run", path("cnn.onnx"), "--input", path("x-truncated.pb")], /input file x-truncated\.pb is not a valid TensorProto/],
    ["an input of the wrong dtype", () => ["run", path("cnn.onnx"), "--input", path("x-u8.pb")], /^verinfer: input "x" has dtype uint8, the model expects float32$/],
    ["an input of the wrong shape", () => ["run", path("cnn.onnx"), "--input", path("x-wrong-shape.json")], /^verinfer: input "x" has shape \[1,784\], the model expects \[1,1,28,28\]$/],
    ["a missing input", () => ["run", path("cnn.onnx")], /^verinfer: missing input "x" \(float32 \[1,1,28,28\]\)$/],
    ["an extra input", () => ["run", path("cnn.onnx"), "--input", path("x.pb"), path("x.pb")], /^verinfer: extra input: 2 input files given, the model takes 1 \("x"\)$/],
    ["a model dividing by a non-constant", () => ["run", path("div.onnx")], /refused for a verifiable run \(\d reasons?\): .*Div divisor "b" must be an initializer/],
    ["an overflow-prone model", () => ["run", path("overflow.onnx"), "--input", path("x.pb")], /refused for a verifiable run .*int32 accumulator can overflow/],
    ["an unknown backend", () => ["run", path("cnn.onnx"), "--input", path("x.pb"), "--backend", "gpu"], /^verinfer: --backend must be onnxruntime or reference, got "gpu"$/],
    ["inspect of a truncated model", () => ["model", "inspect", path("truncated.onnx")], /not a valid ONNX model/],
  ];
  describe("bad input: one line, non-zero exit", () => {
    // Independent child processes: run them side by side, then check each.
    const results = new Map<string, CliResult>();
    before(async () => {
      const answers = await Promise.all(bad.map(([, args]) => runCli(args())));
      bad.forEach(([what], i) => results.set(what, answers[i]!));
    });
    for (const [what, , pattern] of bad) it(what, () => expectOneLineError(results.get(what)!, pattern));
  });

  it("a model outside the profile is refused by run with its reasons, and --json says so in an error object", async function () {
    const model = join(requireShared(this, join("models", "mnist-8")), "model.onnx");
    const r = await runCli(["run", model, "--input", join(SHARED_ROOT, "models", "mnist-8", "test_data_set_0", "input_0.pb"), "--json"]);
    expectOneLineError(r, /^verinfer: model is outside the int8 profile, refused for a verifiable run \(11 reasons\): .*Conv on float32 is outside the int8 profile/);
    const out = JSON.parse(r.stdout);
    expect(out.kind).to.equal("ModelRefusedError");
    expect(readFileSync(model).length).to.be.greaterThan(0);
  });
});
