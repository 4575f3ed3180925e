// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {TensorType} from "../../libraries/TensorType.sol";
import {LibDescriptor} from "../lib/LibDescriptor.sol";
import {OperandProof} from "../lib/LibOperand.sol";
import {IOneStepVerifier, StepInput} from "./IOneStepVerifier.sol";
import {LibStep} from "./LibStep.sol";

/// @title ElementwiseVerifier
/// @notice One-steps of the integer elementwise operators (opcodes 9 Add, 10 Sub, 11 Mul, 12 Relu,
///         13 Clip, 14 Cast): one output element from one element of each input. The reference is
///         offchain/engine/ops/{arithmetic,broadcast,relu,clip,cast}.ts; the proof order is
///         docs/SPEC.md section 10.1.
/// @dev Integer element types only (the profile's int32 for Add/Sub/Mul, int8/int32 for Relu,
///      uint8/int8/int32 for Clip, any integer pair for Cast); every result wraps in the output's
///      width as the reference's typed-array stores do. Float inputs revert (outside the profile).
contract ElementwiseVerifier is IOneStepVerifier {
    uint8 internal constant ADD = 9;
    uint8 internal constant SUB = 10;
    uint8 internal constant MUL = 11;
    uint8 internal constant RELU = 12;
    uint8 internal constant CLIP = 13;
    uint8 internal constant CAST = 14;

    /// @inheritdoc IOneStepVerifier
    function accumulationLength(bytes calldata descriptor, bytes32[] calldata) external pure returns (uint256) {
        uint8 op = LibDescriptor.opcode(descriptor);
        if (op < ADD || op > CAST) revert LibStep.StepUnsupportedOpcode(op);
        return 0;
    }

    /// @inheritdoc IOneStepVerifier
    function step(StepInput calldata input, bytes calldata proof) external view returns (bytes32) {
        uint8 op = LibDescriptor.opcode(input.descriptor);
        TensorType out = LibStep.checkedOutput(input);
        uint8 dtype = out.dtype();
        if (!LibStep.isInteger(dtype)) revert LibStep.StepTypeMismatch(LibStep.OUTPUT, "dtype");
        if (op == ADD || op == SUB || op == MUL) return _binary(op, input, out, proof);
        if (op == RELU || op == CLIP || op == CAST) return _unary(op, input, out, proof);
        revert LibStep.StepUnsupportedOpcode(op);
    }

    /// @dev Add, Sub, Mul with numpy broadcasting. Proofs: [A at aIndex, B at bIndex].
    function _binary(uint8 op, StepInput calldata input, TensorType out, bytes calldata proof)
        private
        view
        returns (bytes32)
    {
        OperandProof[] calldata ps = LibStep.proofs(proof, 2);
        (int256 x, int256 y) = _openPair(input, out, ps);
        int256 v;
        // Exact: elements are below 2^64 in magnitude, so sums stay below 2^65 and products
        // below 2^128; the wrap to the output width follows.
        if (op == ADD) v = x + y;
        else if (op == SUB) v = x - y;
        else v = x * y;
        return LibStep.word(LibStep.wrap(v, out.dtype()));
    }

    /// @dev The two operands of output element `input.element` under broadcasting.
    function _openPair(StepInput calldata input, TensorType out, OperandProof[] calldata ps)
        private
        view
        returns (int256 x, int256 y)
    {
        TensorType a = LibStep.inputType(input, 0);
        TensorType b = LibStep.inputType(input, 1);
        LibStep.requireDType(a, out.dtype(), 0);
        LibStep.requireDType(b, out.dtype(), 1);
        (uint256 ia, uint256 ib) = broadcastIndices(out, a, b, input.element);
        x = LibStep.openInt(input, ps[0], 0, ia);
        y = LibStep.openInt(input, ps[1], 1, ib);
    }

    /// @dev Relu, Clip, Cast: the element at the same index. Proofs: [X at element].
    function _unary(uint8 op, StepInput calldata input, TensorType out, bytes calldata proof)
        private
        view
        returns (bytes32)
    {
        OperandProof[] calldata ps = LibStep.proofs(proof, 1);
        TensorType x = LibStep.inputType(input, 0);
        // INVARIANT: same shape (the index map is the identity); same type except through Cast.
        if (!LibStep.sameShape(x, out)) revert LibStep.StepTypeMismatch(0, "shape");
        if (op == CAST) {
            if (!LibStep.isInteger(x.dtype())) revert LibStep.StepTypeMismatch(0, "dtype");
        } else {
            LibStep.requireDType(x, out.dtype(), 0);
        }
        int256 v = LibStep.openInt(input, ps[0], 0, input.element);
        if (op == RELU) return LibStep.word(v > 0 ? v : int256(0));
        if (op == CLIP) {
            // Bounds inline in attribute word 5: min i64 ‖ max i64; lo > hi gives hi (min then max).
            int256 lo = int256(int64(uint64(bytes8(LibDescriptor.attributeWord(input.descriptor, 5)))));
            int256 hi = int256(int64(uint64(bytes8(LibDescriptor.attributeWord(input.descriptor, 5) << 64))));
            int256 m = v < lo ? lo : v;
            return LibStep.word(m > hi ? hi : m);
        }
        return LibStep.word(LibStep.wrap(v, out.dtype()));
    }

    /// @notice The flat indices into A and B of output element `element` under numpy broadcasting
    ///         (shapes aligned on the right, a dimension of 1 repeated); reverts unless the output
    ///         shape is the broadcast of the two.
    function broadcastIndices(TensorType out, TensorType a, TensorType b, uint256 element)
        internal
        pure
        returns (uint256 ia, uint256 ib)
    {
        uint256 r = out.rank();
        uint256 ra = a.rank();
        uint256 rb = b.rank();
        if (ra > r || rb > r) revert LibStep.StepTypeMismatch(LibStep.OUTPUT, "rank");
        uint256 rest = element;
        uint256 sa = 1;
        uint256 sb = 1;
        // Last axis first; output axis k is axis k - (r - ra) of A (absent, i.e. 1, below 0).
        for (uint256 k = r; k > 0; --k) {
            uint256 d = out.dim(k - 1);
            uint256 da = k + ra > r ? a.dim(k - 1 + ra - r) : 1;
            uint256 db = k + rb > r ? b.dim(k - 1 + rb - r) : 1;
            // INVARIANT: each input dim is the output's or 1, and the output's is their broadcast.
            if ((da != d && da != 1) || (db != d && db != 1) || d != (da == 1 ? db : da)) {
                revert LibStep.StepTypeMismatch(LibStep.OUTPUT, "broadcast");
            }
            uint256 c = rest % d;
            rest /= d;
            if (da != 1) ia += c * sa;
            if (db != 1) ib += c * sb;
            sa *= da;
            sb *= db;
        }
    }
}
