// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {TensorType} from "../../libraries/TensorType.sol";
import {LibDescriptor} from "./LibDescriptor.sol";

/// @notice The sliding window of one output element of QLinearConv, ConvInteger or MaxPool, read
///         from descriptor words 5-7 (docs/SPEC.md section 8) and checked against the type words.
/// @param spatial number of spatial dims D (1..3)
/// @param channels M for a convolution (output channels), C for MaxPool
/// @param inChannels C, the input's channel count
/// @param groupIn C / group: input channels per group (1 for MaxPool: one channel per window)
/// @param groupOut M / group (MaxPool: 1)
/// @param inSize product of the input's spatial dims
/// @param kernelSize product of the kernel dims
/// @param channel the element's output channel (m, or c for MaxPool)
/// @param batch the element's batch index n
/// @param out the element's output coordinates, unused entries 0
struct ConvWindow {
    uint256 spatial;
    uint256 channels;
    uint256 inChannels;
    uint256 groupIn;
    uint256 groupOut;
    uint256 inSize;
    uint256 kernelSize;
    uint256 channel;
    uint256 batch;
    uint256[3] inDims;
    uint256[3] kernel;
    uint256[3] strides;
    uint256[3] dilations;
    uint256[3] padsBegin;
    uint256[3] out;
}

/// @title LibConvGeometry
/// @notice Operand indices of the convolutions and MaxPool in the accumulation order of docs/SPEC.md
///         section 9 (offchain/engine/ops/conv_core.ts and window.ts are the twins): term k = 1..K,
///         k - 1 = ci * prod(kernel) + t, input channel ci of the group outer, kernel tap t (row-major
///         over the spatial dims) inner; tap coords kc read input position
///         p_d = out_d * stride_d - padBegin_d + kc_d * dilation_d, a padded tap when outside [0, in_d).
library LibConvGeometry {
    /// @notice The descriptor's window does not fit the operand and output type words.
    error ConvGeometryInvalid(bytes32 what);

    /// @notice Reads and checks the window and locates output element `element`.
    /// @param x the data input's type [N, C, in...]
    /// @param w the weight's type [M, C/group, kernel...] (ignored when `pool`)
    /// @param y the output's type [N, M, out...] ([N, C, out...] for MaxPool)
    /// @dev Reverts unless y's dims are exactly what the window gives (floor division: the profile
    ///      admits ceil_mode only where it changes nothing), so a descriptor cannot claim a window
    ///      its output shape does not have.
    function load(bytes calldata d, TensorType x, TensorType w, TensorType y, bool pool, uint256 element)
        internal
        pure
        returns (ConvWindow memory g)
    {
        g.spatial = LibDescriptor.u32At(d, 5, 0);
        if (g.spatial == 0 || g.spatial > 3) revert ConvGeometryInvalid("spatial rank");
        uint256 rank = g.spatial + 2;
        if (x.rank() != rank || y.rank() != rank) revert ConvGeometryInvalid("rank");
        uint256 group = LibDescriptor.u32At(d, 5, 1);
        g.inChannels = x.dim(1);
        if (pool) {
            // INVARIANT: MaxPool has no group attribute; the encoder writes 1.
            if (group != 1) revert ConvGeometryInvalid("group");
            g.channels = g.inChannels;
            g.groupIn = 1;
            g.groupOut = 1;
        } else {
            if (w.rank() != rank) revert ConvGeometryInvalid("weight rank");
            g.channels = w.dim(0);
            g.groupIn = w.dim(1);
            // INVARIANT: C = group * Cg and group divides M, as the reference's convShape demands.
            if (group == 0 || g.groupIn * group != g.inChannels || g.channels % group != 0) {
                revert ConvGeometryInvalid("group");
            }
            g.groupOut = g.channels / group;
        }
        if (y.dim(0) != x.dim(0) || y.dim(1) != g.channels) revert ConvGeometryInvalid("output channels");
        uint256 outSize = _spatial(d, g, x, w, y, pool);
        // The element: (n, channel, out) in row-major order of y.
        uint256 count = outSize * g.channels * y.dim(0);
        if (element >= count) revert ConvGeometryInvalid("element");
        uint256 rest = element % outSize;
        for (uint256 i = g.spatial; i > 0; --i) {
            uint256 od = y.dim(1 + i);
            g.out[i - 1] = rest % od;
            rest /= od;
        }
        uint256 nc = element / outSize;
        g.channel = nc % g.channels;
        g.batch = nc / g.channels;
    }

    /// @dev Reads kernel, strides, dilations and pads of each spatial dim into `g`, checks them
    ///      against the weight and output dims, and returns the product of the output's spatial dims.
    function _spatial(bytes calldata d, ConvWindow memory g, TensorType x, TensorType w, TensorType y, bool pool)
        private
        pure
        returns (uint256 outSize)
    {
        g.kernelSize = 1;
        g.inSize = 1;
        outSize = 1;
        for (uint256 i; i < g.spatial; ++i) {
            uint256 k = LibDescriptor.u32At(d, 5, 2 + i);
            g.strides[i] = LibDescriptor.u32At(d, 5, 5 + i);
            g.dilations[i] = LibDescriptor.u32At(d, 6, i);
            g.padsBegin[i] = LibDescriptor.u32At(d, 6, 3 + i);
            if (k == 0 || g.strides[i] == 0 || g.dilations[i] == 0) revert ConvGeometryInvalid("zero kernel, stride or dilation");
            if (!pool && k != w.dim(2 + i)) revert ConvGeometryInvalid("kernel");
            g.inDims[i] = x.dim(2 + i);
            g.kernel[i] = k;
            // All values are u32 or u24: no overflow in uint256.
            uint256 extent = (k - 1) * g.dilations[i] + 1;
            uint256 padded = g.inDims[i] + g.padsBegin[i] + LibDescriptor.u32At(d, 7, i);
            if (padded < extent || y.dim(2 + i) != (padded - extent) / g.strides[i] + 1) {
                revert ConvGeometryInvalid("output size");
            }
            g.kernelSize *= k;
            g.inSize *= g.inDims[i];
            outSize *= y.dim(2 + i);
        }
    }

    /// @notice Terms per output element: (C / group) * prod(kernel); prod(kernel) for MaxPool.
    function termCount(ConvWindow memory g) internal pure returns (uint256) {
        return g.groupIn * g.kernelSize;
    }

    /// @notice The operands of term `a` (1..K): the input's flat index (`padded` when the tap is in
    ///         the padding, index then 0) and the weight's flat index.
    function operands(ConvWindow memory g, uint256 a)
        internal
        pure
        returns (bool padded, uint256 xIndex, uint256 wIndex)
    {
        uint256 k = a - 1;
        uint256 ci = k / g.kernelSize;
        uint256 t = k % g.kernelSize;
        wIndex = (g.channel * g.groupIn + ci) * g.kernelSize + t;
        // Tap coordinates, row-major over the kernel: the last spatial dim varies fastest.
        uint256 rest = t;
        uint256[3] memory kc;
        for (uint256 i = g.spatial; i > 0; --i) {
            kc[i - 1] = rest % g.kernel[i - 1];
            rest /= g.kernel[i - 1];
        }
        uint256 offset;
        for (uint256 i; i < g.spatial; ++i) {
            // p = out * stride + kc * dilation - padBegin, in signed terms; padded when < 0 or >= in.
            uint256 reach = g.out[i] * g.strides[i] + kc[i] * g.dilations[i];
            if (reach < g.padsBegin[i]) return (true, 0, wIndex);
            uint256 p = reach - g.padsBegin[i];
            if (p >= g.inDims[i]) return (true, 0, wIndex);
            offset = offset * g.inDims[i] + p;
        }
        // Input channel: g_index * Cg + ci where the group is channel / (M / group).
        uint256 c = (g.channel / g.groupOut) * g.groupIn + ci;
        xIndex = (g.batch * g.inChannels + c) * g.inSize + offset;
    }
}
