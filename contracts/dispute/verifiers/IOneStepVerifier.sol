// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

/// @notice What the game hands a one-step verifier: the node, the disputed output element and
///         accumulation step, the agreed previous value and the agreed state the operands live in.
/// @param descriptor the node's 288-byte descriptor (docs/SPEC.md section 8), checked by the game
/// @param inputTypes the type words of the node's inputs, checked against the descriptor by the game
/// @param stateRoot S_node: the value table the node read its operands from
/// @param slotCount the model's slot count (fixes the value table's depth)
/// @param element the disputed output element (row-major index)
/// @param step the accumulation index a (0 = p_0, 1..K = terms, K+1 = the output); 0 for
///        operators that do not accumulate
/// @param previous v_{a-1} for accumulating operators (unused for a = 0 and non-accumulating ones)
struct StepInput {
    bytes descriptor;
    bytes32[] inputTypes;
    bytes32 stateRoot;
    uint256 slotCount;
    uint256 element;
    uint256 step;
    bytes32 previous;
}

/// @title IOneStepVerifier
/// @notice Re-executes ONE step of ONE operator from Merkle-proven operands (DESIGN.md, "The dispute
///         game"). Players supply values and proofs only; the verifier derives every operand index
///         from (descriptor, element, step). Values are words: integers as two's complement int256,
///         float32 as its bit pattern.
interface IOneStepVerifier {
    /// @notice Number of accumulation terms K of one output element; 0 when the operator computes
    ///         each element in one step. Reverts for a descriptor outside the supported set.
    function accumulationLength(bytes calldata descriptor, bytes32[] calldata inputTypes)
        external
        view
        returns (uint256);

    /// @notice The correct value of the step, computed from operands proven under `stateRoot`.
    ///         Reverts when a proof is invalid.
    function step(StepInput calldata input, bytes calldata proof) external view returns (bytes32 value);
}
