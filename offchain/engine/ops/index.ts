/**
 * The reference interpreter's operator registry: (domain, op type) -> pure operator function, and
 * the accumulation tracers of the accumulating operators (level 3 of the dispute game).
 * Domain "" and "ai.onnx" are the same domain.
 */
import type { Tensor } from "../tensor.js";
import type { Accumulation } from "./accumulation.js";
import type { Attributes, Operator } from "./common.js";
import { argMax } from "./arg_max.js";
import { add, mul, sub } from "./arithmetic.js";
import { cast } from "./cast.js";
import { clip } from "./clip.js";
import { concat } from "./concat.js";
import { convInteger, convIntegerAccumulation } from "./conv_integer.js";
import { dequantizeLinear } from "./dequantize_linear.js";
import { flatten } from "./flatten.js";
import { gather } from "./gather.js";
import { matMulInteger, matMulIntegerAccumulation } from "./matmul_integer.js";
import { maxPool, maxPoolAccumulation } from "./max_pool.js";
import { qgemm, qgemmAccumulation } from "./qgemm.js";
import { qlinearConv, qlinearConvAccumulation } from "./qlinear_conv.js";
import { qlinearMatMul, qlinearMatMulAccumulation } from "./qlinear_matmul.js";
import { quantizeLinear } from "./quantize_linear.js";
import { relu } from "./relu.js";
import { reshape } from "./reshape.js";
import { squeeze, unsqueeze } from "./squeeze.js";
import { transpose } from "./transpose.js";

export type { Accumulation, AccumulationTerm } from "./accumulation.js";
export { OpError, type Attributes, type Operator } from "./common.js";

export const ONNX_DOMAIN = "";
export const MICROSOFT_DOMAIN = "com.microsoft";

export type AccumulationTracer = (
  inputs: readonly (Tensor | undefined)[],
  attributes: Attributes,
  outputIndex: number,
) => Accumulation;

export interface OperatorEntry {
  readonly domain: string;
  readonly opType: string;
  readonly run: Operator;
  /** Present for the accumulating operators. */
  readonly accumulation?: AccumulationTracer;
}

const ENTRIES: readonly OperatorEntry[] = [
  { domain: ONNX_DOMAIN, opType: "QuantizeLinear", run: quantizeLinear },
  { domain: ONNX_DOMAIN, opType: "DequantizeLinear", run: dequantizeLinear },
  { domain: ONNX_DOMAIN, opType: "QLinearConv", run: qlinearConv, accumulation: qlinearConvAccumulation },
  { domain: ONNX_DOMAIN, opType: "QLinearMatMul", run: qlinearMatMul, accumulation: qlinearMatMulAccumulation },
  { domain: MICROSOFT_DOMAIN, opType: "QGemm", run: qgemm, accumulation: qgemmAccumulation },
  { domain: ONNX_DOMAIN, opType: "MaxPool", run: maxPool, accumulation: maxPoolAccumulation },
  { domain: ONNX_DOMAIN, opType: "MatMulInteger", run: matMulInteger, accumulation: matMulIntegerAccumulation },
  { domain: ONNX_DOMAIN, opType: "ConvInteger", run: convInteger, accumulation: convIntegerAccumulation },
  { domain: ONNX_DOMAIN, opType: "Add", run: add },
  { domain: ONNX_DOMAIN, opType: "Sub", run: sub },
  { domain: ONNX_DOMAIN, opType: "Mul", run: mul },
  { domain: ONNX_DOMAIN, opType: "Relu", run: relu },
  { domain: ONNX_DOMAIN, opType: "Clip", run: clip },
  { domain: ONNX_DOMAIN, opType: "Cast", run: cast },
  { domain: ONNX_DOMAIN, opType: "Reshape", run: reshape },
  { domain: ONNX_DOMAIN, opType: "Flatten", run: flatten },
  { domain: ONNX_DOMAIN, opType: "Squeeze", run: squeeze },
  { domain: ONNX_DOMAIN, opType: "Unsqueeze", run: unsqueeze },
  { domain: ONNX_DOMAIN, opType: "Transpose", run: transpose },
  { domain: ONNX_DOMAIN, opType: "Concat", run: concat },
  { domain: ONNX_DOMAIN, opType: "Gather", run: gather },
  { domain: ONNX_DOMAIN, opType: "ArgMax", run: argMax },
];

function normalizeDomain(domain: string): string {
  return domain === "ai.onnx" ? ONNX_DOMAIN : domain;
}

const BY_KEY: ReadonlyMap<string, OperatorEntry> = new Map(ENTRIES.map((e) => [`${e.domain}:${e.opType}`, e]));

/** Every supported (domain, op type), domain "" for ai.onnx. */
export const SUPPORTED_OPERATORS: readonly { readonly domain: string; readonly opType: string }[] = ENTRIES.map(({ domain, opType }) => ({
  domain,
  opType,
}));

/** The registry entry, or undefined when the operator is not supported. */
export function getOperatorEntry(domain: string, opType: string): OperatorEntry | undefined {
  return BY_KEY.get(`${normalizeDomain(domain)}:${opType}`);
}

/** The operator function, or undefined when the operator is not supported. */
export function getOperator(domain: string, opType: string): Operator | undefined {
  return getOperatorEntry(domain, opType)?.run;
}

/** The accumulation tracer of an accumulating operator, or undefined. */
export function getAccumulation(domain: string, opType: string): AccumulationTracer | undefined {
  return getOperatorEntry(domain, opType)?.accumulation;
}
