// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IOneStepVerifier, StepInput} from "../dispute/verifiers/IOneStepVerifier.sol";
import {IStepSupport} from "../dispute/verifiers/IStepSupport.sol";

/// @title OracleVerifier
/// @notice TESTS ONLY: a one-step "verifier" that answers what the test told it the honest value
///         is. It lets the game's levels 0-3, clocks and bonds be tested apart from the real
///         verifiers (contracts/dispute/verifiers/). Never deployed by scripts/ or the CLI.
contract OracleVerifier is IOneStepVerifier, IStepSupport {
    error OracleNoAnswer(bytes32 key);

    mapping(bytes32 key => bytes32) private _answers;
    mapping(bytes32 key => bool) private _known;
    mapping(bytes32 descriptorHash => uint256) private _lengths;
    mapping(bytes32 descriptorHash => bytes32) private _unsupported;

    function key(bytes32 stateRoot, uint256 element, uint256 step_) public pure returns (bytes32) {
        return keccak256(abi.encode(stateRoot, element, step_));
    }

    function setAnswer(bytes32 stateRoot, uint256 element, uint256 step_, bytes32 value) external {
        bytes32 k = key(stateRoot, element, step_);
        _answers[k] = value;
        _known[k] = true;
    }

    function setLength(bytes32 descriptorHash, uint256 k) external {
        _lengths[descriptorHash] = k;
    }

    function accumulationLength(bytes calldata descriptor, bytes32[] calldata) external view returns (uint256) {
        return _lengths[keccak256(descriptor)];
    }

    /// @notice Test hook: a descriptor marked unsupported answers false with `reason`.
    function setUnsupported(bytes32 descriptorHash, bytes32 reason) external {
        _unsupported[descriptorHash] = reason;
    }

    function judges(bytes calldata descriptor, bytes32[] calldata) external view returns (bool, bytes32, uint256) {
        bytes32 h = keccak256(descriptor);
        if (_unsupported[h] != 0) return (false, _unsupported[h], 0);
        return (true, "", _lengths[h]);
    }

    function step(StepInput calldata input, bytes calldata) external view returns (bytes32) {
        bytes32 k = key(input.stateRoot, input.element, input.step);
        if (!_known[k]) revert OracleNoAnswer(k);
        return _answers[k];
    }
}
