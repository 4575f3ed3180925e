/** Bit-equality of tensors and of value maps: the only agreement the engine accepts. */
import { dtypeName, tensorBytes, type Tensor } from "../tensor.js";

export interface Mismatch {
  readonly name: string;
  /** What differs: "missing", "dtype", "shape", or the first differing element's index. */
  readonly detail: string;
  /** Number of differing elements (0 for type/shape/missing differences). */
  readonly elements: number;
}

/** undefined when a and b have the same dtype, shape and bytes; else how they differ. */
export function tensorMismatch(name: string, a: Tensor, b: Tensor): Mismatch | undefined {
  if (a.dtype !== b.dtype) return { name, detail: `dtype ${dtypeName(a.dtype)} vs ${dtypeName(b.dtype)}`, elements: 0 };
  if (a.shape.length !== b.shape.length || a.shape.some((d, i) => d !== b.shape[i])) {
    return { name, detail: `shape [${a.shape.join(",")}] vs [${b.shape.join(",")}]`, elements: 0 };
  }
  const x = tensorBytes(a);
  const y = tensorBytes(b);
  if (Buffer.compare(x, y) === 0) return undefined;
  const size = a.data.BYTES_PER_ELEMENT;
  let first = -1;
  let count = 0;
  for (let i = 0; i < a.data.length; i++) {
    let differs = false;
    for (let k = 0; k < size; k++) if (x[i * size + k] !== y[i * size + k]) differs = true;
    if (differs) {
      if (first < 0) first = i;
      count++;
    }
  }
  return { name, detail: `element ${first}: ${String(a.data[first])} vs ${String(b.data[first])}`, elements: count };
}

/** Every name of `names` compared between two value maps; the mismatches, in the order of `names`. */
export function valueMismatches(names: Iterable<string>, a: ReadonlyMap<string, Tensor>, b: ReadonlyMap<string, Tensor>): Mismatch[] {
  const out: Mismatch[] = [];
  for (const name of names) {
    const x = a.get(name);
    const y = b.get(name);
    if (x === undefined || y === undefined) {
      out.push({ name, detail: "missing", elements: 0 });
      continue;
    }
    const m = tensorMismatch(name, x, y);
    if (m !== undefined) out.push(m);
  }
  return out;
}
