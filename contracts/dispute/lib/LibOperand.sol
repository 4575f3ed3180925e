// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {Tags} from "../../libraries/Tags.sol";
import {TensorType} from "../../libraries/TensorType.sol";
import {LibWordTree} from "./LibWordTree.sol";

/// @notice An opening of one element of one value under a state root (docs/SPEC.md section 10):
///         the slot's commitment and its path in the value table, the tensor's Merkle root, and
///         the 64-byte leaf pair holding the element with the pair node's path in the tensor tree.
struct OperandProof {
    bytes32 slotCommitment;
    bytes32[] slotSiblings;
    bytes32 tensorRoot;
    bytes32 left;
    bytes32 right;
    bytes32[] pairSiblings;
}

/// @title LibOperand
/// @notice Reads Merkle-proven operands for the one-step verifiers. The verifier derives which
///         slot and element it needs; the proof only supplies values and paths.
library LibOperand {
    error OperandProofInvalid(uint256 slot, uint256 element, bytes32 what);

    /// @notice The element's raw little-endian bits as an unsigned word, after checking the whole
    ///         path: stateRoot -> slot commitment -> (typeWord, tensorRoot) -> leaf pair.
    function open(
        OperandProof calldata p,
        bytes32 stateRoot,
        uint256 slotCount,
        uint256 slot,
        TensorType t,
        uint256 element
    ) internal view returns (uint256 raw) {
        if (LibWordTree.rootOf(Tags.VALUE_TABLE_NODE, p.slotCommitment, slot, p.slotSiblings, LibWordTree.depthFor(slotCount)) != stateRoot) {
            revert OperandProofInvalid(slot, element, "slot");
        }
        if (LibWordTree.hashNode(Tags.TENSOR, TensorType.unwrap(t), p.tensorRoot) != p.slotCommitment) {
            revert OperandProofInvalid(slot, element, "tensor");
        }
        uint256 size = sizeOf(t.dtype());
        uint256 byteIndex = element * size;
        if (byteIndex + size > t.byteLength()) revert OperandProofInvalid(slot, element, "range");
        uint256 pairIndex = byteIndex >> 6;
        bytes32 node = LibWordTree.hashNode(Tags.TENSOR_LEAF, p.left, p.right);
        uint256 depth = LibWordTree.tensorDepth(t.byteLength());
        if (p.pairSiblings.length != depth - 1) revert OperandProofInvalid(slot, element, "depth");
        for (uint256 h; h + 1 < depth; ++h) {
            node = (pairIndex >> h) & 1 == 0
                ? LibWordTree.hashNode(Tags.TENSOR_NODE, node, p.pairSiblings[h])
                : LibWordTree.hashNode(Tags.TENSOR_NODE, p.pairSiblings[h], node);
        }
        if (node != p.tensorRoot) revert OperandProofInvalid(slot, element, "pair");
        uint256 offset = byteIndex & 63;
        bytes32 word = offset < 32 ? p.left : p.right;
        uint256 o = offset & 31;
        // Little-endian element at byte o of the word (big-endian in the EVM): byte o is the lowest.
        for (uint256 i = size; i > 0; --i) {
            raw = (raw << 8) | uint8(word[o + i - 1]);
        }
    }

    /// @notice The element as a signed or unsigned integer value (int256), by the type's dtype.
    function openInt(
        OperandProof calldata p,
        bytes32 stateRoot,
        uint256 slotCount,
        uint256 slot,
        TensorType t,
        uint256 element
    ) internal view returns (int256) {
        return toInt(open(p, stateRoot, slotCount, slot, t, element), t.dtype());
    }

    /// @notice Raw little-endian bits of a dtype as an int256 (sign-extended for signed types).
    function toInt(uint256 raw, uint8 dtype) internal pure returns (int256 v) {
        uint256 bits = 8 * sizeOf(dtype);
        bool signed = dtype == 3 || dtype == 5 || dtype == 6 || dtype == 7;
        // Cannot overflow: raw < 2^bits <= 2^64.
        v = int256(raw);
        if (signed && (raw >> (bits - 1)) & 1 == 1) v -= int256(uint256(1) << bits);
    }

    function sizeOf(uint8 dtype) internal pure returns (uint256) {
        if (dtype == 2 || dtype == 3 || dtype == 9) return 1;
        if (dtype == 4 || dtype == 5 || dtype == 10) return 2;
        if (dtype == 1 || dtype == 6 || dtype == 12) return 4;
        return 8;
    }
}
