/**
 * Where the conformance data lives: $VERINFER_SHARED, default ../shared relative to the repo root.
 * Absent data skips the suite with a visible message, except under CI=true, where it fails.
 */
import { existsSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..", "..");
export const SHARED_ROOT = resolve(REPO_ROOT, process.env.VERINFER_SHARED ?? "../shared");

/** Call in a mocha `before`: returns the directory, or skips (fails under CI) when it is absent. */
export function requireShared(ctx: Mocha.Context, relative: string): string {
  const dir = resolve(SHARED_ROOT, relative);
  if (!existsSync(dir)) {
    const msg = `conformance data not found at ${dir} (set VERINFER_SHARED)`;
    if (process.env.CI === "true") throw new Error(`${msg}; CI=true requires it`);
    console.log(`      SKIPPED: ${msg}`);
    ctx.skip();
  }
  return dir;
}
