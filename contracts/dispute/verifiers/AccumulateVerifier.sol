// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {LibQuant} from "../../libraries/LibQuant.sol";
import {TensorType} from "../../libraries/TensorType.sol";
import {ConvWindow, LibConvGeometry} from "../lib/LibConvGeometry.sol";
import {LibDescriptor} from "../lib/LibDescriptor.sol";
import {OperandProof} from "../lib/LibOperand.sol";
import {LibMatMulGeometry, MatMulCell} from "../lib/LibMatMulGeometry.sol";
import {IOneStepVerifier, StepInput} from "./IOneStepVerifier.sol";
import {LibStep} from "./LibStep.sol";

/// @title AccumulateVerifier
/// @notice One-steps of the accumulating operators (level 3 of the dispute game): opcodes
///         3 QLinearConv, 4 QLinearMatMul, 5 com.microsoft QGemm, 6 MaxPool, 7 MatMulInteger,
///         8 ConvInteger and 22 ArgMax. Step a of output element o computes v_a from the agreed
///         v_{a-1}: a = 0 the starting value p_0, 1 <= a <= K one term (multiply-accumulate, or a
///         compare), a = K + 1 the output element y. The order of the terms is docs/SPEC.md
///         section 9, the operands each step opens (and their order in the proof) section 10.2;
///         the reference is offchain/engine/ops/* (the `*Accumulation` tracers) and
///         offchain/game/accumulate-steps.ts builds the proofs.
/// @dev Words: int32 accumulators and integer outputs as int256 two's complement, QGemm's float
///      output as its binary32 bits. ArgMax's partial value packs (running maximum, its index):
///      bits 255..128 the maximum as int128 two's complement, bits 127..0 its index along the axis;
///      p_0 = (type minimum, 0) and a term replaces the pair only for a STRICTLY greater element,
///      so ties keep the first index (select_last_index = 1 is refused).
///      A previous word an honest player never posts is read canonically: a multiply-accumulate
///      partial by its low 32 bits (int32), a MaxPool partial as int256, an ArgMax partial by its
///      two halves. Nothing is stored; the three formula hooks are virtual only so that a tests-only
///      mock can swap in the wrong formulas of shared/SEMANTICS.md (contracts/mocks/).
contract AccumulateVerifier is IOneStepVerifier {
    /*//////////////////////////////////////////////////////////////
                                CONSTANTS
    //////////////////////////////////////////////////////////////*/

    uint8 internal constant QLINEAR_CONV = 3;
    uint8 internal constant QLINEAR_MATMUL = 4;
    uint8 internal constant QGEMM = 5;
    uint8 internal constant MAX_POOL = 6;
    uint8 internal constant MATMUL_INTEGER = 7;
    uint8 internal constant CONV_INTEGER = 8;
    uint8 internal constant ARG_MAX = 22;

    uint8 internal constant SEMANTICS_VERSION = 1;

    uint256 private constant LOW_128 = type(uint128).max;

    /// @dev The operands of one multiply-accumulate: x = input 0 at xIndex, w = input wInput at
    ///      wIndex, the weight zero point of `channel` (of `channels`).
    struct Mac {
        uint256 wInput;
        uint256 xIndex;
        uint256 wIndex;
        uint256 channel;
        uint256 channels;
    }

    /*//////////////////////////////////////////////////////////////
                              CUSTOM ERRORS
    //////////////////////////////////////////////////////////////*/

    /// @notice The step index is past the output step K + 1.
    error AccumulateStepOutOfRange(uint256 step, uint256 length);
    /// @notice The descriptor asks for something this semantics version does not define.
    error AccumulateUnsupported(uint8 opcode, bytes32 what);

    /*//////////////////////////////////////////////////////////////
                            IOneStepVerifier
    //////////////////////////////////////////////////////////////*/

    /// @inheritdoc IOneStepVerifier
    function accumulationLength(bytes calldata descriptor, bytes32[] calldata inputTypes)
        external
        pure
        returns (uint256)
    {
        uint8 op = _checkDescriptor(descriptor);
        TensorType y = LibDescriptor.outputType(descriptor);
        if (op == QLINEAR_CONV || op == CONV_INTEGER) {
            return LibConvGeometry.termCount(_convWindow(descriptor, inputTypes, y, op, 0));
        }
        if (op == QLINEAR_MATMUL || op == MATMUL_INTEGER || op == QGEMM) {
            return _matmulCell(descriptor, inputTypes, y, op, 0).inner;
        }
        if (op == MAX_POOL) return _poolWindow(descriptor, inputTypes, y, 0).kernelSize;
        (uint256 length,,) = _argMaxAxis(descriptor, inputTypes, y);
        return length;
    }

    /// @inheritdoc IOneStepVerifier
    function step(StepInput calldata input, bytes calldata proof) external view returns (bytes32) {
        uint8 op = _checkDescriptor(input.descriptor);
        if (op == QLINEAR_CONV || op == CONV_INTEGER) return _convStep(input, proof, op);
        if (op == QLINEAR_MATMUL || op == MATMUL_INTEGER || op == QGEMM) return _matmulStep(input, proof, op);
        if (op == MAX_POOL) return _poolStep(input, proof);
        return _argMaxStep(input, proof);
    }

    /*//////////////////////////////////////////////////////////////
                        FORMULA HOOKS (SEMANTICS.md)
    //////////////////////////////////////////////////////////////*/

    /// @dev M_c = f32(f32(xs * ws[c]) / ys).
    function _multiplier(uint32 xs, uint32 ws, uint32 ys) internal view virtual returns (uint32) {
        return LibQuant.multiplier(xs, ws, ys);
    }

    /// @dev y = sat(RNE(f32(f32(acc) * m)) + zp).
    function _requantize(int256 acc, uint32 m, int256 zp, int256 qmin, int256 qmax)
        internal
        view
        virtual
        returns (int256)
    {
        return LibQuant.requantize(acc, m, zp, qmin, qmax);
    }

    /// @dev A MaxPool tap in the padding: padding is the type minimum, so the maximum is kept.
    function _padMax(int256 previous, uint8 dtype) internal view virtual returns (int256) {
        dtype;
        return previous;
    }

    /*//////////////////////////////////////////////////////////////
                      CONVOLUTIONS (3 QLinearConv, 8 ConvInteger)
    //////////////////////////////////////////////////////////////*/

    /// @dev Inputs: QLinearConv x(0) xs(1) xzp(2) w(3) ws(4) wzp(5) ys(6) yzp(7) B(8);
    ///      ConvInteger x(0) w(1) xzp(2) wzp(3).
    ///      Proofs: a = 0: [B[m]] when the bias flag is set, else [] (p_0 = 0);
    ///      1 <= a <= K: [x, w] (+ [wzp[m]] when per channel), [] for a padded tap;
    ///      a = K + 1: QLinearConv [ws[m]] when per channel, else []; ConvInteger [].
    function _convStep(StepInput calldata input, bytes calldata proof, uint8 op) private view returns (bytes32) {
        bytes calldata d = input.descriptor;
        TensorType y = LibDescriptor.outputType(d);
        ConvWindow memory g = _convWindow(d, input.inputTypes, y, op, input.element);
        uint256 k = LibConvGeometry.termCount(g);
        uint256 a = input.step;
        bool quantized = op == QLINEAR_CONV;
        if (a == 0) {
            if (quantized && LibDescriptor.hasFlag(d, LibDescriptor.BIAS_PRESENT)) {
                OperandProof[] calldata ps = LibStep.proofs(proof, 1);
                _requireVector(LibStep.inputType(input, 8), LibStep.INT32, g.channels, 8);
                return _word(LibStep.openInt(input, ps[0], 8, g.channel));
            }
            LibStep.proofs(proof, 0);
            return _word(0);
        }
        if (a <= k) return _convTerm(input, proof, g, quantized ? 3 : 1);
        if (a != k + 1) revert AccumulateStepOutOfRange(a, k);
        if (!quantized) {
            LibStep.proofs(proof, 0);
            return _word(_acc(input.previous));
        }
        return _convOutput(input, proof, y, g.channel, g.channels);
    }

    /// @dev Term a of a convolution: one multiply-accumulate, or a padded tap (adds 0).
    function _convTerm(StepInput calldata input, bytes calldata proof, ConvWindow memory g, uint256 wInput)
        private
        view
        returns (bytes32)
    {
        (bool padded, uint256 xIndex, uint256 wIndex) = LibConvGeometry.operands(g, input.step);
        if (padded) {
            // INVARIANT: a padded tap adds 0 and needs no operand.
            LibStep.proofs(proof, 0);
            return _word(_acc(input.previous));
        }
        return _mac(input, proof, Mac(wInput, xIndex, wIndex, g.channel, g.channels));
    }

    /// @dev QLinearConv's output: y = sat(RNE(f32(f32(acc) * M_m)) + yzp), M_m = f32(f32(xs * ws[m]) / ys).
    function _convOutput(StepInput calldata input, bytes calldata proof, TensorType y, uint256 channel, uint256 channels)
        private
        view
        returns (bytes32)
    {
        bytes calldata d = input.descriptor;
        uint32 ws;
        if (LibDescriptor.hasFlag(d, LibDescriptor.W_SCALE_TENSOR)) {
            OperandProof[] calldata ps = LibStep.proofs(proof, 1);
            _requireVector(LibStep.inputType(input, 4), LibStep.FLOAT, channels, 4);
            ws = uint32(LibStep.openRaw(input, ps[0], 4, channel));
        } else {
            LibStep.proofs(proof, 0);
            ws = uint32(LibDescriptor.quant(d, LibDescriptor.W_SCALE));
        }
        uint32 m = _multiplier(
            uint32(LibDescriptor.quant(d, LibDescriptor.X_SCALE)), ws, uint32(LibDescriptor.quant(d, LibDescriptor.Y_SCALE))
        );
        return _requantizeOutput(d, y, input.previous, m);
    }

    function _convWindow(bytes calldata d, bytes32[] calldata types, TensorType y, uint8 op, uint256 element)
        private
        pure
        returns (ConvWindow memory)
    {
        bool quantized = op == QLINEAR_CONV;
        TensorType x = _type(types, 0);
        TensorType w = _type(types, quantized ? 3 : 1);
        _requireQuantized(x, 0);
        _requireQuantized(w, quantized ? 3 : 1);
        if (quantized) _requireQuantized(y, LibStep.OUTPUT);
        else LibStep.requireDType(y, LibStep.INT32, LibStep.OUTPUT);
        // INVARIANT: QLinearConv's x zero point is a scalar (inline); ConvInteger's too (the
        //            reference refuses a tensor), so the x zero point flag is outside the set.
        _requireNoFlag(d, op, LibDescriptor.X_ZP_TENSOR | LibDescriptor.SCALE_PER_AXIS | LibDescriptor.ZP_PER_AXIS);
        // QLinearConv's y scale and zero point are required inputs (flags 4 and 8 always set).
        if (!quantized) {
            _requireNoFlag(d, op, LibDescriptor.W_SCALE_TENSOR | LibDescriptor.BIAS_PRESENT | LibDescriptor.Y_SCALE_PRESENT | LibDescriptor.Y_ZP_PRESENT);
        }
        return LibConvGeometry.load(d, x, w, y, false, element);
    }

    /*//////////////////////////////////////////////////////////////
       MATRIX PRODUCTS (4 QLinearMatMul, 7 MatMulInteger, 5 QGemm)
    //////////////////////////////////////////////////////////////*/

    /// @dev Inputs: QLinearMatMul a(0) as(1) azp(2) b(3) bs(4) bzp(5) ys(6) yzp(7);
    ///      MatMulInteger A(0) B(1) azp(2) bzp(3); QGemm A(0) as(1) azp(2) B(3) bs(4) bzp(5) C(6)
    ///      ys(7) yzp(8). Proofs: a = 0: QGemm [C[m, n] broadcast] when C is given, else [];
    ///      1 <= a <= K: [a, b] (+ [bzp[n]] when per column); a = K + 1: QGemm [bs[n]] when per
    ///      column, else [].
    function _matmulStep(StepInput calldata input, bytes calldata proof, uint8 op) private view returns (bytes32) {
        bytes calldata d = input.descriptor;
        TensorType y = LibDescriptor.outputType(d);
        MatMulCell memory c = _matmulCell(d, input.inputTypes, y, op, input.element);
        uint256 a = input.step;
        if (a == 0) {
            if (op == QGEMM && LibDescriptor.hasFlag(d, LibDescriptor.BIAS_PRESENT)) {
                OperandProof[] calldata ps = LibStep.proofs(proof, 1);
                TensorType cType = LibStep.inputType(input, 6);
                LibStep.requireDType(cType, LibStep.INT32, 6);
                uint256 at = LibMatMulGeometry.gemmBiasIndex(cType, c.rows, c.cols, c.row, c.col);
                return _word(LibStep.openInt(input, ps[0], 6, at));
            }
            LibStep.proofs(proof, 0);
            return _word(0);
        }
        if (a <= c.inner) {
            uint256 bInput = op == MATMUL_INTEGER ? 1 : 3;
            return _mac(input, proof, Mac(bInput, c.aBase + (a - 1) * c.aStep, c.bBase + (a - 1) * c.bStep, c.col, c.cols));
        }
        if (a != c.inner + 1) revert AccumulateStepOutOfRange(a, c.inner);
        if (op == MATMUL_INTEGER) {
            LibStep.proofs(proof, 0);
            return _word(_acc(input.previous));
        }
        if (op == QLINEAR_MATMUL) {
            LibStep.proofs(proof, 0);
            uint32 m = _multiplier(
                uint32(LibDescriptor.quant(d, LibDescriptor.X_SCALE)),
                uint32(LibDescriptor.quant(d, LibDescriptor.W_SCALE)),
                uint32(LibDescriptor.quant(d, LibDescriptor.Y_SCALE))
            );
            return _requantizeOutput(d, y, input.previous, m);
        }
        return _gemmOutput(input, proof, y, c.col, c.cols);
    }

    /// @dev QGemm's output: S_n = f32(f32(alpha * as) * bs[n]) (/ ys when y_scale is given); y_zp
    ///      present: sat(RNE(f32(f32(acc) * S_n)) + yzp); absent: float32 f32(f32(acc) * S_n).
    function _gemmOutput(StepInput calldata input, bytes calldata proof, TensorType y, uint256 col, uint256 cols)
        private
        view
        returns (bytes32)
    {
        bytes calldata d = input.descriptor;
        uint32 bs;
        if (LibDescriptor.hasFlag(d, LibDescriptor.W_SCALE_TENSOR)) {
            OperandProof[] calldata ps = LibStep.proofs(proof, 1);
            _requireVector(LibStep.inputType(input, 4), LibStep.FLOAT, cols, 4);
            bs = uint32(LibStep.openRaw(input, ps[0], 4, col));
        } else {
            LibStep.proofs(proof, 0);
            bs = uint32(LibDescriptor.quant(d, LibDescriptor.W_SCALE));
        }
        uint32 m = LibQuant.gemmMultiplier(
            uint32(LibDescriptor.u32At(d, 5, 1)),
            uint32(LibDescriptor.quant(d, LibDescriptor.X_SCALE)),
            bs,
            uint32(LibDescriptor.quant(d, LibDescriptor.Y_SCALE)),
            LibDescriptor.hasFlag(d, LibDescriptor.Y_SCALE_PRESENT)
        );
        if (LibDescriptor.hasFlag(d, LibDescriptor.Y_ZP_PRESENT)) return _requantizeOutput(d, y, input.previous, m);
        return bytes32(uint256(LibQuant.scaleAccumulator(_acc(input.previous), m)));
    }

    function _matmulCell(bytes calldata d, bytes32[] calldata types, TensorType y, uint8 op, uint256 element)
        private
        pure
        returns (MatMulCell memory)
    {
        uint256 bInput = op == MATMUL_INTEGER ? 1 : 3;
        TensorType a = _type(types, 0);
        TensorType b = _type(types, bInput);
        _requireQuantized(a, 0);
        _requireQuantized(b, bInput);
        _requireNoFlag(d, op, LibDescriptor.X_ZP_TENSOR | LibDescriptor.SCALE_PER_AXIS | LibDescriptor.ZP_PER_AXIS);
        if (op == QGEMM) {
            uint256 transA = LibDescriptor.u8At(d, 5, 0);
            uint256 transB = LibDescriptor.u8At(d, 5, 1);
            if (transA > 1 || transB > 1) revert AccumulateUnsupported(op, "transA/transB");
            if (LibDescriptor.hasFlag(d, LibDescriptor.Y_ZP_PRESENT)) _requireQuantized(y, LibStep.OUTPUT);
            else LibStep.requireDType(y, LibStep.FLOAT, LibStep.OUTPUT);
            return LibMatMulGeometry.gemm(a, b, y, transA == 1, transB == 1, element);
        }
        // INVARIANT: QLinearMatMul is per tensor (the reference refuses per-row/column
        //            parameters); MatMulInteger has no scales and no bias.
        if (op == QLINEAR_MATMUL) {
            _requireNoFlag(d, op, LibDescriptor.W_SCALE_TENSOR | LibDescriptor.W_ZP_TENSOR | LibDescriptor.BIAS_PRESENT);
            _requireQuantized(y, LibStep.OUTPUT);
        } else {
            _requireNoFlag(d, op, LibDescriptor.W_SCALE_TENSOR | LibDescriptor.BIAS_PRESENT | LibDescriptor.Y_SCALE_PRESENT | LibDescriptor.Y_ZP_PRESENT);
            LibStep.requireDType(y, LibStep.INT32, LibStep.OUTPUT);
        }
        return LibMatMulGeometry.matmul(a, b, y, element);
    }

    /*//////////////////////////////////////////////////////////////
                               6 MAXPOOL
    //////////////////////////////////////////////////////////////*/

    /// @dev Proofs: a = 0: [] (p_0 = the type minimum); 1 <= a <= K: [x], [] for a padded tap
    ///      (the maximum is kept: padding is the type minimum); a = K + 1: [] (y = v_K).
    function _poolStep(StepInput calldata input, bytes calldata proof) private view returns (bytes32) {
        TensorType y = LibDescriptor.outputType(input.descriptor);
        ConvWindow memory g = _poolWindow(input.descriptor, input.inputTypes, y, input.element);
        uint256 a = input.step;
        uint8 dtype = y.dtype();
        int256 previous = int256(uint256(input.previous));
        if (a == 0) {
            LibStep.proofs(proof, 0);
            return _word(dtype == LibStep.INT8 ? -128 : int256(0));
        }
        if (a <= g.kernelSize) {
            (bool padded, uint256 xIndex,) = LibConvGeometry.operands(g, a);
            if (padded) {
                LibStep.proofs(proof, 0);
                return _word(_padMax(previous, dtype));
            }
            OperandProof[] calldata ps = LibStep.proofs(proof, 1);
            int256 x = LibStep.openInt(input, ps[0], 0, xIndex);
            return _word(x > previous ? x : previous);
        }
        if (a != g.kernelSize + 1) revert AccumulateStepOutOfRange(a, g.kernelSize);
        LibStep.proofs(proof, 0);
        return input.previous;
    }

    function _poolWindow(bytes calldata d, bytes32[] calldata types, TensorType y, uint256 element)
        private
        pure
        returns (ConvWindow memory)
    {
        TensorType x = _type(types, 0);
        _requireQuantized(x, 0);
        LibStep.requireDType(y, x.dtype(), LibStep.OUTPUT);
        return LibConvGeometry.load(d, x, x, y, true, element);
    }

    /*//////////////////////////////////////////////////////////////
                                22 ARGMAX
    //////////////////////////////////////////////////////////////*/

    /// @dev K = the axis length; term a compares element a - 1 of the axis. Proofs: a = 0: []
    ///      (p_0 = (type minimum, 0)); 1 <= a <= K: [data at the a-th element of the axis];
    ///      a = K + 1: [] (y = the index half of v_K, an int64).
    function _argMaxStep(StepInput calldata input, bytes calldata proof) private view returns (bytes32) {
        TensorType y = LibDescriptor.outputType(input.descriptor);
        (uint256 length, uint256 inner, TensorType x) = _argMaxAxis(input.descriptor, input.inputTypes, y);
        uint256 count = LibStep.numel(x) / length;
        if (input.element >= count) revert LibStep.StepElementOutOfRange(input.element, count);
        uint256 a = input.step;
        if (a == 0) {
            LibStep.proofs(proof, 0);
            return _pack(_typeMin(x.dtype()), 0);
        }
        if (a <= length) {
            // Element a - 1 of the axis: (outer, a - 1, innerIndex) in x's row-major order.
            uint256 at = ((input.element / inner) * length + (a - 1)) * inner + input.element % inner;
            return _argMaxTerm(input, proof, at);
        }
        if (a != length + 1) revert AccumulateStepOutOfRange(a, length);
        LibStep.proofs(proof, 0);
        return _word(int256(uint256(input.previous) & LOW_128));
    }

    function _argMaxTerm(StepInput calldata input, bytes calldata proof, uint256 at) private view returns (bytes32) {
        OperandProof[] calldata ps = LibStep.proofs(proof, 1);
        int256 best = int256(uint256(input.previous)) >> 128;
        int256 v = LibStep.openInt(input, ps[0], 0, at);
        // INVARIANT: only a strictly greater element moves the index: ties keep the first.
        return v > best ? _pack(v, input.step - 1) : _pack(best, uint256(input.previous) & LOW_128);
    }

    /// @dev The axis length K, the product of the dims after the axis, and the data type; checks
    ///      the attributes and that the output is the data's shape with the axis reduced.
    function _argMaxAxis(bytes calldata d, bytes32[] calldata types, TensorType y)
        private
        pure
        returns (uint256 length, uint256 inner, TensorType x)
    {
        x = _type(types, 0);
        uint8 dt = x.dtype();
        if (!LibStep.isInteger(dt)) revert LibStep.StepTypeMismatch(0, "dtype");
        LibStep.requireDType(y, LibStep.INT64, LibStep.OUTPUT);
        uint256 axis = LibDescriptor.u32At(d, 5, 0);
        uint256 keepDims = LibDescriptor.u8At(d, 5, 4);
        if (LibDescriptor.u8At(d, 5, 5) != 0) revert AccumulateUnsupported(ARG_MAX, "select_last_index");
        uint256 r = x.rank();
        if (axis >= r || keepDims > 1) revert AccumulateUnsupported(ARG_MAX, "axis/keepdims");
        // INVARIANT: y is x with dim `axis` set to 1 (keepdims) or removed.
        if (y.rank() != (keepDims == 1 ? r : r - 1)) revert LibStep.StepTypeMismatch(LibStep.OUTPUT, "rank");
        for (uint256 i; i < r; ++i) {
            if (i == axis) {
                if (keepDims == 1 && y.dim(i) != 1) revert LibStep.StepTypeMismatch(LibStep.OUTPUT, "shape");
            } else if (y.dim(keepDims == 1 || i < axis ? i : i - 1) != x.dim(i)) {
                revert LibStep.StepTypeMismatch(LibStep.OUTPUT, "shape");
            }
        }
        length = x.dim(axis);
        if (length == 0) revert LibStep.StepTypeMismatch(0, "empty axis");
        inner = LibStep.span(x, axis + 1, r);
    }

    /// @dev (value, index) as one word: value in bits 255..128 (int128), index in bits 127..0.
    function _pack(int256 value, uint256 index) private pure returns (bytes32) {
        // Values are elements of integer types of at most 64 bits, indices below 2^24: both fit.
        return bytes32((uint256(value) << 128) | (index & LOW_128));
    }

    function _typeMin(uint8 dtype) private pure returns (int256) {
        if (dtype == LibStep.INT8 || dtype == LibStep.INT16 || dtype == LibStep.INT32 || dtype == LibStep.INT64) {
            return -int256(1 << (8 * _size(dtype) - 1));
        }
        return 0;
    }

    function _size(uint8 dtype) private pure returns (uint256) {
        if (dtype == LibStep.INT8) return 1;
        if (dtype == LibStep.INT16) return 2;
        if (dtype == LibStep.INT32) return 4;
        return 8;
    }

    /*//////////////////////////////////////////////////////////////
                                 SHARED
    //////////////////////////////////////////////////////////////*/

    /// @dev One multiply-accumulate: p_a = i32(p_{a-1} + (x - xzp)(w - wzp)), x = input 0 at
    ///      xIndex, w = input wInput at wIndex, wzp inline or (per channel) input wInput + 2 at
    ///      `channel` of `channels`; xzp inline.
    function _mac(StepInput calldata input, bytes calldata proof, Mac memory t) private view returns (bytes32) {
        bool zpTensor = LibDescriptor.hasFlag(input.descriptor, LibDescriptor.W_ZP_TENSOR);
        OperandProof[] calldata ps = LibStep.proofs(proof, zpTensor ? 3 : 2);
        int256 wzp = zpTensor
            ? _channelZeroPoint(input, ps[2], t.wInput, t.channel, t.channels)
            : LibDescriptor.quantZp(input.descriptor, LibDescriptor.W_ZP);
        // Exact in int256: |w - wzp| < 2^33 (8-bit elements, int32 zero points).
        int256 wTerm = LibStep.openInt(input, ps[1], t.wInput, t.wIndex) - wzp;
        int256 xTerm = LibStep.openInt(input, ps[0], 0, t.xIndex) - LibDescriptor.quantZp(input.descriptor, LibDescriptor.X_ZP);
        // Exact in int256: |p| < 2^31 and the product is below 2^66.
        return _word(LibQuant.wrapInt32(_acc(input.previous) + xTerm * wTerm));
    }

    /// @dev A per-channel weight zero point: the zero point input follows the weight input by two
    ///      (QLinearConv/QLinearMatMul/QGemm w(3) -> wzp(5); ConvInteger/MatMulInteger w(1) -> wzp(3)).
    function _channelZeroPoint(
        StepInput calldata input,
        OperandProof calldata p,
        uint256 wInput,
        uint256 channel,
        uint256 channels
    ) private view returns (int256) {
        uint256 zpInput = wInput + 2;
        _requireVector(LibStep.inputType(input, zpInput), LibStep.inputType(input, wInput).dtype(), channels, zpInput);
        return LibStep.openInt(input, p, zpInput, channel);
    }

    /// @dev sat(RNE(f32(f32(acc) * m)) + yzp) into y's 8-bit type.
    function _requantizeOutput(bytes calldata d, TensorType y, bytes32 previous, uint32 m)
        private
        view
        returns (bytes32)
    {
        (int256 qmin, int256 qmax) = y.dtype() == LibStep.INT8 ? (int256(-128), int256(127)) : (int256(0), int256(255));
        return _word(_requantize(_acc(previous), m, LibDescriptor.quantZp(d, LibDescriptor.Y_ZP), qmin, qmax));
    }

    /// @dev Opcode of a well-formed descriptor of this family and version.
    function _checkDescriptor(bytes calldata d) private pure returns (uint8 op) {
        if (d.length != LibDescriptor.BYTES) revert AccumulateUnsupported(0, "descriptor length");
        op = LibDescriptor.opcode(d);
        if (LibDescriptor.semanticsVersion(d) != SEMANTICS_VERSION) revert AccumulateUnsupported(op, "semantics version");
        if (op < QLINEAR_CONV || (op > CONV_INTEGER && op != ARG_MAX)) revert LibStep.StepUnsupportedOpcode(op);
    }

    function _requireNoFlag(bytes calldata d, uint8 op, uint256 flags) private pure {
        if (LibDescriptor.quant(d, LibDescriptor.FLAGS) & flags != 0) revert AccumulateUnsupported(op, "flags");
    }

    function _requireQuantized(TensorType t, uint256 which) private pure {
        uint8 dt = t.dtype();
        if (dt != LibStep.UINT8 && dt != LibStep.INT8) revert LibStep.StepTypeMismatch(which, "dtype");
    }

    /// @dev A per-channel parameter: a 1-D tensor of `n` elements of `dtype`.
    function _requireVector(TensorType t, uint8 dtype, uint256 n, uint256 which) private pure {
        LibStep.requireDType(t, dtype, which);
        if (t.rank() != 1 || t.dim(0) != n) revert LibStep.StepTypeMismatch(which, "shape");
    }

    function _type(bytes32[] calldata types, uint256 i) private pure returns (TensorType) {
        if (i >= types.length) revert LibStep.StepInputMissing(i);
        return TensorType.wrap(types[i]);
    }

    /// @dev An int32 accumulator word read canonically: its low 32 bits as int32.
    function _acc(bytes32 word) private pure returns (int256) {
        return LibQuant.wrapInt32(int256(uint256(word)));
    }

    function _word(int256 v) private pure returns (bytes32) {
        return bytes32(uint256(v));
    }
}
