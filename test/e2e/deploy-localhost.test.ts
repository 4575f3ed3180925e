import { expect } from "chai";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { JsonRpcProvider } from "ethers";
import { runCli, startHardhatNode, type RpcNode } from "../support/process.js";

describe("deploy to a real JSON-RPC node (hardhat node on a free loopback port)", function () {
  this.timeout(180_000);
  let node: RpcNode;
  let home: string;

  before(async () => {
    node = await startHardhatNode();
    home = mkdtempSync(join(tmpdir(), "verinfer-home-"));
  });

  after(async () => {
    await node?.stop();
    if (home) rmSync(home, { recursive: true, force: true });
  });

  it("writes the addresses where the CLI and the library find them, and every contract has code there", async () => {
    const r = await runCli(["deploy", "--network", node.url, "--json"], { VERINFER_HOME: home });
    expect(r.code, r.stderr).to.equal(0);
    const out = JSON.parse(r.stdout);
    const saved = JSON.parse(readFileSync(join(home, "deployments", "31337.json"), "utf8"));
    expect(saved.registry).to.equal(out.registry);
    const provider = new JsonRpcProvider(node.url);
    for (const address of [saved.registry, saved.market, saved.disputeGame, saved.verifiers.router]) {
      expect((await provider.getCode(address)).length, address).to.be.greaterThan(2);
    }
    provider.destroy();
  });

  it("job status of a job that does not exist names the market's error, in one line", async () => {
    const r = await runCli(["job", "status", "1", "--network", node.url], { VERINFER_HOME: home });
    expect(r.code).to.equal(1);
    expect(r.stderr.trim().split("\n").filter((l) => l.startsWith("verinfer:"))).to.deep.equal(["verinfer: job reverted: MarketUnknownJob(1)"]);
  });
});
