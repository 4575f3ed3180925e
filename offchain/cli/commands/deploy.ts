import { connect } from "../../chain/network.js";
import { deployProtocol } from "../../chain/deploy.js";
import { saveDeployment } from "../../chain/deployments.js";
import { printJson, progress } from "../output.js";

export async function deployCommand(opts: { network: string; json?: boolean }): Promise<void> {
  const chain = await connect(opts.network);
  try {
    progress(`deploying to ${chain.name} (chain ${chain.chainId}) from ${await chain.signer.getAddress()}`);
    const { deployment } = await deployProtocol(chain.signer);
    // The in-process chain ends with this command: its addresses would only mislead later ones.
    const path = chain.name === "hardhat" ? null : saveDeployment(deployment);
    if (opts.json) {
      printJson({ ...deployment, network: chain.name, file: path });
      return;
    }
    console.log(`ModelRegistry   ${deployment.registry}`);
    console.log(`JobMarket       ${deployment.market}`);
    console.log(`DisputeGame     ${deployment.disputeGame}`);
    console.log(`OneStepRouter   ${deployment.verifiers?.router}`);
    if (path) console.log(`addresses written to ${path}`);
    else progress("note: the in-process chain ends with this command, so no addresses were written; use --network localhost to keep the contracts");
  } finally {
    await chain.close();
  }
}
