/**
 * Deploying the protocol: the one-step verifiers (one per operator family) behind the router, the
 * registry, the dispute game and the job market. The game and the market name each other without
 * any owner or initializer: the game is deployed with the market's address predicted from the
 * deployer's nonce, and the deployment checks that the market landed there.
 */
import { getCreateAddress, type Signer } from "ethers";
import {
  AccumulateVerifier__factory,
  DisputeGame__factory,
  ElementwiseVerifier__factory,
  JobMarket__factory,
  LayoutVerifier__factory,
  ModelRegistry__factory,
  OneStepRouter__factory,
  QuantVerifier__factory,
  callContract,
} from "./contracts.js";
import type { Deployment } from "./deployments.js";
import { VerinferError } from "../errors.js";

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

/**
 * Game parameters. moveBond = the gas of the opponent's answer (~150k for a one-step) at a
 * reference gas price (here ~7 gwei); clocks survive a congested chain on mainnet (days), minutes
 * on a devnet.
 */
export const DEVNET_GAME_PARAMS = {
  moveBond: 10n ** 15n, // 0.001 ETH
  clockBudget: 15 * 60,
  clockExtension: 2 * 60,
  // Measured (bench/move-gas.ts, docs/SPEC.md section 10): k = 8 and 2 levels per descent keep
  // every post and pick under 55k gas; k = 16 posts reach 65k, 3 descent levels 58.5k.
  fanout: 8,
  descentLevels: 2,
} as const;

export type GameParams = { -readonly [K in keyof typeof DEVNET_GAME_PARAMS]: (typeof DEVNET_GAME_PARAMS)[K] extends bigint ? bigint : number };

async function deployed<T extends { waitForDeployment(): Promise<unknown>; getAddress(): Promise<string> }>(what: string, fn: () => Promise<T>): Promise<string> {
  const c = await callContract(`deploying ${what}`, fn);
  await c.waitForDeployment();
  return c.getAddress();
}

export async function deployRegistry(signer: Signer): Promise<string> {
  return deployed("ModelRegistry", () => new ModelRegistry__factory(signer).deploy());
}

/** The four family verifiers and the router in front of them. */
export async function deployVerifiers(signer: Signer): Promise<{ router: string; quant: string; elementwise: string; layout: string; accumulate: string }> {
  const quant = await deployed("QuantVerifier", () => new QuantVerifier__factory(signer).deploy());
  const elementwise = await deployed("ElementwiseVerifier", () => new ElementwiseVerifier__factory(signer).deploy());
  const layout = await deployed("LayoutVerifier", () => new LayoutVerifier__factory(signer).deploy());
  const accumulate = await deployed("AccumulateVerifier", () => new AccumulateVerifier__factory(signer).deploy());
  const router = await deployed("OneStepRouter", () => new OneStepRouter__factory(signer).deploy(quant, elementwise, layout, accumulate));
  return { router, quant, elementwise, layout, accumulate };
}

/**
 * The game and the market, wired to each other. `verifier` is the one-step verifier the game
 * calls (the router in a real deployment; tests may pass another).
 */
export async function deployGameAndMarket(
  signer: Signer,
  addresses: { registry: string; verifier: string },
  market: MarketParams = { ...DEVNET_PARAMS },
  game: GameParams = { ...DEVNET_GAME_PARAMS },
): Promise<{ disputeGame: string; market: string }> {
  const from = await signer.getAddress();
  const nonce = await signer.getNonce("pending");
  const predicted = getCreateAddress({ from, nonce: nonce + 1 });
  const disputeGame = await deployed("DisputeGame", () =>
    new DisputeGame__factory(signer).deploy(predicted, addresses.registry, addresses.verifier, [
      game.moveBond,
      game.clockBudget,
      game.clockExtension,
      game.fanout,
      game.descentLevels,
    ]),
  );
  const marketAddress = await deployed("JobMarket", () => new JobMarket__factory(signer).deploy(addresses.registry, disputeGame, market));
  if (marketAddress.toLowerCase() !== predicted.toLowerCase()) {
    throw new VerinferError(`JobMarket landed at ${marketAddress}, not at ${predicted} where the game expects it (another transaction used the deployer's nonce)`);
  }
  return { disputeGame, market: marketAddress };
}

/** Deploys the whole protocol; returns what `saveDeployment` stores. */
export async function deployProtocol(
  signer: Signer,
  params: { market?: MarketParams; game?: GameParams } = {},
): Promise<{ deployment: Deployment }> {
  const provider = signer.provider;
  if (!provider) throw new Error("the signer has no provider");
  const verifiers = await deployVerifiers(signer);
  const registry = await deployRegistry(signer);
  const { disputeGame, market } = await deployGameAndMarket(signer, { registry, verifier: verifiers.router }, params.market, params.game);
  const { chainId } = await provider.getNetwork();
  return {
    deployment: {
      chainId: Number(chainId),
      registry,
      market,
      disputeGame,
      verifiers,
      deployedAt: new Date().toISOString(),
      deployer: await signer.getAddress(),
      blockNumber: await provider.getBlockNumber(),
    },
  };
}
