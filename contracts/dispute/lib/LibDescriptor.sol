// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {TensorType} from "../../libraries/TensorType.sol";

/// @title LibDescriptor
/// @notice Reads the fields of a 288-byte node descriptor in calldata (docs/SPEC.md section 8;
///         offchain/engine/commit/descriptor.ts writes them). Word w starts at byte 32*w.
library LibDescriptor {
    uint256 internal constant BYTES = 288;
    uint256 internal constant ABSENT_SLOT = 0xffffffff;

    /// @notice Quantization-word fields (word 8), in their order.
    uint256 internal constant X_SCALE = 0;
    uint256 internal constant X_ZP = 1;
    uint256 internal constant W_SCALE = 2;
    uint256 internal constant W_ZP = 3;
    uint256 internal constant Y_SCALE = 4;
    uint256 internal constant Y_ZP = 5;
    uint256 internal constant FLAGS = 6;

    /// @notice Flags in the quantization word.
    uint256 internal constant W_SCALE_TENSOR = 1 << 0;
    uint256 internal constant W_ZP_TENSOR = 1 << 1;
    uint256 internal constant Y_SCALE_PRESENT = 1 << 2;
    uint256 internal constant Y_ZP_PRESENT = 1 << 3;
    uint256 internal constant BIAS_PRESENT = 1 << 4;
    uint256 internal constant SCALE_PER_AXIS = 1 << 5;
    uint256 internal constant ZP_PER_AXIS = 1 << 6;
    uint256 internal constant X_ZP_TENSOR = 1 << 7;

    error DescriptorMalformed(bytes32 what);

    function opcode(bytes calldata d) internal pure returns (uint8) {
        return uint8(d[0]);
    }

    function semanticsVersion(bytes calldata d) internal pure returns (uint8) {
        return uint8(d[1]);
    }

    function inputCount(bytes calldata d) internal pure returns (uint256) {
        return uint8(d[2]);
    }

    function nodeIndex(bytes calldata d) internal pure returns (uint256) {
        return uint32(bytes4(d[4:8]));
    }

    function outputSlot(bytes calldata d) internal pure returns (uint256) {
        return uint32(bytes4(d[8:12]));
    }

    /// @notice Slot of input `i` (ABSENT_SLOT when omitted).
    function inputSlot(bytes calldata d, uint256 i) internal pure returns (uint256) {
        if (i >= 16) return ABSENT_SLOT;
        uint256 at = 32 + 4 * i;
        return uint32(bytes4(d[at:at + 4]));
    }

    function outputType(bytes calldata d) internal pure returns (TensorType) {
        return TensorType.wrap(bytes32(d[96:128]));
    }

    function inputTypesHash(bytes calldata d) internal pure returns (bytes32) {
        return bytes32(d[128:160]);
    }

    /// @notice Attribute word w (5, 6 or 7) as raw bytes32.
    function attributeWord(bytes calldata d, uint256 w) internal pure returns (bytes32) {
        uint256 at = 32 * w;
        return bytes32(d[at:at + 32]);
    }

    /// @notice The u32 at index `i` (0..7) of a word: attributes and the quantization word.
    function u32At(bytes calldata d, uint256 w, uint256 i) internal pure returns (uint256) {
        uint256 at = 32 * w + 4 * i;
        return uint32(bytes4(d[at:at + 4]));
    }

    /// @notice Byte `i` of word `w`.
    function u8At(bytes calldata d, uint256 w, uint256 i) internal pure returns (uint256) {
        return uint8(d[32 * w + i]);
    }

    /// @notice Quantization field `f` (X_SCALE .. FLAGS) as a u32 (a float32 bit pattern, or an
    ///         int32 zero point's two's complement bits).
    function quant(bytes calldata d, uint256 f) internal pure returns (uint256) {
        return u32At(d, 8, f);
    }

    /// @notice A zero point from the quantization word, sign-extended from int32.
    function quantZp(bytes calldata d, uint256 f) internal pure returns (int256) {
        return int256(int32(uint32(u32At(d, 8, f))));
    }

    function hasFlag(bytes calldata d, uint256 flag) internal pure returns (bool) {
        return quant(d, FLAGS) & flag != 0;
    }
}
