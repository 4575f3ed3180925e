// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {TensorType} from "../../libraries/TensorType.sol";

/// @notice Where one output element of a matrix product reads its operands.
/// @param rows M, inner K (the summed dimension), cols N
/// @param row the element's row m, col its column n
/// @param aBase, aStep: term k (0-based) reads A at aBase + k * aStep
/// @param bBase, bStep: term k reads B at bBase + k * bStep
struct MatMulCell {
    uint256 rows;
    uint256 inner;
    uint256 cols;
    uint256 row;
    uint256 col;
    uint256 aBase;
    uint256 aStep;
    uint256 bBase;
    uint256 bStep;
}

/// @title LibMatMulGeometry
/// @notice Operand indices of QLinearMatMul / MatMulInteger (numpy matmul: batched, broadcast, 1-D
///         operands promoted) and of com.microsoft QGemm (2-D, transA / transB), in the order of
///         docs/SPEC.md section 9: k ascending. offchain/engine/ops/matmul_core.ts and qgemm.ts are
///         the twins.
library LibMatMulGeometry {
    /// @notice The operand types do not multiply into the output type.
    error MatMulGeometryInvalid(bytes32 what);

    /// @notice numpy matmul: A[..., M, K] x B[..., K, N] -> Y[..., M, N]; a 1-D A is [1, K] and a
    ///         1-D B is [K, 1], the added dim dropped from Y. Element o = (batch * M + m) * N + n
    ///         reads A at aOffset(batch) + m * K + k and B at bOffset(batch) + k * N + n.
    function matmul(TensorType a, TensorType b, TensorType y, uint256 element)
        internal
        pure
        returns (MatMulCell memory c)
    {
        uint256 ra = a.rank();
        uint256 rb = b.rank();
        if (ra == 0 || rb == 0) revert MatMulGeometryInvalid("rank");
        uint256 rows = ra == 1 ? 1 : a.dim(ra - 2);
        c.inner = a.dim(ra - 1);
        uint256 cols = rb == 1 ? 1 : b.dim(rb - 1);
        c.rows = rows;
        c.cols = cols;
        if ((rb == 1 ? b.dim(0) : b.dim(rb - 2)) != c.inner) revert MatMulGeometryInvalid("inner");
        uint256 batchRank = _max(ra, rb);
        batchRank = batchRank > 2 ? batchRank - 2 : 0;
        // INVARIANT: Y = broadcast batch dims ‖ [M if A is not 1-D] ‖ [N if B is not 1-D].
        uint256 yRank = batchRank + (ra == 1 ? 0 : 1) + (rb == 1 ? 0 : 1);
        if (y.rank() != yRank) revert MatMulGeometryInvalid("output rank");
        if (ra != 1 && y.dim(batchRank) != rows) revert MatMulGeometryInvalid("output rows");
        if (rb != 1 && y.dim(yRank - 1) != cols) revert MatMulGeometryInvalid("output cols");
        if (element >= _batchCount(a, b, y, batchRank) * rows * cols) revert MatMulGeometryInvalid("element");
        c.col = element % cols;
        uint256 bm = element / cols;
        c.row = bm % rows;
        (uint256 aMat, uint256 bMat) = _batchMatrices(a, b, y, batchRank, bm / rows);
        c.aBase = aMat * rows * c.inner + c.row * c.inner;
        c.aStep = 1;
        c.bBase = bMat * c.inner * cols + c.col;
        c.bStep = cols;
    }

    /// @dev Number of output batches; checks that Y's batch dims are the broadcast of A's and B's.
    function _batchCount(TensorType a, TensorType b, TensorType y, uint256 batchRank)
        private
        pure
        returns (uint256 batches)
    {
        batches = 1;
        for (uint256 i; i < batchRank; ++i) {
            uint256 da = _batchDim(a, batchRank, i);
            uint256 db = _batchDim(b, batchRank, i);
            uint256 dy = da == 1 ? db : da;
            if ((db != 1 && db != dy) || y.dim(i) != dy) revert MatMulGeometryInvalid("batch broadcast");
            batches *= dy;
        }
    }

    /// @dev The matrix index of output batch `batch` in A and in B: row-major over each operand's
    ///      own batch dims, a dim of 1 repeated (its coordinate ignored). Last batch dim first.
    function _batchMatrices(TensorType a, TensorType b, TensorType y, uint256 batchRank, uint256 batch)
        private
        pure
        returns (uint256 aMat, uint256 bMat)
    {
        uint256 aStride = 1;
        uint256 bStride = 1;
        for (uint256 i = batchRank; i > 0; --i) {
            uint256 dy = y.dim(i - 1);
            uint256 coord = batch % dy;
            batch /= dy;
            uint256 da = _batchDim(a, batchRank, i - 1);
            uint256 db = _batchDim(b, batchRank, i - 1);
            if (da != 1) aMat += coord * aStride;
            if (db != 1) bMat += coord * bStride;
            // A missing dim counts as 1: the strides only grow over the operand's own dims.
            aStride *= da;
            bStride *= db;
        }
    }

    /// @dev Batch dim i (of `batchRank`, aligned right) of an operand; 1 where it has none.
    function _batchDim(TensorType t, uint256 batchRank, uint256 i) private pure returns (uint256) {
        uint256 r = t.rank();
        uint256 own = r > 2 ? r - 2 : 0;
        return i + own >= batchRank ? t.dim(i + own - batchRank) : 1;
    }

    function _max(uint256 x, uint256 y) private pure returns (uint256) {
        return x > y ? x : y;
    }

    /// @notice QGemm: A [M, K] (transA: [K, M]), B [K, N] (transB: [N, K]), Y [M, N]; element
    ///         o = m * N + n reads A at m * K + k (transA: k * M + m) and B at k * N + n
    ///         (transB: n * K + k).
    function gemm(TensorType a, TensorType b, TensorType y, bool transA, bool transB, uint256 element)
        internal
        pure
        returns (MatMulCell memory c)
    {
        if (a.rank() != 2 || b.rank() != 2 || y.rank() != 2) revert MatMulGeometryInvalid("rank");
        uint256 rows = transA ? a.dim(1) : a.dim(0);
        c.inner = transA ? a.dim(0) : a.dim(1);
        uint256 cols = transB ? b.dim(0) : b.dim(1);
        c.rows = rows;
        c.cols = cols;
        if ((transB ? b.dim(1) : b.dim(0)) != c.inner) revert MatMulGeometryInvalid("inner");
        if (y.dim(0) != rows || y.dim(1) != cols) revert MatMulGeometryInvalid("output shape");
        if (element >= rows * cols) revert MatMulGeometryInvalid("element");
        c.row = element / cols;
        c.col = element % cols;
        (c.aBase, c.aStep) = transA ? (c.row, rows) : (c.row * c.inner, 1);
        (c.bBase, c.bStep) = transB ? (c.col * c.inner, 1) : (c.col, cols);
    }

    /// @notice The flat index of C[m, n] after unidirectional broadcasting of C (rank 0..2) to
    ///         [M, N]: a dim of 1 repeats.
    function gemmBiasIndex(TensorType cType, uint256 rows, uint256 cols, uint256 m, uint256 n)
        internal
        pure
        returns (uint256)
    {
        uint256 r = cType.rank();
        if (r > 2) revert MatMulGeometryInvalid("C rank");
        uint256 cRows = r == 2 ? cType.dim(0) : 1;
        uint256 cCols = r >= 1 ? cType.dim(r - 1) : 1;
        if ((cRows != 1 && cRows != rows) || (cCols != 1 && cCols != cols)) revert MatMulGeometryInvalid("C broadcast");
        return (cRows == 1 ? 0 : m) * cCols + (cCols == 1 ? 0 : n);
    }
}
