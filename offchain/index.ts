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
export { commitModel, fileHash, type ModelCommitment } from "./engine/commit/model-commit.js";
export { decodeModel, loadModelSync } from "./engine/onnx/decode.js";
export * from "./chain/network.js";
export * from "./chain/deployments.js";
export * from "./chain/deploy.js";
export * from "./chain/client.js";
export { decodeRevert, callContract } from "./chain/contracts.js";
export * from "./engine/inspect.js";
export * from "./engine/exec/engine.js";
export * from "./engine/exec/errors.js";
export { checkFeeds, type Feeds, type InputCheckOptions } from "./engine/exec/inputs.js";
export { runReference } from "./engine/exec/reference.js";
export { parseInput, readInputFile, readInputFiles } from "./engine/exec/input-file.js";
export { tensorFromJson, tensorToJson, type JsonTensor } from "./engine/exec/json-tensor.js";
export { summarizeTrace, type StepSummary, type TraceSummary } from "./engine/exec/steps.js";
export { releaseAllSessions } from "./engine/exec/ort.js";
export { assertSafeForOnnxruntime, onnxruntimeHazards } from "./engine/exec/ort-safety.js";
