// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {TestBase} from "./Vm.sol";
import {Phase} from "../../../contracts/dispute/lib/GameTypes.sol";
import {Cursor, LibCursor} from "../../../contracts/dispute/lib/LibCursor.sol";
import {LibSegmentTree} from "../../../contracts/dispute/lib/LibSegmentTree.sol";
import {LibClock} from "../../../contracts/dispute/lib/LibClock.sol";
import {DisputeGame} from "../../../contracts/dispute/DisputeGame.sol";
import {IDisputeGame} from "../../../contracts/interfaces/IDisputeGame.sol";

/// @notice External entry points (the libraries read calldata arrays) and a plain reference.
contract GameLibsHarness {
    function root(bytes32 first, bytes32[] calldata values, bytes32 last) external pure returns (bytes32) {
        return LibSegmentTree.root(first, values, last);
    }

    function rootOf(uint256 k, uint256 index, bytes32 start, bytes32 end, bytes32[] calldata siblings)
        external
        pure
        returns (bytes32)
    {
        return LibSegmentTree.rootOf(k, index, start, end, siblings);
    }

    function pack(Cursor memory c) external pure returns (uint256) {
        return LibCursor.pack(c);
    }
}

/// @notice Reference segment tree, written from docs/SPEC.md section 10 without the library's tricks.
library SegmentReference {
    function levels(bytes32[] memory v) internal pure returns (bytes32[][] memory out) {
        uint256 k = v.length - 1;
        uint256 width = 2;
        uint256 depth = 1;
        while (width < k) {
            width *= 2;
            depth++;
        }
        out = new bytes32[][](depth + 1);
        bytes32[] memory level = new bytes32[](width);
        for (uint256 j; j < k; ++j) {
            level[j] = keccak256(abi.encodePacked(v[j], v[j + 1]));
        }
        out[0] = level;
        for (uint256 d = 1; d <= depth; ++d) {
            bytes32[] memory up = new bytes32[](level.length / 2);
            for (uint256 i; i < up.length; ++i) {
                up[i] = keccak256(abi.encodePacked(level[2 * i], level[2 * i + 1]));
            }
            out[d] = up;
            level = up;
        }
    }

    function siblings(bytes32[][] memory ls, uint256 index) internal pure returns (bytes32[] memory s) {
        s = new bytes32[](ls.length - 1);
        for (uint256 d; d < s.length; ++d) {
            s[d] = ls[d][index ^ 1];
            index >>= 1;
        }
    }
}

contract GameLibsTest is TestBase {
    GameLibsHarness internal h = new GameLibsHarness();

    function _values(uint256 seed, uint256 k) internal pure returns (bytes32[] memory v) {
        v = new bytes32[](k + 1);
        for (uint256 i; i <= k; ++i) {
            v[i] = keccak256(abi.encode(seed, i));
        }
    }

    function _inner(bytes32[] memory v) internal pure returns (bytes32[] memory inner) {
        inner = new bytes32[](v.length - 2);
        for (uint256 i; i < inner.length; ++i) {
            inner[i] = v[i + 1];
        }
    }

    /*//////////////////////////////////////////////////////////////
                              SEGMENT TREE
    //////////////////////////////////////////////////////////////*/

    function testFuzz_segmentRoot_matchesReferenceAndEverySegmentProves_succeeds(uint256 seed, uint256 kRaw) public view {
        uint256 k = bound(kRaw, 2, 64);
        bytes32[] memory v = _values(seed, k);
        bytes32[][] memory ls = SegmentReference.levels(v);
        bytes32 r = h.root(v[0], _inner(v), v[k]);
        vm.assertEq(r, ls[ls.length - 1][0], "root differs from the reference");
        for (uint256 j; j < k; ++j) {
            vm.assertEq(h.rootOf(k, j, v[j], v[j + 1], SegmentReference.siblings(ls, j)), r, "a posted segment does not prove");
        }
    }

    function testFuzz_segmentRootOf_valueNeverPosted_fails(uint256 seed, uint256 kRaw, uint256 jRaw, bytes32 forged) public view {
        uint256 k = bound(kRaw, 2, 64);
        uint256 j = bound(jRaw, 0, k - 1);
        bytes32[] memory v = _values(seed, k);
        vm.assume(forged != v[j + 1]);
        bytes32[][] memory ls = SegmentReference.levels(v);
        bytes32 r = ls[ls.length - 1][0];
        bytes32[] memory sib = SegmentReference.siblings(ls, j);
        vm.assertTrue(h.rootOf(k, j, v[j], forged, sib) != r, "a value the prover never posted proved");
        // The right pair under another index does not prove either.
        if (k > 2) vm.assertTrue(h.rootOf(k, (j + 1) % k, v[j], v[j + 1], sib) != r, "a segment proved at another index");
    }

    function testFuzz_segmentRootOf_wrongSibling_fails(uint256 seed, uint256 kRaw, uint256 jRaw, uint256 which) public view {
        uint256 k = bound(kRaw, 2, 64);
        uint256 j = bound(jRaw, 0, k - 1);
        bytes32[] memory v = _values(seed, k);
        bytes32[][] memory ls = SegmentReference.levels(v);
        bytes32[] memory sib = SegmentReference.siblings(ls, j);
        sib[bound(which, 0, sib.length - 1)] ^= bytes32(uint256(1));
        vm.assertTrue(h.rootOf(k, j, v[j], v[j + 1], sib) != ls[ls.length - 1][0], "a wrong sibling proved");
    }

    function test_segmentRootOf_wrongSiblingCount_reverts() public {
        bytes32[] memory v = _values(7, 8);
        bytes32[] memory sib = new bytes32[](2);
        vm.expectRevert(abi.encodeWithSelector(LibSegmentTree.SegmentTreeBadProofLength.selector, 3, 2));
        h.rootOf(8, 0, v[0], v[1], sib);
    }

    /*//////////////////////////////////////////////////////////////
                                 CURSOR
    //////////////////////////////////////////////////////////////*/

    function _cursor(uint256 seed) internal pure returns (Cursor memory c) {
        uint256 r = uint256(keccak256(abi.encode(seed)));
        c.phase = Phase(r % 12);
        c.height = (r >> 8) & 0xff;
        c.outDtype = (r >> 16) & 0xff;
        c.lo = uint32(r >> 24);
        c.hi = uint32(r >> 56);
        c.node = uint32(r >> 88);
        c.position = uint32(r >> 120);
        c.element = uint40(r >> 152);
        c.outBytes = uint40(r >> 192);
    }

    function _same(Cursor memory a, Cursor memory b) internal pure {
        vm.assertEq(uint256(a.phase), uint256(b.phase), "phase");
        vm.assertEq(a.height, b.height, "height");
        vm.assertEq(a.outDtype, b.outDtype, "outDtype");
        vm.assertEq(a.lo, b.lo, "lo");
        vm.assertEq(a.hi, b.hi, "hi");
        vm.assertEq(a.node, b.node, "node");
        vm.assertEq(a.position, b.position, "position");
        vm.assertEq(a.element, b.element, "element");
        vm.assertEq(a.outBytes, b.outBytes, "outBytes");
    }

    function testFuzz_cursor_packUnpackRoundTrips_succeeds(uint256 seed) public view {
        Cursor memory c = _cursor(seed);
        uint256 w = h.pack(c);
        _same(LibCursor.unpack(w), c);
        vm.assertEq(w >> 232, 0, "the reserved bits are zero");
    }

    /// A field set to its maximum changes only its own bits: no field aliases another.
    function testFuzz_cursor_fieldsDoNotAlias_succeeds(uint256 seed, uint256 which) public view {
        Cursor memory c = _cursor(seed);
        Cursor memory d = _cursor(seed);
        uint256 f = bound(which, 0, 7);
        uint256[8] memory shifts = [uint256(8), 16, 24, 56, 88, 120, 152, 192];
        uint256[8] memory widths = [uint256(8), 8, 32, 32, 32, 32, 40, 40];
        uint256 max = (uint256(1) << widths[f]) - 1;
        if (f == 0) d.height = max;
        else if (f == 1) d.outDtype = max;
        else if (f == 2) d.lo = max;
        else if (f == 3) d.hi = max;
        else if (f == 4) d.node = max;
        else if (f == 5) d.position = max;
        else if (f == 6) d.element = max;
        else d.outBytes = max;
        uint256 diff = h.pack(c) ^ h.pack(d);
        vm.assertEq(diff & ~(max << shifts[f]), 0, "a field changed bits outside its own");
    }

    function test_cursor_overflowingField_reverts() public {
        bytes32[8] memory names = [bytes32("height"), "outDtype", "lo", "hi", "node", "position", "element", "outBytes"];
        uint256[8] memory widths = [uint256(8), 8, 32, 32, 32, 32, 40, 40];
        for (uint256 f; f < 8; ++f) {
            Cursor memory c;
            uint256 v = uint256(1) << widths[f];
            if (f == 0) c.height = v;
            else if (f == 1) c.outDtype = v;
            else if (f == 2) c.lo = v;
            else if (f == 3) c.hi = v;
            else if (f == 4) c.node = v;
            else if (f == 5) c.position = v;
            else if (f == 6) c.element = v;
            else c.outBytes = v;
            vm.expectRevert(abi.encodeWithSelector(LibCursor.GameCursorOverflow.selector, names[f], v));
            h.pack(c);
        }
    }
}

/// @notice LibClock against the struct it reads: the layout Solidity gives DisputeGame.GameSlot,
///         the one expiry test at its boundary, and what a move's charge may and may not touch.
contract GameClockTest is TestBase {
    DisputeGame.GameSlot internal slot;

    function _word() internal view returns (uint256 w) {
        DisputeGame.GameSlot storage s = slot;
        assembly ("memory-safe") {
            w := sload(s.slot)
        }
    }

    function _store(uint256 w) internal {
        DisputeGame.GameSlot storage s = slot;
        assembly ("memory-safe") {
            sstore(s.slot, w)
        }
    }

    function testFuzz_clock_layoutIsTheStructs_succeeds(uint40 last, uint40 pl, uint40 cl, uint32 pm, uint32 cm, bool toMove, uint40 decided) public {
        slot = DisputeGame.GameSlot({
            status: IDisputeGame.GameStatus.InProgress,
            challengerToMove: toMove,
            lastMoveAt: last,
            proverLeft: pl,
            challengerLeft: cl,
            proverMoves: pm,
            challengerMoves: cm,
            bondsReleased: true,
            decidedAt: decided
        });
        uint256 w = _word();
        vm.assertEq(uint8(w), uint8(IDisputeGame.GameStatus.InProgress), "status");
        vm.assertEq(LibClock.challengerToMove(w), toMove, "challengerToMove");
        vm.assertEq(uint40(w >> LibClock.LAST_MOVE), last, "lastMoveAt");
        vm.assertEq(uint40(w >> LibClock.PROVER_LEFT), pl, "proverLeft");
        vm.assertEq(uint40(w >> LibClock.CHALLENGER_LEFT), cl, "challengerLeft");
        vm.assertEq(uint32(w >> LibClock.PROVER_MOVES), pm, "proverMoves");
        vm.assertEq(uint32(w >> LibClock.CHALLENGER_MOVES), cm, "challengerMoves");
        vm.assertEq(w & LibClock.KEEP, uint256(uint8(IDisputeGame.GameStatus.InProgress)) | (1 << 200) | (uint256(decided) << 208), "kept bits");
    }

    function testFuzz_clock_expiryAtExactlyTheBudget_succeeds(uint40 last, uint40 budget, bool challenger) public {
        vm.assume(uint256(last) + budget < type(uint40).max);
        slot.challengerToMove = challenger;
        slot.lastMoveAt = last;
        if (challenger) slot.challengerLeft = budget;
        else slot.proverLeft = budget;
        // The other side's clock is irrelevant to the side to move.
        if (challenger) slot.proverLeft = 1;
        else slot.challengerLeft = 1;
        uint256 w = _word();
        (bool expired, uint256 left) = LibClock.expiry(w, uint256(last) + budget);
        vm.assertTrue(expired, "expired at lastMoveAt + budget");
        vm.assertEq(left, 0, "nothing left at expiry");
        if (budget > 0) {
            (expired, left) = LibClock.expiry(w, uint256(last) + budget - 1);
            vm.assertTrue(!expired, "one second before, the side may still move");
            vm.assertEq(left, 1, "one second left");
        }
    }

    function testFuzz_clock_chargeKeepsStatusAndDecisionAndChargesOnlyTheMover_succeeds(
        uint40 last,
        uint40 pl,
        uint40 cl,
        uint40 spentRaw,
        uint40 extension,
        bool byChallenger,
        bool challengerNext,
        uint256 keep
    ) public pure {
        uint256 moverLeft = byChallenger ? cl : pl;
        vm.assume(moverLeft > 0 && uint256(last) + moverLeft < type(uint40).max);
        uint256 spent = bound(spentRaw, 0, moverLeft - 1);
        uint256 w = (keep & LibClock.KEEP) | (byChallenger ? 1 << LibClock.TO_MOVE : 0) | (uint256(last) << LibClock.LAST_MOVE)
            | (uint256(pl) << LibClock.PROVER_LEFT) | (uint256(cl) << LibClock.CHALLENGER_LEFT) | (uint256(7) << LibClock.PROVER_MOVES)
            | (uint256(9) << LibClock.CHALLENGER_MOVES);
        uint256 after_ = LibClock.charge(w, uint256(last) + spent, byChallenger, challengerNext, extension);
        vm.assertEq(after_ & LibClock.KEEP, keep & LibClock.KEEP, "status, bondsReleased and decidedAt kept");
        vm.assertEq(LibClock.challengerToMove(after_), challengerNext, "the turn handed over");
        vm.assertEq(uint40(after_ >> LibClock.LAST_MOVE), uint256(last) + spent, "the turn starts now");
        uint256 proverAfter = uint40(after_ >> LibClock.PROVER_LEFT);
        uint256 challengerAfter = uint40(after_ >> LibClock.CHALLENGER_LEFT);
        uint256 proverExpected = byChallenger ? pl : pl - spent;
        uint256 challengerExpected = byChallenger ? cl - spent : cl;
        if (!challengerNext && proverExpected < extension) proverExpected = extension;
        if (challengerNext && challengerExpected < extension) challengerExpected = extension;
        vm.assertEq(proverAfter, proverExpected, "prover clock");
        vm.assertEq(challengerAfter, challengerExpected, "challenger clock");
        vm.assertEq(uint32(after_ >> LibClock.PROVER_MOVES), byChallenger ? 7 : 8, "prover moves");
        vm.assertEq(uint32(after_ >> LibClock.CHALLENGER_MOVES), byChallenger ? 10 : 9, "challenger moves");
    }
}
