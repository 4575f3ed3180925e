/**
 * The tree-hashing backends a test runs under (offchain/engine/commit/sha256-native.ts): always
 * the JS batch hasher, and the native addon when it is built. Under CI the addon must be built
 * (CI machines have a compiler; a missing addon there is a broken build, not a fallback).
 */
import { nativeAddon, restoreHashBackend, useHashBackend, type HashBackendChoice } from "../../../offchain/engine/commit/sha256-native.js";

export const HASH_BACKENDS: readonly HashBackendChoice[] = nativeAddon() !== undefined ? ["js", "native"] : ["js"];

/** Runs `body` (describe-level) once per backend, switching the process's backend around it. */
export function forEachHashBackend(title: string, body: (backend: HashBackendChoice) => void): void {
  for (const backend of HASH_BACKENDS) {
    describe(`${title} [${backend} hasher]`, () => {
      let previous: ReturnType<typeof useHashBackend> | undefined;
      before(() => {
        previous = useHashBackend(backend);
      });
      after(() => {
        if (previous) restoreHashBackend(previous);
      });
      body(backend);
    });
  }
}
