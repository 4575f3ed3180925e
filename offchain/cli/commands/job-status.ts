import { connect } from "../../chain/network.js";
import { loadDeployment } from "../../chain/deployments.js";
import { VerinferClient } from "../../chain/client.js";
import { UsageError } from "../../errors.js";
import { printJson } from "../output.js";

export async function jobStatusCommand(jobIdText: string, opts: { network: string; json?: boolean }): Promise<void> {
  if (!/^\d+$/.test(jobIdText)) throw new UsageError(`job id must be a positive integer, got "${jobIdText}"`);
  const chain = await connect(opts.network);
  try {
    const deployment = loadDeployment(chain.chainId);
    const client = new VerinferClient(chain.signer, deployment);
    const job = await client.job(BigInt(jobIdText));
    if (opts.json) {
      printJson(job);
      return;
    }
    for (const [k, v] of Object.entries(job)) console.log(`${k.padEnd(18)} ${String(v)}`);
  } finally {
    await chain.close();
  }
}
