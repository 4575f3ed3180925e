// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

/// @title IDisputeGame
/// @notice The one contract that holds every dispute game (no contract is deployed per game).
///         The job market opens games and reads their status; it never waits on a game and a
///         game never calls back into a path that could block the market. Games pay and collect
///         nothing themselves: every bond, move bonds included, is escrowed and paid out by the
///         market (IJobMarket.escrowMoveBond, settleGame).
interface IDisputeGame {
    enum GameStatus {
        /// No game under this id.
        None,
        /// Being played; neither side has won yet.
        InProgress,
        /// The prover's result survived: the challenger failed to prove a step wrong, or timed out.
        ProverWon,
        /// The challenger proved a step of the prover's trace wrong, or the prover timed out.
        ChallengerWon,
        /// Closed by the market before a decision: the result already ended in another game.
        Closed
    }

    /// @notice What a game is about: one challenger against one posted result.
    /// @param jobId the job whose result is disputed
    /// @param modelId the registered model the job names
    /// @param inputsCommitment the job's input list commitment, computed by the market
    /// @param outputsCommitment the result's output list commitment, computed by the market
    /// @param prover who posted the result
    /// @param challenger who opened this game
    struct GameSetup {
        uint256 jobId;
        bytes32 modelId;
        bytes32 inputsCommitment;
        bytes32 outputsCommitment;
        address prover;
        address challenger;
    }

    /// @notice Opens game `gameId` (the market numbers games). Market only.
    function openGame(uint256 gameId, GameSetup calldata setup) external;

    /// @notice Stops an undecided game because its result already ended. Market only.
    function closeGame(uint256 gameId) external;

    /// @notice The game's status. Decided statuses (ProverWon, ChallengerWon) never change.
    function gameStatus(uint256 gameId) external view returns (GameStatus);
}
