/**
 * The prover and the watcher as separate processes against a `hardhat node` on a free loopback
 * port, on the real protocol (offchain/chain/deploy.ts: the one-step verifiers behind the router)
 * and the nodes' default step backend, serving the project's quantized MNIST CNN fetched from an
 * http:// mirror on loopback:
 * - an honest prover's job finalizes (after the watcher re-ran it and agreed), and it withdraws;
 * - a faulty prover (--faulty: the demo's inner-node lie that survives to the logits) is
 *   challenged by the watcher; the game is bisected to one step and refuted by the real verifier;
 *   the faulty prover is SIGKILLed in the middle of it and restarted: it resumes from its store and
 *   keeps playing; the watcher wins, settles, and withdraws. No node sent anything twice.
 */
import { expect } from "chai";
import { createServer, type Server } from "node:http";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Wallet, type JsonRpcProvider } from "ethers";
import { JobMarket__factory, type JobMarket } from "../../offchain/chain/contracts.js";
import { DisputeGame__factory } from "../../types/ethers-contracts/index.js";
import { decodeModel } from "../../offchain/engine/onnx/decode.js";
import { digitSamples } from "../../offchain/quantize/data/digit-samples.js";
import { mnistSplit } from "../../offchain/quantize/data/mnist.js";
import { projectModel } from "../../offchain/quantize/project/project-model.js";
import { chooseFault } from "../../offchain/demo/demo.js";
import { parseMetrics } from "../../offchain/service/metrics.js";
import { Store } from "../../offchain/store/store.js";
import { runCli } from "../support/process.js";
import { deployTestProtocol, devKey, devWallet, rpc, startNode, TEST_MARKET_PARAMS, type TestNode } from "./support/chain.js";
import { Daemon, until } from "./support/daemon.js";

describe("prover and watcher nodes as separate processes (hardhat node, project CNN, real verifiers)", function () {
  this.timeout(360_000);
  let node: TestNode;
  let home: string;
  let server: Server;
  let provider: JsonRpcProvider;
  let market: JobMarket;
  let FAULT: string;
  const daemons: Daemon[] = [];
  const addr = (i: number) => new Wallet(devKey(i)).address;
  const [PROVER, FAULTY, WATCHER] = [addr(1), addr(2), addr(3)];

  before(async () => {
    home = mkdtempSync(join(tmpdir(), "verinfer-nodes-"));
    const [n, paths] = await Promise.all([startNode(), projectModel()]);
    node = n;
    const bytes = readFileSync(paths.quantizedPath);
    server = createServer((req, res) => (req.url === "/int8.onnx" ? res.writeHead(200).end(bytes) : res.writeHead(404).end()));
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
    writeFileSync(join(home, "int8.onnx"), bytes);
    const model = decodeModel(bytes);
    const digits = digitSamples(model, mnistSplit().evaluation.slice(0, 2));
    FAULT = chooseFault(model, [digits[1]!]).text;
    digits.forEach((d, i) => writeFileSync(join(home, `digit${i}.json`), JSON.stringify({ dtype: "float32", shape: [1, 1, 28, 28], data: Array.from(d.feeds.get("input")!.data as Float32Array) })));
    const dev = devWallet(node.url, 0);
    provider = dev.provider;
    const { deployment } = await deployTestProtocol(dev.wallet, home);
    market = JobMarket__factory.connect(deployment.market!, provider);
    // Blocks keep coming without transactions, so confirmations advance.
    await rpc(node.url, "evm_setIntervalMining", [250]);
  });

  after(async () => {
    for (const d of daemons) if (d.process.exitCode === null) d.kill("SIGKILL");
    // VERINFER_TEST_LOGS=<dir> keeps every daemon's log (JSON lines) for inspection.
    const keep = process.env.VERINFER_TEST_LOGS;
    if (keep) daemons.forEach((d, i) => writeFileSync(join(keep, `${i}-${d.label.replace(/\W+/g, "-")}.log`), d.raw));
    provider?.destroy();
    server?.close();
    await node?.stop();
    if (home) rmSync(home, { recursive: true, force: true });
  });

  const cli = async (args: string[]) => {
    const r = await runCli([...args, "--network", node.url, "--json"], { VERINFER_HOME: home });
    expect(r.code, r.stderr).to.equal(0);
    return JSON.parse(r.stdout);
  };

  const startDaemon = (label: string, role: "prover" | "watcher", key: number, extra: string[] = []) => {
    const d = new Daemon(label, [role, "--network", node.url, "--confirmations", "1", "--poll-ms", "200", "--metrics-port", "0", ...extra], {
      VERINFER_HOME: home,
      VERINFER_PRIVATE_KEY: devKey(key),
    });
    daemons.push(d);
    return d;
  };

  const events = async (name: string, jobOrGame?: bigint) => {
    const f = (market.filters as unknown as Record<string, (...a: unknown[]) => never>)[name]!(...(jobOrGame === undefined ? [] : [jobOrGame]));
    return market.queryFilter(f, 0);
  };

  it("an honest job finalizes; a faulty result is challenged, bisected and slashed, across a SIGKILL of the prover mid-game", async () => {
    const registered = await cli(["model", "register", join(home, "int8.onnx"), "--uri", `http://127.0.0.1:${(server.address() as { port: number }).port}/int8.onnx`]);
    const modelFile = join(home, "int8.onnx");
    const prover = startDaemon("prover", "prover", 1, ["--models", modelFile]);
    let faulty = startDaemon("faulty prover", "prover", 2, ["--models", registered.modelId, "--faulty", FAULT]);
    const watcher = startDaemon("watcher", "watcher", 3);
    await Promise.all([prover, faulty, watcher].map((d) => d.waitFor((l) => l.msg === "started", 60_000, "start-up")));
    expect(faulty.find((l) => l.level === "warn" && /FAULTY PROVER/.test(l.msg))).to.not.equal(undefined);

    const job1 = await cli(["job", "submit", "--model", modelFile, "--input", join(home, "digit0.json"), "--fee", "0.01", "--prover", PROVER]);
    const job2 = await cli(["job", "submit", "--model", registered.modelId, "--input", join(home, "digit1.json"), "--fee", "0.01", "--prover", FAULTY]);
    expect([job1.jobId, job2.jobId]).to.deep.equal(["1", "2"]);

    // The watcher challenges the faulty result; kill the faulty prover once the game is under way.
    const challenged = await until("the challenge of job 2", async () => (await market.queryFilter(market.filters.JobChallenged(2n), 0))[0], 90_000);
    const gameId = challenged.args.gameId;
    const game = DisputeGame__factory.connect(await market.disputeGame(), provider);
    await until("three moves", async () => (await game.queryFilter(game.filters.Moved(gameId), 0)).length >= 3, 60_000);
    faulty.kill("SIGKILL");
    expect((await faulty.exited).signal).to.equal("SIGKILL");
    const movesAtKill = (await game.queryFilter(game.filters.Moved(gameId), 0)).length;
    faulty = startDaemon("faulty prover (restarted)", "prover", 2, ["--models", registered.modelId, "--faulty", FAULT]);
    await faulty.waitFor((l) => l.msg === "started", 60_000, "restart");
    await faulty.waitFor((l) => l.msg === "move", 60_000, "a move after the restart");

    await until("job 2 faulted", async () => (await events("JobFaulted", 2n)).length > 0, 90_000);
    const moves = await game.queryFilter(game.filters.Moved(gameId), 0);
    expect(moves.length).to.be.greaterThan(movesAtKill);
    expect(Number(await game.gameStatus(gameId))).to.equal(3); // ChallengerWon
    const [resolved] = await game.queryFilter(game.filters.GameResolved(gameId), 0);
    expect(resolved!.args.reason).to.match(/^0x737465702072656675746564/); // "step refuted"
    // The watcher re-ran the honest result and agreed. (A liveness bound, not a timing claim: on a
    // loaded 2-core machine the watcher's loop, busy with the game, took over 30 s once.)
    await until("the watcher's verdict on job 1", async () => parseMetrics(await watcher.metrics()).get('verinfer_results{verdict="agree"}') === 1, 90_000);

    // The challenge window of job 1 ends: the prover finalizes and withdraws; the watcher has withdrawn its reward.
    await rpc(node.url, "evm_increaseTime", [TEST_MARKET_PARAMS.challengeWindow + 1]);
    await rpc(node.url, "evm_mine");
    await until("job 1 finalized", async () => (await events("JobFinalized", 1n)).length > 0, 60_000);
    const withdrawn = async (who: string) => (await market.queryFilter(market.filters.Withdrawn(who), 0)).length > 0;
    await until("the prover's withdrawal", () => withdrawn(PROVER), 30_000);
    await until("the watcher's withdrawal", () => withdrawn(WATCHER), 30_000);
    expect(await market.credits(PROVER)).to.equal(0n);
    expect(await market.credits(WATCHER)).to.equal(0n);
    expect((await market.job(2n)).status).to.equal(5n); // Faulted: the requester was refunded

    // Metrics: wins and losses come from the store, so the restarted prover still counts its loss.
    const fm = parseMetrics(await faulty.metrics());
    expect(fm.get("verinfer_games_lost")).to.equal(1);
    const wm = parseMetrics(await watcher.metrics());
    expect(wm.get("verinfer_games_won")).to.equal(1);
    expect(wm.get("verinfer_gas_used")).to.be.greaterThan(0);
    expect(wm.get("verinfer_lag_blocks")).to.be.lessThan(10);
    const pm = parseMetrics(await prover.metrics());
    expect(pm.get("verinfer_jobs_finalized_total")).to.equal(1);
    expect(pm.get("verinfer_results_posted_total")).to.equal(1);

    // game status: the games of a result, with level, position, clocks and bonds.
    const status = await cli(["game", "status", "2"]);
    expect(status.games).to.have.length(1);
    expect(status.games[0]).to.deep.include({ gameId: gameId.toString(), status: "ChallengerWon", settled: true, moves: moves.length });

    // Graceful shutdown on SIGTERM / SIGINT.
    prover.kill("SIGTERM");
    watcher.kill("SIGINT");
    faulty.kill("SIGTERM");
    for (const d of [prover, watcher, faulty]) {
      expect((await d.exited).code, d.raw.slice(-2000)).to.equal(0);
      expect(d.find((l) => l.msg === "stopped")).to.not.equal(undefined);
    }

    // Nothing was sent twice: one result per job, and every transaction of the faulty prover
    // (across the kill) has its own nonce, each mined once.
    expect((await events("ResultPosted", 2n)).length).to.equal(1);
    // The same for the honest prover and the watcher.
    for (const [role, who] of [["prover", FAULTY], ["prover", PROVER], ["watcher", WATCHER]] as const) {
      const store = Store.open(join(home, `${role}-31337-${who.toLowerCase()}.sqlite`));
      const txs = store.txs.all();
      store.close();
      const nonces = txs.map((t) => t.nonce);
      expect(new Set(nonces).size, who).to.equal(nonces.length);
      expect(txs.filter((t) => t.status !== "mined" && !(t.status === "failed" && t.block !== null)).map((t) => `${t.kind} ${t.key} ${t.status}`), who).to.deep.equal([]);
      expect(await provider.getTransactionCount(who, "latest"), who).to.equal(txs.length);
      const hashes = txs.map((t) => t.hash);
      expect(new Set(hashes).size, who).to.equal(hashes.length);
      for (const t of txs) {
        const onChain = await provider.getTransaction(t.hash!);
        expect(onChain?.nonce, `${who} ${t.kind}`).to.equal(t.nonce);
        // A settle that lost the race to the other side was mined, reverted, and recorded as failed.
        expect((await provider.getTransactionReceipt(t.hash!))?.status, `${who} ${t.kind}`).to.equal(t.status === "mined" ? 1 : 0);
      }
    }
    expect((await events("ResultPosted", 1n)).length).to.equal(1);
  });
});
