// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {MarketFixture} from "./MarketFixture.sol";
import {JobMarket} from "../../../contracts/jobs/JobMarket.sol";
import {IJobMarket} from "../../../contracts/interfaces/IJobMarket.sol";
import {IModelRegistry} from "../../../contracts/interfaces/IModelRegistry.sol";
import {IDisputeGame} from "../../../contracts/interfaces/IDisputeGame.sol";
import {TensorCommitment} from "../../../contracts/libraries/TensorCommitment.sol";
import {ReentrantReceiver} from "../../../contracts/mocks/ReentrantReceiver.sol";
import {MockDisputeGame} from "../../../contracts/mocks/MockDisputeGame.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";

/// @notice JobMarket against the test-only game: every path of a job, and the money of each.
contract JobMarketTest is MarketFixture {
    uint256 internal constant PB = 1 ether; // prover bond
    uint256 internal constant CB = 0.5 ether; // challenger bond
    uint256 internal constant FEE = 0.3 ether;

    function setUp() public {
        deploy(defaultParams());
    }

    /*//////////////////////////////////////////////////////////////
                               SUBMITJOB
    //////////////////////////////////////////////////////////////*/

    function test_submitJob_escrowsFeeAndCommitsInputs_succeeds() public {
        uint40 deadline = uint40(block.timestamp + 1 days);
        uint256 jobId = submitAs(requester, FEE, deadline);
        IJobMarket.Job memory j = market.job(jobId);
        vm.assertEq(jobId, 1, "first job id");
        vm.assertEq(uint256(j.status), uint256(IJobMarket.JobStatus.Open), "status");
        vm.assertEq(j.requester, requester, "requester");
        vm.assertEq(uint256(j.fee), FEE, "fee");
        vm.assertEq(uint256(j.deadline), deadline, "deadline");
        vm.assertEq(j.prover, address(0), "no prover");
        vm.assertEq(j.modelId, modelId, "model");
        vm.assertEq(j.inputsCommitment, oneTensorListCommitment(IN_TYPE, hex"01020304"), "inputs commitment");
        vm.assertEq(address(market).balance, FEE, "fee escrowed");
    }

    function testFuzz_submitJob_anyFeeUpToUint88_succeeds(uint256 fee) public {
        fee = bound(fee, 0, type(uint88).max);
        uint256 jobId = submitAs(requester, fee, uint40(block.timestamp + 1));
        vm.assertEq(uint256(market.job(jobId).fee), fee, "fee stored exactly");
        vm.assertEq(address(market).balance, fee, "fee escrowed exactly");
    }

    function testFuzz_submitJob_feeOverUint88_reverts(uint256 fee) public {
        fee = bound(fee, uint256(type(uint88).max) + 1, type(uint128).max);
        vm.deal(requester, fee);
        vm.prank(requester);
        vm.expectRevert(abi.encodeWithSelector(IJobMarket.MarketFeeTooLarge.selector, fee));
        market.submitJob{value: fee}(modelId, inputs(0x01020304), address(0), uint40(block.timestamp + 1));
    }

    function testFuzz_submitJob_deadlineOnlyInFuture_succeeds(uint40 deadline) public {
        bytes[] memory ins = inputs(0x01020304);
        if (deadline <= block.timestamp) {
            vm.expectRevert(abi.encodeWithSelector(IJobMarket.MarketBadDeadline.selector, deadline, block.timestamp));
            market.submitJob(modelId, ins, address(0), deadline);
        } else {
            uint256 jobId = market.submitJob(modelId, ins, address(0), deadline);
            vm.assertEq(uint256(market.job(jobId).deadline), deadline, "deadline stored");
        }
    }

    function test_submitJob_unknownModel_reverts() public {
        bytes[] memory ins = inputs(0x01020304);
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.RegistryUnknownModel.selector, bytes32(uint256(1))));
        market.submitJob(bytes32(uint256(1)), ins, address(0), uint40(block.timestamp + 1));
    }

    function test_submitJob_wrongInputCount_reverts() public {
        bytes[] memory ins = new bytes[](2);
        ins[0] = hex"01020304";
        ins[1] = hex"01020304";
        vm.expectRevert(abi.encodeWithSelector(IJobMarket.MarketWrongInputCount.selector, 1, 2));
        market.submitJob(modelId, ins, address(0), uint40(block.timestamp + 1));
    }

    function testFuzz_submitJob_wrongInputLength_reverts(uint256 len) public {
        len = bound(len, 0, 1024);
        vm.assume(len != 4);
        bytes[] memory ins = new bytes[](1);
        ins[0] = new bytes(len);
        vm.expectRevert(abi.encodeWithSelector(TensorCommitment.TensorCommitmentLengthMismatch.selector, 4, len));
        market.submitJob(modelId, ins, address(0), uint40(block.timestamp + 1));
    }

    function test_submitJob_inputOverCap_reverts() public {
        bytes[] memory ins = new bytes[](1);
        ins[0] = new bytes(1025);
        vm.expectRevert(abi.encodeWithSelector(IJobMarket.MarketInputTooLarge.selector, 1025, 1024));
        market.submitJob(modelId, ins, address(0), uint40(block.timestamp + 1));
    }

    /*//////////////////////////////////////////////////////////////
                                CLAIMJOB
    //////////////////////////////////////////////////////////////*/

    function test_claimJob_setsClaimDeadline_succeeds() public {
        uint256 jobId = submitAs(requester, FEE, uint40(block.timestamp + 7 days));
        claimAs(prover, jobId);
        IJobMarket.Job memory j = market.job(jobId);
        vm.assertEq(uint256(j.status), uint256(IJobMarket.JobStatus.Claimed), "status");
        vm.assertEq(j.prover, prover, "prover");
        vm.assertEq(uint256(j.timer), block.timestamp + 1 hours, "claim deadline = now + deliveryPeriod");
        vm.assertEq(address(market).balance, FEE + PB, "bond escrowed");
    }

    function test_claimJob_claimDeadlineCappedAtJobDeadline_succeeds() public {
        uint40 deadline = uint40(block.timestamp + 10 minutes);
        uint256 jobId = submitAs(requester, FEE, deadline);
        claimAs(prover, jobId);
        vm.assertEq(uint256(market.job(jobId).timer), deadline, "claim deadline capped");
    }

    /// Only the exact bond claims; any other amount reverts with both amounts.
    function testFuzz_claimJob_onlyExactBond_succeeds(uint256 sent) public {
        sent = bound(sent, 0, 10 * PB);
        uint256 jobId = submitAs(requester, FEE, uint40(block.timestamp + 1 days));
        vm.deal(prover, sent);
        vm.prank(prover);
        if (sent != PB) {
            vm.expectRevert(abi.encodeWithSelector(IJobMarket.MarketWrongBond.selector, PB, sent));
            market.claimJob{value: sent}(jobId);
            vm.assertEq(address(market).balance, FEE, "nothing kept");
        } else {
            market.claimJob{value: sent}(jobId);
            vm.assertEq(uint256(status(jobId)), uint256(IJobMarket.JobStatus.Claimed), "claimed");
        }
    }

    /// One wei either side of the bond is refused.
    function test_claimJob_offByOneWeiBond_reverts() public {
        uint256 jobId = submitAs(requester, FEE, uint40(block.timestamp + 1 days));
        vm.deal(prover, 3 * PB);
        vm.prank(prover);
        vm.expectRevert(abi.encodeWithSelector(IJobMarket.MarketWrongBond.selector, PB, PB - 1));
        market.claimJob{value: PB - 1}(jobId);
        vm.prank(prover);
        vm.expectRevert(abi.encodeWithSelector(IJobMarket.MarketWrongBond.selector, PB, PB + 1));
        market.claimJob{value: PB + 1}(jobId);
    }

    function test_claimJob_notNamedProver_reverts() public {
        vm.prank(requester);
        uint256 jobId = market.submitJob(modelId, inputs(0x01020304), prover, uint40(block.timestamp + 1 days));
        vm.deal(stranger, PB);
        vm.prank(stranger);
        vm.expectRevert(abi.encodeWithSelector(IJobMarket.MarketNotNamedProver.selector, stranger, prover));
        market.claimJob{value: PB}(jobId);
        claimAs(prover, jobId);
        vm.assertEq(market.job(jobId).prover, prover, "named prover claimed");
    }

    function test_claimJob_activeClaim_reverts() public {
        uint256 jobId = submitAs(requester, FEE, uint40(block.timestamp + 1 days));
        claimAs(prover, jobId);
        uint40 timer = market.job(jobId).timer;
        vm.warp(timer - 1);
        vm.deal(prover2, PB);
        vm.prank(prover2);
        vm.expectRevert(abi.encodeWithSelector(IJobMarket.MarketClaimActive.selector, jobId, timer));
        market.claimJob{value: PB}(jobId);
    }

    /// A lapsed claim passes to another prover; the late one gets its bond less the forfeit.
    function test_claimJob_reclaimLapsed_succeeds() public {
        uint256 jobId = submitAs(requester, FEE, uint40(block.timestamp + 1 days));
        claimAs(prover, jobId);
        vm.warp(market.job(jobId).timer);
        claimAs(prover2, jobId);
        vm.assertEq(market.job(jobId).prover, prover2, "new prover");
        uint256 forfeit = PB * 1000 / 10_000;
        vm.assertEq(market.credits(prover), PB - forfeit, "late prover refunded less forfeit");
        vm.assertEq(market.credits(SINK), forfeit, "forfeit burned");
        vm.assertEq(address(market).balance, FEE + 2 * PB, "balance");
    }

    /// A named prover whose claim lapsed is the only one who may claim again.
    function test_claimJob_namedReclaimByOther_reverts() public {
        vm.prank(requester);
        uint256 jobId = market.submitJob(modelId, inputs(0x01020304), prover, uint40(block.timestamp + 1 days));
        claimAs(prover, jobId);
        vm.warp(market.job(jobId).timer);
        vm.deal(prover2, PB);
        vm.prank(prover2);
        vm.expectRevert(abi.encodeWithSelector(IJobMarket.MarketNotNamedProver.selector, prover2, prover));
        market.claimJob{value: PB}(jobId);
        claimAs(prover, jobId);
        vm.assertEq(market.credits(prover), PB - PB / 10, "own lapsed bond settled");
    }

    function test_claimJob_afterDeadline_reverts() public {
        uint40 deadline = uint40(block.timestamp + 1 days);
        uint256 jobId = submitAs(requester, FEE, deadline);
        vm.warp(deadline);
        vm.deal(prover, PB);
        vm.prank(prover);
        vm.expectRevert(abi.encodeWithSelector(IJobMarket.MarketDeadlinePassed.selector, jobId, deadline));
        market.claimJob{value: PB}(jobId);
    }

    function test_claimJob_unknownJob_reverts() public {
        vm.expectRevert(abi.encodeWithSelector(IJobMarket.MarketUnknownJob.selector, 42));
        market.claimJob{value: PB}(42);
    }

    /*//////////////////////////////////////////////////////////////
                               POSTRESULT
    //////////////////////////////////////////////////////////////*/

    function test_postResult_opensWindowAndCommitsOutputs_succeeds() public {
        uint256 jobId = postedJob(FEE);
        IJobMarket.Job memory j = market.job(jobId);
        vm.assertEq(uint256(j.status), uint256(IJobMarket.JobStatus.Posted), "status");
        vm.assertEq(uint256(j.timer), block.timestamp + 1 days, "window end");
        vm.assertEq(j.outputsCommitment, oneTensorListCommitment(OUT_TYPE, hex"0a0b"), "outputs commitment");
    }

    function test_postResult_notProver_reverts() public {
        uint256 jobId = submitAs(requester, FEE, uint40(block.timestamp + 1 days));
        claimAs(prover, jobId);
        bytes[] memory outs = outputs(0x0a0b);
        vm.prank(stranger);
        vm.expectRevert(abi.encodeWithSelector(IJobMarket.MarketNotProver.selector, stranger, prover));
        market.postResult(jobId, outs);
    }

    function test_postResult_claimExpired_reverts() public {
        uint256 jobId = submitAs(requester, FEE, uint40(block.timestamp + 1 days));
        claimAs(prover, jobId);
        uint40 timer = market.job(jobId).timer;
        vm.warp(timer);
        bytes[] memory outs = outputs(0x0a0b);
        vm.prank(prover);
        vm.expectRevert(abi.encodeWithSelector(IJobMarket.MarketClaimExpired.selector, jobId, timer));
        market.postResult(jobId, outs);
    }

    function test_postResult_unclaimed_reverts() public {
        uint256 jobId = submitAs(requester, FEE, uint40(block.timestamp + 1 days));
        bytes[] memory outs = outputs(0x0a0b);
        vm.prank(prover);
        vm.expectRevert(
            abi.encodeWithSelector(IJobMarket.MarketWrongStatus.selector, jobId, IJobMarket.JobStatus.Open)
        );
        market.postResult(jobId, outs);
    }

    function test_postResult_wrongOutputLength_reverts() public {
        uint256 jobId = submitAs(requester, FEE, uint40(block.timestamp + 1 days));
        claimAs(prover, jobId);
        bytes[] memory outs = new bytes[](1);
        outs[0] = hex"0a0b0c";
        vm.prank(prover);
        vm.expectRevert(abi.encodeWithSelector(TensorCommitment.TensorCommitmentLengthMismatch.selector, 2, 3));
        market.postResult(jobId, outs);
    }

    function test_postResult_wrongOutputCount_reverts() public {
        uint256 jobId = submitAs(requester, FEE, uint40(block.timestamp + 1 days));
        claimAs(prover, jobId);
        bytes[] memory outs = new bytes[](0);
        vm.prank(prover);
        vm.expectRevert(abi.encodeWithSelector(IJobMarket.MarketWrongOutputCount.selector, 1, 0));
        market.postResult(jobId, outs);
    }

    /*//////////////////////////////////////////////////////////////
                               CHALLENGE
    //////////////////////////////////////////////////////////////*/

    function test_challenge_opensGame_succeeds() public {
        uint256 jobId = postedJob(FEE);
        uint256 gameId = challengeAs(challenger, jobId);
        vm.assertEq(gameId, 1, "first game id");
        IJobMarket.GameRecord memory g = market.game(gameId);
        vm.assertEq(uint256(g.jobId), jobId, "game job");
        vm.assertEq(g.challenger, challenger, "game challenger");
        vm.assertEq(uint256(market.job(jobId).openGames), 1, "open games");
        vm.assertEq(uint256(game.gameStatus(gameId)), uint256(IDisputeGame.GameStatus.InProgress), "game opened");
        IJobMarket.Job memory j = market.job(jobId);
        IDisputeGame.GameSetup memory setup = IDisputeGame.GameSetup({
            jobId: jobId,
            modelId: modelId,
            inputsCommitment: j.inputsCommitment,
            outputsCommitment: j.outputsCommitment,
            prover: prover,
            challenger: challenger
        });
        vm.assertEq(game.setupHash(gameId), keccak256(abi.encode(setup)), "setup");
        vm.assertEq(address(market).balance, FEE + PB + CB, "bond escrowed");
    }

    function testFuzz_challenge_onlyExactBond_succeeds(uint256 sent) public {
        sent = bound(sent, 0, 10 * CB);
        uint256 jobId = postedJob(FEE);
        vm.deal(challenger, sent);
        vm.prank(challenger);
        if (sent != CB) {
            vm.expectRevert(abi.encodeWithSelector(IJobMarket.MarketWrongBond.selector, CB, sent));
            market.challenge{value: sent}(jobId);
            vm.assertEq(market.gameCount(), 0, "no game");
        } else {
            market.challenge{value: sent}(jobId);
            vm.assertEq(market.gameCount(), 1, "game");
        }
    }

    /// A challenge lands strictly before the window's end and never at or after it.
    function testFuzz_challenge_timeVsWindowEnd_succeeds(uint256 delay) public {
        uint256 jobId = postedJob(FEE);
        uint40 windowEnd = market.job(jobId).timer;
        delay = bound(delay, 0, 2 days);
        vm.warp(block.timestamp + delay);
        vm.deal(challenger, CB);
        vm.prank(challenger);
        if (block.timestamp >= windowEnd) {
            vm.expectRevert(abi.encodeWithSelector(IJobMarket.MarketWindowClosed.selector, jobId, windowEnd));
            market.challenge{value: CB}(jobId);
        } else {
            market.challenge{value: CB}(jobId);
            vm.assertEq(uint256(market.job(jobId).openGames), 1, "game opened");
        }
    }

    function test_challenge_atWindowEnd_reverts() public {
        uint256 jobId = postedJob(FEE);
        uint40 windowEnd = market.job(jobId).timer;
        vm.warp(windowEnd);
        vm.deal(challenger, CB);
        vm.prank(challenger);
        vm.expectRevert(abi.encodeWithSelector(IJobMarket.MarketWindowClosed.selector, jobId, windowEnd));
        market.challenge{value: CB}(jobId);
    }

    function test_challenge_beforePost_reverts() public {
        uint256 jobId = submitAs(requester, FEE, uint40(block.timestamp + 1 days));
        vm.deal(challenger, CB);
        vm.prank(challenger);
        vm.expectRevert(
            abi.encodeWithSelector(IJobMarket.MarketWrongStatus.selector, jobId, IJobMarket.JobStatus.Open)
        );
        market.challenge{value: CB}(jobId);
    }

    /*//////////////////////////////////////////////////////////////
                                FINALIZE
    //////////////////////////////////////////////////////////////*/

    function test_finalize_paysProver_succeeds() public {
        uint256 jobId = postedJob(FEE);
        vm.warp(market.job(jobId).timer);
        vm.prank(stranger);
        market.finalize(jobId);
        vm.assertEq(uint256(status(jobId)), uint256(IJobMarket.JobStatus.Finalized), "finalized");
        vm.assertEq(market.credits(prover), FEE + PB, "fee + bond");
        vm.assertEq(withdrawAs(prover), FEE + PB, "withdrawn");
        vm.assertEq(prover.balance, FEE + PB, "prover paid");
        vm.assertEq(address(market).balance, 0, "market empty");
    }

    function testFuzz_finalize_timeVsWindowEnd_succeeds(uint256 delay) public {
        uint256 jobId = postedJob(FEE);
        uint40 windowEnd = market.job(jobId).timer;
        delay = bound(delay, 0, 2 days);
        vm.warp(block.timestamp + delay);
        if (block.timestamp < windowEnd) {
            vm.expectRevert(abi.encodeWithSelector(IJobMarket.MarketWindowOpen.selector, jobId, windowEnd));
            market.finalize(jobId);
        } else {
            market.finalize(jobId);
            vm.assertEq(uint256(status(jobId)), uint256(IJobMarket.JobStatus.Finalized), "finalized");
        }
    }

    function test_finalize_gamesOpen_reverts() public {
        uint256 jobId = postedJob(FEE);
        challengeAs(challenger, jobId);
        vm.warp(market.job(jobId).timer);
        vm.expectRevert(abi.encodeWithSelector(IJobMarket.MarketGamesOpen.selector, jobId, 1));
        market.finalize(jobId);
    }

    function test_finalize_twice_reverts() public {
        uint256 jobId = postedJob(FEE);
        vm.warp(market.job(jobId).timer);
        market.finalize(jobId);
        vm.expectRevert(
            abi.encodeWithSelector(IJobMarket.MarketWrongStatus.selector, jobId, IJobMarket.JobStatus.Finalized)
        );
        market.finalize(jobId);
    }

    /*//////////////////////////////////////////////////////////////
                             REFUNDEXPIRED
    //////////////////////////////////////////////////////////////*/

    function test_refundExpired_openJob_succeeds() public {
        uint40 deadline = uint40(block.timestamp + 1 days);
        uint256 jobId = submitAs(requester, FEE, deadline);
        vm.warp(deadline);
        market.refundExpired(jobId);
        vm.assertEq(uint256(status(jobId)), uint256(IJobMarket.JobStatus.Refunded), "refunded");
        vm.assertEq(market.credits(requester), FEE, "fee back");
    }

    function test_refundExpired_claimedJobForfeitsLateBond_succeeds() public {
        uint40 deadline = uint40(block.timestamp + 1 days);
        uint256 jobId = submitAs(requester, FEE, deadline);
        claimAs(prover, jobId);
        vm.warp(deadline);
        market.refundExpired(jobId);
        vm.assertEq(market.credits(requester), FEE, "fee back");
        vm.assertEq(market.credits(prover), PB - PB / 10, "bond less forfeit");
        vm.assertEq(market.credits(SINK), PB / 10, "forfeit burned");
    }

    function testFuzz_refundExpired_beforeDeadline_reverts(uint256 delay) public {
        uint40 deadline = uint40(block.timestamp + 1 days);
        uint256 jobId = submitAs(requester, FEE, deadline);
        delay = bound(delay, 0, 1 days - 1);
        vm.warp(block.timestamp + delay);
        vm.expectRevert(abi.encodeWithSelector(IJobMarket.MarketDeadlineNotReached.selector, jobId, deadline));
        market.refundExpired(jobId);
    }

    function test_refundExpired_postedJob_reverts() public {
        uint256 jobId = postedJob(FEE);
        vm.warp(market.job(jobId).deadline);
        vm.expectRevert(
            abi.encodeWithSelector(IJobMarket.MarketWrongStatus.selector, jobId, IJobMarket.JobStatus.Posted)
        );
        market.refundExpired(jobId);
    }

    /*//////////////////////////////////////////////////////////////
                               SETTLEGAME
    //////////////////////////////////////////////////////////////*/

    function test_settleGame_proverWon_succeeds() public {
        uint256 jobId = postedJob(FEE);
        uint256 gameId = challengeAs(challenger, jobId);
        moveBond(gameId, true, 0.01 ether);
        moveBond(gameId, false, 0.02 ether);
        vm.assertEq(address(game).balance, 0.03 ether, "move bonds held by the game until settlement");
        vm.assertEq(address(market).balance, FEE + PB + CB, "the market holds no move bond");
        decide(gameId, IDisputeGame.GameStatus.ProverWon);
        market.settleGame(gameId);
        uint256 burned = CB * 2000 / 10_000 + 0.02 ether * 2000 / 10_000;
        vm.assertEq(market.credits(prover), CB + 0.03 ether - burned, "prover takes the losing bonds less burn");
        vm.assertEq(market.credits(SINK), burned, "burned");
        vm.assertEq(market.credits(challenger), 0, "challenger lost");
        vm.assertEq(uint256(market.job(jobId).openGames), 0, "game closed");
        vm.assertTrue(market.game(gameId).settled, "settled");
        vm.assertEq(uint256(status(jobId)), uint256(IJobMarket.JobStatus.Posted), "result stands");
        vm.assertEq(address(game).balance, 0, "game released every move bond");
        vm.assertEq(address(market).balance, FEE + PB + CB + 0.03 ether, "move bonds arrived at the market");
    }

    function test_settleGame_challengerWonFaultsJob_succeeds() public {
        uint256 jobId = postedJob(FEE);
        uint256 gameId = challengeAs(challenger, jobId);
        moveBond(gameId, true, 0.01 ether);
        moveBond(gameId, false, 0.02 ether);
        decide(gameId, IDisputeGame.GameStatus.ChallengerWon);
        vm.warp(block.timestamp + 5 minutes);
        market.settleGame(gameId);
        uint256 burned = PB * 2000 / 10_000 + 0.01 ether * 2000 / 10_000;
        vm.assertEq(uint256(status(jobId)), uint256(IJobMarket.JobStatus.Faulted), "faulted");
        vm.assertEq(uint256(market.job(jobId).timer), block.timestamp, "timer holds the time of the fault");
        vm.assertEq(market.credits(requester), FEE, "requester refunded in full");
        vm.assertEq(market.credits(challenger), CB + PB + 0.03 ether - burned, "challenger takes");
        vm.assertEq(market.credits(SINK), burned, "burned");
        vm.assertEq(market.credits(prover), 0, "prover lost");
        vm.assertEq(address(game).balance, 0, "game released every move bond");
    }

    /// After the first loss every other game closes: its challenger is made whole, in progress or not.
    function test_settleGame_otherGamesCloseAfterFault_succeeds() public {
        uint256 jobId = postedJob(FEE);
        uint256 g1 = challengeAs(challenger, jobId);
        uint256 g2 = challengeAs(challenger2, jobId);
        uint256 g3 = challengeAs(stranger, jobId);
        moveBond(g2, true, 0.05 ether);
        moveBond(g2, false, 0.04 ether);
        decide(g1, IDisputeGame.GameStatus.ChallengerWon);
        decide(g3, IDisputeGame.GameStatus.ChallengerWon);
        market.settleGame(g1);
        vm.assertEq(address(game).balance, 0.09 ether, "g2's move bonds still held by the game");
        market.settleGame(g2);
        vm.assertEq(uint256(game.gameStatus(g2)), uint256(IDisputeGame.GameStatus.Closed), "g2 closed");
        vm.assertEq(game.closeCalls(), 1, "closeGame called once");
        vm.assertEq(market.credits(challenger2), CB + 0.09 ether, "g2 challenger whole plus prover's move bonds");
        vm.assertEq(address(game).balance, 0, "g2's move bonds released");
        market.settleGame(g3);
        vm.assertEq(market.credits(stranger), CB, "g3 challenger whole");
        vm.assertEq(uint256(market.job(jobId).openGames), 0, "all settled");
    }

    /// The prover wins a game only while its result stands: a game it wins after the fault (the
    /// honest challenger stopped playing, or lost a clock) settles as Closed and pays the
    /// challenger B_c + m_c + m_p.
    function testFuzz_settleGame_proverWinAfterFaultIsClosed_succeeds(uint256 delay, uint96 moveP, uint96 moveC)
        public
    {
        delay = bound(delay, 0, 30 days);
        uint256 mp = bound(moveP, 0, 5 ether);
        uint256 mc = bound(moveC, 0, 5 ether);
        uint256 jobId = postedJob(FEE);
        uint256 g1 = challengeAs(challenger, jobId);
        uint256 g2 = challengeAs(challenger2, jobId);
        moveBond(g2, true, mp);
        moveBond(g2, false, mc);
        decide(g1, IDisputeGame.GameStatus.ChallengerWon);
        market.settleGame(g1);
        uint256 faultedAt = block.timestamp;
        vm.warp(block.timestamp + delay); // delay 0: decided in the very second of the fault
        decide(g2, IDisputeGame.GameStatus.ProverWon);
        uint256 proverBefore = market.credits(prover);
        uint256 sinkBefore = market.credits(SINK);
        market.settleGame(g2);
        vm.assertEq(uint256(market.job(jobId).timer), faultedAt, "fault time unchanged");
        vm.assertEq(market.credits(challenger2), CB + mc + mp, "challenger whole plus the prover's move bonds");
        vm.assertEq(market.credits(prover), proverBefore, "the prover gains nothing after its fault");
        vm.assertEq(market.credits(SINK), sinkBefore, "nothing burned");
        vm.assertEq(game.closeCalls(), 0, "a decided game is not closed again");
        vm.assertEq(address(game).balance, 0, "move bonds released");
        vm.assertEq(uint256(status(jobId)), uint256(IJobMarket.JobStatus.Faulted), "still faulted");
    }

    /// A game the prover won strictly before the fault still pays the prover, whenever it settles.
    function testFuzz_settleGame_proverWinBeforeFaultPaysProver_succeeds(uint256 gap, uint96 moveP, uint96 moveC)
        public
    {
        gap = bound(gap, 1, 30 days);
        uint256 mp = bound(moveP, 0, 5 ether);
        uint256 mc = bound(moveC, 0, 5 ether);
        uint256 jobId = postedJob(FEE);
        uint256 g1 = challengeAs(challenger, jobId);
        uint256 g2 = challengeAs(challenger2, jobId);
        moveBond(g2, true, mp);
        moveBond(g2, false, mc);
        decide(g2, IDisputeGame.GameStatus.ProverWon);
        decide(g1, IDisputeGame.GameStatus.ChallengerWon);
        vm.warp(block.timestamp + gap);
        market.settleGame(g1); // the fault, strictly after g2 was decided
        market.settleGame(g2);
        uint256 burned = CB * 2000 / 10_000 + mc * 2000 / 10_000;
        vm.assertEq(market.credits(prover), CB + mp + mc - burned, "prover paid as for any win");
        vm.assertEq(market.credits(challenger2), 0, "losing challenger paid nothing");
        vm.assertEq(market.credits(SINK), PB * 2000 / 10_000 + burned, "burns of both games");
        vm.assertEq(address(game).balance, 0, "move bonds released");
    }

    /// DESIGN.md's guarantee: an honest challenger of a wrong result loses nothing but gas, even
    /// when the prover concedes at once to its own second identity, whatever the move bonds and
    /// whether the honest game is still running, already won, or later lost (the challenger
    /// stopped playing once the result faulted) when the puppet's game settles.
    function testFuzz_settleGame_honestChallengerLosesNothingToPuppet_succeeds(
        uint96 honestMoves,
        uint96 proverMoves,
        bool honestAlreadyWon,
        bool honestSettlesFirst,
        bool honestAbandons,
        uint32 abandonDelay
    ) public {
        uint256 hm = bound(honestMoves, 0, 5 ether);
        uint256 pm = bound(proverMoves, 0, 5 ether);
        uint256 jobId = postedJob(FEE);
        uint256 honest = challengeAs(challenger, jobId);
        address puppet = address(0x9999);
        uint256 puppetGame = challengeAs(puppet, jobId);
        moveBond(honest, false, hm);
        moveBond(honest, true, pm);
        decide(puppetGame, IDisputeGame.GameStatus.ChallengerWon); // the prover concedes to itself
        if (honestAlreadyWon) decide(honest, IDisputeGame.GameStatus.ChallengerWon);
        if (honestAlreadyWon && honestSettlesFirst) market.settleGame(honest);
        market.settleGame(puppetGame);
        if (!honestAlreadyWon && honestAbandons) {
            // The honest challenger stops playing; the prover wins its game on the clock.
            vm.warp(block.timestamp + bound(abandonDelay, 0, 30 days));
            decide(honest, IDisputeGame.GameStatus.ProverWon);
        }
        if (!(honestAlreadyWon && honestSettlesFirst)) market.settleGame(honest);
        vm.assertGe(market.credits(challenger), CB + hm, "honest challenger lost money");
        vm.assertEq(uint256(status(jobId)), uint256(IJobMarket.JobStatus.Faulted), "faulted");
        vm.assertEq(market.credits(requester), FEE, "requester refunded in full");
        // The attacker (prover + puppet) always pays the burned share of the prover bond.
        vm.assertGe(market.credits(SINK), PB * 2000 / 10_000, "the puppet trick is not free");
        vm.assertEq(address(game).balance, 0, "every move bond released");
    }

    function test_settleGame_undecided_reverts() public {
        uint256 jobId = postedJob(FEE);
        uint256 gameId = challengeAs(challenger, jobId);
        vm.expectRevert(abi.encodeWithSelector(IJobMarket.MarketGameUndecided.selector, gameId));
        market.settleGame(gameId);
    }

    function test_settleGame_twice_reverts() public {
        uint256 jobId = postedJob(FEE);
        uint256 gameId = challengeAs(challenger, jobId);
        decide(gameId, IDisputeGame.GameStatus.ProverWon);
        market.settleGame(gameId);
        vm.expectRevert(abi.encodeWithSelector(IJobMarket.MarketGameAlreadySettled.selector, gameId));
        market.settleGame(gameId);
    }

    function test_settleGame_unknownGame_reverts() public {
        vm.expectRevert(abi.encodeWithSelector(IJobMarket.MarketUnknownGame.selector, 7));
        market.settleGame(7);
    }

    /// The market takes ETH only from the game (move bonds released at settlement).
    function test_receive_notGame_reverts() public {
        uint256 jobId = postedJob(FEE);
        challengeAs(challenger, jobId);
        vm.deal(stranger, 1 ether);
        vm.prank(stranger);
        (bool ok, bytes memory ret) = address(market).call{value: 1 ether}("");
        vm.assertTrue(!ok, "ETH from a stranger accepted");
        vm.assertEq(keccak256(ret), keccak256(abi.encodeWithSelector(IJobMarket.MarketNotGame.selector, stranger)), "error");
        vm.assertEq(address(market).balance, FEE + PB + CB, "nothing kept");
        vm.assertEq(stranger.balance, 1 ether, "nothing spent");
    }

    /// Only the market may release a game's move bonds.
    function test_releaseBonds_notMarket_reverts() public {
        uint256 jobId = postedJob(FEE);
        uint256 gameId = challengeAs(challenger, jobId);
        moveBond(gameId, true, 0.01 ether);
        decide(gameId, IDisputeGame.GameStatus.ProverWon);
        vm.prank(prover);
        vm.expectRevert(abi.encodeWithSelector(MockDisputeGame.MockGameOnlyMarket.selector, prover));
        game.releaseBonds(gameId);
        vm.assertEq(address(game).balance, 0.01 ether, "bonds still held");
    }

    /// Move bonds are paid only into a game in progress.
    function test_postMoveBond_decidedGame_reverts() public {
        uint256 jobId = postedJob(FEE);
        uint256 gameId = challengeAs(challenger, jobId);
        decide(gameId, IDisputeGame.GameStatus.ProverWon);
        vm.deal(prover, 1 ether);
        vm.prank(prover);
        vm.expectRevert(abi.encodeWithSelector(MockDisputeGame.MockGameNotOpen.selector, gameId));
        game.postMoveBond{value: 1 ether}(gameId, true);
    }

    /*//////////////////////////////////////////////////////////////
                                WITHDRAW
    //////////////////////////////////////////////////////////////*/

    function test_withdraw_nothing_reverts() public {
        vm.prank(stranger);
        vm.expectRevert(abi.encodeWithSelector(IJobMarket.MarketNothingToWithdraw.selector, stranger));
        market.withdraw(payable(stranger));
    }

    function test_withdraw_reentry_reverts() public {
        ReentrantReceiver r = new ReentrantReceiver(market);
        vm.deal(address(r), 0);
        vm.deal(address(this), FEE);
        uint40 deadline = uint40(block.timestamp + 1 days);
        uint256 jobId = r.submit{value: FEE}(modelId, inputs(0x01020304), deadline);
        vm.warp(deadline);
        market.refundExpired(jobId);
        vm.assertEq(r.withdraw(), FEE, "withdrawn once");
        vm.assertEq(r.reentryAttempts(), 1, "re-entered");
        vm.assertTrue(!r.reentrySucceeded(), "re-entry blocked");
        vm.assertEq(
            keccak256(r.lastRevertData()),
            keccak256(abi.encodeWithSelector(ReentrancyGuardTransient.ReentrancyGuardReentrantCall.selector)),
            "blocked by the guard"
        );
        vm.assertEq(address(r).balance, FEE, "paid exactly once");
    }

    /*//////////////////////////////////////////////////////////////
                     CONSERVATION UNDER FUZZED PARAMS
    //////////////////////////////////////////////////////////////*/

    struct Scenario {
        uint256 fee;
        uint96 proverBond;
        uint96 challengerBond;
        uint16 burnBps;
        uint16 lateForfeitBps;
        bool lapse; // the first prover lets its claim lapse, a second one reclaims
        uint8 games; // 0..3 challengers
        /// 2 bits per game: 0 ProverWon at once, 1 ProverWon only after the first settlements
        /// (after the fault, if any: then it settles as Closed), 2 ChallengerWon, 3 left InProgress
        /// (closed if faulted)
        uint8 outcomes;
        uint96 moveP;
        uint96 moveC;
        uint32 lateDelay; // seconds between the first settlements and the late ProverWon decisions
    }

    address[3] internal challengers = [address(0xC1), address(0xC2), address(0xC3)];

    /// Expected credits, accumulated along a scenario's path from the published formulas.
    struct Expect {
        uint256 inflow;
        uint256 sink;
        uint256 requester;
        uint256 poster;
        uint256 late;
        uint256[3] challenger;
        uint256[3] ids;
        uint256[3] codes;
        uint256 nGames;
        uint256 fee;
        uint256 moveP;
        uint256 moveC;
        address poster_;
        bool faulted;
    }

    /// Whatever the parameters and the path, every wei that came in goes out to someone, the
    /// burned shares go to the sink, and each party's share matches the published formulas.
    function testFuzz_settlement_payoutsSumToDeposits_succeeds(Scenario memory s) public {
        IJobMarket.Params memory p = defaultParams();
        p.proverBond = uint96(bound(s.proverBond, 1, 1000 ether));
        p.challengerBond = uint96(bound(s.challengerBond, 1, 1000 ether));
        p.burnBps = uint16(bound(s.burnBps, 0, 10_000));
        p.lateForfeitBps = uint16(bound(s.lateForfeitBps, 0, 10_000));
        deploy(p);
        Expect memory e;
        e.fee = bound(s.fee, 0, 1000 ether);
        e.nGames = bound(s.games, 0, 3);
        e.moveP = bound(s.moveP, 0, 10 ether);
        e.moveC = bound(s.moveC, 0, 10 ether);

        uint256 jobId = _scenarioPost(s, p, e);
        _scenarioChallenge(s, p, e, jobId);
        vm.warp(market.job(jobId).timer);
        _scenarioSettle(p, e, jobId, bound(s.lateDelay, 0, 7 days));
        _scenarioCheck(s, p, e, jobId);
    }

    function _scenarioPost(Scenario memory s, IJobMarket.Params memory p, Expect memory e)
        internal
        returns (uint256 jobId)
    {
        jobId = submitAs(requester, e.fee, uint40(block.timestamp + 7 days));
        e.inflow += e.fee;
        e.poster_ = prover;
        if (s.lapse) {
            claimAs(prover, jobId);
            vm.warp(market.job(jobId).timer);
            uint256 forfeit = uint256(p.proverBond) * p.lateForfeitBps / 10_000;
            e.sink += forfeit;
            e.late += p.proverBond - forfeit;
            e.inflow += p.proverBond;
            e.poster_ = prover2;
        }
        claimAs(e.poster_, jobId);
        e.inflow += p.proverBond;
        postAs(e.poster_, jobId);
    }

    function _scenarioChallenge(Scenario memory s, IJobMarket.Params memory p, Expect memory e, uint256 jobId)
        internal
    {
        for (uint256 i; i < e.nGames; ++i) {
            e.ids[i] = challengeAs(challengers[i], jobId);
            moveBond(e.ids[i], true, e.moveP);
            moveBond(e.ids[i], false, e.moveC);
            e.inflow += p.challengerBond + e.moveP + e.moveC;
            uint256 o = (s.outcomes >> (2 * i)) & 3;
            e.codes[i] = o;
            if (o == 0) decide(e.ids[i], IDisputeGame.GameStatus.ProverWon);
            else if (o == 2) decide(e.ids[i], IDisputeGame.GameStatus.ChallengerWon);
        }
    }

    /// Settles decided games in order; then decides the late ProverWon games and settles them
    /// (Closed if the job faulted meanwhile); then, if the job faulted, closes the undecided ones;
    /// finalizes when nothing is open and the result stands.
    function _scenarioSettle(IJobMarket.Params memory p, Expect memory e, uint256 jobId, uint256 lateDelay)
        internal
    {
        for (uint256 i; i < e.nGames; ++i) {
            if (e.codes[i] == 1 || e.codes[i] == 3) continue;
            market.settleGame(e.ids[i]);
            if (e.codes[i] == 0) _expectProverWin(p, e);
            else if (!e.faulted) {
                e.faulted = true;
                uint256 burned = uint256(p.proverBond) * p.burnBps / 10_000 + e.moveP * p.burnBps / 10_000;
                e.requester += e.fee;
                e.challenger[i] += p.challengerBond + p.proverBond + e.moveP + e.moveC - burned;
                e.sink += burned;
            } else {
                e.challenger[i] += p.challengerBond + e.moveP + e.moveC;
            }
        }
        vm.warp(block.timestamp + lateDelay);
        for (uint256 i; i < e.nGames; ++i) {
            if (e.codes[i] != 1) continue;
            decide(e.ids[i], IDisputeGame.GameStatus.ProverWon);
            market.settleGame(e.ids[i]);
            // No game is won by the prover at or after its fault.
            if (e.faulted) e.challenger[i] += p.challengerBond + e.moveP + e.moveC;
            else _expectProverWin(p, e);
        }
        for (uint256 i; i < e.nGames; ++i) {
            if (!e.faulted || market.game(e.ids[i]).settled) continue;
            market.settleGame(e.ids[i]);
            e.challenger[i] += p.challengerBond + e.moveP + e.moveC;
        }
        if (market.job(jobId).openGames == 0 && !e.faulted) {
            market.finalize(jobId);
            e.poster += e.fee + p.proverBond;
        }
    }

    function _expectProverWin(IJobMarket.Params memory p, Expect memory e) internal pure {
        uint256 burned = uint256(p.challengerBond) * p.burnBps / 10_000 + e.moveC * p.burnBps / 10_000;
        e.poster += p.challengerBond + e.moveP + e.moveC - burned;
        e.sink += burned;
    }

    function _scenarioCheck(Scenario memory s, IJobMarket.Params memory p, Expect memory e, uint256 jobId) internal {
        vm.assertEq(market.credits(SINK), e.sink, "sink");
        vm.assertEq(market.credits(requester), e.requester, "requester");
        vm.assertEq(market.credits(e.poster_), e.poster, "poster");
        if (s.lapse) vm.assertEq(market.credits(prover), e.late, "late prover");
        for (uint256 i; i < 3; ++i) {
            vm.assertEq(market.credits(challengers[i]), e.challenger[i], "challenger");
        }

        // Everyone withdraws; whatever remains is exactly what is still locked in unsettled games.
        address[7] memory everyone =
            [SINK, requester, prover, prover2, challengers[0], challengers[1], challengers[2]];
        uint256 outflow;
        for (uint256 i; i < everyone.length; ++i) {
            uint256 c = market.credits(everyone[i]);
            if (c == 0) continue;
            uint256 before = everyone[i].balance;
            withdrawAs(everyone[i]);
            vm.assertEq(everyone[i].balance - before, c, "withdrawn = credit");
            outflow += c;
        }
        uint256 locked;
        uint256 held;
        if (market.job(jobId).status == IJobMarket.JobStatus.Posted) {
            // Games left InProgress with the result standing: fee, prover bond and challenger bonds
            // stay in the market; their move bonds stay in the game.
            locked = e.fee + p.proverBond;
            for (uint256 i; i < e.nGames; ++i) {
                if (market.game(e.ids[i]).settled) continue;
                locked += p.challengerBond;
                held += e.moveP + e.moveC;
            }
        }
        vm.assertEq(address(market).balance, locked, "market holds exactly the still-locked amounts");
        vm.assertEq(address(game).balance, held, "game holds exactly the unreleased move bonds");
        vm.assertEq(e.inflow, outflow + locked + held, "no wei created or lost");
    }

    /// The late forfeit split is exact for every bond and share.
    function testFuzz_claimJob_lateForfeitSplitExact_succeeds(uint96 bond, uint16 bps) public {
        IJobMarket.Params memory p = defaultParams();
        p.proverBond = uint96(bound(bond, 1, type(uint96).max));
        p.lateForfeitBps = uint16(bound(bps, 0, 10_000));
        deploy(p);
        uint40 deadline = uint40(block.timestamp + 1 days);
        uint256 jobId = submitAs(requester, 0, deadline);
        claimAs(prover, jobId);
        vm.warp(deadline);
        market.refundExpired(jobId);
        uint256 forfeit = uint256(p.proverBond) * p.lateForfeitBps / 10_000;
        vm.assertEq(market.credits(SINK), forfeit, "forfeit");
        vm.assertEq(market.credits(prover), p.proverBond - forfeit, "rest");
        vm.assertEq(market.credits(SINK) + market.credits(prover), p.proverBond, "sum");
    }

    function test_constructor_badParams_reverts() public {
        IJobMarket.Params memory p = defaultParams();
        p.burnBps = 10_001;
        vm.expectRevert(abi.encodeWithSelector(IJobMarket.MarketBadParams.selector, bytes32("burnBps")));
        new JobMarket(registry, game, p);
        p = defaultParams();
        p.proverBond = 0;
        vm.expectRevert(abi.encodeWithSelector(IJobMarket.MarketBadParams.selector, bytes32("proverBond")));
        new JobMarket(registry, game, p);
    }
}
