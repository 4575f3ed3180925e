/**
 * .onnx bytes -> engine Model. Refuses, with one-line OnnxFormatErrors, everything the engine
 * could misread: malformed protobuf, external or sparse data, element types it cannot hold,
 * negative dimensions, data that does not fill its shape, int64s that are not exact as numbers,
 * duplicate value names, and node inputs nothing defines (or defines only later in the file).
 */
import { readFile } from "node:fs/promises";
import { readFileSync } from "node:fs";
import type { Tensor } from "../tensor.js";
import { attributeFromProto } from "./attributes.js";
import { constantValue } from "./constant.js";
import { OnnxFormatError } from "./errors.js";
import { int64ToNumber } from "./int64.js";
import { ModelProto, type GraphMsg, type ModelMsg, type NodeMsg } from "./schema.js";
import { protobufReason, tensorFromProto } from "./tensor-proto.js";
import type { Attribute, Graph, Model, Node, OpsetImport, ValueInfo } from "./types.js";
import { valueInfoFromProto } from "./value-info.js";
import { isDefaultDomain, nodeLabel } from "./names.js";

export { isDefaultDomain, nodeId, nodeLabel } from "./names.js";

export function decodeModel(bytes: Uint8Array): Model {
  let msg: ModelMsg;
  try {
    msg = ModelProto.decode(bytes) as unknown as ModelMsg;
  } catch (e) {
    throw new OnnxFormatError(`not a valid ONNX model: ${protobufReason(e)}`, { cause: e });
  }
  const irVersion = int64ToNumber(msg.irVersion, "ir_version");
  if (irVersion < 3) {
    throw new OnnxFormatError(
      irVersion <= 0 ? "not a valid ONNX model: ir_version is missing" : `ONNX IR version ${irVersion} predates opset imports (IR >= 3 needed)`,
    );
  }
  if (msg.graph == null) throw new OnnxFormatError("not a valid ONNX model: it has no graph");
  if (msg.opsetImport.length === 0) throw new OnnxFormatError("not a valid ONNX model: it imports no operator set");
  const opsets: OpsetImport[] = [];
  for (const o of msg.opsetImport) {
    const domain = o.domain === "ai.onnx" ? "" : o.domain;
    if (opsets.some((p) => p.domain === domain)) throw new OnnxFormatError(`opset of domain "${o.domain}" is imported twice`);
    const version = int64ToNumber(o.version, `opset version of domain "${o.domain}"`);
    if (version < 1) throw new OnnxFormatError(`opset version ${version} of domain "${o.domain}" is invalid`);
    opsets.push({ domain: o.domain, version });
  }
  return { irVersion, opsets, producerName: msg.producerName, graph: decodeGraph(msg.graph) };
}

function decodeGraph(g: GraphMsg): Graph {
  if (g.sparseInitializer.length > 0) {
    throw new OnnxFormatError("graph has sparse initializers, which the engine does not support");
  }
  const defined = new Set<string>();
  const define = (name: string, by: string): void => {
    if (defined.has(name)) throw new OnnxFormatError(`value name "${name}" is defined twice (again by ${by})`);
    defined.add(name);
  };

  const initializers = new Map<string, Tensor>();
  for (const t of g.initializer) {
    if (t.name === "") throw new OnnxFormatError("an initializer has no name");
    define(t.name, `initializer "${t.name}"`);
    initializers.set(t.name, tensorFromProto(t, `initializer "${t.name}"`));
  }

  const inputs: ValueInfo[] = [];
  const inputNames = new Set<string>();
  for (const vi of g.input) {
    const info = valueInfoFromProto(vi, "graph input");
    if (inputNames.has(info.name)) throw new OnnxFormatError(`graph input "${info.name}" is listed twice`);
    inputNames.add(info.name);
    // Before IR 4 every initializer is also listed as an input; such inputs are constants here.
    if (initializers.has(info.name)) continue;
    define(info.name, `graph input "${info.name}"`);
    inputs.push(info);
  }

  const producedLater = new Set<string>(g.node.flatMap((n) => n.output.filter((o) => o !== "")));
  const nodes: Node[] = [];
  g.node.forEach((n, index) => {
    const what = nodeLabel(n, index);
    for (const input of n.input) {
      if (input === "" || defined.has(input)) continue;
      throw new OnnxFormatError(
        producedLater.has(input)
          ? `input "${input}" of ${what} is produced by a later node (nodes must be in topological order)`
          : `input "${input}" of ${what} is not defined by any node, initializer or graph input`,
      );
    }
    for (const output of n.output) if (output !== "") define(output, what);
    if (n.opType === "Constant" && isDefaultDomain(n.domain)) {
      initializers.set(n.output[0]!, constantValue(n, what));
    } else {
      nodes.push(decodeNode(n, what));
    }
  });

  const outputs = g.output.map((vi) => {
    const info = valueInfoFromProto(vi, "graph output");
    if (!defined.has(info.name)) {
      throw new OnnxFormatError(`graph output "${info.name}" is not defined by any node, initializer or graph input`);
    }
    return info;
  });
  const outputNames = new Set<string>();
  for (const o of outputs) {
    if (outputNames.has(o.name)) throw new OnnxFormatError(`graph output "${o.name}" is listed twice`);
    outputNames.add(o.name);
  }
  const valueInfo = g.valueInfo.map((vi) => valueInfoFromProto(vi, "value_info"));
  return { name: g.name, inputs, outputs, initializers, nodes, valueInfo };
}

function decodeNode(n: NodeMsg, what: string): Node {
  if (n.opType === "") throw new OnnxFormatError(`${what} has no op_type`);
  const attributes: Record<string, Attribute> = {};
  for (const a of n.attribute) {
    const aWhat = `attribute "${a.name}" of ${what}`;
    if (a.name === "") throw new OnnxFormatError(`an attribute of ${what} has no name`);
    if (Object.prototype.hasOwnProperty.call(attributes, a.name)) throw new OnnxFormatError(`${aWhat} is given twice`);
    attributes[a.name] = attributeFromProto(a, aWhat);
  }
  return { name: n.name, opType: n.opType, domain: n.domain, inputs: [...n.input], outputs: [...n.output], attributes };
}

/** Reads and decodes a .onnx file. */
export async function loadModel(path: string): Promise<Model> {
  return decodeModel(await readModelFile(path, readFile));
}

/** Synchronous loadModel, for command-line paths that need no event loop. */
export function loadModelSync(path: string): Model {
  return decodeModel(readModelFileSync(path));
}

async function readModelFile(path: string, read: (p: string) => Promise<Buffer>): Promise<Uint8Array> {
  try {
    return await read(path);
  } catch (e) {
    throw new OnnxFormatError(`cannot read model file ${path}: ${(e as NodeJS.ErrnoException).code ?? protobufReason(e)}`, { cause: e });
  }
}

function readModelFileSync(path: string): Uint8Array {
  try {
    return readFileSync(path);
  } catch (e) {
    throw new OnnxFormatError(`cannot read model file ${path}: ${(e as NodeJS.ErrnoException).code ?? protobufReason(e)}`, { cause: e });
  }
}
