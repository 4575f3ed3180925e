/** The nodes' pure cores and their option validation: no chain needed. */
import { expect } from "chai";
import { proverActions, type ProverView } from "../../offchain/prover/core.js";
import { sampled, watcherActions, type WatcherView } from "../../offchain/watcher/core.js";
import { describeFault, nodeOptions } from "../../offchain/service/options.js";
import { Metrics, parseMetrics } from "../../offchain/service/metrics.js";
import { UsageError } from "../../offchain/errors.js";
import type { JobRow } from "../../offchain/store/jobs.js";
import type { ResultRow } from "../../offchain/store/results.js";

const ME = "0x00000000000000000000000000000000000000A1";
const OTHER = "0x00000000000000000000000000000000000000B2";
const ZERO = "0x0000000000000000000000000000000000000000";
const MODEL = `0x${"ab".repeat(32)}`;
const job = (o: Partial<JobRow>): JobRow => ({
  jobId: 1n, modelId: MODEL, requester: OTHER, namedProver: ZERO, fee: 10n, deadline: 1_000, inputsCommitment: "0x", status: "Open", prover: null, timer: null, block: 1, note: null, ...o,
});
const view = (o: Partial<ProverView>): ProverView => ({ me: ME, now: 100, jobs: [], answered: new Set(), served: new Set([MODEL]), games: [], minFee: 0n, marginSeconds: 2, ...o });

describe("prover core: what to do next", () => {
  it("computes before it claims, claims, posts while its claim lasts, finalizes after the window", () => {
    expect(proverActions(view({ jobs: [job({})] }))).to.deep.equal([{ kind: "compute", jobId: 1n }]);
    expect(proverActions(view({ jobs: [job({})], answered: new Set([1n]) }))).to.deep.equal([{ kind: "claim", jobId: 1n }]);
    expect(proverActions(view({ jobs: [job({ status: "Claimed", prover: ME, timer: 500 })], answered: new Set([1n]) }))).to.deep.equal([{ kind: "post", jobId: 1n }]);
    expect(proverActions(view({ jobs: [job({ status: "Claimed", prover: ME, timer: 101 })], answered: new Set([1n]) }))).to.deep.equal([]);
    expect(proverActions(view({ jobs: [job({ status: "Posted", prover: ME, timer: 90 })] }))).to.deep.equal([{ kind: "finalize", jobId: 1n }]);
    expect(proverActions(view({ jobs: [job({ status: "Posted", prover: ME, timer: 200 })] }))).to.deep.equal([]);
  });

  it("leaves alone: other models, small fees, jobs naming another prover, live claims of others, skipped jobs, past deadlines", () => {
    expect(proverActions(view({ jobs: [job({ modelId: `0x${"cd".repeat(32)}` })] }))).to.deep.equal([]);
    expect(proverActions(view({ jobs: [job({ fee: 1n })], minFee: 5n }))).to.deep.equal([]);
    expect(proverActions(view({ jobs: [job({ namedProver: OTHER })] }))).to.deep.equal([]);
    expect(proverActions(view({ jobs: [job({ status: "Claimed", prover: OTHER, timer: 500 })] }))).to.deep.equal([]);
    expect(proverActions(view({ jobs: [job({ status: "Claimed", prover: OTHER, timer: 50 })] }))).to.deep.equal([{ kind: "compute", jobId: 1n }]);
    expect(proverActions(view({ jobs: [job({ note: "skip: bad inputs" })] }))).to.deep.equal([]);
    expect(proverActions(view({ jobs: [job({ deadline: 101 })] }))).to.deep.equal([]);
  });
});

describe("watcher core: what to re-run and challenge", () => {
  const result = (o: Partial<ResultRow>): ResultRow => ({ jobId: 1n, prover: OTHER, outputsCommitment: "0x", outputs: [], windowEnd: 500, block: 1, verdict: null, verdictDetail: null, ...o });
  const wview = (o: Partial<WatcherView>): WatcherView => ({
    me: ME, now: 100, unjudged: [], disagreed: [], jobs: new Map([[1n, job({ status: "Posted" })]]), games: [], challengedJobs: new Set(), sampleRate: 1, models: new Set(), marginSeconds: 2, ...o,
  });

  it("checks others' results inside the window, challenges confirmed disagreements once", () => {
    expect(watcherActions(wview({ unjudged: [result({})] }))).to.deep.equal([{ kind: "check", jobId: 1n }]);
    expect(watcherActions(wview({ unjudged: [result({ prover: ME })] }))[0]).to.include({ kind: "skip", reason: "own result" });
    expect(watcherActions(wview({ unjudged: [result({ windowEnd: 101 })] }))[0]).to.include({ kind: "skip", reason: "challenge window closed" });
    expect(watcherActions(wview({ disagreed: [result({ verdict: "disagree" })] }))).to.deep.equal([{ kind: "challenge", jobId: 1n }]);
    expect(watcherActions(wview({ disagreed: [result({ verdict: "disagree" })], challengedJobs: new Set([1n]) }))).to.deep.equal([]);
    expect(watcherActions(wview({ disagreed: [result({ verdict: "disagree" })], jobs: new Map([[1n, job({ status: "Faulted" })]]) }))).to.deep.equal([]);
  });

  it("samples deterministically per watcher, at about the rate asked", () => {
    const picked = Array.from({ length: 2_000 }, (_, i) => sampled(ME, BigInt(i), 0.25)).filter(Boolean).length;
    expect(picked).to.be.within(400, 600);
    expect(sampled(ME, 7n, 0.25)).to.equal(sampled(ME, 7n, 0.25));
    expect(sampled(ME, 7n, 0)).to.equal(false);
    expect(sampled(ME, 7n, 1)).to.equal(true);
  });
});

describe("node options and metrics", () => {
  it("flags win over the environment; bad values are one-line usage errors naming flag and variable", () => {
    const o = nodeOptions("watcher", { confirmations: "5" }, { VERINFER_CONFIRMATIONS: "9", VERINFER_SAMPLE_RATE: "0.5", VERINFER_POLL_MS: "250" });
    expect(o).to.include({ confirmations: 5, sampleRate: 0.5, pollMs: 250, metricsPort: 9465, network: "localhost" });
    expect(() => nodeOptions("prover", {}, {})).to.throw(UsageError, /--models/);
    expect(() => nodeOptions("watcher", { sampleRate: "2" }, {})).to.throw(UsageError, /--sample-rate \/ \$VERINFER_SAMPLE_RATE must be a fraction/);
    expect(() => nodeOptions("watcher", { confirmations: "-1" }, {})).to.throw(UsageError, /--confirmations/);
    expect(() => nodeOptions("prover", { models: "nonsense" }, {})).to.throw(UsageError, /neither a model id/);
    expect(() => nodeOptions("watcher", { faulty: "1:2:0" }, {})).to.throw(/DELTA 0/);
  });

  it("a fault option says what it falsifies", () => {
    const o = nodeOptions("prover", { models: MODEL, faulty: "6:3:7" }, {});
    expect(describeFault("prover", o.faulty!)).to.match(/FAULTY PROVER: every result posted has output element 3 of node 6 shifted by 7/);
  });

  it("renders Prometheus text that parses back", () => {
    const m = new Metrics();
    const inc = m.counter("jobs_claimed_total", "jobs claimed");
    m.gauge("games", "games", () => [{ labels: { state: "won" }, value: 2 }]);
    inc();
    inc(2);
    const text = m.render();
    expect(text).to.contain("# TYPE verinfer_jobs_claimed_total counter");
    expect(parseMetrics(text).get("verinfer_jobs_claimed_total")).to.equal(3);
    expect(parseMetrics(text).get('verinfer_games{state="won"}')).to.equal(2);
  });
});

describe("model files from mirrors are never trusted", () => {
  it("refuses a file whose hash is not the mirror's, or whose recomputed id is not the registered one", async () => {
    const { checkModelFile } = await import("../../offchain/service/model-source.js");
    const { encodeModel } = await import("../../offchain/engine/onnx/encode.js");
    const { commitModel, fileHash } = await import("../../offchain/engine/commit/model-commit.js");
    const { tinyModel } = await import("../engine/support/tiny-model.js");
    const a = tinyModel({ withArgMax: false });
    const bytes = encodeModel(a);
    const id = commitModel(a).modelId;
    expect(checkModelFile(bytes, fileHash(bytes), id)).to.equal(null);
    expect(checkModelFile(bytes, `0x${"11".repeat(32)}`, id)).to.match(/^file hash 0x[0-9a-f]+ is not the mirror's/);
    const otherId = commitModel(tinyModel({ withArgMax: true })).modelId;
    expect(checkModelFile(bytes, fileHash(bytes), otherId)).to.equal(`the file's model id is ${id}, not ${otherId}`);
  });
});
