/**
 * TESTS ONLY: a `hardhat node` on a chosen loopback port (so it can be stopped and restarted on
 * the same URL), raw JSON-RPC calls, Hardhat's well-known dev keys, and the real protocol deployed
 * with short test clocks.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { resolve } from "node:path";
import { HDNodeWallet, JsonRpcProvider, Wallet, type Signer } from "ethers";
import { deployProtocol } from "../../../offchain/chain/deploy.js";
import { saveDeployment, type Deployment } from "../../../offchain/chain/deployments.js";
import { freePort, REPO_ROOT } from "../../support/process.js";

export interface TestNode {
  readonly url: string;
  readonly port: number;
  readonly process: ChildProcess;
  stop(): Promise<void>;
}

/** Starts `hardhat node` on 127.0.0.1:`port` (a free one by default) and waits until it answers. */
export async function startNode(port?: number, timeoutMs = 60_000): Promise<TestNode> {
  const p = port ?? (await freePort());
  const hardhat = resolve(REPO_ROOT, "node_modules", "hardhat", "dist", "src", "cli.js");
  const child = spawn(process.execPath, [hardhat, "node", "--hostname", "127.0.0.1", "--port", String(p)], { cwd: REPO_ROOT, stdio: ["ignore", "pipe", "pipe"] });
  let log = "";
  child.stdout!.on("data", (d) => (log = (log + d).slice(-20_000)));
  child.stderr!.on("data", (d) => (log = (log + d).slice(-20_000)));
  const url = `http://127.0.0.1:${p}`;
  const started = Date.now();
  for (;;) {
    if (child.exitCode !== null) throw new Error(`hardhat node exited with ${child.exitCode}:\n${log}`);
    try {
      await rpc(url, "eth_chainId");
      break;
    } catch {
      // not listening yet
    }
    if (Date.now() - started > timeoutMs) {
      child.kill("SIGKILL");
      throw new Error(`hardhat node did not answer on ${url} within ${timeoutMs} ms:\n${log}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  return {
    url,
    port: p,
    process: child,
    stop: () =>
      new Promise((r) => {
        if (child.exitCode !== null || child.signalCode !== null) return r();
        child.once("exit", () => r());
        child.kill("SIGTERM");
      }),
  };
}

export async function rpc<T = unknown>(url: string, method: string, params: unknown[] = []): Promise<T> {
  const res = await fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ jsonrpc: "2.0", id: 1, method, params }) });
  const body = (await res.json()) as { result?: T; error?: { message: string } };
  if (body.error) throw new Error(`${method}: ${body.error.message}`);
  return body.result as T;
}

const MNEMONIC = "test test test test test test test test test test test junk";
/** Private key of Hardhat's dev account `i`. */
export function devKey(i: number): string {
  return HDNodeWallet.fromPhrase(MNEMONIC, undefined, `m/44'/60'/0'/0/${i}`).privateKey;
}

export function devWallet(url: string, i: number): { wallet: Wallet; provider: JsonRpcProvider } {
  const provider = new JsonRpcProvider(url, 31337, { staticNetwork: true, pollingInterval: 100, cacheTimeout: -1 });
  return { wallet: new Wallet(devKey(i), provider), provider };
}

export const TEST_MARKET_PARAMS = {
  proverBond: 10n ** 17n,
  challengerBond: 5n * 10n ** 16n,
  deliveryPeriod: 600,
  challengeWindow: 300,
  burnBps: 2_000,
  lateForfeitBps: 1_000,
  maxInputBytes: 65_536,
  maxOutputBytes: 65_536,
  burnSink: "0x000000000000000000000000000000000000dEaD",
};
export const TEST_GAME_PARAMS = { moveBond: 10n ** 15n, clockBudget: 3_600, clockExtension: 300, fanout: 16, descentLevels: 4 };

/**
 * Deploys the real protocol (offchain/chain/deploy.ts: the one-step verifiers behind the router,
 * registry, game, market) from `deployer` with the tests' parameters, and writes the addresses
 * where the CLI and the nodes look ($home/deployments).
 */
export async function deployTestProtocol(deployer: Signer, home: string, market = TEST_MARKET_PARAMS, game = TEST_GAME_PARAMS): Promise<{ deployment: Deployment }> {
  const { deployment } = await deployProtocol(deployer, { market: { ...market }, game: { ...game } });
  saveDeployment(deployment, home);
  return { deployment };
}
