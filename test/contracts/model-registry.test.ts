/**
 * ModelRegistry: content-derived ids checked on-chain, limits, mirrors, advice-only deprecation.
 */
import { expect } from "chai";
import { readFileSync } from "node:fs";
import { DType } from "../../offchain/engine/tensor.js";
import { toHex, type Hex32 } from "../../offchain/engine/commit/hash.js";
import { encodeTensorType } from "../../offchain/engine/commit/tensor-type.js";
import { canonicalOpsets, modelId, type ModelParts } from "../../offchain/engine/commit/model-id.js";
import type { ModelRegistry } from "../../types/ethers-contracts/index.js";
import { deadlineIn, deployMarket, ethers, INPUT_BYTES, mnistParts, networkHelpers, partsStruct, randomBytes } from "./fixtures.js";

const vectors: { models: { name: string; parts: ModelParts; modelId: Hex32 }[] } = JSON.parse(
  readFileSync(new URL("../../docs/vectors/model-id.json", import.meta.url), "utf8"),
);

const FILE_HASH = toHex(Buffer.alloc(32, 0x33));
const OTHER_FILE_HASH = toHex(Buffer.alloc(32, 0x44));
const what = (name: string) => ethers.encodeBytes32String(name);

async function deployRegistry() {
  const [deployer, alice, bob] = await ethers.getSigners();
  const registry = await ethers.deployContract("ModelRegistry");
  return { deployer, alice, bob, registry };
}

/** Registers `parts` under their own id (the id computed in TypeScript). */
async function register(registry: ModelRegistry, parts: ModelParts, uri = "ipfs://model") {
  return registry.register(modelId(parts), partsStruct(parts), FILE_HASH, uri);
}

describe("ModelRegistry", () => {
  describe("model id", () => {
    for (const v of vectors.models) {
      it(`vector "${v.name}": TypeScript, registry.computeModelId and registration agree on the id`, async () => {
        const { registry } = await networkHelpers.loadFixture(deployRegistry);
        expect(canonicalOpsets(v.parts.opsets)).to.deep.equal(v.parts.opsets);
        expect(modelId(v.parts)).to.equal(v.modelId);
        expect(await registry.computeModelId(partsStruct(v.parts))).to.equal(v.modelId);
        await registry.register(v.modelId, partsStruct(v.parts), FILE_HASH, "ipfs://vector");
        expect(await registry.isRegistered(v.modelId)).to.equal(true);
      });
    }

    it("the id changes with every part", async () => {
      const { registry } = await networkHelpers.loadFixture(deployRegistry);
      const base = mnistParts();
      const variants: Partial<ModelParts>[] = [
        { nodeRoot: toHex(Buffer.alloc(32, 0x12)) },
        { valueRoot: toHex(Buffer.alloc(32, 0x23)) },
        { nodeCount: 13 },
        { slotCount: 41 },
        { inputs: [{ slot: 1, tensorType: base.inputs[0].tensorType }] },
        { outputs: [{ slot: 39, tensorType: toHex(encodeTensorType(DType.FLOAT, [1, 11])) }] },
        { opsets: canonicalOpsets([{ domain: "", version: 14 }, { domain: "com.microsoft", version: 1 }]) },
      ];
      const ids = new Set<string>([modelId(base)]);
      for (const v of variants) {
        const parts = { ...base, ...v };
        const id = await registry.computeModelId(partsStruct(parts));
        expect(id).to.equal(modelId(parts));
        ids.add(id);
      }
      expect(ids.size).to.equal(variants.length + 1);
    });
  });

  describe("register", () => {
    it("stores the parts and emits ModelRegistered and MirrorAdded", async () => {
      const { registry, alice } = await networkHelpers.loadFixture(deployRegistry);
      const parts = mnistParts();
      const id = modelId(parts);
      const tx = registry.connect(alice).register(id, partsStruct(parts), FILE_HASH, "ipfs://mnist");
      await expect(tx).to.emit(registry, "ModelRegistered");
      await expect(tx).to.emit(registry, "MirrorAdded").withArgs(id, 0, alice.address, FILE_HASH, "ipfs://mnist");

      const receipt = await (await tx).wait();
      const registered = receipt!.logs.map((l) => registry.interface.parseLog(l)).find((e) => e?.name === "ModelRegistered")!;
      expect(registered.args.modelId).to.equal(id);
      expect(registered.args.registrant).to.equal(alice.address);
      const p = registered.args.parts;
      expect(p.semanticsVersion).to.equal(1n);
      expect(p.nodeRoot).to.equal(parts.nodeRoot);
      expect(p.valueRoot).to.equal(parts.valueRoot);
      expect(p.nodeCount).to.equal(12n);
      expect(p.slotCount).to.equal(40n);
      expect(p.inputs.map((io: { slot: bigint; tensorType: string }) => [io.slot, io.tensorType])).to.deep.equal([[0n, parts.inputs[0].tensorType]]);
      expect(p.outputs.map((io: { slot: bigint; tensorType: string }) => [io.slot, io.tensorType])).to.deep.equal([[39n, parts.outputs[0].tensorType]]);
      expect(p.opsets.map((o: { domain: string; version: bigint }) => [o.domain, o.version])).to.deep.equal(parts.opsets.map((o) => [o.domain, BigInt(o.version)]));

      const info = await registry.modelInfo(id);
      expect(info.nodeRoot).to.equal(parts.nodeRoot);
      expect(info.valueRoot).to.equal(parts.valueRoot);
      expect(info.semanticsVersion).to.equal(1n);
      expect(info.nodeCount).to.equal(12n);
      expect(info.slotCount).to.equal(40n);
      expect(info.registeredAt).to.equal(BigInt(await networkHelpers.time.latest()));
      expect((await registry.inputs(id)).map((io) => [io.slot, io.tensorType])).to.deep.equal([[0n, parts.inputs[0].tensorType]]);
      expect((await registry.outputs(id)).map((io) => [io.slot, io.tensorType])).to.deep.equal([[39n, parts.outputs[0].tensorType]]);
      expect(await registry.inputTypes(id)).to.deep.equal([parts.inputs[0].tensorType]);
      expect(await registry.outputTypes(id)).to.deep.equal([parts.outputs[0].tensorType]);
      expect(await registry.mirrorCount(id)).to.equal(1n);
      const m = await registry.mirror(id, 0);
      expect([m.registrant, m.deprecated, m.fileHash, m.uri]).to.deep.equal([alice.address, false, FILE_HASH, "ipfs://mnist"]);
    });

    it("a second registration of the same id only adds a mirror (no second ModelRegistered)", async () => {
      const { registry, alice, bob } = await networkHelpers.loadFixture(deployRegistry);
      const parts = mnistParts();
      const id = modelId(parts);
      await registry.connect(alice).register(id, partsStruct(parts), FILE_HASH, "ipfs://first");
      const infoBefore = await registry.modelInfo(id);
      await networkHelpers.time.increase(100);
      const tx = registry.connect(bob).register(id, partsStruct(parts), OTHER_FILE_HASH, "https://second");
      await expect(tx).to.not.emit(registry, "ModelRegistered");
      await expect(tx).to.emit(registry, "MirrorAdded").withArgs(id, 1, bob.address, OTHER_FILE_HASH, "https://second");
      expect(await registry.modelInfo(id)).to.deep.equal(infoBefore);
      expect(await registry.mirrorCount(id)).to.equal(2n);
      expect((await registry.mirror(id, 1)).registrant).to.equal(bob.address);
      expect(await registry.register.staticCall(id, partsStruct(parts), FILE_HASH, "x")).to.equal(2n);
    });

    it("a registration whose parts do not hash to its id reverts RegistryModelIdMismatch(claimed, computed)", async () => {
      const { registry } = await networkHelpers.loadFixture(deployRegistry);
      const claimed = modelId(mnistParts());
      const forged = mnistParts({ nodeRoot: toHex(Buffer.alloc(32, 0x99)) });
      await expect(registry.register(claimed, partsStruct(forged), FILE_HASH, "ipfs://forged"))
        .to.be.revertedWithCustomError(registry, "RegistryModelIdMismatch")
        .withArgs(claimed, modelId(forged));
      expect(await registry.isRegistered(claimed)).to.equal(false);
    });

    it("a re-registration with forged parts under a registered id reverts RegistryModelIdMismatch", async () => {
      const { registry } = await networkHelpers.loadFixture(deployRegistry);
      const parts = mnistParts();
      const id = modelId(parts);
      await register(registry, parts);
      const forged = mnistParts({ slotCount: 41 });
      await expect(registry.register(id, partsStruct(forged), FILE_HASH, "ipfs://forged"))
        .to.be.revertedWithCustomError(registry, "RegistryModelIdMismatch")
        .withArgs(id, modelId(forged));
    });

    it("an unsupported semantics version reverts RegistryUnsupportedSemantics", async () => {
      const { registry } = await networkHelpers.loadFixture(deployRegistry);
      for (const version of [0, 2]) {
        const parts = mnistParts({ semanticsVersion: version });
        await expect(register(registry, parts)).to.be.revertedWithCustomError(registry, "RegistryUnsupportedSemantics").withArgs(version);
        await expect(registry.computeModelId(partsStruct(parts))).to.be.revertedWithCustomError(registry, "RegistryUnsupportedSemantics").withArgs(version);
      }
    });

    it("nodeCount 0 reverts RegistryLimitExceeded(nodeCount, 0, 1)", async () => {
      const { registry } = await networkHelpers.loadFixture(deployRegistry);
      await expect(register(registry, mnistParts({ nodeCount: 0 })))
        .to.be.revertedWithCustomError(registry, "RegistryLimitExceeded")
        .withArgs(what("nodeCount"), 0, 1);
    });

    it("zero inputs, zero outputs and 17 inputs or outputs revert RegistryLimitExceeded(io, n, 16)", async () => {
      const { registry } = await networkHelpers.loadFixture(deployRegistry);
      const io = mnistParts().inputs[0];
      const seventeen = Array.from({ length: 17 }, (_, i) => ({ slot: i, tensorType: io.tensorType }));
      const cases: [Partial<ModelParts>, number][] = [
        [{ inputs: [] }, 0],
        [{ outputs: [] }, 0],
        [{ inputs: seventeen }, 17],
        [{ outputs: seventeen }, 17],
      ];
      for (const [override, n] of cases) {
        await expect(register(registry, mnistParts(override)))
          .to.be.revertedWithCustomError(registry, "RegistryLimitExceeded")
          .withArgs(what("io"), n, 16);
      }
      const sixteen = seventeen.slice(0, 16);
      await register(registry, mnistParts({ inputs: sixteen, outputs: sixteen }));
    });

    it("an input or output slot >= slotCount reverts RegistrySlotOutOfRange(slot, slotCount)", async () => {
      const { registry } = await networkHelpers.loadFixture(deployRegistry);
      const t = mnistParts().inputs[0].tensorType;
      await expect(register(registry, mnistParts({ inputs: [{ slot: 40, tensorType: t }] })))
        .to.be.revertedWithCustomError(registry, "RegistrySlotOutOfRange")
        .withArgs(40, 40);
      await expect(register(registry, mnistParts({ outputs: [{ slot: 0xffffffff, tensorType: t }] })))
        .to.be.revertedWithCustomError(registry, "RegistrySlotOutOfRange")
        .withArgs(0xffffffff, 40);
      await expect(register(registry, mnistParts({ slotCount: 0 })))
        .to.be.revertedWithCustomError(registry, "RegistrySlotOutOfRange")
        .withArgs(0, 0);
    });

    it("non-canonical opsets (unsorted, duplicate domain) revert RegistryOpsetsNotCanonical(index)", async () => {
      const { registry } = await networkHelpers.loadFixture(deployRegistry);
      const canonical = canonicalOpsets([{ domain: "", version: 13 }, { domain: "com.microsoft", version: 1 }, { domain: "ai.onnx.ml", version: 3 }]);
      await register(registry, mnistParts({ opsets: canonical }));
      const unsorted = [canonical[1], canonical[0], canonical[2]];
      await expect(register(registry, mnistParts({ opsets: unsorted })))
        .to.be.revertedWithCustomError(registry, "RegistryOpsetsNotCanonical")
        .withArgs(1);
      const lastOutOfOrder = [canonical[0], canonical[2], canonical[1]];
      await expect(register(registry, mnistParts({ opsets: lastOutOfOrder })))
        .to.be.revertedWithCustomError(registry, "RegistryOpsetsNotCanonical")
        .withArgs(2);
      const duplicate = [canonical[0], { ...canonical[0], version: 99 }];
      await expect(register(registry, mnistParts({ opsets: duplicate })))
        .to.be.revertedWithCustomError(registry, "RegistryOpsetsNotCanonical")
        .withArgs(1);
    });

    it("zero or 17 opsets revert RegistryLimitExceeded(opsets, n, 16)", async () => {
      const { registry } = await networkHelpers.loadFixture(deployRegistry);
      await expect(register(registry, mnistParts({ opsets: [] })))
        .to.be.revertedWithCustomError(registry, "RegistryLimitExceeded")
        .withArgs(what("opsets"), 0, 16);
      const many = canonicalOpsets(Array.from({ length: 17 }, (_, i) => ({ domain: `d${i}`, version: 1 })));
      await expect(register(registry, mnistParts({ opsets: many })))
        .to.be.revertedWithCustomError(registry, "RegistryLimitExceeded")
        .withArgs(what("opsets"), 17, 16);
      await register(registry, mnistParts({ opsets: many.slice(0, 16) }));
    });

    it("a uri over 2048 bytes and a domain over 128 bytes revert RegistryLimitExceeded", async () => {
      const { registry } = await networkHelpers.loadFixture(deployRegistry);
      const parts = mnistParts();
      await expect(register(registry, parts, "u".repeat(2049)))
        .to.be.revertedWithCustomError(registry, "RegistryLimitExceeded")
        .withArgs(what("uri"), 2049, 2048);
      await register(registry, parts, "u".repeat(2048));
      await expect(registry.addMirror(modelId(parts), FILE_HASH, "u".repeat(4000)))
        .to.be.revertedWithCustomError(registry, "RegistryLimitExceeded")
        .withArgs(what("uri"), 4000, 2048);

      const longDomain = mnistParts({ opsets: [{ domain: "d".repeat(129), version: 1 }] });
      await expect(register(registry, longDomain))
        .to.be.revertedWithCustomError(registry, "RegistryLimitExceeded")
        .withArgs(what("domain"), 129, 128);
      await register(registry, mnistParts({ opsets: [{ domain: "d".repeat(128), version: 1 }] }));
    });

    it("an invalid input or output tensor type reverts TensorTypeInvalid", async () => {
      const { registry } = await networkHelpers.loadFixture(deployRegistry);
      const bad = Buffer.from(encodeTensorType(DType.FLOAT, [1, 10]));
      bad[0] = 8;
      const badWord = toHex(bad);
      await expect(register(registry, mnistParts({ inputs: [{ slot: 0, tensorType: badWord }] })))
        .to.be.revertedWithCustomError(registry, "TensorTypeInvalid")
        .withArgs(badWord);
      const trailing = Buffer.from(encodeTensorType(DType.FLOAT, [1, 10]));
      trailing[31] = 1;
      await expect(register(registry, mnistParts({ outputs: [{ slot: 39, tensorType: toHex(trailing) }] })))
        .to.be.revertedWithCustomError(registry, "TensorTypeInvalid")
        .withArgs(toHex(trailing));
    });
  });

  describe("mirrors", () => {
    it("addMirror on an unknown id reverts RegistryUnknownModel", async () => {
      const { registry } = await networkHelpers.loadFixture(deployRegistry);
      const id = modelId(mnistParts());
      await expect(registry.addMirror(id, FILE_HASH, "ipfs://x")).to.be.revertedWithCustomError(registry, "RegistryUnknownModel").withArgs(id);
    });

    it("addMirror on a registered id appends a mirror owned by its caller", async () => {
      const { registry, bob } = await networkHelpers.loadFixture(deployRegistry);
      const parts = mnistParts();
      const id = modelId(parts);
      await register(registry, parts);
      await expect(registry.connect(bob).addMirror(id, OTHER_FILE_HASH, "ar://copy"))
        .to.emit(registry, "MirrorAdded")
        .withArgs(id, 1, bob.address, OTHER_FILE_HASH, "ar://copy");
      expect((await registry.mirror(id, 1)).uri).to.equal("ar://copy");
    });

    it("only a mirror's own registrant may deprecate it; others revert RegistryNotMirrorOwner", async () => {
      const { registry, alice, bob } = await networkHelpers.loadFixture(deployRegistry);
      const parts = mnistParts();
      const id = modelId(parts);
      await registry.connect(alice).register(id, partsStruct(parts), FILE_HASH, "ipfs://a");
      await registry.connect(bob).addMirror(id, FILE_HASH, "ipfs://b");

      await expect(registry.connect(bob).setMirrorDeprecated(id, 0, true))
        .to.be.revertedWithCustomError(registry, "RegistryNotMirrorOwner")
        .withArgs(bob.address, alice.address);
      await expect(registry.connect(alice).setMirrorDeprecated(id, 1, true))
        .to.be.revertedWithCustomError(registry, "RegistryNotMirrorOwner")
        .withArgs(alice.address, bob.address);

      await expect(registry.connect(alice).setMirrorDeprecated(id, 0, true)).to.emit(registry, "MirrorDeprecationSet").withArgs(id, 0, true);
      expect((await registry.mirror(id, 0)).deprecated).to.equal(true);
      expect((await registry.mirror(id, 1)).deprecated).to.equal(false);
      await expect(registry.connect(alice).setMirrorDeprecated(id, 0, false)).to.emit(registry, "MirrorDeprecationSet").withArgs(id, 0, false);
      expect((await registry.mirror(id, 0)).deprecated).to.equal(false);
    });

    it("deprecating an unknown mirror reverts RegistryUnknownMirror", async () => {
      const { registry } = await networkHelpers.loadFixture(deployRegistry);
      const parts = mnistParts();
      const id = modelId(parts);
      await register(registry, parts);
      await expect(registry.setMirrorDeprecated(id, 1, true)).to.be.revertedWithCustomError(registry, "RegistryUnknownMirror").withArgs(id, 1);
      const unknown = toHex(Buffer.alloc(32, 0xab));
      await expect(registry.setMirrorDeprecated(unknown, 0, true)).to.be.revertedWithCustomError(registry, "RegistryUnknownMirror").withArgs(unknown, 0);
    });

    it("deprecation never stops a job: submit works on a model whose only mirror is deprecated", async () => {
      const { registry, market, deployer, requester, modelId: id } = await networkHelpers.loadFixture(deployMarket);
      expect(await registry.mirrorCount(id)).to.equal(1n);
      await registry.connect(deployer).setMirrorDeprecated(id, 0, true);
      const fee = ethers.parseEther("0.1");
      await expect(market.connect(requester).submitJob(id, [randomBytes(INPUT_BYTES)], ethers.ZeroAddress, await deadlineIn(3600), { value: fee }))
        .to.emit(market, "JobSubmitted");
      expect((await market.job(1)).modelId).to.equal(id);
    });
  });

  describe("views", () => {
    it("views on an unknown id revert RegistryUnknownModel; isRegistered is false and it has no mirrors", async () => {
      const { registry } = await networkHelpers.loadFixture(deployRegistry);
      const id = toHex(Buffer.alloc(32, 0xab));
      await expect(registry.modelInfo(id)).to.be.revertedWithCustomError(registry, "RegistryUnknownModel").withArgs(id);
      await expect(registry.inputs(id)).to.be.revertedWithCustomError(registry, "RegistryUnknownModel").withArgs(id);
      await expect(registry.outputs(id)).to.be.revertedWithCustomError(registry, "RegistryUnknownModel").withArgs(id);
      await expect(registry.inputTypes(id)).to.be.revertedWithCustomError(registry, "RegistryUnknownModel").withArgs(id);
      await expect(registry.outputTypes(id)).to.be.revertedWithCustomError(registry, "RegistryUnknownModel").withArgs(id);
      await expect(registry.mirror(id, 0)).to.be.revertedWithCustomError(registry, "RegistryUnknownMirror").withArgs(id, 0);
      expect(await registry.isRegistered(id)).to.equal(false);
      expect(await registry.mirrorCount(id)).to.equal(0n);
    });

    it("a model with several inputs and outputs keeps their order, slots and types", async () => {
      const { registry } = await networkHelpers.loadFixture(deployRegistry);
      const t = (shape: number[], dtype = DType.INT8) => toHex(encodeTensorType(dtype, shape));
      const parts = mnistParts({
        inputs: [{ slot: 3, tensorType: t([2, 2]) }, { slot: 1, tensorType: t([4], DType.UINT8) }, { slot: 7, tensorType: t([]) }],
        outputs: [{ slot: 39, tensorType: t([1], DType.INT32) }, { slot: 38, tensorType: t([8, 8]) }],
      });
      const id = modelId(parts);
      await register(registry, parts);
      expect((await registry.inputs(id)).map((io) => [Number(io.slot), io.tensorType])).to.deep.equal(parts.inputs.map((io) => [io.slot, io.tensorType]));
      expect((await registry.outputs(id)).map((io) => [Number(io.slot), io.tensorType])).to.deep.equal(parts.outputs.map((io) => [io.slot, io.tensorType]));
      expect(await registry.inputTypes(id)).to.deep.equal(parts.inputs.map((io) => io.tensorType));
      expect(await registry.outputTypes(id)).to.deep.equal(parts.outputs.map((io) => io.tensorType));
    });
  });
});
