/**
 * Sliding-window geometry shared by the float Conv and MaxPool: explicit pads (auto_pad resolved
 * by the onnx layer's windowGeometry), strides, dilations, and the output spatial size (floor
 * mode; ceil_mode is resolved by the upgrade pass or refused).
 */
import { attrInt, attrInts } from "../../engine/onnx/attr-read.js";
import { windowGeometry, windowOutput } from "../../engine/onnx/shape-rules.js";
import type { Node } from "../../engine/onnx/types.js";

export interface FloatWindow {
  readonly inSpatial: readonly number[];
  readonly outSpatial: readonly number[];
  readonly kernel: readonly number[];
  readonly strides: readonly number[];
  readonly dilations: readonly number[];
  /** Begin pads of each spatial dim. */
  readonly padsBegin: readonly number[];
  readonly inSize: number;
  readonly outSize: number;
  readonly kernelSize: number;
}

export function floatWindow(node: Node, inSpatial: readonly number[], kernel: readonly number[]): FloatWindow {
  const g = windowGeometry(node, inSpatial, kernel);
  const n = inSpatial.length;
  const ceil = attrInt(node, "ceil_mode", 0) === 1;
  const outSpatial = inSpatial.map((s, i) => windowOutput(s, kernel[i]!, g.strides[i]!, g.dilations[i]!, g.pads[i]!, g.pads[i + n]!, ceil));
  const prod = (a: readonly number[]): number => a.reduce((p, d) => p * d, 1);
  return {
    inSpatial,
    outSpatial,
    kernel,
    strides: g.strides,
    dilations: g.dilations,
    padsBegin: g.pads.slice(0, n),
    inSize: prod(inSpatial),
    outSize: prod(outSpatial),
    kernelSize: prod(kernel),
  };
}

/** kernel_shape from the attribute, else from the weights' spatial dims. */
export function kernelShape(node: Node, fallback: readonly number[]): readonly number[] {
  return attrInts(node, "kernel_shape") ?? fallback;
}

/**
 * For output position `pos` (row-major over outSpatial), writes into `offsets` the row-major
 * input offset of each kernel tap, or -1 where the tap falls into the padding.
 */
export function tapOffsets(w: FloatWindow, pos: number, offsets: Int32Array): void {
  const n = w.inSpatial.length;
  const out = new Array<number>(n);
  let rest = pos;
  for (let d = n - 1; d >= 0; d--) {
    out[d] = rest % w.outSpatial[d]!;
    rest = Math.floor(rest / w.outSpatial[d]!);
  }
  for (let t = 0; t < w.kernelSize; t++) {
    let tr = t;
    let offset = 0;
    let stride = 1;
    let inside = true;
    for (let d = n - 1; d >= 0; d--) {
      const kc = tr % w.kernel[d]!;
      tr = Math.floor(tr / w.kernel[d]!);
      const p = out[d]! * w.strides[d]! - w.padsBegin[d]! + kc * w.dilations[d]!;
      if (p < 0 || p >= w.inSpatial[d]!) inside = false;
      offset += p * stride;
      stride *= w.inSpatial[d]!;
    }
    offsets[t] = inside ? offset : -1;
  }
}
