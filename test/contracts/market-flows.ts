/**
 * Job-market fixtures at each stage of a job's life (loadFixture-ready: stable functions, no
 * arguments), the commitments and result hash a watcher computes in TypeScript, and payout maths.
 */
import { DType } from "../../offchain/engine/tensor.js";
import { Tag, taggedHash, uintBE, fromHex32, toHex, type Hex32 } from "../../offchain/engine/commit/hash.js";
import { commitBytes, commitTensorList } from "../../offchain/engine/commit/tensor-commitment.js";
import { encodeTensorType } from "../../offchain/engine/commit/tensor-type.js";
import { modelId } from "../../offchain/engine/commit/model-id.js";
import {
  deadlineIn,
  deployMarket,
  deployMarketWith,
  ethers,
  INPUT_BYTES,
  INPUT_SHAPE,
  mnistParts,
  OUTPUT_BYTES,
  partsStruct,
  OUTPUT_SHAPE,
  PARAMS,
  randomBytes,
} from "./fixtures.js";

export const FEE = ethers.parseEther("0.1");
export const DEADLINE_SECONDS = 3600;
export const INPUT = randomBytes(INPUT_BYTES, 7);
export const OUTPUT = randomBytes(OUTPUT_BYTES, 8);

export const burn = (amount: bigint): bigint => (amount * BigInt(PARAMS.burnBps)) / 10_000n;
export const lateForfeit = (): bigint => (PARAMS.proverBond * BigInt(PARAMS.lateForfeitBps)) / 10_000n;

/** The inputs commitment the market must compute for one MNIST-shaped input. */
export function inputsCommitmentOf(input: Uint8Array): Hex32 {
  return commitTensorList([commitBytes(DType.FLOAT, INPUT_SHAPE, input)]);
}

export function outputsCommitmentOf(output: Uint8Array): Hex32 {
  return commitTensorList([commitBytes(DType.FLOAT, OUTPUT_SHAPE, output)]);
}

/** sha256(0x20 ‖ uint256 chainid ‖ address market ‖ uint256 jobId ‖ modelId ‖ inputs ‖ outputs ‖ address prover). */
export function resultHashOf(r: {
  chainId: bigint;
  market: string;
  jobId: bigint | number;
  modelId: Hex32;
  inputsCommitment: Hex32;
  outputsCommitment: Hex32;
  prover: string;
}): Hex32 {
  const address = (a: string) => Buffer.from(ethers.getAddress(a).slice(2), "hex");
  return toHex(
    taggedHash(
      Tag.RESULT,
      uintBE(r.chainId, 32),
      address(r.market),
      uintBE(r.jobId, 32),
      fromHex32(r.modelId),
      fromHex32(r.inputsCommitment),
      fromHex32(r.outputsCommitment),
      address(r.prover),
    ),
  );
}

/**
 * A market with small I/O caps (1000 input bytes, 16 output bytes) and, beside the MNIST model,
 * a tiny model that fits its input cap: uint8 [4] in, int32 [10] out (40 bytes).
 */
export async function deploySmallMarket() {
  const f = await deployMarketWith({ ...PARAMS, maxInputBytes: 1000, maxOutputBytes: 16 });
  const tinyParts = mnistParts({
    inputs: [{ slot: 0, tensorType: toHex(encodeTensorType(DType.UINT8, [4])) }],
    outputs: [{ slot: 1, tensorType: toHex(encodeTensorType(DType.INT32, [10])) }],
  });
  const tinyModelId = modelId(tinyParts);
  await f.registry.register(tinyModelId, partsStruct(tinyParts), toHex(Buffer.alloc(32, 0x55)), "ipfs://tiny");
  return { ...f, tinyModelId };
}

/** Job 1 submitted by `requester` (open to any prover), fee FEE. */
export async function submittedJob() {
  const f = await deployMarket();
  const deadline = await deadlineIn(DEADLINE_SECONDS);
  await f.market.connect(f.requester).submitJob(f.modelId, [INPUT], ethers.ZeroAddress, deadline, { value: FEE });
  return { ...f, jobId: 1n, deadline };
}

/** Job 1 submitted naming `prover`. */
export async function namedJob() {
  const f = await deployMarket();
  const deadline = await deadlineIn(DEADLINE_SECONDS);
  await f.market.connect(f.requester).submitJob(f.modelId, [INPUT], f.prover.address, deadline, { value: FEE });
  return { ...f, jobId: 1n, deadline };
}

/** Job 1 claimed by `prover`. */
export async function claimedJob() {
  const f = await submittedJob();
  await f.market.connect(f.prover).claimJob(f.jobId, { value: PARAMS.proverBond });
  const claimDeadline = (await f.market.job(f.jobId)).timer;
  return { ...f, claimDeadline };
}

/** Job 1 with OUTPUT posted by `prover`; the window is open. */
export async function postedJob() {
  const f = await claimedJob();
  await f.market.connect(f.prover).postResult(f.jobId, [OUTPUT]);
  const windowEnd = (await f.market.job(f.jobId)).timer;
  return { ...f, windowEnd };
}

/** postedJob, challenged by `challenger` (game 1) and `other` (game 2). */
export async function twiceChallengedJob() {
  const f = await postedJob();
  await f.market.connect(f.challenger).challenge(f.jobId, { value: PARAMS.challengerBond });
  await f.market.connect(f.other).challenge(f.jobId, { value: PARAMS.challengerBond });
  return f;
}
