// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

/// @title LibWordTree
/// @notice Merkle paths in the protocol's trees (docs/SPEC.md sections 3, 7, 8). Word trees (the
///         value table, the node tree) have 32-byte commitments as leaves and H(tag ‖ l ‖ r) nodes;
///         tensor trees have raw 32-byte chunks as leaves, H(0x00 ‖ l ‖ r) over leaves and
///         H(0x01 ‖ l ‖ r) above. Every tree is at least depth 1.
library LibWordTree {
    /// @notice A proof has the wrong number of siblings for its tree.
    error WordTreeBadProofLength(uint256 expected, uint256 actual);

    /// @notice Depth of a word tree over `n` leaves: ceil(log2 n), at least 1.
    function depthFor(uint256 n) internal pure returns (uint256 depth) {
        depth = 1;
        // Bounded: n < 2^256, so at most 256 iterations; callers pass counts < 2^32.
        while ((uint256(1) << depth) < n) ++depth;
    }

    /// @notice Depth of a tensor tree over `byteLength` bytes: ceil(log2 ceil(len / 32)), at least 1.
    function tensorDepth(uint256 byteLength) internal pure returns (uint256) {
        return depthFor((byteLength + 31) >> 5);
    }

    /// @notice sha256(tag ‖ left ‖ right): one tree node, hashed in scratch memory (no allocation).
    function hashNode(bytes1 tag, bytes32 left, bytes32 right) internal view returns (bytes32 h) {
        assembly ("memory-safe") {
            // 65 bytes past the free memory pointer, never allocated: temporary by design.
            let p := mload(0x40)
            mstore8(p, shr(248, tag))
            mstore(add(p, 1), left)
            mstore(add(p, 33), right)
            // The SHA-256 precompile (0x02) only fails when out of gas; fail the same way.
            if iszero(staticcall(gas(), 0x02, p, 65, 0x00, 0x20)) { revert(0, 0) }
            h := mload(0x00)
        }
    }

    /// @notice The root implied by `leaf` at `index` and its siblings, in a word tree tagged `tag`.
    function rootOf(bytes1 tag, bytes32 leaf, uint256 index, bytes32[] calldata siblings, uint256 depth)
        internal
        view
        returns (bytes32 node)
    {
        if (siblings.length != depth) revert WordTreeBadProofLength(depth, siblings.length);
        node = leaf;
        for (uint256 h; h < depth; ++h) {
            node = (index >> h) & 1 == 0 ? hashNode(tag, node, siblings[h]) : hashNode(tag, siblings[h], node);
        }
    }
}
