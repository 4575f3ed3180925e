// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IDisputeGame} from "../interfaces/IDisputeGame.sol";
import {IModelRegistry} from "../interfaces/IModelRegistry.sol";
import {Tags} from "../libraries/Tags.sol";
import {TensorCommitment} from "../libraries/TensorCommitment.sol";
import {TensorType} from "../libraries/TensorType.sol";
import {ElementPick, GameState, OpeningProof, Phase, TransitionProof} from "./lib/GameTypes.sol";
import {LibWordTree} from "./lib/LibWordTree.sol";
import {IOneStepVerifier, StepInput} from "./verifiers/IOneStepVerifier.sol";

/// @notice The one view of the market the game reads: a game's setup from the market's records.
interface IJobMarketSetup {
    function gameSetup(uint256 gameId) external view returns (IDisputeGame.GameSetup memory);
}

/// @title DisputeGame
/// @notice Every dispute game of a job market, in one contract (DESIGN.md, "The dispute game";
///         docs/SPEC.md section 10). A game pits one challenger against one posted result:
///         level 0 binds S_0 to the model and the job's inputs and S_n to the posted outputs;
///         level 1 bisects the execution states to one node and proves its single-slot write;
///         level 2 descends the node's output tensor to one element; level 3 bisects that
///         element's accumulation to one step; the challenger must then prove that step wrong
///         with a one-step, or the prover wins. Each side has a chess clock; a side whose clock
///         runs out loses, and anyone may resolve it. Only a hash of each game's state is stored.
contract DisputeGame is IDisputeGame {
    /*//////////////////////////////////////////////////////////////
                                 TYPES
    //////////////////////////////////////////////////////////////*/

    /// @notice The one storage slot per game besides its state hash.
    /// @param challengerToMove whose clock runs
    /// @param lastMoveAt when the side to move got its turn
    /// @param proverLeft / challengerLeft seconds left on each clock when its turn began
    /// @param proverMoves / challengerMoves move bonds each side has paid in
    struct GameSlot {
        GameStatus status;
        bool challengerToMove;
        uint40 lastMoveAt;
        uint40 proverLeft;
        uint40 challengerLeft;
        uint32 proverMoves;
        uint32 challengerMoves;
        bool bondsReleased;
        uint40 decidedAt;
    }

    /*//////////////////////////////////////////////////////////////
                                 EVENTS
    //////////////////////////////////////////////////////////////*/

    /// @notice A game was opened; `state` is its first state.
    event GameOpened(uint256 indexed gameId, uint256 indexed jobId, GameSetup setup, GameState state);
    /// @notice A move was made; `state` is the state after it, `posted` what the mover posted.
    event Moved(uint256 indexed gameId, address indexed mover, Phase phaseBefore, GameState state, bytes32[] posted);
    /// @notice A game was decided (or closed by the market).
    event GameResolved(uint256 indexed gameId, GameStatus status, bytes32 reason);
    /// @notice The market collected the game's move bonds.
    event BondsReleased(uint256 indexed gameId, uint256 proverBonds, uint256 challengerBonds);

    /*//////////////////////////////////////////////////////////////
                                 ERRORS
    //////////////////////////////////////////////////////////////*/

    error GameOnlyMarket(address caller);
    error GameAlreadyExists(uint256 gameId);
    error GameNotInProgress(uint256 gameId, GameStatus status);
    error GameStateMismatch(uint256 gameId);
    error GameWrongPhase(Phase expected, Phase actual);
    error GameNotYourTurn(address caller);
    error GameClockExpired(uint256 gameId);
    error GameClockNotExpired(uint256 gameId, uint256 secondsLeft);
    error GameWrongBond(uint256 expected, uint256 sent);
    error GameBadList(uint256 expected, uint256 actual);
    error GameBadPick(uint256 index, uint256 limit);
    error GameProofInvalid(bytes32 what);
    error GameStepNotRefuted(bytes32 claimed, bytes32 computed);
    error GameTransferFailed();
    error GameBadParams(bytes32 what);

    /*//////////////////////////////////////////////////////////////
                               CONSTANTS
    //////////////////////////////////////////////////////////////*/

    uint256 public constant DESCRIPTOR_BYTES = 288;
    uint8 public constant SEMANTICS_VERSION = 1;
    /// @notice Opcodes whose output elements accumulate (level 3 applies).
    uint256 private constant ACCUMULATING = (1 << 3) | (1 << 4) | (1 << 5) | (1 << 6) | (1 << 7) | (1 << 8) | (1 << 22);

    /*//////////////////////////////////////////////////////////////
                               IMMUTABLES
    //////////////////////////////////////////////////////////////*/

    address public immutable market;
    IModelRegistry public immutable registry;
    IOneStepVerifier public immutable verifier;
    /// @notice Exact bond of every move, both sides (covers the opponent's answer at a reference
    ///         gas price: moveBond = answerGas x referenceGasPrice, a deployment parameter).
    uint256 public immutable moveBond;
    /// @notice Seconds on each side's clock at the start.
    uint256 public immutable clockBudget;
    /// @notice A side that gets the turn always has at least this long to answer.
    uint256 public immutable clockExtension;
    /// @notice k of the k-way bisections (levels 1 and 3).
    uint256 public immutable fanout;
    /// @notice Tree levels the prover reveals per descent move (level 2): 2^descentLevels nodes.
    uint256 public immutable descentLevels;

    /*//////////////////////////////////////////////////////////////
                                STORAGE
    //////////////////////////////////////////////////////////////*/

    mapping(uint256 gameId => bytes32) private _stateHash;
    mapping(uint256 gameId => GameSlot) private _slots;

    /// @param params_ moveBond, clockBudget, clockExtension, fanout, descentLevels
    constructor(address market_, IModelRegistry registry_, IOneStepVerifier verifier_, uint256[5] memory params_) {
        if (market_ == address(0)) revert GameBadParams("market");
        if (address(registry_) == address(0)) revert GameBadParams("registry");
        if (address(verifier_) == address(0)) revert GameBadParams("verifier");
        if (params_[1] == 0 || params_[1] > type(uint40).max) revert GameBadParams("clockBudget");
        if (params_[2] > params_[1]) revert GameBadParams("clockExtension");
        if (params_[3] < 2 || params_[3] > 64) revert GameBadParams("fanout");
        if (params_[4] < 1 || params_[4] > 6) revert GameBadParams("descentLevels");
        market = market_;
        registry = registry_;
        verifier = verifier_;
        moveBond = params_[0];
        clockBudget = params_[1];
        clockExtension = params_[2];
        fanout = params_[3];
        descentLevels = params_[4];
    }

    /*//////////////////////////////////////////////////////////////
                              MARKET HOOKS
    //////////////////////////////////////////////////////////////*/

    /// @inheritdoc IDisputeGame
    function openGame(uint256 gameId, GameSetup calldata setup) external {
        if (msg.sender != market) revert GameOnlyMarket(msg.sender);
        if (_slots[gameId].status != GameStatus.None) revert GameAlreadyExists(gameId);
        GameState memory s;
        s.phase = Phase.AwaitOpening;
        // No state hash yet: the first move proves its setup against the market's records
        // (_begin), which keeps opening a game to one fresh storage slot.
        _slots[gameId] = GameSlot({
            status: GameStatus.InProgress,
            challengerToMove: false,
            lastMoveAt: uint40(block.timestamp),
            proverLeft: uint40(clockBudget),
            challengerLeft: uint40(clockBudget),
            proverMoves: 0,
            challengerMoves: 0,
            bondsReleased: false,
            decidedAt: 0
        });
        emit GameOpened(gameId, setup.jobId, setup, s);
    }

    /// @inheritdoc IDisputeGame
    function closeGame(uint256 gameId) external {
        if (msg.sender != market) revert GameOnlyMarket(msg.sender);
        GameSlot storage slot = _slots[gameId];
        if (slot.status != GameStatus.InProgress) revert GameNotInProgress(gameId, slot.status);
        slot.status = GameStatus.Closed;
        slot.decidedAt = uint40(block.timestamp);
        emit GameResolved(gameId, GameStatus.Closed, "closed by market");
    }

    /// @notice Sends every move bond of a finished game to the market, which pays them out by its
    ///         rules. Market only; once.
    function releaseBonds(uint256 gameId) external returns (uint256 proverBonds, uint256 challengerBonds) {
        if (msg.sender != market) revert GameOnlyMarket(msg.sender);
        GameSlot storage slot = _slots[gameId];
        if (slot.status == GameStatus.InProgress || slot.status == GameStatus.None) {
            revert GameNotInProgress(gameId, slot.status);
        }
        if (slot.bondsReleased) return (0, 0);
        slot.bondsReleased = true;
        proverBonds = uint256(slot.proverMoves) * moveBond;
        challengerBonds = uint256(slot.challengerMoves) * moveBond;
        emit BondsReleased(gameId, proverBonds, challengerBonds);
        if (proverBonds + challengerBonds > 0) {
            (bool ok,) = market.call{value: proverBonds + challengerBonds}("");
            if (!ok) revert GameTransferFailed();
        }
    }

    /// @inheritdoc IDisputeGame
    function gameStatus(uint256 gameId) external view returns (GameStatus) {
        return _slots[gameId].status;
    }

    /// @inheritdoc IDisputeGame
    function gameResult(uint256 gameId) external view returns (GameStatus, uint256) {
        return (_slots[gameId].status, _slots[gameId].decidedAt);
    }

    function gameSlot(uint256 gameId) external view returns (GameSlot memory) {
        return _slots[gameId];
    }

    /// @notice keccak256(abi.encode(setup, state)) of the game's current state; 0 until the first
    ///         move (the state is then the initial one and the setup the market's).
    function stateHash(uint256 gameId) external view returns (bytes32) {
        return _stateHash[gameId];
    }

    /*//////////////////////////////////////////////////////////////
                         LEVEL 0: THE OPENING
    //////////////////////////////////////////////////////////////*/

    /// @notice The prover's first move: S_n, with S_0 derived here from the registered model and
    ///         the job's inputs, and S_n's output slots proven to hold the posted outputs.
    function open(uint256 gameId, GameSetup calldata setup, GameState calldata s, OpeningProof calldata p)
        external
        payable
    {
        _begin(gameId, setup, s, Phase.AwaitOpening, false);
        IModelRegistry.ModelInfo memory info = registry.modelInfo(setup.modelId);
        uint256 depth = LibWordTree.depthFor(info.slotCount);

        // INVARIANT: S_0 is the registered initial table with exactly the job's inputs written in.
        if (TensorCommitment.commitList(p.inputCommitments) != setup.inputsCommitment) revert GameProofInvalid("inputs");
        IModelRegistry.IoSlot[] memory ins = registry.inputs(setup.modelId);
        if (p.inputSiblings.length != ins.length) revert GameBadList(ins.length, p.inputSiblings.length);
        bytes32 root = info.valueRoot;
        for (uint256 j; j < ins.length; ++j) {
            if (LibWordTree.rootOf(Tags.VALUE_TABLE_NODE, 0, ins[j].slot, p.inputSiblings[j], depth) != root) {
                revert GameProofInvalid("input slot");
            }
            root = LibWordTree.rootOf(Tags.VALUE_TABLE_NODE, p.inputCommitments[j], ins[j].slot, p.inputSiblings[j], depth);
        }

        // INVARIANT: S_n holds exactly the outputs the market committed when the result was posted.
        if (TensorCommitment.commitList(p.outputCommitments) != setup.outputsCommitment) revert GameProofInvalid("outputs");
        IModelRegistry.IoSlot[] memory outs = registry.outputs(setup.modelId);
        if (p.outputSiblings.length != outs.length) revert GameBadList(outs.length, p.outputSiblings.length);
        for (uint256 j; j < outs.length; ++j) {
            if (LibWordTree.rootOf(Tags.VALUE_TABLE_NODE, p.outputCommitments[j], outs[j].slot, p.outputSiblings[j], depth) != p.finalRoot) {
                revert GameProofInvalid("output slot");
            }
        }

        GameState memory next = s;
        next.lo = 0;
        next.hi = info.nodeCount;
        next.claimLo = root;
        next.claimHi = p.finalRoot;
        next.phase = info.nodeCount == 1 ? Phase.Transition : Phase.StatesPost;
        _advance(gameId, setup, s.phase, next, false, new bytes32[](0));
    }

    /*//////////////////////////////////////////////////////////////
                  LEVELS 1 AND 3: K-WAY BISECTIONS
    //////////////////////////////////////////////////////////////*/

    /// @notice The prover posts the values at the interior points of [lo, hi]: state roots
    ///         (level 1) or partial values (level 3). Points: lo + floor(j (hi - lo) / k'),
    ///         j = 1..k'-1, k' = min(fanout, hi - lo).
    function post(uint256 gameId, GameSetup calldata setup, GameState calldata s, bytes32[] calldata values)
        external
        payable
    {
        Phase expected = s.phase == Phase.AccPost ? Phase.AccPost : Phase.StatesPost;
        _begin(gameId, setup, s, expected, false);
        uint256 k = _segments(s);
        if (values.length != k - 1) revert GameBadList(k - 1, values.length);
        GameState memory next = s;
        next.pending = keccak256(abi.encodePacked(values));
        next.phase = expected == Phase.AccPost ? Phase.AccPick : Phase.StatesPick;
        _advance(gameId, setup, s.phase, next, false, values);
    }

    /// @notice The challenger picks segment `index`: it agrees with the value at its start and
    ///         disputes the value at its end.
    function pick(uint256 gameId, GameSetup calldata setup, GameState calldata s, bytes32[] calldata values, uint256 index)
        external
        payable
    {
        Phase expected = s.phase == Phase.AccPick ? Phase.AccPick : Phase.StatesPick;
        _begin(gameId, setup, s, expected, true);
        // INVARIANT: the challenger picks among exactly what the prover posted (named by its hash).
        if (keccak256(abi.encodePacked(values)) != s.pending) revert GameStateMismatch(gameId);
        uint256 k = _segments(s);
        if (index >= k) revert GameBadPick(index, k);
        uint256 span = s.hi - s.lo;
        GameState memory next = s;
        next.lo = uint32(s.lo + (index * span) / k);
        next.hi = uint32(s.lo + ((index + 1) * span) / k);
        next.claimLo = index == 0 ? s.claimLo : values[index - 1];
        next.claimHi = index + 1 == k ? s.claimHi : values[index];
        next.pending = 0;
        if (next.hi - next.lo > 1) next.phase = expected == Phase.AccPick ? Phase.AccPost : Phase.StatesPost;
        else next.phase = expected == Phase.AccPick ? Phase.OneStep : Phase.Transition;
        _advance(gameId, setup, s.phase, next, true, new bytes32[](0));
    }

    /// @notice End of level 1: the prover reveals node lo's descriptor and proves that S_hi is S_lo
    ///         with only the node's output slot written, to T = H(0x02 ‖ outType ‖ tensorRoot).
    function transition(uint256 gameId, GameSetup calldata setup, GameState calldata s, TransitionProof calldata p)
        external
        payable
    {
        _begin(gameId, setup, s, Phase.Transition, false);
        IModelRegistry.ModelInfo memory info = registry.modelInfo(setup.modelId);
        bytes calldata d = p.descriptor;
        if (d.length != DESCRIPTOR_BYTES) revert GameProofInvalid("descriptor length");
        bytes32 leaf = sha256(abi.encodePacked(Tags.NODE_DESCRIPTOR, d));
        uint256 nodeIndex = s.lo;
        // INVARIANT: the descriptor is the registered model's node at the disputed index.
        if (LibWordTree.rootOf(Tags.NODE_TREE_NODE, leaf, nodeIndex, p.nodeSiblings, LibWordTree.depthFor(info.nodeCount)) != info.nodeRoot) {
            revert GameProofInvalid("descriptor");
        }
        uint256 outSlot = uint32(bytes4(d[8:12]));
        bytes32 outType = bytes32(d[96:128]);
        bytes32 t = LibWordTree.hashNode(Tags.TENSOR, outType, p.tensorRoot);
        uint256 depth = LibWordTree.depthFor(info.slotCount);
        // INVARIANT: exactly one slot changed, from empty to T (the same siblings in both states).
        if (LibWordTree.rootOf(Tags.VALUE_TABLE_NODE, 0, outSlot, p.slotSiblings, depth) != s.claimLo) {
            revert GameProofInvalid("state before");
        }
        if (LibWordTree.rootOf(Tags.VALUE_TABLE_NODE, t, outSlot, p.slotSiblings, depth) != s.claimHi) {
            revert GameProofInvalid("state after");
        }
        GameState memory next = s;
        next.node = uint32(nodeIndex);
        next.descriptorHash = keccak256(d);
        next.stateBefore = s.claimLo;
        next.claimHi = p.tensorRoot;
        next.position = 0;
        next.height = uint8(LibWordTree.tensorDepth(TensorType.wrap(outType).byteLength()));
        next.phase = next.height > 1 ? Phase.DescendPost : Phase.LeafReveal;
        _advance(gameId, setup, s.phase, next, false, new bytes32[](0));
    }

    /*//////////////////////////////////////////////////////////////
                     LEVEL 2: DOWN THE OUTPUT TENSOR
    //////////////////////////////////////////////////////////////*/

    /// @notice The prover reveals the 2^m nodes m levels under the disputed node (m = min(
    ///         descentLevels, height - 1)); they must hash up to it.
    function postChildren(uint256 gameId, GameSetup calldata setup, GameState calldata s, bytes32[] calldata nodes)
        external
        payable
    {
        _begin(gameId, setup, s, Phase.DescendPost, false);
        uint256 m = _descentStep(s.height);
        if (nodes.length != 1 << m) revert GameBadList(1 << m, nodes.length);
        bytes32[] memory level = nodes;
        for (uint256 n = level.length; n > 1; n >>= 1) {
            for (uint256 i; i < n / 2; ++i) {
                level[i] = LibWordTree.hashNode(Tags.TENSOR_NODE, level[2 * i], level[2 * i + 1]);
            }
        }
        if (level[0] != s.claimHi) revert GameProofInvalid("children");
        GameState memory next = s;
        next.pending = keccak256(abi.encodePacked(nodes));
        next.phase = Phase.DescendPick;
        _advance(gameId, setup, s.phase, next, false, nodes);
    }

    /// @notice The challenger picks the disputed node among those revealed.
    function pickChild(uint256 gameId, GameSetup calldata setup, GameState calldata s, bytes32[] calldata nodes, uint256 index)
        external
        payable
    {
        _begin(gameId, setup, s, Phase.DescendPick, true);
        if (keccak256(abi.encodePacked(nodes)) != s.pending) revert GameStateMismatch(gameId);
        if (index >= nodes.length) revert GameBadPick(index, nodes.length);
        uint256 m = _descentStep(s.height);
        GameState memory next = s;
        next.claimHi = nodes[index];
        next.position = uint64((uint256(s.position) << m) | index);
        next.height = uint8(s.height - m);
        next.pending = 0;
        next.phase = next.height > 1 ? Phase.DescendPost : Phase.LeafReveal;
        _advance(gameId, setup, s.phase, next, true, new bytes32[](0));
    }

    /// @notice The prover reveals the two leaves (64 bytes of T) under the disputed lowest node.
    function revealLeaves(uint256 gameId, GameSetup calldata setup, GameState calldata s, bytes32 left, bytes32 right)
        external
        payable
    {
        _begin(gameId, setup, s, Phase.LeafReveal, false);
        if (LibWordTree.hashNode(Tags.TENSOR_LEAF, left, right) != s.claimHi) revert GameProofInvalid("leaves");
        GameState memory next = s;
        next.pending = keccak256(abi.encodePacked(left, right));
        next.phase = Phase.LeafPick;
        bytes32[] memory shown = new bytes32[](2);
        shown[0] = left;
        shown[1] = right;
        _advance(gameId, setup, s.phase, next, false, shown);
    }

    /// @notice The challenger picks the element at byte `a.offset` (0..63) of the revealed pair. A
    ///         lane past the tensor's bytes must be zero: a non-zero one wins the game at once.
    ///         Otherwise the element's value is the prover's claim, and the game goes to the
    ///         element's accumulation (level 3) or straight to the one-step.
    function pickElement(uint256 gameId, GameSetup calldata setup, GameState calldata s, ElementPick calldata a)
        external
        payable
    {
        _begin(gameId, setup, s, Phase.LeafPick, true);
        if (keccak256(abi.encodePacked(a.left, a.right)) != s.pending) revert GameStateMismatch(gameId);
        if (keccak256(a.descriptor) != s.descriptorHash) revert GameProofInvalid("descriptor");
        TensorType outType = TensorType.wrap(bytes32(a.descriptor[96:128]));
        uint256 size = _sizeOf(outType.dtype());
        if (a.offset >= 64 || a.offset % size != 0) revert GameBadPick(a.offset, 64);
        bytes memory pair = abi.encodePacked(a.left, a.right);
        uint256 byteIndex = uint256(s.position) * 64 + a.offset;

        if (byteIndex >= outType.byteLength()) {
            // INVARIANT: padding lanes are zero; a non-zero one proves the prover's tensor malformed.
            for (uint256 i; i < size; ++i) {
                if (pair[a.offset + i] != 0) {
                    _slots[gameId].challengerMoves += 1;
                    return _decide(gameId, GameStatus.ChallengerWon, "padding lane not zero");
                }
            }
            revert GameStepNotRefuted(0, 0);
        }

        GameState memory next = s;
        next.element = uint64(byteIndex / size);
        next.claimHi = _decodeElement(pair, a.offset, size, outType.dtype());
        next.pending = 0;
        next.lo = 0;
        next.claimLo = 0;
        if ((ACCUMULATING >> uint8(a.descriptor[0])) & 1 == 1) {
            _checkInputTypes(a.descriptor, a.inputTypes);
            // Indices shifted by one: 0 is "before p_0", a+1 is v_a, K+2 is the output y.
            next.hi = uint32(verifier.accumulationLength(a.descriptor, a.inputTypes) + 2);
            next.phase = Phase.AccPost;
        } else {
            next.hi = 1;
            next.phase = Phase.OneStep;
        }
        _advance(gameId, setup, s.phase, next, true, new bytes32[](0));
    }

    /*//////////////////////////////////////////////////////////////
                          THE ONE-STEP AT THE LEAF
    //////////////////////////////////////////////////////////////*/

    /// @notice The challenger proves the prover's claimed step wrong: the verifier recomputes the
    ///         step from operands proven under S_node; a different value wins the game. A proof
    ///         that confirms the claim reverts (the challenger's clock keeps running).
    function step(
        uint256 gameId,
        GameSetup calldata setup,
        GameState calldata s,
        bytes calldata descriptor,
        bytes32[] calldata inputTypes,
        bytes calldata proof
    ) external payable {
        _begin(gameId, setup, s, Phase.OneStep, true);
        if (keccak256(descriptor) != s.descriptorHash) revert GameProofInvalid("descriptor");
        _checkInputTypes(descriptor, inputTypes);
        bool accumulating = (ACCUMULATING >> uint8(descriptor[0])) & 1 == 1;
        bytes32 computed = verifier.step(
            StepInput({
                descriptor: descriptor,
                inputTypes: inputTypes,
                stateRoot: s.stateBefore,
                slotCount: registry.modelInfo(setup.modelId).slotCount,
                element: s.element,
                step: accumulating ? s.hi - 1 : 0,
                previous: s.claimLo
            }),
            proof
        );
        if (computed == s.claimHi) revert GameStepNotRefuted(s.claimHi, computed);
        _slots[gameId].challengerMoves += 1;
        _decide(gameId, GameStatus.ChallengerWon, "step refuted");
    }

    /*//////////////////////////////////////////////////////////////
                               TIMEOUTS
    //////////////////////////////////////////////////////////////*/

    /// @notice Anyone: the side whose clock ran out loses.
    function resolveTimeout(uint256 gameId) external {
        GameSlot storage slot = _slots[gameId];
        if (slot.status != GameStatus.InProgress) revert GameNotInProgress(gameId, slot.status);
        (bool expired, uint256 left) = _expired(slot);
        if (!expired) revert GameClockNotExpired(gameId, left);
        _decide(
            gameId,
            slot.challengerToMove ? GameStatus.ProverWon : GameStatus.ChallengerWon,
            slot.challengerToMove ? bytes32("challenger timed out") : bytes32("prover timed out")
        );
    }

    /// @notice Seconds left on the clock of the side to move.
    function timeLeft(uint256 gameId) external view returns (uint256 left, bool challengerToMove) {
        GameSlot storage slot = _slots[gameId];
        (, left) = _expired(slot);
        challengerToMove = slot.challengerToMove;
    }

    /*//////////////////////////////////////////////////////////////
                               INTERNALS
    //////////////////////////////////////////////////////////////*/

    /// @dev The one expiry test, shared by every move and by resolveTimeout.
    function _expired(GameSlot storage slot) private view returns (bool expired, uint256 left) {
        uint256 budget = slot.challengerToMove ? slot.challengerLeft : slot.proverLeft;
        uint256 elapsed = block.timestamp - slot.lastMoveAt;
        expired = elapsed >= budget;
        left = expired ? 0 : budget - elapsed;
    }

    /// @dev Every move's entry checks: the state is the stored one, the game runs, it is this
    ///      phase and the caller's turn, its clock has time, and the bond is exact.
    function _begin(uint256 gameId, GameSetup calldata setup, GameState calldata s, Phase expected, bool byChallenger)
        private
        view
    {
        GameSlot storage slot = _slots[gameId];
        if (slot.status != GameStatus.InProgress) revert GameNotInProgress(gameId, slot.status);
        // INVARIANT: a move names the exact state it answers, so no reorg or race can redirect it.
        bytes32 stored = _stateHash[gameId];
        if (stored == 0) {
            // The game's first move: the initial state, and the setup the market recorded.
            GameState memory initial;
            initial.phase = Phase.AwaitOpening;
            if (keccak256(abi.encode(s)) != keccak256(abi.encode(initial))) revert GameStateMismatch(gameId);
            if (keccak256(abi.encode(setup)) != keccak256(abi.encode(IJobMarketSetup(market).gameSetup(gameId)))) {
                revert GameStateMismatch(gameId);
            }
        } else if (_hash(setup, s) != stored) {
            revert GameStateMismatch(gameId);
        }
        if (s.phase != expected) revert GameWrongPhase(expected, s.phase);
        if (msg.sender != (byChallenger ? setup.challenger : setup.prover)) revert GameNotYourTurn(msg.sender);
        (bool expired,) = _expired(slot);
        if (expired) revert GameClockExpired(gameId);
        if (msg.value != moveBond) revert GameWrongBond(moveBond, msg.value);
    }

    /// @dev Stores the next state, charges the mover's clock, hands the turn over.
    function _advance(
        uint256 gameId,
        GameSetup calldata setup,
        Phase phaseBefore,
        GameState memory next,
        bool byChallenger,
        bytes32[] memory values
    ) private {
        GameSlot storage slot = _slots[gameId];
        uint256 elapsed = block.timestamp - slot.lastMoveAt;
        bool challengerNext = _challengerMoves(next.phase);
        // Checked arithmetic cannot underflow: _begin verified elapsed < the mover's budget.
        if (byChallenger) {
            slot.challengerLeft = uint40(slot.challengerLeft - elapsed);
            slot.challengerMoves += 1;
        } else {
            slot.proverLeft = uint40(slot.proverLeft - elapsed);
            slot.proverMoves += 1;
        }
        // A late move never leaves the side that answers with less than clockExtension.
        if (challengerNext && slot.challengerLeft < clockExtension) slot.challengerLeft = uint40(clockExtension);
        if (!challengerNext && slot.proverLeft < clockExtension) slot.proverLeft = uint40(clockExtension);
        slot.challengerToMove = challengerNext;
        slot.lastMoveAt = uint40(block.timestamp);
        _stateHash[gameId] = _hash(setup, next);
        emit Moved(gameId, msg.sender, phaseBefore, next, values);
    }

    function _decide(uint256 gameId, GameStatus status, bytes32 reason) private {
        _slots[gameId].status = status;
        _slots[gameId].decidedAt = uint40(block.timestamp);
        emit GameResolved(gameId, status, reason);
    }

    function _hash(GameSetup calldata setup, GameState memory s) private pure returns (bytes32) {
        return keccak256(abi.encode(setup, s));
    }

    function _challengerMoves(Phase p) private pure returns (bool) {
        return p == Phase.StatesPick || p == Phase.DescendPick || p == Phase.LeafPick || p == Phase.AccPick
            || p == Phase.OneStep;
    }

    function _segments(GameState calldata s) private view returns (uint256 k) {
        uint256 span = s.hi - s.lo;
        k = span < fanout ? span : fanout;
    }

    function _descentStep(uint256 height) private view returns (uint256 m) {
        m = height - 1;
        if (m > descentLevels) m = descentLevels;
    }

    /// @dev The descriptor's word 4 commits the input type words.
    function _checkInputTypes(bytes calldata descriptor, bytes32[] calldata inputTypes) private pure {
        uint256 count = uint8(descriptor[2]);
        if (inputTypes.length != count) revert GameBadList(count, inputTypes.length);
        if (sha256(abi.encodePacked(Tags.NODE_INPUT_TYPES, inputTypes)) != bytes32(descriptor[128:160])) {
            revert GameProofInvalid("input types");
        }
    }

    function _sizeOf(uint8 dtype) private pure returns (uint256) {
        if (dtype == 2 || dtype == 3 || dtype == 9) return 1;
        if (dtype == 4 || dtype == 5 || dtype == 10) return 2;
        if (dtype == 1 || dtype == 6 || dtype == 12) return 4;
        return 8;
    }

    /// @dev A little-endian element as a word: signed types sign-extended, float32 as its bits.
    function _decodeElement(bytes memory pair, uint256 offset, uint256 size, uint8 dtype) private pure returns (bytes32) {
        uint256 v;
        for (uint256 i = size; i > 0; --i) {
            v = (v << 8) | uint8(pair[offset + i - 1]);
        }
        bool signed = dtype == 3 || dtype == 5 || dtype == 6 || dtype == 7;
        if (signed && (v >> (8 * size - 1)) & 1 == 1) {
            // Sign-extend: set every bit above the element's width.
            v |= type(uint256).max << (8 * size);
        }
        return bytes32(v);
    }
}
