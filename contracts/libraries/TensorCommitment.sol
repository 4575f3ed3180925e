// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {Tags} from "./Tags.sol";
import {TensorType} from "./TensorType.sol";

/// @title TensorCommitment
/// @notice Computes tensor commitments from tensor bytes (docs/SPEC.md, "Tensor commitment"):
///         32-byte leaves of the little-endian element bytes, the last zero-padded; the leaf count
///         padded with zero leaves to a power of two (at least one leaf);
///         leaf = sha256(0x00 ‖ chunk), node = sha256(0x01 ‖ left ‖ right),
///         commitment = sha256(0x02 ‖ typeWord ‖ root).
///         offchain/engine/commit/tensor-commitment.ts is the twin; both check test/vectors/.
library TensorCommitment {
    /// @notice The bytes do not have the length the tensor type implies.
    error TensorCommitmentLengthMismatch(uint256 expected, uint256 actual);
    /// @notice The SHA-256 precompile call failed (out of gas).
    error TensorCommitmentHashFailed();

    /// @notice The commitment of a tensor of type `t` whose elements are `data`.
    function commit(TensorType t, bytes calldata data) internal view returns (bytes32) {
        uint256 expected = t.byteLength();
        if (data.length != expected) revert TensorCommitmentLengthMismatch(expected, data.length);
        return sha256(abi.encodePacked(Tags.TENSOR, TensorType.unwrap(t), root(data)));
    }

    /// @notice The commitment of an ordered list of tensor commitments (a job's inputs, a
    ///         result's outputs): sha256(0x03 ‖ uint32 count ‖ c_0 ‖ ... ‖ c_{k-1}).
    function commitList(bytes32[] memory commitments) internal pure returns (bytes32) {
        return sha256(abi.encodePacked(Tags.TENSOR_LIST, uint32(commitments.length), commitments));
    }

    /// @notice Merkle root of the padded 32-byte leaf tree over `data`.
    function root(bytes calldata data) internal view returns (bytes32 result) {
        uint256 len = data.length;
        uint256 count = len == 0 ? 1 : (len + 31) >> 5;
        bool ok = true;
        assembly ("memory-safe") {
            // Layout: [scratch: 65 bytes, rounded to 96][level buffer: count words].
            let scratch := mload(0x40)
            let buf := add(scratch, 0x60)
            mstore(0x40, add(buf, shl(5, count)))

            // Leaves: buf[i] = sha256(0x00 ‖ chunk_i). The chunk is zeroed first so the last
            // (partial) one is zero-padded.
            for { let i := 0 } lt(i, count) { i := add(i, 1) } {
                let off := shl(5, i)
                mstore8(scratch, 0x00)
                mstore(add(scratch, 1), 0)
                let n := sub(len, off)
                if gt(n, 32) { n := 32 }
                if lt(off, len) { calldatacopy(add(scratch, 1), add(data.offset, off), n) }
                ok := and(ok, staticcall(gas(), 0x02, scratch, 33, add(buf, off), 32))
            }

            // zero: the root of an all-zero subtree of the current level's height.
            mstore8(scratch, 0x00)
            mstore(add(scratch, 1), 0)
            ok := and(ok, staticcall(gas(), 0x02, scratch, 33, scratch, 32))
            let zero := mload(scratch)

            // Levels: pair up in place; an odd last node pairs with the zero subtree.
            for {} gt(count, 1) {} {
                let next := shr(1, add(count, 1))
                for { let i := 0 } lt(i, next) { i := add(i, 1) } {
                    let l := mload(add(buf, shl(6, i)))
                    let r := zero
                    if lt(add(shl(1, i), 1), count) { r := mload(add(buf, add(shl(6, i), 32))) }
                    mstore8(scratch, 0x01)
                    mstore(add(scratch, 1), l)
                    mstore(add(scratch, 33), r)
                    ok := and(ok, staticcall(gas(), 0x02, scratch, 65, add(buf, shl(5, i)), 32))
                }
                // The zero subtree one level up.
                mstore8(scratch, 0x01)
                mstore(add(scratch, 1), zero)
                mstore(add(scratch, 33), zero)
                ok := and(ok, staticcall(gas(), 0x02, scratch, 65, scratch, 32))
                zero := mload(scratch)
                count := next
            }
            result := mload(buf)
        }
        if (!ok) revert TensorCommitmentHashFailed();
    }
}
