// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {LibFloat32} from "./LibFloat32.sol";

/// @title LibQuant
/// @notice The scalar formulas of onnxruntime's quantized kernels, exactly as shared/SEMANTICS.md
///         measured them, on binary32 bit patterns (LibFloat32). The twin is the `formulas` object
///         of offchain/engine/ops/numeric.ts (CANONICAL_FORMULAS); both are tested on the same cases.
/// @dev Notation (SEMANTICS.md): f32 = one correctly rounded binary32 operation, RNE = round half to
///      even, sat = clamp to [qmin, qmax], i32 = wrap to int32. Scales, alpha and multipliers are
///      binary32 patterns; zero points, bounds and accumulators are integers. Integer arguments are
///      expected in the ranges of ONNX element types (|v| < 2^63); extreme int256 values make the
///      checked additions revert rather than wrap.
library LibQuant {
    /*//////////////////////////////////////////////////////////////
                              CUSTOM ERRORS
    //////////////////////////////////////////////////////////////*/

    /// @notice f32(f32(acc) * multiplier) is NaN (multiplier NaN, or acc = 0 with an infinite
    ///         multiplier): no integer output exists. The TypeScript twin throws on the same inputs.
    error QuantRequantizeNaN(int256 acc, uint32 multiplier);

    /*//////////////////////////////////////////////////////////////
                                INTEGERS
    //////////////////////////////////////////////////////////////*/

    /// @notice i32(v): v wrapped to int32 (two's complement, the low 32 bits), as an int256.
    function wrapInt32(int256 v) internal pure returns (int256) {
        // Same-signedness narrowing keeps the low 32 bits: exactly the int32 wrap.
        return int256(int32(v));
    }

    /// @notice sat(v): v clamped to [lo, hi]; checks `v < lo` first, as the TypeScript twin does.
    function saturate(int256 v, int256 lo, int256 hi) internal pure returns (int256) {
        return v < lo ? lo : v > hi ? hi : v;
    }

    /*//////////////////////////////////////////////////////////////
                           QUANTIZE / DEQUANTIZE
    //////////////////////////////////////////////////////////////*/

    /// @notice QuantizeLinear: q = sat(RNE(f32(x / scale)) + zp).
    /// @dev A NaN quotient (x NaN, scale NaN, 0/0, Inf/Inf) gives qmin, not zp; ±Inf quotients
    ///      (x / 0, huge x / tiny scale, Inf x) saturate: -Inf to qmin, +Inf to qmax.
    function quantize(uint32 x, uint32 scale, int256 zp, int256 qmin, int256 qmax) internal pure returns (int256) {
        uint32 q = LibFloat32.div(x, scale);
        // INVARIANT: roundHalfEven is only reached with a finite quotient.
        if (!LibFloat32.isFinite(q)) {
            if (LibFloat32.isNaN(q)) return qmin;
            // sat(±Inf + zp): -Inf is below every bound, +Inf above.
            return LibFloat32.sign(q) ? qmin : qmax;
        }
        // |RNE(q)| <= 2^128: the sum overflows only for |zp| near 2^255 (then it reverts).
        return saturate(LibFloat32.roundHalfEven(q) + zp, qmin, qmax);
    }

    /// @notice DequantizeLinear: y = f32(f32(i32(x - zp)) * scale). The int32 difference wraps, and
    ///         the int32 -> float32 conversion rounds before the multiply (it matters above 2^24).
    function dequantize(int256 x, int256 zp, uint32 scale) internal pure returns (uint32) {
        int256 diff;
        unchecked {
            // Wrapping modulo 2^256 then keeping the low 32 bits equals wrapping the exact
            // difference modulo 2^32: intended, i32(x - zp) is the formula.
            diff = x - zp;
        }
        return LibFloat32.mul(LibFloat32.fromInt(wrapInt32(diff)), scale);
    }

    /*//////////////////////////////////////////////////////////////
                               MULTIPLIERS
    //////////////////////////////////////////////////////////////*/

    /// @notice QLinearConv / QLinearMatMul: M = f32(f32(xs * ws) / ys).
    function multiplier(uint32 xs, uint32 ws, uint32 ys) internal pure returns (uint32) {
        return LibFloat32.div(LibFloat32.mul(xs, ws), ys);
    }

    /// @notice com.microsoft QGemm: S = f32(f32(alpha * as) * bs), then f32(S / ys) when a y_scale is
    ///         present. Quantized output (y_zp present): SEMANTICS.md divides by ys. Float output (no
    ///         y_zp): divided when y_scale is present, not divided without it; so `hasYScale` is
    ///         exactly "the y_scale input is present" in both cases.
    function gemmMultiplier(
        uint32 alpha,
        uint32 aScale,
        uint32 bScale,
        uint32 yScale,
        bool hasYScale
    ) internal pure returns (uint32) {
        uint32 m = LibFloat32.mul(LibFloat32.mul(alpha, aScale), bScale);
        return hasYScale ? LibFloat32.div(m, yScale) : m;
    }

    /*//////////////////////////////////////////////////////////////
                             ACCUMULATORS
    //////////////////////////////////////////////////////////////*/

    /// @notice Requantize an int32 accumulator: y = sat(RNE(f32(f32(acc) * m)) + zp).
    /// @dev `acc` is the already wrapped int32 sum; it is converted as given (f32(acc) is exact
    ///      only up to 2^24 and rounds above, as onnxruntime does). An infinite product saturates;
    ///      a NaN product reverts with QuantRequantizeNaN.
    function requantize(int256 acc, uint32 m, int256 zp, int256 qmin, int256 qmax) internal pure returns (int256) {
        uint32 v = LibFloat32.mul(LibFloat32.fromInt(acc), m);
        // INVARIANT: roundHalfEven is only reached with a finite product.
        if (!LibFloat32.isFinite(v)) {
            if (LibFloat32.isNaN(v)) revert QuantRequantizeNaN(acc, m);
            return LibFloat32.sign(v) ? qmin : qmax;
        }
        return saturate(LibFloat32.roundHalfEven(v) + zp, qmin, qmax);
    }

    /// @notice QGemm float output: y = f32(f32(acc) * m).
    function scaleAccumulator(int256 acc, uint32 m) internal pure returns (uint32) {
        return LibFloat32.mul(LibFloat32.fromInt(acc), m);
    }
}
