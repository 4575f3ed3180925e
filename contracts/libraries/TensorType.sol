// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

/// @notice A tensor's element type and static shape in one word (docs/SPEC.md, "Tensor type word").
/// | bytes  | field                                               |
/// | ------ | --------------------------------------------------- |
/// | 0      | dtype (ONNX TensorProto.DataType code)              |
/// | 1      | rank r, 0..8                                        |
/// | 2..25  | 8 dims of 3 bytes, big-endian; dims >= r are zero   |
/// | 26..31 | zero                                                |
type TensorType is bytes32;

using LibTensorType for TensorType global;

/// @title LibTensorType
/// @notice Reads and validates tensor type words. offchain/engine/commit/tensor-type.ts is the twin.
library LibTensorType {
    uint256 internal constant MAX_RANK = 8;

    /// @notice The word is not canonical: unknown dtype, rank over 8, or non-zero unused bytes.
    error TensorTypeInvalid(TensorType tensorType);

    function dtype(TensorType t) internal pure returns (uint8) {
        return uint8(uint256(TensorType.unwrap(t)) >> 248);
    }

    function rank(TensorType t) internal pure returns (uint256) {
        return uint8(uint256(TensorType.unwrap(t)) >> 240);
    }

    /// @notice Dimension `i` (0-based; 0 for i >= rank).
    function dim(TensorType t, uint256 i) internal pure returns (uint256) {
        // INVARIANT: i < 8 keeps the shift within the dims field.
        if (i >= MAX_RANK) return 0;
        return (uint256(TensorType.unwrap(t)) >> (216 - 24 * i)) & 0xffffff;
    }

    /// @notice Bytes per element of an ONNX element type; 0 for a type the protocol does not know.
    function elementSize(uint8 code) internal pure returns (uint256) {
        // FLOAT=1 UINT8=2 INT8=3 UINT16=4 INT16=5 INT32=6 INT64=7 BOOL=9 FLOAT16=10 DOUBLE=11 UINT32=12 UINT64=13
        if (code == 2 || code == 3 || code == 9) return 1;
        if (code == 4 || code == 5 || code == 10) return 2;
        if (code == 1 || code == 6 || code == 12) return 4;
        if (code == 7 || code == 11 || code == 13) return 8;
        return 0;
    }

    /// @notice Reverts unless the word is canonical.
    function validate(TensorType t) internal pure {
        uint256 w = uint256(TensorType.unwrap(t));
        uint256 r = rank(t);
        // INVARIANT: one tensor type has exactly one word, so one tensor has exactly one commitment.
        if (elementSize(dtype(t)) == 0 || r > MAX_RANK) revert TensorTypeInvalid(t);
        // Bits below the last used dim: (8 - r) unused dims and 6 trailing bytes must be zero.
        uint256 unusedBits = 24 * (MAX_RANK - r) + 48;
        if (w & ((1 << unusedBits) - 1) != 0) revert TensorTypeInvalid(t);
    }

    /// @notice Element count times element size. Cannot overflow: at most (2^24)^8 * 8 < 2^256.
    function byteLength(TensorType t) internal pure returns (uint256 n) {
        n = elementSize(dtype(t));
        uint256 r = rank(t);
        for (uint256 i; i < r; ++i) {
            n *= dim(t, i);
        }
    }
}
