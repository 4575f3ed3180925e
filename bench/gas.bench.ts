/**
 * Gas of every external function of the registry and the market, total per transaction on the
 * in-process chain (Osaka: calldata priced as since Prague), and how submit/post grow per byte.
 * The market runs against the test-only MockDisputeGame, whose open/close write one slot per
 * game and which holds move bonds until settlement releases them to the market, as the real
 * game does.
 */
import { readFileSync, existsSync } from "node:fs";
import { resolve } from "node:path";
import { network } from "hardhat";
import type { ContractTransactionResponse } from "ethers";
import { DType, tensorBytes } from "../offchain/engine/tensor.js";
import { toHex } from "../offchain/engine/commit/hash.js";
import { encodeTensorType } from "../offchain/engine/commit/tensor-type.js";
import { canonicalOpsets, modelId, type ModelParts } from "../offchain/engine/commit/model-id.js";
import { decodeTensor } from "../offchain/engine/onnx/tensor-proto.js";
import { DEVNET_PARAMS } from "../offchain/chain/deploy.js";
import type { IModelRegistry } from "../types/ethers-contracts/registry/ModelRegistry.js";
import type { BenchSection } from "./run.js";

function pseudoRandomBytes(n: number, seed: number): Uint8Array {
  const out = new Uint8Array(n);
  let x = seed >>> 0;
  for (let i = 0; i < n; i++) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    out[i] = (x >>> 24) | 1; // never zero: the dearest calldata
  }
  return out;
}

function parts(inputShape: number[], outputShape: number[]): ModelParts {
  return {
    semanticsVersion: 1,
    nodeRoot: toHex(Buffer.alloc(32, 0x11)),
    valueRoot: toHex(Buffer.alloc(32, 0x22)),
    nodeCount: 12,
    slotCount: 40,
    inputs: [{ slot: 0, tensorType: toHex(encodeTensorType(DType.FLOAT, inputShape)) }],
    outputs: [{ slot: 39, tensorType: toHex(encodeTensorType(DType.FLOAT, outputShape)) }],
    opsets: canonicalOpsets([{ domain: "", version: 13 }, { domain: "com.microsoft", version: 1 }]),
  };
}

/** The parts as the registry's ABI struct (typechain types its arrays as mutable). */
function struct(p: ModelParts): IModelRegistry.ModelPartsStruct {
  return { ...p, inputs: [...p.inputs], outputs: [...p.outputs], opsets: [...p.opsets] };
}

/** A real MNIST digit (float32 [1,1,28,28]) from ../shared, when present. */
function realDigit(): Uint8Array | null {
  const path = resolve(process.env.VERINFER_SHARED ?? "../shared", "models/mnist-8/test_data_set_0/input_0.pb");
  if (!existsSync(path)) return null;
  return Uint8Array.from(tensorBytes(decodeTensor(readFileSync(path)).tensor));
}

export async function gasBenchmark(): Promise<BenchSection> {
  const conn = await network.create({ override: { hardfork: "osaka" } } as never);
  const { ethers, networkHelpers } = conn;
  const [, requester, prover, challenger, other] = await ethers.getSigners();
  const rows: [string, string, bigint][] = [];
  const gasOf = async (tx: Promise<ContractTransactionResponse>) => (await (await tx).wait())!.gasUsed;
  const note = (fn: string, cse: string, gas: bigint) => rows.push([fn, cse, gas]);

  const registry = await ethers.deployContract("ModelRegistry");
  const game = await ethers.deployContract("MockDisputeGame");
  const market = await ethers.deployContract("JobMarket", [await registry.getAddress(), await game.getAddress(), DEVNET_PARAMS]);
  await game.setMarket(await market.getAddress());
  const mnist = parts([1, 1, 28, 28], [1, 10]);
  const id = modelId(mnist);
  const fileHash = toHex(Buffer.alloc(32, 0x33));
  note("register", "first registration (MNIST-shaped parts)", await gasOf(registry.register(id, struct(mnist), fileHash, "ipfs://bafy-mnist-model")));
  note("register", "same id again: adds a mirror", await gasOf(registry.connect(other).register(id, struct(mnist), fileHash, "https://mirror.example/mnist.onnx")));
  note("addMirror", "", await gasOf(registry.addMirror(id, fileHash, "https://mirror2.example/mnist.onnx")));
  note("setMirrorDeprecated", "", await gasOf(registry.setMirrorDeprecated(id, 0, true)));

  const { proverBond, challengerBond } = DEVNET_PARAMS;
  const deadline = async () => (await networkHelpers.time.latest()) + 3600;
  const digit = realDigit();
  const submit = async (input: Uint8Array) =>
    market.connect(requester).submitJob(id, [input], ethers.ZeroAddress, await deadline(), { value: 10n ** 15n });

  // Warm the counters so each figure is a typical (not first-ever) job.
  await (await submit(new Uint8Array(3136))).wait();
  if (digit) note("submitJob", "28x28 float32, a real MNIST digit (mnist-8 test_data_set_0)", await gasOf(submit(digit)));
  note("submitJob", "28x28 float32, every byte non-zero (worst case)", await gasOf(submit(pseudoRandomBytes(3136, 7))));
  note("submitJob", "28x28 float32, all zero", await gasOf(submit(new Uint8Array(3136))));
  let jobId = await market.jobCount();

  note("claimJob", "", await gasOf(market.connect(prover).claimJob(jobId, { value: proverBond })));
  note("postResult", "10 float32 (every byte non-zero)", await gasOf(market.connect(prover).postResult(jobId, [pseudoRandomBytes(40, 9)])));
  note("challenge", "first game of a result", await gasOf(market.connect(challenger).challenge(jobId, { value: challengerBond })));
  note("challenge", "second game of the same result", await gasOf(market.connect(other).challenge(jobId, { value: challengerBond })));
  const g1 = await market.gameCount();
  note("postMoveBond (mock game)", "first move bond of a game, held by the game (test-only mock)", await gasOf(game.connect(challenger).postMoveBond(g1 - 1n, false, { value: 1000n })));
  note("postMoveBond (mock game)", "a later move bond of the same game", await gasOf(game.connect(prover).postMoveBond(g1 - 1n, true, { value: 1000n })));
  await (await game.setStatus(g1 - 1n, 3)).wait();
  note("settleGame", "challenger won: the job faults, move bonds of both sides released", await gasOf(market.settleGame(g1 - 1n)));
  note("settleGame", "after the fault: closes an open game (no move bonds)", await gasOf(market.settleGame(g1)));

  // A clean job to finalize, with one game won by the prover.
  await (await submit(pseudoRandomBytes(3136, 11))).wait();
  jobId = await market.jobCount();
  await (await market.connect(prover).claimJob(jobId, { value: proverBond })).wait();
  await (await market.connect(prover).postResult(jobId, [pseudoRandomBytes(40, 12)])).wait();
  await (await market.connect(challenger).challenge(jobId, { value: challengerBond })).wait();
  const g3 = await market.gameCount();
  await (await game.setStatus(g3, 2)).wait();
  note("settleGame", "prover won (no move bonds)", await gasOf(market.settleGame(g3)));
  // The prover's credit back to zero, so both prover-won figures start from the same state.
  await (await market.connect(prover).withdraw(prover.address)).wait();
  await (await market.connect(other).challenge(jobId, { value: challengerBond })).wait();
  const g4 = await market.gameCount();
  await (await game.connect(other).postMoveBond(g4, false, { value: 1000n })).wait();
  await (await game.connect(prover).postMoveBond(g4, true, { value: 1000n })).wait();
  await (await game.setStatus(g4, 2)).wait();
  note("settleGame", "prover won, move bonds of both sides released", await gasOf(market.settleGame(g4)));
  await networkHelpers.time.increase(DEVNET_PARAMS.challengeWindow + 1);
  note("finalize", "", await gasOf(market.finalize(jobId)));

  // Reclaim and refund.
  await (await submit(pseudoRandomBytes(3136, 13))).wait();
  jobId = await market.jobCount();
  await (await market.connect(prover).claimJob(jobId, { value: proverBond })).wait();
  await networkHelpers.time.increase(DEVNET_PARAMS.deliveryPeriod + 1);
  note("claimJob", "reclaim after the claim lapsed", await gasOf(market.connect(other).claimJob(jobId, { value: proverBond })));
  await networkHelpers.time.increase(3600);
  note("refundExpired", "claimed, never delivered", await gasOf(market.refundExpired(jobId)));
  note("withdraw", "", await gasOf(market.connect(prover).withdraw(prover.address)));

  // Growth per byte: submit and post at several sizes, least-squares slope.
  const sizes = [784, 1568, 3136, 6272, 12544];
  const growth: string[] = [];
  for (const kind of ["submit", "post"] as const) {
    const points: [number, bigint][] = [];
    for (const n of sizes) {
      const p = kind === "submit" ? parts([n / 4], [1, 10]) : parts([1, 1, 28, 28], [n / 4]);
      const pid = modelId(p);
      await (await registry.register(pid, struct(p), fileHash, "ipfs://x")).wait();
      const sub = market.connect(requester).submitJob(pid, [kind === "submit" ? pseudoRandomBytes(n, n) : new Uint8Array(3136)], ethers.ZeroAddress, await deadline(), { value: 1n });
      const g = await gasOf(sub);
      const jid = await market.jobCount();
      if (kind === "submit") {
        points.push([n, g]);
        continue;
      }
      await (await market.connect(prover).claimJob(jid, { value: proverBond })).wait();
      points.push([n, await gasOf(market.connect(prover).postResult(jid, [pseudoRandomBytes(n, n + 1)]))]);
    }
    const xs = points.map(([x]) => x);
    const ys = points.map(([, y]) => Number(y));
    const mx = xs.reduce((a, b) => a + b) / xs.length;
    const my = ys.reduce((a, b) => a + b) / ys.length;
    const slope = xs.reduce((a, x, i) => a + (x - mx) * (ys[i]! - my), 0) / xs.reduce((a, x) => a + (x - mx) ** 2, 0);
    growth.push(`| ${kind} | ${points.map(([x, y]) => `${x} B: ${y}`).join(" · ")} | ${slope.toFixed(1)} |`);
  }
  await conn.close();

  const table = rows.map(([fn, cse, gas]) => `| \`${fn}\` | ${cse} | ${gas.toLocaleString("en-US")} |`).join("\n");
  return {
    title: "Gas (contracts)",
    markdown: `Total gas per transaction (21k base and calldata included) on the in-process Hardhat chain, hardfork
Osaka (calldata priced as since Prague, EIP-7623). Market parameters: DEVNET_PARAMS. The market runs
against the test-only MockDisputeGame (two storage slots per game), which holds move bonds until
settlement, as the real game does; the real DisputeGame writes one slot when a game opens, so
\`challenge\` against it is lower (see "Disputes" below). Targets of the foundation issue:
submit <= 250k, claim <= 80k, post <= 80k, challenge <= 150k, finalize <= 80k, for one 28x28 float32
input and a 10-value float32 output.

| function | case | gas |
| --- | --- | ---: |
${table}

Growth with tensor size (random non-zero bytes, float32; least-squares slope over the sizes):

| function | gas at each size | gas per byte |
| --- | --- | ---: |
${growth.join("\n")}
`,
  };
}
