// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {TensorCommitment} from "../libraries/TensorCommitment.sol";
import {LibTensorType, TensorType} from "../libraries/TensorType.sol";

/// @notice TESTS ONLY: exposes the tensor libraries so that test vectors can be checked on-chain.
contract TensorCommitmentHarness {
    function root(bytes calldata data) external view returns (bytes32) {
        return TensorCommitment.root(data);
    }

    function commit(TensorType t, bytes calldata data) external view returns (bytes32) {
        t.validate();
        return TensorCommitment.commit(t, data);
    }

    function commitList(bytes32[] calldata commitments) external pure returns (bytes32) {
        return TensorCommitment.commitList(commitments);
    }

    function validate(TensorType t) external pure {
        t.validate();
    }

    function byteLength(TensorType t) external pure returns (uint256) {
        return t.byteLength();
    }

    /// @notice Gas of computing a root in a call, for benchmarks.
    function rootGas(bytes calldata data) external view returns (bytes32 r, uint256 gasUsed) {
        uint256 g = gasleft();
        r = TensorCommitment.root(data);
        gasUsed = g - gasleft();
    }
}
