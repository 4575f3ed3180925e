/** AttributeProto -> engine Attribute, int64s narrowed exactly and strings read as UTF-8. */
import { OnnxFormatError } from "./errors.js";
import { int64ToNumber } from "./int64.js";
import { AttrType, type AttributeMsg } from "./schema.js";
import { tensorFromProto } from "./tensor-proto.js";
import type { Attribute } from "./types.js";

const has = (o: object, k: string): boolean => Object.prototype.hasOwnProperty.call(o, k);
const utf8 = new TextDecoder("utf-8", { fatal: true });

/** The attribute's type code; files older than IR 3 may omit it, so it is inferred from the field set. */
export function attributeType(a: AttributeMsg): number {
  if (a.type !== AttrType.UNDEFINED) return a.type;
  if (has(a, "f")) return AttrType.FLOAT;
  if (has(a, "i")) return AttrType.INT;
  if (has(a, "s")) return AttrType.STRING;
  if (has(a, "t")) return AttrType.TENSOR;
  if (has(a, "g")) return AttrType.GRAPH;
  if (a.floats.length > 0) return AttrType.FLOATS;
  if (a.ints.length > 0) return AttrType.INTS;
  if (a.strings.length > 0) return AttrType.STRINGS;
  if (a.tensors.length > 0) return AttrType.TENSORS;
  if (a.graphs.length > 0) return AttrType.GRAPHS;
  return AttrType.UNDEFINED;
}

function text(bytes: Uint8Array, what: string): string {
  try {
    return utf8.decode(bytes);
  } catch {
    throw new OnnxFormatError(`${what} is not valid UTF-8`);
  }
}

/** `what` names the attribute in errors, e.g. `attribute "pads" of node "conv1"`. */
export function attributeFromProto(a: AttributeMsg, what: string): Attribute {
  const type = attributeType(a);
  switch (type) {
    case AttrType.FLOAT:
      return { kind: "float", value: a.f };
    case AttrType.INT:
      return { kind: "int", value: int64ToNumber(a.i, what) };
    case AttrType.STRING:
      return { kind: "string", value: text(a.s, what) };
    case AttrType.TENSOR:
      if (a.t == null) throw new OnnxFormatError(`${what} is a tensor attribute without a tensor`);
      return { kind: "tensor", value: tensorFromProto(a.t, what) };
    case AttrType.FLOATS:
      return { kind: "floats", value: [...a.floats] };
    case AttrType.INTS:
      return { kind: "ints", value: a.ints.map((v, i) => int64ToNumber(v, `${what} element ${i}`)) };
    case AttrType.STRINGS:
      return { kind: "strings", value: a.strings.map((s) => text(s, what)) };
    case AttrType.UNDEFINED:
      throw new OnnxFormatError(`${what} has no type and no value`);
    default:
      return { kind: "unsupported", type };
  }
}
