// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {Phase} from "./GameTypes.sol";

/// @notice The small fields of a game's state, unpacked (LibCursor packs them into one word).
/// @param phase where the game stands
/// @param height height of the disputed tree node of T (level 2; 1 = the node over two leaves)
/// @param outDtype element type of the disputed node's output (from level 1's end)
/// @param lo,hi the interval under dispute: state indices (level 1), or accumulation indices
///        shifted by one (level 3: 0 is "before p_0", a+1 is v_a, K+2 is y). From the transition
///        on, [lo, hi] is the element's level-3 interval to come: [0, K+2], or [0, 1] for an
///        operator that does not accumulate.
/// @param node the disputed node's index, once level 1 ended
/// @param position index of the disputed tree node at `height` (level 2)
/// @param element the disputed output element, once level 2 ended
/// @param outBytes byte length of the disputed node's output tensor
struct Cursor {
    Phase phase;
    uint256 height;
    uint256 outDtype;
    uint256 lo;
    uint256 hi;
    uint256 node;
    uint256 position;
    uint256 element;
    uint256 outBytes;
}

/// @title LibCursor
/// @notice The cursor word of GameState (docs/SPEC.md section 10), bit 0 = least significant:
///         | bits    | field    | width | bound that makes it fit                               |
///         | ------- | -------- | ----- | ----------------------------------------------------- |
///         | 0-7     | phase    | 8     | 12 phases                                             |
///         | 8-15    | height   | 8     | tensor trees are at most 32 deep                      |
///         | 16-23   | outDtype | 8     | ONNX element type codes                               |
///         | 24-55   | lo       | 32    | node counts, K+2 < 2^32 (the profile's limit)         |
///         | 56-87   | hi       | 32    | as lo                                                 |
///         | 88-119  | node     | 32    | node counts are u32 (descriptor bytes 4..7)           |
///         | 120-151 | position | 32    | at most 2^31 nodes at height >= 1 (depth <= 32)       |
///         | 152-191 | element  | 40    | at most 2^37 elements (2^32 leaves of 32 bytes)       |
///         | 192-231 | outBytes | 40    | at most 2^37 bytes                                    |
///         | 232-255 | zero     | 24    |                                                       |
///         `pack` reverts on a value wider than its field, so no field can spill into another and
///         one cursor has exactly one word. offchain/game/cursor.ts is the twin.
library LibCursor {
    /// @notice A field's value does not fit its width in the cursor word.
    error GameCursorOverflow(bytes32 field, uint256 value);

    uint256 internal constant HEIGHT_SHIFT = 8;
    uint256 internal constant DTYPE_SHIFT = 16;
    uint256 internal constant LO_SHIFT = 24;
    uint256 internal constant HI_SHIFT = 56;
    uint256 internal constant NODE_SHIFT = 88;
    uint256 internal constant POSITION_SHIFT = 120;
    uint256 internal constant ELEMENT_SHIFT = 152;
    uint256 internal constant BYTES_SHIFT = 192;

    function unpack(uint256 w) internal pure returns (Cursor memory c) {
        c.phase = Phase(uint8(w));
        c.height = uint8(w >> HEIGHT_SHIFT);
        c.outDtype = uint8(w >> DTYPE_SHIFT);
        c.lo = uint32(w >> LO_SHIFT);
        c.hi = uint32(w >> HI_SHIFT);
        c.node = uint32(w >> NODE_SHIFT);
        c.position = uint32(w >> POSITION_SHIFT);
        c.element = uint40(w >> ELEMENT_SHIFT);
        c.outBytes = uint40(w >> BYTES_SHIFT);
    }

    /// @notice The phase alone (the entry check of every move).
    function phaseOf(uint256 w) internal pure returns (Phase) {
        return Phase(uint8(w));
    }

    function pack(Cursor memory c) internal pure returns (uint256 w) {
        // INVARIANT: every field fits its width, so no value can alias a neighbouring field.
        w = uint256(c.phase);
        w |= _fit(c.height, 8, "height") << HEIGHT_SHIFT;
        w |= _fit(c.outDtype, 8, "outDtype") << DTYPE_SHIFT;
        w |= _fit(c.lo, 32, "lo") << LO_SHIFT;
        w |= _fit(c.hi, 32, "hi") << HI_SHIFT;
        w |= _fit(c.node, 32, "node") << NODE_SHIFT;
        w |= _fit(c.position, 32, "position") << POSITION_SHIFT;
        w |= _fit(c.element, 40, "element") << ELEMENT_SHIFT;
        w |= _fit(c.outBytes, 40, "outBytes") << BYTES_SHIFT;
    }

    function _fit(uint256 v, uint256 bits, bytes32 field) private pure returns (uint256) {
        if (v >> bits != 0) revert GameCursorOverflow(field, v);
        return v;
    }
}
