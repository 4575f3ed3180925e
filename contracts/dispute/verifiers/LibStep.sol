// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {TensorType} from "../../libraries/TensorType.sol";
import {LibDescriptor} from "../lib/LibDescriptor.sol";
import {LibOperand, OperandProof} from "../lib/LibOperand.sol";
import {StepInput} from "./IOneStepVerifier.sol";

/// @title LibStep
/// @notice What the one-step verifiers of the non-accumulating families share: reading the proof
///         list, opening input `i` of the node at a derived element, shape arithmetic on type
///         words, and the integer wrap of an element type. offchain/game/step-proofs.ts is the twin
///         that builds the proof lists (docs/SPEC.md section 10.1 fixes their order).
library LibStep {
    /*//////////////////////////////////////////////////////////////
                              CUSTOM ERRORS
    //////////////////////////////////////////////////////////////*/

    /// @notice The family verifier does not implement this opcode.
    error StepUnsupportedOpcode(uint8 opcode);
    /// @notice The proof list has `actual` openings where the opcode needs `expected`.
    error StepProofCount(uint256 expected, uint256 actual);
    /// @notice The proof bytes are not an ABI-encoded OperandProof[].
    error StepProofMalformed();
    /// @notice Input `input` is omitted, beyond the type list, or names a slot outside the table.
    error StepInputMissing(uint256 input);
    /// @notice The disputed element is not an element of the output.
    error StepElementOutOfRange(uint256 element, uint256 count);
    /// @notice Input `input`'s type (or the output's, input = type(uint256).max) does not fit the
    ///         descriptor: element type, rank or dimensions.
    error StepTypeMismatch(uint256 input, bytes32 what);
    /// @notice An attribute of the descriptor is outside what the operator allows.
    error StepAttributeInvalid(bytes32 what, uint256 value);

    uint256 internal constant OUTPUT = type(uint256).max;

    uint8 internal constant FLOAT = 1;
    uint8 internal constant UINT8 = 2;
    uint8 internal constant INT8 = 3;
    uint8 internal constant UINT16 = 4;
    uint8 internal constant INT16 = 5;
    uint8 internal constant INT32 = 6;
    uint8 internal constant INT64 = 7;
    uint8 internal constant UINT32 = 12;
    uint8 internal constant UINT64 = 13;

    /*//////////////////////////////////////////////////////////////
                                 PROOFS
    //////////////////////////////////////////////////////////////*/

    /// @notice The OperandProof[] that `abi.encode(OperandProof[])` wrote into `proof`, as a calldata
    ///         array (no copy to memory), after checking it holds exactly `expected` openings.
    function proofs(bytes calldata proof, uint256 expected) internal pure returns (OperandProof[] calldata ps) {
        // INVARIANT: the head word (the array's offset) and the length word lie inside `proof`, and
        //            the element offsets too; members are read by Solidity's checked calldata access.
        if (proof.length < 64) revert StepProofMalformed();
        uint256 at = uint256(bytes32(proof[0:32]));
        if (at > proof.length - 32) revert StepProofMalformed();
        uint256 n = uint256(bytes32(proof[at:at + 32]));
        if (n != expected) revert StepProofCount(expected, n);
        if (n * 32 > proof.length - at - 32) revert StepProofMalformed();
        assembly {
            // The array's length word sits at proof + at; its element offsets follow it.
            ps.offset := add(add(proof.offset, at), 32)
            ps.length := n
        }
    }

    /*//////////////////////////////////////////////////////////////
                                OPERANDS
    //////////////////////////////////////////////////////////////*/

    /// @notice The type word of input `i` (checked against the descriptor by the game).
    function inputType(StepInput calldata input, uint256 i) internal pure returns (TensorType) {
        if (i >= input.inputTypes.length) revert StepInputMissing(i);
        return TensorType.wrap(input.inputTypes[i]);
    }

    /// @notice The raw little-endian bits of element `element` of input `i`, proven under the
    ///         state root: the slot comes from the descriptor, the type from the input type list.
    function openRaw(StepInput calldata input, OperandProof calldata p, uint256 i, uint256 element)
        internal
        view
        returns (uint256)
    {
        uint256 slot = LibDescriptor.inputSlot(input.descriptor, i);
        // INVARIANT: a slot past the table would alias a real leaf (index bits above the depth are
        //            ignored by the path check), so only slots of the model are opened.
        if (slot >= input.slotCount) revert StepInputMissing(i);
        return LibOperand.open(p, input.stateRoot, input.slotCount, slot, inputType(input, i), element);
    }

    /// @notice Element `element` of input `i` as an integer (sign-extended for signed types; the
    ///         raw bits for unsigned and float types): the game's encoding of an element as a word.
    function openInt(StepInput calldata input, OperandProof calldata p, uint256 i, uint256 element)
        internal
        view
        returns (int256)
    {
        return LibOperand.toInt(openRaw(input, p, i, element), inputType(input, i).dtype());
    }

    /*//////////////////////////////////////////////////////////////
                                 SHAPES
    //////////////////////////////////////////////////////////////*/

    /// @notice Element count of a type. Cannot overflow: at most (2^24)^8 = 2^192.
    function numel(TensorType t) internal pure returns (uint256 n) {
        n = 1;
        uint256 r = t.rank();
        for (uint256 i; i < r; ++i) {
            n *= t.dim(i);
        }
    }

    /// @notice Product of dims [from, to) of a type (1 when empty).
    function span(TensorType t, uint256 from, uint256 to) internal pure returns (uint256 n) {
        n = 1;
        for (uint256 i = from; i < to; ++i) {
            n *= t.dim(i);
        }
    }

    /// @notice Reverts unless `element` is an element of the output type; returns the output type.
    function checkedOutput(StepInput calldata input) internal pure returns (TensorType out) {
        out = LibDescriptor.outputType(input.descriptor);
        uint256 count = numel(out);
        if (input.element >= count) revert StepElementOutOfRange(input.element, count);
    }

    /// @notice Same rank and dims (the element types may differ): bytes 1..31 of the words agree.
    function sameShape(TensorType a, TensorType b) internal pure returns (bool) {
        return (uint256(TensorType.unwrap(a)) ^ uint256(TensorType.unwrap(b))) << 8 == 0;
    }

    /// @notice Same element type, rank and dims except dim `axis` (< 8): the words agree outside
    ///         that dim's 3 bytes.
    function sameExceptDim(TensorType a, TensorType b, uint256 axis) internal pure returns (bool) {
        uint256 dimBits = uint256(0xffffff) << (216 - 24 * axis);
        return (uint256(TensorType.unwrap(a)) ^ uint256(TensorType.unwrap(b))) & ~dimBits == 0;
    }

    function requireDType(TensorType t, uint8 dtype, uint256 which) internal pure {
        if (t.dtype() != dtype) revert StepTypeMismatch(which, "dtype");
    }

    /*//////////////////////////////////////////////////////////////
                                 VALUES
    //////////////////////////////////////////////////////////////*/

    function isInteger(uint8 dtype) internal pure returns (bool) {
        return dtype == UINT8 || dtype == INT8 || dtype == UINT16 || dtype == INT16 || dtype == INT32
            || dtype == INT64 || dtype == UINT32 || dtype == UINT64;
    }

    /// @notice v modulo 2^bits of an integer type, as that type's value (two's complement for the
    ///         signed ones): what a typed-array store does in the reference operators.
    function wrap(int256 v, uint8 dtype) internal pure returns (int256) {
        uint256 bits = 8 * LibOperand.sizeOf(dtype);
        // Reinterpreting the two's complement bits, then keeping the low `bits`: the wrap.
        return LibOperand.toInt(uint256(v) & ((uint256(1) << bits) - 1), dtype);
    }

    /// @notice The word of an integer value: int256 two's complement.
    function word(int256 v) internal pure returns (bytes32) {
        return bytes32(uint256(v));
    }
}
