/**
 * verinfer's library API: the engine (tensors, commitments) and the chain client. The command
 * line (offchain/cli) is a thin layer over exactly these functions.
 */
export * from "./errors.js";
export * from "./engine/tensor.js";
export * from "./engine/commit/hash.js";
export * from "./engine/commit/tensor-type.js";
export * from "./engine/commit/tensor-commitment.js";
export * from "./engine/commit/model-id.js";
export * from "./chain/network.js";
export * from "./chain/deployments.js";
export * from "./chain/deploy.js";
export * from "./chain/client.js";
export { decodeRevert, callContract } from "./chain/contracts.js";
