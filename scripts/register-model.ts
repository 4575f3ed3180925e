/**
 * Library example: register a model file with a mirror URI (what `verinfer model register` does).
 *
 *   npx hardhat node --hostname 127.0.0.1 &             # a local chain
 *   npx verinfer deploy --network localhost              # addresses in ~/.verinfer (VERINFER_HOME)
 *   MODEL=model.int8.onnx URI=https://example.org/model.int8.onnx \
 *     npx hardhat run scripts/register-model.ts --network localhost
 *
 * MODEL: the .onnx file; URI: where provers and watchers fetch it (default: its file:// URI).
 * Provers and watchers check the file they fetch against the file hash and the model id
 * registered here, so the URI must serve exactly this file.
 */
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { network } from "hardhat";
import { VerinferClient, commitModel, decodeModel, fileHash, loadDeployment } from "../offchain/index.js";

const file = process.env.MODEL;
if (!file) throw new Error("set MODEL to the .onnx file to register");
const uri = process.env.URI ?? pathToFileURL(resolve(file)).href;

const bytes = readFileSync(file);
const { modelId, parts } = commitModel(decodeModel(bytes)); // the id the contracts recompute from the parts

const { ethers } = await network.connect();
const [signer] = await ethers.getSigners();
const { chainId } = await ethers.provider.getNetwork();
const client = new VerinferClient(signer!, loadDeployment(chainId));

const already = await client.isRegistered(modelId); // then this only adds a mirror
const receipt = await client.registerModel(modelId, parts, fileHash(bytes), uri);
console.log(JSON.stringify({ modelId, fileHash: fileHash(bytes), uri, newlyRegistered: !already, txHash: receipt.hash }));
