// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {TestBase} from "./Vm.sol";
import {MarketFixture} from "./MarketFixture.sol";
import {JobMarket} from "../../../contracts/jobs/JobMarket.sol";
import {MockDisputeGame} from "../../../contracts/mocks/MockDisputeGame.sol";
import {ForceSender} from "../../../contracts/mocks/ReentrantReceiver.sol";
import {IJobMarket} from "../../../contracts/interfaces/IJobMarket.sol";
import {IDisputeGame} from "../../../contracts/interfaces/IDisputeGame.sol";

/// @notice Random actors driving the market (and the test-only game) with valid-ish inputs. It
///         keeps its own books of what the market owes, from the published payout formulas, and
///         records any violation of the one-way rules it watches between calls.
contract MarketHandler is TestBase {
    JobMarket public immutable market;
    MockDisputeGame public immutable game;
    bytes32 public immutable modelId;
    address public immutable sink;
    uint256 internal immutable PB;
    uint256 internal immutable CB;
    uint256 internal immutable BURN_BPS;
    uint256 internal immutable LATE_BPS;

    address[] internal actors;

    /*////////////////////////////// GHOSTS //////////////////////////////*/

    /// Fees of live jobs + prover bonds held + challenger bonds of unsettled games (in the market).
    uint256 public ghostLocked;
    /// Move bonds paid into the game and not yet released to the market, per game and in total.
    mapping(uint256 gameId => uint256) public ghostProverMoves;
    mapping(uint256 gameId => uint256) public ghostChallengerMoves;
    uint256 public ghostMoveBondsHeld;
    /// When the handler decided each game, and when each job faulted (0: never).
    mapping(uint256 gameId => uint256) internal ghostDecidedAt;
    mapping(uint256 jobId => uint256) internal ghostFaultedAt;
    /// Credits as the formulas say they should be, per account and in total.
    mapping(address => uint256) public ghostCredits;
    uint256 public ghostCreditsTotal;
    /// ETH force-sent with selfdestruct (owed to nobody).
    uint256 public ghostForceSent;
    /// One-way rules: set when broken, never cleared.
    bool public finalizedChanged;
    bool public creditDecreasedOutsideWithdraw;
    string public violation;

    uint256[] internal finalizedJobs;
    /// Actions that changed the market, by name: how far the campaign got.
    mapping(bytes32 => uint256) public done;

    constructor(JobMarket market_, MockDisputeGame game_, bytes32 modelId_, address sink_) {
        market = market_;
        game = game_;
        modelId = modelId_;
        sink = sink_;
        IJobMarket.Params memory p = market_.params();
        PB = p.proverBond;
        CB = p.challengerBond;
        BURN_BPS = p.burnBps;
        LATE_BPS = p.lateForfeitBps;
        for (uint256 i = 1; i <= 4; ++i) {
            actors.push(address(uint160(0xAC7000 + i)));
        }
    }

    function allAccounts() public view returns (address[] memory list) {
        list = new address[](actors.length + 1);
        for (uint256 i; i < actors.length; ++i) list[i] = actors[i];
        list[actors.length] = sink;
    }

    /*////////////////////////////// PLUMBING //////////////////////////////*/

    /// Snapshots credits and finalized jobs around every action and checks the one-way rules.
    modifier watched(bytes32 name, address withdrawer) {
        address[] memory accts = allAccounts();
        uint256[] memory before = new uint256[](accts.length);
        for (uint256 i; i < accts.length; ++i) before[i] = market.credits(accts[i]);
        _;
        for (uint256 i; i < accts.length; ++i) {
            if (market.credits(accts[i]) < before[i] && accts[i] != withdrawer) {
                creditDecreasedOutsideWithdraw = true;
                violation = string.concat("credit decreased in ", string(abi.encodePacked(name)));
            }
        }
        for (uint256 i; i < finalizedJobs.length; ++i) {
            if (market.job(finalizedJobs[i]).status != IJobMarket.JobStatus.Finalized) finalizedChanged = true;
        }
    }

    function _actor(uint256 seed) internal view returns (address) {
        return actors[seed % actors.length];
    }

    /// An existing job id (0 when there is none).
    function _job(uint256 seed) internal view returns (uint256) {
        uint256 n = market.jobCount();
        return n == 0 ? 0 : 1 + (seed % n);
    }

    /// Mostly (3 seeds in 4) an id among those `ok` accepts, when there is one; else any id. The
    /// dispute paths need several games of one job decided and settled in every order, which a
    /// uniform pick over all ids reaches too rarely; the other quarter keeps the plain pick.
    function _pick(uint256 seed, uint256 n, function(uint256) view returns (bool) ok) internal view returns (uint256) {
        if (n == 0) return 0;
        if (seed % 4 == 0) return 1 + ((seed >> 2) % n);
        uint256[] memory candidates = new uint256[](n);
        uint256 count;
        for (uint256 id = 1; id <= n; ++id) {
            if (ok(id)) candidates[count++] = id;
        }
        return count == 0 ? 1 + ((seed >> 2) % n) : candidates[(seed >> 2) % count];
    }

    function _challengeable(uint256 jobId) internal view returns (bool) {
        IJobMarket.Job memory j = market.job(jobId);
        return j.status == IJobMarket.JobStatus.Posted && block.timestamp < j.timer;
    }

    function _gameInProgress(uint256 gameId) internal view returns (bool) {
        return game.gameStatus(gameId) == IDisputeGame.GameStatus.InProgress && !market.game(gameId).settled;
    }

    function _gameSettleable(uint256 gameId) internal view returns (bool) {
        IJobMarket.GameRecord memory g = market.game(gameId);
        if (g.settled) return false;
        IDisputeGame.GameStatus o = game.gameStatus(gameId);
        return o == IDisputeGame.GameStatus.ProverWon || o == IDisputeGame.GameStatus.ChallengerWon
            || (o == IDisputeGame.GameStatus.InProgress && market.job(g.jobId).status == IJobMarket.JobStatus.Faulted);
    }

    function _credit(address a, uint256 amount) internal {
        ghostCredits[a] += amount;
        ghostCreditsTotal += amount;
    }

    function _burn(uint256 x) internal view returns (uint256) {
        return x * BURN_BPS / 10_000;
    }

    /// The late bond of a lapsed claim: out of the locked books, into two credits.
    function _settleLate(address lateProver) internal {
        uint256 forfeit = PB * LATE_BPS / 10_000;
        ghostLocked -= PB;
        _credit(sink, forfeit);
        _credit(lateProver, PB - forfeit);
    }

    /*////////////////////////////// ACTIONS //////////////////////////////*/

    function submit(uint256 actorSeed, uint256 fee, uint256 deadlineDelta, bool named, uint256 namedSeed)
        external
        watched("submit", address(0))
    {
        address who = _actor(actorSeed);
        fee = bound(fee, 0, 5 ether);
        uint40 deadline = uint40(block.timestamp + bound(deadlineDelta, 1, 3 days));
        address namedProver = named ? _actor(namedSeed) : address(0);
        bytes[] memory ins = new bytes[](1);
        ins[0] = abi.encodePacked(bytes4(uint32(fee)));
        vm.deal(who, fee);
        vm.prank(who);
        market.submitJob{value: fee}(modelId, ins, namedProver, deadline);
        ghostLocked += fee;
        done["submit"] += 1;
    }

    function claim(uint256 actorSeed, uint256 jobSeed) external watched("claim", address(0)) {
        uint256 jobId = _job(jobSeed);
        if (jobId == 0) return;
        IJobMarket.Job memory j = market.job(jobId);
        if (j.status != IJobMarket.JobStatus.Open && j.status != IJobMarket.JobStatus.Claimed) return;
        if (block.timestamp >= j.deadline) return;
        if (j.status == IJobMarket.JobStatus.Claimed && block.timestamp < j.timer) return;
        address who = j.proverNamed ? j.prover : _actor(actorSeed);
        vm.deal(who, PB);
        vm.prank(who);
        market.claimJob{value: PB}(jobId);
        ghostLocked += PB;
        if (j.status == IJobMarket.JobStatus.Claimed) {
            _settleLate(j.prover);
            done["reclaim"] += 1;
        }
        done["claim"] += 1;
    }

    function post(uint256 jobSeed, bytes2 y) external watched("post", address(0)) {
        uint256 jobId = _job(jobSeed);
        if (jobId == 0) return;
        IJobMarket.Job memory j = market.job(jobId);
        if (j.status != IJobMarket.JobStatus.Claimed || block.timestamp >= j.timer) return;
        bytes[] memory outs = new bytes[](1);
        outs[0] = abi.encodePacked(y);
        vm.prank(j.prover);
        market.postResult(jobId, outs);
        done["post"] += 1;
    }

    function challenge(uint256 actorSeed, uint256 jobSeed) external watched("challenge", address(0)) {
        uint256 jobId = _pick(jobSeed, market.jobCount(), _challengeable);
        if (jobId == 0) return;
        IJobMarket.Job memory j = market.job(jobId);
        if (j.status != IJobMarket.JobStatus.Posted || block.timestamp >= j.timer) return;
        address who = _actor(actorSeed);
        vm.deal(who, CB);
        vm.prank(who);
        market.challenge{value: CB}(jobId);
        ghostLocked += CB;
        done["challenge"] += 1;
    }

    /// A move bond of either side, paid into a game in progress, which holds it until settlement.
    function moveBond(uint256 gameSeed, bool byProver, uint256 amount) external watched("moveBond", address(0)) {
        uint256 gameId = _pick(gameSeed, market.gameCount(), _gameInProgress);
        if (gameId == 0 || game.gameStatus(gameId) != IDisputeGame.GameStatus.InProgress) return;
        amount = bound(amount, 0, 1 ether);
        vm.deal(address(this), amount);
        game.postMoveBond{value: amount}(gameId, byProver);
        if (byProver) ghostProverMoves[gameId] += amount;
        else ghostChallengerMoves[gameId] += amount;
        ghostMoveBondsHeld += amount;
        done["moveBond"] += 1;
    }

    /// Decides an undecided game (decided statuses never change, as IDisputeGame promises),
    /// including games of a job that already faulted (the prover may still "win" those).
    function setOutcome(uint256 gameSeed, bool proverWins) external watched("setOutcome", address(0)) {
        uint256 gameId = _pick(gameSeed, market.gameCount(), _gameInProgress);
        if (gameId == 0 || market.game(gameId).settled) return;
        if (game.gameStatus(gameId) != IDisputeGame.GameStatus.InProgress) return;
        game.setStatus(gameId, proverWins ? IDisputeGame.GameStatus.ProverWon : IDisputeGame.GameStatus.ChallengerWon);
        ghostDecidedAt[gameId] = block.timestamp;
        if (proverWins && ghostFaultedAt[market.game(gameId).jobId] != 0) done["proverWonAfterFault"] += 1;
        done["setOutcome"] += 1;
    }

    function settleGame(uint256 gameSeed) external watched("settleGame", address(0)) {
        uint256 gameId = _pick(gameSeed, market.gameCount(), _gameSettleable);
        if (gameId == 0) return;
        IJobMarket.GameRecord memory g = market.game(gameId);
        if (g.settled) return;
        IJobMarket.Job memory j = market.job(g.jobId);
        IDisputeGame.GameStatus outcome = game.gameStatus(gameId);
        bool faulted = j.status == IJobMarket.JobStatus.Faulted;
        bool decided =
            outcome == IDisputeGame.GameStatus.ProverWon || outcome == IDisputeGame.GameStatus.ChallengerWon;
        if (!decided && !(faulted && outcome == IDisputeGame.GameStatus.InProgress)) return;

        market.settleGame(gameId);
        done["settleGame"] += 1;

        // The game released its move bonds to the market, which pays them out below.
        uint256 mp = ghostProverMoves[gameId];
        uint256 mc = ghostChallengerMoves[gameId];
        ghostMoveBondsHeld -= mp + mc;
        ghostLocked -= CB;
        // A win of the prover counts only if decided strictly before the job faulted.
        bool proverWon = outcome == IDisputeGame.GameStatus.ProverWon
            && (!faulted || ghostDecidedAt[gameId] < ghostFaultedAt[g.jobId]);
        if (outcome == IDisputeGame.GameStatus.ProverWon && faulted) {
            done[proverWon ? bytes32("proverWinBeforeFault") : bytes32("proverWinClosed")] += 1;
        }
        if (proverWon) {
            uint256 burned = _burn(CB) + _burn(mc);
            _credit(j.prover, CB + mp + mc - burned);
            _credit(sink, burned);
        } else if (!faulted) {
            uint256 burned = _burn(PB) + _burn(mp);
            done["fault"] += 1;
            ghostFaultedAt[g.jobId] = block.timestamp;
            ghostLocked -= j.fee + PB;
            _credit(j.requester, j.fee);
            _credit(g.challenger, CB + PB + mc + mp - burned);
            _credit(sink, burned);
        } else {
            _credit(g.challenger, CB + mc + mp);
        }
    }

    function finalize(uint256 jobSeed) external watched("finalize", address(0)) {
        uint256 jobId = _job(jobSeed);
        if (jobId == 0) return;
        IJobMarket.Job memory j = market.job(jobId);
        if (j.status != IJobMarket.JobStatus.Posted || block.timestamp < j.timer || j.openGames != 0) return;
        market.finalize(jobId);
        ghostLocked -= j.fee + PB;
        _credit(j.prover, j.fee + PB);
        finalizedJobs.push(jobId);
        done["finalize"] += 1;
    }

    function refundExpired(uint256 jobSeed) external watched("refundExpired", address(0)) {
        uint256 jobId = _job(jobSeed);
        if (jobId == 0) return;
        IJobMarket.Job memory j = market.job(jobId);
        if (j.status != IJobMarket.JobStatus.Open && j.status != IJobMarket.JobStatus.Claimed) return;
        if (block.timestamp < j.deadline) return;
        market.refundExpired(jobId);
        done["refundExpired"] += 1;
        ghostLocked -= j.fee;
        _credit(j.requester, j.fee);
        if (j.status == IJobMarket.JobStatus.Claimed) _settleLate(j.prover);
    }

    function withdraw(uint256 actorSeed, bool fromSink) external {
        address who = fromSink ? sink : _actor(actorSeed);
        _withdraw(who);
    }

    function _withdraw(address who) internal watched("withdraw", who) {
        uint256 c = market.credits(who);
        if (c == 0) return;
        uint256 before = who.balance;
        vm.prank(who);
        market.withdraw(payable(who));
        if (who.balance != before + c) violation = "withdraw paid a wrong amount";
        ghostCredits[who] -= c;
        ghostCreditsTotal -= c;
        done["withdraw"] += 1;
    }

    function warp(uint256 secs) external watched("warp", address(0)) {
        vm.warp(block.timestamp + bound(secs, 1, 2 days));
    }

    /// ETH nobody is owed: selfdestruct from a fresh contract moves it past any receive logic.
    function forceSend(uint256 amount) external watched("forceSend", address(0)) {
        amount = bound(amount, 1, 3 ether);
        vm.deal(address(this), amount);
        new ForceSender{value: amount}(payable(address(market)));
        ghostForceSent += amount;
        done["forceSend"] += 1;
    }

    receive() external payable {}
}

/// @notice Invariants of the market's money and states under random actors (DESIGN.md, "Money").
/// @dev Each invariant runs 128 sequences of 120 handler calls (inline config below; the default
///      256 x 500 takes over a minute per invariant on a 2-core machine), with failOnRevert: the
///      handler only makes calls the market must accept, so any revert is a finding. Checked to
///      be live: a deliberately wrong invariant fails, every action (reclaim, fault, finalize,
///      refund, force-send, ...) is reached within 32 x 60, and only the handler is called; a game
///      decided ProverWon after its job faulted, settled as Closed, and one won before the fault
///      but settled after it, are each reached within 128 x 120.
contract JobMarketInvariantTest is MarketFixture {
    MarketHandler internal handler;

    struct FuzzSelector {
        address addr;
        bytes4[] selectors;
    }

    function setUp() public {
        IJobMarket.Params memory p = defaultParams();
        p.burnBps = 3333; // odd shares: rounding shows up if any split is not exact
        p.lateForfeitBps = 777;
        p.proverBond = 1 ether + 7;
        p.challengerBond = 0.5 ether + 3;
        deploy(p);
        handler = new MarketHandler(market, game, modelId, SINK);
    }

    /// Only the handler is called (never the market, the game or the registry directly).
    function targetContracts() public view returns (address[] memory targets) {
        targets = new address[](1);
        targets[0] = address(handler);
    }

    /// Only its actions: its views and ghost getters are not actions.
    function targetSelectors() public view returns (FuzzSelector[] memory targets) {
        bytes4[] memory s = new bytes4[](13);
        s[0] = MarketHandler.submit.selector;
        s[1] = MarketHandler.claim.selector;
        s[2] = MarketHandler.post.selector;
        s[3] = MarketHandler.challenge.selector;
        s[4] = MarketHandler.moveBond.selector;
        s[5] = MarketHandler.setOutcome.selector;
        s[6] = MarketHandler.settleGame.selector;
        s[7] = MarketHandler.finalize.selector;
        s[8] = MarketHandler.refundExpired.selector;
        s[9] = MarketHandler.withdraw.selector;
        s[10] = MarketHandler.warp.selector;
        s[11] = MarketHandler.forceSend.selector;
        s[12] = MarketHandler.claim.selector; // claims are the bottleneck of every path: twice the weight
        targets = new FuzzSelector[](1);
        targets[0] = FuzzSelector({addr: address(handler), selectors: s});
    }

    /// What the market owes, read from its own state: fees of live jobs, prover bonds of claimed
    /// and posted jobs, challenger bonds of unsettled games, and every credit.
    function _liabilitiesFromMarket() internal view returns (uint256 total) {
        IJobMarket.Params memory p = market.params();
        uint256 nJobs = market.jobCount();
        for (uint256 id = 1; id <= nJobs; ++id) {
            IJobMarket.Job memory j = market.job(id);
            if (
                j.status == IJobMarket.JobStatus.Open || j.status == IJobMarket.JobStatus.Claimed
                    || j.status == IJobMarket.JobStatus.Posted
            ) total += j.fee;
            if (j.status == IJobMarket.JobStatus.Claimed || j.status == IJobMarket.JobStatus.Posted) {
                total += p.proverBond;
            }
        }
        uint256 nGames = market.gameCount();
        for (uint256 id = 1; id <= nGames; ++id) {
            IJobMarket.GameRecord memory g = market.game(id);
            if (!g.settled) total += p.challengerBond;
        }
        address[] memory accts = handler.allAccounts();
        for (uint256 i; i < accts.length; ++i) total += market.credits(accts[i]);
    }

    /// balance >= liabilities, and the handler's books agree with the market's state.
    /// hardhat-config: invariant.runs = 128
    /// hardhat-config: invariant.depth = 120
    /// hardhat-config: invariant.failOnRevert = true
    function invariant_solvency() public view {
        uint256 ghost = handler.ghostLocked() + handler.ghostCreditsTotal();
        vm.assertEq(_liabilitiesFromMarket(), ghost, "market state disagrees with the formulas");
        vm.assertGe(address(market).balance, ghost, "insolvent");
    }

    /// The surplus over liabilities is exactly the force-sent ETH: no wei created or lost.
    /// hardhat-config: invariant.runs = 128
    /// hardhat-config: invariant.depth = 120
    /// hardhat-config: invariant.failOnRevert = true
    function invariant_surplusIsForceSentExactly() public view {
        uint256 ghost = handler.ghostLocked() + handler.ghostCreditsTotal();
        vm.assertEq(address(market).balance - ghost, handler.ghostForceSent(), "surplus != force-sent ETH");
    }

    /// The game holds exactly the move bonds of the games not yet settled (released at settlement,
    /// never before), as its own books and the handler's say.
    /// hardhat-config: invariant.runs = 128
    /// hardhat-config: invariant.depth = 120
    /// hardhat-config: invariant.failOnRevert = true
    function invariant_gameHoldsUnreleasedMoveBonds() public view {
        uint256 unreleased;
        uint256 nGames = market.gameCount();
        for (uint256 id = 1; id <= nGames; ++id) {
            if (market.game(id).settled) continue;
            (uint256 mp, uint256 mc) = game.bondsOf(id);
            unreleased += mp + mc;
        }
        vm.assertEq(address(game).balance, unreleased, "game balance != unreleased move bonds");
        vm.assertEq(unreleased, handler.ghostMoveBondsHeld(), "game's books disagree with the handler's");
    }

    /// Each account's credit is what the published formulas give it.
    /// hardhat-config: invariant.runs = 128
    /// hardhat-config: invariant.depth = 120
    /// hardhat-config: invariant.failOnRevert = true
    function invariant_creditsMatchFormulas() public view {
        address[] memory accts = handler.allAccounts();
        for (uint256 i; i < accts.length; ++i) {
            vm.assertEq(market.credits(accts[i]), handler.ghostCredits(accts[i]), "credit != formula");
        }
    }

    /// A Finalized job never becomes anything else; credits only decrease through withdraw.
    /// hardhat-config: invariant.runs = 128
    /// hardhat-config: invariant.depth = 120
    /// hardhat-config: invariant.failOnRevert = true
    function invariant_oneWayRules() public view {
        vm.assertTrue(!handler.finalizedChanged(), "a Finalized job changed status");
        vm.assertTrue(!handler.creditDecreasedOutsideWithdraw(), handler.violation());
        vm.assertEq(bytes(handler.violation()).length, 0, handler.violation());
    }
}
