/**
 * Where deployed addresses live: `<home>/deployments/<chainId>.json`, home being $VERINFER_HOME or
 * `.verinfer` in the working directory. `verinfer deploy` writes it; the CLI and the library read
 * it, so every later command on the same chain finds the contracts without flags.
 */
import { mkdirSync, readFileSync, writeFileSync, renameSync, existsSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { getAddress } from "ethers";
import { UsageError } from "../errors.js";

export interface Deployment {
  readonly chainId: number;
  readonly registry: string;
  readonly market?: string;
  readonly disputeGame?: string;
  /** The one-step verifiers: the router the game calls and the family verifiers behind it. */
  readonly verifiers?: { readonly router: string; readonly quant: string; readonly elementwise: string; readonly layout: string; readonly accumulate: string };
  readonly deployedAt: string;
  readonly deployer: string;
  readonly blockNumber: number;
}

export function verinferHome(): string {
  return resolve(process.env.VERINFER_HOME ?? ".verinfer");
}

export function deploymentPath(chainId: number | bigint, home = verinferHome()): string {
  return join(home, "deployments", `${chainId}.json`);
}

/** Writes atomically (temp file + rename), so a crash never leaves half a file. */
export function saveDeployment(d: Deployment, home = verinferHome()): string {
  const path = deploymentPath(d.chainId, home);
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(`${path}.tmp`, JSON.stringify(d, null, 2) + "\n");
  renameSync(`${path}.tmp`, path);
  return path;
}

export function loadDeployment(chainId: number | bigint, home = verinferHome()): Deployment {
  const path = deploymentPath(chainId, home);
  if (!existsSync(path)) {
    throw new UsageError(`no verinfer deployment for chain ${chainId} at ${path}; run \`verinfer deploy\` first`);
  }
  let parsed: Deployment;
  try {
    parsed = JSON.parse(readFileSync(path, "utf8")) as Deployment;
  } catch (e) {
    throw new UsageError(`deployment file ${path} is not valid JSON`, { cause: e });
  }
  if (Number(parsed.chainId) !== Number(chainId)) {
    throw new UsageError(`deployment file ${path} is for chain ${parsed.chainId}, not ${chainId}`);
  }
  for (const key of ["registry", "market", "disputeGame"] as const) {
    const v = parsed[key];
    if (v !== undefined) {
      try {
        getAddress(v);
      } catch (e) {
        throw new UsageError(`deployment file ${path} has an invalid ${key} address "${v}"`, { cause: e });
      }
    }
  }
  return parsed;
}
