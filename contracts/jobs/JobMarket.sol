// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {IDisputeGame} from "../interfaces/IDisputeGame.sol";
import {IJobMarket} from "../interfaces/IJobMarket.sol";
import {IModelRegistry} from "../interfaces/IModelRegistry.sol";
import {Tags} from "../libraries/Tags.sol";
import {TensorCommitment} from "../libraries/TensorCommitment.sol";
import {TensorType} from "../libraries/TensorType.sol";

/// @title JobMarket
/// @notice Jobs, results, challenges and every payment of the protocol. No owner, no admin: the
///         registry, the game contract and the parameters are fixed at deployment.
/// @dev Money rules (DESIGN.md): the fee is escrowed apart from bonds and released only at
///      finality; a faulted result refunds the requester in full; all payouts are pull credits.
///      Solvency invariant: balance >= fees of live jobs + bonds held + credits (move bonds sit in
///      the game contract until settlement hands them over).
contract JobMarket is IJobMarket, ReentrancyGuardTransient {
    /*//////////////////////////////////////////////////////////////
                               CONSTANTS
    //////////////////////////////////////////////////////////////*/

    uint256 private constant BPS = 10_000;
    /// @notice Ceiling for maxInputBytes / maxOutputBytes: keeps a job's calldata, hashing and
    ///         event well under the 2^24 per-transaction gas cap (EIP-7825).
    uint256 public constant IO_BYTES_CEILING = 256 * 1024;

    /*//////////////////////////////////////////////////////////////
                               IMMUTABLES
    //////////////////////////////////////////////////////////////*/

    IModelRegistry public immutable registry;
    IDisputeGame public immutable disputeGame;

    uint256 private immutable _proverBond;
    uint256 private immutable _challengerBond;
    uint256 private immutable _deliveryPeriod;
    uint256 private immutable _challengeWindow;
    uint256 private immutable _burnBps;
    uint256 private immutable _lateForfeitBps;
    uint256 private immutable _maxInputBytes;
    uint256 private immutable _maxOutputBytes;
    address private immutable _burnSink;

    /*//////////////////////////////////////////////////////////////
                                STORAGE
    //////////////////////////////////////////////////////////////*/

    mapping(uint256 jobId => Job) private _jobs;
    mapping(uint256 gameId => GameRecord) private _games;
    mapping(address account => uint256) private _credits;
    uint256 private _jobCount;
    uint256 private _gameCount;

    constructor(IModelRegistry registry_, IDisputeGame disputeGame_, Params memory p) {
        if (address(registry_) == address(0)) revert MarketBadParams("registry");
        if (address(disputeGame_) == address(0)) revert MarketBadParams("disputeGame");
        if (p.proverBond == 0) revert MarketBadParams("proverBond");
        if (p.challengerBond == 0) revert MarketBadParams("challengerBond");
        if (p.deliveryPeriod == 0) revert MarketBadParams("deliveryPeriod");
        if (p.challengeWindow == 0) revert MarketBadParams("challengeWindow");
        if (p.burnBps > BPS) revert MarketBadParams("burnBps");
        if (p.lateForfeitBps > BPS) revert MarketBadParams("lateForfeitBps");
        if (p.maxInputBytes == 0 || p.maxInputBytes > IO_BYTES_CEILING) revert MarketBadParams("maxInputBytes");
        if (p.maxOutputBytes == 0 || p.maxOutputBytes > IO_BYTES_CEILING) revert MarketBadParams("maxOutputBytes");
        if (p.burnSink == address(0)) revert MarketBadParams("burnSink");
        registry = registry_;
        disputeGame = disputeGame_;
        _proverBond = p.proverBond;
        _challengerBond = p.challengerBond;
        _deliveryPeriod = p.deliveryPeriod;
        _challengeWindow = p.challengeWindow;
        _burnBps = p.burnBps;
        _lateForfeitBps = p.lateForfeitBps;
        _maxInputBytes = p.maxInputBytes;
        _maxOutputBytes = p.maxOutputBytes;
        _burnSink = p.burnSink;
    }

    /*//////////////////////////////////////////////////////////////
                                  JOBS
    //////////////////////////////////////////////////////////////*/

    /// @inheritdoc IJobMarket
    function submitJob(bytes32 modelId, bytes[] calldata inputs, address namedProver, uint40 deadline)
        external
        payable
        nonReentrant
        returns (uint256 jobId)
    {
        if (msg.value > type(uint88).max) revert MarketFeeTooLarge(msg.value);
        if (deadline <= block.timestamp) revert MarketBadDeadline(deadline, block.timestamp);
        // Reverts with RegistryUnknownModel for an id nobody registered.
        TensorType[] memory types = registry.inputTypes(modelId);
        bytes32 inputsCommitment = _commitAll(types, inputs, _maxInputBytes, true);

        jobId = ++_jobCount;
        Job storage j = _jobs[jobId];
        j.requester = msg.sender;
        j.fee = uint88(msg.value);
        j.status = JobStatus.Open;
        j.proverNamed = namedProver != address(0);
        j.prover = namedProver;
        j.deadline = deadline;
        j.modelId = modelId;
        j.inputsCommitment = inputsCommitment;
        emit JobSubmitted(jobId, modelId, msg.sender, namedProver, msg.value, deadline, inputsCommitment, inputs);
    }

    /// @inheritdoc IJobMarket
    function claimJob(uint256 jobId) external payable nonReentrant {
        Job storage j = _job(jobId);
        JobStatus status = j.status;
        if (status != JobStatus.Open && status != JobStatus.Claimed) revert MarketWrongStatus(jobId, status);
        if (block.timestamp >= j.deadline) revert MarketDeadlinePassed(jobId, j.deadline);
        if (msg.value != _proverBond) revert MarketWrongBond(_proverBond, msg.value);

        address lateProver;
        if (status == JobStatus.Open) {
            // INVARIANT: a job naming a prover can only ever be served by that prover.
            if (j.prover != address(0) && j.prover != msg.sender) revert MarketNotNamedProver(msg.sender, j.prover);
        } else {
            // INVARIANT: a live claim cannot be taken over; a lapsed one can, at its holder's cost.
            if (block.timestamp < j.timer) revert MarketClaimActive(jobId, j.timer);
            lateProver = j.prover;
            // A reclaim is open to anyone unless the requester named a prover at submission;
            // the named prover is then the only one who ever holds the claim.
            if (j.proverNamed && lateProver != msg.sender) {
                revert MarketNotNamedProver(msg.sender, lateProver);
            }
        }

        uint256 claimDeadline = block.timestamp + _deliveryPeriod;
        if (claimDeadline > j.deadline) claimDeadline = j.deadline;
        j.status = JobStatus.Claimed;
        j.prover = msg.sender;
        j.timer = uint40(claimDeadline);
        emit JobClaimed(jobId, msg.sender, uint40(claimDeadline), lateProver);
        if (lateProver != address(0)) _settleLateBond(lateProver);
    }

    /// @inheritdoc IJobMarket
    function postResult(uint256 jobId, bytes[] calldata outputs) external nonReentrant {
        Job storage j = _job(jobId);
        if (j.status != JobStatus.Claimed) revert MarketWrongStatus(jobId, j.status);
        if (msg.sender != j.prover) revert MarketNotProver(msg.sender, j.prover);
        if (block.timestamp >= j.timer) revert MarketClaimExpired(jobId, j.timer);
        bytes32 modelId = j.modelId;
        bytes32 outputsCommitment = _commitAll(registry.outputTypes(modelId), outputs, _maxOutputBytes, false);

        uint40 windowEnd = uint40(block.timestamp + _challengeWindow);
        j.status = JobStatus.Posted;
        j.timer = windowEnd;
        j.outputsCommitment = outputsCommitment;
        bytes32 resultHash = sha256(
            abi.encodePacked(
                Tags.RESULT,
                block.chainid,
                address(this),
                jobId,
                modelId,
                j.inputsCommitment,
                outputsCommitment,
                msg.sender
            )
        );
        emit ResultPosted(jobId, msg.sender, outputsCommitment, resultHash, windowEnd, outputs);
    }

    /// @inheritdoc IJobMarket
    function finalize(uint256 jobId) external nonReentrant {
        Job storage j = _job(jobId);
        if (j.status != JobStatus.Posted) revert MarketWrongStatus(jobId, j.status);
        if (block.timestamp < j.timer) revert MarketWindowOpen(jobId, j.timer);
        // INVARIANT: a result is final only when every game against it was won by the prover.
        if (j.openGames != 0) revert MarketGamesOpen(jobId, j.openGames);
        j.status = JobStatus.Finalized;
        emit JobFinalized(jobId, j.prover);
        _credit(j.prover, j.fee + _proverBond);
    }

    /// @inheritdoc IJobMarket
    function refundExpired(uint256 jobId) external nonReentrant {
        Job storage j = _job(jobId);
        JobStatus status = j.status;
        if (status != JobStatus.Open && status != JobStatus.Claimed) revert MarketWrongStatus(jobId, status);
        if (block.timestamp < j.deadline) revert MarketDeadlineNotReached(jobId, j.deadline);
        j.status = JobStatus.Refunded;
        emit JobRefunded(jobId, j.requester);
        _credit(j.requester, j.fee);
        if (status == JobStatus.Claimed) _settleLateBond(j.prover);
    }

    /*//////////////////////////////////////////////////////////////
                                DISPUTES
    //////////////////////////////////////////////////////////////*/

    /// @inheritdoc IJobMarket
    function challenge(uint256 jobId) external payable nonReentrant returns (uint256 gameId) {
        Job storage j = _job(jobId);
        if (j.status != JobStatus.Posted) revert MarketWrongStatus(jobId, j.status);
        if (block.timestamp >= j.timer) revert MarketWindowClosed(jobId, j.timer);
        if (msg.value != _challengerBond) revert MarketWrongBond(_challengerBond, msg.value);

        gameId = ++_gameCount;
        _games[gameId] = GameRecord({jobId: uint64(jobId), challenger: msg.sender, settled: false});
        j.openGames += 1;
        emit JobChallenged(jobId, gameId, msg.sender);
        disputeGame.openGame(
            gameId,
            IDisputeGame.GameSetup({
                jobId: jobId,
                modelId: j.modelId,
                inputsCommitment: j.inputsCommitment,
                outputsCommitment: j.outputsCommitment,
                prover: j.prover,
                challenger: msg.sender
            })
        );
    }

    /// @inheritdoc IJobMarket
    /// @dev Payouts, with B_p/B_c the prover/challenger bonds, m_p/m_c the move bonds each side
    ///      paid in this game and burn(x) = x * burnBps / 10_000:
    ///      - ProverWon (while the result stands, or decided before it faulted): prover gets
    ///        B_c - burn(B_c) + m_p + m_c - burn(m_c).
    ///      - ChallengerWon, result still standing (first loss): the job faults, the requester
    ///        gets the fee back, the challenger gets B_c + B_p - burn(B_p) + m_c + m_p - burn(m_p).
    ///      - Result already faulted, game undecided, won by the challenger later, or won by the
    ///        prover only after the fault: the game closes; the challenger gets B_c + m_c + m_p
    ///        (it loses nothing but gas, and need not keep playing once the result faulted).
    function settleGame(uint256 gameId) external nonReentrant {
        GameRecord storage g = _games[gameId];
        if (g.jobId == 0) revert MarketUnknownGame(gameId);
        if (g.settled) revert MarketGameAlreadySettled(gameId);
        uint256 jobId = g.jobId;
        Job storage j = _jobs[jobId];
        (IDisputeGame.GameStatus outcome, uint256 decidedAt) = disputeGame.gameResult(gameId);
        bool decided = outcome == IDisputeGame.GameStatus.ProverWon || outcome == IDisputeGame.GameStatus.ChallengerWon;
        bool faulted = j.status == JobStatus.Faulted;
        // INVARIANT: while the result stands, only a decided game can be settled.
        if (!faulted && !decided) revert MarketGameUndecided(gameId);
        if (faulted && !decided && outcome != IDisputeGame.GameStatus.InProgress) revert MarketGameUndecided(gameId);
        // INVARIANT: once the result faulted, no game can still be won by the prover.
        bool proverWon = outcome == IDisputeGame.GameStatus.ProverWon && (!faulted || decidedAt < j.timer);

        g.settled = true;
        j.openGames -= 1;
        if (!proverWon && faulted) {
            emit GameSettled(gameId, jobId, IDisputeGame.GameStatus.Closed);
        } else {
            if (!proverWon) {
                // First loss of the prover: the result ends here; timer records when.
                j.status = JobStatus.Faulted;
                j.timer = uint40(block.timestamp);
            }
            emit GameSettled(gameId, jobId, outcome);
            if (!proverWon) emit JobFaulted(jobId, gameId);
        }

        // Interactions with the game contract (fixed at deployment): stop an undecided game, then
        // collect its move bonds, which arrive through receive() before anything is credited.
        if (outcome == IDisputeGame.GameStatus.InProgress) disputeGame.closeGame(gameId);
        (uint256 mp, uint256 mc) = disputeGame.releaseBonds(gameId);
        emit MoveBondsReleased(gameId, mp, mc);

        if (proverWon) {
            uint256 burned = _burn(_challengerBond) + _burn(mc);
            _credit(j.prover, _challengerBond + mp + mc - burned);
            _credit(_burnSink, burned);
        } else if (!faulted) {
            uint256 burned = _burn(_proverBond) + _burn(mp);
            _credit(j.requester, j.fee);
            _credit(g.challenger, _challengerBond + _proverBond + mc + mp - burned);
            _credit(_burnSink, burned);
        } else {
            _credit(g.challenger, _challengerBond + mc + mp);
        }
    }

    /// @notice Move bonds arrive from the game contract only (releaseBonds during settleGame).
    receive() external payable {
        if (msg.sender != address(disputeGame)) revert MarketNotGame(msg.sender);
    }

    /*//////////////////////////////////////////////////////////////
                                PAYMENTS
    //////////////////////////////////////////////////////////////*/

    /// @inheritdoc IJobMarket
    function withdraw(address payable to) external nonReentrant returns (uint256 amount) {
        amount = _credits[msg.sender];
        if (amount == 0) revert MarketNothingToWithdraw(msg.sender);
        // Checks-effects-interactions: the credit is gone before any ETH moves.
        _credits[msg.sender] = 0;
        emit Withdrawn(msg.sender, to, amount);
        (bool ok,) = to.call{value: amount}("");
        if (!ok) revert MarketTransferFailed(to, amount);
    }

    /*//////////////////////////////////////////////////////////////
                                 VIEWS
    //////////////////////////////////////////////////////////////*/

    function job(uint256 jobId) external view returns (Job memory) {
        return _job(jobId);
    }

    function game(uint256 gameId) external view returns (GameRecord memory g) {
        g = _games[gameId];
        if (g.jobId == 0) revert MarketUnknownGame(gameId);
    }

    function gameSetup(uint256 gameId) external view returns (IDisputeGame.GameSetup memory) {
        GameRecord storage g = _games[gameId];
        if (g.jobId == 0) revert MarketUnknownGame(gameId);
        Job storage j = _jobs[g.jobId];
        return IDisputeGame.GameSetup({
            jobId: g.jobId,
            modelId: j.modelId,
            inputsCommitment: j.inputsCommitment,
            outputsCommitment: j.outputsCommitment,
            prover: j.prover,
            challenger: g.challenger
        });
    }

    function credits(address account) external view returns (uint256) {
        return _credits[account];
    }

    function params() external view returns (Params memory) {
        return Params({
            proverBond: uint96(_proverBond),
            challengerBond: uint96(_challengerBond),
            deliveryPeriod: uint32(_deliveryPeriod),
            challengeWindow: uint32(_challengeWindow),
            burnBps: uint16(_burnBps),
            lateForfeitBps: uint16(_lateForfeitBps),
            maxInputBytes: uint32(_maxInputBytes),
            maxOutputBytes: uint32(_maxOutputBytes),
            burnSink: _burnSink
        });
    }

    function jobCount() external view returns (uint256) {
        return _jobCount;
    }

    function gameCount() external view returns (uint256) {
        return _gameCount;
    }

    /*//////////////////////////////////////////////////////////////
                               INTERNALS
    //////////////////////////////////////////////////////////////*/

    function _job(uint256 jobId) private view returns (Job storage j) {
        j = _jobs[jobId];
        if (j.status == JobStatus.None) revert MarketUnknownJob(jobId);
    }

    /// @dev Checks every tensor against its type and the byte cap; commits them all.
    function _commitAll(TensorType[] memory types, bytes[] calldata tensors, uint256 cap, bool isInput)
        private
        view
        returns (bytes32)
    {
        if (tensors.length != types.length) {
            if (isInput) revert MarketWrongInputCount(types.length, tensors.length);
            revert MarketWrongOutputCount(types.length, tensors.length);
        }
        bytes32[] memory commitments = new bytes32[](tensors.length);
        uint256 total;
        for (uint256 i; i < tensors.length; ++i) {
            total += tensors[i].length;
            // INVARIANT: bounded hashing work per transaction.
            if (total > cap) {
                if (isInput) revert MarketInputTooLarge(total, cap);
                revert MarketOutputTooLarge(total, cap);
            }
            // Reverts TensorCommitmentLengthMismatch when the bytes do not fit dtype and shape.
            commitments[i] = TensorCommitment.commit(types[i], tensors[i]);
        }
        return TensorCommitment.commitList(commitments);
    }

    /// @dev A lapsed claim's bond: the forfeit share is burned, the rest goes back to its prover.
    function _settleLateBond(address lateProver) private {
        uint256 forfeit = (_proverBond * _lateForfeitBps) / BPS;
        _credit(_burnSink, forfeit);
        _credit(lateProver, _proverBond - forfeit);
    }

    function _burn(uint256 amount) private view returns (uint256) {
        return (amount * _burnBps) / BPS;
    }

    function _credit(address account, uint256 amount) private {
        if (amount == 0) return;
        _credits[account] += amount;
        emit Credited(account, amount);
    }
}
