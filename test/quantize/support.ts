/** Shared helpers of the quantizer tests: tiny float models, feeds, and the two execution paths. */
import * as ort from "onnxruntime-node";
import { encodeModel } from "../../offchain/engine/onnx/encode.js";
import type { Model } from "../../offchain/engine/onnx/types.js";
import { runReference } from "../../offchain/engine/exec/reference.js";
import { inferShapes } from "../../offchain/engine/onnx/shapes.js";
import { DType, dtypeName, type Tensor } from "../../offchain/engine/tensor.js";
import type { Feeds } from "../../offchain/quantize/quantize.js";

export const f32 = (shape: number[], values: number[]): Tensor => ({ dtype: DType.FLOAT, shape, data: Float32Array.from(values) });
export const feeds = (name: string, t: Tensor): Feeds => new Map([[name, t]]);

/** onnxruntime (optimization "all", the engine's fast path) and the reference interpreter. */
export async function bothPaths(model: Model): Promise<{ ort: (f: Feeds) => Promise<Tensor>; reference: (f: Feeds) => Tensor; release: () => Promise<void> }> {
  const session = await ort.InferenceSession.create(encodeModel(model), { graphOptimizationLevel: "all", logSeverityLevel: 4, intraOpNumThreads: 1 });
  const types = inferShapes(model);
  const out = model.graph.outputs[0]!.name;
  return {
    ort: async (f) => {
      const o: Record<string, ort.Tensor> = {};
      for (const [k, t] of f) o[k] = new ort.Tensor(dtypeName(t.dtype) as ort.Tensor.Type, t.data as Float32Array, [...t.shape]);
      const r = (await session.run(o, [out]))[out]!;
      return { dtype: DType.FLOAT, shape: r.dims.map(Number), data: r.data as Float32Array };
    },
    reference: (f) => runReference(model, f, { types }).get(out)!,
    release: () => session.release(),
  };
}

/** Bitwise equality of two float32 tensors (NaN payloads included). */
export function sameBits(a: Tensor, b: Tensor): boolean {
  if (a.shape.join() !== b.shape.join()) return false;
  const x = new Uint32Array(a.data.buffer, a.data.byteOffset, a.data.length);
  const y = new Uint32Array(b.data.buffer, b.data.byteOffset, b.data.length);
  return x.length === y.length && x.every((v, i) => v === y[i]);
}
