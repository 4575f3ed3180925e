/**
 * Sliding-window geometry shared by the convolutions and MaxPool: output sizes from kernel,
 * strides, dilations, pads (explicit or auto_pad) and ceil_mode, and the input position each
 * kernel tap reads.
 */
import { type Attributes, OpError, intAttr, intsAttr, shapeStr, stringAttr } from "./common.js";

export interface Window {
  /** Input spatial dims (after N, C). */
  readonly inSpatial: readonly number[];
  readonly kernel: readonly number[];
  readonly strides: readonly number[];
  readonly dilations: readonly number[];
  readonly padsBegin: readonly number[];
  readonly padsEnd: readonly number[];
  readonly outSpatial: readonly number[];
  /** prod(kernel) and, for each tap in row-major order, its coordinates. */
  readonly kernelSize: number;
  readonly taps: readonly (readonly number[])[];
  readonly inSpatialSize: number;
  readonly outSpatialSize: number;
}

function positiveList(op: string, name: string, list: readonly number[] | undefined, rank: number, fallback: number): number[] {
  if (list === undefined) return new Array<number>(rank).fill(fallback);
  if (list.length !== rank) throw new OpError(op, `${name} has ${list.length} entries, expected ${rank}`);
  for (const v of list) if (!Number.isInteger(v) || v < 1) throw new OpError(op, `${name} entry ${v} must be a positive integer`);
  return [...list];
}

/**
 * `kernelFromWeights` is the spatial part of W's shape for convolutions (kernel_shape, when
 * given, must equal it); MaxPool passes undefined and kernel_shape is then required.
 */
export function slidingWindow(
  op: string,
  inSpatial: readonly number[],
  attrs: Attributes,
  kernelFromWeights: readonly number[] | undefined,
  allowCeilMode: boolean,
): Window {
  const rank = inSpatial.length;
  if (rank < 1) throw new OpError(op, `needs at least one spatial dimension`);
  const kernelAttr = intsAttr(op, attrs, "kernel_shape");
  let kernel: number[];
  if (kernelFromWeights !== undefined) {
    if (kernelAttr !== undefined && (kernelAttr.length !== rank || kernelAttr.some((k, i) => k !== kernelFromWeights[i]))) {
      throw new OpError(op, `kernel_shape ${shapeStr(kernelAttr)} differs from the weights' ${shapeStr(kernelFromWeights)}`);
    }
    kernel = [...kernelFromWeights];
  } else {
    if (kernelAttr === undefined) throw new OpError(op, `attribute kernel_shape is required`);
    kernel = positiveList(op, "kernel_shape", kernelAttr, rank, 1);
  }
  for (const k of kernel) if (!Number.isInteger(k) || k < 1) throw new OpError(op, `kernel dimension ${k} must be positive`);
  const strides = positiveList(op, "strides", intsAttr(op, attrs, "strides"), rank, 1);
  const dilations = positiveList(op, "dilations", intsAttr(op, attrs, "dilations"), rank, 1);
  const ceilMode = allowCeilMode ? intAttr(op, attrs, "ceil_mode", 0) : 0;
  if (ceilMode !== 0 && ceilMode !== 1) throw new OpError(op, `ceil_mode must be 0 or 1, got ${ceilMode}`);
  const autoPad = stringAttr(op, attrs, "auto_pad", "NOTSET");
  const padsAttr = intsAttr(op, attrs, "pads");

  const padsBegin = new Array<number>(rank).fill(0);
  const padsEnd = new Array<number>(rank).fill(0);
  const outSpatial = new Array<number>(rank);
  for (let d = 0; d < rank; d++) {
    const extent = (kernel[d] - 1) * dilations[d] + 1;
    const size = inSpatial[d];
    if (autoPad === "NOTSET") {
      if (padsAttr !== undefined) {
        if (padsAttr.length !== 2 * rank) throw new OpError(op, `pads has ${padsAttr.length} entries, expected ${2 * rank}`);
        padsBegin[d] = padsAttr[d];
        padsEnd[d] = padsAttr[d + rank];
        if (!Number.isInteger(padsBegin[d]) || !Number.isInteger(padsEnd[d]) || padsBegin[d] < 0 || padsEnd[d] < 0) {
          throw new OpError(op, `pads ${shapeStr(padsAttr)} must be non-negative integers`);
        }
      }
      const span = size + padsBegin[d] + padsEnd[d] - extent;
      if (span < 0) throw new OpError(op, `kernel extent ${extent} exceeds padded input ${size + padsBegin[d] + padsEnd[d]} on spatial axis ${d}`);
      let out = (ceilMode ? Math.ceil(span / strides[d]) : Math.floor(span / strides[d])) + 1;
      // ceil_mode: a last window that would start inside the end padding is dropped.
      if (ceilMode && (out - 1) * strides[d] >= size + padsBegin[d]) out--;
      outSpatial[d] = out;
    } else if (autoPad === "VALID") {
      if (size < extent) throw new OpError(op, `kernel extent ${extent} exceeds input ${size} on spatial axis ${d}`);
      outSpatial[d] = Math.floor((size - extent) / strides[d]) + 1;
    } else if (autoPad === "SAME_UPPER" || autoPad === "SAME_LOWER") {
      const out = Math.ceil(size / strides[d]);
      const total = Math.max(0, (out - 1) * strides[d] + extent - size);
      const small = Math.floor(total / 2);
      padsBegin[d] = autoPad === "SAME_UPPER" ? small : total - small;
      padsEnd[d] = total - padsBegin[d];
      outSpatial[d] = out;
    } else {
      throw new OpError(op, `unsupported auto_pad "${autoPad}"`);
    }
  }

  const taps: number[][] = [];
  const kernelSize = kernel.reduce((a, b) => a * b, 1);
  for (let t = 0; t < kernelSize; t++) {
    const coords = new Array<number>(rank);
    let rest = t;
    for (let d = rank - 1; d >= 0; d--) {
      coords[d] = rest % kernel[d];
      rest = Math.floor(rest / kernel[d]);
    }
    taps.push(coords);
  }
  return {
    inSpatial: [...inSpatial],
    kernel,
    strides,
    dilations,
    padsBegin,
    padsEnd,
    outSpatial,
    kernelSize,
    taps,
    inSpatialSize: inSpatial.reduce((a, b) => a * b, 1),
    outSpatialSize: outSpatial.reduce((a, b) => a * b, 1),
  };
}

/** Coordinates of a flat output spatial position. */
export function outCoords(w: Window, pos: number): number[] {
  const rank = w.outSpatial.length;
  const c = new Array<number>(rank);
  for (let d = rank - 1; d >= 0; d--) {
    c[d] = pos % w.outSpatial[d];
    pos = Math.floor(pos / w.outSpatial[d]);
  }
  return c;
}

/**
 * Flat input spatial offset read by kernel tap `tap` for the output at `out` coordinates, or -1
 * when the tap falls in the padding.
 */
export function tapOffset(w: Window, out: readonly number[], tap: number): number {
  const coords = w.taps[tap];
  let offset = 0;
  for (let d = 0; d < coords.length; d++) {
    const p = out[d] * w.strides[d] - w.padsBegin[d] + coords[d] * w.dilations[d];
    if (p < 0 || p >= w.inSpatial[d]) return -1;
    offset = offset * w.inSpatial[d] + p;
  }
  return offset;
}
