/**
 * The nodes' options, from flags first and the environment second, validated into one typed
 * object (a bad value is a one-line UsageError naming the flag and the variable).
 */
import { readFileSync } from "node:fs";
import { parseEther } from "ethers";
import { verinferHome } from "../chain/deployments.js";
import { commitModel } from "../engine/commit/model-commit.js";
import { decodeModel } from "../engine/onnx/decode.js";
import { parseFault, type Fault } from "../engine/exec/fault.js";
import { UsageError } from "../errors.js";
import type { LogLevel } from "./log.js";

export type NodeRole = "prover" | "watcher";

export interface NodeOptions {
  readonly role: NodeRole;
  readonly network: string;
  readonly home: string;
  /** Database file; default <home>/<role>-<chainId>-<account>.sqlite. */
  readonly db?: string;
  readonly confirmations: number;
  readonly pollMs: number;
  readonly batchBlocks: number;
  /** First block to scan (default: the deployment's block). */
  readonly fromBlock?: number;
  /** Loopback port of the metrics endpoint (0: any free port). */
  readonly metricsPort: number;
  /** Model ids to serve (prover, required) or to watch (watcher; empty: every model). */
  readonly models: readonly string[];
  /** Watcher: fraction of results re-run, in [0, 1]. */
  readonly sampleRate: number;
  readonly faulty?: Fault & { readonly text: string };
  /** StepBackend module (default: the project's). */
  readonly steps?: string;
  /** Prover: smallest fee worth claiming, in wei. */
  readonly minFee: bigint;
  /** Bump fees hard once a game clock has fewer seconds left than this. */
  readonly urgentSeconds: number;
  readonly logLevel: LogLevel;
  readonly json: boolean;
}

export type Flags = Readonly<Record<string, string | boolean | undefined>>;

const ENV: Record<string, string> = {
  network: "VERINFER_NETWORK",
  db: "VERINFER_DB",
  confirmations: "VERINFER_CONFIRMATIONS",
  pollMs: "VERINFER_POLL_MS",
  batchBlocks: "VERINFER_BATCH_BLOCKS",
  fromBlock: "VERINFER_FROM_BLOCK",
  metricsPort: "VERINFER_METRICS_PORT",
  models: "VERINFER_MODELS",
  sampleRate: "VERINFER_SAMPLE_RATE",
  faulty: "VERINFER_FAULTY",
  steps: "VERINFER_STEPS",
  minFee: "VERINFER_MIN_FEE",
  urgentSeconds: "VERINFER_URGENT_SECONDS",
  logLevel: "VERINFER_LOG_LEVEL",
};

const FLAG: Record<string, string> = {
  pollMs: "--poll-ms",
  batchBlocks: "--batch-blocks",
  fromBlock: "--from-block",
  metricsPort: "--metrics-port",
  sampleRate: "--sample-rate",
  minFee: "--min-fee",
  urgentSeconds: "--urgent-seconds",
  logLevel: "--log-level",
};

function pick(flags: Flags, env: NodeJS.ProcessEnv, key: string): string | undefined {
  const f = flags[key];
  if (typeof f === "string") return f;
  const e = env[ENV[key] ?? ""];
  return e === undefined || e === "" ? undefined : e;
}

const where = (key: string): string => `${FLAG[key] ?? `--${key}`} / $${ENV[key]}`;

function int(flags: Flags, env: NodeJS.ProcessEnv, key: string, dflt: number | undefined, min: number, max: number): number | undefined {
  const v = pick(flags, env, key);
  if (v === undefined) return dflt;
  if (!/^\d+$/.test(v) || Number(v) < min || Number(v) > max) throw new UsageError(`${where(key)} must be an integer in [${min}, ${max}], got "${v}"`);
  return Number(v);
}

/** A model id (0x + 64 hex digits), or an .onnx file whose id is computed from it. */
export function modelIdOf(text: string): string {
  if (/^0x[0-9a-fA-F]{64}$/.test(text)) return text.toLowerCase();
  let bytes: Buffer;
  try {
    bytes = readFileSync(text);
  } catch {
    throw new UsageError(`"${text}" is neither a model id (0x + 64 hex digits) nor a readable .onnx file`);
  }
  try {
    return commitModel(decodeModel(bytes)).modelId.toLowerCase();
  } catch (e) {
    throw new UsageError(`${text}: ${(e as Error).message.split("\n")[0]}`, { cause: e });
  }
}

export function nodeOptions(role: NodeRole, flags: Flags, env: NodeJS.ProcessEnv = process.env): NodeOptions {
  const models = (pick(flags, env, "models") ?? "")
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s !== "")
    .map(modelIdOf);
  if (role === "prover" && models.length === 0) throw new UsageError(`the prover needs --models <id|file.onnx,...> (or $${ENV.models}): the models it serves`);
  const sampleText = pick(flags, env, "sampleRate") ?? "1";
  const sampleRate = Number(sampleText);
  if (!/^(0|1|0?\.\d+|1\.0*)$/.test(sampleText) || !(sampleRate >= 0 && sampleRate <= 1)) throw new UsageError(`${where("sampleRate")} must be a fraction in [0, 1], got "${sampleText}"`);
  if (role === "prover" && pick(flags, env, "sampleRate") !== undefined) throw new UsageError("--sample-rate is a watcher option");
  const faultText = pick(flags, env, "faulty");
  const faulty = faultText === undefined ? undefined : { ...parseFault(faultText), text: faultText };
  const feeText = pick(flags, env, "minFee") ?? "0";
  let minFee: bigint;
  try {
    minFee = parseEther(feeText);
  } catch {
    throw new UsageError(`${where("minFee")} must be an amount of ETH, got "${feeText}"`);
  }
  const level = (pick(flags, env, "logLevel") ?? "info") as LogLevel;
  if (!["debug", "info", "warn", "error"].includes(level)) throw new UsageError(`${where("logLevel")} must be debug, info, warn or error`);
  return {
    role,
    network: pick(flags, env, "network") ?? "localhost",
    home: verinferHome(),
    db: pick(flags, env, "db"),
    confirmations: int(flags, env, "confirmations", 2, 0, 1_000)!,
    pollMs: int(flags, env, "pollMs", 1_000, 10, 3_600_000)!,
    batchBlocks: int(flags, env, "batchBlocks", 2_000, 1, 1_000_000)!,
    fromBlock: int(flags, env, "fromBlock", undefined, 0, Number.MAX_SAFE_INTEGER),
    metricsPort: int(flags, env, "metricsPort", role === "prover" ? 9464 : 9465, 0, 65_535)!,
    models,
    sampleRate,
    faulty,
    steps: pick(flags, env, "steps"),
    minFee,
    urgentSeconds: int(flags, env, "urgentSeconds", 300, 0, 10_000_000)!,
    logLevel: level,
    json: flags.json === true,
  };
}

/** What a fault option falsifies, in one sentence (the nodes say it at start-up). */
export function describeFault(role: NodeRole, f: Fault & { text: string }): string {
  const node = f.node === "last" ? "the last node" : `node ${f.node}`;
  const element = f.element === "last" ? "its last output element" : `output element ${f.element}`;
  return role === "prover"
    ? `FAULTY PROVER: every result posted has ${element} of ${node} shifted by ${f.delta} (wrapping), every later value recomputed from the lie, and defends that falsified trace`
    : `FAULTY WATCHER: challenges every result, even correct ones, and defends a trace with ${element} of ${node} shifted by ${f.delta}`;
}
