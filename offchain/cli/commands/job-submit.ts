import { getAddress, parseEther } from "ethers";
import { connect } from "../../chain/network.js";
import { loadDeployment } from "../../chain/deployments.js";
import { VerinferClient } from "../../chain/client.js";
import { decodeTensorType } from "../../engine/commit/tensor-type.js";
import { readInputFiles } from "../../engine/exec/input-file.js";
import { tensorBytes } from "../../engine/tensor.js";
import { UsageError } from "../../errors.js";
import { modelIdOf } from "../../service/options.js";
import { printJson } from "../output.js";

/** Submits a job: the inputs are read against the model's registered input signature. */
export async function jobSubmitCommand(opts: { model: string; input: string[]; fee: string; prover?: string; network: string; json?: boolean }): Promise<void> {
  const modelId = modelIdOf(opts.model);
  let prover: string | undefined;
  if (opts.prover !== undefined) {
    try {
      prover = getAddress(opts.prover);
    } catch {
      throw new UsageError(`--prover must be an address, got "${opts.prover}"`);
    }
  }
  let fee: bigint;
  try {
    fee = parseEther(opts.fee);
  } catch {
    throw new UsageError(`--fee must be an amount of ETH, got "${opts.fee}"`);
  }
  const chain = await connect(opts.network);
  try {
    const client = new VerinferClient(chain.signer, loadDeployment(chain.chainId));
    if (!(await client.isRegistered(modelId))) throw new UsageError(`model ${modelId} is not registered on chain ${chain.chainId} (verinfer model register)`);
    const slots = await client.registry!.inputs(modelId);
    const infos = slots.map((s, i) => {
      const t = decodeTensorType(Buffer.from(s.tensorType.slice(2), "hex"));
      return { name: `input ${i}`, dtype: t.dtype, shape: [...t.shape] };
    });
    if (opts.input.length !== infos.length) throw new UsageError(`the model takes ${infos.length} input(s), ${opts.input.length} given`);
    let tensors;
    try {
      tensors = readInputFiles(opts.input, infos);
    } catch (e) {
      throw new UsageError((e as Error).message.split("\n")[0]!, { cause: e });
    }
    tensors.forEach((t, i) => {
      const want = infos[i]!;
      if (t.dtype !== want.dtype || t.shape.join(",") !== want.shape.join(",")) {
        throw new UsageError(`input ${i}: dtype ${t.dtype} shape [${t.shape}] does not match the model's ${want.dtype} [${want.shape}]`);
      }
    });
    const { jobId, receipt } = await client.submitJob({ modelId, inputs: tensors.map((t) => Uint8Array.from(tensorBytes(t))), fee, prover });
    const job = await client.job(jobId);
    const answer = { jobId, modelId, fee, prover: prover ?? null, deadline: job.deadline, inputsCommitment: job.inputsCommitment, txHash: receipt.hash };
    if (opts.json) printJson(answer);
    else for (const [k, v] of Object.entries(answer)) console.log(`${k.padEnd(16)} ${String(v)}`);
  } finally {
    await chain.close();
  }
}
