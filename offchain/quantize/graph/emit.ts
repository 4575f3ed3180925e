/**
 * Writes the quantized graph (onnxruntime's QOperator format) from a plan and the activation
 * parameters: QuantizeLinear at each graph input, one quantized node per step, DequantizeLinear at
 * each graph output (which keeps its float name, so callers see the same interface). Names follow
 * onnxruntime's quantizer: `<value>_quantized`, `<value>_scale`, `<value>_zero_point`.
 */
import type { Attribute, Model, Node } from "../../engine/onnx/types.js";
import { DType, type Tensor } from "../../engine/tensor.js";
import type { QuantizeProblem } from "../errors.js";
import { quantizeBias, quantizeWeights, type ActivationParams } from "../params.js";
import { irVersionFor } from "./upgrade.js";
import { NameScope } from "./names.js";
import type { ConvStep, GemmStep, MatMulStep, Plan } from "./plan.js";

export const MICROSOFT_DOMAIN = "com.microsoft";

export interface EmitOptions {
  /** Largest |weight| after quantization: 63 (reduce_range, 7-bit) or 127. */
  readonly weightQmax: number;
  /** Per-channel weight scales for Conv (QLinearConv) and for Gemm (QGemm). */
  readonly perChannelConv: boolean;
  readonly perChannelGemm: boolean;
}

const scalarF32 = (v: number): Tensor => ({ dtype: DType.FLOAT, shape: [], data: Float32Array.of(v) });
const scalarU8 = (v: number): Tensor => ({ dtype: DType.UINT8, shape: [], data: Uint8Array.of(v) });

export function emitQuantized(
  model: Model,
  plan: Plan,
  params: (floatValue: string) => ActivationParams,
  options: EmitOptions,
): { model: Model; problems: QuantizeProblem[] } {
  const g = model.graph;
  const names = new NameScope(model);
  const initializers = new Map<string, Tensor>();
  const nodes: Node[] = [];
  const problems: QuantizeProblem[] = [];
  /** float value -> { quantized value, scale initializer, zero point initializer }. */
  const quantized = new Map<string, { q: string; scale: string; zp: string }>();
  const source = (v: string): string => plan.aliases.get(v) ?? v;

  const defineParams = (value: string): { scale: string; zp: string } => {
    const p = params(source(value));
    const scale = names.fresh(`${value}_scale`);
    const zp = names.fresh(`${value}_zero_point`);
    initializers.set(scale, scalarF32(p.scale));
    initializers.set(zp, scalarU8(p.zeroPoint));
    return { scale, zp };
  };
  const q = (value: string): { q: string; scale: string; zp: string } => {
    const found = quantized.get(value);
    if (found === undefined) throw new Error(`no quantized value for "${value}" (plan order)`);
    return found;
  };

  for (const input of g.inputs) {
    const { scale, zp } = defineParams(input.name);
    const out = names.fresh(`${input.name}_quantized`);
    nodes.push(node(names.fresh(`${input.name}_QuantizeLinear`), "QuantizeLinear", "", [input.name, scale, zp], [out], {}));
    quantized.set(input.name, { q: out, scale, zp });
  }

  const weights = (s: ConvStep | GemmStep | MatMulStep, perChannel: boolean, channels: number, channelOf: (i: number) => number) => {
    const w = quantizeWeights(s.weight.data as Float32Array, perChannel ? channels : 1, perChannel ? channelOf : () => 0, options.weightQmax);
    const name = names.fresh(`${s.weightName}_quantized`);
    const scale = names.fresh(`${s.weightName}_scale`);
    const zp = names.fresh(`${s.weightName}_zero_point`);
    const shape = perChannel ? [channels] : [];
    initializers.set(name, { dtype: DType.INT8, shape: [...s.weight.shape], data: w.data });
    initializers.set(scale, { dtype: DType.FLOAT, shape, data: w.scales });
    initializers.set(zp, { dtype: DType.INT8, shape, data: new Int8Array(w.scales.length) });
    return { name, scale, zp, scales: w.scales };
  };
  const bias = (s: ConvStep | GemmStep, xScale: number, wScales: Float32Array): string | undefined => {
    if (s.bias === undefined) return undefined;
    const qb = quantizeBias(s.bias, xScale, wScales);
    if (qb === undefined) {
      problems.push({ node: s.label, op: s.node.opType, reason: "the bias does not fit int32 at scale x_scale * w_scale (weights or input range too small for it)" });
      return undefined;
    }
    const name = names.fresh(`${s.biasName}_quantized`);
    initializers.set(name, { dtype: DType.INT32, shape: [qb.length], data: qb });
    return name;
  };

  for (const s of plan.steps) {
    const x = q(s.x);
    const nodeName = names.fresh(`${s.node.name || s.out}_quant`);
    if (s.kind === "maxpool" || s.kind === "layout" || s.kind === "relu") {
      const out = names.fresh(`${s.out}_quantized`);
      if (s.kind === "relu") {
        const lo = names.fresh(`${s.out}_relu_min`);
        const hi = names.fresh(`${s.out}_relu_max`);
        initializers.set(lo, scalarU8(params(source(s.x)).zeroPoint));
        initializers.set(hi, scalarU8(255));
        nodes.push(node(nodeName, "Clip", "", [x.q, lo, hi], [out], {}));
      } else {
        const rest = s.node.inputs.slice(1);
        for (const r of rest) if (r !== "") initializers.set(r, g.initializers.get(r)!);
        nodes.push(node(nodeName, s.node.opType, "", [x.q, ...rest], [out], { ...s.node.attributes }));
      }
      quantized.set(s.out, { q: out, scale: x.scale, zp: x.zp });
      continue;
    }
    const xp = params(source(s.x));
    const y = defineParams(s.out);
    const out = names.fresh(`${s.out}_quantized`);
    if (s.kind === "conv") {
      const m = s.weight.shape[0]!;
      const per = s.weight.data.length / m;
      const w = weights(s, options.perChannelConv, m, (i) => Math.floor(i / per));
      const b = bias(s, xp.scale, w.scales);
      const attrs: Record<string, Attribute> = {};
      for (const a of ["dilations", "group", "kernel_shape", "pads", "strides"]) if (s.node.attributes[a] !== undefined) attrs[a] = s.node.attributes[a]!;
      const inputs = [x.q, x.scale, x.zp, w.name, w.scale, w.zp, y.scale, y.zp, ...(b === undefined ? [] : [b])];
      nodes.push(node(nodeName, "QLinearConv", "", inputs, [out], attrs));
    } else if (s.kind === "gemm") {
      const [k0, k1] = s.weight.shape as [number, number];
      const n = s.transB ? k0 : k1;
      const w = weights(s, options.perChannelGemm, n, s.transB ? (i) => Math.floor(i / k1) : (i) => i % k1);
      const b = bias(s, xp.scale, w.scales);
      const attrs: Record<string, Attribute> = { alpha: { kind: "float", value: 1 }, transA: { kind: "int", value: 0 }, transB: { kind: "int", value: s.transB ? 1 : 0 } };
      const inputs = [x.q, x.scale, x.zp, w.name, w.scale, w.zp, b ?? "", y.scale, y.zp];
      nodes.push(node(nodeName, "QGemm", MICROSOFT_DOMAIN, inputs, [out], attrs));
    } else if (s.kind === "matmul") {
      const w = weights(s, false, 1, () => 0);
      nodes.push(node(nodeName, "QLinearMatMul", "", [x.q, x.scale, x.zp, w.name, w.scale, w.zp, y.scale, y.zp], [out], {}));
    }
    quantized.set(s.out, { q: out, scale: y.scale, zp: y.zp });
  }

  for (const output of g.outputs) {
    const x = q(output.name);
    nodes.push(node(names.fresh(`${output.name}_DequantizeLinear`), "DequantizeLinear", "", [x.q, x.scale, x.zp], [output.name], {}));
  }

  const opset = model.opsets.find((o) => o.domain === "")!.version;
  const usesMicrosoft = nodes.some((n) => n.domain === MICROSOFT_DOMAIN);
  return {
    problems,
    model: {
      irVersion: irVersionFor(opset),
      opsets: [{ domain: "", version: opset }, ...(usesMicrosoft ? [{ domain: MICROSOFT_DOMAIN, version: 1 }] : [])],
      producerName: "verinfer-quantize",
      graph: {
        name: g.name === "" ? "quantized" : `${g.name}_quantized`,
        inputs: g.inputs.map((v) => ({ ...v })),
        outputs: g.outputs.map((v) => ({ ...v })),
        initializers,
        nodes,
        valueInfo: [],
      },
    },
  };
}

function node(name: string, opType: string, domain: string, inputs: string[], outputs: string[], attributes: Record<string, Attribute>): Node {
  return { name, opType, domain, inputs, outputs, attributes };
}
