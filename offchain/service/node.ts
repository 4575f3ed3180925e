/**
 * The I/O shell both nodes share: the chain connection and contracts, the store, the transaction
 * sender, the event scanner, engines and traces, the game-playing shell and the metrics. The
 * prover and the watcher add only their own decisions (prover/core.ts, watcher/core.ts) and the
 * few actions that are theirs.
 */
import { join } from "node:path";
import { Interface, hexlify, zeroPadValue, toBeHex, type TransactionReceipt } from "ethers";
import { connect, LOCAL_CHAIN_IDS, type ChainConnection } from "../chain/network.js";
import { loadDeployment, type Deployment } from "../chain/deployments.js";
import { JobMarket__factory, ModelRegistry__factory, type JobMarket, type ModelRegistry } from "../chain/contracts.js";
import { DisputeGame__factory, type DisputeGame } from "../../types/ethers-contracts/index.js";
import { EventScanner, type ChainEvent, type EventHandler } from "../chain/events.js";
import { TxSender, type TxOutcome, type TxRequest } from "../chain/tx.js";
import { errorLine } from "../chain/rpc-errors.js";
import { commitModel, type ModelCommitment } from "../engine/commit/model-commit.js";
import { loadEngineModel, type EngineModel } from "../engine/exec/engine.js";
import { tensorBytes, tensorFromBytes, type Tensor } from "../engine/tensor.js";
import { gameTrace } from "../game/game-trace.js";
import { nextMove, type GameTrace } from "../game/solver.js";
import { Trace } from "../game/trace.js";
import { challengerMoves, Phase, setupFromEvent, stateFromEvent, type GameState } from "../game/types.js";
import type { Hex32 } from "../engine/commit/hash.js";
import { ChainError, UsageError, VerinferError } from "../errors.js";
import { GAME_STATUS, type GameRow } from "../store/games.js";
import { Store } from "../store/store.js";
import { ingestHandler } from "./ingest.js";
import type { Logger } from "./log.js";
import { Metrics, serveMetrics, type MetricsServer } from "./metrics.js";
import { fetchVerifiedModel } from "./model-source.js";
import { encodeMove, stateKey } from "./moves.js";
import { describeFault, type NodeOptions } from "./options.js";
import { loadStepBackend, type StepBackend } from "./steps.js";

/** Reverts that mean someone else got there first: logged, never thrown. */
export const HARMLESS = new Set([
  "MarketWrongStatus",
  "MarketClaimActive",
  "MarketGameAlreadySettled",
  "MarketNothingToWithdraw",
  "MarketWindowClosed",
  "MarketWindowOpen",
  "MarketGamesOpen",
  "MarketGameUndecided",
  "GameNotInProgress",
  "GameClockNotExpired",
  "GameStateMismatch",
]);

/** What one side knows to play a game: its trace, and what produced it. */
export interface Side {
  readonly trace: Trace;
  readonly gameTrace: GameTrace;
  readonly engine: EngineModel;
  readonly feeds: Map<string, Tensor>;
}

export interface NodeInjection {
  /** An existing connection (the demo's in-process chain); default: connect(options.network). */
  readonly chain?: ChainConnection;
  readonly deployment?: Deployment;
}

export class NodeShell {
  chain!: ChainConnection;
  me!: string;
  deployment!: Deployment;
  market!: JobMarket;
  game!: DisputeGame;
  registry!: ModelRegistry;
  store!: Store;
  tx!: TxSender;
  scanner!: EventScanner;
  handler!: EventHandler;
  steps!: StepBackend;
  params!: { fanout: number; descentLevels: number; moveBond: bigint; clockBudget: number; proverBond: bigint; challengerBond: bigint };
  readonly metrics = new Metrics();
  metricsServer?: MetricsServer;
  private readonly engines = new Map<string, Promise<EngineModel>>();
  private readonly refused = new Map<string, string>();
  private readonly commitments = new Map<string, ModelCommitment>();
  private readonly sides = new Map<string, Side>();
  private ownChain = true;
  readonly count = {
    moves: this.metrics.counter("moves_total", "game moves sent"),
    txRetries: this.metrics.counter("rpc_retries_total", "RPC calls retried after a transient fault"),
    withdrawn: this.metrics.counter("withdrawn_wei_total", "wei withdrawn from the market"),
    reorgs: this.metrics.counter("reorgs_total", "reorgs detected by the event scanner"),
    events: this.metrics.counter("events_total", "confirmed events ingested"),
  };

  constructor(
    readonly opts: NodeOptions,
    readonly log: Logger,
  ) {}

  async init(inject: NodeInjection = {}): Promise<void> {
    const o = this.opts;
    if (inject.chain) {
      this.chain = inject.chain;
      this.ownChain = false;
    } else {
      if (o.network === "hardhat") throw new UsageError(`the ${o.role} needs a chain that outlives it: --network localhost or a JSON-RPC URL (the in-process chain ends with the command)`);
      this.chain = await connect(o.network);
    }
    const local = LOCAL_CHAIN_IDS.has(this.chain.chainId);
    if (o.faulty && !local) throw new UsageError(`--faulty runs on local chains only (chain ids 31337, 1337); this is chain ${this.chain.chainId}`);
    if (o.steps && o.steps !== "project" && !local) throw new UsageError(`--steps runs on local chains only (chain ids 31337, 1337); this is chain ${this.chain.chainId}`);
    this.me = await this.chain.signer.getAddress();
    this.deployment = inject.deployment ?? loadDeployment(this.chain.chainId, o.home);
    if (!this.deployment.market || !this.deployment.disputeGame) {
      throw new UsageError(`no JobMarket/DisputeGame in the deployment of chain ${this.chain.chainId} (the market deploys with the real one-step verifiers)`);
    }
    this.market = JobMarket__factory.connect(this.deployment.market, this.chain.signer);
    this.game = DisputeGame__factory.connect(this.deployment.disputeGame, this.chain.signer);
    this.registry = ModelRegistry__factory.connect(this.deployment.registry, this.chain.signer);
    const dbPath = o.db ?? join(o.home, `${o.role}-${this.chain.chainId}-${this.me.toLowerCase()}.sqlite`);
    this.store = Store.open(dbPath);
    this.store.bind({ chainId: this.chain.chainId.toString(), market: this.deployment.market, account: this.me, role: o.role });
    this.steps = await loadStepBackend(o.steps);
    const [fanout, descentLevels, moveBond, clockBudget, mp] = await Promise.all([
      this.game.fanout(),
      this.game.descentLevels(),
      this.game.moveBond(),
      this.game.clockBudget(),
      this.market.params(),
    ]);
    this.params = { fanout: Number(fanout), descentLevels: Number(descentLevels), moveBond, clockBudget: Number(clockBudget), proverBond: mp.proverBond, challengerBond: mp.challengerBond };
    this.tx = new TxSender({
      signer: this.chain.signer,
      store: this.store.txs,
      log: (level, msg, fields) => this.log(level, msg, fields),
      urgentSeconds: o.urgentSeconds,
      onRetry: () => this.count.txRetries(),
    });
    this.handler = ingestHandler(this.store, this.me, {
      onGameOpened: (gameId, role) => this.log("info", "game opened", { gameId, role }),
      onEvent: () => this.count.events(),
    });
    this.scanner = new EventScanner({
      name: "market+game",
      provider: this.chain.provider,
      store: this.store,
      contracts: [
        { name: "market", address: this.deployment.market, iface: this.market.interface as unknown as Interface },
        { name: "game", address: this.deployment.disputeGame, iface: this.game.interface as unknown as Interface },
      ],
      confirmations: o.confirmations,
      startBlock: o.fromBlock ?? this.deployment.blockNumber,
      batchBlocks: o.batchBlocks,
    });
    this.registerGauges();
    this.metricsServer = await serveMetrics(this.metrics, o.metricsPort);
    if (o.faulty) this.log("warn", describeFault(o.role, o.faulty), { fault: o.faulty.text });
    const reconciled = await this.tx.reconcile();
    this.log("info", "started", {
      role: o.role,
      account: this.me,
      chainId: this.chain.chainId,
      market: this.deployment.market,
      game: this.deployment.disputeGame,
      db: dbPath,
      cursor: this.scanner.cursorBlock,
      confirmations: o.confirmations,
      metricsPort: this.metricsServer.port,
      steps: this.steps.name,
      reconciledTxs: reconciled.length,
    });
  }

  private registerGauges(): void {
    const m = this.metrics;
    m.gauge("jobs", "jobs this node knows, by market status", () => Object.entries(this.store.jobs.countByStatus()).map(([status, value]) => ({ labels: { status }, value })));
    m.gauge("results", "posted results, by this node's verdict", () => Object.entries(this.store.results.countByVerdict()).map(([verdict, value]) => ({ labels: { verdict }, value })));
    m.gauge("games", "games this node plays, by state", () => {
      const t = this.store.games.tally();
      return [
        { labels: { state: "in_progress" }, value: t.inProgress },
        { labels: { state: "won" }, value: t.won },
        { labels: { state: "lost" }, value: t.lost },
        { labels: { state: "closed" }, value: t.closed },
      ];
    });
    m.gauge("games_won", "games won", () => [{ value: this.store.games.tally().won }]);
    m.gauge("games_lost", "games lost", () => [{ value: this.store.games.tally().lost }]);
    m.gauge("gas_used", "gas used by this node's mined transactions", () => [{ value: Number(this.store.txs.spent().gasUsed) }]);
    m.gauge("gas_spent_wei", "wei paid for gas by this node's mined transactions", () => [{ value: Number(this.store.txs.spent().feePaid) }]);
    m.gauge("transactions", "transactions sent and mined", () => [{ value: this.store.txs.spent().count }]);
    m.gauge("lag_blocks", "blocks between the chain head and the event cursor", () => [{ value: this.scanner.lag }]);
    m.gauge("cursor_block", "last block scanned", () => [{ value: this.scanner.cursorBlock }]);
  }

  async stop(): Promise<void> {
    await this.metricsServer?.close();
    this.store?.close();
    if (this.ownChain) await this.chain?.close();
  }

  /** Scans confirmed events into the store; resyncs games after a reorg. */
  async scan(): Promise<void> {
    const r = await this.scanner.poll(this.handler);
    if (r.reorgDepth > 0) {
      this.count.reorgs();
      this.log("warn", "reorg detected: rescanning from the common ancestor", { depth: r.reorgDepth, cursor: this.scanner.cursorBlock });
    }
    if (this.store.meta("resync_games") === "1") {
      for (const g of this.store.games.unfinished()) await this.resyncGame(g.gameId);
      this.store.setMeta("resync_games", "0");
    }
  }

  async chainTime(): Promise<number> {
    const b = await this.chain.provider.getBlock("latest");
    return b?.timestamp ?? Math.floor(Date.now() / 1000);
  }

  /** Sends through the TxSender; a harmless race is logged and answered with null. */
  async send(req: TxRequest): Promise<TxOutcome | null> {
    try {
      const out = await this.tx.send(req);
      this.log("info", "transaction mined", { kind: req.kind, key: req.key, hash: out.hash, gasUsed: out.gasUsed, reused: out.reused || undefined });
      return out;
    } catch (e) {
      if (e instanceof ChainError && e.errorName && HARMLESS.has(e.errorName)) {
        this.log("info", "nothing to do: someone got there first", { kind: req.kind, key: req.key, error: e.shortMessage });
        return null;
      }
      throw e;
    }
  }

  /** Applies the events of one of our own receipts at once (the scanner confirms them later). */
  applyReceipt(receipt: TransactionReceipt | null): void {
    if (!receipt) return;
    const events: ChainEvent[] = [];
    for (const log of receipt.logs) {
      for (const [name, c] of [["market", this.market], ["game", this.game]] as const) {
        if (log.address.toLowerCase() !== (name === "market" ? this.deployment.market! : this.deployment.disputeGame!).toLowerCase()) continue;
        try {
          const parsed = c.interface.parseLog({ topics: [...log.topics], data: log.data });
          if (parsed) events.push({ contract: name, name: parsed.name, args: parsed.args, blockNumber: log.blockNumber, blockHash: log.blockHash, logIndex: log.index, transactionHash: log.transactionHash });
        } catch {
          // not one of its events
        }
      }
    }
    this.store.transaction(() => this.handler.apply(events));
  }

  // ---------------------------------------------------------------- models and runs

  /** The engine for a model, fetched from a registered mirror and verified (cached; refusals too). */
  async engineFor(modelId: string): Promise<EngineModel> {
    const id = modelId.toLowerCase();
    const why = this.refused.get(id);
    if (why) throw new VerinferError(why);
    let p = this.engines.get(id);
    if (!p) {
      p = (async () => {
        const verified = await fetchVerifiedModel(this.registry, this.store, this.opts.home, id);
        const engine = await loadEngineModel(verified.bytes, { verifiable: true });
        for (const w of engine.warnings) this.log("warn", "engine", { modelId: id, warning: w });
        this.log("info", "model verified and loaded", { modelId: id, uri: verified.uri, backend: engine.backend, loadMs: Math.round(engine.loadMs) });
        return engine;
      })();
      this.engines.set(id, p);
      p.catch((e) => {
        this.engines.delete(id);
        if (e instanceof VerinferError) {
          this.refused.set(id, e.shortMessage);
          this.log("error", "model refused", { modelId: id, reason: e.shortMessage });
        }
      });
    }
    return p;
  }

  isRefused(modelId: string): string | undefined {
    return this.refused.get(modelId.toLowerCase());
  }

  commitment(modelId: string, engine: EngineModel): ModelCommitment {
    let c = this.commitments.get(modelId);
    if (!c) {
      c = commitModel(engine.model);
      this.commitments.set(modelId, c);
    }
    return c;
  }

  /** The job's inputs as the model's feeds (from the store; from the chain if the node started later). */
  async feeds(jobId: bigint, engine: EngineModel): Promise<Map<string, Tensor>> {
    let inputs = this.store.jobs.inputs(jobId);
    if (inputs.length === 0) {
      const logs = await this.market.queryFilter(this.market.filters.JobSubmitted(jobId), this.deployment.blockNumber);
      const ev = logs[0];
      if (!ev) throw new VerinferError(`job ${jobId}: no JobSubmitted event on chain`);
      inputs = (ev.args.inputs as string[]).map((h) => Buffer.from(h.slice(2), "hex"));
    }
    return new Map(
      engine.inputs.map((vi, i) => {
        const t = engine.types.get(vi.name);
        if (!t || inputs[i] === undefined) throw new VerinferError(`job ${jobId}: input ${i} ("${vi.name}") missing`);
        return [vi.name, tensorFromBytes(vi.dtype, t.shape, inputs[i]!)];
      }),
    );
  }

  /** The graph outputs of `values` as the 0x-hex byte strings a result posts. */
  outputsHex(engine: EngineModel, values: ReadonlyMap<string, Tensor>): string[] {
    return engine.outputs.map((o) => hexlify(tensorBytes(values.get(o.name)!)));
  }

  cachedSide(jobId: bigint): Side | undefined {
    return this.sides.get(`${jobId}`);
  }

  /** Builds (and caches per job) a side from the values it believes in. */
  side(jobId: bigint, modelId: string, engine: EngineModel, feeds: Map<string, Tensor>, values: ReadonlyMap<string, Tensor>): Side {
    const key = `${jobId}`;
    let s = this.sides.get(key);
    if (!s) {
      const trace = new Trace(this.commitment(modelId, engine), values);
      s = { trace, gameTrace: gameTrace(trace, this.steps.steps), engine, feeds };
      this.sides.set(key, s);
    }
    return s;
  }

  // ---------------------------------------------------------------- games

  async secondsLeft(gameId: bigint): Promise<number> {
    const [left] = await this.game.timeLeft(gameId);
    return Number(left);
  }

  /** Reads a game's latest state back from its events (after a reorg or a GameStateMismatch). */
  async resyncGame(gameId: bigint): Promise<void> {
    const g = this.store.games.get(gameId);
    if (!g) return;
    const logs = await this.chain.provider.getLogs({
      address: this.deployment.disputeGame,
      topics: [null, zeroPadValue(toBeHex(gameId), 32)],
      fromBlock: Math.max(0, g.openedBlock - 1),
      toBlock: "latest",
    });
    let state: GameState | null = null;
    let posted: Hex32[] = [];
    let at = { block: g.stateBlock, log: g.stateLog };
    let moves = 0;
    for (const log of logs) {
      const p = this.game.interface.parseLog({ topics: [...log.topics], data: log.data });
      if (!p) continue;
      if (p.name === "GameOpened") {
        state = stateFromEvent(p.args.state);
        void setupFromEvent(p.args.setup);
        posted = [];
        at = { block: log.blockNumber, log: log.index };
      } else if (p.name === "Moved") {
        state = stateFromEvent(p.args.state);
        posted = [...(p.args.posted as string[])] as Hex32[];
        at = { block: log.blockNumber, log: log.index };
        moves++;
      }
    }
    if (state) this.store.games.resync(gameId, state, posted, at.block, at.log, moves);
    const status = GAME_STATUS[Number(await this.game.gameStatus(gameId))] ?? "None";
    if (status !== "InProgress") this.store.games.resolved(gameId, status);
    this.store.games.note(gameId, null);
    this.log("info", "game state read back from the chain", { gameId, phase: state ? Phase[state.phase] : null, moves, status });
  }

  /**
   * One step of a game this node plays: settle it when decided, resolve the opponent's timeout,
   * or make this side's move (with the step backend's hook first).
   */
  async playGame(g: GameRow, side: () => Promise<Side>): Promise<void> {
    if (g.status !== "InProgress") {
      if (!g.settled) await this.settle(g.gameId);
      return;
    }
    const myTurn = challengerMoves(g.state.phase) === (g.role === "challenger");
    if (!myTurn) {
      const [left, challengerToMove] = await this.game.timeLeft(g.gameId);
      // Our turn per the chain but not per the store: our state is stale.
      if (challengerToMove === (g.role === "challenger")) {
        await this.resyncGame(g.gameId);
        return;
      }
      if (left === 0n) {
        const out = await this.send({ key: `resolve:${g.gameId}`, kind: "resolveTimeout", to: this.deployment.disputeGame!, data: this.game.interface.encodeFunctionData("resolveTimeout", [g.gameId]) });
        this.applyReceipt(out?.receipt ?? null);
        if (!out) await this.resyncGame(g.gameId);
      }
      return;
    }
    const key = stateKey(g.state);
    if (g.note === `stuck:${key}`) return;
    const s = await side();
    const move = nextMove(g.role, g.state, s.gameTrace, { fanout: this.params.fanout, descentLevels: this.params.descentLevels }, g.posted);
    if (move.kind === "none") {
      this.store.games.note(g.gameId, `stuck:${key}`);
      this.log("warn", "no move: this side agrees with what it was shown and will lose on time", { gameId: g.gameId, phase: Phase[g.state.phase], reason: move.reason });
      return;
    }
    await this.steps.beforeMove?.({
      gameId: g.gameId,
      setup: g.setup,
      state: g.state,
      move,
      trace: s.trace,
      engine: s.engine,
      feeds: s.feeds,
      gameAddress: this.deployment.disputeGame!,
      signer: this.chain.signer,
      send: async (req) => {
        await this.tx.send(req);
      },
    });
    try {
      const out = await this.tx.send({
        key: `move:${g.gameId}:${key}`,
        kind: `move ${move.kind}`,
        to: this.deployment.disputeGame!,
        data: encodeMove(this.game.interface as unknown as Interface, g.gameId, g.setup, g.state, move),
        value: this.params.moveBond,
        secondsLeft: () => this.secondsLeft(g.gameId),
      });
      this.count.moves();
      this.log("info", "move", { gameId: g.gameId, role: g.role, move: move.kind, phase: Phase[g.state.phase], node: g.state.node, gasUsed: out.gasUsed, reused: out.reused || undefined });
      if (out.receipt) this.applyReceipt(out.receipt);
      else await this.resyncGame(g.gameId);
    } catch (e) {
      if (!(e instanceof ChainError)) throw e;
      if (e.errorName === "GameStepNotRefuted") {
        this.store.games.note(g.gameId, `stuck:${key}`);
        this.log("warn", "the one-step confirms the opponent's claim: this side cannot refute it", { gameId: g.gameId, error: e.shortMessage });
        return;
      }
      if (e.errorName === "GameStateMismatch" || e.errorName === "GameNotInProgress" || e.errorName === "GameWrongPhase" || e.errorName === "GameClockExpired") {
        this.log("warn", "move refused; reading the game back from the chain", { gameId: g.gameId, error: e.shortMessage });
        await this.resyncGame(g.gameId);
        return;
      }
      this.store.games.note(g.gameId, `stuck:${key}`);
      this.log("error", "move failed", { gameId: g.gameId, move: move.kind, error: e.shortMessage });
    }
  }

  async settle(gameId: bigint): Promise<void> {
    const out = await this.send({ key: `settle:${gameId}`, kind: "settleGame", to: this.deployment.market!, data: this.market.interface.encodeFunctionData("settleGame", [gameId]) });
    if (out) this.applyReceipt(out.receipt);
    else {
      const rec = await this.market.game(gameId);
      if (rec.settled) this.store.games.settled(gameId);
    }
    this.store.setMeta("credits_dirty", "1");
  }

  /** Withdraws this node's credit when an event said it grew (or on the first iteration). */
  async withdrawIfOwed(): Promise<void> {
    if (this.store.meta("credits_dirty") === "0") return;
    const credit = await this.market.credits(this.me);
    if (credit > 0n) {
      const block = await this.chain.provider.getBlockNumber();
      const out = await this.send({ key: `withdraw:${block}:${credit}`, kind: "withdraw", to: this.deployment.market!, data: this.market.interface.encodeFunctionData("withdraw", [this.me]) });
      if (out) {
        this.count.withdrawn(Number(credit));
        this.log("info", "withdrew", { wei: credit });
      }
    }
    this.store.setMeta("credits_dirty", "0");
  }

  /** Logs an action's failure without stopping the node when the chain (not this code) refused it. */
  async guard(what: string, fields: Record<string, unknown>, fn: () => Promise<void>): Promise<void> {
    try {
      await fn();
    } catch (e) {
      if (e instanceof ChainError || (e instanceof VerinferError && !(e instanceof UsageError))) {
        this.log("error", `${what} failed`, { ...fields, error: e instanceof VerinferError ? e.shortMessage : errorLine(e) });
        return;
      }
      throw e;
    }
  }
}
