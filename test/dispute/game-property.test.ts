/**
 * The dispute game's guarantee as a seeded property (docs/SPEC.md section 10, "Guarantees"): on
 * EVERY node of the project's quantized CNN, with the REAL one-step verifiers, for random
 * (element, accumulation step, delta) and both roles, the honest side wins, the liar loses, and
 * the bonds go to the winner by the market's rules.
 *
 * - prover lies: the result is falsified at (node, element) and recomputed from there (the fault
 *   injection of offchain/engine/exec/fault.ts; a lie that vanishes before the outputs is no
 *   fault and is redrawn); for an accumulating node the liar's level-3 values also depart from
 *   the honest ones at a random step (0 = p_0 .. K+1 = the output). The honest challenger must
 *   refute exactly that step of exactly that element.
 * - challenger lies: a correct result, challenged by a watcher whose trace is falsified the same
 *   way (a lie that vanishes is still a lie about the states); it must lose on its clock.
 *
 * Seed: VERINFER_SEED (default below), printed in every test name; each (node, role) test seeds
 * its own generator from it, so one failing test reruns alone. Cases per (node, role):
 * VERINFER_PROPERTY_CASES, default 25 (400 games, ~30 s on an idle machine, ~70 s on a busy one); VERINFER_FULL=1 runs 250 (4,000 games).
 */
import { expect } from "chai";
import { readFileSync } from "node:fs";
import { DEVNET_GAME_PARAMS, DEVNET_PARAMS } from "../../offchain/chain/deploy.js";
import { commitModel } from "../../offchain/engine/commit/model-commit.js";
import { FaultError, runWithFault, shiftElement } from "../../offchain/engine/exec/fault.js";
import { runReference } from "../../offchain/engine/exec/reference.js";
import { decodeModel } from "../../offchain/engine/onnx/decode.js";
import { numel, type Tensor } from "../../offchain/engine/tensor.js";
import { gameTrace } from "../../offchain/game/game-trace.js";
import { playGame } from "../../offchain/game/play.js";
import type { GameTrace } from "../../offchain/game/solver.js";
import { projectSteps } from "../../offchain/game/steps.js";
import { Trace } from "../../offchain/game/trace.js";
import { digitSamples } from "../../offchain/quantize/data/digit-samples.js";
import { mnistSplit } from "../../offchain/quantize/data/mnist.js";
import { projectModel } from "../../offchain/quantize/project/project-model.js";
import { Rng } from "../engine/support/prng.js";
import {
  accumulationLie,
  challenge,
  deployWorld,
  expectCredits,
  expectedSettlement,
  FEE,
  Job,
  moveBondsOf,
  networkHelpers,
  postResult,
  Status,
  submitAndClaim,
  ethers,
  type World,
} from "./support/game-harness.js";

const SEED = Number(process.env.VERINFER_SEED ?? 0x6a3e5) >>> 0;
const CASES = Number(process.env.VERINFER_PROPERTY_CASES ?? (process.env.VERINFER_FULL === "1" ? 250 : 25));
/** Redraws of (element, delta) before a node is declared to have no surviving lie. */
const REDRAWS = 400;
const NODES = 8; // the project CNN: QuantizeLinear, QLinearConv, MaxPool, QLinearConv, MaxPool, Flatten, QGemm, DequantizeLinear

const paths = await projectModel();
const model = decodeModel(readFileSync(paths.quantizedPath));
const commitment = commitModel(model);
const feeds = new Map(digitSamples(model, mnistSplit().evaluation.slice(0, 1))[0]!.feeds);
const honestValues = runReference(model, feeds);
const honest = gameTrace(new Trace(commitment, honestValues), projectSteps);
const outputOf = (node: number): Tensor => honestValues.get(model.graph.nodes[node]!.outputs[0]!)!;

async function fixture() {
  const w = await deployWorld(model, { ...DEVNET_PARAMS }, { ...DEVNET_GAME_PARAMS }, commitment);
  const [, requester, prover, challenger] = w.signers;
  const jobId = await submitAndClaim(w, requester!, prover!, feeds);
  return { w, requester: requester!, prover: prover!, challenger: challenger!, jobId };
}

interface Lie {
  values: Map<string, Tensor>;
  trace: GameTrace;
  element: number;
  /** The level-3 step the lie starts at (accumulating nodes), else null. */
  step: number | null;
  label: string;
}

/** A random lie at `node`; for the prover it must survive to the outputs (else: null). */
function drawLie(rng: Rng, node: number, role: "prover" | "challenger"): Lie | null {
  const n = numel(outputOf(node).shape);
  for (let attempt = 0; attempt < REDRAWS; attempt++) {
    const element = rng.int(0, n - 1);
    const delta = rng.pick([-9, -5, -3, -2, -1, 1, 2, 3, 5, 9, 17, 40]);
    let values: Map<string, Tensor>;
    if (role === "prover") {
      try {
        values = runWithFault(model, feeds, { node, element, delta }).values;
      } catch (e) {
        if (e instanceof FaultError) continue;
        throw e;
      }
    } else {
      values = runReference(model, feeds, { afterNode: (i, out) => (i === node ? shiftElement(out, element, delta) : out) });
    }
    let trace = gameTrace(new Trace(commitment, values), projectSteps);
    const acc = honest.accumulation(node, element).length; // K + 2 values, or 0
    let step: number | null = null;
    if (acc > 0) {
      step = rng.int(0, acc - 1);
      if (step < acc - 1) trace = accumulationLie(trace, node, element, step, BigInt(rng.pick([-7, -1, 1, 2, 1000])));
    }
    return { values, trace, element, step, label: `element ${element} delta ${delta}${step === null ? "" : ` step ${step}/${acc - 1}`}` };
  }
  return null;
}

async function playCase(f: Awaited<ReturnType<typeof fixture>>, node: number, role: "prover" | "challenger", lie: Lie, where: string) {
  const { w, prover, challenger, requester, jobId } = f;
  await postResult(w, prover, jobId, role === "prover" ? lie.values : honestValues);
  const opened = await challenge(w, challenger, jobId);
  const played = await playGame(
    w.game,
    opened.gameId,
    opened.setup,
    opened.state,
    { prover: { signer: prover, trace: role === "prover" ? lie.trace : honest }, challenger: { signer: challenger, trace: role === "challenger" ? lie.trace : honest } },
    (s) => networkHelpers.time.increase(s).then(() => undefined),
    w.solver,
  );
  const bonds = await moveBondsOf(w, opened.gameId);
  const byProver = played.moves.filter((m) => m.by === "prover").length;
  expect(BigInt(byProver) * BigInt(w.gameParams.moveBond), `${where}: prover's move bonds`).to.equal(bonds.mp);
  expect(BigInt(played.moves.length - byProver) * BigInt(w.gameParams.moveBond), `${where}: challenger's move bonds`).to.equal(bonds.mc);
  if (role === "prover") {
    expect(played.status, `${where}: the honest challenger must win`).to.equal(Status.ChallengerWon);
    expect(played.timedOut, `${where}: won by the one-step, not on time`).to.equal(null);
    expect(played.last.node, `${where}: refuted node`).to.equal(node);
    expect(Number(played.last.element), `${where}: refuted element`).to.equal(lie.element);
    if (lie.step !== null) expect(played.last.hi - 1, `${where}: refuted accumulation step`).to.equal(lie.step);
  } else {
    expect(played.status, `${where}: the honest prover must win`).to.equal(Status.ProverWon);
    expect(played.timedOut, `${where}: the liar can only run out of time`).to.equal("challenger");
  }
  const r = (await (await w.market.settleGame(opened.gameId)).wait())!;
  const who = { prover: prover.address, challenger: challenger.address, requester: requester.address };
  expectCredits(w.market, r, expectedSettlement(w, who, played.status, true, false, FEE, bonds), `${where}: settlement`);
  expect((await w.market.job(jobId)).status, `${where}: job`).to.equal(role === "prover" ? Job.Faulted : Job.Posted);
  expect(await ethers.provider.getBalance(await w.game.getAddress()), `${where}: game keeps no bond`).to.equal(0n);
  return played.moves.length;
}

describe(`dispute game property: every node of the project CNN, both roles, real verifiers (seed ${SEED}, ${CASES} cases per node and role)`, function () {
  this.timeout(600_000);
  let world: World | undefined;
  const tally = { games: 0, moves: 0, accumulationLies: 0 };

  after(() => {
    console.log(`      ${tally.games} games, ${tally.moves} moves, ${tally.accumulationLies} lies inside an accumulation (seed ${SEED}); rerun with VERINFER_SEED=${SEED}`);
    void world;
  });

  for (let node = 0; node < NODES; node++) {
    for (const role of ["prover", "challenger"] as const) {
      const testSeed = (SEED ^ Math.imul(node * 2 + (role === "prover" ? 0 : 1) + 1, 0x9e3779b1)) >>> 0;
      it(`${role === "prover" ? "a lying prover loses to an honest challenger" : "an honest prover beats a lying challenger"} at node ${node}, and the bonds go to the honest side (seed ${SEED}, case seed ${testSeed})`, async () => {
        const rng = new Rng(testSeed);
        for (let c = 0; c < CASES; c++) {
          const lie = drawLie(rng, node, role);
          if (lie === null) throw new Error(`no surviving lie at node ${node} in ${REDRAWS} draws (seed ${testSeed})`);
          const f = await networkHelpers.loadFixture(fixture);
          world = f.w;
          const where = `seed ${testSeed} case ${c}: node ${node} ${lie.label}, ${role} lies`;
          tally.moves += await playCase(f, node, role, lie, where);
          tally.games += 1;
          if (lie.step !== null && lie.step < honest.accumulation(node, lie.element).length - 1) tally.accumulationLies += 1;
        }
      });
    }
  }
});
