/**
 * Fault injection (DESIGN.md, "Fault injection"): a run whose node NODE has its output element
 * ELEMENT shifted by DELTA (wrapping in the value's type), with every later value recomputed from
 * the lie. For demos and tests of the dispute game, on local chains only (the CLI enforces it).
 */
import type { Model } from "../onnx/types.js";
import { DType, dtypeName, numel, type Tensor } from "../tensor.js";
import { VerinferError } from "../../errors.js";
import type { Feeds } from "./inputs.js";
import { runReference } from "./reference.js";

export interface Fault {
  /** Node index in committed order, or "last". */
  readonly node: number | "last";
  /** Element index (row-major) of the node's output, or "last". */
  readonly element: number | "last";
  readonly delta: number;
}

export class FaultError extends VerinferError {
  override name = "FaultError";
}

/** Parses NODE:ELEMENT:DELTA ("last" allowed for NODE and ELEMENT). */
export function parseFault(text: string): Fault {
  const m = /^(\d+|last):(\d+|last):(-?\d+)$/.exec(text.trim());
  if (!m) throw new FaultError(`fault "${text}" is not NODE:ELEMENT:DELTA (e.g. 3:17:1, last:0:-2)`);
  const delta = Number(m[3]);
  if (delta === 0) throw new FaultError("a fault with DELTA 0 falsifies nothing");
  const idx = (s: string) => (s === "last" ? "last" : Number(s));
  return { node: idx(m[1]!), element: idx(m[2]!), delta };
}

const WRAP_BITS: Partial<Record<DType, [number, boolean]>> = {
  [DType.UINT8]: [8, false],
  [DType.INT8]: [8, true],
  [DType.INT32]: [32, true],
};

/** The tensor with one element shifted by delta, wrapping in its type (float32: added and rounded). */
export function shiftElement(t: Tensor, element: number, delta: number): Tensor {
  const n = numel(t.shape);
  if (element < 0 || element >= n) throw new FaultError(`element ${element} is outside a tensor of ${n} elements`);
  const data = t.data.slice() as Tensor["data"];
  if (t.dtype === DType.FLOAT) {
    (data as Float32Array)[element] = Math.fround((data as Float32Array)[element]! + delta);
  } else if (t.dtype === DType.INT64) {
    (data as BigInt64Array)[element] = BigInt.asIntN(64, (data as BigInt64Array)[element]! + BigInt(delta));
  } else {
    const wrap = WRAP_BITS[t.dtype];
    if (!wrap) throw new FaultError(`cannot shift a ${dtypeName(t.dtype)} element`);
    const [bits, signed] = wrap;
    const v = BigInt((data as Int32Array)[element]!) + BigInt(delta);
    (data as Int32Array)[element] = Number(signed ? BigInt.asIntN(bits, v) : BigInt.asUintN(bits, v));
  }
  return { dtype: t.dtype, shape: t.shape, data };
}

/**
 * Runs the model with the fault injected; refuses when the lie vanishes before the outputs
 * (a result equal to the honest one is no fault).
 */
export function runWithFault(model: Model, feeds: Feeds, fault: Fault): { values: Map<string, Tensor>; node: number; element: number } {
  const nodes = model.graph.nodes.length;
  const node = fault.node === "last" ? nodes - 1 : fault.node;
  if (node < 0 || node >= nodes) throw new FaultError(`node ${node} is outside the model's ${nodes} nodes`);
  let element = -1;
  const values = runReference(model, feeds, {
    afterNode: (index, output) => {
      if (index !== node) return output;
      element = fault.element === "last" ? numel(output.shape) - 1 : fault.element;
      return shiftElement(output, element, fault.delta);
    },
  });
  const honest = runReference(model, feeds);
  const changed = model.graph.outputs.some((o) => {
    const a = values.get(o.name)!.data;
    const b = honest.get(o.name)!.data;
    return a.some((v, i) => !Object.is(v, b[i]));
  });
  if (!changed) {
    throw new FaultError(`the lie at node ${node}, element ${element} vanishes before the outputs (ReLU, pooling or saturation): the result would be the honest one`);
  }
  return { values, node, element };
}
