/**
 * QuantizeLinear (opsets 10, 13, 19, 21+), float32 -> uint8 / int8 (also uint16 / int16, outside
 * the version-1 profile), per-tensor, per-axis (13+) and blocked (21+).
 *
 *   q = sat(RNE(f32(x / s)) + zp)        a float32 DIVISION, then round half to even
 *
 * NaN (also 0/0) gives the type's lowest value, not zp; ±Inf and x/0 saturate; subnormals are not
 * flushed (SEMANTICS.md). The output type is the zero point's; without a zero point it is
 * `output_dtype` (21+) or uint8. `saturate` (19+) only concerns float8 outputs and is ignored.
 */
import { DType, dtypeName, numel, type Tensor } from "../tensor.js";
import {
  type Attributes,
  OpError,
  checkAttributes,
  checkData,
  checkDType,
  checkInputCount,
  intAttr,
  numberData,
  optional,
  required,
  scaleValues,
  shapeStr,
} from "./common.js";
import { formulas, intRange } from "./numeric.js";
import { quantParamLayout } from "./quant_params.js";

const OP = "QuantizeLinear";
const OUTPUT_TYPES = [DType.UINT8, DType.INT8, DType.UINT16, DType.INT16] as const;

export function quantizeLinear(inputs: readonly (Tensor | undefined)[], attributes: Attributes): Tensor[] {
  checkInputCount(OP, inputs, 2, 3);
  checkAttributes(OP, attributes, ["axis", "saturate", "block_size", "output_dtype"]);
  const x = required(OP, inputs, 0, "x");
  const scale = required(OP, inputs, 1, "y_scale");
  const zeroPoint = optional(inputs, 2);
  checkDType(OP, x, "x", [DType.FLOAT]);
  checkData(OP, x, "x");
  const s = scaleValues(OP, scale, "y_scale");

  const outputDType = intAttr(OP, attributes, "output_dtype", 0);
  let dtype: DType;
  if (zeroPoint !== undefined) {
    checkDType(OP, zeroPoint, "y_zero_point", OUTPUT_TYPES);
    checkData(OP, zeroPoint, "y_zero_point");
    if (zeroPoint.shape.length !== scale.shape.length || zeroPoint.shape.some((d, i) => d !== scale.shape[i])) {
      throw new OpError(OP, `y_zero_point shape ${shapeStr(zeroPoint.shape)} differs from y_scale shape ${shapeStr(scale.shape)}`);
    }
    if (outputDType !== 0 && outputDType !== zeroPoint.dtype) {
      throw new OpError(OP, `output_dtype ${outputDType} differs from the zero point's type ${dtypeName(zeroPoint.dtype)}`);
    }
    dtype = zeroPoint.dtype;
  } else {
    dtype = outputDType === 0 ? DType.UINT8 : (outputDType as DType);
    if (!(OUTPUT_TYPES as readonly DType[]).includes(dtype)) throw new OpError(OP, `unsupported output_dtype ${outputDType}`);
  }

  const paramIndex = quantParamLayout(OP, x.shape, scale.shape, intAttr(OP, attributes, "axis", 1), intAttr(OP, attributes, "block_size", 0));
  const { min, max } = intRange(dtype);
  const zp = zeroPoint === undefined ? undefined : numberData(zeroPoint);
  const xs = x.data as Float32Array;
  const n = numel(x.shape);
  const out = dtype === DType.UINT8 ? new Uint8Array(n) : dtype === DType.INT8 ? new Int8Array(n) : dtype === DType.UINT16 ? new Uint16Array(n) : new Int16Array(n);
  for (let i = 0; i < n; i++) {
    const p = paramIndex(i);
    out[i] = formulas.quantize(xs[i], s[p], zp === undefined ? 0 : zp[p], min, max);
  }
  return [{ dtype, shape: [...x.shape], data: out }];
}
