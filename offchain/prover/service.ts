/**
 * `verinfer prover`: claims jobs for the models it serves, runs them, posts results with its bond,
 * defends every game to the end, finalizes and withdraws. Restart-safe: everything it decides
 * from is in the store; everything it sends goes through the TxSender's intents.
 */
import { runWithFault, FaultError } from "../engine/exec/fault.js";
import type { Tensor } from "../engine/tensor.js";
import { VerinferError } from "../errors.js";
import type { Service } from "../service/lifecycle.js";
import type { Logger } from "../service/log.js";
import { NodeShell, type NodeInjection, type Side } from "../service/node.js";
import type { NodeOptions } from "../service/options.js";
import type { GameRow } from "../store/games.js";
import { proverActions, type ProverAction } from "./core.js";

export class ProverService implements Service {
  readonly name = "prover";
  readonly shell: NodeShell;
  private readonly served = new Set<string>();
  private readonly count;

  constructor(
    readonly opts: NodeOptions,
    readonly log: Logger,
    private readonly inject: NodeInjection = {},
  ) {
    this.shell = new NodeShell(opts, log);
    const m = this.shell.metrics;
    this.count = {
      claimed: m.counter("jobs_claimed_total", "jobs claimed"),
      posted: m.counter("results_posted_total", "results posted"),
      finalized: m.counter("jobs_finalized_total", "results finalized"),
      computed: m.counter("jobs_computed_total", "jobs run"),
    };
  }

  async init(): Promise<void> {
    await this.shell.init(this.inject);
    // Every model served is fetched from a registered mirror and verified before anything is claimed.
    for (const id of this.opts.models) {
      try {
        await this.shell.engineFor(id);
        this.served.add(id.toLowerCase());
      } catch (e) {
        if (!(e instanceof VerinferError)) throw e;
      }
    }
    if (this.served.size === 0) throw new VerinferError(`none of the models to serve could be verified (${this.opts.models.join(", ")}); see the log`);
    this.log("info", "serving", { models: [...this.served] });
  }

  async iterate(): Promise<void> {
    const s = this.shell;
    await s.scan();
    const jobs = s.store.jobs.live();
    const answered = new Set(jobs.filter((j) => s.store.results.answer(j.jobId) !== undefined).map((j) => j.jobId));
    const actions = proverActions({
      me: s.me,
      now: await s.chainTime(),
      jobs,
      answered,
      served: this.served,
      games: s.store.games.unfinished(),
      minFee: this.opts.minFee,
      marginSeconds: 2,
    });
    for (const a of actions) await s.guard(a.kind, "jobId" in a ? { jobId: a.jobId } : { gameId: a.gameId }, () => this.execute(a));
    await s.guard("withdraw", {}, () => s.withdrawIfOwed());
  }

  async stop(): Promise<void> {
    await this.shell.stop();
  }

  private async execute(a: ProverAction): Promise<void> {
    const s = this.shell;
    const market = s.deployment.market!;
    switch (a.kind) {
      case "compute":
        return this.compute(a.jobId);
      case "claim": {
        const out = await s.send({ key: `claim:${a.jobId}`, kind: "claimJob", to: market, data: s.market.interface.encodeFunctionData("claimJob", [a.jobId]), value: s.params.proverBond });
        if (out) {
          this.count.claimed();
          s.applyReceipt(out.receipt);
        }
        if (!out || !out.receipt) await this.refreshJob(a.jobId);
        return;
      }
      case "post": {
        const answer = s.store.results.answer(a.jobId)!;
        const out = await s.send({ key: `post:${a.jobId}`, kind: "postResult", to: market, data: s.market.interface.encodeFunctionData("postResult", [a.jobId, [...answer.outputs]]) });
        if (out) {
          this.count.posted();
          s.applyReceipt(out.receipt);
          this.log("info", "result posted", { jobId: a.jobId, faulty: answer.faulty ?? undefined });
        }
        if (!out || !out.receipt) await this.refreshJob(a.jobId);
        return;
      }
      case "finalize": {
        const out = await s.send({ key: `finalize:${a.jobId}`, kind: "finalize", to: market, data: s.market.interface.encodeFunctionData("finalize", [a.jobId]) });
        if (out) {
          this.count.finalized();
          s.applyReceipt(out.receipt);
          s.store.setMeta("credits_dirty", "1");
        }
        await this.refreshJob(a.jobId);
        return;
      }
      case "play": {
        const g = s.store.games.get(a.gameId)!;
        return s.playGame(g, () => this.side(g));
      }
    }
  }

  /** Reads a job's status from the chain (after a race or a send reused from before a crash). */
  private async refreshJob(jobId: bigint): Promise<void> {
    const s = this.shell;
    const j = await s.market.job(jobId);
    const names = ["None", "Open", "Claimed", "Posted", "Finalized", "Faulted", "Refunded"] as const;
    const status = names[Number(j.status)];
    if (status && status !== "None") s.store.jobs.advance(jobId, status, { prover: j.prover, timer: Number(j.timer) });
    const mine = j.prover.toLowerCase() === s.me.toLowerCase();
    if (!mine && (status === "Claimed" || status === "Posted")) s.store.jobs.note(jobId, `skip: served by ${j.prover}`);
  }

  private async compute(jobId: bigint): Promise<void> {
    const s = this.shell;
    const job = s.store.jobs.get(jobId)!;
    const engine = await s.engineFor(job.modelId);
    let feeds: Map<string, Tensor>;
    try {
      feeds = await s.feeds(jobId, engine);
    } catch (e) {
      s.store.jobs.note(jobId, `skip: bad inputs (${(e as Error).message.split("\n")[0]})`);
      this.log("warn", "job skipped: its inputs do not fit the model", { jobId, error: (e as Error).message });
      return;
    }
    const f = this.opts.faulty;
    let values: ReadonlyMap<string, Tensor>;
    if (f) {
      try {
        values = runWithFault(engine.model, feeds, f).values;
      } catch (e) {
        if (!(e instanceof FaultError)) throw e;
        s.store.jobs.note(jobId, `skip: ${e.shortMessage}`);
        this.log("warn", "faulty prover refuses this job: the lie would not change the result", { jobId, fault: f.text, reason: e.shortMessage });
        return;
      }
    } else values = await engine.run(feeds);
    s.store.results.saveAnswer(jobId, { outputs: s.outputsHex(engine, values), faulty: f?.text ?? null });
    this.count.computed();
    this.log("info", "job computed", { jobId, modelId: job.modelId, faulty: f?.text });
  }

  /**
   * The trace this prover defends, recomputed on demand. INVARIANT: only a trace whose outputs
   * equal what was posted is defended (DESIGN.md, "Off-chain node").
   */
  private async side(g: GameRow): Promise<Side> {
    const s = this.shell;
    const cached = s.cachedSide(g.jobId);
    if (cached) return cached;
    const job = s.store.jobs.get(g.jobId);
    if (!job) throw new VerinferError(`game ${g.gameId}: job ${g.jobId} is unknown to this prover`);
    const engine = await s.engineFor(job.modelId);
    const feeds = await s.feeds(g.jobId, engine);
    const f = this.opts.faulty;
    const values = f ? runWithFault(engine.model, feeds, f).values : await engine.trace(feeds);
    const posted = s.store.results.get(g.jobId)?.outputs ?? s.store.results.answer(g.jobId)?.outputs;
    const outputs = s.outputsHex(engine, values);
    if (!posted || outputs.some((o, i) => o.toLowerCase() !== posted[i]?.toLowerCase())) {
      throw new VerinferError(`game ${g.gameId}: the recomputed trace's outputs are not the posted ones; refusing to defend it`);
    }
    return s.side(g.jobId, job.modelId, engine, feeds, values);
  }
}
