/** How the engine names domains and nodes in reports and errors. */

/** Domains that name the default ONNX operator set. */
export function isDefaultDomain(domain: string): boolean {
  return domain === "" || domain === "ai.onnx";
}

/** How reports name a node: its name, or `#index` when the file leaves it unnamed. */
export function nodeId(node: { name: string }, index: number): string {
  return node.name !== "" ? node.name : `#${index}`;
}

/** How errors name a node: its name, or its index and op type when the file leaves it unnamed. */
export function nodeLabel(node: { name: string; opType: string }, index: number): string {
  return node.name !== "" ? `node "${node.name}"` : `node #${index} (${node.opType})`;
}
