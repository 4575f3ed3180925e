/**
 * One error base for the whole library (viem's pattern): a one-line `shortMessage` for people,
 * optional `details`, and the `cause`. The CLI prints `shortMessage` alone and exits non-zero.
 */
export class VerinferError extends Error {
  override name = "VerinferError";
  readonly shortMessage: string;
  readonly details?: string;

  constructor(shortMessage: string, options: { details?: string; cause?: unknown } = {}) {
    super(options.details ? `${shortMessage}\n${options.details}` : shortMessage, { cause: options.cause });
    this.shortMessage = shortMessage;
    this.details = options.details;
  }
}

/** Bad user input: a flag, a file, a value. */
export class UsageError extends VerinferError {
  override name = "UsageError";
}

/** A chain call failed; `errorName`/`args` hold the decoded custom error when there is one. */
export class ChainError extends VerinferError {
  override name = "ChainError";
  constructor(
    shortMessage: string,
    readonly errorName?: string,
    readonly args?: readonly unknown[],
    options: { details?: string; cause?: unknown } = {},
  ) {
    super(shortMessage, options);
  }
}
