/** What `model inspect` reports about a model against the numeric profiles (DESIGN.md). */

export type ProfileName = "int8";

export interface Unsupported {
  /** The node's name (`#index` in graph.nodes when unnamed), a graph input/output's name, or "(model)". */
  readonly node: string;
  /** The operator ("Op", or "domain:Op" outside the default domain); "graph input"/"opset" for model-level entries. */
  readonly op: string;
  readonly reason: string;
}

export interface ProfileVerdict {
  readonly verifiable: boolean;
  readonly profile: ProfileName | null;
  /** Every violation, one entry per reason (a node may appear more than once). */
  readonly unsupported: readonly Unsupported[];
  /** Node count per operator ("Op", or "domain:Op"). */
  readonly ops: Readonly<Record<string, number>>;
}
