import { commitTensor, commitTensorList } from "../../engine/commit/tensor-commitment.js";
import { loadEngineModel, type Backend } from "../../engine/exec/engine.js";
import { readInputFiles } from "../../engine/exec/input-file.js";
import { tensorToJson } from "../../engine/exec/json-tensor.js";
import { tensorMismatch } from "../../engine/exec/compare.js";
import { summarizeTrace, type TraceSummary } from "../../engine/exec/steps.js";
import { commitModel } from "../../engine/commit/model-commit.js";
import type { Tensor } from "../../engine/tensor.js";
import { UsageError, VerinferError } from "../../errors.js";
import { printJson, progress } from "../output.js";
import { phaseReporter } from "../phases.js";

interface RunOptions {
  input?: string[];
  trace?: boolean;
  json?: boolean;
  backend?: string;
}

const BACKENDS: readonly Backend[] = ["onnxruntime", "reference"];

/**
 * Test hook (never set outside tests): VERINFER_TEST_FORCE_PROBE_MISMATCH=1 flips one bit of every
 * traced probe value, so a child-process test can see the fallback to the reference interpreter.
 */
function testProbeTamper(): ((path: "plain" | "traced", name: string, t: Tensor) => Tensor) | undefined {
  if (process.env.VERINFER_TEST_FORCE_PROBE_MISMATCH !== "1") return undefined;
  return (path, _name, t) => {
    if (path !== "traced" || t.data.length === 0) return t;
    const data = t.data.slice();
    new Uint8Array(data.buffer, data.byteOffset, 1)[0]! ^= 1;
    return { ...t, data };
  };
}

function preview(t: Tensor, n = 16): string {
  const data = tensorToJson(t).data;
  return `[${data.slice(0, n).join(", ")}${data.length > n ? `, ... (${data.length} values)` : ""}]`;
}

export async function runCommand(file: string, opts: RunOptions): Promise<void> {
  if (opts.backend !== undefined && !BACKENDS.includes(opts.backend as Backend)) {
    throw new UsageError(`--backend must be ${BACKENDS.join(" or ")}, got "${opts.backend}"`);
  }
  const phases = phaseReporter();
  try {
    const m = await loadEngineModel(file, { backend: opts.backend as Backend | undefined, onProgress: phases.phase, probeTamper: testProbeTamper() });
    for (const w of m.warnings) progress(`verinfer: warning: ${w}`);
    const inputs = readInputFiles(opts.input ?? [], m.inputs);
    phases.phase("running the model");
    const outputs = await m.run(inputs);
    const outputCommitment = commitTensorList([...outputs.values()].map(commitTensor));
    let trace: TraceSummary | undefined;
    if (opts.trace) {
      phases.phase("tracing every node");
      const values = await m.trace(inputs);
      // A trace is only worth defending if it ends in the output the run produced.
      for (const [name, t] of outputs) {
        const diff = tensorMismatch(name, t, values.get(name)!);
        if (diff !== undefined) throw new VerinferError(`the trace's output "${name}" differs from the run's (${diff.detail}); not reporting a trace that does not end in the answer`);
      }
      phases.phase("committing every value (execution states S_0..S_n)");
      trace = summarizeTrace(commitModel(m.model), values);
      if (trace.outputsCommitment !== outputCommitment) {
        throw new VerinferError(`the trace's outputs commitment ${trace.outputsCommitment} differs from the run's ${outputCommitment}`);
      }
    }
    phases.done();
    const answer = {
      model: file,
      verifiable: m.verifiable,
      profile: m.verdict.profile,
      backend: m.backend,
      hasher: m.hasher,
      warnings: m.warnings,
      inputCommitment: commitTensorList(inputs.map(commitTensor)),
      outputCommitment,
      outputs: Object.fromEntries([...outputs].map(([name, t]) => [name, tensorToJson(t)])),
      ...(trace === undefined
        ? {}
        : { modelId: trace.modelId, initialState: trace.initialState, finalState: trace.finalState, steps: trace.steps }),
    };
    if (opts.json) {
      printJson(answer);
      return;
    }
    const lines = [`backend    ${m.backend} (${m.verdict.profile} profile, verifiable); trees hashed by ${m.hasher}`];
    for (const [name, t] of outputs) lines.push(`output     ${name}  ${tensorToJson(t).dtype} [${t.shape.join(",")}]  ${preview(t)}`);
    lines.push(`inputs     ${answer.inputCommitment}`, `outputs    ${outputCommitment}`);
    if (trace !== undefined) {
      lines.push(`model id   ${trace.modelId}`, `S_0        ${trace.initialState}`, "steps      (index, op, output, type, range, output commitment T, state root S_index+1)");
      for (const s of trace.steps) {
        lines.push(`  #${String(s.index).padEnd(4)} ${s.op.padEnd(20)} ${s.output}  ${s.dtype} [${s.shape.join(",")}]  min ${s.min} max ${s.max}`);
        lines.push(`        T ${s.commitment}  S ${s.stateRoot}`);
      }
    }
    process.stdout.write(lines.join("\n") + "\n");
  } finally {
    phases.done();
  }
}
