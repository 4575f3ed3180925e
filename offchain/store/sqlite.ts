/**
 * Node 22's built-in SQLite (`node:sqlite`, no native build: TOOLCHAIN.md). Loading it prints one
 * ExperimentalWarning; that warning alone is filtered, every other warning still prints.
 */
import { createRequire } from "node:module";
import type { DatabaseSync as DatabaseSyncType } from "node:sqlite";

export type DatabaseSync = DatabaseSyncType;

let loaded: typeof import("node:sqlite") | undefined;

function isSqliteWarning(warning: string | Error, type?: unknown): boolean {
  const name = typeof warning === "string" ? (typeof type === "string" ? type : (type as { type?: string } | undefined)?.type) : warning.name;
  const message = typeof warning === "string" ? warning : warning.message;
  return name === "ExperimentalWarning" && /SQLite/.test(message);
}

/** The node:sqlite module, loaded once with its experimental warning suppressed. */
export function sqlite(): typeof import("node:sqlite") {
  if (loaded) return loaded;
  const original = process.emitWarning;
  process.emitWarning = function (this: unknown, warning: string | Error, ...rest: unknown[]) {
    if (isSqliteWarning(warning, rest[0])) return;
    return (original as (...a: unknown[]) => void).call(process, warning, ...rest);
  } as typeof process.emitWarning;
  try {
    loaded = createRequire(import.meta.url)("node:sqlite") as typeof import("node:sqlite");
  } finally {
    process.emitWarning = original;
  }
  return loaded;
}
