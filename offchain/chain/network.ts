/**
 * Connecting to a chain: `hardhat` (an in-process Hardhat chain, gone when the process exits),
 * `localhost` (a `npx hardhat node --hostname 127.0.0.1` on port 8545, or $VERINFER_RPC_URL), or
 * any JSON-RPC URL. The signer is $VERINFER_PRIVATE_KEY when set; on a loopback node without a
 * key, the node's first unlocked account (Hardhat's dev accounts).
 */
import { JsonRpcProvider, Wallet, type Provider, type Signer } from "ethers";
import { UsageError } from "../errors.js";

export interface ChainConnection {
  readonly name: string;
  readonly chainId: bigint;
  readonly provider: Provider;
  readonly signer: Signer;
  /** Other funded signers (local chains only): tests, demos. */
  readonly signers: readonly Signer[];
  readonly local: boolean;
  close(): Promise<void>;
}

/** Chain ids of local development chains (Hardhat, Anvil/Ganache). */
export const LOCAL_CHAIN_IDS: ReadonlySet<bigint> = new Set([31337n, 1337n]);

function isLoopback(url: string): boolean {
  try {
    const host = new URL(url).hostname;
    return host === "localhost" || host === "[::1]" || host === "::1" || /^127\./.test(host);
  } catch {
    return false;
  }
}

export async function connect(networkName = "hardhat"): Promise<ChainConnection> {
  if (networkName === "hardhat") {
    const { network } = await import("hardhat");
    const conn = await network.create();
    const signers = await conn.ethers.getSigners();
    const provider = conn.ethers.provider;
    return {
      name: "hardhat",
      chainId: (await provider.getNetwork()).chainId,
      provider,
      signer: signers[0]!,
      signers,
      local: true,
      close: () => conn.close(),
    };
  }
  const url = networkName === "localhost" ? (process.env.VERINFER_RPC_URL ?? "http://127.0.0.1:8545") : networkName;
  if (!/^https?:\/\//.test(url)) {
    throw new UsageError(`unknown network "${networkName}": use hardhat, localhost, or an http(s) JSON-RPC URL`);
  }
  const provider = new JsonRpcProvider(url, undefined, { staticNetwork: true });
  let chainId: bigint;
  try {
    chainId = (await provider.getNetwork()).chainId;
  } catch (e) {
    provider.destroy();
    throw new UsageError(`cannot reach a JSON-RPC node at ${url}${networkName === "localhost" ? " (start one with `npx hardhat node --hostname 127.0.0.1`)" : ""}`, { cause: e });
  }
  const key = process.env.VERINFER_PRIVATE_KEY;
  let signers: Signer[];
  if (key) {
    try {
      signers = [new Wallet(key, provider)];
    } catch (e) {
      provider.destroy();
      throw new UsageError("VERINFER_PRIVATE_KEY is not a valid private key", { cause: e });
    }
  } else if (isLoopback(url)) {
    const accounts = (await provider.send("eth_accounts", [])) as string[];
    if (accounts.length === 0) {
      provider.destroy();
      throw new UsageError(`the node at ${url} has no unlocked accounts; set VERINFER_PRIVATE_KEY`);
    }
    signers = await Promise.all(accounts.map((_, i) => provider.getSigner(i)));
  } else {
    provider.destroy();
    throw new UsageError(`set VERINFER_PRIVATE_KEY to send transactions to ${url}`);
  }
  return {
    name: networkName,
    chainId,
    provider,
    signer: signers[0]!,
    signers,
    local: LOCAL_CHAIN_IDS.has(chainId),
    close: async () => provider.destroy(),
  };
}
