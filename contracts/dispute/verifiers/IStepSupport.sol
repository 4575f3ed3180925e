// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

/// @title IStepSupport
/// @notice What a one-step verifier can judge (DESIGN.md: "a descriptor outside the supported set,
///         or over a limit, rules against the prover"). The game asks once, at the transition,
///         about the registered descriptor the prover proved; an unsupported one decides the game
///         for the challenger, so no prover ever wins because the verifier cannot judge its step.
interface IStepSupport {
    /// @notice Whether every step of the node is one this verifier judges, and the node's
    ///         accumulation length K (0 for operators that compute an element in one step).
    ///         Never reverts for a 288-byte descriptor: an unsupported one answers false.
    /// @return supported true when the semantics version, the opcode, the input count, every type
    ///         word (element type of the profile, rank <= 8, tree depth <= 32) and K (K + 2 < 2^32)
    ///         are within the profile, and the operator's family accepts the descriptor
    /// @return reason what is outside, as a short string ("" when supported)
    /// @return accumulationLength K, when supported
    function judges(bytes calldata descriptor, bytes32[] calldata inputTypes)
        external
        view
        returns (bool supported, bytes32 reason, uint256 accumulationLength);
}
