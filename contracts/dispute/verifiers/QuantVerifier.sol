// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {TensorType} from "../../libraries/TensorType.sol";
import {LibQuant} from "../../libraries/LibQuant.sol";
import {LibDescriptor} from "../lib/LibDescriptor.sol";
import {OperandProof} from "../lib/LibOperand.sol";
import {IOneStepVerifier, StepInput} from "./IOneStepVerifier.sol";
import {LibStep} from "./LibStep.sol";

/// @title QuantVerifier
/// @notice One-steps of opcodes 1 QuantizeLinear (float32 -> 8/16-bit integer:
///         q = sat(RNE(f32(x / s)) + zp), NaN -> the type minimum) and 2 DequantizeLinear
///         (integer -> float32: y = f32(f32(i32(x - zp)) * s)), per tensor or per axis, exactly as
///         shared/SEMANTICS.md measured them (LibQuant). The reference is
///         offchain/engine/ops/{quantize_linear,dequantize_linear,quant_params}.ts; the proof order
///         is docs/SPEC.md section 10.1.
/// @dev Per-tensor scale and zero point come inline from the descriptor's quantization word
///      (QuantizeLinear: yScale, yZp; DequantizeLinear: xScale, xZp; an omitted zero point is 0).
///      A per-axis one (flag SCALE_PER_AXIS / ZP_PER_AXIS) is opened from input 1 / 2 at the
///      element's channel: (element / inner) % size along the axis of attribute word 5.
contract QuantVerifier is IOneStepVerifier {
    uint8 internal constant QUANTIZE = 1;
    uint8 internal constant DEQUANTIZE = 2;

    /// @inheritdoc IOneStepVerifier
    function accumulationLength(bytes calldata descriptor, bytes32[] calldata) external pure returns (uint256) {
        uint8 op = LibDescriptor.opcode(descriptor);
        if (op != QUANTIZE && op != DEQUANTIZE) revert LibStep.StepUnsupportedOpcode(op);
        return 0;
    }

    /// @inheritdoc IOneStepVerifier
    function step(StepInput calldata input, bytes calldata proof) external view returns (bytes32) {
        uint8 op = LibDescriptor.opcode(input.descriptor);
        if (op != QUANTIZE && op != DEQUANTIZE) revert LibStep.StepUnsupportedOpcode(op);
        TensorType out = LibStep.checkedOutput(input);
        TensorType x = LibStep.inputType(input, 0);
        // INVARIANT: the element index of x is the output's, so the shapes must be the same.
        if (!LibStep.sameShape(x, out)) revert LibStep.StepTypeMismatch(0, "shape");
        uint256 perAxis = (LibDescriptor.hasFlag(input.descriptor, LibDescriptor.SCALE_PER_AXIS) ? 1 : 0)
            + (LibDescriptor.hasFlag(input.descriptor, LibDescriptor.ZP_PER_AXIS) ? 1 : 0);
        OperandProof[] calldata ps = LibStep.proofs(proof, 1 + perAxis);
        (uint32 scale, int256 zp) = _params(input, op, x, out, ps);

        if (op == QUANTIZE) return _quantize(input, x, out, ps[0], scale, zp);
        return _dequantize(input, x, out, ps[0], scale, zp);
    }

    function _quantize(StepInput calldata input, TensorType x, TensorType out, OperandProof calldata p, uint32 scale, int256 zp)
        private
        view
        returns (bytes32)
    {
        LibStep.requireDType(x, LibStep.FLOAT, 0);
        (int256 qmin, int256 qmax) = _range(out.dtype());
        uint32 xv = uint32(LibStep.openRaw(input, p, 0, input.element));
        return LibStep.word(LibQuant.quantize(xv, scale, zp, qmin, qmax));
    }

    function _dequantize(StepInput calldata input, TensorType x, TensorType out, OperandProof calldata p, uint32 scale, int256 zp)
        private
        view
        returns (bytes32)
    {
        LibStep.requireDType(out, LibStep.FLOAT, LibStep.OUTPUT);
        uint8 xt = x.dtype();
        if (xt != LibStep.UINT8 && xt != LibStep.INT8 && xt != LibStep.INT32 && xt != LibStep.UINT16 && xt != LibStep.INT16) {
            revert LibStep.StepTypeMismatch(0, "dtype");
        }
        int256 xi = LibStep.openInt(input, p, 0, input.element);
        // The float32 result's bit pattern, zero-extended: the game's word for a float element.
        return bytes32(uint256(LibQuant.dequantize(xi, zp, scale)));
    }

    /// @dev The element's scale and zero point: inline, or opened at its channel (proofs 1, 2).
    function _params(StepInput calldata input, uint8 op, TensorType x, TensorType out, OperandProof[] calldata ps)
        private
        view
        returns (uint32 scale, int256 zp)
    {
        bool scaleAxis = LibDescriptor.hasFlag(input.descriptor, LibDescriptor.SCALE_PER_AXIS);
        if (scaleAxis) {
            scale = _scalePerAxis(input, x, ps[1]);
        } else {
            scale = uint32(LibDescriptor.quant(input.descriptor, op == QUANTIZE ? LibDescriptor.Y_SCALE : LibDescriptor.X_SCALE));
        }
        if (LibDescriptor.hasFlag(input.descriptor, LibDescriptor.ZP_PER_AXIS)) {
            zp = _zpPerAxis(input, op == QUANTIZE ? out.dtype() : x.dtype(), x, ps[scaleAxis ? 2 : 1]);
        } else {
            zp = LibDescriptor.quantZp(input.descriptor, op == QUANTIZE ? LibDescriptor.Y_ZP : LibDescriptor.X_ZP);
        }
    }

    /// @dev A per-axis float32 scale, opened from input 1 at the element's channel.
    function _scalePerAxis(StepInput calldata input, TensorType x, OperandProof calldata p) private view returns (uint32) {
        _checkParam(LibStep.inputType(input, 1), LibStep.FLOAT, x, input.descriptor, 1);
        return uint32(LibStep.openRaw(input, p, 1, _channel(input.descriptor, x, input.element)));
    }

    /// @dev A per-axis zero point of element type `dtype` (the output's for QuantizeLinear, x's for
    ///      DequantizeLinear), opened from input 2 at the element's channel.
    function _zpPerAxis(StepInput calldata input, uint8 dtype, TensorType x, OperandProof calldata p)
        private
        view
        returns (int256)
    {
        _checkParam(LibStep.inputType(input, 2), dtype, x, input.descriptor, 2);
        return LibStep.openInt(input, p, 2, _channel(input.descriptor, x, input.element));
    }

    /// @dev The index along the quantization axis of x's element `element`.
    function _channel(bytes calldata d, TensorType x, uint256 element) private pure returns (uint256) {
        uint256 axis = LibDescriptor.u32At(d, 5, 0);
        uint256 r = x.rank();
        if (axis >= r) revert LibStep.StepAttributeInvalid("axis", axis);
        return (element / LibStep.span(x, axis + 1, r)) % x.dim(axis);
    }

    /// @dev A per-axis parameter: of element type `dtype`, one per index along the axis.
    function _checkParam(TensorType p, uint8 dtype, TensorType x, bytes calldata d, uint256 which) private pure {
        LibStep.requireDType(p, dtype, which);
        if (LibStep.numel(p) != x.dim(LibDescriptor.u32At(d, 5, 0))) revert LibStep.StepTypeMismatch(which, "count");
    }

    /// @dev The value range of a QuantizeLinear output type.
    function _range(uint8 dtype) private pure returns (int256, int256) {
        if (dtype == LibStep.UINT8) return (0, 255);
        if (dtype == LibStep.INT8) return (-128, 127);
        if (dtype == LibStep.UINT16) return (0, 65535);
        if (dtype == LibStep.INT16) return (-32768, 32767);
        revert LibStep.StepTypeMismatch(LibStep.OUTPUT, "dtype");
    }
}
