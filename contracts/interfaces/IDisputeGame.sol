// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

/// @title IDisputeGame
/// @notice The one contract that holds every dispute game (no contract is deployed per game).
///         The job market opens games and reads their status; it never waits on a game and a
///         game never calls back into a path that could block the market. Players pay their move
///         bonds to the game, which keeps only counters (no new storage per move) and hands the
///         whole sum to the market when the market settles the game (releaseBonds); the market
///         pays every bond out as pull credits.
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

    /// @notice Sends the game's move bonds to the market (plain ETH transfer) and reports how much
    ///         each side paid in. Market only, once the game is decided or closed; a second call
    ///         returns zeros.
    function releaseBonds(uint256 gameId) external returns (uint256 proverBonds, uint256 challengerBonds);

    /// @notice The game's status. Decided statuses (ProverWon, ChallengerWon) never change.
    function gameStatus(uint256 gameId) external view returns (GameStatus);

    /// @notice The game's status and when it was decided (0 while undecided).
    function gameResult(uint256 gameId) external view returns (GameStatus status, uint256 decidedAt);
}
