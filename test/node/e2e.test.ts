/**
 * End-to-end stories on the real protocol (offchain/chain/deploy.ts: the one-step verifiers
 * behind the router), every node a separate `verinfer` process on one `hardhat node` (a free
 * loopback port) and one deployment shared by the cases, serving the project's quantized MNIST CNN
 * from an http:// mirror on loopback. One faulty prover process (--faulty: the demo's inner-node
 * lie) runs through the cases; each case starts its own watchers (its own accounts and
 * databases, scanning from the case's first block) and stops them at its end.
 * - two watchers on the same wrong result: both challenge; the first to win takes the prover's
 *   bond, the other's game closes and it gets its bond back plus the move bonds of its game;
 * - a watcher started late (most of the challenge window gone) still catches the lie and wins;
 * - a watcher SIGKILLed mid-game and restarted resumes from its store and wins; nothing sent twice;
 * - a model whose mirror serves a file that matches neither its id nor the mirror's file hash:
 *   the prover refuses to serve it, the watcher refuses to check it, both log why.
 */
import { expect } from "chai";
import { createServer, type Server } from "node:http";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Wallet, id, type JsonRpcProvider } from "ethers";
import { JobMarket__factory, type JobMarket } from "../../offchain/chain/contracts.js";
import { VerinferClient } from "../../offchain/chain/client.js";
import type { Deployment } from "../../offchain/chain/deployments.js";
import { DisputeGame__factory } from "../../types/ethers-contracts/index.js";
import { commitModel, fileHash } from "../../offchain/engine/commit/model-commit.js";
import { decodeModel } from "../../offchain/engine/onnx/decode.js";
import { chooseFault } from "../../offchain/demo/demo.js";
import { digitSamples } from "../../offchain/quantize/data/digit-samples.js";
import { mnistSplit } from "../../offchain/quantize/data/mnist.js";
import { projectModel } from "../../offchain/quantize/project/project-model.js";
import { Store } from "../../offchain/store/store.js";
import { tinyModel } from "../engine/support/tiny-model.js";
import { deployTestProtocol, devKey, devWallet, rpc, startNode, TEST_MARKET_PARAMS, type TestNode } from "./support/chain.js";
import { Daemon, until } from "./support/daemon.js";

const FEE = 10n ** 16n;
const BURN = (x: bigint) => (x * BigInt(TEST_MARKET_PARAMS.burnBps)) / 10_000n;
const CHALLENGER_WON = 3n;
const CLOSED = 4n;

describe("end to end: prover and watcher processes on a hardhat node (real protocol, project CNN)", function () {
  this.timeout(180_000);
  let node: TestNode;
  let home: string;
  let server: Server;
  let provider: JsonRpcProvider;
  let market: JobMarket;
  let deployment: Deployment;
  let requester: VerinferClient;
  let modelId: string;
  let mirror: string;
  let fault: string;
  let digits: Uint8Array[];
  let faulty: Daemon;
  const daemons: Daemon[] = [];
  let caseDaemons: Daemon[] = [];
  let caseBlock = 0;
  const addr = (i: number) => new Wallet(devKey(i)).address;
  const FAULTY = addr(1);

  const startDaemon = (label: string, role: "prover" | "watcher", key: number, extra: string[] = []) => {
    const d = new Daemon(label, [role, "--network", node.url, "--confirmations", "1", "--poll-ms", "200", "--metrics-port", "0", ...extra], {
      VERINFER_HOME: home,
      VERINFER_PRIVATE_KEY: devKey(key),
    });
    daemons.push(d);
    return d;
  };
  const startWatcher = (label: string, key: number) => {
    const d = startDaemon(label, "watcher", key, ["--from-block", String(caseBlock), "--models", modelId]);
    caseDaemons.push(d);
    return d;
  };
  const started = (d: Daemon) => d.waitFor((l) => l.msg === "started", 60_000, "start-up");
  const submitFaulty = async (digit: number) => (await requester.submitJob({ modelId, inputs: [digits[digit]!], fee: FEE, prover: FAULTY })).jobId;
  const challenges = (jobId: bigint) => market.queryFilter(market.filters.JobChallenged(jobId), 0);
  const settled = (gameId: bigint) => market.queryFilter(market.filters.GameSettled(gameId), 0);
  const withdrawnBy = async (who: string) => (await market.queryFilter(market.filters.Withdrawn(who), 0)).reduce((s, e) => s + e.args.amount, 0n);
  const bondsOf = async (gameId: bigint) => {
    const [e] = await market.queryFilter(market.filters.MoveBondsReleased(gameId), 0);
    return { mp: e!.args.proverBonds, mc: e!.args.challengerBonds };
  };
  /** Every transaction a node stored has its own nonce and hash, and was mined once with that nonce. */
  const sentOnce = async (role: string, who: string) => {
    const store = Store.open(join(home, `${role}-31337-${who.toLowerCase()}.sqlite`));
    const txs = store.txs.all();
    store.close();
    expect(txs.length, who).to.be.greaterThan(0);
    expect(txs.filter((t) => t.status !== "mined" && !(t.status === "failed" && t.block !== null)).map((t) => `${t.kind} ${t.key} ${t.status}`), who).to.deep.equal([]);
    expect(new Set(txs.map((t) => t.nonce)).size, who).to.equal(txs.length);
    expect(new Set(txs.map((t) => t.hash)).size, who).to.equal(txs.length);
    for (const t of txs) {
      expect((await provider.getTransaction(t.hash!))?.nonce, `${who} ${t.kind}`).to.equal(t.nonce);
      // A settle that lost the race to the other side was mined, reverted, and recorded as failed.
      expect((await provider.getTransactionReceipt(t.hash!))?.status, `${who} ${t.kind}`).to.equal(t.status === "mined" ? 1 : 0);
    }
    expect(await provider.getTransactionCount(who, "latest"), who).to.equal(txs.length);
  };

  before(async () => {
    home = mkdtempSync(join(tmpdir(), "verinfer-e2e-"));
    const [n, paths] = await Promise.all([startNode(), projectModel()]);
    node = n;
    const bytes = readFileSync(paths.quantizedPath);
    server = createServer((req, res) => (req.url === "/int8.onnx" ? res.writeHead(200).end(bytes) : res.writeHead(404).end()));
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
    mirror = `http://127.0.0.1:${(server.address() as { port: number }).port}/int8.onnx`;
    const model = decodeModel(bytes);
    const samples = digitSamples(model, mnistSplit().evaluation.slice(0, 3));
    fault = chooseFault(model, samples).text;
    digits = samples.map((s) => {
      const f = s.feeds.get("input")!.data as Float32Array;
      return new Uint8Array(f.buffer, f.byteOffset, f.byteLength).slice();
    });
    const dev = devWallet(node.url, 0);
    provider = dev.provider;
    ({ deployment } = await deployTestProtocol(dev.wallet, home));
    market = JobMarket__factory.connect(deployment.market!, provider);
    requester = new VerinferClient(dev.wallet, deployment);
    const commitment = commitModel(model);
    modelId = commitment.modelId;
    await requester.registerModel(modelId, commitment.parts, fileHash(bytes), mirror);
    await rpc(node.url, "evm_setIntervalMining", [250]);
    faulty = startDaemon("faulty prover", "prover", 1, ["--models", modelId, "--faulty", fault]);
    await started(faulty);
  });

  beforeEach(async () => {
    caseDaemons = [];
    caseBlock = await provider.getBlockNumber();
  });

  afterEach(async () => {
    for (const d of caseDaemons) if (d.process.exitCode === null && d.process.signalCode === null) d.kill("SIGTERM");
    await Promise.all(caseDaemons.map((d) => Promise.race([d.exited, new Promise((r) => setTimeout(r, 10_000))])));
    for (const d of caseDaemons) if (d.process.exitCode === null && d.process.signalCode === null) d.kill("SIGKILL");
  });

  after(async () => {
    for (const d of daemons) if (d.process.exitCode === null && d.process.signalCode === null) d.kill("SIGKILL");
    // VERINFER_TEST_LOGS=<dir> keeps every daemon's log (JSON lines) for inspection.
    const keep = process.env.VERINFER_TEST_LOGS;
    if (keep) daemons.forEach((d, i) => writeFileSync(join(keep, `e2e-${i}-${d.label.replace(/\W+/g, "-")}.log`), d.raw));
    provider?.destroy();
    server?.close();
    await node?.stop();
    if (home) rmSync(home, { recursive: true, force: true });
  });

  it("two watchers on the same wrong result: the first to win takes the prover's bond, the other's game closes with its bond and the move bonds", async () => {
    const [A, B] = [addr(4), addr(5)];
    const wa = startWatcher("watcher A", 4);
    const wb = startWatcher("watcher B", 5);
    await Promise.all([started(wa), started(wb)]);
    const jobId = await submitFaulty(0);

    const opened = await until("both challenges", async () => {
      const c = await challenges(jobId);
      return c.length === 2 && c;
    }, 90_000);
    expect(new Set(opened.map((e) => e.args.challenger))).to.deep.equal(new Set([A, B]));
    const games = opened.map((e) => ({ gameId: e.args.gameId, challenger: e.args.challenger }));
    const outcomes = await until("both games settled", async () => {
      const s = await Promise.all(games.map(async (g) => (await settled(g.gameId))[0]));
      return s.every((e) => e !== undefined) && s.map((e) => e!.args.outcome);
    }, 120_000);
    expect([...outcomes].sort()).to.deep.equal([CHALLENGER_WON, CLOSED]);
    const winner = games[outcomes.indexOf(CHALLENGER_WON)]!;
    const closed = games[outcomes.indexOf(CLOSED)]!;
    const [faulted] = await market.queryFilter(market.filters.JobFaulted(jobId), 0);
    expect(faulted!.args.gameId).to.equal(winner.gameId);
    expect((await market.job(jobId)).status).to.equal(5n); // Faulted: the requester was refunded

    const { proverBond: Bp, challengerBond: Bc } = TEST_MARKET_PARAMS;
    const w = await bondsOf(winner.gameId);
    const c = await bondsOf(closed.gameId);
    expect(w.mp).to.be.greaterThan(0n);
    expect(c.mp).to.be.greaterThan(0n); // the prover played in the closed game too
    await until("both withdrawals", async () => (await market.credits(A)) === 0n && (await market.credits(B)) === 0n && (await withdrawnBy(A)) > 0n && (await withdrawnBy(B)) > 0n, 30_000);
    expect(await withdrawnBy(winner.challenger)).to.equal(Bc + Bp - BURN(Bp) + w.mc + w.mp - BURN(w.mp));
    expect(await withdrawnBy(closed.challenger)).to.equal(Bc + c.mc + c.mp);
    await sentOnce("watcher", A);
    await sentOnce("watcher", B);
  });

  it("a watcher that starts late, inside the window, still catches the lie and wins", async () => {
    const W = addr(6);
    const jobId = await submitFaulty(1);
    await until("the faulty result", async () => (await market.queryFilter(market.filters.ResultPosted(jobId), 0)).length > 0, 60_000);
    // Two thirds of the challenge window pass with nobody watching.
    await rpc(node.url, "evm_increaseTime", [Math.floor((TEST_MARKET_PARAMS.challengeWindow * 2) / 3)]);
    await rpc(node.url, "evm_mine");
    const windowEnd = Number((await market.job(jobId)).timer);
    const now = (await provider.getBlock("latest"))!.timestamp;
    expect(windowEnd - now).to.be.within(1, TEST_MARKET_PARAMS.challengeWindow / 2);

    const w = startWatcher("late watcher", 6);
    await started(w);
    const [challenge] = await until("the late challenge", async () => {
      const c = await challenges(jobId);
      return c.length > 0 && c;
    }, 60_000);
    expect(challenge!.args.challenger).to.equal(W);
    const [s] = await until("the game settled", async () => {
      const e = await settled(challenge!.args.gameId);
      return e.length > 0 && e;
    }, 90_000);
    expect(s!.args.outcome).to.equal(CHALLENGER_WON);
    expect((await market.job(jobId)).status).to.equal(5n);
    await until("the late watcher's withdrawal", async () => (await withdrawnBy(W)) > 0n && (await market.credits(W)) === 0n, 30_000);
    await sentOnce("watcher", W);
  });

  it("a watcher SIGKILLed mid-game resumes from its store after a restart and wins; nothing sent twice", async () => {
    const W = addr(7);
    let w = startWatcher("watcher", 7);
    await started(w);
    const jobId = await submitFaulty(2);
    const [challenge] = await until("the challenge", async () => {
      const c = await challenges(jobId);
      return c.length > 0 && c;
    }, 90_000);
    const gameId = challenge!.args.gameId;
    const game = DisputeGame__factory.connect(deployment.disputeGame!, provider);
    await until("four moves", async () => (await game.queryFilter(game.filters.Moved(gameId), 0)).length >= 4, 60_000);
    w.kill("SIGKILL");
    expect((await w.exited).signal).to.equal("SIGKILL");
    const movesAtKill = (await game.queryFilter(game.filters.Moved(gameId), 0)).length;
    w = startWatcher("watcher (restarted)", 7);
    await started(w);
    const [s] = await until("the game settled", async () => {
      const e = await settled(gameId);
      return e.length > 0 && e;
    }, 90_000);
    expect(s!.args.outcome).to.equal(CHALLENGER_WON);
    expect((await game.queryFilter(game.filters.Moved(gameId), 0)).length).to.be.greaterThan(movesAtKill);
    expect(w.find((l) => l.msg === "move")).to.not.equal(undefined); // the restarted process played on
    expect(await challenges(jobId)).to.have.length(1); // it did not challenge again
    await until("the watcher's withdrawal", async () => (await withdrawnBy(W)) > 0n && (await market.credits(W)) === 0n, 30_000);
    await sentOnce("watcher", W);
    // The faulty prover, through all the cases: one result per job, each transaction sent once.
    for (const j of [1n, 2n, 3n]) expect(await market.queryFilter(market.filters.ResultPosted(j), 0)).to.have.length(1);
    await sentOnce("prover", FAULTY);
  });

  it("a model whose served file matches neither its id nor its file hash: the prover refuses to serve it, the watcher to check it; both log why", async () => {
    // Registered as the tiny test model, its mirrors serve the CNN's file: one mirror with the
    // CNN's hash (the id does not match), one with another hash (the file hash does not match).
    const tiny = commitModel(tinyModel({ withArgMax: false }));
    const bytes = readFileSync((await projectModel()).quantizedPath);
    await requester.registerModel(tiny.modelId, tiny.parts, fileHash(bytes), mirror);
    await (await requester.registry!.addMirror(tiny.modelId, id("another file"), mirror)).wait();
    const expectWhy = (reason: unknown) => {
      expect(reason).to.be.a("string");
      expect(reason).to.include(`the file's model id is ${modelId}, not ${tiny.modelId}`);
      expect(reason).to.match(/file hash 0x[0-9a-f]{64} is not the mirror's/);
    };

    const prover = startDaemon("prover of the mismatched model", "prover", 8, ["--models", tiny.modelId]);
    caseDaemons.push(prover);
    const refused = await prover.waitFor((l) => l.msg === "model refused", 60_000, "the refusal");
    expectWhy(refused.reason);
    expect((await prover.exited).code).to.not.equal(0); // nothing else to serve

    // Someone who did not check claims a job on it and posts a result; the watcher will not judge it.
    const w = startDaemon("watcher", "watcher", 9, ["--from-block", String(caseBlock)]);
    caseDaemons.push(w);
    await started(w);
    const poster = new VerinferClient(new Wallet(devKey(10), provider), deployment);
    const { jobId } = await requester.submitJob({ modelId: tiny.modelId, inputs: [new Uint8Array(32)], fee: FEE, prover: addr(10) });
    await poster.claimJob(jobId);
    await poster.postResult(jobId, [new Uint8Array(16)]);
    const wRefused = await w.waitFor((l) => l.msg === "model refused", 60_000, "the watcher's refusal");
    expectWhy(wRefused.reason);
    await new Promise((r) => setTimeout(r, 2_000));
    expect(await challenges(jobId)).to.have.length(0);
  });
});
