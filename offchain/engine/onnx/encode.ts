/**
 * Engine Model -> .onnx bytes (initializers as raw_data). The bytes are decoded again before they
 * are returned, so encodeModel never hands out a file the loader would refuse, and
 * decodeModel(encodeModel(m)) equals m.
 */
import { AttrType, ModelProto } from "./schema.js";
import { decodeModel } from "./decode.js";
import { OnnxFormatError } from "./errors.js";
import { tensorToProto } from "./tensor-proto.js";
import type { Attribute, Model, Node, ValueInfo } from "./types.js";

export { singleNodeModel, attr, type SingleNodeSpec, type ValueSpec } from "./single-node.js";

const utf8 = new TextEncoder();

function valueInfoToProto(v: ValueInfo): object {
  const tensorType: Record<string, unknown> = { elemType: v.dtype };
  if (v.shape !== null) {
    tensorType.shape = {
      dim: v.shape.map((d) => (typeof d === "number" ? { dimValue: d } : typeof d === "string" ? { dimParam: d } : {})),
    };
  }
  return { name: v.name, type: { tensorType } };
}

function attributeToProto(name: string, a: Attribute): object {
  switch (a.kind) {
    case "float":
      return { name, type: AttrType.FLOAT, f: a.value };
    case "int":
      return { name, type: AttrType.INT, i: a.value };
    case "string":
      return { name, type: AttrType.STRING, s: utf8.encode(a.value) };
    case "tensor":
      return { name, type: AttrType.TENSOR, t: tensorToProto("", a.value) };
    case "floats":
      return { name, type: AttrType.FLOATS, floats: [...a.value] };
    case "ints":
      return { name, type: AttrType.INTS, ints: [...a.value] };
    case "strings":
      return { name, type: AttrType.STRINGS, strings: a.value.map((s) => utf8.encode(s)) };
    case "unsupported":
      throw new OnnxFormatError(`cannot encode attribute "${name}": its kind (type ${a.type}) is not held by the engine`);
  }
}

function nodeToProto(n: Node): object {
  return {
    name: n.name,
    opType: n.opType,
    domain: n.domain,
    input: [...n.inputs],
    output: [...n.outputs],
    attribute: Object.entries(n.attributes).map(([name, a]) => attributeToProto(name, a)),
  };
}

export function encodeModel(model: Model): Uint8Array {
  const g = model.graph;
  const msg = {
    irVersion: model.irVersion,
    producerName: model.producerName,
    opsetImport: model.opsets.map((o) => ({ domain: o.domain, version: o.version })),
    graph: {
      name: g.name,
      node: g.nodes.map(nodeToProto),
      initializer: [...g.initializers].map(([name, t]) => tensorToProto(name, t)),
      input: g.inputs.map(valueInfoToProto),
      output: g.outputs.map(valueInfoToProto),
      valueInfo: g.valueInfo.map(valueInfoToProto),
    },
  };
  const invalid = ModelProto.verify(msg);
  if (invalid !== null) throw new OnnxFormatError(`cannot encode model: ${invalid}`);
  const bytes = ModelProto.encode(msg).finish();
  try {
    decodeModel(bytes);
  } catch (e) {
    if (e instanceof OnnxFormatError) throw new OnnxFormatError(`cannot encode model: ${e.message}`, { cause: e });
    throw e;
  }
  return bytes;
}
