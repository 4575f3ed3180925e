/**
 * Runs an ONNX backend node test (model.onnx + test_data_set_0/{input,output}_N.pb) through the
 * reference interpreter: nodes in file order, each through the operator registry.
 */
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { decodeModel } from "../../../offchain/engine/onnx/decode.js";
import { decodeTensor } from "../../../offchain/engine/onnx/tensor-proto.js";
import type { Model } from "../../../offchain/engine/onnx/types.js";
import { getOperator } from "../../../offchain/engine/ops/index.js";
import type { Tensor } from "../../../offchain/engine/tensor.js";

export interface IndexRow {
  readonly test: string;
  readonly ops: readonly string[];
  readonly inputTypes: readonly string[];
  readonly outputTypes: readonly string[];
  readonly ortStatus: string;
}

export function readIndex(dir: string): IndexRow[] {
  const lines = readFileSync(join(dir, "INDEX.tsv"), "utf8").split("\n").filter((l) => l.trim() !== "");
  const [header, ...rows] = lines;
  if (!header.startsWith("test\tops")) throw new Error(`unexpected INDEX.tsv header in ${dir}`);
  return rows.map((line) => {
    const f = line.split("\t");
    const types = (s: string): string[] => (s ?? "").split(" ").filter((x) => x !== "").map((x) => x.replace(/\[.*$/, ""));
    return { test: f[0], ops: f[1].split(/[ ,]+/).filter((x) => x !== ""), inputTypes: types(f[3]), outputTypes: types(f[4]), ortStatus: (f[6] ?? "").trim() };
  });
}

export function loadCase(testDir: string): { model: Model; inputs: Tensor[]; outputs: Tensor[] } {
  const model = decodeModel(readFileSync(join(testDir, "model.onnx")));
  const dataDir = join(testDir, "test_data_set_0");
  const files = readdirSync(dataDir);
  const read = (prefix: string): Tensor[] =>
    files
      .filter((f) => f.startsWith(prefix) && f.endsWith(".pb"))
      .sort((a, b) => Number(a.slice(prefix.length, -3)) - Number(b.slice(prefix.length, -3)))
      .map((f) => decodeTensor(readFileSync(join(dataDir, f))).tensor);
  return { model, inputs: read("input_"), outputs: read("output_") };
}

/** Executes the graph; returns the graph outputs in order. */
export function runModel(model: Model, inputs: readonly Tensor[]): Tensor[] {
  const g = model.graph;
  if (inputs.length !== g.inputs.length) throw new Error(`graph has ${g.inputs.length} inputs, test data ${inputs.length}`);
  const values = new Map<string, Tensor>(g.initializers);
  g.inputs.forEach((v, i) => values.set(v.name, inputs[i]));
  for (const node of g.nodes) {
    const op = getOperator(node.domain, node.opType);
    if (op === undefined) throw new Error(`unsupported operator ${node.domain}:${node.opType}`);
    const args = node.inputs.map((name) => {
      if (name === "") return undefined;
      const v = values.get(name);
      if (v === undefined) throw new Error(`value ${name} undefined`);
      return v;
    });
    // Trailing omitted inputs are dropped, as ONNX treats them.
    while (args.length > 0 && args[args.length - 1] === undefined) args.pop();
    const outs = op(args, node.attributes);
    if (node.outputs.filter((o) => o !== "").length > outs.length) throw new Error(`${node.opType} produced ${outs.length} outputs, node wants ${node.outputs.length}`);
    node.outputs.forEach((name, i) => {
      if (name !== "") values.set(name, outs[i]);
    });
  }
  return g.outputs.map((o) => {
    const v = values.get(o.name);
    if (v === undefined) throw new Error(`graph output ${o.name} undefined`);
    return v;
  });
}
