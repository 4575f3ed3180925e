/**
 * The ONNX encoder and decoder: decode(encode(m)) equals m for every kind of attribute, element
 * type and value description; tensors stored in typed fields and Constant nodes load as the same
 * tensors; onnxruntime loads and runs what the encoder writes.
 */
import { expect } from "chai";
import * as ort from "onnxruntime-node";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { decodeModel } from "../../offchain/engine/onnx/decode.js";
import { attr, encodeModel, singleNodeModel } from "../../offchain/engine/onnx/encode.js";
import { OnnxFormatError } from "../../offchain/engine/onnx/errors.js";
import { ModelProto } from "../../offchain/engine/onnx/schema.js";
import { decodeTensor, encodeTensor } from "../../offchain/engine/onnx/tensor-proto.js";
import type { Model } from "../../offchain/engine/onnx/types.js";
import { DType, type Tensor } from "../../offchain/engine/tensor.js";
import { requireShared } from "./support/shared.js";

const tensorsOfEveryType: Record<string, Tensor> = {
  f32: { dtype: DType.FLOAT, shape: [2, 2], data: Float32Array.of(1.5, -0, NaN, -Infinity) },
  u8: { dtype: DType.UINT8, shape: [3], data: Uint8Array.of(0, 128, 255) },
  i8: { dtype: DType.INT8, shape: [3], data: Int8Array.of(-128, 0, 127) },
  u16: { dtype: DType.UINT16, shape: [2], data: Uint16Array.of(0, 65535) },
  i16: { dtype: DType.INT16, shape: [2], data: Int16Array.of(-32768, 32767) },
  i32: { dtype: DType.INT32, shape: [2], data: Int32Array.of(-(2 ** 31), 2 ** 31 - 1) },
  i64: { dtype: DType.INT64, shape: [3], data: BigInt64Array.of(-(2n ** 63n), 2n ** 53n + 1n, 2n ** 63n - 1n) },
  bool: { dtype: DType.BOOL, shape: [2], data: Uint8Array.of(0, 1) },
  f16: { dtype: DType.FLOAT16, shape: [1], data: Uint16Array.of(0x3c00) },
  f64: { dtype: DType.DOUBLE, shape: [1], data: Float64Array.of(Math.PI) },
  u32: { dtype: DType.UINT32, shape: [1], data: Uint32Array.of(2 ** 32 - 1) },
  u64: { dtype: DType.UINT64, shape: [1], data: BigUint64Array.of(2n ** 64n - 1n) },
  scalar: { dtype: DType.INT32, shape: [], data: Int32Array.of(7) },
  empty: { dtype: DType.INT8, shape: [0, 3], data: new Int8Array(0) },
};

function richModel(): Model {
  return {
    irVersion: 9,
    opsets: [{ domain: "", version: 19 }, { domain: "com.example", version: 3 }],
    producerName: "verinfer-test",
    graph: {
      name: "rich",
      inputs: [{ name: "x", dtype: DType.INT8, shape: ["batch", 3, null] }, { name: "unranked", dtype: DType.FLOAT, shape: null }],
      outputs: [{ name: "y", dtype: DType.INT8, shape: [1, 3, 4] }],
      initializers: new Map(Object.entries(tensorsOfEveryType)),
      nodes: [
        {
          name: "custom",
          opType: "Frob",
          domain: "com.example",
          inputs: ["x", "", "u8", "unranked"],
          outputs: ["h", ""],
          attributes: {
            f: attr.float(0.1),
            i: attr.int(-(2 ** 53)),
            s: attr.string("héllo ✓"),
            t: attr.tensor(tensorsOfEveryType.i64!),
            fs: attr.floats([1, -2.5, Infinity]),
            is: attr.ints([0, 2 ** 53, -1]),
            ss: attr.strings(["a", ""]),
            none: attr.ints([]),
          },
        },
        { name: "", opType: "Relu", domain: "", inputs: ["h"], outputs: ["y"], attributes: {} },
      ],
      valueInfo: [{ name: "h", dtype: DType.INT8, shape: [1, "c", 4] }],
    },
  };
}

describe("onnx codec: round trip", function () {
  it("decode(encode(m)) equals m for every attribute kind, element type and dimension form", function () {
    const m = richModel();
    expect(decodeModel(encodeModel(m))).to.deep.equal(m);
  });

  it("encodes the same model to the same bytes every time", function () {
    expect(Buffer.from(encodeModel(richModel())).equals(Buffer.from(encodeModel(richModel())))).to.equal(true);
  });

  it("keeps int64 tensor data as BigInt64Array, exact beyond 2^53", function () {
    const back = decodeModel(encodeModel(richModel())).graph.initializers.get("i64")!;
    expect(back.data).to.be.instanceOf(BigInt64Array);
    expect([...(back.data as BigInt64Array)]).to.deep.equal([-(2n ** 63n), 2n ** 53n + 1n, 2n ** 63n - 1n]);
  });

  it("round-trips a TensorProto file (input_N.pb format)", function () {
    for (const [name, t] of Object.entries(tensorsOfEveryType)) {
      expect(decodeTensor(encodeTensor(name, t))).to.deep.equal({ name, tensor: t });
    }
  });

  it("refuses to encode a model the decoder would refuse (undefined node input)", function () {
    const m = singleNodeModel({ opType: "Relu", inputs: [{ name: "x", dtype: DType.INT8, shape: [2] }], outputs: [{ name: "y", dtype: DType.INT8, shape: [2] }], nodeInputs: ["ghost"] });
    expect(() => encodeModel(m)).to.throw(OnnxFormatError, 'cannot encode model: input "ghost" of node "Relu" is not defined by any node, initializer or graph input');
  });

  it("builds single-node models with IR 8 and opset 17 by default, plus the node's own domain", function () {
    const m = singleNodeModel({ opType: "QGemm", domain: "com.microsoft", inputs: [], outputs: [] });
    expect(m.irVersion).to.equal(8);
    expect(m.opsets).to.deep.equal([{ domain: "", version: 17 }, { domain: "com.microsoft", version: 1 }]);
  });
});

/** A model written directly through the schema, as other producers may write it. */
function rawModelBytes(graph: Record<string, unknown>): Uint8Array {
  return ModelProto.encode({ irVersion: 8, opsetImport: [{ domain: "", version: 17 }], graph: { name: "g", ...graph } }).finish();
}

describe("onnx codec: typed tensor fields and Constant nodes", function () {
  it("reads float_data, int32_data (packed narrow types), int64_data, double_data and uint64_data", function () {
    const init = (name: string, dataType: number, dims: number[], field: string, values: unknown[]): object => ({ name, dataType, dims, [field]: values });
    const bytes = rawModelBytes({
      initializer: [
        init("f32", DType.FLOAT, [2], "floatData", [1.5, -2]),
        init("i8", DType.INT8, [3], "int32Data", [-128, 0, 127]),
        init("u8", DType.UINT8, [2], "int32Data", [0, 255]),
        init("i16", DType.INT16, [2], "int32Data", [-32768, 32767]),
        init("u16", DType.UINT16, [1], "int32Data", [65535]),
        init("bool", DType.BOOL, [2], "int32Data", [1, 0]),
        init("f16", DType.FLOAT16, [1], "int32Data", [0x3c00]),
        init("i32", DType.INT32, [1], "int32Data", [-5]),
        init("i64", DType.INT64, [2], "int64Data", ["-9223372036854775808", "9007199254740993"]),
        init("f64", DType.DOUBLE, [1], "doubleData", [0.1]),
        init("u32", DType.UINT32, [1], "uint64Data", [4294967295]),
        init("u64", DType.UINT64, [1], "uint64Data", ["18446744073709551615"]),
      ],
      output: [{ name: "f32", type: { tensorType: { elemType: DType.FLOAT, shape: { dim: [{ dimValue: 2 }] } } } }],
    });
    const got = decodeModel(bytes).graph.initializers;
    const values = (n: string): unknown[] => Array.from(got.get(n)!.data as ArrayLike<unknown>);
    expect(got.get("f32")!.data).to.deep.equal(Float32Array.of(1.5, -2));
    expect(got.get("i8")!.data).to.deep.equal(Int8Array.of(-128, 0, 127));
    expect(got.get("u8")!.data).to.deep.equal(Uint8Array.of(0, 255));
    expect(got.get("i16")!.data).to.deep.equal(Int16Array.of(-32768, 32767));
    expect(got.get("u16")!.data).to.deep.equal(Uint16Array.of(65535));
    expect(got.get("bool")!.data).to.deep.equal(Uint8Array.of(1, 0));
    expect(got.get("f16")!.data).to.deep.equal(Uint16Array.of(0x3c00));
    expect(got.get("i32")!.data).to.deep.equal(Int32Array.of(-5));
    expect(values("i64")).to.deep.equal([-(2n ** 63n), 2n ** 53n + 1n]);
    expect(got.get("f64")!.data).to.deep.equal(Float64Array.of(0.1));
    expect(got.get("u32")!.data).to.deep.equal(Uint32Array.of(4294967295));
    expect(values("u64")).to.deep.equal([2n ** 64n - 1n]);
  });

  it("folds Constant nodes (value, value_int(s), value_float(s)) into initializers and drops the nodes", function () {
    const c = (out: string, a: object): object => ({ opType: "Constant", output: [out], attribute: [a] });
    const bytes = rawModelBytes({
      node: [
        c("t", { name: "value", type: 4, t: { dataType: DType.INT8, dims: [2], rawData: Uint8Array.of(255, 1) } }),
        c("vi", { name: "value_int", type: 2, i: "1152921504606846977" }),
        c("vis", { name: "value_ints", type: 7, ints: [3, -4] }),
        c("vf", { name: "value_float", type: 1, f: 0.5 }),
        c("vfs", { name: "value_floats", type: 6, floats: [1, 2] }),
        { opType: "Identity", input: ["t"], output: ["y"] },
      ],
      output: [{ name: "y", type: { tensorType: { elemType: DType.INT8 } } }],
    });
    const g = decodeModel(bytes).graph;
    expect(g.nodes.map((n) => n.opType)).to.deep.equal(["Identity"]);
    expect(g.initializers.get("t")).to.deep.equal({ dtype: DType.INT8, shape: [2], data: Int8Array.of(-1, 1) });
    expect(g.initializers.get("vi")).to.deep.equal({ dtype: DType.INT64, shape: [], data: BigInt64Array.of(2n ** 60n + 1n) });
    expect(g.initializers.get("vis")).to.deep.equal({ dtype: DType.INT64, shape: [2], data: BigInt64Array.of(3n, -4n) });
    expect(g.initializers.get("vf")).to.deep.equal({ dtype: DType.FLOAT, shape: [], data: Float32Array.of(0.5) });
    expect(g.initializers.get("vfs")).to.deep.equal({ dtype: DType.FLOAT, shape: [2], data: Float32Array.of(1, 2) });
  });
});

describe("onnx codec: onnxruntime loads what the encoder writes", function () {
  it("creates a session from an encoded single-node model and runs it", async function () {
    const bytes = encodeModel(
      singleNodeModel({
        opType: "Add",
        inputs: [{ name: "a", dtype: DType.INT32, shape: [3] }],
        initializers: { b: { dtype: DType.INT32, shape: [3], data: Int32Array.of(1, 2 ** 31 - 1, -5) } },
        outputs: [{ name: "y", dtype: DType.INT32, shape: [3] }],
      }),
    );
    const session = await ort.InferenceSession.create(bytes);
    const out = await session.run({ a: new ort.Tensor("int32", Int32Array.of(10, 1, 5), [3]) });
    expect([...(out.y!.data as Int32Array)]).to.deep.equal([11, -(2 ** 31), 0]);
    await session.release();
  });

  it("re-encodes mnist-8 so that onnxruntime computes bit-identical logits to the original file", async function () {
    const dir = requireShared(this, join("models", "mnist-8"));
    const original = readFileSync(join(dir, "model.onnx"));
    const reencoded = encodeModel(decodeModel(original));
    const input = decodeTensor(readFileSync(join(dir, "test_data_set_0", "input_0.pb"))).tensor;
    const run = async (bytes: Uint8Array): Promise<Float32Array> => {
      const s = await ort.InferenceSession.create(bytes);
      const r = await s.run({ Input3: new ort.Tensor("float32", input.data as Float32Array, [...input.shape]) });
      await s.release();
      return r.Plus214_Output_0!.data as Float32Array;
    };
    const [a, b] = [await run(original), await run(reencoded)];
    expect(a.length).to.equal(10);
    expect(Buffer.from(b.buffer).equals(Buffer.from(a.buffer))).to.equal(true);
  });
});
