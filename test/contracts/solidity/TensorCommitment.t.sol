// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {TestBase} from "./Vm.sol";
import {TensorCommitmentHarness} from "../../../contracts/mocks/TensorCommitmentHarness.sol";
import {TensorCommitment} from "../../../contracts/libraries/TensorCommitment.sol";
import {LibTensorType, TensorType} from "../../../contracts/libraries/TensorType.sol";

/// @notice Plain, slow, obviously-correct implementations of the spec (docs/SPEC.md, "Tensor
///         commitment", "Tensor type word"), written without looking at the optimized code's tricks.
library Reference {
    /// Leaves: 32-byte chunks of `data`, the last zero-padded; count padded with zero leaves to a
    /// power of two, at least 2. Node over two leaves = sha256(0x00‖l‖r), over nodes sha256(0x01‖l‖r).
    function root(bytes memory data) internal pure returns (bytes32) {
        uint256 chunks = (data.length + 31) / 32;
        uint256 width = 2;
        while (width < chunks) width *= 2;
        bytes32[] memory level = new bytes32[](width);
        for (uint256 i; i < chunks; ++i) {
            bytes32 leaf;
            for (uint256 b; b < 32; ++b) {
                uint256 k = i * 32 + b;
                if (k < data.length) leaf |= bytes32(data[k]) >> (8 * b);
            }
            level[i] = leaf;
        }
        bytes1 tag = 0x00;
        while (width > 1) {
            width /= 2;
            bytes32[] memory up = new bytes32[](width);
            for (uint256 i; i < width; ++i) {
                up[i] = sha256(bytes.concat(tag, level[2 * i], level[2 * i + 1]));
            }
            level = up;
            tag = 0x01;
        }
        return level[0];
    }

    /// ONNX TensorProto.DataType element sizes; 0 = not a protocol type.
    function elementSize(uint256 dtype) internal pure returns (uint256) {
        uint8[14] memory sizes = [0, 4, 1, 1, 2, 2, 4, 8, 0, 1, 2, 8, 4, 8];
        return dtype < 14 ? sizes[dtype] : 0;
    }

    /// Canonical iff dtype is a protocol type, rank <= 8, every dim slot >= rank is zero, and
    /// bytes 26..31 are zero. Read byte by byte.
    function isCanonical(bytes32 w) internal pure returns (bool) {
        uint256 dtype = uint8(w[0]);
        uint256 rank = uint8(w[1]);
        if (elementSize(dtype) == 0) return false;
        if (rank > 8) return false;
        for (uint256 d = rank; d < 8; ++d) {
            for (uint256 b; b < 3; ++b) {
                if (w[2 + 3 * d + b] != 0) return false;
            }
        }
        for (uint256 b = 26; b < 32; ++b) {
            if (w[b] != 0) return false;
        }
        return true;
    }

    function dim(bytes32 w, uint256 d) internal pure returns (uint256 v) {
        for (uint256 b; b < 3; ++b) {
            v = v * 256 + uint8(w[2 + 3 * d + b]);
        }
    }

    /// For a canonical word: element size times the product of the first `rank` dims.
    function byteLength(bytes32 w) internal pure returns (uint256 n) {
        n = elementSize(uint8(w[0]));
        for (uint256 d; d < uint8(w[1]); ++d) {
            n *= dim(w, d);
        }
    }

    function word(uint256 dtype, uint256[] memory dims) internal pure returns (bytes32 w) {
        w = bytes32(dtype << 248) | bytes32(dims.length << 240);
        for (uint256 d; d < dims.length; ++d) {
            w |= bytes32(dims[d] << (216 - 24 * d));
        }
    }
}

contract TensorCommitmentTest is TestBase {
    TensorCommitmentHarness internal harness;

    uint256 internal constant MAX_LEN = 1500;

    function setUp() public {
        harness = new TensorCommitmentHarness();
    }

    /*//////////////////////////////////////////////////////////////
                                HELPERS
    //////////////////////////////////////////////////////////////*/

    /// Pseudo-random bytes of length `len` from `seed`.
    function _bytes(uint256 seed, uint256 len) internal pure returns (bytes memory out) {
        out = new bytes(len);
        for (uint256 i; i < len; i += 32) {
            bytes32 chunk = keccak256(abi.encode(seed, i));
            for (uint256 b; b < 32 && i + b < len; ++b) {
                out[i + b] = chunk[b];
            }
        }
    }

    /// A type word that is canonical or close to it: dtype 0..15, rank 0..9, dims random, and
    /// (when `corrupt` says so) one random byte of the word overwritten.
    function _nearCanonicalWord(uint256 seed, uint8 corrupt) internal pure returns (bytes32 w) {
        uint256 dtype = bound(uint256(keccak256(abi.encode(seed, "dtype"))), 0, 15);
        uint256 rank = bound(uint256(keccak256(abi.encode(seed, "rank"))), 0, 9);
        w = bytes32(dtype << 248) | bytes32(rank << 240);
        for (uint256 d; d < rank && d < 8; ++d) {
            uint256 v = uint256(keccak256(abi.encode(seed, d))) & 0xffffff;
            w |= bytes32(v << (216 - 24 * d));
        }
        if (corrupt % 3 == 0) {
            uint256 pos = bound(uint256(keccak256(abi.encode(seed, "pos"))), 0, 31);
            uint256 val = bound(uint256(keccak256(abi.encode(seed, "val"))), 1, 255);
            w = (w & ~(bytes32(uint256(0xff)) << (8 * (31 - pos)))) | (bytes32(val) << (8 * (31 - pos)));
        }
    }

    function _validates(bytes32 w) internal view returns (bool) {
        try harness.validate(TensorType.wrap(w)) {
            return true;
        } catch (bytes memory reason) {
            vm.assertEq(
                keccak256(reason),
                keccak256(abi.encodeWithSelector(LibTensorType.TensorTypeInvalid.selector, w)),
                "validate reverted with an unexpected error"
            );
            return false;
        }
    }

    /*//////////////////////////////////////////////////////////////
                                 ROOT
    //////////////////////////////////////////////////////////////*/

    function testFuzz_root_matchesReference_succeeds(uint256 seed, uint256 len) public view {
        len = bound(len, 0, MAX_LEN);
        bytes memory data = _bytes(seed, len);
        vm.assertEq(harness.root(data), Reference.root(data), "root != reference");
    }

    /// Raw fuzzer-chosen bytes (its own length distribution, dictionary values).
    function testFuzz_root_rawBytesMatchReference_succeeds(bytes calldata data) public view {
        vm.assume(data.length <= MAX_LEN);
        vm.assertEq(harness.root(data), Reference.root(data), "root != reference");
    }

    /// Every length at and around each level boundary up to 1500: 0, 1, 31..33, 63..65, ...
    function test_root_everyBoundaryLength_succeeds() public view {
        for (uint256 k; k * 32 <= MAX_LEN + 32; ++k) {
            for (uint256 off; off < 3; ++off) {
                if (k * 32 + off == 0) continue;
                uint256 len = k * 32 + off - 1;
                if (len > MAX_LEN) continue;
                bytes memory data = _bytes(len, len);
                vm.assertEq(harness.root(data), Reference.root(data), "root != reference at a boundary");
            }
        }
        vm.assertEq(harness.root(""), Reference.root(""), "root of empty data");
    }

    /// Zero data is not "no data": the same zeros in a wider tree have a different root, and
    /// trailing zero bytes inside the last leaf do not change the root (the leaf is zero-padded).
    function test_root_zeroPaddingSemantics_succeeds() public view {
        vm.assertEq(harness.root(""), harness.root(new bytes(64)), "0 bytes and 64 zero bytes: both 2 zero leaves");
        require(harness.root(new bytes(64)) != harness.root(new bytes(65)), "65 zero bytes need 4 leaves");
        vm.assertEq(harness.root(hex"41"), harness.root(hex"4100"), "trailing zero inside a leaf");
    }

    /// Published vectors (docs/vectors/tensor-commitment.json), checked here too.
    function test_commit_publishedVectors_succeeds() public view {
        TensorType t = TensorType.wrap(0x0200000000000000000000000000000000000000000000000000000000000000);
        vm.assertEq(harness.root(hex"41"), 0xa7deadb1bbe34d4056d9b801aa49fa68f53aa86d0af8a78ece27bd79225b6732, "v0 root");
        vm.assertEq(harness.commit(t, hex"41"), 0xbf7a216db22f110c4c7e5cbb35324823742c4e81f7189d246a4597f594f6f295, "v0 commitment");
        t = TensorType.wrap(0x0201000003000000000000000000000000000000000000000000000000000000);
        vm.assertEq(harness.root(hex"c51b28"), 0x70fb901aca33b2fb188a47e998ee288ff3d6b3e42dcce403e2659f63394fe2cf, "v2 root");
        vm.assertEq(harness.commit(t, hex"c51b28"), 0xb6bb04c576c9333fc63a642a7a3f4825d2bd38ae87cdfad8ee205ff633fe77d4, "v2 commitment");
    }

    /*//////////////////////////////////////////////////////////////
                           COMMIT / COMMITLIST
    //////////////////////////////////////////////////////////////*/

    function testFuzz_commit_matchesReference_succeeds(uint256 seed, uint8 dtypeIndex, uint256 d0, uint256 d1) public view {
        uint8[12] memory codes = [1, 2, 3, 4, 5, 6, 7, 9, 10, 11, 12, 13];
        uint256 dtype = codes[dtypeIndex % 12];
        uint256[] memory dims = new uint256[](2);
        dims[0] = bound(d0, 0, 40);
        dims[1] = bound(d1, 0, 40);
        bytes32 w = Reference.word(dtype, dims);
        uint256 len = Reference.byteLength(w);
        vm.assume(len <= MAX_LEN * 4);
        bytes memory data = _bytes(seed, len);
        bytes32 expected = sha256(bytes.concat(bytes1(0x02), w, Reference.root(data)));
        vm.assertEq(harness.commit(TensorType.wrap(w), data), expected, "commit != reference");
    }

    function testFuzz_commit_wrongLength_reverts(uint256 seed, uint256 n, uint256 len) public {
        uint256[] memory dims = new uint256[](1);
        dims[0] = bound(n, 0, 500);
        bytes32 w = Reference.word(6, dims); // int32 [n]: 4n bytes
        len = bound(len, 0, MAX_LEN);
        vm.assume(len != 4 * dims[0]);
        vm.expectRevert(
            abi.encodeWithSelector(TensorCommitment.TensorCommitmentLengthMismatch.selector, 4 * dims[0], len)
        );
        harness.commit(TensorType.wrap(w), _bytes(seed, len));
    }

    function testFuzz_commitList_matchesReference_succeeds(bytes32[] calldata commitments) public view {
        bytes memory packed = abi.encodePacked(bytes1(0x03), uint32(commitments.length));
        for (uint256 i; i < commitments.length; ++i) {
            packed = bytes.concat(packed, commitments[i]);
        }
        vm.assertEq(harness.commitList(commitments), sha256(packed), "commitList != reference");
    }

    /*//////////////////////////////////////////////////////////////
                         TENSOR TYPE VALIDATION
    //////////////////////////////////////////////////////////////*/

    function testFuzz_validate_nearCanonicalMatchesReference_succeeds(uint256 seed, uint8 corrupt) public view {
        bytes32 w = _nearCanonicalWord(seed, corrupt);
        vm.assertEq(_validates(w), Reference.isCanonical(w), "validate != reference");
    }

    /// Arbitrary words (almost all invalid) must be judged the same way too.
    function testFuzz_validate_anyWordMatchesReference_succeeds(bytes32 w) public view {
        vm.assertEq(_validates(w), Reference.isCanonical(w), "validate != reference");
    }

    /// Each of the 256 possible dtype bytes, with a canonical rest of the word.
    function test_validate_everyDtype_succeeds() public view {
        uint256 accepted;
        for (uint256 code; code < 256; ++code) {
            bytes32 w = bytes32(code << 248);
            bool ok = _validates(w);
            vm.assertEq(ok, Reference.isCanonical(w), "validate != reference for a dtype");
            if (ok) accepted++;
        }
        vm.assertEq(accepted, 12, "exactly the 12 protocol dtypes are accepted");
    }

    /// A non-zero byte in every single position of an otherwise canonical word, for every rank.
    function test_validate_everyBytePositionEveryRank_succeeds() public view {
        for (uint256 rank; rank <= 9; ++rank) {
            bytes32 base = bytes32(uint256(2) << 248) | bytes32(rank << 240);
            for (uint256 pos = 2; pos < 32; ++pos) {
                bytes32 w = base | (bytes32(uint256(1)) << (8 * (31 - pos)));
                vm.assertEq(_validates(w), Reference.isCanonical(w), "validate != reference at a byte");
            }
        }
    }

    /*//////////////////////////////////////////////////////////////
                              BYTE LENGTH
    //////////////////////////////////////////////////////////////*/

    function testFuzz_byteLength_matchesReference_succeeds(uint256 seed, uint8 corrupt) public view {
        bytes32 w = _nearCanonicalWord(seed, corrupt);
        vm.assume(Reference.isCanonical(w));
        vm.assertEq(harness.byteLength(TensorType.wrap(w)), Reference.byteLength(w), "byteLength != reference");
    }

    /// The largest canonical word does not overflow: (2^24 - 1)^8 * 8 < 2^256.
    function test_byteLength_maxDimsDoesNotOverflow_succeeds() public view {
        uint256[] memory dims = new uint256[](8);
        for (uint256 d; d < 8; ++d) dims[d] = 0xffffff;
        bytes32 w = Reference.word(13, dims);
        require(Reference.isCanonical(w), "max word should be canonical");
        vm.assertEq(harness.byteLength(TensorType.wrap(w)), 8 * (0xffffff ** 8), "max byteLength");
    }
}
