// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {LibFloat32} from "../libraries/LibFloat32.sol";
import {LibQuant} from "../libraries/LibQuant.sol";
import {AccumulateVerifier} from "../dispute/verifiers/AccumulateVerifier.sol";

/// @notice TESTS ONLY: AccumulateVerifier with one of the wrong formulas of shared/SEMANTICS.md
///         swapped in. The mutation-guard test checks that the differential suite catches each of
///         them (some step of some case disagrees with the reference tracer). Never deployed.
contract AccumulateVerifierMutant is AccumulateVerifier {
    enum Mutant {
        /// The canonical formulas (a control: must agree everywhere).
        None,
        /// Requantize skipping f32(acc): sat(RNE(f32(acc * M)) + zp), the exact product rounded once.
        SkipAccRounding,
        /// M = f32(xs * f32(ws / ys)).
        DivideWeightFirst,
        /// MaxPool padding compared as 0 instead of the type minimum.
        MaxPoolPadZero,
        /// Round half away from zero instead of half to even.
        RoundHalfAway
    }

    Mutant public immutable mutant;

    constructor(Mutant mutant_) {
        mutant = mutant_;
    }

    function _multiplier(uint32 xs, uint32 ws, uint32 ys) internal view override returns (uint32) {
        if (mutant == Mutant.DivideWeightFirst) return LibFloat32.mul(xs, LibFloat32.div(ws, ys));
        return super._multiplier(xs, ws, ys);
    }

    function _requantize(int256 acc, uint32 m, int256 zp, int256 qmin, int256 qmax)
        internal
        view
        override
        returns (int256)
    {
        if (mutant == Mutant.SkipAccRounding) {
            uint32 v = _exactProduct(acc, m);
            if (LibFloat32.isInf(v)) return LibFloat32.sign(v) ? qmin : qmax;
            return LibQuant.saturate(LibFloat32.roundHalfEven(v) + zp, qmin, qmax);
        }
        if (mutant == Mutant.RoundHalfAway) {
            uint32 v = LibFloat32.mul(LibFloat32.fromInt(acc), m);
            if (LibFloat32.isInf(v)) return LibFloat32.sign(v) ? qmin : qmax;
            return LibQuant.saturate(_roundHalfAway(v) + zp, qmin, qmax);
        }
        return super._requantize(acc, m, zp, qmin, qmax);
    }

    function _padMax(int256 previous, uint8 dtype) internal view override returns (int256) {
        if (mutant == Mutant.MaxPoolPadZero) return previous > 0 ? previous : int256(0);
        return super._padMax(previous, dtype);
    }

    /// @dev f32(acc * m) with the integer taken exactly (finite m).
    function _exactProduct(int256 acc, uint32 m) private pure returns (uint32) {
        uint256 absM = m & LibFloat32.ABS_MASK;
        if (acc == 0 || absM >= LibFloat32.POSITIVE_INFINITY) return LibFloat32.mul(LibFloat32.fromInt(acc), m);
        (uint256 mm, int256 e) = _unpack(absM);
        uint256 absAcc = acc < 0 ? uint256(-acc) : uint256(acc);
        uint256 signBit = (acc < 0) != LibFloat32.sign(m) ? uint256(LibFloat32.SIGN_MASK) : 0;
        return LibFloat32.roundPack(signBit, absAcc * mm, e);
    }

    function _roundHalfAway(uint32 f) private pure returns (int256) {
        (uint256 m, int256 e) = _unpack(f & LibFloat32.ABS_MASK);
        uint256 magnitude;
        if (e >= 0) {
            magnitude = m << uint256(e);
        } else {
            uint256 sh = uint256(-e);
            magnitude = sh > 255 ? 0 : m >> sh;
            if (sh <= 255 && (m >> (sh - 1)) & 1 == 1) magnitude += 1;
        }
        return LibFloat32.sign(f) ? -int256(magnitude) : int256(magnitude);
    }

    function _unpack(uint256 abs) private pure returns (uint256 m, int256 e) {
        uint256 biased = abs >> 23;
        m = abs & LibFloat32.FRACTION_MASK;
        if (biased == 0) return (m, -149);
        return (m | 0x800000, int256(biased) - 150);
    }
}
