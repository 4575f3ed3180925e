/**
 * `verinfer demo --json` as a child process: on its embedded chain, every honest job finalizes,
 * each faulty result is challenged and its prover slashed, the requester is refunded in full, the
 * watcher is paid the prover's bond less the burn, and the games have moves and gas.
 */
import { expect } from "chai";
import { runCli } from "../support/process.js";

describe("verinfer demo", function () {
  // The first run on a fresh clone also trains and quantizes the project CNN (~20-50 s).
  this.timeout(300_000);

  it("--json: honest jobs final, faulty prover slashed, requester refunded, watcher paid", async () => {
    const r = await runCli(["demo", "--json"], {}, 280_000);
    expect(r.code, r.stderr.slice(-3000)).to.equal(0);
    const s = JSON.parse(r.stdout);
    // DESIGN.md's fields.
    for (const key of ["jobs", "finalized", "disputes", "wallSeconds"]) expect(s, key).to.have.property(key);
    expect(s.jobs).to.equal(6);
    expect(s.wallSeconds).to.be.a("number").and.greaterThan(0);

    const faulty = s.jobList.filter((j: { faulty: boolean }) => j.faulty);
    const honest = s.jobList.filter((j: { faulty: boolean }) => !j.faulty);
    expect(faulty.length).to.be.greaterThan(0);
    expect(honest.length).to.be.greaterThan(0);
    for (const j of honest) expect(j.status, `job ${j.jobId}`).to.equal("Finalized");
    for (const j of faulty) expect(j.status, `job ${j.jobId}`).to.equal("Faulted");
    expect(s.finalized).to.equal(honest.length);

    // Each faulty result was challenged, and each game slashed the faulty prover.
    expect(s.disputes).to.have.length(faulty.length);
    expect(s.disputes.map((d: { jobId: string }) => d.jobId).sort()).to.deep.equal(faulty.map((j: { jobId: string }) => j.jobId).sort());
    for (const d of s.disputes) {
      expect(d.prover.toLowerCase()).to.equal(s.accounts.faultyProver.toLowerCase());
      expect(d.challenger.toLowerCase()).to.equal(s.accounts.watcher.toLowerCase());
      expect(d.slashed).to.equal(true);
      expect(d.outcome).to.equal("ChallengerWon");
      expect(d.moves).to.be.greaterThan(0);
      expect(BigInt(d.gas) > 0n).to.equal(true);
      expect(d.node).to.equal(s.faultNode.index);
    }

    // Payouts: the requester gets every faulted job's fee back; the watcher its bonds plus the
    // prover's bond less the burn, per game; the honest prover its fees.
    const p = s.params;
    const n = BigInt(faulty.length);
    expect(BigInt(s.payouts.requesterRefund)).to.equal(BigInt(p.fee) * n);
    const proverBond = BigInt(p.proverBond);
    const perGame = BigInt(p.challengerBond) + proverBond - (proverBond * BigInt(p.burnBps)) / 10_000n;
    expect(BigInt(s.payouts.watcher) >= perGame * n).to.equal(true);
    expect(BigInt(s.payouts.honestProver)).to.equal((BigInt(p.fee) + proverBond) * BigInt(honest.length));
    expect(BigInt(s.payouts.faultyProver)).to.equal(0n);
    console.log(`      demo wall time ${s.wallSeconds} s (${JSON.stringify(s.timings)})`);
  });

  it("refuses a bad batch in one line, exit 2", async () => {
    const r = await runCli(["demo", "--jobs", "1"]);
    expect(r.code).to.equal(2);
    expect(r.stderr.trim().split("\n").filter((l) => !l.startsWith("npm warn"))).to.deep.equal(["verinfer: --jobs must be an integer in [2, 32], got 1"]);
  });
});
