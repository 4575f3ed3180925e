/**
 * The quantizer's one error: every pattern it cannot quantize, each named by its node with the
 * reason. Nothing is written when it is thrown.
 */
import { VerinferError } from "../errors.js";

export interface QuantizeProblem {
  /** Node name (`#index` when unnamed), a graph input/output name, or "(model)". */
  readonly node: string;
  /** The operator ("Op" or "domain:Op"), or "opset" / "graph input" / "graph output". */
  readonly op: string;
  readonly reason: string;
}

export function describeProblem(p: QuantizeProblem): string {
  return `${p.node} (${p.op}): ${p.reason}`;
}

export class QuantizeError extends VerinferError {
  override name = "QuantizeError";
  constructor(readonly problems: readonly QuantizeProblem[]) {
    const first = problems[0] === undefined ? "no reason given" : describeProblem(problems[0]);
    const more = problems.length > 1 ? ` (and ${problems.length - 1} more)` : "";
    super(`cannot quantize: ${first}${more}`, { details: problems.length > 1 ? problems.map(describeProblem).join("\n") : undefined });
  }
}
