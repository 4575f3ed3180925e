// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IDisputeGame} from "./IDisputeGame.sol";

/// @title IJobMarket
/// @notice The life of an inference job: submit (fee escrowed), claim (prover bond), post result,
///         challenge window (each challenge opens a game), finalize or fault, pull payments.
interface IJobMarket {
    enum JobStatus {
        None,
        /// Submitted, not claimed (or a named prover has not claimed yet).
        Open,
        /// Claimed by a prover who must post before the claim deadline.
        Claimed,
        /// Result posted; challengeable until the window ends.
        Posted,
        /// Final: the prover was paid the fee and its bond back.
        Finalized,
        /// The prover lost a game: the requester was refunded in full.
        Faulted,
        /// Never delivered before the deadline: the requester was refunded.
        Refunded
    }

    /// @notice Deployment parameters (DESIGN.md: minutes on a devnet, days on mainnet).
    /// @param proverBond exact bond a prover locks when claiming; it backs the result
    /// @param challengerBond exact bond to open a game
    /// @param deliveryPeriod how long a claim lasts before others may reclaim the job
    /// @param challengeWindow how long a posted result can be challenged
    /// @param burnBps share of every losing bond burned (sent to `burnSink`), in basis points
    /// @param lateForfeitBps share of a late prover's bond burned when its claim lapses
    /// @param maxInputBytes most input bytes a job may carry (all inputs together)
    /// @param maxOutputBytes most output bytes a result may carry (all outputs together)
    /// @param burnSink receives burned shares: an address nobody controls (0x…dEaD by default)
    struct Params {
        uint96 proverBond;
        uint96 challengerBond;
        uint32 deliveryPeriod;
        uint32 challengeWindow;
        uint16 burnBps;
        uint16 lateForfeitBps;
        uint32 maxInputBytes;
        uint32 maxOutputBytes;
        address burnSink;
    }

    /// @notice A job as stored. Timestamps are seconds.
    /// @param timer the claim deadline while Claimed, the end of the challenge window once Posted,
    ///        the time of the fault once Faulted
    /// @param proverNamed whether the requester named the prover: only it may ever claim the job
    struct Job {
        address requester;
        uint88 fee;
        bool proverNamed;
        address prover;
        uint40 deadline;
        uint40 timer;
        JobStatus status;
        bytes32 modelId;
        bytes32 inputsCommitment;
        bytes32 outputsCommitment;
        uint64 openGames;
    }

    /// @notice A game as the market accounts for it.
    struct GameRecord {
        uint64 jobId;
        address challenger;
        bool settled;
    }

    /// @notice A job was submitted; `inputs` are the tensors' little-endian bytes.
    event JobSubmitted(
        uint256 indexed jobId,
        bytes32 indexed modelId,
        address indexed requester,
        address namedProver,
        uint256 fee,
        uint40 deadline,
        bytes32 inputsCommitment,
        bytes[] inputs
    );
    /// @notice A prover claimed a job (or reclaimed it from a late prover, who is named).
    event JobClaimed(uint256 indexed jobId, address indexed prover, uint40 claimDeadline, address lateProver);
    /// @notice A result was posted; `outputs` are the tensors' little-endian bytes.
    /// @param resultHash binds chain id, market, job, model, inputs, outputs and prover (SPEC.md)
    event ResultPosted(
        uint256 indexed jobId,
        address indexed prover,
        bytes32 outputsCommitment,
        bytes32 resultHash,
        uint40 windowEnd,
        bytes[] outputs
    );
    /// @notice A challenger opened game `gameId` against a job's result.
    event JobChallenged(uint256 indexed jobId, uint256 indexed gameId, address indexed challenger);
    /// @notice The market paid out a decided or closed game.
    event GameSettled(uint256 indexed gameId, uint256 indexed jobId, IDisputeGame.GameStatus outcome);
    /// @notice The prover lost game `gameId`: the result ended and the requester was refunded.
    event JobFaulted(uint256 indexed jobId, uint256 indexed gameId);
    /// @notice The result became final and the prover was paid.
    event JobFinalized(uint256 indexed jobId, address indexed prover);
    /// @notice An undelivered job was refunded after its deadline.
    event JobRefunded(uint256 indexed jobId, address indexed requester);
    /// @notice `amount` was added to `account`'s withdrawable credit.
    event Credited(address indexed account, uint256 amount);
    /// @notice The game contract handed over a settled game's move bonds.
    event MoveBondsReleased(uint256 indexed gameId, uint256 proverBonds, uint256 challengerBonds);
    /// @notice `account` withdrew `amount` to `to`.
    event Withdrawn(address indexed account, address indexed to, uint256 amount);

    error MarketUnknownJob(uint256 jobId);
    error MarketUnknownGame(uint256 gameId);
    error MarketWrongStatus(uint256 jobId, JobStatus status);
    error MarketWrongBond(uint256 expected, uint256 sent);
    error MarketFeeTooLarge(uint256 fee);
    error MarketBadDeadline(uint256 deadline, uint256 nowTime);
    error MarketWrongInputCount(uint256 expected, uint256 actual);
    error MarketWrongOutputCount(uint256 expected, uint256 actual);
    error MarketInputTooLarge(uint256 bytesGiven, uint256 limit);
    error MarketOutputTooLarge(uint256 bytesGiven, uint256 limit);
    error MarketNotNamedProver(address caller, address namedProver);
    error MarketNotProver(address caller, address prover);
    error MarketClaimActive(uint256 jobId, uint40 claimDeadline);
    error MarketClaimExpired(uint256 jobId, uint40 claimDeadline);
    error MarketDeadlinePassed(uint256 jobId, uint40 deadline);
    error MarketDeadlineNotReached(uint256 jobId, uint40 deadline);
    error MarketWindowClosed(uint256 jobId, uint40 windowEnd);
    error MarketWindowOpen(uint256 jobId, uint40 windowEnd);
    error MarketGamesOpen(uint256 jobId, uint64 openGames);
    error MarketGameAlreadySettled(uint256 gameId);
    error MarketGameUndecided(uint256 gameId);
    error MarketNotGame(address caller);
    error MarketNothingToWithdraw(address account);
    error MarketTransferFailed(address to, uint256 amount);
    error MarketBadParams(bytes32 what);

    function submitJob(bytes32 modelId, bytes[] calldata inputs, address namedProver, uint40 deadline)
        external
        payable
        returns (uint256 jobId);
    function claimJob(uint256 jobId) external payable;
    function postResult(uint256 jobId, bytes[] calldata outputs) external;
    function challenge(uint256 jobId) external payable returns (uint256 gameId);
    function settleGame(uint256 gameId) external;
    function finalize(uint256 jobId) external;
    function refundExpired(uint256 jobId) external;
    function withdraw(address payable to) external returns (uint256 amount);

    function job(uint256 jobId) external view returns (Job memory);
    function game(uint256 gameId) external view returns (GameRecord memory);
    /// @notice What game `gameId` is about, from the market's own records (the game checks a
    ///         player's claimed setup against it on the game's first move).
    function gameSetup(uint256 gameId) external view returns (IDisputeGame.GameSetup memory);
    function credits(address account) external view returns (uint256);
    function params() external view returns (Params memory);
    function jobCount() external view returns (uint256);
    function gameCount() external view returns (uint256);
}
