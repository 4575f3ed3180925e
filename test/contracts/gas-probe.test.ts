import { expect } from "chai";
import { deployMarket, ethers, networkHelpers, randomBytes, INPUT_BYTES, OUTPUT_BYTES, PARAMS, deadlineIn } from "./fixtures.js";

describe("gas probe", () => {
  it("measures", async () => {
    const f = await networkHelpers.loadFixture(deployMarket);
    const input = randomBytes(INPUT_BYTES);
    const tx = await f.market.connect(f.requester).submitJob(f.modelId, [input], ethers.ZeroAddress, await deadlineIn(3600), { value: ethers.parseEther("0.1") });
    const r = await tx.wait();
    console.log("submit", r!.gasUsed);
    const c = await (await f.market.connect(f.prover).claimJob(1, { value: PARAMS.proverBond })).wait();
    console.log("claim", c!.gasUsed);
    const p = await (await f.market.connect(f.prover).postResult(1, [randomBytes(OUTPUT_BYTES, 2)])).wait();
    console.log("post", p!.gasUsed);
    const ch = await (await f.market.connect(f.challenger).challenge(1, { value: PARAMS.challengerBond })).wait();
    console.log("challenge", ch!.gasUsed);
    await f.game.setStatus(1, 2);
    const s = await (await f.market.settleGame(1)).wait();
    console.log("settle", s!.gasUsed);
    await networkHelpers.time.increase(2000);
    const fi = await (await f.market.finalize(1)).wait();
    console.log("finalize", fi!.gasUsed);
    expect(fi!.status).to.equal(1);
  });
});
