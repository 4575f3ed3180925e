// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

/// @title LibClock
/// @notice A game's chess clocks and move counters, on the packed storage word of
///         DisputeGame.GameSlot (docs/SPEC.md section 10), bit 0 = least significant, as Solidity
///         packs the struct (first member in the lowest bits):
///         | bits    | field           | width |
///         | ------- | --------------- | ----- |
///         | 0-7     | status          | 8     |
///         | 8       | challengerToMove| 1     |
///         | 16-55   | lastMoveAt      | 40    |
///         | 56-95   | proverLeft      | 40    |
///         | 96-135  | challengerLeft  | 40    |
///         | 136-167 | proverMoves     | 32    |
///         | 168-199 | challengerMoves | 32    |
///         | 200-207 | bondsReleased   | 8     |
///         | 208-247 | decidedAt       | 40    |
///         A clock is "seconds left when its side's turn began"; the side to move has
///         `left - (now - lastMoveAt)`. `expiry` is THE expiry test: every move and every
///         resolveTimeout ask it, so "may move" and "may resolve" can never both hold or both fail.
library LibClock {
    uint256 internal constant TO_MOVE = 8;
    uint256 internal constant LAST_MOVE = 16;
    uint256 internal constant PROVER_LEFT = 56;
    uint256 internal constant CHALLENGER_LEFT = 96;
    uint256 internal constant PROVER_MOVES = 136;
    uint256 internal constant CHALLENGER_MOVES = 168;
    /// @dev status (bits 0-7), bondsReleased and decidedAt (bits 200-247): never touched by a move.
    uint256 internal constant KEEP = 0xff | (((uint256(1) << 48) - 1) << 200);

    /// @notice Whether the challenger's clock runs.
    function challengerToMove(uint256 w) internal pure returns (bool) {
        return (w >> TO_MOVE) & 1 == 1;
    }

    /// @notice The one expiry test: the side to move has run out once `now - lastMoveAt` reaches
    ///         its clock; `left` is what remains (0 once expired).
    function expiry(uint256 w, uint256 timestamp) internal pure returns (bool expired, uint256 left) {
        uint256 budget = challengerToMove(w) ? uint40(w >> CHALLENGER_LEFT) : uint40(w >> PROVER_LEFT);
        uint256 elapsed = timestamp - uint40(w >> LAST_MOVE);
        expired = elapsed >= budget;
        left = expired ? 0 : budget - elapsed;
    }

    /// @notice The word after a move at `timestamp`: the mover's clock charged with the time it
    ///         took and its move bond counted, the turn handed to the next side, whose clock is
    ///         raised to `extension` if it had less (a late move never starves the answer).
    ///         Status, bondsReleased and decidedAt are kept.
    /// @dev    Callers have checked `expiry` (not expired) in the same transaction, so the charge
    ///         cannot underflow; clocks never exceed the game's budget (< 2^40, checked at
    ///         construction) and move counts are bounded by the moves a game can take (< 2^32).
    function charge(uint256 w, uint256 timestamp, bool byChallenger, bool challengerNext, uint256 extension)
        internal
        pure
        returns (uint256 out)
    {
        uint256 elapsed = timestamp - uint40(w >> LAST_MOVE);
        uint256 proverLeft = uint40(w >> PROVER_LEFT);
        uint256 challengerLeft = uint40(w >> CHALLENGER_LEFT);
        if (byChallenger) challengerLeft -= elapsed;
        else proverLeft -= elapsed;
        if (challengerNext && challengerLeft < extension) challengerLeft = extension;
        if (!challengerNext && proverLeft < extension) proverLeft = extension;
        out = (w & KEEP) | (challengerNext ? uint256(1) << TO_MOVE : 0) | (uint256(uint40(timestamp)) << LAST_MOVE)
            | (proverLeft << PROVER_LEFT) | (challengerLeft << CHALLENGER_LEFT) | _counted(w, byChallenger);
    }

    /// @dev Both move counters, the mover's one more. uint32 with checked increments: a count can
    ///      never spill into the next field.
    function _counted(uint256 w, bool byChallenger) private pure returns (uint256) {
        uint32 proverMoves = uint32(w >> PROVER_MOVES);
        uint32 challengerMoves = uint32(w >> CHALLENGER_MOVES);
        if (byChallenger) challengerMoves += 1;
        else proverMoves += 1;
        return (uint256(proverMoves) << PROVER_MOVES) | (uint256(challengerMoves) << CHALLENGER_MOVES);
    }
}
