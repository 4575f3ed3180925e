/**
 * The model id: the fold of a model's committed parts (docs/SPEC.md, "Model id"). The registry
 * recomputes the same fold on-chain (contracts/registry/ModelRegistry.sol) and refuses a
 * registration whose parts do not hash to the id it claims.
 */
import { Tag, taggedHash, toHex, uintBE, fromHex32, type Hex32 } from "./hash.js";
import { createHash } from "node:crypto";

/** The default ONNX domain, written canonically ("" in files means this). */
export const DEFAULT_DOMAIN = "ai.onnx";

export interface IoSlot {
  /** Index of the value slot that holds this graph input or output. */
  readonly slot: number;
  /** Tensor type word (commit/tensor-type.ts), 0x-hex. */
  readonly tensorType: Hex32;
}

export interface Opset {
  readonly domain: string;
  readonly version: number;
}

export interface ModelParts {
  readonly semanticsVersion: number;
  readonly nodeRoot: Hex32;
  readonly valueRoot: Hex32;
  readonly nodeCount: number;
  readonly slotCount: number;
  readonly inputs: readonly IoSlot[];
  readonly outputs: readonly IoSlot[];
  /** Canonical order: see canonicalOpsets. */
  readonly opsets: readonly Opset[];
}

function domainHash(domain: string): Buffer {
  return createHash("sha256").update(Buffer.from(domain, "utf8")).digest();
}

/**
 * Opsets as the id commits them: "" renamed to "ai.onnx", sorted by sha256(domain) ascending,
 * each domain once. The registry checks the strict order, so one model has one id.
 */
export function canonicalOpsets(opsets: readonly Opset[]): Opset[] {
  const byDomain = new Map<string, number>();
  for (const o of opsets) {
    const domain = o.domain === "" ? DEFAULT_DOMAIN : o.domain;
    const prev = byDomain.get(domain);
    if (prev !== undefined && prev !== o.version) {
      throw new Error(`opset of domain "${domain}" imported twice, as ${prev} and ${o.version}`);
    }
    byDomain.set(domain, o.version);
  }
  return [...byDomain]
    .map(([domain, version]) => ({ domain, version, key: domainHash(domain) }))
    .sort((a, b) => Buffer.compare(a.key, b.key))
    .map(({ domain, version }) => ({ domain, version }));
}

export function ioHash(inputs: readonly IoSlot[], outputs: readonly IoSlot[]): Buffer {
  const part = (list: readonly IoSlot[]) => [
    uintBE(list.length, 4),
    ...list.flatMap((io) => [uintBE(io.slot, 4), fromHex32(io.tensorType)]),
  ];
  return taggedHash(Tag.MODEL_IO, ...part(inputs), ...part(outputs));
}

export function opsetsHash(opsets: readonly Opset[]): Buffer {
  return taggedHash(
    Tag.MODEL_OPSETS,
    uintBE(opsets.length, 4),
    ...opsets.flatMap((o) => [domainHash(o.domain), uintBE(o.version, 8)]),
  );
}

/** The model id of a model's parts. Opsets must already be canonical (canonicalOpsets). */
export function modelId(parts: ModelParts): Hex32 {
  return toHex(
    taggedHash(
      Tag.MODEL_ID,
      uintBE(parts.semanticsVersion, 4),
      fromHex32(parts.nodeRoot),
      fromHex32(parts.valueRoot),
      uintBE(parts.nodeCount, 4),
      uintBE(parts.slotCount, 4),
      ioHash(parts.inputs, parts.outputs),
      opsetsHash(parts.opsets),
    ),
  );
}
