// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {LibDescriptor} from "../lib/LibDescriptor.sol";
import {IOneStepVerifier, StepInput} from "./IOneStepVerifier.sol";

/// @title OneStepRouter
/// @notice The game's one verifier: it reads the descriptor's semantics version (byte 1) and opcode
///         (byte 0) and hands the call, unchanged, to the verifier of the opcode's family.
///         | opcodes          | family                                                       |
///         | ---------------- | ------------------------------------------------------------ |
///         | 1-2              | quant: QuantizeLinear, DequantizeLinear                      |
///         | 3-8, 22          | accumulate: QLinearConv, QLinearMatMul, QGemm, MaxPool,      |
///         |                  | MatMulInteger, ConvInteger, ArgMax                           |
///         | 9-14             | elementwise: Add, Sub, Mul, Relu, Clip, Cast                 |
///         | 15-21            | layout: Reshape, Flatten, Squeeze, Unsqueeze, Transpose,     |
///         |                  | Concat, Gather                                               |
/// @dev The call data is forwarded verbatim with STATICCALL (the family verifiers implement the
///      same interface), so nothing is re-encoded; the callee's return data or revert is passed on.
contract OneStepRouter is IOneStepVerifier {
    uint8 public constant SEMANTICS_VERSION = 1;

    IOneStepVerifier public immutable quant;
    IOneStepVerifier public immutable elementwise;
    IOneStepVerifier public immutable layout;
    IOneStepVerifier public immutable accumulate;

    /// @notice The descriptor's semantics version is not one this router implements.
    error RouterUnsupportedSemantics(uint8 version);
    /// @notice The opcode is not in the operator table of semantics version 1.
    error RouterUnsupportedOpcode(uint8 opcode);
    /// @notice A descriptor is exactly 288 bytes.
    error RouterDescriptorLength(uint256 length);
    /// @notice A family verifier address without code.
    error RouterNoCode(address verifier);

    constructor(IOneStepVerifier quant_, IOneStepVerifier elementwise_, IOneStepVerifier layout_, IOneStepVerifier accumulate_) {
        // INVARIANT: every family is a contract, so a call can never succeed with empty return data.
        if (address(quant_).code.length == 0) revert RouterNoCode(address(quant_));
        if (address(elementwise_).code.length == 0) revert RouterNoCode(address(elementwise_));
        if (address(layout_).code.length == 0) revert RouterNoCode(address(layout_));
        if (address(accumulate_).code.length == 0) revert RouterNoCode(address(accumulate_));
        quant = quant_;
        elementwise = elementwise_;
        layout = layout_;
        accumulate = accumulate_;
    }

    /// @inheritdoc IOneStepVerifier
    function accumulationLength(bytes calldata descriptor, bytes32[] calldata) external view returns (uint256) {
        _forward(familyOf(descriptor));
    }

    /// @inheritdoc IOneStepVerifier
    function step(StepInput calldata input, bytes calldata) external view returns (bytes32) {
        _forward(familyOf(input.descriptor));
    }

    /// @notice The family verifier of a descriptor; reverts for an unsupported version or opcode.
    function familyOf(bytes calldata descriptor) public view returns (IOneStepVerifier) {
        if (descriptor.length != LibDescriptor.BYTES) revert RouterDescriptorLength(descriptor.length);
        uint8 version = LibDescriptor.semanticsVersion(descriptor);
        if (version != SEMANTICS_VERSION) revert RouterUnsupportedSemantics(version);
        uint8 op = LibDescriptor.opcode(descriptor);
        if (op == 1 || op == 2) return quant;
        if ((op >= 3 && op <= 8) || op == 22) return accumulate;
        if (op >= 9 && op <= 14) return elementwise;
        if (op >= 15 && op <= 21) return layout;
        revert RouterUnsupportedOpcode(op);
    }

    /// @dev STATICCALL `target` with this call's data and return or revert with its return data.
    ///      Never returns to the caller's Solidity code.
    function _forward(IOneStepVerifier target) private view {
        assembly {
            // Scratch from the free memory pointer: this frame ends below, so nothing reads it.
            let ptr := mload(0x40)
            calldatacopy(ptr, 0, calldatasize())
            let ok := staticcall(gas(), target, ptr, calldatasize(), 0, 0)
            returndatacopy(ptr, 0, returndatasize())
            if iszero(ok) { revert(ptr, returndatasize()) }
            return(ptr, returndatasize())
        }
    }
}
