// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

/// @title LibSegmentTree
/// @notice The commitment to a k-way bisection's posted list (docs/SPEC.md section 10): with
///         v_0 = claimLo, v_1..v_{k-1} the posted values and v_k = claimHi, leaf j (segment j) is
///         keccak256(v_j ‖ v_{j+1}), j = 0..k-1, padded with zero words to 2^d leaves,
///         d = ceil(log2 k) >= 1, nodes keccak256(left ‖ right). The depth is fixed by k, so a
///         proof of segment j carries exactly d siblings and nothing else can stand in for a leaf.
///         offchain/game/segment-tree.ts is the twin.
library LibSegmentTree {
    /// @notice A segment proof has the wrong number of siblings.
    error SegmentTreeBadProofLength(uint256 expected, uint256 actual);

    /// @notice ceil(log2 k), at least 1.
    function depthFor(uint256 k) internal pure returns (uint256 d) {
        d = 1;
        // Bounded: k <= 64 (the game's fanout limit).
        while ((uint256(1) << d) < k) ++d;
    }

    /// @notice The root over the segments of (first, values..., last).
    function root(bytes32 first, bytes32[] calldata values, bytes32 last) internal pure returns (bytes32 r) {
        uint256 k = values.length + 1;
        uint256 width = uint256(1) << depthFor(k);
        assembly ("memory-safe") {
            // Scratch past the free memory pointer, never allocated (nothing is kept): the k+1
            // values back to back, then the 2^d leaf buffer.
            let vals := mload(0x40)
            mstore(vals, first)
            calldatacopy(add(vals, 0x20), values.offset, shl(5, values.length))
            mstore(add(vals, shl(5, k)), last)
            let buf := add(vals, shl(5, add(k, 1)))
            // Leaf j hashes the 64 bytes v_j ‖ v_{j+1}, which already lie side by side.
            for { let j := 0 } lt(j, k) { j := add(j, 1) } {
                mstore(add(buf, shl(5, j)), keccak256(add(vals, shl(5, j)), 0x40))
            }
            // Padding leaves are zero words.
            for { let j := k } lt(j, width) { j := add(j, 1) } { mstore(add(buf, shl(5, j)), 0) }
            // In place, level by level: node i of the next level is keccak of words 2i and 2i+1.
            for { let n := width } gt(n, 1) { n := shr(1, n) } {
                for { let i := 0 } lt(i, shr(1, n)) { i := add(i, 1) } {
                    mstore(add(buf, shl(5, i)), keccak256(add(buf, shl(6, i)), 0x40))
                }
            }
            r := mload(buf)
        }
    }

    /// @notice The root implied by segment `index` = (start, end) of a k-segment list.
    function rootOf(uint256 k, uint256 index, bytes32 start, bytes32 end, bytes32[] calldata siblings)
        internal
        pure
        returns (bytes32 node)
    {
        uint256 depth = depthFor(k);
        if (siblings.length != depth) revert SegmentTreeBadProofLength(depth, siblings.length);
        node = _hash(start, end);
        for (uint256 h; h < depth; ++h) {
            node = (index >> h) & 1 == 0 ? _hash(node, siblings[h]) : _hash(siblings[h], node);
        }
    }

    function _hash(bytes32 a, bytes32 b) private pure returns (bytes32 h) {
        assembly ("memory-safe") {
            // The two scratch words at 0x00-0x3f.
            mstore(0x00, a)
            mstore(0x20, b)
            h := keccak256(0x00, 0x40)
        }
    }
}
