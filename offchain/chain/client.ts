/**
 * The typed client of the on-chain protocol: what scripts, the CLI and the services call.
 * Every method decodes reverts into a ChainError naming the contract's custom error.
 */
import { type Signer, type ContractTransactionReceipt, hexlify } from "ethers";
import type { ModelParts } from "../engine/commit/model-id.js";
import { VerinferError } from "../errors.js";
import { JobMarket__factory, ModelRegistry__factory, callContract, type JobMarket, type ModelRegistry } from "./contracts.js";

export const JobStatus = ["None", "Open", "Claimed", "Posted", "Finalized", "Faulted", "Refunded"] as const;
export type JobStatusName = (typeof JobStatus)[number];

export interface JobView {
  readonly jobId: bigint;
  readonly requester: string;
  readonly fee: bigint;
  readonly status: JobStatusName;
  readonly proverNamed: boolean;
  readonly prover: string;
  readonly deadline: number;
  /** Claim deadline while Claimed; end of the challenge window once Posted. */
  readonly timer: number;
  readonly modelId: string;
  readonly inputsCommitment: string;
  readonly outputsCommitment: string;
  readonly openGames: bigint;
}

export interface SubmitJobOptions {
  readonly modelId: string;
  /** One little-endian byte string per model input, in the model's input order. */
  readonly inputs: readonly Uint8Array[];
  readonly fee?: bigint;
  readonly prover?: string;
  /** Unix seconds; default: one hour after the latest block. */
  readonly deadline?: number;
}

function receiptOf(r: ContractTransactionReceipt | null, what: string): ContractTransactionReceipt {
  if (r === null) throw new VerinferError(`${what}: the transaction was dropped`);
  return r;
}

export class VerinferClient {
  readonly registry?: ModelRegistry;
  readonly market?: JobMarket;

  constructor(
    readonly signer: Signer,
    addresses: { registry?: string; market?: string },
  ) {
    if (addresses.registry) this.registry = ModelRegistry__factory.connect(addresses.registry, signer);
    if (addresses.market) this.market = JobMarket__factory.connect(addresses.market, signer);
  }

  private requireRegistry(): ModelRegistry {
    if (!this.registry) throw new VerinferError("no ModelRegistry address configured (run `verinfer deploy`)");
    return this.registry;
  }

  private requireMarket(): JobMarket {
    if (!this.market) throw new VerinferError("no JobMarket address configured (the market deploys with the dispute game)");
    return this.market;
  }

  /** Registers a model by its parts (or adds a mirror when it is already registered). */
  async registerModel(modelId: string, parts: ModelParts, fileHash: string, uri: string): Promise<ContractTransactionReceipt> {
    const registry = this.requireRegistry();
    const tx = await callContract("register", () =>
      registry.register(modelId, { ...parts, inputs: [...parts.inputs], outputs: [...parts.outputs], opsets: [...parts.opsets] }, fileHash, uri),
    );
    return receiptOf(await tx.wait(), "register");
  }

  async isRegistered(modelId: string): Promise<boolean> {
    return this.requireRegistry().isRegistered(modelId);
  }

  /** Submits a job; returns its id (from the JobSubmitted event). */
  async submitJob(o: SubmitJobOptions): Promise<{ jobId: bigint; receipt: ContractTransactionReceipt }> {
    const market = this.requireMarket();
    const deadline = o.deadline ?? (await this.latestTimestamp()) + 3600;
    const tx = await callContract("submitJob", () =>
      market.submitJob(o.modelId, o.inputs.map((b) => hexlify(b)), o.prover ?? "0x0000000000000000000000000000000000000000", deadline, {
        value: o.fee ?? 0n,
      }),
    );
    const receipt = receiptOf(await tx.wait(), "submitJob");
    for (const log of receipt.logs) {
      const parsed = market.interface.parseLog(log);
      if (parsed?.name === "JobSubmitted") return { jobId: parsed.args.jobId as bigint, receipt };
    }
    throw new VerinferError("submitJob: no JobSubmitted event in the receipt");
  }

  async claimJob(jobId: bigint): Promise<ContractTransactionReceipt> {
    const market = this.requireMarket();
    const { proverBond } = await market.params();
    const tx = await callContract("claimJob", () => market.claimJob(jobId, { value: proverBond }));
    return receiptOf(await tx.wait(), "claimJob");
  }

  async postResult(jobId: bigint, outputs: readonly Uint8Array[]): Promise<ContractTransactionReceipt> {
    const market = this.requireMarket();
    const tx = await callContract("postResult", () => market.postResult(jobId, outputs.map((b) => hexlify(b))));
    return receiptOf(await tx.wait(), "postResult");
  }

  async challenge(jobId: bigint): Promise<ContractTransactionReceipt> {
    const market = this.requireMarket();
    const { challengerBond } = await market.params();
    const tx = await callContract("challenge", () => market.challenge(jobId, { value: challengerBond }));
    return receiptOf(await tx.wait(), "challenge");
  }

  async settleGame(gameId: bigint): Promise<ContractTransactionReceipt> {
    const market = this.requireMarket();
    const tx = await callContract("settleGame", () => market.settleGame(gameId));
    return receiptOf(await tx.wait(), "settleGame");
  }

  async finalize(jobId: bigint): Promise<ContractTransactionReceipt> {
    const market = this.requireMarket();
    const tx = await callContract("finalize", () => market.finalize(jobId));
    return receiptOf(await tx.wait(), "finalize");
  }

  async refundExpired(jobId: bigint): Promise<ContractTransactionReceipt> {
    const market = this.requireMarket();
    const tx = await callContract("refundExpired", () => market.refundExpired(jobId));
    return receiptOf(await tx.wait(), "refundExpired");
  }

  /** Withdraws the caller's whole credit to `to` (default: the caller). */
  async withdraw(to?: string): Promise<ContractTransactionReceipt> {
    const market = this.requireMarket();
    const target = to ?? (await this.signer.getAddress());
    const tx = await callContract("withdraw", () => market.withdraw(target));
    return receiptOf(await tx.wait(), "withdraw");
  }

  async credits(account?: string): Promise<bigint> {
    return this.requireMarket().credits(account ?? (await this.signer.getAddress()));
  }

  async job(jobId: bigint): Promise<JobView> {
    const j = await callContract("job", () => this.requireMarket().job(jobId));
    return {
      jobId,
      requester: j.requester,
      fee: j.fee,
      status: JobStatus[Number(j.status)] ?? "None",
      proverNamed: j.proverNamed,
      prover: j.prover,
      deadline: Number(j.deadline),
      timer: Number(j.timer),
      modelId: j.modelId,
      inputsCommitment: j.inputsCommitment,
      outputsCommitment: j.outputsCommitment,
      openGames: j.openGames,
    };
  }

  /**
   * Polls until the job is final one way or another (Finalized, Faulted or Refunded).
   * `onStatus` hears every status change, for progress output.
   */
  async waitForFinal(
    jobId: bigint,
    opts: { pollMs?: number; timeoutMs?: number; onStatus?: (s: JobStatusName) => void } = {},
  ): Promise<JobView> {
    const started = Date.now();
    let last: JobStatusName | undefined;
    for (;;) {
      const j = await this.job(jobId);
      if (j.status !== last) opts.onStatus?.(j.status);
      last = j.status;
      if (j.status === "Finalized" || j.status === "Faulted" || j.status === "Refunded") return j;
      if (opts.timeoutMs !== undefined && Date.now() - started > opts.timeoutMs) {
        throw new VerinferError(`job ${jobId} still ${j.status} after ${opts.timeoutMs} ms`);
      }
      await new Promise((r) => setTimeout(r, opts.pollMs ?? 1000));
    }
  }

  private async latestTimestamp(): Promise<number> {
    const block = await this.signer.provider?.getBlock("latest");
    return block?.timestamp ?? Math.floor(Date.now() / 1000);
  }
}
