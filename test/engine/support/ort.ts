/**
 * onnxruntime-node for the differential tests: single-node models, sessions cached by model bytes.
 */
import * as ort from "onnxruntime-node";
import { createHash } from "node:crypto";
import { encodeModel, singleNodeModel, type SingleNodeSpec } from "../../../offchain/engine/onnx/encode.js";
import { DType, dtypeName, type Tensor } from "../../../offchain/engine/tensor.js";

const sessions = new Map<string, ort.InferenceSession>();
export const ortStats = { sessions: 0, runs: 0 };

export async function ortSession(spec: SingleNodeSpec): Promise<ort.InferenceSession> {
  const bytes = encodeModel(singleNodeModel(spec));
  const key = createHash("sha256").update(bytes).digest("hex");
  let s = sessions.get(key);
  if (s === undefined) {
    s = await ort.InferenceSession.create(bytes, { graphOptimizationLevel: "disabled", intraOpNumThreads: 1, logSeverityLevel: 3 });
    sessions.set(key, s);
    ortStats.sessions++;
  }
  return s;
}

export function toOrt(t: Tensor): ort.Tensor {
  return new ort.Tensor(dtypeName(t.dtype) as ort.Tensor.Type, t.data as ort.Tensor.DataType, [...t.shape]);
}

export function fromOrt(t: ort.Tensor): Tensor {
  const dtype = ({ float32: DType.FLOAT, uint8: DType.UINT8, int8: DType.INT8, int32: DType.INT32, int64: DType.INT64, int16: DType.INT16, uint16: DType.UINT16, uint32: DType.UINT32, uint64: DType.UINT64 } as Record<string, DType>)[t.type];
  if (dtype === undefined) throw new Error(`unexpected onnxruntime output type ${t.type}`);
  return { dtype, shape: [...t.dims], data: t.data as Tensor["data"] };
}

/** Runs a single-node model on the given feeds (by graph input name); returns the outputs in order. */
export async function runOrt(spec: SingleNodeSpec, feeds: Readonly<Record<string, Tensor>>): Promise<Tensor[]> {
  const session = await ortSession(spec);
  const ortFeeds: Record<string, ort.Tensor> = {};
  for (const [k, v] of Object.entries(feeds)) ortFeeds[k] = toOrt(v);
  const result = await session.run(ortFeeds);
  ortStats.runs++;
  return spec.outputs.map((o) => fromOrt(result[o.name]));
}

/** Releases every cached session. */
export async function releaseSessions(): Promise<void> {
  for (const s of sessions.values()) await s.release();
  sessions.clear();
}
