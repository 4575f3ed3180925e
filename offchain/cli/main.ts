/**
 * The command tree of DESIGN.md ("Command line"): a thin layer over the library. Exit codes:
 * 0 success, 1 a failure (one line on stderr), 2 a usage error.
 */
import { Command, CommanderError, Option } from "commander";
import { EXIT_USAGE, reportError } from "./output.js";
import { deployCommand } from "./commands/deploy.js";
import { modelHashCommand } from "./commands/model-hash.js";
import { jobStatusCommand } from "./commands/job-status.js";
import { modelEvaluateCommand } from "./commands/model-evaluate.js";
import { modelQuantizeCommand } from "./commands/model-quantize.js";
import { modelInspectCommand } from "./commands/model-inspect.js";
import { runCommand } from "./commands/run.js";
import { modelRegisterCommand } from "./commands/model-register.js";
import { jobSubmitCommand } from "./commands/job-submit.js";
import { gameStatusCommand } from "./commands/game-status.js";
import { daemonCommand } from "./commands/node-daemon.js";
import { demoCommand } from "./commands/demo.js";

const program = new Command("verinfer")
  .description("Verifiable ONNX inference on EVM chains: one inference plus one commitment, any result checkable by anyone.")
  .version("0.1.0")
  .exitOverride()
  .showHelpAfterError("(run with --help for usage)");

const jsonOption = () => new Option("--json", "answer with machine-readable JSON on stdout");
const networkOption = () =>
  new Option("--network <name>", "hardhat (in-process), localhost (127.0.0.1:8545), or a JSON-RPC URL").default("hardhat");

const model = program.command("model").description("inspect, hash, register, quantize and evaluate ONNX models");
model
  .command("inspect <model.onnx>")
  .description("ops, types, shapes, and the profile verdict with its reasons")
  .addOption(jsonOption())
  .action(modelInspectCommand);
model
  .command("hash <model.onnx>")
  .description("the model id and the file hash")
  .option("--parts", "with --json: every part the id folds (what `model register` sends)")
  .addOption(jsonOption())
  .action(modelHashCommand);
model
  .command("register <model.onnx>")
  .description("register a model's parts on-chain, with a URI where its file can be fetched")
  .option("--uri <uri>", "where the file can be fetched")
  .addOption(networkOption())
  .addOption(jsonOption())
  .action(modelRegisterCommand);
model
  .command("quantize <float.onnx>")
  .description("static post-training quantization into the verifiable int8 profile")
  .requiredOption("--calibration <data>", "calibration inputs")
  .requiredOption("-o, --output <int8.onnx>", "where to write the quantized model")
  .option("--method <minmax|percentile>", "activation range estimator", "minmax")
  .option("--percentile <p>", "upper percentile of --method percentile", "99.99")
  .option("--no-reduce-range", "8-bit weights (default: 7-bit, so onnxruntime's AVX2-without-VNNI kernels cannot saturate)")
  .option("--per-channel <conv|all|none>", "per-channel weight scales", "conv")
  .addOption(jsonOption())
  .action(modelQuantizeCommand);
model
  .command("evaluate [int8.onnx]")
  .description("float vs quantized accuracy (default: the project model)")
  .option("--float <float.onnx>", "the float model the quantized one came from (default: the project's)")
  .option("--pixel-scale <n>", "multiplies the digits' [0, 1] pixels (255 for mnist-8)")
  .option("--digits <n>", "evaluate on the first n evaluation digits only")
  .addOption(jsonOption())
  .action(modelEvaluateCommand);

program
  .command("run <model.onnx>")
  .description("outputs through the verifiable path (--trace: per-node values and commitments)")
  .option("--input <file...>", "inputs: TensorProto .pb or JSON, in the model's input order")
  .option("--trace", "per-node values and commitments")
  .addOption(new Option("--backend <name>", "onnxruntime (fails rather than fall back) or reference; default: onnxruntime where it agrees with the reference"))
  .addOption(jsonOption())
  .action(runCommand);

program
  .command("deploy")
  .description("deploy the contracts and write their addresses for the CLI and the library")
  .addOption(networkOption())
  .addOption(jsonOption())
  .action(deployCommand);

const job = program.command("job").description("submit jobs and follow them");
job
  .command("submit")
  .description("submit an inference job")
  .requiredOption("--model <id|file>", "model id or .onnx file")
  .requiredOption("--input <file...>", "inputs: TensorProto .pb or JSON")
  .option("--fee <eth>", "fee in ETH", "0")
  .option("--prover <address>", "only this prover may serve the job")
  .addOption(networkOption())
  .addOption(jsonOption())
  .action(jobSubmitCommand);
job
  .command("status <jobId>")
  .description("a job's status, prover, timers and commitments")
  .addOption(networkOption())
  .addOption(jsonOption())
  .action(jobStatusCommand);

program
  .command("game")
  .description("dispute games")
  .command("status <id>")
  .description("the games of a result (a job id, job:N) or one game (game:N): level, position, clocks, bonds")
  .addOption(networkOption())
  .addOption(jsonOption())
  .action(gameStatusCommand);

// Daemon options: flags first, then the environment (VERINFER_*: see offchain/service/options.ts).
const daemonOptions = (c: Command): Command =>
  c
    .option("--network <name>", "localhost (127.0.0.1:8545) or a JSON-RPC URL [$VERINFER_NETWORK, default localhost]")
    .option("--db <file>", "SQLite database [default $VERINFER_HOME/<role>-<chainId>-<account>.sqlite]")
    .option("--confirmations <n>", "blocks an event must be buried under [default 2]")
    .option("--poll-ms <ms>", "loop interval [default 1000]")
    .option("--batch-blocks <n>", "most blocks per getLogs call [default 2000]")
    .option("--from-block <n>", "first block to scan [default: the deployment's]")
    .option("--metrics-port <port>", "Prometheus endpoint on 127.0.0.1 (0: any free port) [default 9464 prover, 9465 watcher]")
    .option("--steps <module>", "local chains only: the StepBackend module (default: the project's one-step proofs)")
    .option("--urgent-seconds <s>", "bump gas hard once a game clock has fewer seconds left [default 300]")
    .option("--log-level <level>", "debug, info, warn or error [default info]")
    .addOption(jsonOption());
daemonOptions(program.command("prover").description("the prover daemon (JSON logs on stderr; key: $VERINFER_PRIVATE_KEY)"))
  .option("--models <ids>", "comma-separated model ids or .onnx files to serve [$VERINFER_MODELS]")
  .option("--min-fee <eth>", "smallest fee worth claiming [default 0]")
  .option("--faulty <node:element:delta>", "local chains only: post falsified results (fault injection)")
  .action(daemonCommand("prover"));
daemonOptions(program.command("watcher").description("the watcher / challenger daemon (JSON logs on stderr; key: $VERINFER_PRIVATE_KEY)"))
  .option("--models <ids>", "only watch these model ids or .onnx files [default: every model]")
  .option("--sample-rate <fraction>", "fraction of results re-run, in [0, 1] [default 1]")
  .option("--faulty <node:element:delta>", "local chains only: challenge correct results (fault injection)")
  .action(daemonCommand("watcher"));
program
  .command("demo")
  .description("everything on an embedded chain, incl. a faulty prover caught and slashed")
  .option("--jobs <n>", "jobs in the batch", "6")
  .option("--faulty-jobs <n>", "how many of them name the faulty prover", "2")
  .option("--fault <node:element:delta>", "the faulty prover's lie (default: an inner QLinearConv element that survives to the output)")
  .option("--verbose", "the nodes' JSON logs on stderr too")
  .addOption(jsonOption())
  .action(demoCommand);

try {
  await program.parseAsync(process.argv);
} catch (e) {
  if (e instanceof CommanderError) {
    // Help and version exit 0; usage errors were already printed by commander.
    process.exitCode = e.exitCode === 0 ? 0 : EXIT_USAGE;
  } else {
    process.exitCode = reportError(e, process.argv.includes("--json"));
  }
}
