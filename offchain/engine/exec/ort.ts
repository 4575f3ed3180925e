/**
 * The fast path: onnxruntime-node sessions at graphOptimizationLevel "all" (SEMANTICS.md, "What
 * onnxruntime does to the graph": the rewrites keep the arithmetic, and requested intermediates are
 * still returned). A plain session answers jobs; a traced session, the same model with every
 * intermediate value added as a graph output, answers disputes. Sessions are cached per process,
 * keyed by the SHA-256 of the model bytes they were built from.
 *
 * INVARIANT: nothing reaches onnxruntime unless assertSafeForOnnxruntime (ort-safety.ts) passed on
 * the model and checkFeeds (inputs.ts) on the inputs; engine.ts is the only caller of createSession.
 */
import { createHash } from "node:crypto";
import * as ort from "onnxruntime-node";
import { encodeModel } from "../onnx/encode.js";
import type { StaticType } from "../onnx/shapes.js";
import type { Model, ValueInfo } from "../onnx/types.js";
import { DType, dtypeName, type Tensor, type TypedData } from "../tensor.js";

export type OrtSession = ort.InferenceSession;

export interface SessionOptions {
  /** onnxruntime's intra-op thread count; its default (one per core) when absent. */
  readonly intraOpNumThreads?: number;
}

const sessions = new Map<string, Promise<ort.InferenceSession>>();

export function bytesKey(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}

/** A new, uncached session for these model bytes (the caller releases it). */
export function openSession(bytes: Uint8Array, options: SessionOptions = {}): Promise<ort.InferenceSession> {
  return ort.InferenceSession.create(bytes, {
    graphOptimizationLevel: "all",
    logSeverityLevel: 3,
    ...(options.intraOpNumThreads === undefined ? {} : { intraOpNumThreads: options.intraOpNumThreads }),
  });
}

/** A session for these model bytes, created once per process (and per thread setting). */
export function createSession(bytes: Uint8Array, options: SessionOptions = {}): Promise<ort.InferenceSession> {
  const key = `${bytesKey(bytes)}:${options.intraOpNumThreads ?? 0}`;
  let s = sessions.get(key);
  if (s === undefined) {
    s = openSession(bytes, options);
    sessions.set(key, s);
    // A failed creation must not stay cached.
    s.catch(() => sessions.delete(key));
  }
  return s;
}

/** Releases every cached session (tests and benchmarks, between models). */
export async function releaseAllSessions(): Promise<void> {
  const all = [...sessions.values()];
  sessions.clear();
  for (const s of all) {
    try {
      await (await s).release();
    } catch {
      // a session that failed to build has nothing to release
    }
  }
}

const ORT_TYPES: Readonly<Record<string, DType>> = {
  float32: DType.FLOAT,
  uint8: DType.UINT8,
  int8: DType.INT8,
  uint16: DType.UINT16,
  int16: DType.INT16,
  int32: DType.INT32,
  int64: DType.INT64,
  bool: DType.BOOL,
  float16: DType.FLOAT16,
  float64: DType.DOUBLE,
  uint32: DType.UINT32,
  uint64: DType.UINT64,
};

/** Engine tensor -> onnxruntime tensor, sharing the data (int64 stays a BigInt64Array). */
export function toOrt(t: Tensor): ort.Tensor {
  return new ort.Tensor(dtypeName(t.dtype) as ort.Tensor.Type, t.data as ort.Tensor.DataType, [...t.shape]);
}

/** onnxruntime tensor -> engine tensor. */
export function fromOrt(t: ort.Tensor): Tensor {
  const dtype = ORT_TYPES[t.type];
  if (dtype === undefined) throw new Error(`onnxruntime returned a ${t.type} tensor, which the engine cannot hold`);
  let data = t.data as TypedData;
  // float16 may come back as a Float16Array where the runtime has one; the engine holds its bits.
  if (dtype === DType.FLOAT16 && !(data instanceof Uint16Array)) data = new Uint16Array(data.buffer, data.byteOffset, data.length);
  return { dtype, shape: t.dims.map(Number), data };
}

/** Runs a session on checked feeds; returns the requested outputs (default: all) by name. */
export async function runSession(
  session: ort.InferenceSession,
  feeds: ReadonlyMap<string, Tensor>,
  outputNames: readonly string[] = session.outputNames,
): Promise<Map<string, Tensor>> {
  const ortFeeds: Record<string, ort.Tensor> = {};
  for (const [name, t] of feeds) ortFeeds[name] = toOrt(t);
  const result = await session.run(ortFeeds, [...outputNames]);
  const out = new Map<string, Tensor>();
  for (const name of outputNames) {
    const t = result[name];
    if (t === undefined) throw new Error(`onnxruntime returned no value "${name}"`);
    out.set(name, fromOrt(t));
  }
  return out;
}

/**
 * The model with every node output that is not already a graph output added as one, typed from
 * static shape inference; the original outputs keep their places in front.
 */
export function tracedModel(model: Model, types: ReadonlyMap<string, StaticType>): Model {
  const g = model.graph;
  const outputs: ValueInfo[] = [...g.outputs];
  const seen = new Set(outputs.map((o) => o.name));
  for (const node of g.nodes) {
    for (const name of node.outputs) {
      if (name === "" || seen.has(name)) continue;
      const t = types.get(name);
      if (t === undefined) throw new Error(`no static type for "${name}"; a traced session needs every value typed`);
      outputs.push({ name, dtype: t.dtype, shape: [...t.shape] });
      seen.add(name);
    }
  }
  return { ...model, graph: { ...g, outputs } };
}

/** The traced model's bytes (what the traced session is built from). */
export function tracedModelBytes(model: Model, types: ReadonlyMap<string, StaticType>): Uint8Array {
  return encodeModel(tracedModel(model, types));
}
