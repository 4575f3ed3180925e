/** How every command answers: text for people, `--json` for programs, one-line errors. */
import { VerinferError, UsageError } from "../errors.js";

export const EXIT_ERROR = 1;
export const EXIT_USAGE = 2;

export function jsonReplacer(_key: string, value: unknown): unknown {
  return typeof value === "bigint" ? value.toString() : value;
}

export function printJson(value: unknown): void {
  process.stdout.write(JSON.stringify(value, jsonReplacer, 2) + "\n");
}

/** Progress and notes go to stderr, so stdout stays the answer (and valid JSON with --json). */
export function progress(message: string): void {
  process.stderr.write(`${message}\n`);
}

/** Prints an error as one line (plus a JSON object with --json) and returns the exit code. */
export function reportError(e: unknown, json: boolean): number {
  const message =
    e instanceof VerinferError ? e.shortMessage : e instanceof Error ? e.message.split("\n")[0]! : String(e);
  const code = e instanceof UsageError ? EXIT_USAGE : EXIT_ERROR;
  if (json) printJson({ error: message, kind: e instanceof Error ? e.name : "Error" });
  process.stderr.write(`verinfer: ${message}\n`);
  if (process.env.VERINFER_DEBUG && e instanceof Error) process.stderr.write(`${e.stack}\n`);
  return code;
}
