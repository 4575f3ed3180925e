// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IOneStepVerifier, StepInput} from "../dispute/verifiers/IOneStepVerifier.sol";

/// @notice TESTS ONLY: the gas of one verifier call as the game makes it (an external STATICCALL
///         with the input and proof in memory-free calldata forwarding), without the transaction's
///         base cost and calldata. Never deployed.
contract StepGasProbe {
    function measure(IOneStepVerifier verifier, StepInput calldata input, bytes calldata proof)
        external
        view
        returns (uint256 gasUsed, bytes32 value)
    {
        uint256 before = gasleft();
        value = verifier.step(input, proof);
        gasUsed = before - gasleft();
    }
}
