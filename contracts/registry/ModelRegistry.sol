// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IModelRegistry} from "../interfaces/IModelRegistry.sol";
import {Tags} from "../libraries/Tags.sol";
import {TensorType} from "../libraries/TensorType.sol";

/// @title ModelRegistry
/// @notice Content-addressed registry of models (see IModelRegistry). Permissionless; no owner.
contract ModelRegistry is IModelRegistry {
    /*//////////////////////////////////////////////////////////////
                                 LIMITS
    //////////////////////////////////////////////////////////////*/

    /// @notice The semantics version the deployed verifiers implement (DESIGN.md's version-1 table).
    uint32 public constant SEMANTICS_VERSION = 1;
    /// @notice Most graph inputs, and most graph outputs, a model may have.
    uint256 public constant MAX_IO = 16;
    /// @notice Most opset imports a model may have.
    uint256 public constant MAX_OPSETS = 16;
    /// @notice Longest mirror URI and longest opset domain, in bytes.
    uint256 public constant MAX_URI_BYTES = 2048;
    uint256 public constant MAX_DOMAIN_BYTES = 128;

    /*//////////////////////////////////////////////////////////////
                                 STORAGE
    //////////////////////////////////////////////////////////////*/

    mapping(bytes32 modelId => ModelInfo) private _models;
    mapping(bytes32 modelId => TensorType[]) private _inputTypes;
    mapping(bytes32 modelId => uint32[]) private _inputSlots;
    mapping(bytes32 modelId => TensorType[]) private _outputTypes;
    mapping(bytes32 modelId => uint32[]) private _outputSlots;
    mapping(bytes32 modelId => Mirror[]) private _mirrors;

    /*//////////////////////////////////////////////////////////////
                              REGISTRATION
    //////////////////////////////////////////////////////////////*/

    /// @inheritdoc IModelRegistry
    function register(bytes32 modelId, ModelParts calldata parts, bytes32 fileHash, string calldata uri)
        external
        returns (uint256 index)
    {
        bytes32 opsetsHash = _opsetsHash(parts.opsets);
        bytes32 computed = _foldModelId(parts, opsetsHash);
        // INVARIANT: stored parts always hash to their id, so an id names one model.
        if (computed != modelId) revert RegistryModelIdMismatch(modelId, computed);

        if (_models[modelId].registeredAt == 0) {
            _models[modelId] = ModelInfo({
                nodeRoot: parts.nodeRoot,
                valueRoot: parts.valueRoot,
                opsetsHash: opsetsHash,
                semanticsVersion: parts.semanticsVersion,
                nodeCount: parts.nodeCount,
                slotCount: parts.slotCount,
                registeredAt: uint48(block.timestamp)
            });
            _storeIo(_inputTypes[modelId], _inputSlots[modelId], parts.inputs);
            _storeIo(_outputTypes[modelId], _outputSlots[modelId], parts.outputs);
            emit ModelRegistered(modelId, msg.sender, parts);
        }
        index = _addMirror(modelId, fileHash, uri);
    }

    /// @inheritdoc IModelRegistry
    function addMirror(bytes32 modelId, bytes32 fileHash, string calldata uri) external returns (uint256 index) {
        if (_models[modelId].registeredAt == 0) revert RegistryUnknownModel(modelId);
        index = _addMirror(modelId, fileHash, uri);
    }

    /// @inheritdoc IModelRegistry
    function setMirrorDeprecated(bytes32 modelId, uint256 index, bool deprecated) external {
        Mirror[] storage list = _mirrors[modelId];
        if (index >= list.length) revert RegistryUnknownMirror(modelId, index);
        Mirror storage m = list[index];
        // INVARIANT: a mirror's advice is its registrant's alone; nobody else can mark it.
        if (m.registrant != msg.sender) revert RegistryNotMirrorOwner(msg.sender, m.registrant);
        m.deprecated = deprecated;
        emit MirrorDeprecationSet(modelId, index, deprecated);
    }

    /// @inheritdoc IModelRegistry
    function computeModelId(ModelParts calldata parts) external pure returns (bytes32) {
        return _foldModelId(parts, _opsetsHash(parts.opsets));
    }

    /*//////////////////////////////////////////////////////////////
                                  VIEWS
    //////////////////////////////////////////////////////////////*/

    function isRegistered(bytes32 modelId) external view returns (bool) {
        return _models[modelId].registeredAt != 0;
    }

    function modelInfo(bytes32 modelId) external view returns (ModelInfo memory info) {
        info = _models[modelId];
        if (info.registeredAt == 0) revert RegistryUnknownModel(modelId);
    }

    function inputs(bytes32 modelId) external view returns (IoSlot[] memory) {
        return _loadIo(modelId, _inputTypes[modelId], _inputSlots[modelId]);
    }

    function outputs(bytes32 modelId) external view returns (IoSlot[] memory) {
        return _loadIo(modelId, _outputTypes[modelId], _outputSlots[modelId]);
    }

    /// @dev Every registered model has at least one input, so an empty list means "unknown".
    function inputTypes(bytes32 modelId) external view returns (TensorType[] memory types) {
        types = _inputTypes[modelId];
        if (types.length == 0) revert RegistryUnknownModel(modelId);
    }

    /// @dev Every registered model has at least one output, so an empty list means "unknown".
    function outputTypes(bytes32 modelId) external view returns (TensorType[] memory types) {
        types = _outputTypes[modelId];
        if (types.length == 0) revert RegistryUnknownModel(modelId);
    }

    function mirrorCount(bytes32 modelId) external view returns (uint256) {
        return _mirrors[modelId].length;
    }

    function mirror(bytes32 modelId, uint256 index) external view returns (Mirror memory) {
        Mirror[] storage list = _mirrors[modelId];
        if (index >= list.length) revert RegistryUnknownMirror(modelId, index);
        return list[index];
    }

    /*//////////////////////////////////////////////////////////////
                                INTERNALS
    //////////////////////////////////////////////////////////////*/

    function _addMirror(bytes32 modelId, bytes32 fileHash, string calldata uri) private returns (uint256 index) {
        if (bytes(uri).length > MAX_URI_BYTES) revert RegistryLimitExceeded("uri", bytes(uri).length, MAX_URI_BYTES);
        Mirror[] storage list = _mirrors[modelId];
        index = list.length;
        list.push(Mirror({registrant: msg.sender, deprecated: false, fileHash: fileHash, uri: uri}));
        emit MirrorAdded(modelId, index, msg.sender, fileHash, uri);
    }

    function _storeIo(TensorType[] storage types, uint32[] storage slots, IoSlot[] calldata list) private {
        for (uint256 i; i < list.length; ++i) {
            types.push(list[i].tensorType);
            slots.push(list[i].slot);
        }
    }

    function _loadIo(bytes32 modelId, TensorType[] storage types, uint32[] storage slots)
        private
        view
        returns (IoSlot[] memory list)
    {
        if (_models[modelId].registeredAt == 0) revert RegistryUnknownModel(modelId);
        list = new IoSlot[](types.length);
        for (uint256 i; i < list.length; ++i) {
            list[i] = IoSlot({slot: slots[i], tensorType: types[i]});
        }
    }

    /// @dev Checks every limit and folds the id: sha256(0x10 ‖ u32 semanticsVersion ‖ nodeRoot ‖
    ///      valueRoot ‖ u32 nodeCount ‖ u32 slotCount ‖ ioHash ‖ opsetsHash).
    function _foldModelId(ModelParts calldata parts, bytes32 opsetsHash) private pure returns (bytes32) {
        if (parts.semanticsVersion != SEMANTICS_VERSION) revert RegistryUnsupportedSemantics(parts.semanticsVersion);
        if (parts.nodeCount == 0) revert RegistryLimitExceeded("nodeCount", 0, 1);
        bytes32 io = sha256(
            abi.encodePacked(
                Tags.MODEL_IO, _ioBytes(parts.inputs, parts.slotCount), _ioBytes(parts.outputs, parts.slotCount)
            )
        );
        return sha256(
            abi.encodePacked(
                Tags.MODEL_ID,
                parts.semanticsVersion,
                parts.nodeRoot,
                parts.valueRoot,
                parts.nodeCount,
                parts.slotCount,
                io,
                opsetsHash
            )
        );
    }

    /// @dev u32 count ‖ (u32 slot ‖ typeWord)*, after checking the count, each slot and each type.
    function _ioBytes(IoSlot[] calldata list, uint32 slotCount) private pure returns (bytes memory out) {
        // INVARIANT: every model has an input (jobs carry one) and an output (results post one).
        if (list.length == 0 || list.length > MAX_IO) revert RegistryLimitExceeded("io", list.length, MAX_IO);
        out = abi.encodePacked(uint32(list.length));
        for (uint256 i; i < list.length; ++i) {
            IoSlot calldata io = list[i];
            if (io.slot >= slotCount) revert RegistrySlotOutOfRange(io.slot, slotCount);
            io.tensorType.validate();
            out = bytes.concat(out, abi.encodePacked(io.slot, TensorType.unwrap(io.tensorType)));
        }
    }

    /// @dev sha256(0x12 ‖ u32 count ‖ (sha256(domain) ‖ u64 version)*), domains strictly ascending
    ///      by hash so that one model has one id.
    function _opsetsHash(Opset[] calldata opsets) private pure returns (bytes32) {
        if (opsets.length == 0 || opsets.length > MAX_OPSETS) {
            revert RegistryLimitExceeded("opsets", opsets.length, MAX_OPSETS);
        }
        bytes memory packed = abi.encodePacked(Tags.MODEL_OPSETS, uint32(opsets.length));
        bytes32 previous;
        for (uint256 i; i < opsets.length; ++i) {
            bytes calldata domain = bytes(opsets[i].domain);
            if (domain.length > MAX_DOMAIN_BYTES) revert RegistryLimitExceeded("domain", domain.length, MAX_DOMAIN_BYTES);
            bytes32 h = sha256(domain);
            if (i > 0 && h <= previous) revert RegistryOpsetsNotCanonical(i);
            previous = h;
            packed = bytes.concat(packed, abi.encodePacked(h, opsets[i].version));
        }
        return sha256(packed);
    }
}
