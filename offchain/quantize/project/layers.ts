/**
 * Hand-written forward and backward passes of the project CNN's layers on one sample (channels,
 * height, width, row-major Float32Arrays): 3x3 convolution with padding 1, Relu, 2x2 max pooling,
 * and a dense layer. Plain loops; small enough to train in seconds.
 */

export interface Shape3 {
  readonly c: number;
  readonly h: number;
  readonly w: number;
}

/** y[co] = b[co] + sum over ci, 3x3 taps of w[co, ci, ky, kx] * x[ci, y + ky - 1, x + kx - 1]. */
export function conv3x3Forward(x: Float32Array, s: Shape3, w: Float32Array, b: Float32Array, outC: number): Float32Array {
  const { c, h, w: width } = s;
  const y = new Float32Array(outC * h * width);
  for (let co = 0; co < outC; co++) {
    const plane = co * h * width;
    y.fill(b[co]!, plane, plane + h * width);
    for (let ci = 0; ci < c; ci++) {
      const xin = ci * h * width;
      for (let ky = 0; ky < 3; ky++) {
        for (let kx = 0; kx < 3; kx++) {
          const wv = w[((co * c + ci) * 3 + ky) * 3 + kx]!;
          const y0 = Math.max(0, 1 - ky);
          const y1 = Math.min(h, h + 1 - ky);
          const x0 = Math.max(0, 1 - kx);
          const x1 = Math.min(width, width + 1 - kx);
          for (let yy = y0; yy < y1; yy++) {
            const rowOut = plane + yy * width;
            const rowIn = xin + (yy + ky - 1) * width + kx - 1;
            for (let xx = x0; xx < x1; xx++) y[rowOut + xx]! += wv * x[rowIn + xx]!;
          }
        }
      }
    }
  }
  return y;
}

/** Accumulates dW, dB into gw, gb; returns dX (skipped when `needInput` is false). */
export function conv3x3Backward(
  x: Float32Array,
  s: Shape3,
  w: Float32Array,
  dy: Float32Array,
  outC: number,
  gw: Float64Array,
  gb: Float64Array,
  needInput: boolean,
): Float32Array | undefined {
  const { c, h, w: width } = s;
  const dx = needInput ? new Float32Array(c * h * width) : undefined;
  for (let co = 0; co < outC; co++) {
    const plane = co * h * width;
    let sum = 0;
    for (let i = 0; i < h * width; i++) sum += dy[plane + i]!;
    gb[co]! += sum;
    for (let ci = 0; ci < c; ci++) {
      const xin = ci * h * width;
      for (let ky = 0; ky < 3; ky++) {
        for (let kx = 0; kx < 3; kx++) {
          const wi = ((co * c + ci) * 3 + ky) * 3 + kx;
          const wv = w[wi]!;
          const y0 = Math.max(0, 1 - ky);
          const y1 = Math.min(h, h + 1 - ky);
          const x0 = Math.max(0, 1 - kx);
          const x1 = Math.min(width, width + 1 - kx);
          let g = 0;
          for (let yy = y0; yy < y1; yy++) {
            const rowOut = plane + yy * width;
            const rowIn = xin + (yy + ky - 1) * width + kx - 1;
            for (let xx = x0; xx < x1; xx++) {
              const d = dy[rowOut + xx]!;
              g += d * x[rowIn + xx]!;
              if (dx !== undefined) dx[rowIn + xx]! += d * wv;
            }
          }
          gw[wi]! += g;
        }
      }
    }
  }
  return dx;
}

export function reluForward(x: Float32Array): Float32Array {
  return x.map((v) => (v > 0 ? v : 0));
}

export function reluBackward(y: Float32Array, dy: Float32Array): Float32Array {
  return dy.map((d, i) => (y[i]! > 0 ? d : 0));
}

/** 2x2 max pooling, stride 2 (h, w even); returns the output and the argmax index of each window. */
export function maxPoolForward(x: Float32Array, s: Shape3): { y: Float32Array; argmax: Int32Array } {
  const oh = s.h / 2;
  const ow = s.w / 2;
  const y = new Float32Array(s.c * oh * ow);
  const argmax = new Int32Array(y.length);
  for (let c = 0; c < s.c; c++) {
    for (let i = 0; i < oh; i++) {
      for (let j = 0; j < ow; j++) {
        let best = -Infinity;
        let at = 0;
        for (let dy = 0; dy < 2; dy++) {
          for (let dx = 0; dx < 2; dx++) {
            const k = (c * s.h + 2 * i + dy) * s.w + 2 * j + dx;
            if (x[k]! > best) {
              best = x[k]!;
              at = k;
            }
          }
        }
        const o = (c * oh + i) * ow + j;
        y[o] = best;
        argmax[o] = at;
      }
    }
  }
  return { y, argmax };
}

export function maxPoolBackward(argmax: Int32Array, dy: Float32Array, inputSize: number): Float32Array {
  const dx = new Float32Array(inputSize);
  for (let o = 0; o < dy.length; o++) dx[argmax[o]!]! += dy[o]!;
  return dx;
}

/** y[j] = b[j] + sum_k w[j, k] x[k] (w stored [out, in], as Gemm's B with transB = 1). */
export function denseForward(x: Float32Array, w: Float32Array, b: Float32Array, out: number): Float32Array {
  const n = x.length;
  const y = new Float32Array(out);
  for (let j = 0; j < out; j++) {
    let acc = b[j]!;
    for (let k = 0; k < n; k++) acc += w[j * n + k]! * x[k]!;
    y[j] = acc;
  }
  return y;
}

export function denseBackward(x: Float32Array, w: Float32Array, dy: Float32Array, gw: Float64Array, gb: Float64Array): Float32Array {
  const n = x.length;
  const dx = new Float32Array(n);
  for (let j = 0; j < dy.length; j++) {
    const d = dy[j]!;
    gb[j]! += d;
    for (let k = 0; k < n; k++) {
      gw[j * n + k]! += d * x[k]!;
      dx[k]! += d * w[j * n + k]!;
    }
  }
  return dx;
}

/** Softmax cross-entropy: the loss and d(loss)/d(logits). */
export function softmaxCrossEntropy(logits: Float32Array, label: number): { loss: number; grad: Float32Array } {
  const max = Math.max(...logits);
  const exps = Array.from(logits, (v) => Math.exp(v - max));
  const sum = exps.reduce((a, b) => a + b, 0);
  const grad = Float32Array.from(exps, (e, i) => e / sum - (i === label ? 1 : 0));
  return { loss: -Math.log(exps[label]! / sum), grad };
}
