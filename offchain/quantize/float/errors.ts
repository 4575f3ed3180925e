/** A float op the calibration interpreter cannot run, named by its node. */
import type { Node } from "../../engine/onnx/types.js";

export class FloatOpError extends Error {
  override name = "FloatOpError";
  constructor(node: Pick<Node, "name" | "opType">, detail: string) {
    super(`${node.name === "" ? node.opType : `${node.name} (${node.opType})`}: ${detail}`);
  }
}
