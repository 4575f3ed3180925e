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
import { div } from "./div.js";
import { flatten } from "./flatten.js";
import { gather } from "./gather.js";
import { matMulInteger, matMulIntegerAccumulation } from "./matmul_integer.js";
import { maxPool, maxPoolAccumulation } from "./max_pool.js";
import { qgemm, qgemmAccumulation } from "./qgemm.js";
import { qlinearAdd } from "./qlinear_add.js";
import { type PoolAccumulation, qlinearAveragePool, qlinearAveragePoolAccumulation } from "./qlinear_average_pool.js";
import { qlinearGlobalAveragePool } from "./qlinear_global_average_pool.js";
import { qlinearMul } from "./qlinear_mul.js";
import { qlinearConv, qlinearConvAccumulation } from "./qlinear_conv.js";
import { qlinearMatMul, qlinearMatMulAccumulation } from "./qlinear_matmul.js";
import { quantizeLinear } from "./quantize_linear.js";
import { relu } from "./relu.js";
import { reshape } from "./reshape.js";
import { squeeze, unsqueeze } from "./squeeze.js";
import { transpose } from "./transpose.js";

export type { Accumulation, AccumulationTerm } from "./accumulation.js";
export type { PoolAccumulation, PoolTerm } from "./qlinear_average_pool.js";
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
  /** A version-2 candidate: in the interpreter, not in the version-1 profile. */
  readonly v2?: boolean;
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
  // Version-2 candidates (docs/SPEC.md, "Version-2 candidates"): measured bit-exact against
  // onnxruntime, run by the interpreter, NOT admitted by the version-1 profile (no on-chain verifier).
  { domain: MICROSOFT_DOMAIN, opType: "QLinearAdd", run: qlinearAdd, v2: true },
  { domain: MICROSOFT_DOMAIN, opType: "QLinearMul", run: qlinearMul, v2: true },
  { domain: MICROSOFT_DOMAIN, opType: "QLinearAveragePool", run: qlinearAveragePool, v2: true },
  { domain: MICROSOFT_DOMAIN, opType: "QLinearGlobalAveragePool", run: qlinearGlobalAveragePool, v2: true },
  { domain: ONNX_DOMAIN, opType: "Div", run: div, v2: true },
];

function normalizeDomain(domain: string): string {
  return domain === "ai.onnx" ? ONNX_DOMAIN : domain;
}

const BY_KEY: ReadonlyMap<string, OperatorEntry> = new Map(ENTRIES.map((e) => [`${e.domain}:${e.opType}`, e]));

/** The version-2 candidates among the supported operators (domain "" for ai.onnx). */
export const V2_CANDIDATE_OPERATORS: readonly { readonly domain: string; readonly opType: string }[] = ENTRIES.filter((e) => e.v2).map(({ domain, opType }) => ({
  domain,
  opType,
}));

/** Partial values of one QLinearAveragePool output element (float32 or int32 partials, see its file). */
export function getPoolAccumulation(domain: string, opType: string): ((inputs: readonly (Tensor | undefined)[], attributes: Attributes, outputIndex: number) => PoolAccumulation) | undefined {
  return normalizeDomain(domain) === MICROSOFT_DOMAIN && opType === "QLinearAveragePool" ? qlinearAveragePoolAccumulation : undefined;
}

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
