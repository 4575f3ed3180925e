/**
 * The project's MNIST CNN: Conv 3x3 pad 1 (C1) -> Relu -> MaxPool 2 -> Conv 3x3 pad 1 (C2) -> Relu
 * -> MaxPool 2 -> Flatten -> Gemm (10 logits). Input 1x28x28, pixels in [0, 1]. Trained with Adam on
 * minibatches, every random draw from one seeded stream, so the weights are the same bits on
 * every run.
 */
import { DIGIT_PIXELS, type Digit } from "../data/mnist.js";
import {
  conv3x3Backward,
  conv3x3Forward,
  denseBackward,
  denseForward,
  maxPoolBackward,
  maxPoolForward,
  reluBackward,
  reluForward,
  softmaxCrossEntropy,
} from "./layers.js";
import { gaussian, mulberry32 } from "./prng.js";

export interface CnnConfig {
  readonly channels1: number;
  readonly channels2: number;
  readonly epochs: number;
  readonly batchSize: number;
  readonly learningRate: number;
  readonly seed: number;
}

export interface CnnParams {
  readonly config: CnnConfig;
  readonly w1: Float32Array;
  readonly b1: Float32Array;
  readonly w2: Float32Array;
  readonly b2: Float32Array;
  /** [10, C2 * 7 * 7] (Gemm B with transB = 1). */
  readonly w3: Float32Array;
  readonly b3: Float32Array;
}

const CLASSES = 10;

function flatSize(c: CnnConfig): number {
  return c.channels2 * 7 * 7;
}

function init(config: CnnConfig): CnnParams {
  const next = mulberry32(config.seed);
  const he = (n: number, fanIn: number): Float32Array => Float32Array.from({ length: n }, () => gaussian(next) * Math.sqrt(2 / fanIn));
  const { channels1: c1, channels2: c2 } = config;
  return {
    config,
    w1: he(c1 * 9, 9),
    b1: new Float32Array(c1),
    w2: he(c2 * c1 * 9, c1 * 9),
    b2: new Float32Array(c2),
    w3: he(CLASSES * flatSize(config), flatSize(config)),
    b3: new Float32Array(CLASSES),
  };
}

interface Trace {
  readonly a1: Float32Array;
  readonly p1: { y: Float32Array; argmax: Int32Array };
  readonly a2: Float32Array;
  readonly p2: { y: Float32Array; argmax: Int32Array };
  readonly logits: Float32Array;
}

function forward(p: CnnParams, pixels: Float32Array): Trace {
  const { channels1: c1, channels2: c2 } = p.config;
  const a1 = reluForward(conv3x3Forward(pixels, { c: 1, h: 28, w: 28 }, p.w1, p.b1, c1));
  const p1 = maxPoolForward(a1, { c: c1, h: 28, w: 28 });
  const a2 = reluForward(conv3x3Forward(p1.y, { c: c1, h: 14, w: 14 }, p.w2, p.b2, c2));
  const p2 = maxPoolForward(a2, { c: c2, h: 14, w: 14 });
  return { a1, p1, a2, p2, logits: denseForward(p2.y, p.w3, p.b3, CLASSES) };
}

/** The float logits of one digit (the same function the exported ONNX graph computes). */
export function cnnLogits(p: CnnParams, pixels: Float32Array): Float32Array {
  return forward(p, pixels).logits;
}

type Grads = [Float64Array, Float64Array, Float64Array, Float64Array, Float64Array, Float64Array];

function backward(p: CnnParams, pixels: Float32Array, t: Trace, dLogits: Float32Array, g: Grads): void {
  const { channels1: c1, channels2: c2 } = p.config;
  const dp2 = denseBackward(t.p2.y, p.w3, dLogits, g[4], g[5]);
  const da2 = reluBackward(t.a2, maxPoolBackward(t.p2.argmax, dp2, t.a2.length));
  const dp1 = conv3x3Backward(t.p1.y, { c: c1, h: 14, w: 14 }, p.w2, da2, c2, g[2], g[3], true)!;
  const da1 = reluBackward(t.a1, maxPoolBackward(t.p1.argmax, dp1, t.a1.length));
  conv3x3Backward(pixels, { c: 1, h: 28, w: 28 }, p.w1, da1, c1, g[0], g[1], false);
}

export interface TrainReport {
  readonly params: CnnParams;
  /** Mean loss of each epoch. */
  readonly losses: readonly number[];
}

export function trainCnn(config: CnnConfig, digits: readonly Digit[], onEpoch?: (epoch: number, loss: number) => void): TrainReport {
  const params = init(config);
  const tensors = [params.w1, params.b1, params.w2, params.b2, params.w3, params.b3];
  const m = tensors.map((t) => new Float64Array(t.length));
  const v = tensors.map((t) => new Float64Array(t.length));
  const [beta1, beta2, eps] = [0.9, 0.999, 1e-8];
  const next = mulberry32(config.seed ^ 0x5eed);
  const order = digits.map((_, i) => i);
  const losses: number[] = [];
  let step = 0;
  for (let epoch = 0; epoch < config.epochs; epoch++) {
    for (let i = order.length - 1; i > 0; i--) {
      const j = Math.floor(next() * (i + 1));
      [order[i], order[j]] = [order[j]!, order[i]!];
    }
    let lossSum = 0;
    for (let start = 0; start < order.length; start += config.batchSize) {
      const batch = order.slice(start, start + config.batchSize);
      const grads = tensors.map((t) => new Float64Array(t.length)) as Grads;
      for (const index of batch) {
        const d = digits[index]!;
        if (d.pixels.length !== DIGIT_PIXELS) throw new Error("a digit must have 784 pixels");
        const trace = forward(params, d.pixels);
        const { loss, grad } = softmaxCrossEntropy(trace.logits, d.label);
        lossSum += loss;
        backward(params, d.pixels, trace, grad, grads);
      }
      step++;
      const lr = (config.learningRate * Math.sqrt(1 - beta2 ** step)) / (1 - beta1 ** step);
      tensors.forEach((t, k) => {
        const gk = grads[k]!;
        const mk = m[k]!;
        const vk = v[k]!;
        for (let i = 0; i < t.length; i++) {
          const gi = gk[i]! / batch.length;
          mk[i] = beta1 * mk[i]! + (1 - beta1) * gi;
          vk[i] = beta2 * vk[i]! + (1 - beta2) * gi * gi;
          t[i] = t[i]! - (lr * mk[i]!) / (Math.sqrt(vk[i]!) + eps);
        }
      });
    }
    losses.push(lossSum / order.length);
    onEpoch?.(epoch + 1, lossSum / order.length);
  }
  return { params, losses };
}
