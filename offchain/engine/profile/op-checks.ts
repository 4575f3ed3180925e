/**
 * Per-operator rules of the int8 profile, version 1 (DESIGN.md's table): element types,
 * attributes, constant operands, quantization parameters and the int32 accumulator bound.
 * A check reports every violation it finds; shape problems are reported by shape inference.
 */
import { attrFloat, attrInt } from "../onnx/attr-read.js";
import { DType, dtypeName, numel, type Tensor } from "../tensor.js";
import {
  expectConstant,
  expectDType,
  expectPresent,
  intValues,
  isScalarLike,
  type CheckContext,
} from "./context.js";
import { INTEGER_TYPES, MAX_NODE_INPUTS, PROFILE_TYPES, QUANT_TYPES } from "./limits.js";
import { accumulatorOverflow, biasBounds, describeOverflow, rangeBound, weightBounds } from "./overflow.js";
import { checkScale, checkZeroPoint, scaleProblem } from "./quant-params.js";
import { checkAutoPad, checkCeilMode } from "./window-checks.js";

export type OpCheck = (c: CheckContext) => void;

const I8 = [DType.INT8];
const I32 = [DType.INT32];
const F32 = [DType.FLOAT];
const ANY = [...PROFILE_TYPES];
/** Integer types with onnxruntime kernels for Clip and ArgMax in the profile. */
const SMALL_INTS = [DType.UINT8, DType.INT8, DType.INT32];

function needsOpset(c: CheckContext, min: number, what: string): boolean {
  if (c.opset >= min) return true;
  c.report(`${c.node.opType} on ${what} needs ai.onnx opset >= ${min}, the model imports ${c.opset}`);
  return false;
}

function scalarZp(c: CheckContext, i: number, role: string, dataIndex: number): number | undefined {
  const dtype = c.type(dataIndex)?.dtype;
  if (!c.has(i)) return 0;
  return checkZeroPoint(c, i, role, dtype !== undefined ? [dtype] : QUANT_TYPES)?.[0];
}

function overflow(c: CheckContext, k: number, x: number, w: readonly number[], b: readonly number[]): void {
  const f = accumulatorOverflow(k, x, w, b);
  if (f !== undefined) c.report(describeOverflow(f));
}

/** Per-tensor or per-axis QuantizeLinear / DequantizeLinear parameters. */
function quantAxisParams(c: CheckContext, zpTypes: readonly DType[]): void {
  const x = c.type(0);
  if (attrInt(c.node, "block_size", 0) !== 0) c.report(`${c.node.opType} block quantization (block_size) is outside the int8 profile`);
  let channels: number | undefined;
  if (x !== undefined && c.opset >= 13) {
    const axis = attrInt(c.node, "axis", 1);
    const r = x.shape.length;
    if (r > 0 && axis >= -r && axis < r) channels = x.shape[axis < 0 ? axis + r : axis];
  }
  const n = checkScale(c, 1, "scale", channels);
  if (c.has(2) && n !== undefined) checkZeroPoint(c, 2, "zero point", zpTypes, n);
}

const CHECKS: Readonly<Record<string, OpCheck>> = {
  QuantizeLinear: (c) => {
    expectDType(c, 0, "input", F32);
    const out = c.outType(0);
    if (out !== undefined && !QUANT_TYPES.includes(out.dtype)) {
      c.report(`QuantizeLinear to ${dtypeName(out.dtype)} is outside the int8 profile (uint8/int8 only)`);
    }
    quantAxisParams(c, QUANT_TYPES);
  },
  DequantizeLinear: (c) => {
    if (!expectDType(c, 0, "input", [...QUANT_TYPES, DType.INT32])) return;
    quantAxisParams(c, [c.type(0)?.dtype ?? DType.UINT8]);
  },
  QLinearConv: (c) => {
    const roles = ["x", "x_scale", "x_zero_point", "w", "w_scale", "w_zero_point", "y_scale", "y_zero_point"];
    if (!roles.every((r, i) => expectPresent(c, i, r))) return;
    expectDType(c, 0, "x", QUANT_TYPES);
    expectDType(c, 3, "w", I8);
    checkAutoPad(c);
    const w = c.constant(3);
    const wShape = c.type(3)?.shape;
    const m = wShape?.[0] ?? 1;
    checkScale(c, 1, "x_scale");
    const xzp = scalarZp(c, 2, "x_zero_point", 0);
    const wChannels = checkScale(c, 4, "w_scale", m);
    const wzp = checkZeroPoint(c, 5, "w_zero_point", I8, m);
    checkScale(c, 6, "y_scale");
    checkZeroPoint(c, 7, "y_zero_point", QUANT_TYPES);
    let bias: Tensor | undefined;
    if (c.has(8)) {
      expectDType(c, 8, "bias", I32);
      bias = expectConstant(c, 8, "bias", "the int32 overflow bound is computed on the real bias");
      if (bias !== undefined && (bias.shape.length !== 1 || bias.shape[0] !== m)) c.report(`bias has shape [${bias.shape.join(",")}]; it must be [${m}]`);
    }
    const x = c.type(0);
    if (wShape === undefined || x === undefined || wChannels === undefined) return;
    const perChannel = numel(wShape) / m;
    const k = perChannel;
    overflow(
      c,
      k,
      rangeBound(x.dtype, xzp),
      weightBounds(w, DType.INT8, wzp, m, (i) => Math.floor(i / perChannel)),
      biasBounds(bias, m, (i) => i),
    );
  },
  QLinearMatMul: (c) => {
    const roles = ["a", "a_scale", "a_zero_point", "b", "b_scale", "b_zero_point", "y_scale", "y_zero_point"];
    if (!roles.every((r, i) => expectPresent(c, i, r))) return;
    expectDType(c, 0, "a", QUANT_TYPES);
    expectDType(c, 3, "b", QUANT_TYPES);
    for (const [i, r] of [[1, "a_scale"], [4, "b_scale"], [6, "y_scale"]] as const) checkScale(c, i, r);
    const azp = scalarZp(c, 2, "a_zero_point", 0);
    const bzp = scalarZp(c, 5, "b_zero_point", 3);
    checkZeroPoint(c, 7, "y_zero_point", QUANT_TYPES);
    const a = c.type(0);
    const b = c.type(3);
    if (a === undefined || b === undefined) return;
    const k = a.shape[a.shape.length - 1] ?? 1;
    overflow(c, k, rangeBound(a.dtype, azp), weightBounds(c.constant(3), b.dtype, bzp === undefined ? undefined : [bzp], 1, () => 0), [0]);
  },
  "com.microsoft:QGemm": (c) => {
    for (const [i, r] of [[0, "A"], [1, "a_scale"], [3, "B"], [4, "b_scale"]] as const) if (!expectPresent(c, i, r)) return;
    expectDType(c, 0, "A", QUANT_TYPES);
    expectDType(c, 3, "B", QUANT_TYPES);
    const alpha = attrFloat(c.node, "alpha", 1);
    if (!Number.isFinite(alpha) || alpha === 0 || scaleProblem(Math.abs(alpha)) !== undefined) {
      c.report(`QGemm alpha ${alpha} must be a finite, non-zero, normal float32`);
    }
    const transA = attrInt(c.node, "transA", 0) === 1;
    const transB = attrInt(c.node, "transB", 0) === 1;
    const a = c.type(0);
    const b = c.type(3);
    const n = b === undefined ? 1 : (transB ? b.shape[0] : b.shape[1]) ?? 1;
    const kDim = b === undefined ? 1 : (transB ? b.shape[1] : b.shape[0]) ?? 1;
    checkScale(c, 1, "a_scale");
    const azp = scalarZp(c, 2, "a_zero_point", 0);
    const bChannels = checkScale(c, 4, "b_scale", n);
    const bzp = c.has(5) ? checkZeroPoint(c, 5, "b_zero_point", b !== undefined ? [b.dtype] : QUANT_TYPES, n) : [0];
    let bias: Tensor | undefined;
    if (c.has(6)) {
      expectDType(c, 6, "C", I32);
      bias = expectConstant(c, 6, "C", "the int32 overflow bound is computed on the real bias");
    }
    if (c.has(7)) checkScale(c, 7, "y_scale");
    if (c.has(8)) checkZeroPoint(c, 8, "y_zero_point", QUANT_TYPES);
    if (a === undefined || b === undefined || bChannels === undefined) return;
    const bTensor = c.constant(3);
    const biasColumn = (i: number): number | "all" => {
      const last = bias?.shape[bias.shape.length - 1] ?? 1;
      return last === 1 ? "all" : i % last;
    };
    overflow(
      c,
      kDim,
      rangeBound(a.dtype, azp),
      weightBounds(bTensor, b.dtype, bzp, n, (i) => (transB ? Math.floor(i / kDim) : i % n)),
      biasBounds(bias, n, biasColumn),
    );
  },
  MaxPool: (c) => {
    if (!expectDType(c, 0, "input", QUANT_TYPES)) return;
    needsOpset(c, 12, dtypeName(c.type(0)?.dtype ?? DType.UINT8));
    const outputs = c.node.outputs.filter((o) => o !== "").length;
    if (outputs !== 1) c.report(`MaxPool has ${outputs} outputs; the int8 profile allows exactly one (no Indices)`);
    checkAutoPad(c);
    checkCeilMode(c);
  },
  MatMulInteger: (c) => {
    expectDType(c, 0, "A", QUANT_TYPES);
    expectDType(c, 1, "B", QUANT_TYPES);
    const a = c.type(0);
    const b = c.type(1);
    const n = b === undefined || b.shape.length < 2 ? 1 : b.shape[b.shape.length - 1]!;
    const azp = scalarZp(c, 2, "a_zero_point", 0);
    const bzp = c.has(3) ? checkZeroPoint(c, 3, "b_zero_point", b !== undefined ? [b.dtype] : QUANT_TYPES, n) : [0];
    if (a === undefined || b === undefined) return;
    const k = a.shape[a.shape.length - 1] ?? 1;
    overflow(c, k, rangeBound(a.dtype, azp), weightBounds(c.constant(1), b.dtype, bzp, n, (i) => i % n), new Array<number>(n).fill(0));
  },
  ConvInteger: (c) => {
    expectDType(c, 0, "x", QUANT_TYPES);
    expectDType(c, 1, "w", QUANT_TYPES);
    checkAutoPad(c);
    const x = c.type(0);
    const w = c.type(1);
    const m = w?.shape[0] ?? 1;
    const xzp = scalarZp(c, 2, "x_zero_point", 0);
    const wzp = c.has(3) ? checkZeroPoint(c, 3, "w_zero_point", w !== undefined ? [w.dtype] : QUANT_TYPES, m) : [0];
    if (x === undefined || w === undefined) return;
    const perChannel = numel(w.shape) / m;
    overflow(c, perChannel, rangeBound(x.dtype, xzp), weightBounds(c.constant(1), w.dtype, wzp, m, (i) => Math.floor(i / perChannel)), new Array<number>(m).fill(0));
  },
  Add: (c) => void (expectDType(c, 0, "input", I32) && expectDType(c, 1, "input", I32)),
  Sub: (c) => void (expectDType(c, 0, "input", I32) && expectDType(c, 1, "input", I32)),
  Mul: (c) => void (expectDType(c, 0, "input", I32) && expectDType(c, 1, "input", I32)),
  Relu: (c) => {
    if (expectDType(c, 0, "input", [DType.INT8, DType.INT32])) needsOpset(c, 14, dtypeName(c.type(0)?.dtype ?? DType.INT8));
  },
  Clip: (c) => {
    if (!expectDType(c, 0, "input", SMALL_INTS)) return;
    if (!needsOpset(c, 12, dtypeName(c.type(0)?.dtype ?? DType.INT8))) return;
    for (const [i, role] of [[1, "min"], [2, "max"]] as const) {
      const t = expectConstant(c, i, `Clip ${role}`, "bounds are inlined in the node descriptor");
      if (t !== undefined && !isScalarLike(t.shape)) c.report(`Clip ${role} "${c.name(i)}" must be a scalar`);
    }
  },
  Cast: (c) => {
    const from = c.type(0)?.dtype;
    const to = c.outType(0)?.dtype;
    if (from === undefined || to === undefined) return;
    if (!INTEGER_TYPES.includes(from) || !INTEGER_TYPES.includes(to)) {
      c.report(`Cast ${dtypeName(from)} -> ${dtypeName(to)} is outside the int8 profile (integer -> integer only)`);
    }
  },
  // Constant shapes and axes of the layout ops are required by shape inference, which reports them.
  Reshape: (c) => void expectDType(c, 0, "data", ANY),
  Flatten: (c) => void expectDType(c, 0, "input", ANY),
  Squeeze: (c) => void expectDType(c, 0, "data", ANY),
  Unsqueeze: (c) => void expectDType(c, 0, "data", ANY),
  Transpose: (c) => void expectDType(c, 0, "data", ANY),
  Concat: (c) => {
    c.node.inputs.forEach((_, i) => expectDType(c, i, "input", ANY));
    if (c.node.inputs.length > MAX_NODE_INPUTS) c.report(`Concat has ${c.node.inputs.length} inputs; the profile allows at most ${MAX_NODE_INPUTS}`);
  },
  Gather: (c) => {
    expectDType(c, 0, "data", ANY);
    const idx = expectConstant(c, 1, "Gather indices", "the index map is fixed in the node descriptor");
    const data = c.type(0);
    if (idx === undefined || data === undefined) return;
    const r = data.shape.length;
    const axis = attrInt(c.node, "axis", 0);
    const size = data.shape[axis < 0 ? axis + r : axis];
    if (size === undefined) return;
    const bad = intValues(idx).find((v) => v < -size || v >= size);
    if (bad !== undefined) c.report(`Gather index ${bad} is out of range for an axis of size ${size}`);
  },
  ArgMax: (c) => {
    expectDType(c, 0, "input", SMALL_INTS);
    if (attrInt(c.node, "select_last_index", 0) !== 0) c.report("ArgMax select_last_index 1 is outside the int8 profile (ties go to the first index)");
  },
  // Div is a version-2 candidate. Its static rules are checked already, so a model learns every
  // reason at once: the divisor an initializer, never 0, never -1 against an int32 INT_MIN.
  Div: (c) => {
    const dtype = c.type(0)?.dtype ?? DType.INT32;
    if (dtype === DType.FLOAT || dtype === DType.DOUBLE) {
      c.report(`Div on ${dtypeName(dtype)} is outside the int8 profile (not in the version-1 operator table)`);
      return;
    }
    v2Candidate(c, `Div on ${dtypeName(dtype)}`);
    const divisor = expectConstant(c, 1, "Div divisor", "integer division by 0 throws and INT_MIN / -1 kills onnxruntime");
    if (divisor === undefined || divisor.dtype === DType.FLOAT || divisor.dtype === DType.DOUBLE) return;
    const values = intValues(divisor);
    if (values.includes(0)) c.report(`Div divisor "${c.name(1)}" contains 0`);
    if (values.includes(-1) && (divisor.dtype === DType.INT32 || divisor.dtype === DType.INT64)) {
      c.report(`Div divisor "${c.name(1)}" contains -1, which divides INT_MIN out of range`);
    }
  },
  "com.microsoft:QLinearAdd": (c) => v2Candidate(c, `QLinearAdd on ${dtypeName(c.type(0)?.dtype ?? DType.UINT8)} (domain com.microsoft)`),
  "com.microsoft:QLinearMul": (c) => v2Candidate(c, `QLinearMul on ${dtypeName(c.type(0)?.dtype ?? DType.UINT8)} (domain com.microsoft)`),
  "com.microsoft:QLinearAveragePool": (c) => v2Candidate(c, `QLinearAveragePool on ${dtypeName(c.type(0)?.dtype ?? DType.UINT8)} (domain com.microsoft)`),
  "com.microsoft:QLinearGlobalAveragePool": (c) =>
    v2Candidate(c, `QLinearGlobalAveragePool on ${dtypeName(c.type(0)?.dtype ?? DType.UINT8)} (domain com.microsoft)`),
};

/**
 * A version-2 candidate (docs/SPEC.md, "Version-2 candidates"): its exact semantics are measured
 * and the reference interpreter runs it, but semantics version 1 is frozen and no on-chain
 * verifier implements it, so the model stays outside the profile.
 */
function v2Candidate(c: CheckContext, what: string): void {
  c.report(`${what} is a version-2 candidate, not yet in the profile: no on-chain verifier`);
}

export function opCheck(key: string): OpCheck | undefined {
  return CHECKS[key];
}
