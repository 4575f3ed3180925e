import { inspectModelFile, type InspectedValue } from "../../engine/inspect.js";
import { printJson } from "../output.js";

const shapeText = (v: InspectedValue): string => (v.shape === null ? "[?]" : `[${v.shape.map((d) => d ?? "?").join(",")}]`);

export async function modelInspectCommand(file: string, opts: { json?: boolean }): Promise<void> {
  const report = await inspectModelFile(file);
  if (opts.json) {
    printJson({ file, ...report });
    return;
  }
  const lines: string[] = [];
  lines.push(`model      ${file}`);
  lines.push(`ir         ${report.irVersion}, producer "${report.producer}"`);
  lines.push(`opsets     ${Object.entries(report.opsets).map(([d, v]) => `${d} ${v}`).join(", ")}`);
  lines.push(`size       ${report.nodes} nodes, ${report.initializers} initializers, ${report.parameters} parameters`);
  for (const v of report.inputs) lines.push(`input      ${v.name}  ${v.dtype} ${shapeText(v)}`);
  for (const v of report.outputs) lines.push(`output     ${v.name}  ${v.dtype} ${shapeText(v)}`);
  lines.push("ops");
  for (const [op, n] of Object.entries(report.ops).sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))) lines.push(`  ${String(n).padStart(5)}  ${op}`);
  if (report.verifiable) {
    lines.push(`profile    ${report.profile}: verifiable`);
  } else {
    lines.push(`profile    none: NOT verifiable (${report.unsupported.length} reason${report.unsupported.length === 1 ? "" : "s"})`);
    for (const u of report.unsupported) lines.push(`  - ${u.node} (${u.op}): ${u.reason}`);
  }
  if (report.onnxruntimeHazards.length > 0) {
    lines.push("onnxruntime would crash on this model; the engine refuses to run it:");
    for (const h of report.onnxruntimeHazards) lines.push(`  - ${h.node} (${h.op}): ${h.reason}`);
  }
  process.stdout.write(lines.join("\n") + "\n");
}
