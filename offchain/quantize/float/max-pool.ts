/** Float32 MaxPool (N-D, pads as -Infinity, strides, dilations; one output), for calibration. */
import type { Node } from "../../engine/onnx/types.js";
import { DType, type Tensor } from "../../engine/tensor.js";
import { FloatOpError } from "./errors.js";
import { floatWindow, kernelShape, tapOffsets } from "./window.js";

export function maxPool(node: Node, x: Tensor): Tensor {
  if (x.shape.length < 3) throw new FloatOpError(node, `x [${x.shape}] must have rank >= 3`);
  const spatial = x.shape.slice(2);
  const kernel = kernelShape(node, []);
  if (kernel.length !== spatial.length) throw new FloatOpError(node, `kernel_shape [${kernel}] does not fit x [${x.shape}]`);
  const win = floatWindow(node, spatial, kernel);
  const planes = x.shape[0]! * x.shape[1]!;
  const xs = x.data as Float32Array;
  const y = new Float32Array(planes * win.outSize);
  const offsets = new Int32Array(win.kernelSize);
  for (let pos = 0; pos < win.outSize; pos++) {
    tapOffsets(win, pos, offsets);
    for (let p = 0; p < planes; p++) {
      let best = -Infinity;
      const base = p * win.inSize;
      for (let t = 0; t < win.kernelSize; t++) {
        const o = offsets[t]!;
        if (o >= 0 && xs[base + o]! > best) best = xs[base + o]!;
      }
      y[p * win.outSize + pos] = best;
    }
  }
  return { dtype: DType.FLOAT, shape: [x.shape[0]!, x.shape[1]!, ...win.outSpatial], data: y };
}
