import { decodeModel, loadModelSync } from "/work/main/offchain/engine/onnx/decode.ts";
import { encodeModel } from "/work/main/offchain/engine/onnx/encode.ts";
import { OnnxFormatError } from "/work/main/offchain/engine/onnx/errors.ts";
import { readdirSync, readFileSync } from "node:fs";
import * as ort from "onnxruntime-node";
const m = loadModelSync("/work/shared/models/mnist-8/model.onnx");
console.log(m.irVersion, m.opsets, m.graph.inputs, m.graph.outputs, [...m.graph.initializers].map(([k,t])=>[k,t.dtype,t.shape, t.data.constructor.name]));
const counts: Record<string, number> = {};
for (const dir of ["onnx-node", "onnx-node-extra", "onnx-pytorch"]) {
  const root = "/work/shared/conformance/" + dir;
  for (const t of readdirSync(root)) {
    if (!t.startsWith("test_")) continue;
    try { const mm = decodeModel(readFileSync(`${root}/${t}/model.onnx`)); const b = encodeModel(mm); counts.ok = (counts.ok??0)+1; }
    catch (e) { if (e instanceof OnnxFormatError) { const k = e.message.replace(/"[^"]*"/g, '"*"'); counts[k] = (counts[k]??0)+1; } else { console.log(t, e); } }
  }
}
console.log(counts);
const s = await ort.InferenceSession.create(encodeModel(m));
console.log(s.inputNames, s.outputNames);
