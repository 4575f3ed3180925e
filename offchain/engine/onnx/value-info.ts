/** ValueInfoProto -> engine ValueInfo: tensor types only, static or symbolic dimensions. */
import { toDType } from "./elem-types.js";
import { OnnxFormatError } from "./errors.js";
import { int64ToNumber } from "./int64.js";
import type { ValueInfoMsg } from "./schema.js";
import type { Dim, ValueInfo } from "./types.js";

const has = (o: object, k: string): boolean => Object.prototype.hasOwnProperty.call(o, k);

const KIND_NAMES: Record<string, string> = {
  sequenceType: "a sequence",
  mapType: "a map",
  sparseTensorType: "a sparse tensor",
  optionalType: "an optional",
};

/** `role` says where the entry sits ("graph input", "value_info"), for the error messages. */
export function valueInfoFromProto(msg: ValueInfoMsg, role: string): ValueInfo {
  const what = `${role} "${msg.name}"`;
  if (msg.name === "") throw new OnnxFormatError(`a ${role} has no name`);
  const type = msg.type;
  if (type == null || type.value == null) throw new OnnxFormatError(`${what} has no type`);
  if (type.value !== "tensorType" || type.tensorType == null) {
    throw new OnnxFormatError(`${what} has ${KIND_NAMES[type.value] ?? type.value} type; the engine supports tensors only`);
  }
  const dtype = toDType(type.tensorType.elemType, what);
  const shapeMsg = type.tensorType.shape;
  if (shapeMsg == null || !has(type.tensorType, "shape")) return { name: msg.name, dtype, shape: null };
  const shape: Dim[] = shapeMsg.dim.map((d, i) => {
    if (d.dimValue != null && has(d, "dimValue")) {
      const v = int64ToNumber(d.dimValue, `${what} dimension ${i}`);
      if (v < 0) throw new OnnxFormatError(`${what} has negative dimension ${v} at axis ${i}`);
      return v;
    }
    if (d.dimParam != null && has(d, "dimParam") && d.dimParam !== "") return d.dimParam;
    return null;
  });
  return { name: msg.name, dtype, shape };
}
