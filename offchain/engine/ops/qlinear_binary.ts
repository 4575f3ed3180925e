/**
 * What com.microsoft QLinearAdd and QLinearMul share (version-2 candidates, not in the profile):
 * the inputs (A, A_scale, A_zero_point, B, B_scale, B_zero_point, C_scale, C_zero_point; the zero
 * points optional, 0 when omitted), per-tensor uint8/int8 parameters, numpy broadcasting, and the
 * broadcast FORM of each output element, which QLinearAdd's exact arithmetic depends on.
 *
 * The form is which MLAS call onnxruntime's BroadcastLooper makes for the span holding the
 * element: "scalarA" when A has one element, else "scalarB" when B has one element, else (looking
 * at the innermost axis whose output size is not 1) "scalarA" when A's size there is 1, "scalarB"
 * when B's is, "general" otherwise. A form is a property of the static shapes alone.
 */
import { DType, type Tensor } from "../tensor.js";
import { type Broadcast, broadcast } from "./broadcast.js";
import {
  type Attributes,
  checkAttributes,
  checkData,
  checkDType,
  checkInputCount,
  checkSameDType,
  optional,
  required,
  scalarScale,
  scalarZeroPoint,
} from "./common.js";

export type BinaryForm = "general" | "scalarA" | "scalarB";

export function binaryForm(aShape: readonly number[], bShape: readonly number[]): BinaryForm {
  const size = (s: readonly number[]): number => s.reduce((x, y) => x * y, 1);
  if (size(aShape) === 1) return "scalarA";
  if (size(bShape) === 1) return "scalarB";
  const rank = Math.max(aShape.length, bShape.length);
  const at = (s: readonly number[], k: number): number => s[k - (rank - s.length)] ?? 1;
  for (let k = rank - 1; k >= 0; k--) {
    const da = at(aShape, k);
    const db = at(bShape, k);
    if (da === 1 && db === 1) continue;
    if (da === 1) return "scalarA";
    if (db === 1) return "scalarB";
    return "general";
  }
  return "scalarA";
}

export interface BinaryParams {
  readonly a: Tensor;
  readonly b: Tensor;
  readonly sa: number;
  readonly za: number;
  readonly sb: number;
  readonly zb: number;
  readonly sc: number;
  readonly zc: number;
  readonly bc: Broadcast;
  readonly form: BinaryForm;
}

const Q_TYPES = [DType.UINT8, DType.INT8] as const;

export function binaryParams(op: string, inputs: readonly (Tensor | undefined)[], attributes: Attributes): BinaryParams {
  checkInputCount(op, inputs, 7, 8);
  checkAttributes(op, attributes, []);
  const a = required(op, inputs, 0, "A");
  const b = required(op, inputs, 3, "B");
  checkDType(op, a, "A", Q_TYPES);
  checkSameDType(op, a, "A", b, "B");
  checkData(op, a, "A");
  checkData(op, b, "B");
  const scale = (i: number, name: string): number => scalarScale(op, inputs, i, name);
  const zero = (i: number, name: string): number => scalarZeroPoint(op, inputs, i, name, { tensor: a, name: "A" });
  return {
    a,
    b,
    sa: scale(1, "A_scale"),
    za: zero(2, "A_zero_point"),
    sb: scale(4, "B_scale"),
    zb: zero(5, "B_zero_point"),
    sc: scale(6, "C_scale"),
    zc: zero(7, "C_zero_point"),
    bc: broadcast(op, a.shape, b.shape),
    form: binaryForm(a.shape, b.shape),
  };
}
