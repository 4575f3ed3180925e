/**
 * The execution layer's errors, all VerinferErrors (one-line `shortMessage`, which the CLI prints
 * alone): bad inputs, a model refused before it could reach onnxruntime or a verifiable run, and
 * a backend that was asked for but cannot be trusted on this machine.
 */
import { VerinferError } from "../../errors.js";
import type { Unsupported } from "../profile/verdict.js";

/** An input that does not fit the model: missing, extra, wrong dtype or shape, oversized, unreadable. */
export class EngineInputError extends VerinferError {
  override name = "EngineInputError";
}

/** A model the engine will not run the way it was asked to (outside the profile, or unsafe for onnxruntime). */
export class ModelRefusedError extends VerinferError {
  override name = "ModelRefusedError";
  constructor(
    shortMessage: string,
    readonly reasons: readonly Unsupported[],
    options: { details?: string; cause?: unknown } = {},
  ) {
    super(shortMessage, options);
  }
}

/** onnxruntime was required but disagrees with the reference interpreter on this machine. */
export class BackendDisagreementError extends VerinferError {
  override name = "BackendDisagreementError";
}

/** The reference interpreter could not run a node (an operator it lacks, or one that refused its operands). */
export class ReferenceRunError extends VerinferError {
  override name = "ReferenceRunError";
}
