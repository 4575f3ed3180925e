/**
 * Deploying the protocol's contracts. The market is only ever deployed against a real dispute
 * game: until the game exists (issue 5), `deployProtocol` deploys the registry and says why it
 * stops there. Tests deploy the market against contracts/mocks/MockDisputeGame through
 * `deployMarket`, which takes the game's address explicitly.
 */
import type { Signer } from "ethers";
import { JobMarket__factory, ModelRegistry__factory, callContract } from "./contracts.js";
import type { Deployment } from "./deployments.js";

/** Devnet defaults: minutes, not days (DESIGN.md); a mainnet deployment sets its own. */
export const DEVNET_PARAMS = {
  proverBond: 10n ** 17n, // 0.1 ETH
  challengerBond: 5n * 10n ** 16n, // 0.05 ETH
  deliveryPeriod: 10 * 60,
  challengeWindow: 30 * 60,
  burnBps: 2_000,
  lateForfeitBps: 1_000,
  maxInputBytes: 64 * 1024,
  maxOutputBytes: 64 * 1024,
  burnSink: "0x000000000000000000000000000000000000dEaD",
} as const;

export type MarketParams = { -readonly [K in keyof typeof DEVNET_PARAMS]: (typeof DEVNET_PARAMS)[K] extends bigint ? bigint : (typeof DEVNET_PARAMS)[K] extends number ? number : string };

export async function deployRegistry(signer: Signer): Promise<string> {
  const registry = await callContract("deploying ModelRegistry", () => new ModelRegistry__factory(signer).deploy());
  await registry.waitForDeployment();
  return registry.getAddress();
}

export async function deployMarket(
  signer: Signer,
  addresses: { registry: string; disputeGame: string },
  params: MarketParams = { ...DEVNET_PARAMS },
): Promise<string> {
  const market = await callContract("deploying JobMarket", () =>
    new JobMarket__factory(signer).deploy(addresses.registry, addresses.disputeGame, params),
  );
  await market.waitForDeployment();
  return market.getAddress();
}

export interface ProtocolDeployment {
  readonly deployment: Deployment;
  /** What was not deployed, and why. */
  readonly notDeployed: readonly string[];
}

/** Deploys everything that exists and is safe to deploy. */
export async function deployProtocol(signer: Signer): Promise<ProtocolDeployment> {
  const provider = signer.provider;
  if (!provider) throw new Error("the signer has no provider");
  const registry = await deployRegistry(signer);
  const { chainId } = await provider.getNetwork();
  return {
    deployment: {
      chainId: Number(chainId),
      registry,
      deployedAt: new Date().toISOString(),
      deployer: await signer.getAddress(),
      blockNumber: await provider.getBlockNumber(),
    },
    notDeployed: [
      "JobMarket: it needs the dispute game (not built yet); a market without a real game would accept results nobody can challenge",
    ],
  };
}
