/**
 * DequantizeLinear, uint8 / int8 / int32 -> float32 (also uint16 / int16, outside the version-1
 * profile), per-tensor, per-axis (13+) and blocked (21+).
 *
 *   y = f32(f32(i32(x - zp)) * s)
 *
 * The subtraction is int32 and wraps; the int32 -> float32 conversion rounds BEFORE the multiply
 * (it matters once |x - zp| > 2^24). A non-zero zero point is accepted for int32 input
 * (SEMANTICS.md).
 */
import { DType, dtypeName, numel, type Tensor } from "../tensor.js";
import {
  type Attributes,
  OpError,
  checkAttributes,
  checkData,
  checkDType,
  checkInputCount,
  checkSameDType,
  intAttr,
  numberData,
  optional,
  required,
  scaleValues,
  shapeStr,
} from "./common.js";
import { formulas } from "./numeric.js";
import { quantParamLayout } from "./quant_params.js";

const OP = "DequantizeLinear";
const INPUT_TYPES = [DType.UINT8, DType.INT8, DType.INT32, DType.UINT16, DType.INT16] as const;

export function dequantizeLinear(inputs: readonly (Tensor | undefined)[], attributes: Attributes): Tensor[] {
  checkInputCount(OP, inputs, 2, 3);
  checkAttributes(OP, attributes, ["axis", "block_size", "output_dtype"]);
  const x = required(OP, inputs, 0, "x");
  const scale = required(OP, inputs, 1, "x_scale");
  const zeroPoint = optional(inputs, 2);
  checkDType(OP, x, "x", INPUT_TYPES);
  checkData(OP, x, "x");
  const s = scaleValues(OP, scale, "x_scale");
  const outputDType = intAttr(OP, attributes, "output_dtype", 0);
  if (outputDType !== 0 && outputDType !== DType.FLOAT) {
    throw new OpError(OP, `output_dtype ${outputDType} is not float32 (${dtypeName(DType.FLOAT)})`);
  }
  if (zeroPoint !== undefined) {
    checkSameDType(OP, x, "x", zeroPoint, "x_zero_point");
    checkData(OP, zeroPoint, "x_zero_point");
    if (zeroPoint.shape.length !== scale.shape.length || zeroPoint.shape.some((d, i) => d !== scale.shape[i])) {
      throw new OpError(OP, `x_zero_point shape ${shapeStr(zeroPoint.shape)} differs from x_scale shape ${shapeStr(scale.shape)}`);
    }
  }
  const paramIndex = quantParamLayout(OP, x.shape, scale.shape, intAttr(OP, attributes, "axis", 1), intAttr(OP, attributes, "block_size", 0));
  const zp = zeroPoint === undefined ? undefined : numberData(zeroPoint);
  const xs = numberData(x);
  const n = numel(x.shape);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const p = paramIndex(i);
    out[i] = formulas.dequantize(xs[i], zp === undefined ? 0 : zp[p], s[p]);
  }
  return [{ dtype: DType.FLOAT, shape: [...x.shape], data: out }];
}
