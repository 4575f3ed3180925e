/**
 * Shape checks and operand indices shared by QLinearConv and ConvInteger.
 *
 * ACCUMULATION ORDER (docs/SPEC.md quotes this; the on-chain verifier derives the same indices).
 * Output element at flat index o of Y[N, M, out_1..out_D] (row-major) is (n, m, out) with group
 * g = floor(m / (M / group)) and Cg = C / group input channels per group. Its K = Cg * prod(kernel)
 * terms are, for step k = 1..K (k - 1 = ci * prod(kernel) + t):
 *   ci = input channel within the group, 0 .. Cg-1 (outer loop),
 *   t  = kernel tap in row-major order over the kernel's spatial dims (inner loop), coords kc_d;
 *   input position  p_d = out_d * stride_d - pad_begin_d + kc_d * dilation_d;
 *   x operand index = ((n * C + g * Cg + ci) * prod(in)) + row-major(p)   — or PADDING if any
 *                     p_d is outside [0, in_d);
 *   w operand index = (m * Cg + ci) * prod(kernel) + t.
 */
import { type Tensor } from "../tensor.js";
import { type Attributes, OpError, describe, intAttr } from "./common.js";
import { type Window, outCoords, slidingWindow, tapOffset } from "./window.js";

export interface ConvShape {
  readonly batch: number;
  readonly inChannels: number;
  readonly outChannels: number;
  readonly group: number;
  /** Input channels per group (C / group) and output channels per group (M / group). */
  readonly groupInChannels: number;
  readonly groupOutChannels: number;
  readonly window: Window;
  readonly outShape: readonly number[];
  /** Terms per output element: Cg * prod(kernel). */
  readonly termCount: number;
}

export function convShape(op: string, x: Tensor, w: Tensor, attrs: Attributes): ConvShape {
  if (x.shape.length < 3) throw new OpError(op, `x ${describe(x)} must have rank >= 3 (N, C, spatial...)`);
  if (w.shape.length !== x.shape.length) throw new OpError(op, `w ${describe(w)} must have the rank of x ${describe(x)}`);
  const group = intAttr(op, attrs, "group", 1);
  const [batch, inChannels] = x.shape;
  const [outChannels, groupInChannels] = w.shape;
  if (!Number.isInteger(group) || group < 1) throw new OpError(op, `group ${group} must be a positive integer`);
  if (inChannels % group !== 0 || outChannels % group !== 0) {
    throw new OpError(op, `group ${group} does not divide C = ${inChannels} and M = ${outChannels}`);
  }
  if (groupInChannels * group !== inChannels) {
    throw new OpError(op, `w ${describe(w)} has ${groupInChannels} input channels per group, x has C = ${inChannels} and group = ${group}`);
  }
  const window = slidingWindow(op, x.shape.slice(2), attrs, w.shape.slice(2), false);
  return {
    batch,
    inChannels,
    outChannels,
    group,
    groupInChannels,
    groupOutChannels: outChannels / group,
    window,
    outShape: [batch, outChannels, ...window.outSpatial],
    termCount: groupInChannels * window.kernelSize,
  };
}

/**
 * Writes the operand indices of output element `o` in accumulation order into xIdx (-1 for
 * padding) and wIdx (each of length >= termCount); returns the output channel m.
 */
export function convOperands(s: ConvShape, o: number, xIdx: Int32Array, wIdx: Int32Array): number {
  const w = s.window;
  const pos = o % w.outSpatialSize;
  const nm = Math.floor(o / w.outSpatialSize);
  const m = nm % s.outChannels;
  const n = Math.floor(nm / s.outChannels);
  const g = Math.floor(m / s.groupOutChannels);
  const out = outCoords(w, pos);
  const offsets = new Int32Array(w.kernelSize);
  for (let t = 0; t < w.kernelSize; t++) offsets[t] = tapOffset(w, out, t);
  let k = 0;
  for (let ci = 0; ci < s.groupInChannels; ci++) {
    const xBase = (n * s.inChannels + g * s.groupInChannels + ci) * w.inSpatialSize;
    const wBase = (m * s.groupInChannels + ci) * w.kernelSize;
    for (let t = 0; t < w.kernelSize; t++) {
      xIdx[k] = offsets[t] < 0 ? -1 : xBase + offsets[t];
      wIdx[k] = wBase + t;
      k++;
    }
  }
  return m;
}

export function checkOutputIndex(op: string, index: number, size: number): void {
  if (!Number.isInteger(index) || index < 0 || index >= size) throw new OpError(op, `output index ${index} out of range [0, ${size})`);
}
