/**
 * Which SHA-256 hashes the trees: the native addon (native/sha256, built by `npm install` through
 * binding.gyp; SHA-NI where the CPU has it, else portable C) or the JS batch hasher of
 * sha256-batch.ts, which stays the reference and the fallback. Both compute the same bytes.
 *
 * Chosen once at load: VERINFER_HASH=js forces JS, VERINFER_HASH=native requires the addon (a
 * load failure throws), unset takes the addon when it loads. Falling back is never silent:
 * hashBackend().warning says why, and the engine adds it to every model's warnings.
 */
import { createRequire } from "node:module";

/** The addon's exports (native/sha256/addon.c). Arguments are checked there: TypeError on misuse. */
export interface NativeSha256 {
  /** The kernel chosen by CPUID: "sha-ni" or "portable". */
  readonly kernel: string;
  /** Every kernel this CPU runs, best first. */
  readonly kernels: readonly string[];
  hashLevel(tag: number, input: Uint8Array, inOffset: number, output: Uint8Array, outOffset: number, count: number, kernel?: string): void;
  hashBytes(input: Uint8Array, inOffset: number, length: number, output: Uint8Array, outOffset: number, kernel?: string): void;
  /** The tensor tree root (docs/SPEC.md section 3) in one call: merkleRoot's twin. */
  tensorRoot(data: Uint8Array, output: Uint8Array, kernel?: string): void;
  /** H(0x02 ‖ typeWord ‖ tensorRoot(data)): commitBytes's twin, given the type word. */
  tensorCommitment(typeWord: Uint8Array, data: Uint8Array, output: Uint8Array, kernel?: string): void;
  /** H(0x03 ‖ u32 k ‖ c_0 ‖ …) of k 0x-hex commitments, decoded in the same call: commitTensorList's twin. */
  listCommitment(commitments: readonly string[], output: Uint8Array, kernel?: string): void;
}

export type HashBackendChoice = "auto" | "native" | "js";

export interface HashBackend {
  /** "native sha-ni", "native portable" or "js". */
  readonly name: string;
  readonly native: NativeSha256 | undefined;
  /** Set when the addon was wanted (not forced off) but could not load. */
  readonly warning: string | undefined;
}

const ADDON_PATH = new URL("../../../build/Release/verinfer_sha256.node", import.meta.url).pathname;

/** The addon, or why it did not load. */
export interface AddonLoad {
  readonly addon?: NativeSha256;
  readonly error?: string;
}

function loadAddon(): AddonLoad {
  try {
    return { addon: createRequire(import.meta.url)(ADDON_PATH) as NativeSha256 };
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    return { error: code === "MODULE_NOT_FOUND" ? "not built (no C compiler at `npm install`? see build/native-build.log; `npm run build:native` retries)" : String((e as Error).message).split("\n")[0] };
  }
}

const loaded = loadAddon();

function choiceFromEnv(): HashBackendChoice {
  const v = process.env.VERINFER_HASH ?? "auto";
  if (v === "auto" || v === "native" || v === "js") return v;
  throw new Error(`VERINFER_HASH must be auto, native or js, got "${v}"`);
}

/** The backend a choice gives with this load result (pure; exported for the fallback's tests). */
export function resolveBackend(choice: HashBackendChoice, loaded: AddonLoad): HashBackend {
  if (choice === "js") return { name: "js", native: undefined, warning: undefined };
  if (loaded.addon) return { name: `native ${loaded.addon.kernel}`, native: loaded.addon, warning: undefined };
  if (choice === "native") throw new Error(`VERINFER_HASH=native, but the native SHA-256 addon is ${loaded.error}`);
  return {
    name: "js",
    native: undefined,
    warning: `the native SHA-256 addon is ${loaded.error}; tree hashing uses the JS batch hasher (about 10x slower per node)`,
  };
}

let current: HashBackend = resolveBackend(choiceFromEnv(), loaded);

/** The backend in use. */
export function hashBackend(): HashBackend {
  return current;
}

/** The addon if it loaded, whatever the backend in use (tests and benchmarks compare them). */
export function nativeAddon(): NativeSha256 | undefined {
  return loaded.addon;
}

/** Switches the backend for this process (tests and benchmarks); returns the previous one. */
export function useHashBackend(choice: HashBackendChoice): HashBackend {
  const previous = current;
  current = resolveBackend(choice, loaded);
  return previous;
}

/** Restores a backend useHashBackend returned. */
export function restoreHashBackend(b: HashBackend): void {
  current = b;
}
