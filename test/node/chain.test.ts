/**
 * The chain layer against a real `hardhat node` on a free loopback port: confirmed, batched,
 * reorg-safe event scanning (a reorg made with evm_snapshot/evm_revert), and the transaction
 * sender's crash safety, decoded permanent failures and retries across a node restart.
 */
import { expect } from "chai";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Interface, Wallet, id, type JsonRpcProvider } from "ethers";
import { EventScanner, type ChainEvent } from "../../offchain/chain/events.js";
import { SimulatedCrash, TxSender } from "../../offchain/chain/tx.js";
import { ModelRegistry__factory, type ModelRegistry } from "../../offchain/chain/contracts.js";
import { ChainError } from "../../offchain/errors.js";
import { Store } from "../../offchain/store/store.js";
import { commitModel } from "../../offchain/engine/commit/model-commit.js";
import { tinyModel } from "../engine/support/tiny-model.js";
import { devWallet, rpc, startNode, type TestNode } from "./support/chain.js";

const FAST = { baseMs: 100, maxMs: 1_000, giveUpAfterMs: 30_000 };

describe("chain layer on a real JSON-RPC node", function () {
  this.timeout(120_000);
  let node: TestNode;
  let dir: string;
  let provider: JsonRpcProvider;
  let wallet: Wallet;
  let registry: ModelRegistry;
  const iface = new Interface(ModelRegistry__factory.abi);
  const tiny = commitModel(tinyModel({ withArgMax: false }));

  before(async () => {
    node = await startNode();
    ({ wallet, provider } = devWallet(node.url, 0));
    registry = await (await new ModelRegistry__factory(wallet).deploy()).waitForDeployment();
    const parts = { ...tiny.parts, inputs: [...tiny.parts.inputs], outputs: [...tiny.parts.outputs], opsets: [...tiny.parts.opsets] };
    await (await registry.register(tiny.modelId, parts, id("f"), "file:///tiny.onnx")).wait();
  });
  after(async () => {
    provider?.destroy();
    await node?.stop();
  });
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), "verinfer-chain-"))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));


  function collector() {
    const seen: ChainEvent[] = [];
    return {
      seen,
      handler: {
        apply: (events: readonly ChainEvent[]) => seen.push(...events),
        rewind: (block: number) => {
          for (let i = seen.length - 1; i >= 0; i--) if (seen[i]!.blockNumber > block) seen.splice(i, 1);
        },
      },
    };
  }

  it("delivers each event once, in chain order, only under N confirmations, across getLogs batches and restarts", async () => {
    const c = tiny;
    const start = (await provider.getBlockNumber()) + 1;
    const store = Store.open(join(dir, "scan.sqlite"));
    const scanner = (s: Store) =>
      new EventScanner({ name: "registry", provider, store: s, contracts: [{ name: "registry", address: await0(registry), iface }], confirmations: 2, startBlock: start, batchBlocks: 2 });
    const { seen, handler } = collector();
    for (let i = 0; i < 3; i++) await (await registry.addMirror(c.modelId, id(`u${i}`), `file:///u${i}`)).wait();
    // 3 blocks with events; the last two are not yet buried under 2 confirmations.
    let report = await scanner(store).poll(handler);
    expect(report.reorgDepth).to.equal(0);
    expect(seen.map((e) => e.args.uri)).to.deep.equal(["file:///u0"]);
    await rpc(node.url, "hardhat_mine", ["0x2"]);
    // A new scanner on the same store (a restart) continues from the cursor.
    store.close();
    const store2 = Store.open(join(dir, "scan.sqlite"));
    report = await scanner(store2).poll(handler);
        expect(seen.map((e) => e.args.uri)).to.deep.equal(["file:///u0", "file:///u1", "file:///u2"]);
    expect(report.to).to.equal(report.head - 2);
    expect((await scanner(store2).poll(handler)).events).to.equal(0);
    store2.close();
  });

  it("a reorg (evm_snapshot / evm_revert) is detected by block hash: rewound, rescanned, orphaned events dropped", async () => {
    const c = tiny;
    const start = await provider.getBlockNumber();
    const store = Store.open(join(dir, "reorg.sqlite"));
    const scanner = new EventScanner({ name: "registry", provider, store, contracts: [{ name: "registry", address: await0(registry), iface }], confirmations: 1, startBlock: start + 1 });
    const { seen, handler } = collector();
    const snapshot = await rpc<string>(node.url, "evm_snapshot");
    // Explicit nonces: after the revert the provider's cached nonce would be wrong.
    let nonce = await provider.getTransactionCount(wallet.address, "latest");
    await (await registry.addMirror(c.modelId, id("a"), "file:///orphan-a", { nonce: nonce++ })).wait();
    await (await registry.addMirror(c.modelId, id("b"), "file:///orphan-b", { nonce: nonce++ })).wait();
    await rpc(node.url, "hardhat_mine", ["0x2"]);
    await scanner.poll(handler);
    expect(seen.map((e) => e.args.uri)).to.deep.equal(["file:///orphan-a", "file:///orphan-b"]);
    expect(await rpc(node.url, "evm_revert", [snapshot])).to.equal(true);
    nonce = await provider.getTransactionCount(wallet.address, "latest");
    await (await registry.addMirror(c.modelId, id("c"), "file:///canonical-c", { nonce: nonce++ })).wait();
    await rpc(node.url, "hardhat_mine", ["0x4"]);
    const report = await scanner.poll(handler);
    expect(report.reorgDepth).to.be.greaterThan(0);
    expect(seen.map((e) => e.args.uri)).to.deep.equal(["file:///canonical-c"]);
    store.close();
  });

  it("a transaction whose intent was written before a crash is broadcast once on restart, never twice", async () => {
    const path = join(dir, "tx.sqlite");
    const to = Wallet.createRandom().address;
    const before = await provider.getTransactionCount(wallet.address, "latest");
    const send = (s: Store, crashAt?: "afterIntent" | "afterBroadcast") =>
      new TxSender({ signer: wallet, store: s.txs, backoff: FAST, pollMs: 50, crashAt }).send({ key: "pay:1", kind: "pay", to, data: "0x", value: 1234n });
    let s = Store.open(path);
    try {
      await send(s, "afterIntent");
      expect.fail("no crash");
    } catch (e) {
      expect(e).to.be.instanceOf(SimulatedCrash);
    }
    expect(s.txs.byKey("pay:1")).to.include({ status: "sent", nonce: before });
    expect(await provider.getTransactionCount(wallet.address, "latest")).to.equal(before);
    s.close();
    // Restart: reconcile re-broadcasts the very same signed bytes.
    s = Store.open(path);
    const sender = new TxSender({ signer: wallet, store: s.txs, backoff: FAST, pollMs: 50 });
    const rows = await sender.reconcile();
    expect(rows[0]).to.include({ status: "mined", nonce: before });
    const again = await sender.send({ key: "pay:1", kind: "pay", to, data: "0x", value: 1234n });
    expect(again.reused).to.equal(true);
    expect(await provider.getTransactionCount(wallet.address, "latest")).to.equal(before + 1);
    expect(await provider.getBalance(to)).to.equal(1234n);
    // Crash after the broadcast: the restart finds the receipt and sends nothing new.
    s.close();
    s = Store.open(path);
    try {
      await new TxSender({ signer: wallet, store: s.txs, backoff: FAST, pollMs: 50, crashAt: "afterBroadcast" }).send({ key: "pay:2", kind: "pay", to, data: "0x", value: 1n });
      expect.fail("no crash");
    } catch (e) {
      expect(e).to.be.instanceOf(SimulatedCrash);
    }
    s.close();
    s = Store.open(path);
    const restarted = new TxSender({ signer: wallet, store: s.txs, backoff: FAST, pollMs: 50 });
    await restarted.reconcile();
    expect((await restarted.send({ key: "pay:2", kind: "pay", to, data: "0x", value: 1n })).reused).to.equal(true);
    expect(await provider.getTransactionCount(wallet.address, "latest")).to.equal(before + 2);
    expect(await provider.getBalance(to)).to.equal(1235n);
    s.close();
  });

  it("a revert is a permanent failure named by its decoded custom error, and nothing is sent", async () => {
    const s = Store.open(join(dir, "revert.sqlite"));
    const before = await provider.getTransactionCount(wallet.address, "latest");
    const sender = new TxSender({ signer: wallet, store: s.txs, backoff: FAST });
    const data = iface.encodeFunctionData("addMirror", [id("unregistered"), id("f"), "file:///x"]);
    try {
      await sender.send({ key: "mirror:x", kind: "addMirror", to: await0(registry), data });
      expect.fail("no error");
    } catch (e) {
      expect(e).to.be.instanceOf(ChainError);
      expect((e as ChainError).errorName).to.equal("RegistryUnknownModel");
      expect((e as ChainError).shortMessage).to.match(/^addMirror reverted: RegistryUnknownModel\(0x/);
    }
    expect(await provider.getTransactionCount(wallet.address, "latest")).to.equal(before);
    expect(s.txs.byKey("mirror:x")).to.equal(undefined);
    s.close();
  });

  it("retries with backoff while the node is down, and sends once it is back", async () => {
    const other = await startNode();
    const port = other.port;
    const { wallet: w, provider: p } = devWallet(other.url, 1);
    const s = Store.open(join(dir, "retry.sqlite"));
    let retries = 0;
    const sender = new TxSender({ signer: w, store: s.txs, backoff: { baseMs: 100, maxMs: 500, giveUpAfterMs: 60_000 }, pollMs: 50, onRetry: () => retries++ });
    await p.getNetwork();
    await other.stop();
    const to = Wallet.createRandom().address;
    const pending = sender.send({ key: "pay:down", kind: "pay", to, data: "0x", value: 7n });
    await new Promise((r) => setTimeout(r, 1_500));
    expect(retries).to.be.greaterThan(0);
    const restarted = await startNode(port);
    try {
      const out = await pending;
      expect(out.receipt?.status).to.equal(1);
      expect(await p.getBalance(to)).to.equal(7n);
      expect(await p.getTransactionCount(w.address, "latest")).to.equal(1);
    } finally {
      p.destroy();
      s.close();
      await restarted.stop();
    }
  });
});

function await0(c: { target: unknown }): string {
  return c.target as string;
}
