// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {TensorType} from "../../libraries/TensorType.sol";
import {LibDescriptor} from "../lib/LibDescriptor.sol";
import {OperandProof} from "../lib/LibOperand.sol";
import {IOneStepVerifier, StepInput} from "./IOneStepVerifier.sol";
import {LibStep} from "./LibStep.sol";

/// @title LayoutVerifier
/// @notice One-steps of the layout operators: each output element IS one input element, found by an
///         index map derived from the type words and attributes (opcodes 15 Reshape, 16 Flatten,
///         17 Squeeze, 18 Unsqueeze: the identity on row-major flat indices; 19 Transpose; 20 Concat;
///         21 Gather). The reference is offchain/engine/ops/{reshape,flatten,squeeze,transpose,
///         concat,gather}.ts; the proof order is docs/SPEC.md section 10.1.
/// @dev Any element type: the value is returned as the game encodes an element (sign-extended for
///      signed types, raw bits otherwise), so it compares bit for bit with the prover's claim.
contract LayoutVerifier is IOneStepVerifier {
    uint8 internal constant RESHAPE = 15;
    uint8 internal constant UNSQUEEZE = 18;
    uint8 internal constant TRANSPOSE = 19;
    uint8 internal constant CONCAT = 20;
    uint8 internal constant GATHER = 21;

    /// @notice A Gather index outside [-size, size): the reference refuses it, no output exists.
    error LayoutGatherIndexOutOfRange(int256 index, uint256 size);

    /// @inheritdoc IOneStepVerifier
    function accumulationLength(bytes calldata descriptor, bytes32[] calldata) external pure returns (uint256) {
        uint8 op = LibDescriptor.opcode(descriptor);
        if (op < RESHAPE || op > GATHER) revert LibStep.StepUnsupportedOpcode(op);
        return 0;
    }

    /// @inheritdoc IOneStepVerifier
    function step(StepInput calldata input, bytes calldata proof) external view returns (bytes32) {
        uint8 op = LibDescriptor.opcode(input.descriptor);
        TensorType out = LibStep.checkedOutput(input);
        if (op >= RESHAPE && op <= UNSQUEEZE) return _identity(input, out, proof);
        if (op == TRANSPOSE) return _transpose(input, out, proof);
        if (op == CONCAT) return _concat(input, out, proof);
        if (op == GATHER) return _gather(input, out, proof);
        revert LibStep.StepUnsupportedOpcode(op);
    }

    /// @dev Reshape, Flatten, Squeeze, Unsqueeze. Proofs: [data at element].
    function _identity(StepInput calldata input, TensorType out, bytes calldata proof) private view returns (bytes32) {
        OperandProof[] calldata ps = LibStep.proofs(proof, 1);
        TensorType x = LibStep.inputType(input, 0);
        LibStep.requireDType(x, out.dtype(), 0);
        // INVARIANT: a pure relabelling of the same elements, so the counts agree.
        if (LibStep.numel(x) != LibStep.numel(out)) revert LibStep.StepTypeMismatch(0, "count");
        return LibStep.word(LibStep.openInt(input, ps[0], 0, input.element));
    }

    /// @dev Output dim i is input dim perm[i] (attribute word 5: rank u8 ‖ perm[8] u8).
    ///      Proofs: [data at sum_i coord_i * inStride[perm[i]]].
    function _transpose(StepInput calldata input, TensorType out, bytes calldata proof) private view returns (bytes32) {
        OperandProof[] calldata ps = LibStep.proofs(proof, 1);
        TensorType x = LibStep.inputType(input, 0);
        LibStep.requireDType(x, out.dtype(), 0);
        uint256 r = LibDescriptor.u8At(input.descriptor, 5, 0);
        if (r != x.rank() || r != out.rank()) revert LibStep.StepAttributeInvalid("rank", r);
        uint256 index = _transposedIndex(input.descriptor, x, out, r, input.element);
        return LibStep.word(LibStep.openInt(input, ps[0], 0, index));
    }

    function _transposedIndex(bytes calldata d, TensorType x, TensorType out, uint256 r, uint256 element)
        private
        pure
        returns (uint256 index)
    {
        // Row-major strides of the input.
        uint256[8] memory stride;
        uint256 s = 1;
        for (uint256 i = r; i > 0; --i) {
            stride[i - 1] = s;
            s *= x.dim(i - 1);
        }
        uint256 seen;
        uint256 rest = element;
        for (uint256 i = r; i > 0; --i) {
            uint256 p = LibDescriptor.u8At(d, 5, i);
            // INVARIANT: perm is a permutation of 0..r-1 and the output dims are the permuted ones.
            if (p >= r || (seen >> p) & 1 == 1) revert LibStep.StepAttributeInvalid("perm", p);
            seen |= uint256(1) << p;
            uint256 dim = out.dim(i - 1);
            if (dim != x.dim(p)) revert LibStep.StepTypeMismatch(LibStep.OUTPUT, "shape");
            index += (rest % dim) * stride[p];
            rest /= dim;
        }
    }

    /// @dev Along `axis` (attribute word 5, u32): the element comes from the one input whose
    ///      slice of the axis holds it. Proofs: [input j at ((outer * d_j) + a - offset_j) * inner + i].
    function _concat(StepInput calldata input, TensorType out, bytes calldata proof) private view returns (bytes32) {
        OperandProof[] calldata ps = LibStep.proofs(proof, 1);
        (uint256 j, uint256 index) = _concatSource(input, out);
        return LibStep.word(LibStep.openInt(input, ps[0], j, index));
    }

    /// @dev Which input holds output element `input.element`, and where.
    function _concatSource(StepInput calldata input, TensorType out) private pure returns (uint256 j, uint256 index) {
        uint256 axis = LibDescriptor.u32At(input.descriptor, 5, 0);
        uint256 r = out.rank();
        if (axis >= r) revert LibStep.StepAttributeInvalid("axis", axis);
        uint256 inner = LibStep.span(out, axis + 1, r);
        uint256 along = out.dim(axis);
        uint256 a = (input.element / inner) % along;
        // The element's position in the output: (outer * along + a) * inner + (element % inner).
        uint256 base = (input.element / (inner * along)) * inner;
        uint256 n = LibDescriptor.inputCount(input.descriptor);
        uint256 offset;
        j = type(uint256).max;
        for (uint256 k; k < n; ++k) {
            TensorType t = LibStep.inputType(input, k);
            // INVARIANT: every input has the output's element type, rank and dims off the axis.
            if (!LibStep.sameExceptDim(t, out, axis)) revert LibStep.StepTypeMismatch(k, "type");
            uint256 dk = t.dim(axis);
            if (j == type(uint256).max && a < offset + dk) {
                j = k;
                index = base * dk + (a - offset) * inner + input.element % inner;
            }
            offset += dk;
        }
        // INVARIANT: the inputs tile the output's axis exactly.
        if (offset != along) revert LibStep.StepTypeMismatch(LibStep.OUTPUT, "axis");
    }

    /// @dev Along `axis` (attribute word 5, u32); output shape data[:axis] ‖ indices.shape ‖
    ///      data[axis+1:]. Proofs: [indices at j, data at (outer * size + idx) * inner + i], where
    ///      element = (outer * count(indices) + j) * inner + i; a negative index counts from the end.
    function _gather(StepInput calldata input, TensorType out, bytes calldata proof) private view returns (bytes32) {
        OperandProof[] calldata ps = LibStep.proofs(proof, 2);
        (uint256 j, uint256 base, uint256 size, uint256 inner) = _gatherSplit(input, out);
        int256 idx = LibStep.openInt(input, ps[0], 1, j);
        // INVARIANT: only indices the reference accepts select an element; others have no output.
        if (idx < -int256(size) || idx >= int256(size)) revert LayoutGatherIndexOutOfRange(idx, size);
        uint256 at = uint256(idx < 0 ? idx + int256(size) : idx);
        return LibStep.word(LibStep.openInt(input, ps[1], 0, base + at * inner));
    }

    /// @dev For output element `input.element` = (outer * count(indices) + j) * inner + i: the
    ///      index position j, the data index without the gathered coordinate (outer * size * inner
    ///      + i), the axis size and the inner block size.
    function _gatherSplit(StepInput calldata input, TensorType out)
        private
        pure
        returns (uint256 j, uint256 base, uint256 size, uint256 inner)
    {
        TensorType data = LibStep.inputType(input, 0);
        TensorType indices = LibStep.inputType(input, 1);
        LibStep.requireDType(data, out.dtype(), 0);
        uint8 idt = indices.dtype();
        if (idt != LibStep.INT64 && idt != LibStep.INT32) revert LibStep.StepTypeMismatch(1, "dtype");
        uint256 axis = LibDescriptor.u32At(input.descriptor, 5, 0);
        uint256 rd = data.rank();
        if (axis >= rd) revert LibStep.StepAttributeInvalid("axis", axis);
        _checkGatherShape(data, indices, out, axis);
        inner = LibStep.span(data, axis + 1, rd);
        size = data.dim(axis);
        uint256 count = LibStep.numel(indices);
        j = (input.element / inner) % count;
        base = (input.element / (inner * count)) * size * inner + input.element % inner;
    }

    function _checkGatherShape(TensorType data, TensorType indices, TensorType out, uint256 axis) private pure {
        uint256 rd = data.rank();
        uint256 ri = indices.rank();
        if (out.rank() != rd - 1 + ri) revert LibStep.StepTypeMismatch(LibStep.OUTPUT, "rank");
        for (uint256 i; i < axis; ++i) {
            if (out.dim(i) != data.dim(i)) revert LibStep.StepTypeMismatch(LibStep.OUTPUT, "shape");
        }
        for (uint256 i; i < ri; ++i) {
            if (out.dim(axis + i) != indices.dim(i)) revert LibStep.StepTypeMismatch(LibStep.OUTPUT, "shape");
        }
        for (uint256 i = axis + 1; i < rd; ++i) {
            if (out.dim(ri + i - 1) != data.dim(i)) revert LibStep.StepTypeMismatch(LibStep.OUTPUT, "shape");
        }
    }
}
