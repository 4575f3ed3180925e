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
    mapping(uint256 gameId => GameStatus) private _status;
    mapping(uint256 gameId => GameSetup) private _setup;
    uint256 public closeCalls;

    /// @notice One-time wiring (the real game takes the market address at construction).
    function setMarket(IJobMarket market_) external {
        if (address(market) != address(0)) revert MockGameMarketAlreadySet();
        market = market_;
    }

    function openGame(uint256 gameId, GameSetup calldata setup) external {
        if (msg.sender != address(market)) revert MockGameOnlyMarket(msg.sender);
        _status[gameId] = GameStatus.InProgress;
        _setup[gameId] = setup;
        emit MockGameOpened(gameId, setup);
    }

    function closeGame(uint256 gameId) external {
        if (msg.sender != address(market)) revert MockGameOnlyMarket(msg.sender);
        if (_status[gameId] != GameStatus.InProgress) revert MockGameNotOpen(gameId);
        _status[gameId] = GameStatus.Closed;
        closeCalls += 1;
        emit MockGameStatusSet(gameId, GameStatus.Closed);
    }

    function gameStatus(uint256 gameId) external view returns (GameStatus) {
        return _status[gameId];
    }

    function gameSetup(uint256 gameId) external view returns (GameSetup memory) {
        return _setup[gameId];
    }

    /// @notice Test hook: decide a game.
    function setStatus(uint256 gameId, GameStatus status) external {
        _status[gameId] = status;
        emit MockGameStatusSet(gameId, status);
    }

    /// @notice Test hook: a player's move bond, forwarded to the market's escrow as the real game will.
    function postMoveBond(uint256 gameId, bool byProver) external payable {
        market.escrowMoveBond{value: msg.value}(gameId, byProver);
    }
}
