/**
 * Quantization parameters, computed the way onnxruntime's quantizer computes them and rounded the
 * way the profile's QuantizeLinear rounds (float32 division, round half to even):
 * - activations: uint8, asymmetric over [min(0, lo), max(0, hi)] so that real 0 is exact (conv
 *   padding and Relu rely on it); scale = f32((hi - lo) / 255), zero point = RNE(-lo / scale);
 * - weights: int8, symmetric (zero point 0) per tensor or per output channel, scale = max|w| / qmax,
 *   with qmax = 63 (reduce_range: 7-bit weights, so u8s8 pair sums fit int16) or 127;
 * - bias: int32 with scale f32(x_scale * w_scale[c]); a value outside int32 is refused, not clamped.
 */
import type { Range } from "./calibrate/observers.js";

export interface ActivationParams {
  readonly scale: number;
  readonly zeroPoint: number;
}

const MIN_NORMAL_F32 = 2 ** -126;

/** Round half to even (the profile's RNE). */
export function roundHalfEven(v: number): number {
  const r = Math.round(v);
  return Math.abs(v - Math.trunc(v)) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

export function activationParams(range: Range): ActivationParams {
  const lo = Math.min(0, range.min);
  const hi = Math.max(0, range.max);
  const scale = Math.fround((hi - lo) / 255);
  // A value that never moved (or only by a subnormal step) still needs a valid, normal scale.
  if (!(scale >= MIN_NORMAL_F32) || !Number.isFinite(scale)) return { scale: 1, zeroPoint: 0 };
  const zeroPoint = Math.min(255, Math.max(0, roundHalfEven(Math.fround(-lo / scale))));
  return { scale, zeroPoint };
}

export interface QuantizedWeights {
  readonly data: Int8Array;
  /** One scale per channel (length 1 when per tensor). */
  readonly scales: Float32Array;
}

/**
 * Symmetric int8 weights. `channelOf(i)` maps a row-major element index to its channel, among
 * `channels` channels (1 and () => 0 for per tensor).
 */
export function quantizeWeights(w: Float32Array, channels: number, channelOf: (i: number) => number, qmax: number): QuantizedWeights {
  const maxAbs = new Float64Array(channels);
  for (let i = 0; i < w.length; i++) maxAbs[channelOf(i)] = Math.max(maxAbs[channelOf(i)]!, Math.abs(w[i]!));
  const scales = new Float32Array(channels);
  for (let c = 0; c < channels; c++) {
    const s = Math.fround(maxAbs[c]! / qmax);
    scales[c] = s >= MIN_NORMAL_F32 ? s : 1;
  }
  const data = new Int8Array(w.length);
  for (let i = 0; i < w.length; i++) {
    const q = roundHalfEven(Math.fround(w[i]! / scales[channelOf(i)]!));
    data[i] = Math.min(qmax, Math.max(-qmax, q));
  }
  return { data, scales };
}

export const INT32_MAX = 2 ** 31 - 1;

/** int32 bias q[c] = RNE(f32(b[c] / f32(xs * ws[c]))); undefined when a value leaves int32. */
export function quantizeBias(bias: Float32Array, xScale: number, wScales: Float32Array): Int32Array | undefined {
  const out = new Int32Array(bias.length);
  for (let c = 0; c < bias.length; c++) {
    const s = Math.fround(xScale * wScales[wScales.length === 1 ? 0 : c]!);
    const q = roundHalfEven(Math.fround(bias[c]! / s));
    if (!(Math.abs(q) <= INT32_MAX)) return undefined;
    out[c] = q;
  }
  return out;
}
