/**
 * TESTS ONLY: a `hardhat node` on a chosen loopback port (so it can be stopped and restarted on
 * the same URL), raw JSON-RPC calls, Hardhat's well-known dev keys, and a market deployed against
 * the real DisputeGame with the TESTS-ONLY OracleVerifier (contracts/mocks/OracleVerifier.sol):
 * the protocol deployment (offchain/chain/deploy.ts) deploys no market until the real one-step
 * verifiers exist.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { resolve } from "node:path";
import { HDNodeWallet, JsonRpcProvider, Wallet, getCreateAddress, type Signer } from "ethers";
import { DisputeGame__factory, JobMarket__factory, ModelRegistry__factory, OracleVerifier__factory } from "../../../types/ethers-contracts/index.js";
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
export const TEST_GAME_PARAMS = { moveBond: 10n ** 15n, clock: 3_600, extension: 300, fanout: 16, descent: 4 };

export interface TestMarket {
  readonly deployment: Deployment;
  readonly oracle: string;
}

/**
 * Deploys registry, OracleVerifier, DisputeGame (for the market's predicted address) and JobMarket
 * from `deployer`, and writes the addresses where the CLI and the nodes look ($home/deployments).
 */
export async function deployTestMarket(deployer: Signer, home: string, params = TEST_MARKET_PARAMS): Promise<TestMarket> {
  const provider = deployer.provider!;
  const blockNumber = await provider.getBlockNumber();
  const from = await deployer.getAddress();
  const registry = await (await new ModelRegistry__factory(deployer).deploy()).waitForDeployment();
  const oracle = await (await new OracleVerifier__factory(deployer).deploy()).waitForDeployment();
  const nonce = await provider.getTransactionCount(from, "pending");
  const predicted = getCreateAddress({ from, nonce: nonce + 1 });
  const g = TEST_GAME_PARAMS;
  const game = await (
    await new DisputeGame__factory(deployer).deploy(predicted, await registry.getAddress(), await oracle.getAddress(), [g.moveBond, g.clock, g.extension, g.fanout, g.descent])
  ).waitForDeployment();
  const market = await (await new JobMarket__factory(deployer).deploy(await registry.getAddress(), await game.getAddress(), params)).waitForDeployment();
  if ((await market.getAddress()) !== predicted) throw new Error("the market is not at its predicted address");
  const deployment: Deployment = {
    chainId: Number((await provider.getNetwork()).chainId),
    registry: await registry.getAddress(),
    market: predicted,
    disputeGame: await game.getAddress(),
    deployedAt: new Date().toISOString(),
    deployer: from,
    blockNumber,
  };
  saveDeployment(deployment, home);
  return { deployment, oracle: await oracle.getAddress() };
}
