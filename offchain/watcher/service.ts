/**
 * `verinfer watcher`: follows posted results, re-runs them (all, or a sample), confirms every
 * disagreement with the reference interpreter before it bonds, challenges, plays every game to
 * the end, settles and withdraws.
 */
import { runWithFault } from "../engine/exec/fault.js";
import type { Tensor } from "../engine/tensor.js";
import { VerinferError } from "../errors.js";
import type { Service } from "../service/lifecycle.js";
import type { Logger } from "../service/log.js";
import { NodeShell, type NodeInjection, type Side } from "../service/node.js";
import type { NodeOptions } from "../service/options.js";
import type { GameRow } from "../store/games.js";
import { watcherActions, type WatcherAction } from "./core.js";

export class WatcherService implements Service {
  readonly name = "watcher";
  readonly shell: NodeShell;
  private readonly count;

  constructor(
    readonly opts: NodeOptions,
    readonly log: Logger,
    private readonly inject: NodeInjection = {},
  ) {
    this.shell = new NodeShell(opts, log);
    const m = this.shell.metrics;
    this.count = {
      checked: m.counter("results_checked_total", "results re-run, by outcome"),
      challenged: m.counter("challenges_total", "games opened against results"),
    };
  }

  async init(): Promise<void> {
    await this.shell.init(this.inject);
  }

  async iterate(): Promise<void> {
    const s = this.shell;
    await s.scan();
    const unfinished = s.store.games.unfinished();
    const challengedJobs = new Set(s.store.games.all().filter((g) => g.role === "challenger").map((g) => g.jobId));
    const results = [...s.store.results.unjudged(), ...s.store.results.withVerdict("disagree")];
    const jobs = new Map(results.map((r) => [r.jobId, s.store.jobs.get(r.jobId)!] as const).filter(([, j]) => j !== undefined));
    const actions = watcherActions({
      me: s.me,
      now: await s.chainTime(),
      unjudged: s.store.results.unjudged(),
      disagreed: s.store.results.withVerdict("disagree"),
      jobs,
      games: unfinished,
      challengedJobs,
      sampleRate: this.opts.sampleRate,
      models: new Set(this.opts.models),
      marginSeconds: 2,
    });
    for (const a of actions) await s.guard(a.kind, "jobId" in a ? { jobId: a.jobId } : { gameId: a.gameId }, () => this.execute(a));
    await s.guard("withdraw", {}, () => s.withdrawIfOwed());
  }

  async stop(): Promise<void> {
    await this.shell.stop();
  }

  private async execute(a: WatcherAction): Promise<void> {
    const s = this.shell;
    switch (a.kind) {
      case "skip":
        s.store.results.setVerdict(a.jobId, "skipped", a.reason);
        this.count.checked(1, { outcome: "skipped" });
        return;
      case "check":
        return this.check(a.jobId);
      case "challenge": {
        const out = await s.send({
          key: `challenge:${a.jobId}`,
          kind: "challenge",
          to: s.deployment.market!,
          data: s.market.interface.encodeFunctionData("challenge", [a.jobId]),
          value: s.params.challengerBond,
        });
        if (out) {
          this.count.challenged();
          s.applyReceipt(out.receipt);
          s.store.results.setVerdict(a.jobId, "challenged");
          this.log("info", "challenged", { jobId: a.jobId });
        } else s.store.results.setVerdict(a.jobId, "skipped", "too late to challenge");
        return;
      }
      case "play": {
        const g = s.store.games.get(a.gameId)!;
        return s.playGame(g, () => this.side(g));
      }
    }
  }

  /** Re-runs a result; a disagreement is confirmed with the reference interpreter before it counts. */
  private async check(jobId: bigint): Promise<void> {
    const s = this.shell;
    const result = s.store.results.get(jobId)!;
    const job = s.store.jobs.get(jobId);
    const modelId = job?.modelId ?? (await s.market.job(jobId)).modelId;
    let engine;
    try {
      engine = await s.engineFor(modelId);
    } catch (e) {
      if (!(e instanceof VerinferError)) throw e;
      s.store.results.setVerdict(jobId, "skipped", e.shortMessage);
      this.count.checked(1, { outcome: "skipped" });
      return;
    }
    const feeds = await s.feeds(jobId, engine);
    const same = (outs: string[]) => outs.every((o, i) => o.toLowerCase() === result.outputs[i]?.toLowerCase());
    if (this.opts.faulty) {
      s.store.results.setVerdict(jobId, "disagree", `faulty watcher (${this.opts.faulty.text})`);
      this.count.checked(1, { outcome: "disagree" });
      return;
    }
    if (same(s.outputsHex(engine, await engine.run(feeds)))) {
      s.store.results.setVerdict(jobId, "agree");
      this.count.checked(1, { outcome: "agree" });
      this.log("info", "result agrees", { jobId });
      return;
    }
    // INVARIANT: never bond on a fast-path disagreement alone: the reference interpreter decides.
    const reference = engine.reference(feeds);
    if (same(s.outputsHex(engine, reference))) {
      s.store.results.setVerdict(jobId, "unconfirmed", "onnxruntime disagreed, the reference interpreter agrees with the posted result");
      this.count.checked(1, { outcome: "unconfirmed" });
      this.log("error", "onnxruntime disagrees with the reference on this job; the posted result is right; not challenging", { jobId });
      return;
    }
    s.store.results.setVerdict(jobId, "disagree", "the reference interpreter's outputs differ from the posted ones");
    this.count.checked(1, { outcome: "disagree" });
    this.log("warn", "wrong result found (confirmed by the reference interpreter)", { jobId, prover: result.prover });
  }

  /** The trace the watcher plays: the reference interpreter's (or, under --faulty, the falsified one). */
  private async side(g: GameRow): Promise<Side> {
    const s = this.shell;
    const cached = s.cachedSide(g.jobId);
    if (cached) return cached;
    const modelId = g.setup.modelId.toLowerCase();
    const engine = await s.engineFor(modelId);
    const feeds = await s.feeds(g.jobId, engine);
    const f = this.opts.faulty;
    const values: ReadonlyMap<string, Tensor> = f ? runWithFault(engine.model, feeds, f).values : engine.reference(feeds);
    return s.side(g.jobId, modelId, engine, feeds, values);
  }
}
