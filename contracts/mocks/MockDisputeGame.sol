// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IDisputeGame} from "../interfaces/IDisputeGame.sol";
import {IJobMarket} from "../interfaces/IJobMarket.sol";

/// @title MockDisputeGame
/// @notice TESTS ONLY: a game whose outcome anyone can set. It lets the market's bookkeeping be
///         tested apart from the real game (contracts/dispute/DisputeGame.sol). It keeps move
///         bonds and hands them to the market on settlement exactly as the real game does. Never
///         deployed by scripts/ or the CLI.
contract MockDisputeGame is IDisputeGame {
    error MockGameOnlyMarket(address caller);
    error MockGameMarketAlreadySet();
    error MockGameNotOpen(uint256 gameId);
    error MockGameUndecided(uint256 gameId);
    error MockGameTransferFailed();

    event MockGameOpened(uint256 indexed gameId, GameSetup setup);
    event MockGameStatusSet(uint256 indexed gameId, GameStatus status);
    event MockMoveBondPosted(uint256 indexed gameId, bool byProver, uint256 amount);

    /// @dev One slot per game, as the real game keeps beside its state hash.
    struct GameSlot {
        GameStatus status;
        uint40 decidedAt;
        bool released;
        uint96 proverBonds;
        uint96 challengerBonds;
    }

    IJobMarket public market;
    mapping(uint256 gameId => GameSlot) private _games;
    mapping(uint256 gameId => bytes32) private _setupHash;
    uint256 public closeCalls;

    /// @notice One-time wiring (the real game takes the market address at construction).
    function setMarket(IJobMarket market_) external {
        if (address(market) != address(0)) revert MockGameMarketAlreadySet();
        market = market_;
    }

    function openGame(uint256 gameId, GameSetup calldata setup) external {
        if (msg.sender != address(market)) revert MockGameOnlyMarket(msg.sender);
        _games[gameId].status = GameStatus.InProgress;
        _setupHash[gameId] = keccak256(abi.encode(setup));
        emit MockGameOpened(gameId, setup);
    }

    function closeGame(uint256 gameId) external {
        if (msg.sender != address(market)) revert MockGameOnlyMarket(msg.sender);
        if (_games[gameId].status != GameStatus.InProgress) revert MockGameNotOpen(gameId);
        _games[gameId].status = GameStatus.Closed;
        closeCalls += 1;
        emit MockGameStatusSet(gameId, GameStatus.Closed);
    }

    function releaseBonds(uint256 gameId) external returns (uint256 proverBonds, uint256 challengerBonds) {
        if (msg.sender != address(market)) revert MockGameOnlyMarket(msg.sender);
        GameSlot storage g = _games[gameId];
        if (g.status == GameStatus.InProgress || g.status == GameStatus.None) revert MockGameUndecided(gameId);
        if (g.released) return (0, 0);
        g.released = true;
        (proverBonds, challengerBonds) = (g.proverBonds, g.challengerBonds);
        if (proverBonds + challengerBonds > 0) {
            (bool ok,) = address(market).call{value: proverBonds + challengerBonds}("");
            if (!ok) revert MockGameTransferFailed();
        }
    }

    function gameStatus(uint256 gameId) external view returns (GameStatus) {
        return _games[gameId].status;
    }

    function gameResult(uint256 gameId) external view returns (GameStatus, uint256) {
        return (_games[gameId].status, _games[gameId].decidedAt);
    }

    /// @notice Hash of the setup the game was opened with (the event carries the setup itself).
    function setupHash(uint256 gameId) external view returns (bytes32) {
        return _setupHash[gameId];
    }

    /// @notice Move bonds held for a game, per side.
    function bondsOf(uint256 gameId) external view returns (uint256 proverBonds, uint256 challengerBonds) {
        return (_games[gameId].proverBonds, _games[gameId].challengerBonds);
    }

    /// @notice Test hook: decide a game (records when, as the real game does).
    function setStatus(uint256 gameId, GameStatus status) external {
        _games[gameId].status = status;
        _games[gameId].decidedAt = uint40(block.timestamp);
        emit MockGameStatusSet(gameId, status);
    }

    /// @notice Test hook: a player's move bond, held here until the market settles the game.
    function postMoveBond(uint256 gameId, bool byProver) external payable {
        GameSlot storage g = _games[gameId];
        if (g.status != GameStatus.InProgress) revert MockGameNotOpen(gameId);
        if (byProver) g.proverBonds += uint96(msg.value);
        else g.challengerBonds += uint96(msg.value);
        emit MockMoveBondPosted(gameId, byProver, msg.value);
    }
}
