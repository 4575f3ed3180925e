/** Float32 Conv (N-D, pads, strides, dilations, group, optional bias), for calibration. */
import { attrInt } from "../../engine/onnx/attr-read.js";
import type { Node } from "../../engine/onnx/types.js";
import { DType, type Tensor } from "../../engine/tensor.js";
import { FloatOpError } from "./errors.js";
import { floatWindow, kernelShape, tapOffsets } from "./window.js";

export function conv(node: Node, x: Tensor, w: Tensor, b: Tensor | undefined): Tensor {
  if (x.shape.length < 3 || w.shape.length !== x.shape.length) throw new FloatOpError(node, `x [${x.shape}] and w [${w.shape}] do not fit`);
  const group = attrInt(node, "group", 1);
  const [batch, inC] = x.shape as [number, number];
  const [outC, groupIn] = w.shape as [number, number];
  if (groupIn * group !== inC || outC % group !== 0) throw new FloatOpError(node, `group ${group} does not fit x [${x.shape}] and w [${w.shape}]`);
  const win = floatWindow(node, x.shape.slice(2), kernelShape(node, w.shape.slice(2)));
  const groupOut = outC / group;
  const xs = x.data as Float32Array;
  const ws = w.data as Float32Array;
  const bs = b?.data as Float32Array | undefined;
  const y = new Float32Array(batch * outC * win.outSize);
  const offsets = new Int32Array(win.kernelSize);
  for (let pos = 0; pos < win.outSize; pos++) {
    tapOffsets(win, pos, offsets);
    for (let n = 0; n < batch; n++) {
      for (let m = 0; m < outC; m++) {
        const g = Math.floor(m / groupOut);
        let acc = bs === undefined ? 0 : bs[m]!;
        for (let ci = 0; ci < groupIn; ci++) {
          const xBase = (n * inC + g * groupIn + ci) * win.inSize;
          const wBase = (m * groupIn + ci) * win.kernelSize;
          for (let t = 0; t < win.kernelSize; t++) {
            const o = offsets[t]!;
            if (o >= 0) acc += xs[xBase + o]! * ws[wBase + t]!;
          }
        }
        y[(n * outC + m) * win.outSize + pos] = acc;
      }
    }
  }
  return { dtype: DType.FLOAT, shape: [batch, outC, ...win.outSpatial], data: y };
}
