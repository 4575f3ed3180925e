// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {LibTensorType} from "../../libraries/TensorType.sol";
import {LibDescriptor} from "../lib/LibDescriptor.sol";
import {IOneStepVerifier, StepInput} from "./IOneStepVerifier.sol";
import {IStepSupport} from "./IStepSupport.sol";

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
contract OneStepRouter is IOneStepVerifier, IStepSupport {
    uint8 public constant SEMANTICS_VERSION = 1;
    /// @notice Profile limits (offchain/engine/profile/limits.ts): inputs of one node, tensor tree
    ///         depth (32-byte leaves), and the accumulation length (K + 2 fits the game's u32 index).
    uint256 public constant MAX_NODE_INPUTS = 16;
    uint256 public constant MAX_TREE_DEPTH = 32;
    uint256 public constant MAX_ACCUMULATION_LENGTH = type(uint32).max - 2;
    /// @notice Gas given to the family's accumulationLength when answering `judges`.
    uint256 public constant SUPPORT_GAS = 300_000;

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
    /// @notice `judges` was called with too little gas to answer independently of the caller.
    error RouterSupportGas(uint256 left);
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

    /// @inheritdoc IStepSupport
    function judges(bytes calldata descriptor, bytes32[] calldata inputTypes)
        external
        view
        returns (bool, bytes32, uint256)
    {
        if (descriptor.length != LibDescriptor.BYTES) return (false, "descriptor length", 0);
        if (LibDescriptor.semanticsVersion(descriptor) != SEMANTICS_VERSION) return (false, "semantics version", 0);
        IOneStepVerifier family = _familyOrZero(LibDescriptor.opcode(descriptor));
        if (address(family) == address(0)) return (false, "opcode", 0);
        uint256 count = LibDescriptor.inputCount(descriptor);
        if (count > MAX_NODE_INPUTS || inputTypes.length != count) return (false, "input count", 0);
        for (uint256 i; i < count; ++i) {
            // A zero word is an omitted optional input.
            if (inputTypes[i] != 0 && !_withinProfile(inputTypes[i])) return (false, "input type", 0);
        }
        if (!_withinProfile(bytes32(descriptor[96:128]))) return (false, "output type", 0);
        // INVARIANT: the family accepts the descriptor (flags, attributes, geometry) and names K.
        // INVARIANT: the answer never depends on the gas the caller chose: the family gets a fixed
        //            budget (its accumulationLength is pure and costs a few thousand gas).
        if (gasleft() < SUPPORT_GAS + SUPPORT_GAS / 32) revert RouterSupportGas(gasleft());
        (bool ok, bytes memory ret) =
            address(family).staticcall{gas: SUPPORT_GAS}(abi.encodeCall(IOneStepVerifier.accumulationLength, (descriptor, inputTypes)));
        if (!ok || ret.length != 32) return (false, "refused by its family", 0);
        uint256 k = abi.decode(ret, (uint256));
        if (k > MAX_ACCUMULATION_LENGTH) return (false, "accumulation length", 0);
        return (true, "", k);
    }

    /// @notice The family verifier of a descriptor; reverts for an unsupported version or opcode.
    function familyOf(bytes calldata descriptor) public view returns (IOneStepVerifier) {
        if (descriptor.length != LibDescriptor.BYTES) revert RouterDescriptorLength(descriptor.length);
        uint8 version = LibDescriptor.semanticsVersion(descriptor);
        if (version != SEMANTICS_VERSION) revert RouterUnsupportedSemantics(version);
        uint8 op = LibDescriptor.opcode(descriptor);
        IOneStepVerifier family = _familyOrZero(op);
        if (address(family) == address(0)) revert RouterUnsupportedOpcode(op);
        return family;
    }

    function _familyOrZero(uint8 op) private view returns (IOneStepVerifier) {
        if (op == 1 || op == 2) return quant;
        if ((op >= 3 && op <= 8) || op == 22) return accumulate;
        if (op >= 9 && op <= 14) return elementwise;
        if (op >= 15 && op <= 21) return layout;
        return IOneStepVerifier(address(0));
    }

    /// @dev A canonical type word of a profile element type (float32, uint8, int8, int32, int64)
    ///      whose tensor tree is at most MAX_TREE_DEPTH deep.
    function _withinProfile(bytes32 word) private pure returns (bool) {
        // The type word's layout (TensorType.sol): dtype byte 0, rank byte 1, 8 dims of 3 bytes.
        uint256 w = uint256(word);
        uint256 dt = w >> 248;
        uint256 n;
        if (dt == 2 || dt == 3) n = 1;
        else if (dt == 1 || dt == 6) n = 4;
        else if (dt == 7) n = 8;
        else return false;
        uint256 r = (w >> 240) & 0xff;
        if (r > LibTensorType.MAX_RANK) return false;
        // Canonical: the (8 - r) unused dims and the 6 trailing bytes are zero.
        if (w & ((uint256(1) << (24 * (LibTensorType.MAX_RANK - r) + 48)) - 1) != 0) return false;
        // Byte length; cannot overflow: at most 8 x (2^24)^8 < 2^256.
        for (uint256 i; i < r; ++i) {
            n *= (w >> (216 - 24 * i)) & 0xffffff;
        }
        return n <= (uint256(32) << MAX_TREE_DEPTH);
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
