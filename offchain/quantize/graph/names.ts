/** Fresh value and node names that never collide with a name the graph already uses. */
import type { Model } from "../../engine/onnx/types.js";

export class NameScope {
  private readonly used = new Set<string>();

  constructor(model: Model) {
    const g = model.graph;
    for (const v of [...g.inputs, ...g.outputs, ...g.valueInfo]) this.used.add(v.name);
    for (const k of g.initializers.keys()) this.used.add(k);
    for (const n of g.nodes) for (const name of [...n.inputs, ...n.outputs, n.name]) this.used.add(name);
  }

  /** `base`, or `base_1`, `base_2`, ... whichever is free first; marks it used. */
  fresh(base: string): string {
    let name = base;
    for (let i = 1; this.used.has(name); i++) name = `${base}_${i}`;
    this.used.add(name);
    return name;
  }
}
