// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

/// @title Tags
/// @notice Domain tags: the first byte of every message the protocol hashes (docs/SPEC.md,
///         "Domain tags"; offchain/engine/commit/hash.ts is the twin).
library Tags {
    bytes1 internal constant TENSOR_LEAF = 0x00;
    bytes1 internal constant TENSOR_NODE = 0x01;
    bytes1 internal constant TENSOR = 0x02;
    bytes1 internal constant TENSOR_LIST = 0x03;
    bytes1 internal constant MODEL_ID = 0x10;
    bytes1 internal constant MODEL_IO = 0x11;
    bytes1 internal constant MODEL_OPSETS = 0x12;
    bytes1 internal constant NODE_DESCRIPTOR = 0x13;
    bytes1 internal constant VALUE_TABLE_NODE = 0x14;
    bytes1 internal constant NODE_TREE_NODE = 0x15;
    bytes1 internal constant NODE_INPUT_TYPES = 0x16;
    bytes1 internal constant RESULT = 0x20;
}
