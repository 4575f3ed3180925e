/**
 * Library example: submit a job on an input file and wait for its final result.
 *
 *   npx verinfer deploy --network localhost && npx verinfer model register model.int8.onnx --network localhost
 *   npx verinfer prover --network localhost --models model.int8.onnx &   # someone must serve it
 *   MODEL=<model id> INPUT=digit.json [FEE=0.01] [PROVER=0x...] \
 *     npx hardhat run scripts/submit-and-wait.ts --network localhost
 *
 * INPUT: a JSON tensor ({"dtype":"float32","shape":[...],"data":[...]}) or an ONNX TensorProto
 * (.pb), read against the model's registered input type. The job is final once its challenge
 * window ends unchallenged (Finalized), or a challenger wins (Faulted: the fee is refunded), or
 * nobody delivers in time (Refunded).
 */
import { network } from "hardhat";
import { parseEther } from "ethers";
import { VerinferClient, decodeTensorType, loadDeployment, readInputFile, tensorBytes } from "../offchain/index.js";

const modelId = process.env.MODEL;
const input = process.env.INPUT;
if (!modelId || !input) throw new Error("set MODEL to a registered model id and INPUT to an input file");

const { ethers } = await network.connect();
const [signer] = await ethers.getSigners();
const { chainId } = await ethers.provider.getNetwork();
const client = new VerinferClient(signer!, loadDeployment(chainId));

// The input, read against the type the registry holds for the model's (single) input.
const [slot] = await client.registry!.inputs(modelId);
const type = decodeTensorType(Buffer.from(slot!.tensorType.slice(2), "hex"));
const tensor = readInputFile(input, { name: "input", dtype: type.dtype, shape: [...type.shape] });

const { jobId } = await client.submitJob({
  modelId,
  inputs: [Uint8Array.from(tensorBytes(tensor))],
  fee: parseEther(process.env.FEE ?? "0.01"),
  prover: process.env.PROVER,
});
console.error(`job ${jobId} submitted; waiting for its final result`);

const job = await client.waitForFinal(jobId, { pollMs: 500, onStatus: (s) => console.error(`job ${jobId}: ${s}`) });
// The outputs are in the ResultPosted event (the tensors' little-endian bytes).
const [posted] = await client.market!.queryFilter(client.market!.filters.ResultPosted(jobId));
console.log(JSON.stringify({ jobId: jobId.toString(), status: job.status, prover: posted?.args.prover ?? null, outputs: posted ? posted.args.outputs : null }));
