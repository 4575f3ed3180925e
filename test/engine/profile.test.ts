/**
 * The int8 profile checker: a float model is refused node by node with reasons; a hand-built
 * model of every profile operator is verifiable (and onnxruntime runs it with the shapes the
 * inference predicts); every static rule, broken once, is reported with its reason.
 */
import { expect } from "chai";
import * as ort from "onnxruntime-node";
import { join } from "node:path";
import { loadModel } from "../../offchain/engine/onnx/decode.js";
import { attr, encodeModel, singleNodeModel, type SingleNodeSpec } from "../../offchain/engine/onnx/encode.js";
import { inferShapes } from "../../offchain/engine/onnx/shapes.js";
import { checkProfile } from "../../offchain/engine/profile/check-profile.js";
import type { ProfileVerdict } from "../../offchain/engine/profile/verdict.js";
import { DType, dtypeName } from "../../offchain/engine/tensor.js";
import { toOrt } from "./support/ort.js";
import { f32, feedsFor, i64s, i8, profileModels, t, u8 } from "./support/profile-models.js";
import { requireShared } from "./support/shared.js";

const verdictOf = (spec: SingleNodeSpec): ProfileVerdict => checkProfile(singleNodeModel(spec));
const reasons = (v: ProfileVerdict): string[] => v.unsupported.map((u) => u.reason);

/** Asserts the model is refused with exactly one reason matching `pattern`. */
function expectRefused(spec: SingleNodeSpec, pattern: RegExp): void {
  const v = verdictOf(spec);
  expect(v.verifiable, JSON.stringify(v.unsupported)).to.equal(false);
  expect(v.profile).to.equal(null);
  expect(reasons(v), JSON.stringify(v.unsupported)).to.have.length(1);
  expect(reasons(v)[0]).to.match(pattern);
}

describe("profile: mnist-8 (float) is outside the int8 profile", function () {
  let verdict: ProfileVerdict;
  before(async function () {
    const dir = requireShared(this, join("models", "mnist-8"));
    verdict = checkProfile(await loadModel(join(dir, "model.onnx")));
  });

  it("is not verifiable and names no profile", function () {
    expect(verdict.verifiable).to.equal(false);
    expect(verdict.profile).to.equal(null);
  });

  it("lists each float Conv and MatMul with the reason", function () {
    const byNode = new Map(verdict.unsupported.map((u) => [u.node, u]));
    for (const node of ["Convolution28", "Convolution110"]) {
      expect(byNode.get(node)).to.deep.equal({ node, op: "Conv", reason: "Conv on float32 is outside the int8 profile (not in the version-1 operator table)" });
    }
    expect(byNode.get("Times212")?.reason).to.equal("MatMul on float32 is outside the int8 profile (not in the version-1 operator table)");
  });

  it("lists the profile operators used on float32 (Add, Relu, MaxPool) and the opset", function () {
    const listed = verdict.unsupported.map((u) => `${u.node}:${u.op}`);
    for (const n of ["Plus30:Add", "Plus112:Add", "Plus214:Add", "ReLU32:Relu", "ReLU114:Relu", "Pooling66:MaxPool", "Pooling160:MaxPool"]) {
      expect(listed).to.include(n);
    }
    expect(verdict.unsupported.find((u) => u.node === "Plus30")?.reason).to.match(/^Add on float32 is outside the int8 profile/);
    expect(verdict.unsupported.find((u) => u.op === "opset")?.reason).to.equal("ai.onnx opset 8 is outside the int8 profile's range 10..21");
    // The float Reshapes with constant shapes are layout ops the profile accepts on float32.
    expect(listed.filter((n) => n.endsWith(":Reshape"))).to.deep.equal([]);
  });

  it("counts every operator", function () {
    expect(verdict.ops).to.deep.equal({ Reshape: 2, Conv: 2, Add: 3, Relu: 2, MaxPool: 2, MatMul: 1 });
  });
});

describe("profile: one verifiable model per profile operator", function () {
  this.timeout(60_000);
  for (const [name, spec] of Object.entries(profileModels())) {
    it(`${name} is verifiable, and onnxruntime runs it with the inferred output type`, async function () {
      const model = singleNodeModel(spec);
      const v = checkProfile(model);
      expect(v.unsupported, name).to.deep.equal([]);
      expect(v.verifiable).to.equal(true);
      expect(v.profile).to.equal("int8");
      const key = spec.domain ? `${spec.domain}:${spec.opType}` : spec.opType;
      expect(v.ops).to.deep.equal({ [key]: 1 });

      const inferred = inferShapes(model).get("y")!;
      const session = await ort.InferenceSession.create(encodeModel(model), { logSeverityLevel: 3 });
      const feeds = Object.fromEntries(Object.entries(feedsFor(spec)).map(([k, x]) => [k, toOrt(x)]));
      const y = (await session.run(feeds)).y!;
      await session.release();
      expect(y.type).to.equal(dtypeName(inferred.dtype));
      expect([...y.dims]).to.deep.equal([...inferred.shape]);
    });
  }
});

describe("profile: each static rule, broken once, is reported", function () {
  const models = profileModels();
  const qlinearConv = models.QLinearConv!;
  const quantize = models["QuantizeLinear per-tensor"]!;
  const maxPool = models.MaxPool!;

  it("refuses a Reshape whose shape is a graph input (not an initializer)", function () {
    expectRefused(
      {
        opType: "Reshape",
        inputs: [{ name: "x", dtype: DType.INT8, shape: [2, 3] }, { name: "shape", dtype: DType.INT64, shape: [1] }],
        outputs: [{ name: "y", dtype: DType.INT8, shape: [6] }],
      },
      /^Reshape shape "shape" is not an initializer, so the output shape is not static$/,
    );
  });

  it("refuses an Unsqueeze (opset 13+) whose axes are a graph input", function () {
    expectRefused(
      {
        opType: "Unsqueeze",
        inputs: [{ name: "x", dtype: DType.INT8, shape: [2, 3] }, { name: "axes", dtype: DType.INT64, shape: [1] }],
        outputs: [{ name: "y", dtype: DType.INT8, shape: [1, 2, 3] }],
      },
      /^Unsqueeze axes "axes" are not an initializer, so the output shape is not static$/,
    );
  });

  it("refuses a Gather whose indices are a graph input", function () {
    const v = verdictOf({
      opType: "Gather",
      inputs: [{ name: "x", dtype: DType.INT8, shape: [4, 3] }, { name: "idx", dtype: DType.INT64, shape: [2] }],
      outputs: [{ name: "y", dtype: DType.INT8, shape: [2, 3] }],
    });
    expect(v.verifiable).to.equal(false);
    expect(reasons(v)).to.deep.equal(['Gather indices "idx" must be an initializer (the index map is fixed in the node descriptor)']);
  });

  it("refuses a Gather index outside the axis", function () {
    expectRefused({ ...models["Gather with constant indices"]!, initializers: { idx: i64s([4]) }, outputs: [{ name: "y", dtype: DType.INT8, shape: [1, 3] }] }, /Gather index 4 is out of range for an axis of size 4/);
  });

  for (const [what, value, word] of [
    ["zero", 0, "zero"],
    ["negative", -0.5, "negative"],
    ["NaN", NaN, "NaN"],
    ["infinite", Infinity, "infinite"],
    ["subnormal", 1e-40, "subnormal"],
  ] as const) {
    it(`refuses a ${what} scale`, function () {
      expectRefused({ ...quantize, initializers: { s: f32(value), zp: u8(128) } }, new RegExp(`scale "s" is ${word} .*scales must be finite, positive and normal float32`));
    });
  }

  it("refuses a per-channel weight scale with one bad channel, naming the element", function () {
    expectRefused(
      { ...qlinearConv, initializers: { ...qlinearConv.initializers, ws: t(DType.FLOAT, [4], [0.01, 0.02, 0, 0.03]) } },
      /w_scale "ws" element 2 is zero/,
    );
  });

  it("refuses a scale that is not an initializer", function () {
    expectRefused(
      { ...quantize, inputs: [...quantize.inputs, { name: "s", dtype: DType.FLOAT, shape: [] }], initializers: { zp: u8(128) }, nodeInputs: ["x", "s", "zp"] },
      /scale "s" must be an initializer \(quantization parameters are inlined/,
    );
  });

  it("refuses a zero point of the wrong type (int8 x_zero_point for uint8 x)", function () {
    expectRefused({ ...qlinearConv, initializers: { ...qlinearConv.initializers, xzp: i8(0) } }, /x_zero_point "xzp" is int8; it must be uint8/);
  });

  it("refuses MaxPool with two outputs (Indices)", function () {
    expectRefused(
      { ...maxPool, outputs: [...maxPool.outputs, { name: "idx", dtype: DType.INT64, shape: [1, 2, 3, 3] }] },
      /MaxPool has 2 outputs; the int8 profile allows exactly one/,
    );
  });

  it("refuses MaxPool with auto_pad SAME_UPPER", function () {
    expectRefused(
      { ...maxPool, attributes: { kernel_shape: attr.ints([2, 2]), strides: attr.ints([2, 2]), auto_pad: attr.string("SAME_UPPER") } },
      /MaxPool auto_pad SAME_UPPER is outside the int8 profile; write the padding out as explicit pads/,
    );
  });

  it("refuses MaxPool ceil_mode 1 where it changes the output size", function () {
    expectRefused(
      {
        ...maxPool,
        outputs: [{ name: "y", dtype: DType.UINT8, shape: [1, 2, 3, 3] }],
        attributes: { kernel_shape: attr.ints([3, 3]), strides: attr.ints([2, 2]), ceil_mode: attr.int(1) },
      },
      /MaxPool ceil_mode 1 changes the output size here/,
    );
  });

  it("refuses QLinearConv with auto_pad SAME_UPPER", function () {
    expectRefused(
      { ...qlinearConv, attributes: { auto_pad: attr.string("SAME_UPPER") } },
      /QLinearConv auto_pad SAME_UPPER is outside the int8 profile/,
    );
  });

  it("refuses MatMulInteger whose real weights can overflow the int32 accumulator (K = 70000)", function () {
    const k = 70_000;
    expectRefused(
      {
        opType: "MatMulInteger",
        inputs: [{ name: "a", dtype: DType.UINT8, shape: [1, k] }],
        initializers: { b: t(DType.INT8, [k, 1], [-128]), azp: u8(0) },
        nodeInputs: ["a", "b", "azp"],
        outputs: [{ name: "y", dtype: DType.INT32, shape: [1, 1] }],
      },
      /int32 accumulator can overflow: in output channel 0, \|bias\| 0 \+ K 70000 \* max\|x - xzp\| 255 \* max\|w - wzp\| 128 = 2284800000 >= 2\^31/,
    );
  });

  it("accepts the same K when the real weights keep the bound below 2^31", function () {
    const k = 70_000;
    const v = verdictOf({
      opType: "MatMulInteger",
      inputs: [{ name: "a", dtype: DType.UINT8, shape: [1, k] }],
      initializers: { b: t(DType.INT8, [k, 1], [1, -1]), azp: u8(0) },
      nodeInputs: ["a", "b", "azp"],
      outputs: [{ name: "y", dtype: DType.INT32, shape: [1, 1] }],
    });
    expect(v.unsupported).to.deep.equal([]);
  });

  it("bounds an operand that is not an initializer by its type's full range", function () {
    const k = 70_000;
    expectRefused(
      {
        opType: "MatMulInteger",
        inputs: [{ name: "a", dtype: DType.UINT8, shape: [1, k] }, { name: "b", dtype: DType.INT8, shape: [k, 1] }],
        outputs: [{ name: "y", dtype: DType.INT32, shape: [1, 1] }],
      },
      /int32 accumulator can overflow: in output channel 0, .* max\|w - wzp\| 128 /,
    );
  });

  it("finds the one overflowing output channel of a per-channel QLinearConv (bias near 2^31)", function () {
    expectRefused(
      { ...qlinearConv, initializers: { ...qlinearConv.initializers, b: t(DType.INT32, [4], [0, 2 ** 31 - 1000, 0, 0]) } },
      /int32 accumulator can overflow: in output channel 1, \|bias\| 2147482648 \+ K 18 /,
    );
  });

  it("refuses a Div, and says why a non-constant divisor could never join", function () {
    const v = verdictOf({
      opType: "Div",
      inputs: [{ name: "a", dtype: DType.INT32, shape: [3] }, { name: "b", dtype: DType.INT32, shape: [3] }],
      outputs: [{ name: "y", dtype: DType.INT32, shape: [3] }],
    });
    expect(v.verifiable).to.equal(false);
    expect(reasons(v)).to.deep.equal([
      "Div on int32 is a version-2 candidate, not yet in the profile: no on-chain verifier",
      'Div divisor "b" must be an initializer (integer division by 0 throws and INT_MIN / -1 kills onnxruntime)',
    ]);
  });

  it("refuses a constant Div divisor holding 0 or -1", function () {
    const v = verdictOf({
      opType: "Div",
      inputs: [{ name: "a", dtype: DType.INT32, shape: [3] }],
      initializers: { b: t(DType.INT32, [3], [2, 0, -1]) },
      outputs: [{ name: "y", dtype: DType.INT32, shape: [3] }],
    });
    expect(reasons(v).slice(1)).to.deep.equal(['Div divisor "b" contains 0', 'Div divisor "b" contains -1, which divides INT_MIN out of range']);
  });

  it("refuses the com.microsoft version-2 candidates with their reason, and a float Div as outside the table", function () {
    const q = (name: string, dtype: DType, shape: number[]) => ({ name, dtype, shape });
    const s = (v: number) => t(DType.FLOAT, [], [v]);
    const z = (v: number) => t(DType.UINT8, [], [v]);
    const binary = (opType: string): SingleNodeSpec => ({
      opType,
      domain: "com.microsoft",
      inputs: [q("a", DType.UINT8, [4]), q("b", DType.UINT8, [4])],
      initializers: { as: s(0.5), az: z(1), bs: s(0.25), bz: z(2), cs: s(1), cz: z(3) },
      nodeInputs: ["a", "as", "az", "b", "bs", "bz", "cs", "cz"],
      outputs: [q("y", DType.UINT8, [4])],
    });
    const pool = (opType: string, attributes: SingleNodeSpec["attributes"]): SingleNodeSpec => ({
      opType,
      domain: "com.microsoft",
      inputs: [q("x", DType.UINT8, [1, 2, 4, 4])],
      initializers: { xs: s(0.5), xz: z(1), ys: s(0.25), yz: z(2) },
      outputs: [q("y", DType.UINT8, opType === "QLinearGlobalAveragePool" ? [1, 2, 1, 1] : [1, 2, 2, 2])],
      attributes,
    });
    const cases: [SingleNodeSpec, string][] = [
      [binary("QLinearAdd"), "QLinearAdd on uint8 (domain com.microsoft)"],
      [binary("QLinearMul"), "QLinearMul on uint8 (domain com.microsoft)"],
      [pool("QLinearAveragePool", { kernel_shape: attr.ints([2, 2]), strides: attr.ints([2, 2]) }), "QLinearAveragePool on uint8 (domain com.microsoft)"],
      [pool("QLinearGlobalAveragePool", {}), "QLinearGlobalAveragePool on uint8 (domain com.microsoft)"],
    ];
    for (const [spec, what] of cases) {
      const v = verdictOf(spec);
      expect(v.verifiable, what).to.equal(false);
      expect(reasons(v), what).to.deep.equal([`${what} is a version-2 candidate, not yet in the profile: no on-chain verifier`]);
    }
    const fdiv = verdictOf({
      opType: "Div",
      inputs: [q("a", DType.FLOAT, [3])],
      initializers: { b: t(DType.FLOAT, [3], [1, 2, 3]) },
      outputs: [q("y", DType.FLOAT, [3])],
    });
    expect(reasons(fdiv)).to.include("Div on float32 is outside the int8 profile (not in the version-1 operator table)");
  });

  it("refuses a Clip whose bound is a graph input", function () {
    const clip = models["Clip int8 with constant bounds"]!;
    expectRefused(
      { ...clip, inputs: [...clip.inputs, { name: "lo", dtype: DType.INT8, shape: [] }], initializers: { hi: i8(20) }, nodeInputs: ["x", "lo", "hi"] },
      /Clip min "lo" must be an initializer/,
    );
  });

  it("refuses Cast from float32 (integer -> integer only)", function () {
    expectRefused(
      { opType: "Cast", inputs: [{ name: "x", dtype: DType.FLOAT, shape: [2] }], outputs: [{ name: "y", dtype: DType.INT8, shape: [2] }], attributes: { to: attr.int(DType.INT8) } },
      /^Cast float32 -> int8 is outside the int8 profile \(integer -> integer only\)$/,
    );
  });

  it("refuses Add on int8 (int32 only)", function () {
    const add = models["Add int32 with broadcasting"]!;
    const v = verdictOf({ ...add, inputs: add.inputs.map((i) => ({ ...i, dtype: DType.INT8 })), outputs: [{ name: "y", dtype: DType.INT8, shape: [2, 3] }] });
    expect(reasons(v)[0]).to.equal('Add on int8 is outside the int8 profile (input "a" must be int32)');
  });

  it("refuses a graph input with a symbolic dimension (shapes must be static)", function () {
    const relu = models["Relu int8"]!;
    const v = verdictOf({ ...relu, inputs: [{ name: "x", dtype: DType.INT8, shape: ["N", 3] }], outputs: [{ name: "y", dtype: DType.INT8, shape: ["N", 3] }] });
    expect(v.unsupported).to.deep.equal([{ node: "x", op: "graph input", reason: 'graph input "x" has no static shape (int8 [N,3])' }]);
  });

  it("refuses an opset outside 10..21", function () {
    const relu = models["Relu int8"]!;
    const v = verdictOf({ ...relu, opsets: [{ domain: "", version: 22 }] });
    expect(reasons(v)).to.deep.equal(["ai.onnx opset 22 is outside the int8 profile's range 10..21"]);
  });

  it("lists every offending node of a model, not only the first", function () {
    const base = singleNodeModel(models["Relu int8"]!);
    const bad = { ...base.graph.nodes[0]!, name: "second", opType: "Softmax", inputs: ["y"], outputs: ["z"] };
    const model = {
      ...base,
      graph: { ...base.graph, nodes: [{ ...base.graph.nodes[0]!, opType: "Sigmoid" }, bad], outputs: [{ name: "z", dtype: DType.INT8, shape: [2, 3] }] },
    };
    expect(checkProfile(model).unsupported.map((u) => `${u.node}:${u.op}`)).to.deep.equal(["Relu:Sigmoid", "second:Softmax"]);
  });
});
