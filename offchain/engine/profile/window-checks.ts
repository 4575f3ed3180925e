/**
 * Sliding-window attributes (QLinearConv, ConvInteger, MaxPool): the verifier's index maps know
 * explicit pads only, so auto_pad must be NOTSET and a ceil_mode must not change the output size.
 */
import { attrInt, attrInts, attrString } from "../onnx/attr-read.js";
import { windowGeometry, windowOutput } from "../onnx/shape-rules.js";
import type { CheckContext } from "./context.js";

export function checkAutoPad(c: CheckContext): void {
  const autoPad = attrString(c.node, "auto_pad", "NOTSET");
  if (autoPad !== "NOTSET") {
    c.report(`${c.node.opType} auto_pad ${autoPad} is outside the int8 profile; write the padding out as explicit pads (auto_pad NOTSET)`);
  }
}

/** ceil_mode 1 is accepted only where it gives the same output size as ceil_mode 0. */
export function checkCeilMode(c: CheckContext): void {
  if (attrInt(c.node, "ceil_mode", 0) === 0) return;
  const x = c.type(0);
  const kernel = attrInts(c.node, "kernel_shape");
  if (x === undefined || kernel === undefined || attrString(c.node, "auto_pad", "NOTSET") !== "NOTSET") {
    c.report(`${c.node.opType} ceil_mode 1 is outside the int8 profile; use ceil_mode 0 with explicit pads`);
    return;
  }
  const spatial = x.shape.slice(2);
  try {
    const g = windowGeometry(c.node, spatial, kernel);
    const n = spatial.length;
    const differs = spatial.some((s, i) => {
      const args = [s, kernel[i]!, g.strides[i]!, g.dilations[i]!, g.pads[i]!, g.pads[i + n]!] as const;
      return windowOutput(...args, true) !== windowOutput(...args, false);
    });
    if (differs) c.report(`${c.node.opType} ceil_mode 1 changes the output size here; write it out as ceil_mode 0 with explicit end pads`);
  } catch {
    // The geometry itself is invalid: shape inference reports it.
  }
}
