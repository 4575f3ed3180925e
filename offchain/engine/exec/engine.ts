/**
 * The engine the prover, the watcher and the CLI use (DESIGN.md, "Off-chain node"): load a model
 * once — decode, check the int8 profile, build an onnxruntime plain session (jobs) and traced
 * session (disputes), and prove on probe inputs that both reproduce the reference interpreter bit
 * for bit — then run and trace it. Where onnxruntime drifts on this machine (the start-up
 * self-check, or this model's probe) the engine runs the reference interpreter instead and says so
 * in `backend` and `warnings`; it never falls back silently.
 *
 * INVARIANT: a model reaches onnxruntime only after assertSafeForOnnxruntime, and inputs only after
 * checkFeeds (the static dtype and shape of every graph input). A verifiable model has passed the
 * profile, which refuses every such hazard too (Div by a non-constant, 4-bit values).
 */
import { readFile } from "node:fs/promises";
import { hashBackend } from "../commit/sha256-native.js";
import { decodeModel } from "../onnx/decode.js";
import { OnnxFormatError } from "../onnx/errors.js";
import { inferShapes, inferShapesPartial, type StaticType } from "../onnx/shapes.js";
import type { Model, ValueInfo } from "../onnx/types.js";
import { checkProfile } from "../profile/check-profile.js";
import type { ProfileVerdict } from "../profile/verdict.js";
import type { Tensor } from "../tensor.js";
import { valueMismatches, type Mismatch } from "./compare.js";
import { BackendDisagreementError, ModelRefusedError } from "./errors.js";
import { checkFeeds, type Feeds } from "./inputs.js";
import { createSession, runSession, tracedModelBytes, type OrtSession } from "./ort.js";
import { assertSafeForOnnxruntime } from "./ort-safety.js";
import { probeInputs } from "./probe.js";
import { runReference } from "./reference.js";
import { selfCheck, type SelfCheckReport } from "./self-check.js";

export { selfCheck, type SelfCheckReport, type SelfCheckCase } from "./self-check.js";

export type Backend = "onnxruntime" | "reference";

export interface LoadOptions {
  /**
   * Default true: refuse a model outside the int8 profile (ModelRefusedError with every reason).
   * false: also serve an unverifiable model, through a plain onnxruntime session only (no trace,
   * no reference); such a model is marked `verifiable: false` and warned about.
   */
  readonly verifiable?: boolean;
  /**
   * Force a backend. "reference" never touches onnxruntime; "onnxruntime" throws
   * BackendDisagreementError where the engine would otherwise fall back. Default: onnxruntime
   * where it agrees with the reference, else the reference.
   */
  readonly backend?: Backend;
  /** Most input bytes a run may take (e.g. the market's maxInputBytes). */
  readonly maxInputBytes?: number;
  readonly intraOpNumThreads?: number;
  /** Seed of the load-time probe inputs. */
  readonly probeSeed?: number;
  /** The start-up self-check to trust (default: selfCheck(), cached per process). */
  readonly selfCheck?: SelfCheckReport;
  /** Called at the start of each loading phase, for progress output. */
  readonly onProgress?: (phase: string) => void;
  /**
   * Test hook: replaces a fast-path value of the load-time probe before it is compared, so a test
   * can make the probe disagree and see the fallback. Never set outside tests.
   */
  readonly probeTamper?: (path: "plain" | "traced", name: string, t: Tensor) => Tensor;
}

export interface ProbeReport {
  /** Probe inputs run (each through plain, traced and reference). */
  readonly probes: number;
  /** Values compared bit for bit per probe (graph outputs for plain, every node output for traced). */
  readonly valuesCompared: number;
  /** The disagreements found (empty when onnxruntime agreed). */
  readonly mismatches: readonly (Mismatch & { readonly path: "plain" | "traced"; readonly probe: string })[];
}

export interface EngineModel {
  readonly model: Model;
  /** The file's bytes, as loaded (the plain session runs exactly these). */
  readonly bytes: Uint8Array;
  readonly verdict: ProfileVerdict;
  readonly verifiable: boolean;
  readonly backend: Backend;
  /** Everything the caller must be told: fallbacks (the backend, the tree hasher), unverifiability. */
  readonly warnings: readonly string[];
  /** What hashes the commitments' trees: "native sha-ni", "native portable" or "js" (sha256-native.ts). */
  readonly hasher: string;
  /** Static type of every value (empty for an unverifiable model whose shapes cannot be inferred). */
  readonly types: ReadonlyMap<string, StaticType>;
  readonly inputs: readonly ValueInfo[];
  readonly outputs: readonly ValueInfo[];
  /** The load-time probe; undefined when onnxruntime was never used (reference backend, or unverifiable). */
  readonly probe?: ProbeReport;
  readonly selfCheck?: SelfCheckReport;
  /** Wall time of loadEngineModel, in milliseconds. */
  readonly loadMs: number;
  /** The graph outputs, by name in graph order, through the fast path (the job's answer). */
  run(feeds: Feeds): Promise<Map<string, Tensor>>;
  /** Every value (initializers, inputs, node outputs) through the traced session, or the reference. */
  trace(feeds: Feeds): Promise<Map<string, Tensor>>;
  /** Every value through the reference interpreter, whatever the backend (verifiable models only). */
  reference(feeds: Feeds): Map<string, Tensor>;
}

function reasonsLine(verdict: ProfileVerdict): string {
  return verdict.unsupported.map((u) => `${u.node} (${u.op}): ${u.reason}`).join("; ");
}

async function readSource(source: Uint8Array | string): Promise<Uint8Array> {
  if (typeof source !== "string") return source;
  try {
    return await readFile(source);
  } catch (e) {
    throw new OnnxFormatError(`cannot read model file ${source}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`, { cause: e });
  }
}

/** Decodes, checks, builds sessions and probes a model; see LoadOptions for the choices. */
export async function loadEngineModel(source: Uint8Array | string, options: LoadOptions = {}): Promise<EngineModel> {
  const started = performance.now();
  const progress = options.onProgress ?? (() => {});
  progress("decoding the model");
  const bytes = await readSource(source);
  const model = decodeModel(bytes);
  progress("checking the int8 profile");
  const verdict = checkProfile(model);
  const wantVerifiable = options.verifiable ?? true;
  const warnings: string[] = [];
  const hasher = hashBackend();
  if (hasher.warning !== undefined) warnings.push(hasher.warning);
  const g = model.graph;

  if (!verdict.verifiable) {
    const n = verdict.unsupported.length;
    if (wantVerifiable) {
      throw new ModelRefusedError(`model is outside the int8 profile, refused for a verifiable run (${n} reason${n === 1 ? "" : "s"}): ${reasonsLine(verdict)}`, verdict.unsupported);
    }
    if (options.backend === "reference") {
      throw new ModelRefusedError(`the reference interpreter runs int8-profile models only; this one is not: ${reasonsLine(verdict)}`, verdict.unsupported);
    }
    assertSafeForOnnxruntime(model);
    warnings.push(`model is outside the int8 profile (${n} reason${n === 1 ? "" : "s"}): its results are NOT verifiable and cannot be disputed`);
    progress("creating the onnxruntime session");
    const plain = await createSession(bytes, { intraOpNumThreads: options.intraOpNumThreads });
    const types = inferShapesPartial(model).types;
    return {
      model, bytes, verdict, verifiable: false, backend: "onnxruntime", warnings, hasher: hasher.name, types, inputs: g.inputs, outputs: g.outputs,
      loadMs: performance.now() - started,
      run: async (feeds) => runSession(plain, checkFeeds(g, feeds, options), g.outputs.map((o) => o.name)),
      trace: async () => {
        throw new ModelRefusedError("trace needs a model inside the int8 profile; this one is not verifiable", verdict.unsupported);
      },
      reference: () => {
        throw new ModelRefusedError("the reference interpreter runs int8-profile models only; this one is not verifiable", verdict.unsupported);
      },
    };
  }

  const types = inferShapes(model);
  const outputNames = g.outputs.map((o) => o.name);
  const reference = (feeds: Feeds): Map<string, Tensor> => runReference(model, feeds, { types, maxInputBytes: options.maxInputBytes });
  const referenceModel = (extra: { warnings: string[]; probe?: ProbeReport; selfCheck?: SelfCheckReport }): EngineModel => ({
    model, bytes, verdict, verifiable: true, backend: "reference", warnings: extra.warnings, hasher: hasher.name, types, inputs: g.inputs, outputs: g.outputs,
    probe: extra.probe, selfCheck: extra.selfCheck, loadMs: performance.now() - started,
    run: async (feeds) => {
      const all = reference(feeds);
      return new Map(outputNames.map((n) => [n, all.get(n)!]));
    },
    trace: async (feeds) => reference(feeds),
    reference,
  });
  if (options.backend === "reference") return referenceModel({ warnings });

  assertSafeForOnnxruntime(model);
  progress("self-checking onnxruntime against the reference interpreter");
  const check = options.selfCheck ?? (await selfCheck());
  const drifting = Object.keys(verdict.ops).filter((op) => check.driftingOps.includes(op));
  if (drifting.length > 0) {
    const why = check.cases.filter((c) => !c.agreed && drifting.includes(c.op)).map((c) => `${c.name}: ${c.mismatch}`).join("; ");
    const message = `onnxruntime drifts from the canonical semantics on this machine for ${drifting.join(", ")} (${why})`;
    if (options.backend === "onnxruntime") throw new BackendDisagreementError(`${message}; refusing to run it on onnxruntime`);
    warnings.push(`${message}; using the reference interpreter (slow) for this model`);
    return referenceModel({ warnings, selfCheck: check });
  }

  progress("creating the onnxruntime sessions (plain and traced)");
  const sessionOptions = { intraOpNumThreads: options.intraOpNumThreads };
  const [plain, traced] = await Promise.all([createSession(bytes, sessionOptions), createSession(tracedModelBytes(model, types), sessionOptions)]);
  const tracedNames = traced.outputNames;

  progress("probing (plain, traced and reference must agree bit for bit)");
  const probe = await probeModel(model, types, plain, traced, options);
  if (probe.mismatches.length > 0) {
    const m = probe.mismatches[0]!;
    const message =
      `onnxruntime disagrees with the reference interpreter on this model's ${m.probe} probe ` +
      `(${m.path} session, value "${m.name}": ${m.detail}${m.elements > 1 ? `, ${m.elements} elements differ` : ""})`;
    if (options.backend === "onnxruntime") throw new BackendDisagreementError(`${message}; refusing to run it on onnxruntime`);
    warnings.push(`${message}; using the reference interpreter (slow) for this model`);
    return referenceModel({ warnings, probe, selfCheck: check });
  }

  const valuesOf = (traceOut: Map<string, Tensor>, feeds: ReadonlyMap<string, Tensor>): Map<string, Tensor> => {
    const all = new Map<string, Tensor>(g.initializers);
    for (const [k, t] of feeds) all.set(k, t);
    for (const [k, t] of traceOut) all.set(k, t);
    return all;
  };
  return {
    model, bytes, verdict, verifiable: true, backend: "onnxruntime", warnings, hasher: hasher.name, types, inputs: g.inputs, outputs: g.outputs,
    probe, selfCheck: check, loadMs: performance.now() - started,
    run: async (feeds) => runSession(plain, checkFeeds(g, feeds, options), outputNames),
    trace: async (feeds) => {
      const checked = checkFeeds(g, feeds, options);
      return valuesOf(await runSession(traced, checked, tracedNames), checked);
    },
    reference,
  };
}

async function probeModel(
  model: Model,
  types: ReadonlyMap<string, StaticType>,
  plain: OrtSession,
  traced: OrtSession,
  options: LoadOptions,
): Promise<ProbeReport> {
  const g = model.graph;
  const outputNames = g.outputs.map((o) => o.name);
  const nodeOutputs = [...new Set([...outputNames, ...g.nodes.flatMap((n) => n.outputs.filter((o) => o !== ""))])];
  const mismatches: ProbeReport["mismatches"][number][] = [];
  const probes = probeInputs(model, options.probeSeed);
  const tamper = (path: "plain" | "traced", values: Map<string, Tensor>): Map<string, Tensor> => {
    if (options.probeTamper) for (const [k, t] of values) values.set(k, options.probeTamper(path, k, t));
    return values;
  };
  for (const p of probes) {
    const ref = runReference(model, p.feeds, { types });
    const fast = tamper("plain", await runSession(plain, p.feeds, outputNames));
    const full = tamper("traced", await runSession(traced, p.feeds, traced.outputNames));
    for (const m of valueMismatches(outputNames, fast, ref)) mismatches.push({ ...m, path: "plain", probe: p.kind });
    for (const m of valueMismatches(nodeOutputs, full, ref)) mismatches.push({ ...m, path: "traced", probe: p.kind });
  }
  return { probes: probes.length, valuesCompared: outputNames.length + nodeOutputs.length, mismatches };
}
