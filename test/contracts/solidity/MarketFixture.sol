// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {TestBase} from "./Vm.sol";
import {ModelRegistry} from "../../../contracts/registry/ModelRegistry.sol";
import {JobMarket} from "../../../contracts/jobs/JobMarket.sol";
import {MockDisputeGame} from "../../../contracts/mocks/MockDisputeGame.sol";
import {IModelRegistry} from "../../../contracts/interfaces/IModelRegistry.sol";
import {IJobMarket} from "../../../contracts/interfaces/IJobMarket.sol";
import {IDisputeGame} from "../../../contracts/interfaces/IDisputeGame.sol";
import {TensorType} from "../../../contracts/libraries/TensorType.sol";

/// @notice Shared set-up of the market tests: a registry, the test-only game, a market, and a tiny
///         registered model (uint8 [4] in, uint8 [2] out).
abstract contract MarketFixture is TestBase {
    ModelRegistry internal registry;
    MockDisputeGame internal game;
    JobMarket internal market;
    bytes32 internal modelId;

    address internal constant SINK = 0x000000000000000000000000000000000000dEaD;
    address internal requester = address(0xA11CE);
    address internal prover = address(0xB0B);
    address internal prover2 = address(0xB0B2);
    address internal challenger = address(0xC4A1);
    address internal challenger2 = address(0xC4A2);
    address internal stranger = address(0x5757);

    /// uint8 [4] and uint8 [2] type words: dtype ‖ rank ‖ dim0 (3 bytes), rest zero.
    bytes32 internal constant IN_TYPE = bytes32(uint256(0x0201000004) << 216);
    bytes32 internal constant OUT_TYPE = bytes32(uint256(0x0201000002) << 216);

    uint40 internal constant START = 1_700_000_000;

    function defaultParams() internal pure returns (IJobMarket.Params memory) {
        return IJobMarket.Params({
            proverBond: 1 ether,
            challengerBond: 0.5 ether,
            deliveryPeriod: 1 hours,
            challengeWindow: 1 days,
            burnBps: 2000,
            lateForfeitBps: 1000,
            maxInputBytes: 1024,
            maxOutputBytes: 1024,
            burnSink: SINK
        });
    }

    function modelParts() internal pure returns (IModelRegistry.ModelParts memory parts) {
        parts.semanticsVersion = 1;
        parts.nodeRoot = bytes32(uint256(0x11));
        parts.valueRoot = bytes32(uint256(0x22));
        parts.nodeCount = 1;
        parts.slotCount = 2;
        parts.inputs = new IModelRegistry.IoSlot[](1);
        parts.inputs[0] = IModelRegistry.IoSlot({slot: 0, tensorType: TensorType.wrap(IN_TYPE)});
        parts.outputs = new IModelRegistry.IoSlot[](1);
        parts.outputs[0] = IModelRegistry.IoSlot({slot: 1, tensorType: TensorType.wrap(OUT_TYPE)});
        parts.opsets = new IModelRegistry.Opset[](1);
        parts.opsets[0] = IModelRegistry.Opset({domain: "ai.onnx", version: 17});
    }

    /// Deploys registry, game and market, wires them, registers the model.
    function deploy(IJobMarket.Params memory p) internal {
        vm.warp(START);
        registry = new ModelRegistry();
        game = new MockDisputeGame();
        market = new JobMarket(registry, game, p);
        game.setMarket(market);
        IModelRegistry.ModelParts memory parts = modelParts();
        modelId = registry.computeModelId(parts);
        registry.register(modelId, parts, bytes32(uint256(0x33)), "ipfs://tiny");
        vm.label(address(market), "market");
        vm.label(address(game), "game");
        vm.label(address(registry), "registry");
    }

    function inputs(bytes4 x) internal pure returns (bytes[] memory list) {
        list = new bytes[](1);
        list[0] = abi.encodePacked(x);
    }

    function outputs(bytes2 y) internal pure returns (bytes[] memory list) {
        list = new bytes[](1);
        list[0] = abi.encodePacked(y);
    }

    /// The spec's list commitment of one short tensor (one partial leaf), computed longhand.
    function oneTensorListCommitment(bytes32 typeWord, bytes memory data) internal pure returns (bytes32) {
        require(data.length <= 32, "longhand only for one leaf");
        bytes32 leaf = bytes32(data); // left-aligned, zero-padded
        bytes32 root = sha256(abi.encodePacked(bytes1(0x00), leaf, bytes32(0)));
        bytes32 tensor = sha256(abi.encodePacked(bytes1(0x02), typeWord, root));
        return sha256(abi.encodePacked(bytes1(0x03), uint32(1), tensor));
    }

    /*//////////////////////////////////////////////////////////////
                         ONE-LINE ACTOR ACTIONS
    //////////////////////////////////////////////////////////////*/

    function submitAs(address who, uint256 fee, uint40 deadline) internal returns (uint256 jobId) {
        vm.deal(who, who.balance + fee);
        vm.prank(who);
        jobId = market.submitJob{value: fee}(modelId, inputs(0x01020304), address(0), deadline);
    }

    function claimAs(address who, uint256 jobId) internal {
        uint256 bond = market.params().proverBond;
        vm.deal(who, who.balance + bond);
        vm.prank(who);
        market.claimJob{value: bond}(jobId);
    }

    function postAs(address who, uint256 jobId) internal {
        vm.prank(who);
        market.postResult(jobId, outputs(0x0a0b));
    }

    function challengeAs(address who, uint256 jobId) internal returns (uint256 gameId) {
        uint256 bond = market.params().challengerBond;
        vm.deal(who, who.balance + bond);
        vm.prank(who);
        gameId = market.challenge{value: bond}(jobId);
    }

    function moveBond(uint256 gameId, bool byProver, uint256 amount) internal {
        address payer = address(0xF00D);
        vm.deal(payer, amount);
        vm.prank(payer);
        game.postMoveBond{value: amount}(gameId, byProver);
    }

    function decide(uint256 gameId, IDisputeGame.GameStatus outcome) internal {
        game.setStatus(gameId, outcome);
    }

    /// A job posted by `prover` at the current time, with the default deadline of 1 week.
    function postedJob(uint256 fee) internal returns (uint256 jobId) {
        jobId = submitAs(requester, fee, uint40(block.timestamp + 7 days));
        claimAs(prover, jobId);
        postAs(prover, jobId);
    }

    function withdrawAs(address who) internal returns (uint256 amount) {
        vm.prank(who);
        amount = market.withdraw(payable(who));
    }

    function status(uint256 jobId) internal view returns (IJobMarket.JobStatus) {
        return market.job(jobId).status;
    }
}
