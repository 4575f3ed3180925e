/**
 * The execution layer: plain onnxruntime, traced onnxruntime and the reference interpreter agree
 * bit for bit on every profile operator and on multi-node quantized models; inputs are checked
 * before any backend sees them; non-verifiable and onnxruntime-killing models are refused; and a
 * disagreeing probe (forced by the test hooks) makes the engine fall back to the reference, loudly.
 */
import { expect } from "chai";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { BackendDisagreementError, EngineInputError, ModelRefusedError } from "../../offchain/engine/exec/errors.js";
import { loadEngineModel, selfCheck, type EngineModel, type SelfCheckReport } from "../../offchain/engine/exec/engine.js";
import { parseInput } from "../../offchain/engine/exec/input-file.js";
import { tensorFromJson, tensorToJson } from "../../offchain/engine/exec/json-tensor.js";
import { releaseAllSessions, tracedModel } from "../../offchain/engine/exec/ort.js";
import { onnxruntimeHazards } from "../../offchain/engine/exec/ort-safety.js";
import { probeInputs } from "../../offchain/engine/exec/probe.js";
import { runReference } from "../../offchain/engine/exec/reference.js";
import { selfCheckCases } from "../../offchain/engine/exec/self-check.js";
import { decodeTensor, encodeTensor } from "../../offchain/engine/onnx/tensor-proto.js";
import { encodeModel, singleNodeModel, type SingleNodeSpec } from "../../offchain/engine/onnx/encode.js";
import { inferShapes } from "../../offchain/engine/onnx/shapes.js";
import type { Model } from "../../offchain/engine/onnx/types.js";
import { DType, type Tensor } from "../../offchain/engine/tensor.js";
import { mismatches } from "./support/compare.js";
import { Rng } from "./support/prng.js";
import { feedsFor, profileModels, t } from "./support/profile-models.js";
import { quantizedCnn, quantizedMlp } from "./support/quantized-models.js";
import { requireShared } from "./support/shared.js";

function expectSame(actual: Tensor | undefined, expected: Tensor | undefined, what: string): void {
  expect(actual, `${what} missing`).to.not.equal(undefined);
  expect(expected, `${what} missing in the reference`).to.not.equal(undefined);
  const m = mismatches(actual!, expected!);
  expect(m.count, `${what}: ${m.first}`).to.equal(0);
}

/** Every node output of the model equal between two value maps, and the graph outputs. */
function expectAllValuesEqual(model: Model, actual: ReadonlyMap<string, Tensor>, expected: ReadonlyMap<string, Tensor>, what: string): void {
  for (const node of model.graph.nodes) for (const o of node.outputs) expectSame(actual.get(o), expected.get(o), `${what}: "${o}"`);
}

/** Plain outputs equal the reference's, and the trace equals the reference everywhere. */
async function expectBitEqual(m: EngineModel, feeds: ReadonlyMap<string, Tensor> | Record<string, Tensor>, what: string): Promise<void> {
  const ref = m.reference(feeds);
  const out = await m.run(feeds);
  expect([...out.keys()]).to.deep.equal(m.outputs.map((o) => o.name));
  for (const [name, v] of out) expectSame(v, ref.get(name), `${what}: plain "${name}"`);
  const traced = await m.trace(feeds);
  expectAllValuesEqual(m.model, traced, ref, `${what}: traced`);
}

function randomFeeds(model: Model, rng: Rng): Map<string, Tensor> {
  const feeds = new Map<string, Tensor>();
  for (const v of model.graph.inputs) {
    const shape = v.shape as number[];
    const n = shape.reduce((p, d) => p * d, 1);
    const values = Array.from({ length: n }, () => (v.dtype === DType.FLOAT ? rng.next() * 1.2 - 0.1 : v.dtype === DType.INT8 ? rng.int(-128, 127) : rng.int(0, 255)));
    feeds.set(v.name, t(v.dtype, shape, values));
  }
  return feeds;
}

describe("exec: plain, traced and reference agree bit for bit", function () {
  this.timeout(60_000);
  after(releaseAllSessions);

  for (const [name, spec] of Object.entries(profileModels())) {
    it(`${name}: the probe agrees and a run, a trace and the reference are bit-equal`, async () => {
      const m = await loadEngineModel(encodeModel(singleNodeModel(spec)));
      expect(m.backend, m.warnings.join("; ")).to.equal("onnxruntime");
      expect(m.verifiable).to.equal(true);
      expect(m.warnings).to.deep.equal([]);
      expect(m.probe!.probes).to.equal(3);
      expect(m.probe!.mismatches).to.deep.equal([]);
      await expectBitEqual(m, feedsFor(spec), name);
    });
  }

  const multiNode: [string, () => Model][] = [
    ["quantized CNN (QuantizeLinear -> QLinearConv -> MaxPool x2 -> QLinearConv -> Reshape -> QGemm -> DequantizeLinear)", () => quantizedCnn(8, 24, 7).model],
    ["quantized CNN with full-range int8 weights", () => quantizedCnn(4, 16, 8, 127).model],
    ["quantized MLP 784-64-64-10 (QGemm layers)", () => quantizedMlp([784, 64, 64, 10], 3).model],
  ];
  for (const [name, build] of multiNode) {
    it(`${name}: every intermediate is bit-equal on the probes and on 20 seeded inputs`, async () => {
      const model = build();
      const m = await loadEngineModel(encodeModel(model));
      expect(m.backend, m.warnings.join("; ")).to.equal("onnxruntime");
      expect(m.probe!.mismatches).to.deep.equal([]);
      expect(m.probe!.valuesCompared).to.equal(1 + model.graph.nodes.length);
      for (const p of probeInputs(model)) await expectBitEqual(m, p.feeds, `${p.kind} probe`);
      const rng = new Rng(42);
      for (let i = 0; i < 20; i++) await expectBitEqual(m, randomFeeds(model, rng), `input ${i}`);
    });
  }

  it("the traced model keeps the graph outputs first and adds every other node output, typed", () => {
    const { model } = quantizedCnn(4, 8, 1);
    const traced = tracedModel(model, inferShapes(model));
    expect(traced.graph.outputs[0]).to.deep.equal(model.graph.outputs[0]);
    const names = traced.graph.outputs.map((o) => o.name);
    expect(new Set(names)).to.deep.equal(new Set(model.graph.nodes.flatMap((n) => n.outputs)));
    expect(traced.graph.outputs.every((o) => o.shape !== null && o.shape.every((d) => typeof d === "number"))).to.equal(true);
  });

  it("a trace holds the initializers, the inputs and every node output", async () => {
    const { model } = quantizedMlp([16, 8, 4], 5);
    const m = await loadEngineModel(encodeModel(model));
    const feeds = probeInputs(model)[2]!.feeds;
    const all = await m.trace(feeds);
    const expected = [...model.graph.initializers.keys(), "x", ...model.graph.nodes.flatMap((n) => n.outputs)];
    expect(new Set(all.keys())).to.deep.equal(new Set(expected));
    expect(all.get("x")).to.equal(feeds.get("x"));
  });

  it("probe inputs are deterministic and reach both ends of each input's range", () => {
    const { model } = quantizedCnn(4, 8, 1);
    const a = probeInputs(model);
    const b = probeInputs(model);
    expect(a.map((p) => p.kind)).to.deep.equal(["max", "min", "mixed"]);
    for (let i = 0; i < a.length; i++) expect(mismatches(a[i]!.feeds.get("x")!, b[i]!.feeds.get("x")!).count).to.equal(0);
    // x is quantized with scale 1/255, zero point 0: the probes go past both ends of [0, 255] * s.
    const ref = runReference(model, a[0]!.feeds);
    expect(Array.from(ref.get(model.graph.nodes[0]!.outputs[0]!)!.data as Uint8Array).every((v) => v === 255)).to.equal(true);
    const mixed = Array.from(a[2]!.feeds.get("x")!.data as Float32Array);
    expect(mixed.some(Number.isNaN)).to.equal(true);
    expect(mixed).to.include(Infinity).and.to.include(-Infinity);
  });
});

describe("exec: inputs are checked before any backend sees them", function () {
  this.timeout(30_000);
  let m: EngineModel;
  const x = (shape: number[], dtype = DType.FLOAT): Tensor => t(dtype, shape, [0.5]);
  before(async () => {
    m = await loadEngineModel(encodeModel(quantizedMlp([16, 8, 4], 5).model), { maxInputBytes: 64 });
  });
  after(releaseAllSessions);

  const cases: [string, () => Parameters<EngineModel["run"]>[0], RegExp][] = [
    ["a missing input", () => ({}), /^missing input "x" \(float32 \[1,16\]\)$/],
    ["an extra named input", () => ({ x: x([1, 16]), y: x([1, 16]) }), /^extra input "y": the model's inputs are "x"$/],
    ["an extra positional input", () => [x([1, 16]), x([1, 16])], /^extra input: 2 inputs given, the model takes 1 \("x"\)$/],
    ["a wrong dtype", () => ({ x: x([1, 16], DType.UINT8) }), /^input "x" has dtype uint8, the model expects float32$/],
    ["a wrong shape", () => ({ x: x([16]) }), /^input "x" has shape \[16\], the model expects \[1,16\]$/],
    ["data longer than its shape", () => ({ x: { dtype: DType.FLOAT, shape: [1, 16], data: new Float32Array(17) } }), /^input "x" is oversized: it holds 17 elements/],
    ["a typed array of the wrong width", () => ({ x: { dtype: DType.FLOAT, shape: [1, 16], data: new Float64Array(16) } }), /^input "x" holds 8-byte elements, float32 needs 4$/],
  ];
  for (const [what, feeds, message] of cases) {
    it(`refuses ${what} with one line, on every path`, async () => {
      for (const path of ["run", "trace", "reference"] as const) {
        let err: unknown;
        try {
          await m[path](feeds());
        } catch (e) {
          err = e;
        }
        expect(err, path).to.be.instanceOf(EngineInputError);
        expect((err as Error).message, path).to.match(message).and.not.contain("\n");
      }
    });
  }

  it("refuses inputs over maxInputBytes", async () => {
    const big = await loadEngineModel(encodeModel(quantizedMlp([32, 4], 5).model), { maxInputBytes: 64 });
    await big.run({ x: x([1, 32]) }).then(
      () => expect.fail("accepted"),
      (e: Error) => expect(e.message).to.equal("inputs are oversized: 128 bytes, the limit is 64"),
    );
  });
});

describe("exec: refusals", function () {
  this.timeout(30_000);
  after(releaseAllSessions);

  it("mnist-8 (float) is refused for a verifiable run with every profile reason", async function () {
    const dir = requireShared(this, join("models", "mnist-8"));
    const err = await loadEngineModel(join(dir, "model.onnx")).then(() => undefined, (e: unknown) => e);
    expect(err).to.be.instanceOf(ModelRefusedError);
    const refused = err as ModelRefusedError;
    expect(refused.message).to.match(/^model is outside the int8 profile, refused for a verifiable run \(\d+ reasons\): /);
    expect(refused.message).to.not.contain("\n");
    expect(refused.reasons.length).to.be.greaterThan(3);
    for (const r of refused.reasons) expect(refused.message).to.contain(r.reason);
  });

  it("mnist-8 runs unverifiably through plain onnxruntime when asked, and says so", async function () {
    const dir = requireShared(this, join("models", "mnist-8"));
    const m = await loadEngineModel(join(dir, "model.onnx"), { verifiable: false });
    expect(m.verifiable).to.equal(false);
    expect(m.backend).to.equal("onnxruntime");
    expect(m.warnings.join(" ")).to.contain("NOT verifiable");
    const input = decodeTensor(readFileSync(join(dir, "test_data_set_0", "input_0.pb"))).tensor;
    const expected = decodeTensor(readFileSync(join(dir, "test_data_set_0", "output_0.pb"))).tensor;
    const out = [...(await m.run([input])).values()][0]!;
    const got = Array.from(out.data as Float32Array);
    // Float32 logits (magnitude ~1e3): onnxruntime's float kernels may sum in another order with
    // other thread counts, so compare as ONNX's own test runner does (relative 1e-3).
    Array.from(expected.data as Float32Array).forEach((v, i) => {
      expect(Math.abs(got[i]! - v), `logit ${i}: ${got[i]} vs ${v}`).to.be.at.most(1e-3 * Math.max(1, Math.abs(v)));
    });
    await m.trace([input]).then(() => expect.fail("traced"), (e: Error) => expect(e).to.be.instanceOf(ModelRefusedError));
    expect(() => m.reference([input])).to.throw(ModelRefusedError);
  });

  const div = (divisor: "input" | number): SingleNodeSpec => ({
    opType: "Div",
    inputs: [{ name: "a", dtype: DType.INT32, shape: [4] }, ...(divisor === "input" ? [{ name: "b", dtype: DType.INT32, shape: [4] }] : [])],
    initializers: divisor === "input" ? {} : { b: t(DType.INT32, [4], [3, divisor, 5, 7]) },
    outputs: [{ name: "y", dtype: DType.INT32, shape: [4] }],
  });

  it("an integer Div by a non-constant never reaches onnxruntime, even unverifiably", async () => {
    const bytes = encodeModel(singleNodeModel(div("input")));
    for (const verifiable of [true, false]) {
      const err = await loadEngineModel(bytes, { verifiable }).then(() => undefined, (e: unknown) => e);
      expect(err, `verifiable ${verifiable}`).to.be.instanceOf(ModelRefusedError);
    }
    const err = (await loadEngineModel(bytes, { verifiable: false }).catch((e: unknown) => e)) as Error;
    expect(err.message).to.match(/^model would crash onnxruntime, refused: Div \(Div\): Div by the non-constant "b": .*INT_MIN \/ -1 kills onnxruntime$/);
  });

  it("an integer Div by a constant holding -1 or 0 is a hazard; by other constants, and float Div, are not", () => {
    expect(onnxruntimeHazards(singleNodeModel(div(-1))).map((h) => h.reason)).to.deep.equal(['Div divisor "b" contains -1 (INT_MIN / -1 kills onnxruntime)']);
    expect(onnxruntimeHazards(singleNodeModel(div(0))).map((h) => h.reason)).to.deep.equal(['Div divisor "b" contains 0']);
    expect(onnxruntimeHazards(singleNodeModel(div(2)))).to.deep.equal([]);
    const floatDiv: SingleNodeSpec = {
      opType: "Div",
      inputs: [{ name: "a", dtype: DType.FLOAT, shape: [4] }, { name: "b", dtype: DType.FLOAT, shape: [4] }],
      outputs: [{ name: "y", dtype: DType.FLOAT, shape: [4] }],
    };
    expect(onnxruntimeHazards(singleNodeModel(floatDiv))).to.deep.equal([]);
  });

  it("an overflow-prone model is refused for a verifiable run, naming the accumulator bound", async () => {
    const { model } = quantizedMlp([70_000, 2], 1, 127); // K * 255 * 128 > 2^31
    const err = (await loadEngineModel(encodeModel(model)).catch((e: unknown) => e)) as Error;
    expect(err).to.be.instanceOf(ModelRefusedError);
    expect(err.message).to.contain("int32 accumulator can overflow");
  });
});

describe("exec: falling back to the reference interpreter, never silently", function () {
  this.timeout(60_000);
  after(releaseAllSessions);
  const flipFirst = (t: Tensor): Tensor => {
    const data = t.data.slice() as Uint8Array;
    data[0] = (data[0]! ^ 1) as never;
    return { ...t, data };
  };

  it("a probe that disagrees makes the model run on the reference, with a warning", async () => {
    const { model } = quantizedCnn(4, 8, 2);
    const target = model.graph.nodes[3]!.outputs[0]!;
    const m = await loadEngineModel(encodeModel(model), { probeTamper: (path, name, t) => (path === "traced" && name === target ? flipFirst(t) : t) });
    expect(m.backend).to.equal("reference");
    expect(m.warnings).to.have.length(1);
    expect(m.warnings[0]).to.match(new RegExp(`^onnxruntime disagrees with the reference interpreter on this model's max probe \\(traced session, value "${target}": element 0: .*\\); using the reference interpreter`));
    expect(m.probe!.mismatches.length).to.equal(3);
    const feeds = probeInputs(model)[2]!.feeds;
    const ref = m.reference(feeds);
    const out = await m.run(feeds);
    expectSame(out.get(model.graph.outputs[0]!.name), ref.get(model.graph.outputs[0]!.name), "fallback run");
    expectAllValuesEqual(model, await m.trace(feeds), ref, "fallback trace");
  });

  it("a disagreeing plain session is caught too", async () => {
    const { model } = quantizedMlp([16, 8, 4], 5);
    const m = await loadEngineModel(encodeModel(model), { probeTamper: (path, _n, t) => (path === "plain" ? flipFirst(t) : t) });
    expect(m.backend).to.equal("reference");
    expect(m.warnings[0]).to.contain("(plain session, value");
  });

  it("with --backend onnxruntime a disagreement is an error, not a fallback", async () => {
    const { model } = quantizedMlp([16, 8, 4], 5);
    const err = await loadEngineModel(encodeModel(model), { backend: "onnxruntime", probeTamper: (_p, _n, t) => flipFirst(t) }).catch((e: unknown) => e);
    expect(err).to.be.instanceOf(BackendDisagreementError);
    expect((err as Error).message).to.match(/refusing to run it on onnxruntime$/);
  });

  it("the start-up self-check covers the hardware caveats and agrees here, or names what drifts", async () => {
    const report = await selfCheck();
    expect(report.cases.map((c) => c.name)).to.deep.equal(selfCheckCases().map(([n]) => n));
    const ops = new Set(report.cases.map((c) => c.op));
    for (const op of ["QLinearConv", "QLinearMatMul", "com.microsoft:QGemm", "MatMulInteger", "ConvInteger"]) expect(ops).to.include(op);
    for (const c of report.cases) if (!c.agreed) expect(c.mismatch).to.be.a("string");
    expect(report.ok).to.equal(report.driftingOps.length === 0);
    if (!report.ok) console.log(`      NOTE: onnxruntime drifts on this CPU: ${report.cases.filter((c) => !c.agreed).map((c) => `${c.name}: ${c.mismatch}`).join("; ")}`);
    expect(await selfCheck()).to.equal(report); // cached per process
  });

  it("a self-check that finds drift moves the models using that operator to the reference", async () => {
    const drift = await selfCheck({ tamper: (name, t) => (name.startsWith("QGemm") ? flipFirst(t) : t) });
    expect(drift.ok).to.equal(false);
    expect(drift.driftingOps).to.deep.equal(["com.microsoft:QGemm"]);
    expect(drift.cases.find((c) => c.name.startsWith("QGemm"))!.mismatch).to.match(/^max probe, "y" element 0: /);
    const mlp = await loadEngineModel(encodeModel(quantizedMlp([16, 8, 4], 5).model), { selfCheck: drift });
    expect(mlp.backend).to.equal("reference");
    expect(mlp.warnings[0]).to.match(/^onnxruntime drifts from the canonical semantics on this machine for com\.microsoft:QGemm \(QGemm .*\); using the reference interpreter/);
    const conv = await loadEngineModel(encodeModel(singleNodeModel(profileModels().QLinearConv!)), { selfCheck: drift });
    expect(conv.backend).to.equal("onnxruntime");
    const forced = await loadEngineModel(encodeModel(quantizedMlp([16, 8, 4], 5).model), { selfCheck: drift, backend: "onnxruntime" }).catch((e: unknown) => e);
    expect(forced).to.be.instanceOf(BackendDisagreementError);
  });

  it("--backend reference never builds a session and runs the reference", async () => {
    const { model } = quantizedMlp([16, 8, 4], 5);
    const m = await loadEngineModel(encodeModel(model), { backend: "reference" });
    expect(m.backend).to.equal("reference");
    expect(m.probe).to.equal(undefined);
    expect(m.warnings).to.deep.equal([]);
    const feeds = probeInputs(model)[2]!.feeds;
    expectSame((await m.run(feeds)).get(model.graph.outputs[0]!.name), m.reference(feeds).get(model.graph.outputs[0]!.name), "reference run");
  });
});

describe("exec: input files (TensorProto .pb and JSON)", () => {
  const x = { name: "x", dtype: DType.UINT8, shape: [2, 3] };

  it("reads a TensorProto and refuses a truncated one in one line", () => {
    const tensor = t(DType.UINT8, [2, 3], [1, 2, 3, 4, 5, 255]);
    const bytes = encodeTensor("x", tensor);
    expect(mismatches(parseInput(bytes, "in.pb", x), tensor).count).to.equal(0);
    expect(() => parseInput(bytes.subarray(0, bytes.length - 3), "in.pb", x)).to.throw(EngineInputError, /^input file in\.pb/);
  });

  it("reads the JSON object form, flat or nested, and a plain nested array in the model's type", () => {
    const want = t(DType.UINT8, [2, 3], [1, 2, 3, 4, 5, 255]);
    for (const json of [
      { dtype: "uint8", shape: [2, 3], data: [1, 2, 3, 4, 5, 255] },
      { dtype: "uint8", shape: [2, 3], data: [[1, 2, 3], [4, 5, 255]] },
      [[1, 2, 3], [4, 5, 255]],
      [1, 2, 3, 4, 5, 255],
    ]) {
      expect(mismatches(parseInput(Buffer.from(JSON.stringify(json)), "in.json", x), want).count, JSON.stringify(json)).to.equal(0);
    }
  });

  it("refuses JSON that does not fit, naming the value or the shape", () => {
    const bad: [unknown, RegExp][] = [
      [[[1, 2], [3, 4]], /a nested array of shape \[2,2\], the model's input "x" is uint8 \[2,3\] \(wrong shape\)/],
      [[[1, 2, 3], [4, 5]], /nested arrays are ragged/],
      [[1, 2, 3, 4, 5, 256], /value 256 at index 5 is out of range for uint8/],
      [[1, 2, 3, 4, 5, 1.5], /value 1.5 at index 5 is not an integer/],
      [{ dtype: "uint8", shape: [2, 3], data: [1] }, /1 values, but uint8 \[2,3\] holds 6 \(wrong shape\)/],
      [{ dtype: "uint9", shape: [1], data: [1] }, /unknown dtype "uint9"/],
      [{ dtype: "uint8", shape: [1], data: [1], extra: 1 }, /unknown field "extra"/],
    ];
    for (const [json, message] of bad) expect(() => parseInput(Buffer.from(JSON.stringify(json)), "in.json", x), JSON.stringify(json)).to.throw(EngineInputError, message);
    expect(() => parseInput(Buffer.from('{"dtype": "uint8", "sha'), "in.json", x)).to.throw(EngineInputError, /^input file in\.json is not valid JSON/);
  });

  it("writes and reads back non-finite floats and int64 beyond 2^53", () => {
    const f = t(DType.FLOAT, [4], [NaN, Infinity, -Infinity, 0.25]);
    expect(tensorToJson(f).data).to.deep.equal(["NaN", "Infinity", "-Infinity", 0.25]);
    expect(mismatches(tensorFromJson(tensorToJson(f), { name: "f", dtype: DType.FLOAT, shape: [4] }, "f"), f).count).to.equal(0);
    const big = { dtype: DType.INT64, shape: [2], data: new BigInt64Array([2n ** 60n, -5n]) };
    expect(tensorToJson(big).data).to.deep.equal([(2n ** 60n).toString(), -5]);
    expect(mismatches(tensorFromJson(tensorToJson(big), { name: "i", dtype: DType.INT64, shape: [2] }, "i"), big).count).to.equal(0);
  });
});
