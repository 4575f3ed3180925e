/**
 * Shared by the one-step verifier suites (test/dispute/verifiers.*.test.ts): commit a single-node
 * model, run it with the reference operators, build its Trace, and check a verifier's step value
 * against the reference output element by element; seeded random generators; gas probes.
 */
import { expect } from "chai";
import { AbiCoder, toBeHex, ZeroHash } from "ethers";
import { commitModel, type ModelCommitment } from "../../../offchain/engine/commit/model-commit.js";
import { encodeTensorType } from "../../../offchain/engine/commit/tensor-type.js";
import { toHex, type Hex32 } from "../../../offchain/engine/commit/hash.js";
import { runReference } from "../../../offchain/engine/exec/reference.js";
import { singleNodeModel, type SingleNodeSpec } from "../../../offchain/engine/onnx/encode.js";
import { DType, numel, type Tensor } from "../../../offchain/engine/tensor.js";
import { encodeStepProof, stepOperands } from "../../../offchain/game/step-proofs.js";
import { Trace, type OperandProof } from "../../../offchain/game/trace.js";

export interface StepInputArgs {
  descriptor: string;
  inputTypes: Hex32[];
  stateRoot: Hex32;
  slotCount: number;
  element: number;
  step: number;
  previous: string;
}

/** What the verifier's `step` is called with; the verifier contract is any IOneStepVerifier. */
export interface Verifier {
  step: {
    (input: StepInputArgs, proof: string): Promise<string>;
    estimateGas(input: StepInputArgs, proof: string): Promise<bigint>;
  };
}

export interface Committed {
  readonly name: string;
  readonly commitment: ModelCommitment;
  readonly trace: Trace;
  readonly output: Tensor;
}

/** Commits a single-node model, runs it with the reference operators and builds its trace. */
export function commitAndRun(name: string, spec: SingleNodeSpec, feeds: Record<string, Tensor>): Committed {
  const model = singleNodeModel(spec);
  const commitment = commitModel(model);
  const values = runReference(model, feeds);
  const trace = new Trace(commitment, values);
  const output = trace.valueOfSlot(commitment.layout.nodeOutputSlots[0]!);
  return { name, commitment, trace, output };
}

/** The input type words of node 0 (zero for an omitted input), as the game passes them. */
export function inputTypes(c: ModelCommitment, node = 0): Hex32[] {
  return c.nodes[node]!.inputs.map((n) => {
    if (n === "") return ZeroHash as Hex32;
    const t = c.types.get(n)!;
    return toHex(encodeTensorType(t.dtype as DType, t.shape));
  });
}

export function stepInput(r: Committed, element: number, node = 0): StepInputArgs {
  return {
    descriptor: toHex(r.commitment.descriptors[node]!),
    inputTypes: inputTypes(r.commitment, node),
    stateRoot: r.trace.stateRoot(node),
    slotCount: r.commitment.parts.slotCount,
    element,
    step: 0,
    previous: ZeroHash,
  };
}

export const intWord = (v: number | bigint): string => toBeHex(BigInt.asUintN(256, BigInt(v)), 32);

import { elementWord } from "../../../offchain/game/steps.js";
export { elementWord };

/** abi.encode(OperandProof[]) of hand-made (possibly forged) openings. */
export function encodeProofs(proofs: readonly OperandProof[]): string {
  return AbiCoder.defaultAbiCoder().encode(
    ["tuple(bytes32 slotCommitment, bytes32[] slotSiblings, bytes32 tensorRoot, bytes32 left, bytes32 right, bytes32[] pairSiblings)[]"],
    [proofs],
  );
}

/** The honest openings of a step, as objects (to forge from). */
export function honestProofs(r: Committed, element: number, node = 0): OperandProof[] {
  return stepOperands(r.trace, node, element, 0).map((o) => r.trace.operandProof(node, o.slot, o.element));
}

/** Mulberry32: a small seeded generator, so every random suite is reproducible. */
export function rng(seed: number): { next(): number; int(lo: number, hi: number): number; pick<T>(xs: readonly T[]): T; bool(p?: number): boolean } {
  let a = seed >>> 0;
  const next = (): number => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    int: (lo, hi) => lo + Math.floor(next() * (hi - lo + 1)),
    pick: (xs) => xs[Math.floor(next() * xs.length)]!,
    bool: (p = 0.5) => next() < p,
  };
}

/** `count` distinct elements of 0..n-1 (all of them when n <= count), seeded. */
export function sampleElements(n: number, count: number, seed: number): number[] {
  if (n <= count) return Array.from({ length: n }, (_, i) => i);
  const r = rng(seed);
  const set = new Set<number>([0, n - 1]);
  while (set.size < count) set.add(r.int(0, n - 1));
  return [...set];
}

/**
 * Checks the verifier's step value against the reference output for the given elements (default:
 * every element, or a seeded sample of 500 for big outputs). Returns the number of elements checked.
 */
export async function checkElements(verifier: Verifier, r: Committed, elements?: readonly number[], batch = 16): Promise<number> {
  const n = numel(r.output.shape);
  const list = elements ?? sampleElements(n, 500, n);
  for (let i = 0; i < list.length; i += batch) {
    const chunk = list.slice(i, i + batch);
    const got = await Promise.all(chunk.map((e) => verifier.step(stepInput(r, e), encodeStepProof(r.trace, 0, e, 0))));
    chunk.forEach((e, k) => expect(got[k], `${r.name}: element ${e}`).to.equal(elementWord(r.output, e)));
  }
  return list.length;
}

/** Gas of one step as a transaction (21k base and calldata included): the worst over `elements`. */
export async function stepGas(verifier: Verifier, r: Committed, elements: readonly number[]): Promise<bigint> {
  let worst = 0n;
  for (const e of elements) {
    const g = await verifier.step.estimateGas(stepInput(r, e), encodeStepProof(r.trace, 0, e, 0));
    if (g > worst) worst = g;
  }
  return worst;
}

/** Float32 values that stress QuantizeLinear: NaN, ±Inf, ±0, subnormals, extremes, ties. */
export function specialFloats(scale: number): number[] {
  const s = Math.fround(scale);
  const f = (bits: number): number => {
    const b = Buffer.alloc(4);
    b.writeUInt32LE(bits >>> 0);
    return b.readFloatLE();
  };
  return [
    NaN, f(0x7fc00001), f(0xffc00000), Infinity, -Infinity, 0, -0,
    f(0x00000001), f(0x80000001), f(0x007fffff), f(0x807fffff), f(0x00800000),
    f(0x7f7fffff), f(0xff7fffff),
    Math.fround(0.5 * s), Math.fround(1.5 * s), Math.fround(2.5 * s), Math.fround(-0.5 * s), Math.fround(-2.5 * s),
    Math.fround(127.5 * s), Math.fround(-128.5 * s), Math.fround(255.5 * s), Math.fround(1e30), Math.fround(-1e30),
  ];
}

/** Gas figures collected by the suites, printed once at the end of each. */
export const gasTable = new Map<string, bigint>();

export function printGas(title: string, rows: ReadonlyMap<string, bigint>): void {
  console.log(`\n      ${title} (eth_estimateGas of one step: 21k base and calldata included)`);
  for (const [k, v] of rows) console.log(`        ${k.padEnd(34)} ${v.toString().padStart(8)}`);
}
