// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {Tags} from "./Tags.sol";
import {TensorType} from "./TensorType.sol";

/// @title TensorCommitment
/// @notice Computes tensor commitments from tensor bytes (docs/SPEC.md, "Tensor commitment"):
///         leaves are the 32-byte chunks of the little-endian element bytes, the last zero-padded;
///         the leaf count is padded with zero leaves to a power of two, at least 2; a node over two
///         leaves is sha256(0x00 ‖ left ‖ right), a node over two nodes sha256(0x01 ‖ left ‖ right);
///         commitment = sha256(0x02 ‖ typeWord ‖ root).
///         offchain/engine/commit/tensor-commitment.ts is the twin; both check docs/vectors/.
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
        // Nodes of the lowest level: one per pair of leaves, at least one.
        uint256 count = len <= 64 ? 1 : (len + 63) >> 6;
        bool ok = true;
        assembly ("memory-safe") {
            // Layout: [scratch: 65 bytes, rounded to 96][level buffer: count words].
            let scratch := mload(0x40)
            let buf := add(scratch, 0x60)
            // One spare word: an odd level pads with a zero subtree at buf[count].
            mstore(0x40, add(buf, shl(5, add(count, 1))))

            // Lowest level: buf[i] = sha256(0x00 ‖ chunk_2i ‖ chunk_2i+1). Whole 64-byte pairs are
            // copied straight from calldata; the last, partial pair (if any) is zero-padded.
            mstore8(scratch, 0x00)
            let full := shr(6, len)
            let out := buf
            for {
                let p := data.offset
                let end := add(data.offset, shl(6, full))
            } lt(p, end) {
                p := add(p, 64)
                out := add(out, 32)
            } {
                calldatacopy(add(scratch, 1), p, 64)
                ok := and(ok, staticcall(gas(), 0x02, scratch, 65, out, 32))
            }
            if lt(full, count) {
                mstore(add(scratch, 1), 0)
                mstore(add(scratch, 33), 0)
                calldatacopy(add(scratch, 1), add(data.offset, shl(6, full)), sub(len, shl(6, full)))
                ok := and(ok, staticcall(gas(), 0x02, scratch, 65, out, 32))
            }

            // Upper levels, paired in place; an odd last node pairs with the zero subtree of its
            // height, computed only when needed (zeroHeight tracks which height `zero` is for).
            let zero := 0
            let zeroHeight := 0
            for { let height := 1 } gt(count, 1) { height := add(height, 1) } {
                let next := shr(1, add(count, 1))
                if and(count, 1) {
                    if iszero(zeroHeight) {
                        mstore8(scratch, 0x00)
                        mstore(add(scratch, 1), 0)
                        mstore(add(scratch, 33), 0)
                        ok := and(ok, staticcall(gas(), 0x02, scratch, 65, scratch, 32))
                        zero := mload(scratch)
                        zeroHeight := 1
                    }
                    for {} lt(zeroHeight, height) { zeroHeight := add(zeroHeight, 1) } {
                        mstore8(scratch, 0x01)
                        mstore(add(scratch, 1), zero)
                        mstore(add(scratch, 33), zero)
                        ok := and(ok, staticcall(gas(), 0x02, scratch, 65, scratch, 32))
                        zero := mload(scratch)
                    }
                    mstore(add(buf, shl(5, count)), zero)
                }
                mstore8(scratch, 0x01)
                for { let i := 0 } lt(i, next) { i := add(i, 1) } {
                    mcopy(add(scratch, 1), add(buf, shl(6, i)), 64)
                    ok := and(ok, staticcall(gas(), 0x02, scratch, 65, add(buf, shl(5, i)), 32))
                }
                count := next
            }
            result := mload(buf)
        }
        if (!ok) revert TensorCommitmentHashFailed();
    }
}
