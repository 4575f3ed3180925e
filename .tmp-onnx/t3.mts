import { loadModelSync } from "../offchain/engine/onnx/decode.ts";
import { checkProfile } from "../offchain/engine/profile/check-profile.ts";
import { inferShapes } from "../offchain/engine/onnx/shapes.ts";
const m = loadModelSync("/work/shared/models/mnist-8/model.onnx");
console.log(checkProfile(m));
console.log(inferShapes(m));
