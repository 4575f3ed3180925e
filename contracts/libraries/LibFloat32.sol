// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

/// @title LibFloat32
/// @notice IEEE-754 binary32 arithmetic on bit patterns held in `uint32`, with integer
///         instructions only. Every operation is ONE correctly rounded IEEE operation in
///         round-half-to-even, exactly what a float32 CPU instruction (or JS `Math.fround` of the
///         double result) gives, so that a one-step re-execution reproduces onnxruntime bit for bit.
///         offchain/engine/ops/numeric.ts is the twin (it computes in double and rounds with
///         `Math.fround`, which is exact for these operations).
/// @dev Bit layout of a binary32 value:
/// | bits   | field                                                            |
/// | ------ | ---------------------------------------------------------------- |
/// | 31     | sign                                                             |
/// | 30..23 | biased exponent e (0: zero/subnormal, 255: Inf/NaN)              |
/// | 22..0  | fraction f                                                       |
///      A finite value is (-1)^sign * m * 2^(E - 150) with m = f | 2^23, E = e for e > 0 and
///      m = f, E = 1 for e = 0 (subnormals are kept: nothing is flushed to zero).
///      NaN: any NaN operand gives NaN, and every NaN this library produces is the canonical quiet
///      NaN 0x7fc00000 (sign and payload of input NaNs are NOT propagated; x86 would propagate the
///      first operand's payload, but no formula of the protocol observes a NaN's bits: quantize maps
///      every NaN to qmin and requantize rejects NaN).
library LibFloat32 {
    /*//////////////////////////////////////////////////////////////
                                CONSTANTS
    //////////////////////////////////////////////////////////////*/

    uint32 internal constant SIGN_MASK = 0x80000000;
    uint32 internal constant ABS_MASK = 0x7fffffff;
    uint32 internal constant EXPONENT_MASK = 0x7f800000;
    uint32 internal constant FRACTION_MASK = 0x007fffff;
    uint32 internal constant POSITIVE_INFINITY = 0x7f800000;
    uint32 internal constant NEGATIVE_INFINITY = 0xff800000;
    /// @notice The only NaN this library returns (quiet, positive, zero payload).
    uint32 internal constant CANONICAL_NAN = 0x7fc00000;
    uint32 internal constant ONE = 0x3f800000;
    uint32 internal constant MAX_FINITE = 0x7f7fffff;

    /// @dev Extra quotient bits computed by `div`: with significands below 2^24 the integer quotient
    ///      has at least 64 - 24 = 40 > 24 + 1 bits, so a sticky bit rounds it exactly.
    uint256 private constant _DIV_EXTRA_BITS = 64;

    /*//////////////////////////////////////////////////////////////
                              CUSTOM ERRORS
    //////////////////////////////////////////////////////////////*/

    /// @notice `roundHalfEven` was given NaN or ±Inf, which have no integer value.
    error Float32NotFinite(uint32 f);

    /*//////////////////////////////////////////////////////////////
                              CLASSIFICATION
    //////////////////////////////////////////////////////////////*/

    /// @notice True for every NaN (quiet or signalling, any sign, any payload).
    function isNaN(uint32 f) internal pure returns (bool) {
        return f & ABS_MASK > POSITIVE_INFINITY;
    }

    /// @notice True for +Inf and -Inf.
    function isInf(uint32 f) internal pure returns (bool) {
        return f & ABS_MASK == POSITIVE_INFINITY;
    }

    /// @notice True for zeros, subnormals and normals (not NaN, not ±Inf).
    function isFinite(uint32 f) internal pure returns (bool) {
        return f & EXPONENT_MASK != EXPONENT_MASK;
    }

    /// @notice True for +0 and -0.
    function isZero(uint32 f) internal pure returns (bool) {
        return f & ABS_MASK == 0;
    }

    /// @notice The sign bit: true when `f` is negative, -0, -Inf or a NaN with the sign bit set.
    function sign(uint32 f) internal pure returns (bool negative) {
        return f & SIGN_MASK != 0;
    }

    /*//////////////////////////////////////////////////////////////
                               ARITHMETIC
    //////////////////////////////////////////////////////////////*/

    /// @notice f32(a * b): the correctly rounded (half to even) binary32 product.
    /// @dev NaN if either operand is NaN or for 0 * ±Inf; ±Inf * nonzero = ±Inf; overflow gives
    ///      ±Inf, underflow gives subnormals or ±0; the sign is always sign(a) XOR sign(b).
    function mul(uint32 a, uint32 b) internal pure returns (uint32) {
        uint256 signBit = uint256(a ^ b) & SIGN_MASK;
        uint256 absA = a & ABS_MASK;
        uint256 absB = b & ABS_MASK;
        // INVARIANT: the unpacking below only ever sees finite operands.
        if (absA >= POSITIVE_INFINITY || absB >= POSITIVE_INFINITY) {
            if (absA > POSITIVE_INFINITY || absB > POSITIVE_INFINITY) return CANONICAL_NAN;
            // One operand is ±Inf and neither is NaN: Inf * 0 is invalid, anything else is ±Inf.
            if (absA == 0 || absB == 0) return CANONICAL_NAN;
            return uint32(signBit | POSITIVE_INFINITY);
        }
        if (absA == 0 || absB == 0) return uint32(signBit);
        uint256 product;
        int256 exponent;
        assembly ("memory-safe") {
            // Biased exponent fields (0 for subnormals; both operands are finite and nonzero).
            let ea := shr(23, absA)
            let eb := shr(23, absB)
            // Significands: the fraction plus the hidden bit 2^23 when the exponent field is nonzero.
            let ma := or(and(absA, 0x7fffff), shl(23, iszero(iszero(ea))))
            let mb := or(and(absB, 0x7fffff), shl(23, iszero(iszero(eb))))
            // Exact product of two significands below 2^24: below 2^48.
            product := mul(ma, mb)
            // |a| = ma * 2^(max(ea, 1) - 150) (ea + iszero(ea) maps a subnormal's 0 to 1), so the
            // product's exponent is max(ea, 1) + max(eb, 1) - 300, in [-298, 208]: no wrap.
            exponent := sub(add(add(ea, iszero(ea)), add(eb, iszero(eb))), 300)
        }
        // The product is exact and rounded once, in roundPack.
        return roundPack(signBit, product, exponent);
    }

    /// @notice f32(a / b): the correctly rounded (half to even) binary32 quotient.
    /// @dev NaN if either operand is NaN, for 0 / 0 and for ±Inf / ±Inf; x / ±0 = ±Inf for finite
    ///      nonzero x; ±Inf / finite = ±Inf; finite / ±Inf = ±0; the sign is sign(a) XOR sign(b).
    function div(uint32 a, uint32 b) internal pure returns (uint32) {
        uint256 signBit = uint256(a ^ b) & SIGN_MASK;
        uint256 absA = a & ABS_MASK;
        uint256 absB = b & ABS_MASK;
        // INVARIANT: the unpacking below only ever sees finite operands, and a nonzero divisor.
        if (absA >= POSITIVE_INFINITY || absB >= POSITIVE_INFINITY) {
            if (absA > POSITIVE_INFINITY || absB > POSITIVE_INFINITY) return CANONICAL_NAN;
            if (absA == POSITIVE_INFINITY) {
                return absB == POSITIVE_INFINITY ? CANONICAL_NAN : uint32(signBit | POSITIVE_INFINITY);
            }
            return uint32(signBit); // finite / ±Inf
        }
        if (absB == 0) return absA == 0 ? CANONICAL_NAN : uint32(signBit | POSITIVE_INFINITY);
        if (absA == 0) return uint32(signBit);
        uint256 significand;
        int256 exponent;
        assembly ("memory-safe") {
            // Biased exponent fields (0 for subnormals; both operands are finite and nonzero).
            let ea := shr(23, absA)
            let eb := shr(23, absB)
            // Significands: the fraction plus the hidden bit 2^23 when the exponent field is nonzero.
            let ma := or(and(absA, 0x7fffff), shl(23, iszero(iszero(ea))))
            let mb := or(and(absB, 0x7fffff), shl(23, iszero(iszero(eb))))
            // ma < 2^24, so ma << 64 < 2^88 cannot overflow; mb != 0 (b is nonzero).
            let scaled := shl(_DIV_EXTRA_BITS, ma)
            // Truncated integer quotient: at least 2^40 since ma >= 1 and mb < 2^24.
            let quotient := div(scaled, mb)
            // Exact value = (ma / mb) * 2^(ea' - eb') = (quotient + frac) * 2^(ea' - eb' - 64) with
            // 0 <= frac < 1 (ea' = max(ea, 1)). (2 * quotient + sticky) * 2^(ea' - eb' - 65), with
            // sticky = 1 when the division was inexact, rounds exactly like it: roundPack drops at
            // least 2 of its bits (quotient has >= 40 bits, at most 24 are kept), so no rounding
            // boundary lies strictly between the two.
            significand := or(shl(1, quotient), iszero(iszero(mod(scaled, mb))))
            // max(ea, 1) - max(eb, 1) - 65 is in [-318, 188]: no wrap.
            exponent := sub(sub(add(ea, iszero(ea)), add(eb, iszero(eb))), add(_DIV_EXTRA_BITS, 1))
        }
        return roundPack(signBit, significand, exponent);
    }

    /*//////////////////////////////////////////////////////////////
                               CONVERSIONS
    //////////////////////////////////////////////////////////////*/

    /// @notice f32(v): the integer rounded to the nearest binary32, ties to even. Defined for every
    ///         int256 (the brief needs |v| < 2^63); |v| >= 2^128 - 2^103 rounds to ±Inf. 0 gives +0.
    function fromInt(int256 v) internal pure returns (uint32) {
        if (v == 0) return 0;
        uint256 signBit;
        uint256 magnitude;
        unchecked {
            // -v wraps only for type(int256).min, whose wrapped value reinterpreted as uint256 is
            // exactly 2^255 = |type(int256).min|; every other negation is exact.
            signBit = v < 0 ? SIGN_MASK : 0;
            magnitude = v < 0 ? uint256(-v) : uint256(v);
        }
        return roundPack(signBit, magnitude, 0);
    }

    /// @notice The integer nearest to the finite value `f`, ties to even (RNE(f) of SEMANTICS.md).
    ///         -0 and negative values that round to zero give 0. |result| <= 2^128.
    /// @dev Reverts with `Float32NotFinite` for NaN and ±Inf: callers decide what those mean
    ///      (quantize maps NaN to qmin and ±Inf to the saturation bounds) before calling this.
    function roundHalfEven(uint32 f) internal pure returns (int256 value) {
        uint256 abs = f & ABS_MASK;
        // INVARIANT: only finite values have an integer value.
        if (abs >= POSITIVE_INFINITY) revert Float32NotFinite(f);
        bool negative = f & SIGN_MASK != 0;
        assembly ("memory-safe") {
            // Biased exponent field and significand (hidden bit added for normals).
            let biased := shr(23, abs)
            let m := or(and(abs, 0x7fffff), shl(23, iszero(iszero(biased))))
            // |f| = m * 2^e with e = max(biased, 1) - 150, in [-149, 104].
            let e := sub(add(biased, iszero(biased)), 150)
            let magnitude
            switch slt(e, 0)
            case 0 {
                // An integer already: m * 2^e < 2^24 * 2^104 = 2^128, exact.
                magnitude := shl(e, m)
            }
            default {
                // 1 <= shift <= 149 fractional bits.
                let shift := sub(0, e)
                // Integer part.
                magnitude := shr(shift, m)
                // Fractional bits, compared with one half (2^(shift - 1)).
                let rem := and(m, sub(shl(shift, 1), 1))
                let half := shl(sub(shift, 1), 1)
                // Round up above one half, or at one half when the integer part is odd.
                magnitude := add(magnitude, or(gt(rem, half), and(eq(rem, half), and(magnitude, 1))))
            }
            // magnitude <= 2^128, so the two's complement negation is exact as an int256.
            value := magnitude
            if negative { value := sub(0, magnitude) }
        }
    }

    /*//////////////////////////////////////////////////////////////
                                 ROUNDING
    //////////////////////////////////////////////////////////////*/

    /// @notice f32((-1)^sign * significand * 2^exponent), correctly rounded (half to even):
    ///         subnormal results are rounded at 2^-149, results beyond the largest finite value
    ///         become ±Inf, a zero significand (or a value at most 2^-150) gives ±0.
    /// @param signBit 0 or SIGN_MASK (0x80000000); any other value gives a garbage pattern.
    /// @param significand any uint256.
    /// @param exponent must satisfy |exponent| < 2^128 (no int256 overflow in the arithmetic).
    function roundPack(uint256 signBit, uint256 significand, int256 exponent) internal pure returns (uint32 result) {
        assembly ("memory-safe") {
            // msb = floor(log2(significand)) by binary search (0 for a zero significand): each
            // step adds 2^k when the bits above msb + 2^k are nonzero.
            let msb := shl(7, lt(0xffffffffffffffffffffffffffffffff, significand))
            msb := or(msb, shl(6, lt(0xffffffffffffffff, shr(msb, significand))))
            msb := or(msb, shl(5, lt(0xffffffff, shr(msb, significand))))
            msb := or(msb, shl(4, lt(0xffff, shr(msb, significand))))
            msb := or(msb, shl(3, lt(0xff, shr(msb, significand))))
            msb := or(msb, shl(2, lt(0xf, shr(msb, significand))))
            msb := or(msb, shl(1, lt(0x3, shr(msb, significand))))
            // Last step: significand >> msb is now in [1, 3]; add 1 when it is 2 or 3.
            msb := or(msb, lt(0x1, shr(msb, significand)))
            // Keeping 24 significant bits puts the quantum (unit in the last place) at bit msb - 23
            // of the significand, i.e. at 2^(msb - 23 + exponent). Signed; |exponent| < 2^128.
            let q := add(sub(msb, 23), exponent)
            // The subnormal range has a fixed quantum of 2^-149.
            if slt(q, sub(0, 149)) { q := sub(0, 149) }
            // Bits to drop from the significand (negative: the value is exact, shift it left).
            let shift := sub(q, exponent)
            let m
            switch sgt(shift, 0)
            case 0 {
                // Exact: m < 2^24 (< 2^23 when the quantum was clamped), no bits are lost.
                m := shl(sub(0, shift), significand)
            }
            default {
                // Truncated result (0 when shift >= 256).
                m := shr(shift, significand)
                // Dropped bits: significand mod 2^shift (all ones mask when shl overflows at 256).
                let rem := and(significand, sub(shl(shift, 1), 1))
                // Half a unit of the result: 2^(shift - 1); 0 when shift > 256, where every
                // significand < 2^256 <= 2^(shift - 1) is below the midpoint: force "no round up".
                let half := shl(sub(shift, 1), 1)
                if gt(shift, 256) { half := not(0) }
                // Round up above the midpoint, or at it when the truncated result is odd (to even).
                m := add(m, or(gt(rem, half), and(eq(rem, half), and(m, 1))))
            }
            // Packing: with quantum 2^q, a normal result has m in [2^23, 2^24] and biased exponent
            // q + 150, so its pattern is ((q + 150) << 23) + (m - 2^23) = ((q + 149) << 23) + m; a
            // subnormal (q = -149, m < 2^23) is m itself; m = 2^24 after a rounding carry moves into
            // the next binade, and m = 2^23 after rounding a subnormal up is the smallest normal.
            let bits := add(shl(23, add(q, 149)), m)
            // A quantum above 2^104 means a value of 2^128 or more, and a carry out of the largest
            // binade lands exactly on the Inf pattern: both overflow to Inf.
            if or(sgt(q, 104), iszero(lt(bits, 0x7f800000))) { bits := 0x7f800000 }
            // A zero significand is a signed zero (the steps above gave m = 0 but a nonzero q field).
            if iszero(significand) { bits := 0 }
            result := or(signBit, bits)
        }
    }
}
