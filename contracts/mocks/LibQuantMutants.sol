// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {LibFloat32} from "../libraries/LibFloat32.sol";
import {LibQuant} from "../libraries/LibQuant.sol";

/// @notice TESTS ONLY: the tempting wrong formulas that shared/SEMANTICS.md rejected, each written as
///         a Solidity variant of LibQuant. The mutation-guard test checks that every one of them
///         disagrees with the canonical TypeScript formulas on the differential case set, i.e. that
///         the case set is strong enough to tell the right formula from each natural mistake.
///         Gas is irrelevant here; plain loops are used for clarity. Never deployed.
contract LibQuantMutants {
    /// @notice Which wrong formula a quantize mutant implements.
    enum QuantizeMutant {
        /// q = sat(RNE(f32(x * f32(1 / s))) + zp)
        Reciprocal,
        /// q = sat(RNE(f64(x / s)) + zp): the quotient rounded to binary64 instead of binary32
        Float64Division,
        /// q = sat(RoundHalfAway(f32(x / s)) + zp)
        RoundHalfAway,
        /// q = sat(RNE(f32(f32(x / s) + zp))): the zero point added in float32 before rounding
        FloatZeroPointAdd
    }

    /// @notice Which wrong formula a multiplier mutant implements.
    enum MultiplierMutant {
        /// M = f32(xs * f32(ws / ys))
        DivideWeightFirst,
        /// M = f32(f32(xs / ys) * ws)
        DivideInputFirst
    }

    /*//////////////////////////////////////////////////////////////
                                 BATCHES
    //////////////////////////////////////////////////////////////*/
    // Packed big-endian records and results, the layouts of Float32Harness:
    // quantize: x u32, scale u32, zp i64, qmin i64, qmax i64 -> i64; multiplier: xs u32, ws u32,
    // ys u32 -> u32; requantize: acc i64, m u32, zp i64, qmin i64, qmax i64 -> i64.

    function quantizeBatch(QuantizeMutant which, bytes calldata d) external pure returns (bytes memory out) {
        uint256 n = d.length / 32;
        out = new bytes(n * 8);
        for (uint256 i; i < n; ++i) {
            uint256 o = i * 32;
            int256 q = quantize(which, _u32(d, o), _u32(d, o + 4), _i64(d, o + 8), _i64(d, o + 16), _i64(d, o + 24));
            _put(out, i * 8, uint256(q), 8);
        }
    }

    function multiplierBatch(MultiplierMutant which, bytes calldata d) external pure returns (bytes memory out) {
        uint256 n = d.length / 12;
        out = new bytes(n * 4);
        for (uint256 i; i < n; ++i) {
            (uint32 xs, uint32 ws, uint32 ys) = (_u32(d, i * 12), _u32(d, i * 12 + 4), _u32(d, i * 12 + 8));
            uint32 m = which == MultiplierMutant.DivideWeightFirst
                ? LibFloat32.mul(xs, LibFloat32.div(ws, ys))
                : LibFloat32.mul(LibFloat32.div(xs, ys), ws);
            _put(out, i * 4, m, 4);
        }
    }

    /// @notice Requantize skipping f32(acc): sat(RNE(f32(acc * m)) + zp), the product of the exact
    ///         integer and the multiplier rounded once.
    function requantizeSkipAccRoundingBatch(bytes calldata d) external pure returns (bytes memory out) {
        uint256 n = d.length / 36;
        out = new bytes(n * 8);
        for (uint256 i; i < n; ++i) {
            uint256 o = i * 36;
            int256 q = requantizeSkipAccRounding(_i64(d, o), _u32(d, o + 8), _i64(d, o + 12), _i64(d, o + 20), _i64(d, o + 28));
            _put(out, i * 8, uint256(q), 8);
        }
    }

    function requantizeSkipAccRounding(int256 acc, uint32 m, int256 zp, int256 qmin, int256 qmax) internal pure returns (int256) {
        uint32 v;
        uint256 absM = m & LibFloat32.ABS_MASK;
        if (absM >= LibFloat32.POSITIVE_INFINITY || acc == 0) {
            // Specials behave as in the canonical formula (f32(acc) only differs for |acc| > 2^24).
            v = LibFloat32.mul(LibFloat32.fromInt(acc), m);
        } else {
            (uint256 mm, int256 e) = _unpack(absM);
            uint256 absAcc = acc < 0 ? uint256(-acc) : uint256(acc);
            uint256 signBit = (acc < 0) != LibFloat32.sign(m) ? uint256(LibFloat32.SIGN_MASK) : 0;
            v = LibFloat32.roundPack(signBit, absAcc * mm, e);
        }
        if (LibFloat32.isNaN(v)) revert LibQuant.QuantRequantizeNaN(acc, m);
        if (LibFloat32.isInf(v)) return LibFloat32.sign(v) ? qmin : qmax;
        return LibQuant.saturate(LibFloat32.roundHalfEven(v) + zp, qmin, qmax);
    }

    /*//////////////////////////////////////////////////////////////
                            QUANTIZE MUTANTS
    //////////////////////////////////////////////////////////////*/

    function quantize(QuantizeMutant which, uint32 x, uint32 scale, int256 zp, int256 qmin, int256 qmax)
        internal
        pure
        returns (int256)
    {
        uint32 q = which == QuantizeMutant.Reciprocal
            ? LibFloat32.mul(x, LibFloat32.div(LibFloat32.ONE, scale))
            : LibFloat32.div(x, scale);
        // NaN and ±Inf quotients are handled as in the canonical formula by every mutant.
        if (LibFloat32.isNaN(q)) return qmin;
        if (LibFloat32.isInf(q)) return LibFloat32.sign(q) ? qmin : qmax;
        int256 rounded;
        if (which == QuantizeMutant.Reciprocal) {
            rounded = LibFloat32.roundHalfEven(q) + zp;
        } else if (which == QuantizeMutant.Float64Division) {
            // x / ±Inf is ±0 in binary64 too.
            rounded = (LibFloat32.isInf(scale) ? int256(0) : _float64QuotientRne(x, scale)) + zp;
        } else if (which == QuantizeMutant.RoundHalfAway) {
            rounded = _roundHalfAway(q) + zp;
        } else {
            rounded = LibFloat32.roundHalfEven(_addInt(q, zp));
        }
        return LibQuant.saturate(rounded, qmin, qmax);
    }

    /// @dev RNE(f64(x / s)) for finite nonzero x / s (binary64 never under- or overflows there).
    function _float64QuotientRne(uint32 x, uint32 s) private pure returns (int256) {
        if (x & LibFloat32.ABS_MASK == 0) return 0;
        (uint256 m53, int256 e) = _float64Quotient(x & LibFloat32.ABS_MASK, s & LibFloat32.ABS_MASK);
        // Then RNE of m53 * 2^e to an integer (m53 < 2^54, so shifts above 200 give 0).
        uint256 magnitude = e >= 0 ? m53 << uint256(e) : (uint256(-e) > 200 ? 0 : _shiftRne(m53, uint256(-e)));
        return LibFloat32.sign(x) != LibFloat32.sign(s) ? -int256(magnitude) : int256(magnitude);
    }

    /// @dev |x| / |s| rounded to 53 significant bits (half to even), as m53 * 2^e.
    function _float64Quotient(uint256 absX, uint256 absS) private pure returns (uint256 m53, int256 e) {
        (uint256 mx, int256 ex) = _unpack(absX);
        (uint256 ms, int256 es) = _unpack(absS);
        // Quotient with 96 extra bits (>= 72 significant) and a sticky bit, as in LibFloat32.div.
        uint256 scaled = mx << 96;
        uint256 p = ((scaled / ms) << 1) | (scaled % ms == 0 ? 0 : 1);
        uint256 shift = _log2(p) + 1 - 53;
        m53 = _shiftRne(p, shift);
        e = ex - es - 97 + int256(shift);
    }

    /// @dev Round half away from zero of a finite binary32 value.
    function _roundHalfAway(uint32 f) private pure returns (int256) {
        (uint256 m, int256 e) = _unpack(f & LibFloat32.ABS_MASK);
        uint256 magnitude;
        if (e >= 0) {
            magnitude = m << uint256(e);
        } else {
            uint256 sh = uint256(-e);
            magnitude = m >> sh;
            if ((m >> (sh - 1)) & 1 == 1) magnitude += 1; // remainder >= half: away from zero
        }
        return LibFloat32.sign(f) ? -int256(magnitude) : int256(magnitude);
    }

    /// @dev f32(q + zp), the exact sum rounded once, for finite q.
    function _addInt(uint32 q, int256 zp) private pure returns (uint32) {
        (uint256 m, int256 e) = _unpack(q & LibFloat32.ABS_MASK);
        int256 signedM = LibFloat32.sign(q) ? -int256(m) : int256(m);
        if (e >= 0) return LibFloat32.fromInt((signedM << uint256(e)) + zp);
        // Exact sum scaled by 2^-e (e >= -149; zero points are small, no overflow).
        int256 scaledSum = signedM + zp * int256(1 << uint256(-e));
        if (scaledSum == 0) return 0; // IEEE: an exact zero sum is +0 in round-to-nearest
        uint256 signBit = scaledSum < 0 ? uint256(LibFloat32.SIGN_MASK) : 0;
        return LibFloat32.roundPack(signBit, scaledSum < 0 ? uint256(-scaledSum) : uint256(scaledSum), e);
    }

    /*//////////////////////////////////////////////////////////////
                                 HELPERS
    //////////////////////////////////////////////////////////////*/

    function _unpack(uint256 abs) private pure returns (uint256 m, int256 e) {
        uint256 biased = abs >> 23;
        m = abs & LibFloat32.FRACTION_MASK;
        if (biased == 0) return (m, -149);
        return (m | 0x800000, int256(biased) - 150);
    }

    function _shiftRne(uint256 x, uint256 shift) private pure returns (uint256 r) {
        if (shift == 0) return x;
        r = x >> shift;
        uint256 rem = x & ((uint256(1) << shift) - 1);
        uint256 half = uint256(1) << (shift - 1);
        if (rem > half || (rem == half && r & 1 == 1)) r += 1;
    }

    function _log2(uint256 x) private pure returns (uint256 r) {
        for (uint256 k = 128; k > 0; k >>= 1) {
            if (x >> k != 0) {
                x >>= k;
                r += k;
            }
        }
    }

    /// @dev Big-endian u32 at byte `o` of `d`. No bounds check: callers derive `o` from d.length.
    function _u32(bytes calldata d, uint256 o) private pure returns (uint32 v) {
        assembly {
            // The top 4 bytes of the calldata word starting at the field.
            v := shr(224, calldataload(add(d.offset, o)))
        }
    }

    /// @dev Big-endian i64 at byte `o` of `d`, sign-extended. No bounds check (see _u32).
    function _i64(bytes calldata d, uint256 o) private pure returns (int256 v) {
        assembly {
            // The top 8 bytes of the calldata word at the field, then sign-extended from byte 7.
            v := signextend(7, shr(192, calldataload(add(d.offset, o))))
        }
    }

    /// @dev Writes the low `width` bytes of `value` big-endian at `offset` of `out`'s data.
    function _put(bytes memory out, uint256 offset, uint256 value, uint256 width) private pure {
        assembly ("memory-safe") {
            // Address of the field: past the length word, then `offset` bytes in.
            let p := add(add(out, 32), offset)
            // Bits of the 32-byte word at p that lie after the field and must be kept.
            let keepBits := sub(256, mul(8, width))
            // The field's bytes at the top of the word, the following bytes unchanged.
            mstore(p, or(shl(keepBits, value), and(mload(p), sub(shl(keepBits, 1), 1))))
        }
    }
}
