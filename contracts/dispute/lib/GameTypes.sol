// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

/// @notice Where a game stands. P = the prover's turn, C = the challenger's (docs/SPEC.md, section 10).
enum Phase {
    None,
    /// P: post S_n with proofs that its output slots hold the posted outputs; S_0 is derived.
    AwaitOpening,
    /// P: post the state roots between lo and hi.
    StatesPost,
    /// C: pick the segment whose start it agrees with and whose end it disputes.
    StatesPick,
    /// P: reveal node lo's descriptor and prove S_hi = write(S_lo, outSlot, T).
    Transition,
    /// P: reveal the nodes a few levels under the disputed tree node of T.
    DescendPost,
    /// C: pick the disputed one.
    DescendPick,
    /// P: reveal the two 32-byte leaves under the disputed lowest node.
    LeafReveal,
    /// C: pick the disputed element of the pair, or show a non-zero padding lane.
    LeafPick,
    /// P: post the partial values between lo and hi of the element's accumulation.
    AccPost,
    /// C: pick the disputed segment.
    AccPick,
    /// C: prove the prover's claimed step wrong with a one-step; otherwise it times out.
    OneStep
}

/// @notice Everything a game needs between moves, in six ABI words. Only
///         keccak256(abi.encode(gameKey, state)) is stored; every move carries the state in
///         calldata and the `Moved` event re-emits it, so watchers rebuild it from events.
/// @param cursor the small fields, packed into one word (LibCursor: phase, interval, node, tree
///        position, element, output layout)
/// @param claimLo the agreed value at lo (a state root, or a partial value)
/// @param claimHi the disputed value at hi; during the descent, the disputed tree node of T
/// @param pending root of the segment tree over the prover's last posted list (levels 1 and 3,
///        LibSegmentTree), which the challenger picks one segment from; 0 otherwise
/// @param descriptorHash keccak of the disputed node's descriptor, once level 1 ended
/// @param stateBefore S_node: the agreed state the node read its operands from
struct GameState {
    uint256 cursor;
    bytes32 claimLo;
    bytes32 claimHi;
    bytes32 pending;
    bytes32 descriptorHash;
    bytes32 stateBefore;
}

/// @notice Who plays a game and what it is about, as the ordinary moves carry it: the two sides
///         (for the turn check) and `terms` = keccak256(abi.encode(jobId, modelId,
///         inputsCommitment, outputsCommitment)) of the market's GameSetup. The game key is
///         keccak256(abi.encode(prover, challenger, terms)).
struct GamePlayers {
    address prover;
    address challenger;
    bytes32 terms;
}

/// @notice The prover's opening: the final state and the proofs binding the job's inputs into S_0
///         and the posted outputs into S_n.
struct OpeningProof {
    bytes32 finalRoot;
    bytes32[] inputCommitments;
    bytes32[][] inputSiblings;
    bytes32[] outputCommitments;
    bytes32[][] outputSiblings;
}

/// @notice The prover's level-1 answer: node `lo`'s descriptor, the type words of its inputs
///         (checked against the descriptor's word 4) and its single-slot write.
struct TransitionProof {
    bytes descriptor;
    bytes32[] nodeSiblings;
    bytes32 tensorRoot;
    bytes32[] slotSiblings;
    bytes32[] inputTypes;
}
