/**
 * Per-node summaries of a trace (`verinfer run --trace`): for node i of the committed order, its
 * output's name, type and range, the output's tensor commitment T and the execution state root
 * S_i after it ran (commit/states.ts), with S_0 and the model id alongside.
 */
import { nodeId } from "../onnx/names.js";
import { opKey } from "../onnx/shapes.js";
import type { ModelCommitment } from "../commit/model-commit.js";
import { executionStates } from "../commit/states.js";
import type { Hex32 } from "../commit/hash.js";
import { dtypeName, type Tensor } from "../tensor.js";

export interface StepSummary {
  /** Index of the node in the committed node order (its transition is S_index -> S_index+1). */
  readonly index: number;
  readonly node: string;
  readonly op: string;
  readonly output: string;
  readonly dtype: string;
  readonly shape: readonly number[];
  /** Smallest and largest element (NaN ignored; null when there is none); int64 beyond 2^53 as strings. */
  readonly min: number | string | null;
  readonly max: number | string | null;
  /** The output's tensor commitment (the slot word written by this step). */
  readonly commitment: Hex32;
  /** The execution state root after this node ran (S_{index+1}). */
  readonly stateRoot: Hex32;
}

export interface TraceSummary {
  readonly modelId: Hex32;
  /** S_0: initializers and the job's inputs. */
  readonly initialState: Hex32;
  /** S_n: holds the outputs. */
  readonly finalState: Hex32;
  readonly inputsCommitment: Hex32;
  readonly outputsCommitment: Hex32;
  readonly steps: readonly StepSummary[];
}

function range(t: Tensor): [number | string | null, number | string | null] {
  let lo: number | bigint | undefined;
  let hi: number | bigint | undefined;
  for (let i = 0; i < t.data.length; i++) {
    const v = t.data[i]!;
    if (typeof v === "number" && Number.isNaN(v)) continue;
    if (lo === undefined || v < lo) lo = v;
    if (hi === undefined || v > hi) hi = v;
  }
  const out = (v: number | bigint | undefined): number | string | null =>
    v === undefined ? null : typeof v === "bigint" ? (v >= -(2n ** 53n) && v <= 2n ** 53n ? Number(v) : v.toString()) : Number.isFinite(v) ? v : String(v);
  return [out(lo), out(hi)];
}

/** The trace's states and one summary per node, in committed node order. */
export function summarizeTrace(commitment: ModelCommitment, values: ReadonlyMap<string, Tensor>): TraceSummary {
  const states = executionStates(commitment, values);
  const steps = commitment.nodes.map((node, index): StepSummary => {
    const output = commitment.layout.names[commitment.layout.nodeOutputSlots[index]!]!;
    const t = values.get(output)!;
    const [min, max] = range(t);
    return {
      index,
      node: nodeId(node, index),
      op: opKey(node),
      output,
      dtype: dtypeName(t.dtype),
      shape: [...t.shape],
      min,
      max,
      commitment: states.transitions[index]!.written,
      stateRoot: states.roots[index + 1]!,
    };
  });
  return {
    modelId: commitment.modelId,
    initialState: states.roots[0]!,
    finalState: states.roots[states.roots.length - 1]!,
    inputsCommitment: states.inputsCommitment,
    outputsCommitment: states.outputsCommitment,
    steps,
  };
}
