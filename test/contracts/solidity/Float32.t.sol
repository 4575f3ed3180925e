// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {TestBase} from "./Vm.sol";
import {LibFloat32} from "../../../contracts/libraries/LibFloat32.sol";
import {LibQuant} from "../../../contracts/libraries/LibQuant.sol";

/// @notice Algebraic properties of LibFloat32 and LibQuant, fuzzed. The bit-exact differential
///         tests against JavaScript are in test/contracts/float32.test.ts; these check laws that
///         every correctly rounded IEEE implementation obeys, over inputs the fuzzer picks.
contract Float32Test is TestBase {
    uint32 internal constant SIGN = 0x80000000;

    function _isNaN(uint32 f) internal pure returns (bool) {
        return LibFloat32.isNaN(f);
    }

    function testFuzz_mul_commutative_succeeds(uint32 a, uint32 b) public pure {
        require(LibFloat32.mul(a, b) == LibFloat32.mul(b, a), "a*b != b*a");
    }

    function testFuzz_div_commutesWithNegation_succeeds(uint32 a, uint32 b) public pure {
        uint32 q = LibFloat32.div(a, b);
        if (_isNaN(q)) return;
        require(LibFloat32.div(a ^ SIGN, b) == q ^ SIGN, "(-a)/b != -(a/b)");
        require(LibFloat32.div(a, b ^ SIGN) == q ^ SIGN, "a/(-b) != -(a/b)");
    }

    function testFuzz_mul_signRule_succeeds(uint32 a, uint32 b) public pure {
        uint32 p = LibFloat32.mul(a, b);
        if (_isNaN(a) || _isNaN(b)) {
            require(p == LibFloat32.CANONICAL_NAN, "NaN in, canonical NaN out");
            return;
        }
        if (_isNaN(p)) return; // 0 * Inf
        require(LibFloat32.sign(p) == (LibFloat32.sign(a) != LibFloat32.sign(b)), "sign(a*b) != sign(a)^sign(b)");
    }

    function testFuzz_mul_oneIsIdentity_succeeds(uint32 a) public pure {
        if (_isNaN(a)) return;
        require(LibFloat32.mul(a, LibFloat32.ONE) == a, "a*1 != a");
        require(LibFloat32.div(a, LibFloat32.ONE) == a, "a/1 != a");
    }

    function testFuzz_div_selfIsOne_succeeds(uint32 a) public pure {
        if (!LibFloat32.isFinite(a) || LibFloat32.isZero(a)) return;
        require(LibFloat32.div(a, a) == LibFloat32.ONE, "a/a != 1");
    }

    /// Dividing by 2^k and multiplying by 2^-k round the same exact value: equal bit for bit,
    /// subnormal and overflowing results included.
    function testFuzz_div_powerOfTwoEqualsMulByInverse_succeeds(uint32 a, uint256 k) public pure {
        k = bound(k, 1, 254); // biased exponents of 2^k and 2^-k both in [1, 254]
        uint32 p = uint32(k << 23);
        uint32 inverse = uint32((254 - k) << 23);
        uint32 q = LibFloat32.div(a, p);
        if (_isNaN(q)) return;
        require(q == LibFloat32.mul(a, inverse), "a/2^k != a*2^-k");
    }

    function testFuzz_fromInt_roundTripsBelow2To24_succeeds(int256 v) public pure {
        v = int256(bound(uint256(v), 0, 1 << 25)) - (1 << 24);
        require(LibFloat32.roundHalfEven(LibFloat32.fromInt(v)) == v, "RNE(f32(v)) != v for |v| <= 2^24");
    }

    function testFuzz_fromInt_isOddSymmetric_succeeds(int256 v) public pure {
        if (v == type(int256).min) return;
        require(LibFloat32.fromInt(-v) == LibFloat32.fromInt(v) ^ (v == 0 ? 0 : SIGN), "f32(-v) != -f32(v)");
    }

    function testFuzz_roundHalfEven_withinHalf_succeeds(uint32 f) public pure {
        if (!LibFloat32.isFinite(f)) return;
        int256 r = LibFloat32.roundHalfEven(f);
        // |f - r| <= 1/2, checked exactly as |2f - 2r| <= 1 on f's significand grid when f < 2^24.
        uint256 abs = f & 0x7fffffff;
        if (abs >= 0x4b800000) return; // |f| >= 2^24: f is an integer, r must be f
        // f * 2^150 is an integer: m * 2^(max(e,1)); compare with r * 2^150.
        uint256 biased = abs >> 23;
        int256 m = int256((abs & 0x7fffff) | (biased == 0 ? 0 : 0x800000));
        int256 scaledF = (LibFloat32.sign(f) ? -m : m) * int256(1 << (biased == 0 ? 1 : biased));
        int256 diff = scaledF - r * int256(1 << 150);
        if (diff < 0) diff = -diff;
        require(diff <= int256(1 << 149), "|f - RNE(f)| > 1/2");
        if (diff == int256(1 << 149)) require(r % 2 == 0, "tie not to even");
    }

    function testFuzz_quantize_staysInRange_succeeds(uint32 x, uint32 s, uint256 zp) public pure {
        zp = bound(zp, 0, 255);
        int256 q = LibQuant.quantize(x, s, int256(zp), 0, 255);
        require(q >= 0 && q <= 255, "uint8 quantize out of range");
        q = LibQuant.quantize(x, s, int256(zp) - 128, -128, 127);
        require(q >= -128 && q <= 127, "int8 quantize out of range");
    }

    function testFuzz_dequantize_quantize_roundTrips_succeeds(uint256 q, uint256 zp, uint256 e) public pure {
        // For a power-of-two scale every int8 level is exactly representable and recovered.
        q = bound(q, 0, 255);
        zp = bound(zp, 0, 255);
        uint32 s = uint32(bound(e, 100, 140) << 23);
        uint32 y = LibQuant.dequantize(int256(q), int256(zp), s);
        require(LibQuant.quantize(y, s, int256(zp), 0, 255) == int256(q), "quantize(dequantize(q)) != q");
    }
}
