// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {TensorType} from "../libraries/TensorType.sol";

/// @title IModelRegistry
/// @notice Models registered by content: the id is the fold of the model's parts (docs/SPEC.md,
///         "Model id"), checked on-chain. The first registration stores the parts; every
///         registration (the first included) adds a mirror: where the file can be fetched. No
///         registrant gains any power over the id: a mirror's "deprecated" mark is advice that
///         clients show, never a switch that stops jobs.
interface IModelRegistry {
    /// @notice A graph input or output: the value slot that holds it and its tensor type.
    struct IoSlot {
        uint32 slot;
        TensorType tensorType;
    }

    /// @notice An operator set import. `domain` is "ai.onnx" for the default ONNX domain.
    struct Opset {
        string domain;
        uint64 version;
    }

    /// @notice Everything the model id commits to.
    /// @param semanticsVersion version of the profile's operator semantics (1 = DESIGN.md's table)
    /// @param nodeRoot Merkle root of the node descriptors (docs/SPEC.md, "Node descriptors")
    /// @param valueRoot root of the initial value table: initializers set, inputs empty
    /// @param nodeCount number of graph nodes, in the committed execution order
    /// @param slotCount number of value slots
    /// @param opsets canonical: sorted by sha256(domain), strictly ascending
    struct ModelParts {
        uint32 semanticsVersion;
        bytes32 nodeRoot;
        bytes32 valueRoot;
        uint32 nodeCount;
        uint32 slotCount;
        IoSlot[] inputs;
        IoSlot[] outputs;
        Opset[] opsets;
    }

    /// @notice Header of a registered model as stored.
    struct ModelInfo {
        bytes32 nodeRoot;
        bytes32 valueRoot;
        bytes32 opsetsHash;
        uint32 semanticsVersion;
        uint32 nodeCount;
        uint32 slotCount;
        uint48 registeredAt;
    }

    /// @notice Where a model's file can be fetched, and who said so.
    struct Mirror {
        address registrant;
        bool deprecated;
        bytes32 fileHash;
        string uri;
    }

    /// @notice A model's parts were stored for the first time.
    /// @param modelId the fold of the parts
    /// @param registrant who registered them first (no power over the id follows from it)
    /// @param parts every part, so that an indexer can rebuild the registry from events
    event ModelRegistered(bytes32 indexed modelId, address indexed registrant, ModelParts parts);

    /// @notice A mirror was added to a model.
    /// @param modelId the model
    /// @param index the mirror's index in the model's mirror list
    /// @param registrant the mirror's owner (the only one who may mark it deprecated)
    /// @param fileHash sha256 of the .onnx file served at `uri`
    /// @param uri where the file can be fetched
    event MirrorAdded(bytes32 indexed modelId, uint256 indexed index, address indexed registrant, bytes32 fileHash, string uri);

    /// @notice A mirror's owner changed its deprecation advice.
    event MirrorDeprecationSet(bytes32 indexed modelId, uint256 indexed index, bool deprecated);

    /// @notice The parts fold to `computed`, not to the claimed id.
    error RegistryModelIdMismatch(bytes32 claimed, bytes32 computed);
    /// @notice The registry's verifiers do not implement this semantics version.
    error RegistryUnsupportedSemantics(uint32 version);
    /// @notice A count is outside the protocol's limits (name: which count).
    error RegistryLimitExceeded(bytes32 what, uint256 value, uint256 limit);
    /// @notice An input or output names a slot outside the value table.
    error RegistrySlotOutOfRange(uint32 slot, uint32 slotCount);
    /// @notice Opsets are not in canonical order (sorted by sha256(domain), each once).
    error RegistryOpsetsNotCanonical(uint256 index);
    /// @notice No model is registered under this id.
    error RegistryUnknownModel(bytes32 modelId);
    /// @notice No mirror has this index.
    error RegistryUnknownMirror(bytes32 modelId, uint256 index);
    /// @notice Only a mirror's registrant may mark it.
    error RegistryNotMirrorOwner(address caller, address registrant);

    /// @notice Registers a model (first time) or adds a mirror (later times).
    /// @return index the new mirror's index
    function register(bytes32 modelId, ModelParts calldata parts, bytes32 fileHash, string calldata uri)
        external
        returns (uint256 index);

    /// @notice Adds a mirror to a registered model without restating its parts.
    function addMirror(bytes32 modelId, bytes32 fileHash, string calldata uri) external returns (uint256 index);

    /// @notice Marks (or unmarks) the caller's own mirror as deprecated. Advice only.
    function setMirrorDeprecated(bytes32 modelId, uint256 index, bool deprecated) external;

    /// @notice The model id the parts fold to (reverts on parts outside the limits).
    function computeModelId(ModelParts calldata parts) external pure returns (bytes32);

    function isRegistered(bytes32 modelId) external view returns (bool);
    function modelInfo(bytes32 modelId) external view returns (ModelInfo memory);
    function inputs(bytes32 modelId) external view returns (IoSlot[] memory);
    function outputs(bytes32 modelId) external view returns (IoSlot[] memory);
    /// @notice Input tensor types alone: what a job's input bytes are checked against.
    function inputTypes(bytes32 modelId) external view returns (TensorType[] memory);
    /// @notice Output tensor types alone: what a result's output bytes are checked against.
    function outputTypes(bytes32 modelId) external view returns (TensorType[] memory);
    function mirrorCount(bytes32 modelId) external view returns (uint256);
    function mirror(bytes32 modelId, uint256 index) external view returns (Mirror memory);
}
