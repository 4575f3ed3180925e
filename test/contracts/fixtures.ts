/**
 * Shared fixtures for the contract tests: a registry, the test-only game stub, a market with the
 * devnet parameters below, and an MNIST-shaped model (float32 [1,1,28,28] in, [1,10] out).
 */
import { network } from "hardhat";
import { DType } from "../../offchain/engine/tensor.js";
import { toHex } from "../../offchain/engine/commit/hash.js";
import { encodeTensorType } from "../../offchain/engine/commit/tensor-type.js";
import { canonicalOpsets, modelId, type ModelParts } from "../../offchain/engine/commit/model-id.js";
import type { IModelRegistry } from "../../types/ethers-contracts/registry/ModelRegistry.js";

export const connection = await network.getOrCreate();
export const { ethers, networkHelpers } = connection;

export const PARAMS = {
  proverBond: ethers.parseEther("1"),
  challengerBond: ethers.parseEther("0.5"),
  deliveryPeriod: 600,
  challengeWindow: 1800,
  burnBps: 2000,
  lateForfeitBps: 1000,
  maxInputBytes: 64 * 1024,
  maxOutputBytes: 64 * 1024,
  burnSink: "0x000000000000000000000000000000000000dEaD",
};

export const INPUT_SHAPE = [1, 1, 28, 28];
export const OUTPUT_SHAPE = [1, 10];
export const INPUT_BYTES = 28 * 28 * 4;
export const OUTPUT_BYTES = 10 * 4;

export function mnistParts(overrides: Partial<ModelParts> = {}): ModelParts {
  return {
    semanticsVersion: 1,
    nodeRoot: toHex(Buffer.alloc(32, 0x11)),
    valueRoot: toHex(Buffer.alloc(32, 0x22)),
    nodeCount: 12,
    slotCount: 40,
    inputs: [{ slot: 0, tensorType: toHex(encodeTensorType(DType.FLOAT, INPUT_SHAPE)) }],
    outputs: [{ slot: 39, tensorType: toHex(encodeTensorType(DType.FLOAT, OUTPUT_SHAPE)) }],
    opsets: canonicalOpsets([{ domain: "", version: 13 }, { domain: "com.microsoft", version: 1 }]),
    ...overrides,
  };
}

/** The parts as the registry's ABI struct (typechain types its arrays as mutable). */
export function partsStruct(parts: ModelParts): IModelRegistry.ModelPartsStruct {
  return { ...parts, inputs: [...parts.inputs], outputs: [...parts.outputs], opsets: [...parts.opsets] };
}

/** Non-zero pseudo-random bytes: the worst case for calldata gas. */
export function randomBytes(n: number, seed = 1): Uint8Array {
  const out = new Uint8Array(n);
  let x = seed >>> 0;
  for (let i = 0; i < n; i++) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    out[i] = (x >>> 24) | 1;
  }
  return out;
}

/** The standard fixture (loadFixture passes its own argument, so parameters go through deployMarketWith). */
export async function deployMarket() {
  return deployMarketWith(PARAMS);
}

export async function deployMarketWith(params: typeof PARAMS) {
  const [deployer, requester, prover, challenger, other, other2] = await ethers.getSigners();
  const registry = await ethers.deployContract("ModelRegistry");
  const game = await ethers.deployContract("MockDisputeGame");
  const market = await ethers.deployContract("JobMarket", [
    await registry.getAddress(),
    await game.getAddress(),
    params,
  ]);
  await game.setMarket(await market.getAddress());
  const parts = mnistParts();
  const id = modelId(parts);
  await registry.register(id, partsStruct(parts), toHex(Buffer.alloc(32, 0x33)), "ipfs://mnist");
  return { deployer, requester, prover, challenger, other, other2, registry, game, market, parts, modelId: id };
}

/** A deadline `seconds` from the latest block. */
export async function deadlineIn(seconds: number): Promise<number> {
  return (await networkHelpers.time.latest()) + seconds;
}
