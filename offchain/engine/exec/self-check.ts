/**
 * The start-up probe set (DESIGN.md, "Off-chain node"; SEMANTICS.md, "Hardware caveats"): single
 * operators fed the value patterns where onnxruntime drifts from the canonical formulas on some
 * CPUs — u8 x s8 products with full-range int8 weights against all-255 inputs (int16 pair-sum
 * saturation on AVX2 without VNNI), on every kernel path (ConvSym, im2col + GEMM, depthwise,
 * GEMM, MatMul), accumulators just inside the int32 bound and past 2^24 — each run by onnxruntime
 * at optimization level "all" and by the reference interpreter. An operator whose case disagrees
 * is "drifting": models using it run on the reference interpreter, with a warning.
 */
import { encodeModel, singleNodeModel, attr, type SingleNodeSpec } from "../onnx/encode.js";
import { opKey } from "../onnx/shapes.js";
import { DType, numel, type Tensor, type TypedData } from "../tensor.js";
import { valueMismatches } from "./compare.js";
import { openSession, runSession } from "./ort.js";
import { probeInputs, prng } from "./probe.js";
import { runReference } from "./reference.js";

export interface SelfCheckCase {
  readonly name: string;
  /** Operator key ("Op", or "domain:Op"), as in ProfileVerdict.ops. */
  readonly op: string;
  readonly agreed: boolean;
  /** The first disagreement, when there is one. */
  readonly mismatch?: string;
}

export interface SelfCheckReport {
  /** True when onnxruntime matched the reference on every case. */
  readonly ok: boolean;
  readonly cases: readonly SelfCheckCase[];
  /** Operator keys with at least one disagreeing case. */
  readonly driftingOps: readonly string[];
  readonly milliseconds: number;
}

export interface SelfCheckOptions {
  /** Run again instead of answering the process's cached report. */
  readonly refresh?: boolean;
  /** Test hook: replaces onnxruntime's output of a case before the comparison. */
  readonly tamper?: (caseName: string, t: Tensor) => Tensor;
}

function make(dtype: DType, shape: readonly number[], fill: (i: number) => number): Tensor {
  const n = numel(shape);
  const data: TypedData =
    dtype === DType.FLOAT ? new Float32Array(n) : dtype === DType.UINT8 ? new Uint8Array(n) : dtype === DType.INT8 ? new Int8Array(n) : new Int32Array(n);
  for (let i = 0; i < n; i++) (data as unknown as number[])[i] = fill(i);
  return { dtype, shape: [...shape], data };
}
const scalar = (dtype: DType, v: number): Tensor => make(dtype, [], () => v);

/** Full-range int8 weights: a seeded mix dominated by the extremes -128 and 127. */
function fullRangeWeights(shape: readonly number[], seed: number): Tensor {
  const rnd = prng(seed);
  return make(DType.INT8, shape, () => {
    const u = rnd();
    return u < 0.4 ? -128 : u < 0.8 ? 127 : Math.floor(rnd() * 256) - 128;
  });
}

const perChannelScales = (m: number): Tensor => make(DType.FLOAT, [m], (c) => Math.fround(0.0007 + 0.0001 * c));

function qconv(name: string, o: { xType: DType; c: number; m: number; k: number; group?: number; wzp?: number; bias?: number; hw?: number }): [string, SingleNodeSpec] {
  const group = o.group ?? 1;
  const hw = o.hw ?? 6;
  const pad = (o.k - 1) / 2;
  return [
    name,
    {
      opType: "QLinearConv",
      inputs: [{ name: "x", dtype: o.xType, shape: [1, o.c, hw, hw] }],
      initializers: {
        xs: scalar(DType.FLOAT, 0.02), xzp: scalar(o.xType, 0),
        w: fullRangeWeights([o.m, o.c / group, o.k, o.k], o.c * 31 + o.m),
        ws: perChannelScales(o.m), wzp: o.wzp === undefined ? scalar(DType.INT8, 0) : make(DType.INT8, [o.m], (c) => (c % 2 ? o.wzp! : -o.wzp!)),
        ys: scalar(DType.FLOAT, 0.5), yzp: scalar(o.xType, o.xType === DType.UINT8 ? 128 : 0),
        b: make(DType.INT32, [o.m], (c) => (o.bias === undefined ? 1000 * (c - 3) : c % 2 ? -o.bias : o.bias)),
      },
      nodeInputs: ["x", "xs", "xzp", "w", "ws", "wzp", "ys", "yzp", "b"],
      outputs: [{ name: "y", dtype: o.xType, shape: [1, o.m, hw, hw] }],
      attributes: { pads: attr.ints([pad, pad, pad, pad]), kernel_shape: attr.ints([o.k, o.k]), group: attr.int(group) },
    },
  ];
}

function qgemm(name: string, k: number, n: number, quantized: boolean, bias = 0): [string, SingleNodeSpec] {
  const initializers: Record<string, Tensor> = {
    as: scalar(DType.FLOAT, 0.02), azp: scalar(DType.UINT8, 0),
    b: fullRangeWeights([n, k], k + n), bs: perChannelScales(n), bzp: make(DType.INT8, [n], () => 0),
    c: make(DType.INT32, [n], (j) => (bias === 0 ? 37 * j - 100 : j % 2 ? -bias : bias)), ys: scalar(DType.FLOAT, 4),
  };
  if (quantized) initializers.yzp = scalar(DType.UINT8, 128);
  return [
    name,
    {
      opType: "QGemm",
      domain: "com.microsoft",
      inputs: [{ name: "a", dtype: DType.UINT8, shape: [2, k] }],
      initializers,
      nodeInputs: ["a", "as", "azp", "b", "bs", "bzp", "c", "ys", ...(quantized ? ["yzp"] : [])],
      outputs: [{ name: "y", dtype: quantized ? DType.UINT8 : DType.FLOAT, shape: [2, n] }],
      attributes: { transB: attr.int(1), alpha: attr.float(1) },
    },
  ];
}

/** |bias| that puts max |acc| one below 2^31 for K products of at most 255 * 128. */
const nearBound = (k: number): number => 2 ** 31 - 1 - k * 255 * 128;

export function selfCheckCases(): readonly [string, SingleNodeSpec][] {
  return [
    qconv("QLinearConv u8 x s8 full-range weights, ConvSym path (C=16, M=16, 3x3)", { xType: DType.UINT8, c: 16, m: 16, k: 3 }),
    qconv("QLinearConv u8 x s8 full-range weights, im2col + GEMM path (per-channel w_zp)", { xType: DType.UINT8, c: 32, m: 8, k: 1, wzp: 1 }),
    qconv("QLinearConv u8 x s8 full-range weights, depthwise (group = C = 16)", { xType: DType.UINT8, c: 16, m: 16, k: 3, group: 16 }),
    qconv("QLinearConv s8 x s8 full-range", { xType: DType.INT8, c: 8, m: 16, k: 3 }),
    qconv("QLinearConv accumulator one below 2^31 (ConvSym, K=576)", { xType: DType.UINT8, c: 64, m: 16, k: 3, bias: nearBound(576), hw: 3 }),
    [
      "QLinearMatMul u8 x s8 full-range, K=512",
      {
        opType: "QLinearMatMul",
        inputs: [{ name: "a", dtype: DType.UINT8, shape: [4, 512] }],
        initializers: {
          as: scalar(DType.FLOAT, 0.02), azp: scalar(DType.UINT8, 0), b: fullRangeWeights([512, 16], 5), bs: scalar(DType.FLOAT, 0.001),
          bzp: scalar(DType.INT8, 0), ys: scalar(DType.FLOAT, 8), yzp: scalar(DType.UINT8, 128),
        },
        nodeInputs: ["a", "as", "azp", "b", "bs", "bzp", "ys", "yzp"],
        outputs: [{ name: "y", dtype: DType.UINT8, shape: [4, 16] }],
      },
    ],
    qgemm("QGemm u8 x s8 full-range, quantized output, K=1024", 1024, 32, true),
    qgemm("QGemm u8 x s8 full-range, float output, K=1024", 1024, 32, false),
    qgemm("QGemm accumulator one below 2^31 (K=2048)", 2048, 8, true, nearBound(2048)),
    [
      "MatMulInteger u8 x s8 full-range, |acc| > 2^24 (K=2048)",
      {
        opType: "MatMulInteger",
        inputs: [{ name: "a", dtype: DType.UINT8, shape: [2, 2048] }],
        initializers: { b: fullRangeWeights([2048, 8], 9), azp: scalar(DType.UINT8, 0), bzp: scalar(DType.INT8, 0) },
        nodeInputs: ["a", "b", "azp", "bzp"],
        outputs: [{ name: "y", dtype: DType.INT32, shape: [2, 8] }],
      },
    ],
    [
      "ConvInteger u8 x u8, K=288",
      {
        opType: "ConvInteger",
        inputs: [{ name: "x", dtype: DType.UINT8, shape: [1, 32, 5, 5] }],
        initializers: { w: make(DType.UINT8, [8, 32, 3, 3], (i) => (i % 3 === 0 ? 0 : 255)), xzp: scalar(DType.UINT8, 0) },
        nodeInputs: ["x", "w", "xzp"],
        outputs: [{ name: "y", dtype: DType.INT32, shape: [1, 8, 3, 3] }],
      },
    ],
    [
      "QuantizeLinear float32 -> uint8: ties, NaN, +-Inf, -0, subnormals",
      {
        opType: "QuantizeLinear",
        inputs: [{ name: "x", dtype: DType.FLOAT, shape: [1, 4096] }],
        initializers: { s: scalar(DType.FLOAT, 0.0390625), zp: scalar(DType.UINT8, 128) },
        outputs: [{ name: "y", dtype: DType.UINT8, shape: [1, 4096] }],
      },
    ],
    [
      "DequantizeLinear int32 beyond 2^24",
      {
        opType: "DequantizeLinear",
        inputs: [{ name: "x", dtype: DType.INT32, shape: [4096] }],
        initializers: { s: scalar(DType.FLOAT, 0.001), zp: scalar(DType.INT32, 3) },
        outputs: [{ name: "y", dtype: DType.FLOAT, shape: [4096] }],
      },
    ],
    [
      "MaxPool int8 with padding (type-minimum padding)",
      {
        opType: "MaxPool",
        inputs: [{ name: "x", dtype: DType.INT8, shape: [1, 4, 7, 7] }],
        outputs: [{ name: "y", dtype: DType.INT8, shape: [1, 4, 4, 4] }],
        attributes: { kernel_shape: attr.ints([3, 3]), strides: attr.ints([2, 2]), pads: attr.ints([1, 1, 1, 1]) },
      },
    ],
  ];
}

let cached: Promise<SelfCheckReport> | undefined;

/** Runs (once per process unless refreshed) the start-up probe set. */
export function selfCheck(options: SelfCheckOptions = {}): Promise<SelfCheckReport> {
  if (options.refresh || options.tamper || cached === undefined) {
    const run = runSelfCheck(options.tamper);
    if (options.tamper) return run;
    cached = run;
    run.catch(() => (cached = undefined));
  }
  return cached;
}

async function runSelfCheck(tamper: SelfCheckOptions["tamper"]): Promise<SelfCheckReport> {
  const started = performance.now();
  const cases: SelfCheckCase[] = [];
  for (const [name, spec] of selfCheckCases()) {
    const model = singleNodeModel(spec);
    const op = opKey(model.graph.nodes[0]!);
    // The same session options as the sessions that serve models, so the same kernels are chosen.
    const session = await openSession(encodeModel(model));
    let mismatch: string | undefined;
    try {
      for (const probe of probeInputs(model, 0xc0ffee)) {
        const fast = await runSession(session, probe.feeds);
        if (tamper) for (const [k, t] of fast) fast.set(k, tamper(name, t));
        const ref = runReference(model, probe.feeds);
        const m = valueMismatches(model.graph.outputs.map((o) => o.name), fast, ref)[0];
        if (m !== undefined) {
          mismatch = `${probe.kind} probe, "${m.name}" ${m.detail}${m.elements > 1 ? ` (${m.elements} elements differ)` : ""}`;
          break;
        }
      }
    } finally {
      await session.release();
    }
    cases.push(mismatch === undefined ? { name, op, agreed: true } : { name, op, agreed: false, mismatch });
  }
  const driftingOps = [...new Set(cases.filter((c) => !c.agreed).map((c) => c.op))];
  return { ok: driftingOps.length === 0, cases, driftingOps, milliseconds: performance.now() - started };
}
