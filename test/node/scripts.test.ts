/**
 * The library examples in scripts/ as users run them: `verinfer deploy --network localhost`, then
 * `npx hardhat run scripts/<x>.ts --network localhost` against a `hardhat node` (on a free
 * loopback port, named by VERINFER_RPC_URL), with a prover process serving the model.
 */
import { expect } from "chai";
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { decodeModel } from "../../offchain/engine/onnx/decode.js";
import { digitSamples } from "../../offchain/quantize/data/digit-samples.js";
import { mnistSplit } from "../../offchain/quantize/data/mnist.js";
import { projectModel } from "../../offchain/quantize/project/project-model.js";
import { DEVNET_PARAMS } from "../../offchain/chain/deploy.js";
import { REPO_ROOT, runCli, type CliResult } from "../support/process.js";
import { devKey, rpc, startNode, type TestNode } from "./support/chain.js";
import { Daemon } from "./support/daemon.js";

function hardhatRun(script: string, env: NodeJS.ProcessEnv): Promise<CliResult> {
  return new Promise((done, reject) => {
    const hardhat = resolve(REPO_ROOT, "node_modules", "hardhat", "dist", "src", "cli.js");
    const child = spawn(process.execPath, [hardhat, "run", script, "--network", "localhost"], { cwd: REPO_ROOT, env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    child.on("error", reject);
    child.on("close", (code) => done({ code, stdout, stderr }));
  });
}

describe("scripts/: the library examples under `npx hardhat run --network localhost`", function () {
  this.timeout(180_000);
  let node: TestNode;
  let home: string;
  let prover: Daemon | undefined;

  before(async () => {
    home = mkdtempSync(join(tmpdir(), "verinfer-scripts-"));
    node = await startNode();
  });
  after(async () => {
    if (prover && prover.process.exitCode === null) prover.kill("SIGKILL");
    await node?.stop();
    rmSync(home, { recursive: true, force: true });
  });

  it("register-model.ts registers the model with its mirror; submit-and-wait.ts submits a job and prints its final result", async () => {
    const env = { VERINFER_HOME: home, VERINFER_RPC_URL: node.url };
    const deployed = await runCli(["deploy", "--network", node.url, "--json"], env);
    expect(deployed.code, deployed.stderr).to.equal(0);

    const paths = await projectModel();
    const reg = await hardhatRun("scripts/register-model.ts", { ...env, MODEL: paths.quantizedPath });
    expect(reg.code, reg.stderr + reg.stdout).to.equal(0);
    const registered = JSON.parse(reg.stdout.trim().split("\n").at(-1)!);
    expect(registered).to.include({ uri: pathToFileURL(paths.quantizedPath).href, newlyRegistered: true });
    expect(registered.modelId).to.match(/^0x[0-9a-f]{64}$/);
    // Run again with a URI: a second mirror for the same id.
    const uri = "https://mirror.example/int8.onnx";
    const again = await hardhatRun("scripts/register-model.ts", { ...env, MODEL: paths.quantizedPath, URI: uri });
    expect(again.code, again.stderr + again.stdout).to.equal(0);
    expect(JSON.parse(again.stdout.trim().split("\n").at(-1)!)).to.include({ modelId: registered.modelId, uri, newlyRegistered: false });

    // The prover fetches the model from a mirror (the file:// one; the https one does not exist).
    prover = new Daemon("prover", ["prover", "--network", node.url, "--models", paths.quantizedPath, "--confirmations", "0", "--poll-ms", "200", "--metrics-port", "0"], { VERINFER_HOME: home, VERINFER_PRIVATE_KEY: devKey(1) });
    await prover.waitFor((l) => l.msg === "started", 60_000, "start-up");

    const [digit] = digitSamples(decodeModel(readFileSync(paths.quantizedPath)), mnistSplit().evaluation.slice(0, 1));
    const input = join(home, "digit.json");
    writeFileSync(input, JSON.stringify({ dtype: "float32", shape: [1, 1, 28, 28], data: Array.from(digit!.feeds.get("input")!.data as Float32Array) }));
    const run = hardhatRun("scripts/submit-and-wait.ts", { ...env, MODEL: registered.modelId, INPUT: input, FEE: "0.01" });
    // Once the result is posted, skip the challenge window so the prover finalizes it.
    await prover.waitFor((l) => /posted/i.test(l.msg), 90_000, "the result");
    await rpc(node.url, "evm_increaseTime", [DEVNET_PARAMS.challengeWindow + 1]);
    await rpc(node.url, "evm_mine");
    const done = await run;
    expect(done.code, done.stderr + done.stdout).to.equal(0);
    const final = JSON.parse(done.stdout.trim().split("\n").at(-1)!);
    expect(final).to.include({ jobId: "1", status: "Finalized" });
    expect(final.outputs).to.have.length(1);
    expect(done.stderr).to.match(/job 1: Finalized/);
  });
});
