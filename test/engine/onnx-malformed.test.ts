/**
 * Hostile or broken .onnx files: each is refused with an OnnxFormatError whose message is one line
 * naming the problem, never a protobufjs stack or a silently wrong model.
 */
import { expect } from "chai";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { decodeModel, loadModel } from "../../offchain/engine/onnx/decode.js";
import { encodeModel, singleNodeModel } from "../../offchain/engine/onnx/encode.js";
import { checkProfile } from "../../offchain/engine/profile/check-profile.js";
import { OnnxFormatError } from "../../offchain/engine/onnx/errors.js";
import { ModelProto } from "../../offchain/engine/onnx/schema.js";
import { decodeTensor } from "../../offchain/engine/onnx/tensor-proto.js";
import { DType } from "../../offchain/engine/tensor.js";
import { profileModels, ramp } from "./support/profile-models.js";
import { requireShared } from "./support/shared.js";

/** The OnnxFormatError decoding `bytes` throws; fails the test if it throws anything else or nothing. */
function refusal(decode: () => unknown): string {
  try {
    decode();
  } catch (e) {
    expect(e).to.be.instanceOf(OnnxFormatError);
    const msg = (e as Error).message;
    expect(msg).to.not.include("\n");
    expect(msg.length).to.be.below(240);
    return msg;
  }
  expect.fail("decoding succeeded");
}

const tensorType = (elemType: number, dims: number[] = [2]): object => ({ tensorType: { elemType, shape: { dim: dims.map((d) => ({ dimValue: d })) } } });
const io = (name: string, elemType: number = DType.INT8, dims: number[] = [2]): object => ({ name, type: tensorType(elemType, dims) });

/** Model bytes from a graph patch over a valid one-Relu graph, encoded straight through the schema. */
function bytesOf(patch: Record<string, unknown> = {}, model: Record<string, unknown> = {}): Uint8Array {
  const graph = { name: "g", node: [{ name: "n", opType: "Relu", input: ["x"], output: ["y"] }], input: [io("x")], output: [io("y")], ...patch };
  return ModelProto.encode({ irVersion: 8, opsetImport: [{ domain: "", version: 17 }], graph, ...model }).finish();
}

describe("onnx decode: malformed input", function () {
  it("accepts the unpatched base model (so every refusal below is due to its patch)", function () {
    expect(decodeModel(bytesOf()).graph.nodes).to.have.length(1);
  });

  it("refuses a truncated file", function () {
    const whole = bytesOf({ initializer: [{ name: "w", dataType: DType.FLOAT, dims: [64], rawData: new Uint8Array(256) }] });
    expect(refusal(() => decodeModel(whole.subarray(0, whole.length - 100)))).to.match(/^not a valid ONNX model: /);
  });

  it("refuses a truncated real model (mnist-8 cut in half)", function () {
    const dir = requireShared(this, join("models", "mnist-8"));
    const bytes = readFileSync(join(dir, "model.onnx"));
    expect(refusal(() => decodeModel(bytes.subarray(0, bytes.length >> 1)))).to.match(/^not a valid ONNX model: /);
  });

  it("refuses 50 buffers of random bytes, each with a one-line OnnxFormatError", function () {
    for (let seed = 1; seed <= 50; seed++) {
      const bytes = Uint8Array.from(ramp(64 + seed * 13, 0, 255, seed));
      refusal(() => decodeModel(bytes));
    }
  });

  it("refuses an empty file", function () {
    expect(refusal(() => decodeModel(new Uint8Array(0)))).to.equal("not a valid ONNX model: ir_version is missing");
  });

  it("refuses a model without a graph", function () {
    const bytes = ModelProto.encode({ irVersion: 8, opsetImport: [{ domain: "", version: 17 }] }).finish();
    expect(refusal(() => decodeModel(bytes))).to.equal("not a valid ONNX model: it has no graph");
  });

  it("refuses external tensor data", function () {
    const initializer = [{ name: "w", dataType: DType.FLOAT, dims: [2], dataLocation: 1, externalData: [{ key: "location", value: "w.bin" }] }];
    expect(refusal(() => decodeModel(bytesOf({ initializer })))).to.equal(
      'initializer "w" keeps its data in an external file; the engine only reads self-contained .onnx files',
    );
  });

  it("refuses an element type the engine cannot hold, by name (bfloat16) and by code (99)", function () {
    const init = (dataType: number): object[] => [{ name: "w", dataType, dims: [1], rawData: new Uint8Array(2) }];
    expect(refusal(() => decodeModel(bytesOf({ initializer: init(16) })))).to.equal(
      'initializer "w" has element type bfloat16 (16), which the engine does not support',
    );
    expect(refusal(() => decodeModel(bytesOf({ input: [io("x", 99)] })))).to.equal(
      'graph input "x" has element type unknown type code 99 (99), which the engine does not support',
    );
  });

  it("refuses a node input that nothing defines", function () {
    const node = [{ name: "n", opType: "Add", input: ["x", "ghost"], output: ["y"] }];
    expect(refusal(() => decodeModel(bytesOf({ node })))).to.equal('input "ghost" of node "n" is not defined by any node, initializer or graph input');
  });

  it("refuses a node input produced only by a later node (not topologically sorted)", function () {
    const node = [
      { name: "second", opType: "Relu", input: ["h"], output: ["y"] },
      { name: "first", opType: "Relu", input: ["x"], output: ["h"] },
    ];
    expect(refusal(() => decodeModel(bytesOf({ node })))).to.equal('input "h" of node "second" is produced by a later node (nodes must be in topological order)');
  });

  it("refuses a graph output that nothing defines", function () {
    expect(refusal(() => decodeModel(bytesOf({ output: [io("nowhere")] })))).to.equal(
      'graph output "nowhere" is not defined by any node, initializer or graph input',
    );
  });

  it("refuses a value name defined twice", function () {
    const node = [
      { name: "a", opType: "Relu", input: ["x"], output: ["y"] },
      { name: "b", opType: "Relu", input: ["x"], output: ["y"] },
    ];
    expect(refusal(() => decodeModel(bytesOf({ node })))).to.equal('value name "y" is defined twice (again by node "b")');
    const initializer = [{ name: "x", dataType: DType.INT8, dims: [2], rawData: new Uint8Array(2) }, { name: "x", dataType: DType.INT8, dims: [2], rawData: new Uint8Array(2) }];
    expect(refusal(() => decodeModel(bytesOf({ initializer })))).to.equal('value name "x" is defined twice (again by initializer "x")');
  });

  it("refuses tensor data whose length does not match its shape", function () {
    const raw = [{ name: "w", dataType: DType.FLOAT, dims: [2], rawData: new Uint8Array(7) }];
    expect(refusal(() => decodeModel(bytesOf({ initializer: raw })))).to.equal('initializer "w" (float32 [2]) needs 8 bytes of raw_data, has 7');
    const typed = [{ name: "w", dataType: DType.INT8, dims: [2, 2], int32Data: [1, 2, 3] }];
    expect(refusal(() => decodeModel(bytesOf({ initializer: typed })))).to.equal('initializer "w" (int8 [2,2]) needs 4 values, has 3 in int32_data');
  });

  it("refuses an int8 value out of range in int32_data, and data in the wrong typed field", function () {
    expect(refusal(() => decodeModel(bytesOf({ initializer: [{ name: "w", dataType: DType.INT8, dims: [1], int32Data: [200] }] })))).to.equal(
      'initializer "w" (int8) holds 200 in int32_data, out of range',
    );
    expect(refusal(() => decodeModel(bytesOf({ initializer: [{ name: "w", dataType: DType.INT8, dims: [1], floatData: [1] }] })))).to.equal(
      'initializer "w" (int8) stores its values in float_data; ONNX puts int8 in int32_data',
    );
  });

  it("refuses a negative dimension, in a tensor and in a value's shape", function () {
    expect(refusal(() => decodeModel(bytesOf({ initializer: [{ name: "w", dataType: DType.INT8, dims: [-1] }] })))).to.equal(
      'initializer "w" has negative dimension -1',
    );
    expect(refusal(() => decodeModel(bytesOf({ input: [io("x", DType.INT8, [2, -3])] })))).to.equal('graph input "x" has negative dimension -3 at axis 1');
  });

  it("refuses an int64 attribute that is not exact as a number, naming it", function () {
    const node = [{ name: "n", opType: "Relu", input: ["x"], output: ["y"], attribute: [{ name: "big", type: 2, i: "1152921504606846976" }] }];
    expect(refusal(() => decodeModel(bytesOf({ node })))).to.equal(
      'attribute "big" of node "n": int64 value 1152921504606846976 does not fit exactly in a JS number (|v| <= 2^53)',
    );
  });

  it("refuses a non-tensor graph input (sequence type)", function () {
    const input = [{ name: "x", type: { sequenceType: new Uint8Array(0) } }];
    expect(refusal(() => decodeModel(bytesOf({ input })))).to.equal('graph input "x" has a sequence type; the engine supports tensors only');
  });

  it("refuses a tensor with both raw_data and a typed field", function () {
    const initializer = [{ name: "w", dataType: DType.FLOAT, dims: [1], rawData: new Uint8Array(4), floatData: [1] }];
    expect(refusal(() => decodeModel(bytesOf({ initializer })))).to.equal('initializer "w" has both raw_data and float_data');
  });

  it("refuses a broken TensorProto (.pb) file", function () {
    expect(refusal(() => decodeTensor(Uint8Array.of(0x0a, 0xff)))).to.match(/^tensor file is not a valid TensorProto \(/);
  });

  it("refuses a missing file with a one-line error naming it", async function () {
    try {
      await loadModel("/nonexistent/model.onnx");
      expect.fail("loaded");
    } catch (e) {
      expect(e).to.be.instanceOf(OnnxFormatError);
      expect((e as Error).message).to.equal("cannot read model file /nonexistent/model.onnx: ENOENT");
    }
  });

  it("never throws anything but an OnnxFormatError on 3000 byte-level mutations of valid models, and the checker never crashes on what decodes", function () {
    this.timeout(60_000);
    const seeds = Object.values(profileModels()).map((spec) => encodeModel(singleNodeModel(spec)));
    let decoded = 0;
    let refused = 0;
    const rnd = ramp(3000 * 3, 0, 2 ** 30, 99);
    for (let k = 0; k < 3000; k++) {
      const base = seeds[k % seeds.length]!;
      const bytes = base.slice();
      const at = rnd[3 * k]! % bytes.length;
      const mode = rnd[3 * k + 1]! % 3;
      if (mode === 0) bytes[at] = rnd[3 * k + 2]! & 0xff;
      else if (mode === 1) bytes[at] ^= 1 << (rnd[3 * k + 2]! % 8);
      const input = mode === 2 ? bytes.subarray(0, at) : bytes;
      try {
        checkProfile(decodeModel(input));
        decoded++;
      } catch (e) {
        if (!(e instanceof OnnxFormatError)) expect.fail(`mutation ${k} (mode ${mode} at ${at}) threw ${(e as Error).stack}`);
        expect((e as Error).message).to.not.include("\n");
        refused++;
      }
    }
    expect(decoded).to.be.above(0);
    expect(refused).to.be.above(0);
  });
});
