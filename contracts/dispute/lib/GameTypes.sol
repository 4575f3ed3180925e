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

/// @notice Everything a game needs between moves. Only its hash is stored; every move carries it
///         in calldata and every change is emitted, so watchers rebuild it from events.
/// @param lo,hi the interval under dispute: state indices (levels 1), or accumulation indices
///        shifted by one (level 3: index 0 is "before p_0", index a+1 is value v_a, K+2 is y)
/// @param claimLo the agreed value at lo (a state root, or a partial value)
/// @param claimHi the disputed value at hi; during the descent, the disputed tree node of T
/// @param pending keccak of the prover's last posted list, which the challenger picks from
/// @param node the disputed node's index, once level 1 ended
/// @param descriptorHash keccak of that node's descriptor
/// @param stateBefore S_node: the agreed state the node read its operands from
/// @param position index of the disputed tree node at `height` (level 2)
/// @param height height of the disputed tree node (1: the node over two leaves)
/// @param element the disputed output element, once level 2 ended
struct GameState {
    Phase phase;
    uint32 lo;
    uint32 hi;
    bytes32 claimLo;
    bytes32 claimHi;
    bytes32 pending;
    uint32 node;
    bytes32 descriptorHash;
    bytes32 stateBefore;
    uint64 position;
    uint8 height;
    uint64 element;
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

/// @notice The prover's level-1 answer: node `lo`'s descriptor and its single-slot write.
struct TransitionProof {
    bytes descriptor;
    bytes32[] nodeSiblings;
    bytes32 tensorRoot;
    bytes32[] slotSiblings;
}

/// @notice The challenger's choice at the leaf: the element at byte `offset` of the revealed pair
///         (left ‖ right), with the node's descriptor and input types (for level 3's length).
struct ElementPick {
    bytes32 left;
    bytes32 right;
    uint256 offset;
    bytes descriptor;
    bytes32[] inputTypes;
}
