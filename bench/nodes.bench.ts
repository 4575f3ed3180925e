/**
 * Jobs per second finalized by one honest prover (the project's ProverService, as `verinfer
 * prover` runs it) on the in-process chain, wired as offchain/demo does: deploy, register the
 * project CNN (file:// mirror), submit N jobs naming the prover, step the prover until every
 * result is posted, skip the challenge window (evm_increaseTime), step until every job is
 * finalized and the prover has withdrawn. The window itself is not counted (it is a parameter,
 * not work). Time split by wrapping the prover's engine (inference), the tensor commitment (none
 * off-chain on the honest path: the market commits the posted outputs on-chain, so its cost is in
 * the chain share; the off-chain equivalent is measured apart), and the node's sends and scans
 * (chain); the rest is the node's own bookkeeping (SQLite store, decisions).
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import type { Signer } from "ethers";
import { connect, type ChainConnection } from "../offchain/chain/network.js";
import { deployProtocol } from "../offchain/chain/deploy.js";
import { VerinferClient } from "../offchain/chain/client.js";
import type { Deployment } from "../offchain/chain/deployments.js";
import { commitModel, fileHash } from "../offchain/engine/commit/model-commit.js";
import { merkleRoot } from "../offchain/engine/commit/tensor-commitment.js";
import { decodeModel } from "../offchain/engine/onnx/decode.js";
import { tensorBytes, type Tensor } from "../offchain/engine/tensor.js";
import { DEMO_GAME, DEMO_MARKET } from "../offchain/demo/demo.js";
import { digitSamples } from "../offchain/quantize/data/digit-samples.js";
import { mnistSplit } from "../offchain/quantize/data/mnist.js";
import { projectModel } from "../offchain/quantize/project/project-model.js";
import { ProverService } from "../offchain/prover/service.js";
import { createLogger } from "../offchain/service/log.js";
import type { NodeOptions } from "../offchain/service/options.js";
import type { BenchSection } from "./run.js";

const JOBS = 48;
const ms = (t: bigint) => Number(t) / 1e6;

export async function nodesBenchmark(): Promise<BenchSection> {
  const paths = await projectModel();
  const bytes = readFileSync(paths.quantizedPath);
  const model = decodeModel(bytes);
  const commitment = commitModel(model);
  const modelId = commitment.modelId;
  const samples = digitSamples(model, mnistSplit().evaluation.slice(0, JOBS));

  const chain = await connect("hardhat");
  const home = mkdtempSync(join(tmpdir(), "verinfer-bench-nodes-"));
  try {
    const [deployer, requesterS, proverS] = chain.signers;
    const proverAddr = await proverS!.getAddress();
    const { deployment } = await deployProtocol(deployer!, { market: { ...DEMO_MARKET }, game: { ...DEMO_GAME } });
    await new VerinferClient(deployer!, deployment).registerModel(modelId, commitment.parts, fileHash(bytes), pathToFileURL(paths.quantizedPath).href);
    const opts: NodeOptions = {
      role: "prover",
      network: "hardhat",
      home,
      db: join(home, "prover.sqlite"),
      confirmations: 0,
      pollMs: 0,
      batchBlocks: 10_000,
      metricsPort: 0,
      models: [modelId],
      sampleRate: 1,
      minFee: 0n,
      urgentSeconds: 60,
      logLevel: "warn",
      json: false,
    };
    const as = (s: Signer): ChainConnection => ({ ...chain, signer: s, close: async () => {} });
    const prover = new ProverService(opts, createLogger("prover", { write: () => {} }), { chain: as(proverS!), deployment: deployment as Deployment });
    await prover.init();

    // Instrument: inference (the engine the prover serves with), chain (sends, scans, chain time).
    const shell = prover.shell;
    const engine = await shell.engineFor(modelId);
    const timers = { inference: 0n, send: 0n, scan: 0n, sends: 0 };
    const wrap = <A extends unknown[], R>(fn: (...a: A) => Promise<R>, add: (dt: bigint) => void) => async (...a: A): Promise<R> => {
      const t0 = process.hrtime.bigint();
      try {
        return await fn(...a);
      } finally {
        add(process.hrtime.bigint() - t0);
      }
    };
    const e = engine as unknown as { run: (f: ReadonlyMap<string, Tensor>) => Promise<ReadonlyMap<string, Tensor>> };
    e.run = wrap(e.run.bind(engine), (d) => (timers.inference += d));
    const sh = shell as unknown as { send: (...a: unknown[]) => Promise<unknown>; scan: () => Promise<void>; chainTime: () => Promise<number> };
    sh.send = wrap(sh.send.bind(shell), (d) => {
      timers.send += d;
      timers.sends++;
    });
    sh.scan = wrap(sh.scan.bind(shell), (d) => (timers.scan += d));
    sh.chainTime = wrap(sh.chainTime.bind(shell), (d) => (timers.scan += d));

    const client = new VerinferClient(requesterS!, deployment);
    const jobIds: bigint[] = [];
    for (const s of samples) {
      const inputs = model.graph.inputs.map((v) => Uint8Array.from(tensorBytes(s.feeds.get(v.name)!)));
      jobIds.push((await client.submitJob({ modelId, inputs, fee: 10n ** 16n, prover: proverAddr })).jobId);
    }
    const market = shell.market;
    const statusOf = async () => Promise.all(jobIds.map(async (id) => Number((await market.job(id)).status)));
    let rounds = 0;
    let checking = 0n; // the bench's own status polling, taken out of the work
    const until = async (done: () => Promise<boolean>) => {
      for (;;) {
        const c = process.hrtime.bigint();
        const ok = await done();
        checking += process.hrtime.bigint() - c;
        if (ok) return;
        if (++rounds > 100 + 10 * JOBS) throw new Error("the prover did not get there");
        await prover.iterate();
      }
    };
    const blockBefore = await chain.provider.getBlockNumber();
    const t0 = process.hrtime.bigint();
    await until(async () => (await statusOf()).every((s) => s === 3)); // Posted
    const tPosted = process.hrtime.bigint();
    const provider = chain.provider as unknown as { send(method: string, params: unknown[]): Promise<unknown> };
    await provider.send("evm_increaseTime", [DEMO_MARKET.challengeWindow + 1]);
    await provider.send("evm_mine", []);
    const tWindow = process.hrtime.bigint();
    await until(async () => (await statusOf()).every((s) => s === 4) && (await market.credits(proverAddr)) === 0n); // Finalized, withdrawn
    const tEnd = process.hrtime.bigint();

    // Gas of the prover's transactions (claim, post, finalize per job; withdrawals).
    const txs = shell.store.txs.all();
    const gasBy = new Map<string, { n: number; gas: bigint }>();
    for (const t of txs) {
      const g = gasBy.get(t.kind) ?? { n: 0, gas: 0n };
      g.n++;
      g.gas += t.gasUsed ?? 0n;
      gasBy.set(t.kind, g);
    }
    const gasTotal = [...gasBy.values()].reduce((s, g) => s + g.gas, 0n);
    const gasPerJob = Number(gasTotal) / JOBS;

    const inference = ms(timers.inference);
    // The off-chain cost of the commitment the market makes on-chain of each posted output.
    const values = await Promise.all(samples.slice(0, 8).map(async (s) => (await engine.run(s.feeds)).get(engine.outputs[0]!.name)!));
    const c0 = process.hrtime.bigint();
    const REPS = 200;
    for (let r = 0; r < REPS; r++) for (const v of values) merkleRoot(tensorBytes(v));
    const commitMs = ms(process.hrtime.bigint() - c0) / (REPS * values.length);

    await prover.stop();

    const worked = ms(tPosted - t0) + ms(tEnd - tWindow) - ms(checking);
    const chainMs = ms(timers.send + timers.scan);
    const other = worked - inference - chainMs;
    const jobsPerSecond = JOBS / (worked / 1000);
    const blocks = (await chain.provider.getBlockNumber()) - blockBefore;
    const pct = (x: number) => `${((100 * x) / worked).toFixed(0)}%`;
    const perJob = (x: number) => (x / JOBS).toFixed(2);
    const rows = [
      "| share | total (ms) | per job (ms) | % of the work |",
      "|---|---:|---:|---:|",
      `| inference (engine.run, onnxruntime) | ${inference.toFixed(0)} | ${perJob(inference)} | ${pct(inference)} |`,
      `| commitment off-chain (none on the honest path) | 0 | 0 | 0% |`,
      `| chain: ${timers.sends} sends (estimate, sign, broadcast, receipt) + scans | ${chainMs.toFixed(0)} | ${perJob(chainMs)} | ${pct(chainMs)} |`,
      `| node bookkeeping (SQLite store, decisions) | ${other.toFixed(0)} | ${perJob(other)} | ${pct(other)} |`,
    ];
    const gasRows = ["| transaction | count | gas each (mean) |", "|---|---:|---:|", ...[...gasBy].map(([k, g]) => `| ${k} | ${g.n} | ${(Number(g.gas) / g.n).toFixed(0)} |`)];
    const atThirtyMgas = 30e6 / 12 / gasPerJob;
    const chainShare = chainMs / worked;
    const markdown = [
      `One honest prover (the project's ProverService, stepped in-process as \`verinfer demo\` does) on the in-process Hardhat chain (automine), the project CNN, ${JOBS} jobs naming it: claim, run, post, finalize, withdraw. The challenge window is skipped with evm_increaseTime and not counted. ${rounds} node iterations, ${blocks} blocks.`,
      "",
      `**${jobsPerSecond.toFixed(1)} jobs/s finalized** (${worked.toFixed(0)} ms of work for ${JOBS} jobs, the bench's own status polling taken out).`,
      "",
      ...rows,
      "",
      `Gas per job ${gasPerJob.toFixed(0)} (the market's on-chain commitment of the inputs at submit is the requester's, not in this figure; the outputs' is inside postResult). The same outputs commitment off-chain costs ${(commitMs * 1000).toFixed(1)} µs per job (SHA-256 tree of the logits).`,
      "",
      ...gasRows,
      "",
      "Where the time goes at the limit: the prover sends one transaction at a time and waits for its receipt " +
        `(3 per job plus withdrawals: ${timers.sends} sends), so the chain round-trip dominates (${(chainShare * 100).toFixed(0)}% here, ${perJob(chainMs)} ms a job on an automining in-process chain; ` +
        `seconds a block on a real one); inference is ${perJob(inference)} ms a job and the off-chain commitment is nil. ` +
        `On a real chain the ceiling is gas: at 30 Mgas per 12 s block, ${atThirtyMgas.toFixed(0)} jobs/s if the whole block went to this market.`,
      "",
      "To double it: pipeline the sends (the TxSender already pins nonces in its intents; send the claim/post/finalize of many jobs without awaiting each receipt, then collect receipts), " +
        "which removes the per-transaction round-trip that is most of the time here; then the remaining floor is the chain executing the transactions and inference " +
        "(run jobs in a worker pool to overlap them with sending). On a gas-bound chain, halve the gas per job instead: batch claim+post in one call (claimAndPost) and finalize many jobs per transaction (contract changes).",
    ].join("\n");
    return { title: "Nodes: jobs per second finalized by one prover", markdown };
  } finally {
    await chain.close();
    rmSync(home, { recursive: true, force: true });
  }
}
