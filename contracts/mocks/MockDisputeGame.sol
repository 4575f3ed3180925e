// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IDisputeGame} from "../interfaces/IDisputeGame.sol";
import {IJobMarket} from "../interfaces/IJobMarket.sol";

/// @title MockDisputeGame
/// @notice TESTS ONLY: a game whose outcome anyone can set. It lets the market's bookkeeping be
///         tested before (and apart from) the real game. Never deployed by scripts/ or the CLI.
contract MockDisputeGame is IDisputeGame {
    error MockGameOnlyMarket(address caller);
    error MockGameMarketAlreadySet();
    error MockGameNotOpen(uint256 gameId);

    event MockGameOpened(uint256 indexed gameId, GameSetup setup);
    event MockGameStatusSet(uint256 indexed gameId, GameStatus status);

    IJobMarket public market;
    /// @dev One slot per game, as a real game keeps (its status beside a hash of its state).
    struct GameSlot {
        GameStatus status;
        bytes31 setupHash;
    }

    mapping(uint256 gameId => GameSlot) private _games;
    uint256 public closeCalls;

    /// @notice One-time wiring (the real game takes the market address at construction).
    function setMarket(IJobMarket market_) external {
        if (address(market) != address(0)) revert MockGameMarketAlreadySet();
        market = market_;
    }

    function openGame(uint256 gameId, GameSetup calldata setup) external {
        if (msg.sender != address(market)) revert MockGameOnlyMarket(msg.sender);
        _games[gameId] = GameSlot({status: GameStatus.InProgress, setupHash: bytes31(keccak256(abi.encode(setup)))});
        emit MockGameOpened(gameId, setup);
    }

    function closeGame(uint256 gameId) external {
        if (msg.sender != address(market)) revert MockGameOnlyMarket(msg.sender);
        if (_games[gameId].status != GameStatus.InProgress) revert MockGameNotOpen(gameId);
        _games[gameId].status = GameStatus.Closed;
        closeCalls += 1;
        emit MockGameStatusSet(gameId, GameStatus.Closed);
    }

    function gameStatus(uint256 gameId) external view returns (GameStatus) {
        return _games[gameId].status;
    }

    /// @notice Hash of the setup the game was opened with (the event carries the setup itself).
    function setupHash(uint256 gameId) external view returns (bytes31) {
        return _games[gameId].setupHash;
    }

    /// @notice Test hook: decide a game.
    function setStatus(uint256 gameId, GameStatus status) external {
        _games[gameId].status = status;
        emit MockGameStatusSet(gameId, status);
    }

    /// @notice Test hook: a player's move bond, forwarded to the market's escrow as the real game will.
    function postMoveBond(uint256 gameId, bool byProver) external payable {
        market.escrowMoveBond{value: msg.value}(gameId, byProver);
    }
}
