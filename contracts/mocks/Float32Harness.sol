// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {LibFloat32} from "../libraries/LibFloat32.sol";
import {LibQuant} from "../libraries/LibQuant.sol";

/// @notice TESTS ONLY: exposes LibFloat32 and LibQuant, one case at a time and in batches (so that
///         thousands of differential cases go in one eth_call), plus gas probes. Never deployed.
/// @dev Batches take packed big-endian records and return packed results (ABI-encoding arrays of
///      structs costs the tests seconds per call). Record layouts, in bytes:
/// | function         | record                                                    | result |
/// | ---------------- | --------------------------------------------------------- | ------ |
/// | mul, div         | a u32, b u32                                              | u32    |
/// | fromInt          | v i256                                                    | u32    |
/// | roundHalfEven    | f u32                                                     | i256   |
/// | quantize         | x u32, scale u32, zp i64, qmin i64, qmax i64              | i64    |
/// | dequantize       | x i64, zp i64, scale u32                                  | u32    |
/// | multiplier       | xs u32, ws u32, ys u32                                    | u32    |
/// | gemmMultiplier   | alpha u32, aScale u32, bScale u32, yScale u32, hasY u8    | u32    |
/// | requantize       | acc i64, m u32, zp i64, qmin i64, qmax i64                | i64    |
/// | scaleAccumulator | acc i64, m u32                                            | u32    |
contract Float32Harness {
    uint256 internal constant MUL_RECORD = 8;
    uint256 internal constant FROM_INT_RECORD = 32;
    uint256 internal constant RNE_RECORD = 4;
    uint256 internal constant QUANTIZE_RECORD = 32;
    uint256 internal constant DEQUANTIZE_RECORD = 20;
    uint256 internal constant MULTIPLIER_RECORD = 12;
    uint256 internal constant GEMM_RECORD = 17;
    uint256 internal constant REQUANTIZE_RECORD = 36;
    uint256 internal constant SCALE_ACC_RECORD = 12;

    /*//////////////////////////////////////////////////////////////
                                 SINGLE
    //////////////////////////////////////////////////////////////*/

    function mul(uint32 a, uint32 b) external pure returns (uint32) {
        return LibFloat32.mul(a, b);
    }

    function div(uint32 a, uint32 b) external pure returns (uint32) {
        return LibFloat32.div(a, b);
    }

    function fromInt(int256 v) external pure returns (uint32) {
        return LibFloat32.fromInt(v);
    }

    function roundHalfEven(uint32 f) external pure returns (int256) {
        return LibFloat32.roundHalfEven(f);
    }

    function classify(uint32 f) external pure returns (bool nan, bool inf, bool finite, bool zero, bool negative) {
        return (LibFloat32.isNaN(f), LibFloat32.isInf(f), LibFloat32.isFinite(f), LibFloat32.isZero(f), LibFloat32.sign(f));
    }

    function quantize(uint32 x, uint32 scale, int256 zp, int256 qmin, int256 qmax) external pure returns (int256) {
        return LibQuant.quantize(x, scale, zp, qmin, qmax);
    }

    function dequantize(int256 x, int256 zp, uint32 scale) external pure returns (uint32) {
        return LibQuant.dequantize(x, zp, scale);
    }

    function requantize(int256 acc, uint32 m, int256 zp, int256 qmin, int256 qmax) external pure returns (int256) {
        return LibQuant.requantize(acc, m, zp, qmin, qmax);
    }

    function wrapInt32(int256 v) external pure returns (int256) {
        return LibQuant.wrapInt32(v);
    }

    function saturate(int256 v, int256 lo, int256 hi) external pure returns (int256) {
        return LibQuant.saturate(v, lo, hi);
    }

    /*//////////////////////////////////////////////////////////////
                                 BATCHES
    //////////////////////////////////////////////////////////////*/

    function mulBatch(bytes calldata d) external pure returns (bytes memory out) {
        uint256 n = d.length / MUL_RECORD;
        out = new bytes(n * 4);
        for (uint256 i; i < n; ++i) {
            uint256 o = i * MUL_RECORD;
            _put(out, i * 4, LibFloat32.mul(_u32(d, o), _u32(d, o + 4)), 4);
        }
    }

    function divBatch(bytes calldata d) external pure returns (bytes memory out) {
        uint256 n = d.length / MUL_RECORD;
        out = new bytes(n * 4);
        for (uint256 i; i < n; ++i) {
            uint256 o = i * MUL_RECORD;
            _put(out, i * 4, LibFloat32.div(_u32(d, o), _u32(d, o + 4)), 4);
        }
    }

    function fromIntBatch(bytes calldata d) external pure returns (bytes memory out) {
        uint256 n = d.length / FROM_INT_RECORD;
        out = new bytes(n * 4);
        for (uint256 i; i < n; ++i) {
            _put(out, i * 4, LibFloat32.fromInt(int256(uint256(bytes32(d[i * 32:i * 32 + 32])))), 4);
        }
    }

    function roundHalfEvenBatch(bytes calldata d) external pure returns (bytes memory out) {
        uint256 n = d.length / RNE_RECORD;
        out = new bytes(n * 32);
        for (uint256 i; i < n; ++i) {
            _put(out, i * 32, uint256(LibFloat32.roundHalfEven(_u32(d, i * 4))), 32);
        }
    }

    function quantizeBatch(bytes calldata d) external pure returns (bytes memory out) {
        uint256 n = d.length / QUANTIZE_RECORD;
        out = new bytes(n * 8);
        for (uint256 i; i < n; ++i) {
            uint256 o = i * QUANTIZE_RECORD;
            int256 q = LibQuant.quantize(_u32(d, o), _u32(d, o + 4), _i64(d, o + 8), _i64(d, o + 16), _i64(d, o + 24));
            _put(out, i * 8, uint256(q), 8);
        }
    }

    function dequantizeBatch(bytes calldata d) external pure returns (bytes memory out) {
        uint256 n = d.length / DEQUANTIZE_RECORD;
        out = new bytes(n * 4);
        for (uint256 i; i < n; ++i) {
            uint256 o = i * DEQUANTIZE_RECORD;
            _put(out, i * 4, LibQuant.dequantize(_i64(d, o), _i64(d, o + 8), _u32(d, o + 16)), 4);
        }
    }

    function multiplierBatch(bytes calldata d) external pure returns (bytes memory out) {
        uint256 n = d.length / MULTIPLIER_RECORD;
        out = new bytes(n * 4);
        for (uint256 i; i < n; ++i) {
            uint256 o = i * MULTIPLIER_RECORD;
            _put(out, i * 4, LibQuant.multiplier(_u32(d, o), _u32(d, o + 4), _u32(d, o + 8)), 4);
        }
    }

    function gemmMultiplierBatch(bytes calldata d) external pure returns (bytes memory out) {
        uint256 n = d.length / GEMM_RECORD;
        out = new bytes(n * 4);
        for (uint256 i; i < n; ++i) {
            uint256 o = i * GEMM_RECORD;
            uint32 m = LibQuant.gemmMultiplier(_u32(d, o), _u32(d, o + 4), _u32(d, o + 8), _u32(d, o + 12), d[o + 16] != 0);
            _put(out, i * 4, m, 4);
        }
    }

    function requantizeBatch(bytes calldata d) external pure returns (bytes memory out) {
        uint256 n = d.length / REQUANTIZE_RECORD;
        out = new bytes(n * 8);
        for (uint256 i; i < n; ++i) {
            uint256 o = i * REQUANTIZE_RECORD;
            int256 q = LibQuant.requantize(_i64(d, o), _u32(d, o + 8), _i64(d, o + 12), _i64(d, o + 20), _i64(d, o + 28));
            _put(out, i * 8, uint256(q), 8);
        }
    }

    function scaleAccumulatorBatch(bytes calldata d) external pure returns (bytes memory out) {
        uint256 n = d.length / SCALE_ACC_RECORD;
        out = new bytes(n * 4);
        for (uint256 i; i < n; ++i) {
            uint256 o = i * SCALE_ACC_RECORD;
            _put(out, i * 4, LibQuant.scaleAccumulator(_i64(d, o), _u32(d, o + 8)), 4);
        }
    }

    /*//////////////////////////////////////////////////////////////
                               GAS PROBES
    //////////////////////////////////////////////////////////////*/
    // Each returns the largest and the summed gas of the library call alone over the records
    // (same layouts as the batches), measured as gasleft() differences around the call with the
    // arguments already on the stack (a few gas of probe overhead included). Results are folded
    // into `sink` so that the optimizer cannot drop the measured call.

    function mulGas(bytes calldata d) external view returns (uint256 maxGas, uint256 sumGas, uint256 sink) {
        for (uint256 o; o < d.length; o += MUL_RECORD) {
            (uint32 a, uint32 b) = (_u32(d, o), _u32(d, o + 4));
            uint256 g = gasleft();
            uint256 r = LibFloat32.mul(a, b);
            g -= gasleft();
            (maxGas, sumGas, sink) = _tally(maxGas, sumGas, sink, g, r);
        }
    }

    function divGas(bytes calldata d) external view returns (uint256 maxGas, uint256 sumGas, uint256 sink) {
        for (uint256 o; o < d.length; o += MUL_RECORD) {
            (uint32 a, uint32 b) = (_u32(d, o), _u32(d, o + 4));
            uint256 g = gasleft();
            uint256 r = LibFloat32.div(a, b);
            g -= gasleft();
            (maxGas, sumGas, sink) = _tally(maxGas, sumGas, sink, g, r);
        }
    }

    function fromIntGas(bytes calldata d) external view returns (uint256 maxGas, uint256 sumGas, uint256 sink) {
        for (uint256 o; o < d.length; o += FROM_INT_RECORD) {
            int256 v = int256(uint256(bytes32(d[o:o + 32])));
            uint256 g = gasleft();
            uint256 r = LibFloat32.fromInt(v);
            g -= gasleft();
            (maxGas, sumGas, sink) = _tally(maxGas, sumGas, sink, g, r);
        }
    }

    function roundHalfEvenGas(bytes calldata d) external view returns (uint256 maxGas, uint256 sumGas, uint256 sink) {
        for (uint256 o; o < d.length; o += RNE_RECORD) {
            uint32 f = _u32(d, o);
            uint256 g = gasleft();
            uint256 r = uint256(LibFloat32.roundHalfEven(f));
            g -= gasleft();
            (maxGas, sumGas, sink) = _tally(maxGas, sumGas, sink, g, r);
        }
    }

    function quantizeGas(bytes calldata d) external view returns (uint256 maxGas, uint256 sumGas, uint256 sink) {
        for (uint256 o; o < d.length; o += QUANTIZE_RECORD) {
            (uint32 x, uint32 s, int256 zp, int256 lo, int256 hi) =
                (_u32(d, o), _u32(d, o + 4), _i64(d, o + 8), _i64(d, o + 16), _i64(d, o + 24));
            uint256 g = gasleft();
            uint256 r = uint256(LibQuant.quantize(x, s, zp, lo, hi));
            g -= gasleft();
            (maxGas, sumGas, sink) = _tally(maxGas, sumGas, sink, g, r);
        }
    }

    function dequantizeGas(bytes calldata d) external view returns (uint256 maxGas, uint256 sumGas, uint256 sink) {
        for (uint256 o; o < d.length; o += DEQUANTIZE_RECORD) {
            (int256 x, int256 zp, uint32 s) = (_i64(d, o), _i64(d, o + 8), _u32(d, o + 16));
            uint256 g = gasleft();
            uint256 r = LibQuant.dequantize(x, zp, s);
            g -= gasleft();
            (maxGas, sumGas, sink) = _tally(maxGas, sumGas, sink, g, r);
        }
    }

    function multiplierGas(bytes calldata d) external view returns (uint256 maxGas, uint256 sumGas, uint256 sink) {
        for (uint256 o; o < d.length; o += MULTIPLIER_RECORD) {
            (uint32 xs, uint32 ws, uint32 ys) = (_u32(d, o), _u32(d, o + 4), _u32(d, o + 8));
            uint256 g = gasleft();
            uint256 r = LibQuant.multiplier(xs, ws, ys);
            g -= gasleft();
            (maxGas, sumGas, sink) = _tally(maxGas, sumGas, sink, g, r);
        }
    }

    function gemmMultiplierGas(bytes calldata d) external view returns (uint256 maxGas, uint256 sumGas, uint256 sink) {
        for (uint256 o; o < d.length; o += GEMM_RECORD) {
            (uint32 alpha, uint32 aScale, uint32 bScale, uint32 yScale) = (_u32(d, o), _u32(d, o + 4), _u32(d, o + 8), _u32(d, o + 12));
            bool hasY = d[o + 16] != 0;
            uint256 g = gasleft();
            uint256 r = LibQuant.gemmMultiplier(alpha, aScale, bScale, yScale, hasY);
            g -= gasleft();
            (maxGas, sumGas, sink) = _tally(maxGas, sumGas, sink, g, r);
        }
    }

    function requantizeGas(bytes calldata d) external view returns (uint256 maxGas, uint256 sumGas, uint256 sink) {
        for (uint256 o; o < d.length; o += REQUANTIZE_RECORD) {
            (int256 acc, uint32 m, int256 zp, int256 lo, int256 hi) =
                (_i64(d, o), _u32(d, o + 8), _i64(d, o + 12), _i64(d, o + 20), _i64(d, o + 28));
            uint256 g = gasleft();
            uint256 r = uint256(LibQuant.requantize(acc, m, zp, lo, hi));
            g -= gasleft();
            (maxGas, sumGas, sink) = _tally(maxGas, sumGas, sink, g, r);
        }
    }

    /*//////////////////////////////////////////////////////////////
                                 HELPERS
    //////////////////////////////////////////////////////////////*/

    function _tally(uint256 maxGas, uint256 sumGas, uint256 sink, uint256 g, uint256 r)
        private
        pure
        returns (uint256, uint256, uint256)
    {
        return (g > maxGas ? g : maxGas, sumGas + g, sink ^ r);
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
            // The field's bytes at the top of the word (shl drops the bits above `width` bytes),
            // the following bytes unchanged (past the end of `out` they are free memory).
            mstore(p, or(shl(keepBits, value), and(mload(p), sub(shl(keepBits, 1), 1))))
        }
    }
}
