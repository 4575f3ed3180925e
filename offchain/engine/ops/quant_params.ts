/**
 * Where QuantizeLinear / DequantizeLinear find the scale and zero point of an element: one pair
 * for the whole tensor, one per index along `axis`, or (block_size > 0, opset 21) one per block of
 * `block_size` consecutive indices along `axis`.
 */
import { OpError, isScalarShape, normalizeAxis, shapeStr } from "./common.js";

/** Maps a flat element index of x to the flat index of its scale / zero point. */
export type ParamIndex = (flat: number) => number;

export function quantParamLayout(
  op: string,
  xShape: readonly number[],
  scaleShape: readonly number[],
  axisAttr: number,
  blockSize: number,
): ParamIndex {
  if (!Number.isInteger(blockSize) || blockSize < 0) throw new OpError(op, `block_size ${blockSize} must be >= 0`);
  if (blockSize === 0 && isScalarShape(scaleShape)) return () => 0;
  const rank = xShape.length;
  if (rank === 0) throw new OpError(op, `a scalar input needs a scalar scale, got scale shape ${shapeStr(scaleShape)}`);
  const axis = normalizeAxis(op, axisAttr, rank);
  const dim = xShape[axis];
  let inner = 1;
  for (let i = axis + 1; i < rank; i++) inner *= xShape[i];
  if (blockSize === 0) {
    if (scaleShape.length !== 1 || scaleShape[0] !== dim) {
      throw new OpError(op, `per-axis scale must have shape [${dim}] (axis ${axis} of ${shapeStr(xShape)}), got ${shapeStr(scaleShape)}`);
    }
    return (flat) => Math.floor(flat / inner) % dim;
  }
  const blocks = Math.ceil(dim / blockSize);
  const expected = xShape.map((d, i) => (i === axis ? blocks : d));
  if (scaleShape.length !== rank || scaleShape.some((d, i) => d !== expected[i])) {
    throw new OpError(op, `blocked scale must have shape ${shapeStr(expected)}, got ${shapeStr(scaleShape)}`);
  }
  return (flat) => {
    const innerIdx = flat % inner;
    const a = Math.floor(flat / inner) % dim;
    const outer = Math.floor(flat / (inner * dim));
    return (outer * blocks + Math.floor(a / blockSize)) * inner + innerIdx;
  };
}
