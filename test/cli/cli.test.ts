import { expect } from "chai";
import { runCli } from "../support/process.js";

describe("verinfer command line", function () {
  this.timeout(120_000);

  it("--help lists the command tree of DESIGN.md", async () => {
    const r = await runCli(["--help"]);
    expect(r.code).to.equal(0);
    for (const cmd of ["model", "run", "deploy", "job", "game", "prover", "watcher", "demo"]) {
      expect(r.stdout).to.match(new RegExp(`^  ${cmd}\\b`, "m"), cmd);
    }
    const model = await runCli(["model", "--help"]);
    for (const sub of ["inspect", "hash", "register", "quantize", "evaluate"]) expect(model.stdout).to.contain(sub);
  });

  it("a bad option value is one line on stderr and exit 2; with --json a JSON error object", async () => {
    const r = await runCli(["demo", "--faulty-jobs", "9"]);
    expect(r.code).to.equal(2);
    expect(r.stderr.trim().split("\n").filter((l) => !l.startsWith("npm warn"))).to.have.length(1);
    const j = await runCli(["demo", "--faulty-jobs", "9", "--json"]);
    expect(j.code).to.equal(2);
    const answer = JSON.parse(j.stdout);
    expect(answer.kind).to.equal("UsageError");
    expect(answer.error).to.contain("--faulty-jobs must be");
  });

  it("an unknown command is a usage error (exit 2)", async () => {
    const r = await runCli(["frobnicate"]);
    expect(r.code).to.equal(2);
    expect(r.stderr).to.contain("unknown command");
  });

  it("job status refuses a job id that is not a number, exit 2", async () => {
    const r = await runCli(["job", "status", "abc"]);
    expect(r.code).to.equal(2);
    expect(r.stderr).to.match(/^verinfer: job id must be a positive integer/m);
  });

  it("an unreachable JSON-RPC node is one clear line, not a stack trace", async () => {
    const r = await runCli(["deploy", "--network", "http://127.0.0.1:9"]);
    expect(r.code).to.equal(2);
    expect(r.stderr).to.contain("cannot reach a JSON-RPC node at http://127.0.0.1:9");
    expect(r.stderr).to.not.contain("    at ");
  });

  it("deploy on the in-process chain deploys the whole protocol: verifiers, registry, game and market", async () => {
    const r = await runCli(["deploy", "--json"]);
    expect(r.code, r.stderr).to.equal(0);
    const out = JSON.parse(r.stdout);
    expect(out.chainId).to.equal(31337);
    expect(out.registry).to.match(/^0x[0-9a-fA-F]{40}$/);
    expect(out.file).to.equal(null);
    for (const key of ["market", "disputeGame"]) expect(out[key], key).to.match(/^0x[0-9a-fA-F]{40}$/);
    for (const key of ["router", "quant", "elementwise", "layout", "accumulate"]) expect(out.verifiers[key], key).to.match(/^0x[0-9a-fA-F]{40}$/);
  });
});
