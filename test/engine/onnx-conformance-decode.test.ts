/**
 * Every ONNX backend node test model in ../shared decodes, or is refused with an OnnxFormatError
 * naming an element type outside the engine (bfloat16, float8, 4-bit, 2-bit). What decodes has
 * the graph inputs and outputs INDEX.tsv lists, its test data decodes to those types, it survives
 * encode/decode unchanged, and where shape inference resolves an output it equals the expected
 * output's dtype and shape. Also: mnist-8 decoded in full.
 */
import { expect } from "chai";
import { existsSync, readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { decodeModel, loadModel } from "../../offchain/engine/onnx/decode.js";
import { encodeModel } from "../../offchain/engine/onnx/encode.js";
import { OnnxFormatError } from "../../offchain/engine/onnx/errors.js";
import { shapeRule } from "../../offchain/engine/onnx/shape-rules.js";
import { inferShapesPartial } from "../../offchain/engine/onnx/shapes.js";
import { decodeTensor } from "../../offchain/engine/onnx/tensor-proto.js";
import type { Model, ValueInfo } from "../../offchain/engine/onnx/types.js";
import { DType, dtypeName } from "../../offchain/engine/tensor.js";
import { requireShared } from "./support/shared.js";

const OUTSIDE_ENGINE = /^(BFLOAT16|FLOAT8E4M3FN|FLOAT8E4M3FNUZ|FLOAT8E5M2|FLOAT8E5M2FNUZ|FLOAT8E8M0|FLOAT4E2M1|INT4|UINT4|INT2|UINT2|STRING)$/;
const REFUSAL = /has element type (bfloat16|float8e4m3fn|float8e4m3fnuz|float8e5m2|float8e5m2fnuz|float8e8m0|float4e2m1|int4|uint4|int2|uint2|string) \(\d+\), which the engine does not support$/;

interface Row {
  readonly test: string;
  readonly inputs: readonly string[];
  readonly outputs: readonly string[];
}

function readRows(dir: string): Row[] {
  const [header, ...lines] = readFileSync(join(dir, "INDEX.tsv"), "utf8").split("\n").filter((l) => l.trim() !== "");
  expect(header!.split("\t").slice(0, 5)).to.deep.equal(["test", "ops", "opsets", "inputs", "outputs"]);
  return lines.map((l) => {
    const f = l.split("\t");
    const list = (s: string | undefined): string[] => (s ?? "").split(" ").filter((x) => x !== "");
    return { test: f[0]!, inputs: list(f[3]), outputs: list(f[4]) };
  });
}

/** "FLOAT[3,4,5]" in INDEX.tsv's notation. */
function indexNotation(v: ValueInfo): string {
  const name = dtypeName(v.dtype).replace("float32", "FLOAT").replace("float64", "DOUBLE").replace("float16", "FLOAT16").toUpperCase();
  return `${name}[${(v.shape ?? []).map((d) => d ?? "?").join(",")}]`;
}

for (const suite of ["onnx-node", "onnx-node-extra"]) {
  describe(`onnx decode: every ${suite} conformance model`, function () {
    this.timeout(120_000);
    let dir = "";
    let rows: Row[] = [];
    before(function () {
      dir = requireShared(this, join("conformance", suite));
      rows = readRows(dir);
    });

    it("INDEX.tsv lists every test folder", function () {
      const folders = readdirSync(dir).filter((f) => f.startsWith("test_")).sort();
      expect(rows.map((r) => r.test).sort()).to.deep.equal(folders);
    });

    it("decodes each model, or refuses it for an element type outside the engine", function () {
      const problems: string[] = [];
      let decoded = 0;
      let refused = 0;
      for (const row of rows) {
        const mustRefuse = [...row.inputs, ...row.outputs].some((x) => OUTSIDE_ENGINE.test(x.replace(/\[.*$/, "")));
        let model: Model;
        try {
          model = decodeModel(readFileSync(join(dir, row.test, "model.onnx")));
        } catch (e) {
          if (!(e instanceof OnnxFormatError)) problems.push(`${row.test}: threw ${(e as Error).message}`);
          else if (!mustRefuse) problems.push(`${row.test}: refused although its types are supported: ${e.message}`);
          else if (!REFUSAL.test(e.message)) problems.push(`${row.test}: refused for an unexpected reason: ${e.message}`);
          else refused++;
          continue;
        }
        if (mustRefuse) {
          problems.push(`${row.test}: decoded although INDEX lists an unsupported type`);
          continue;
        }
        decoded++;
        const ins = model.graph.inputs.map(indexNotation);
        const outs = model.graph.outputs.map(indexNotation);
        if (ins.join(" ") !== row.inputs.join(" ")) problems.push(`${row.test}: inputs ${ins.join(" ")} vs INDEX ${row.inputs.join(" ")}`);
        if (outs.join(" ") !== row.outputs.join(" ")) problems.push(`${row.test}: outputs ${outs.join(" ")} vs INDEX ${row.outputs.join(" ")}`);
        try {
          expect(decodeModel(encodeModel(model))).to.deep.equal(model);
        } catch (e) {
          problems.push(`${row.test}: round trip: ${(e as Error).message.split("\n")[0]}`);
        }
      }
      console.log(`      ${suite}: ${decoded} decoded, ${refused} refused for their element types`);
      expect(problems, problems.join("\n")).to.deep.equal([]);
      expect(decoded + refused).to.equal(rows.length);
      expect(decoded).to.be.above(rows.length / 3);
    });

    it("decodes every test data tensor (input_N.pb / output_N.pb) of the decodable models to the declared types", function () {
      const problems: string[] = [];
      let tensors = 0;
      for (const row of rows) {
        if ([...row.inputs, ...row.outputs].some((x) => OUTSIDE_ENGINE.test(x.replace(/\[.*$/, "")))) continue;
        const model = decodeModel(readFileSync(join(dir, row.test, "model.onnx")));
        const data = join(dir, row.test, "test_data_set_0");
        const check = (prefix: string, values: readonly ValueInfo[]): void =>
          values.forEach((v, i) => {
            const file = join(data, `${prefix}_${i}.pb`);
            if (!existsSync(file)) return void problems.push(`${row.test}: missing ${prefix}_${i}.pb`);
            const t = decodeTensor(readFileSync(file), `${row.test}/${prefix}_${i}.pb`).tensor;
            tensors++;
            const shapeOk = v.shape === null || (v.shape.length === t.shape.length && v.shape.every((d, k) => typeof d !== "number" || d === t.shape[k]));
            if (t.dtype !== v.dtype || !shapeOk) problems.push(`${row.test}: ${prefix}_${i} is ${dtypeName(t.dtype)} [${t.shape}], declared ${indexNotation(v)}`);
          });
        check("input", model.graph.inputs);
        check("output", model.graph.outputs);
      }
      expect(problems, problems.join("\n")).to.deep.equal([]);
      expect(tensors).to.be.above(100);
    });

    it("infers, where its rules resolve them, exactly the expected outputs' dtypes and shapes", function () {
      const problems: string[] = [];
      let compared = 0;
      for (const row of rows) {
        if ([...row.inputs, ...row.outputs].some((x) => OUTSIDE_ENGINE.test(x.replace(/\[.*$/, "")))) continue;
        const model = decodeModel(readFileSync(join(dir, row.test, "model.onnx")));
        // Only graphs inferred by the rules throughout (no fallback to the file's declarations).
        if (model.graph.nodes.some((n) => shapeRule(n) === undefined)) continue;
        const { types } = inferShapesPartial(model);
        model.graph.outputs.forEach((v, i) => {
          const inferred = types.get(v.name);
          if (inferred === undefined) return;
          const expected = decodeTensor(readFileSync(join(dir, row.test, "test_data_set_0", `output_${i}.pb`))).tensor;
          compared++;
          if (inferred.dtype !== expected.dtype || inferred.shape.join(",") !== expected.shape.join(",")) {
            problems.push(`${row.test}: inferred ${dtypeName(inferred.dtype)} [${inferred.shape}], expected ${dtypeName(expected.dtype)} [${expected.shape}]`);
          }
        });
      }
      console.log(`      ${suite}: ${compared} outputs compared with inferred shapes`);
      expect(problems, problems.join("\n")).to.deep.equal([]);
      expect(compared).to.be.above(10);
    });
  });
}

describe("onnx decode: mnist-8", function () {
  let model: Model;
  let dir = "";
  before(async function () {
    dir = requireShared(this, join("models", "mnist-8"));
    model = await loadModel(join(dir, "model.onnx"));
  });

  it("has IR 3, ai.onnx opset 8 and one graph input (the initializers listed as inputs are constants)", function () {
    expect(model.irVersion).to.equal(3);
    expect(model.opsets).to.deep.equal([{ domain: "", version: 8 }]);
    expect(model.graph.inputs).to.deep.equal([{ name: "Input3", dtype: DType.FLOAT, shape: [1, 1, 28, 28] }]);
    expect(model.graph.outputs).to.deep.equal([{ name: "Plus214_Output_0", dtype: DType.FLOAT, shape: [1, 10] }]);
  });

  it("has its eight initializers with their shapes and types (float_data and int64_data)", function () {
    const inits = [...model.graph.initializers].map(([name, t]) => [name, dtypeName(t.dtype), t.shape.join("x"), t.data.length]);
    expect(inits).to.deep.equal([
      ["Parameter193", "float32", "16x4x4x10", 2560],
      ["Parameter87", "float32", "16x8x5x5", 3200],
      ["Parameter5", "float32", "8x1x5x5", 200],
      ["Parameter6", "float32", "8x1x1", 8],
      ["Parameter88", "float32", "16x1x1", 16],
      ["Pooling160_Output_0_reshape0_shape", "int64", "2", 2],
      ["Parameter193_reshape1_shape", "int64", "2", 2],
      ["Parameter194", "float32", "1x10", 10],
    ]);
    expect([...(model.graph.initializers.get("Pooling160_Output_0_reshape0_shape")!.data as BigInt64Array)]).to.deep.equal([1n, 256n]);
  });

  it("has its twelve nodes in file order with their attributes", function () {
    expect(model.graph.nodes.map((n) => `${n.name}:${n.opType}`)).to.deep.equal([
      "Times212_reshape1:Reshape", "Convolution28:Conv", "Plus30:Add", "ReLU32:Relu", "Pooling66:MaxPool", "Convolution110:Conv",
      "Plus112:Add", "ReLU114:Relu", "Pooling160:MaxPool", "Times212_reshape0:Reshape", "Times212:MatMul", "Plus214:Add",
    ]);
    const conv = model.graph.nodes[1]!;
    expect(conv.inputs).to.deep.equal(["Input3", "Parameter5"]);
    expect(conv.attributes).to.deep.include({ kernel_shape: { kind: "ints", value: [5, 5] }, auto_pad: { kind: "string", value: "SAME_UPPER" } });
  });

  it("decodes its test input as a float32 [1,1,28,28] tensor", function () {
    const t = decodeTensor(readFileSync(join(dir, "test_data_set_0", "input_0.pb"))).tensor;
    expect(t.dtype).to.equal(DType.FLOAT);
    expect(t.shape).to.deep.equal([1, 1, 28, 28]);
  });
});
