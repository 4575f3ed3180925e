/**
 * com.microsoft QLinearGlobalAveragePool (uint8 / int8, per-tensor, channels_last 0/1; inputs X,
 * x_scale, x_zero_point, y_scale, y_zero_point, the zero points required as onnxruntime reads
 * them unconditionally). A version-2 candidate: registered in the interpreter, NOT in the profile.
 * Measured against onnxruntime-node 1.30 on x86-64 (docs/SPEC.md, "Version-2 candidates"):
 *
 *   acc = i32(sum over the image of (x - xz)),  M = f32(xs / f32(ys * S)),  S = prod(spatial)
 *   y   = sat(RNE(f32(f32(acc) * M)) + yz)
 *
 * onnxruntime THROWS unless 2^-32 <= M < 256 and S < 2^24; so does this operator.
 * ACCUMULATION ORDER: p_0 = 0, the S image positions in row-major order, p_k = i32(p_{k-1} + x - xz)
 * (any order gives the same int32 result: wrapping addition is associative).
 */
import { DType, type Tensor } from "../tensor.js";
import { type Attributes, checkAttributes, checkInputCount, intAttr } from "./common.js";
import { intRange } from "./numeric.js";
import { globalPoolMultiplier, globalPoolOutput, poolParams } from "./qlinear_average_pool.js";

const OP = "QLinearGlobalAveragePool";

export function qlinearGlobalAveragePool(inputs: readonly (Tensor | undefined)[], attributes: Attributes): Tensor[] {
  checkInputCount(OP, inputs, 5, 5);
  checkAttributes(OP, attributes, ["channels_last"]);
  const { x, xs, xz, ys, yz } = poolParams(OP, inputs, true);
  const last = intAttr(OP, attributes, "channels_last", 0) !== 0;
  const rank = x.shape.length;
  const n = x.shape[0];
  const c = last ? x.shape[rank - 1] : x.shape[1];
  const spatial = last ? x.shape.slice(1, rank - 1) : x.shape.slice(2);
  const size = spatial.reduce((a, b) => a * b, 1);
  const m = globalPoolMultiplier(OP, xs, ys, size);
  const { min, max } = intRange(x.dtype);
  const xd = x.data as unknown as ArrayLike<number>;
  const out = x.dtype === DType.UINT8 ? new Uint8Array(n * c) : new Int8Array(n * c);
  for (let b = 0; b < n; b++) {
    for (let ch = 0; ch < c; ch++) {
      let acc = 0;
      for (let s = 0; s < size; s++) acc = (acc + xd[last ? (b * size + s) * c + ch : (b * c + ch) * size + s] - xz) | 0;
      out[b * c + ch] = globalPoolOutput(acc, m, yz, min, max);
    }
  }
  const outShape = last ? [n, ...spatial.map(() => 1), c] : [n, c, ...spatial.map(() => 1)];
  return [{ dtype: x.dtype, shape: outShape, data: out }];
}
