#!/usr/bin/env node
/**
 * `npm install`'s "install" step: builds the native tree hasher (binding.gyp, native/sha256) with
 * node-gyp. Never fails the install: without a compiler, Node's headers or on another CPU
 * architecture the engine hashes with the JS batch hasher instead (and says so in its warnings,
 * `verinfer run`'s output and the bench tables). The reason lands in build/native-build.log.
 * VERINFER_NATIVE=skip skips the build.
 *
 * Runs under whatever Node runs npm (the system's 20 here): the addon is Node-API, so the build
 * loads unchanged under the project's Node 22.
 */
import { spawnSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const log = join(root, "build", "native-build.log");
const note = (line) => process.stderr.write(`verinfer: ${line}\n`);

function record(text) {
  mkdirSync(dirname(log), { recursive: true });
  writeFileSync(log, text);
}

if (process.env.VERINFER_NATIVE === "skip") {
  record("skipped: VERINFER_NATIVE=skip\n");
  note("native SHA-256 addon skipped (VERINFER_NATIVE=skip): tree hashing will use the JS batch hasher");
  process.exit(0);
}

// npm hands its scripts its own bundled node-gyp (npm_config_node_gyp) and the nodedir setting
// (npm_config_nodedir, read by node-gyp itself); outside npm, a node-gyp on PATH.
const gyp = process.env.npm_config_node_gyp;
const [cmd, args] = gyp ? [process.execPath, [gyp, "rebuild"]] : ["node-gyp", ["rebuild"]];
const r = spawnSync(cmd, args, { cwd: root, encoding: "utf8", env: process.env });
const output = `${r.stdout ?? ""}${r.stderr ?? ""}${r.error ? String(r.error) : ""}`;
record(output);
if (r.status === 0) {
  note("built the native SHA-256 addon (build/Release/verinfer_sha256.node)");
} else {
  const why = output.split("\n").find((l) => /error|not found|ERR!/i.test(l))?.trim() ?? `exit ${r.status}`;
  note(`WARNING: the native SHA-256 addon did not build (${why}; full log: build/native-build.log).`);
  note("The install goes on: tree hashing will use the JS batch hasher (about 10x slower per node).");
}
