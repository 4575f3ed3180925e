/** `verinfer prover` and `verinfer watcher`: validated options, JSON logs on stderr, run until a signal. */
import { ProverService } from "../../prover/service.js";
import { WatcherService } from "../../watcher/service.js";
import { runService } from "../../service/lifecycle.js";
import { createLogger } from "../../service/log.js";
import { nodeOptions, type Flags, type NodeRole } from "../../service/options.js";
import { printJson } from "../output.js";

export function daemonCommand(role: NodeRole): (flags: Flags) => Promise<void> {
  return async (flags) => {
    const options = nodeOptions(role, flags);
    const log = createLogger(role, { level: options.logLevel });
    const svc = role === "prover" ? new ProverService(options, log) : new WatcherService(options, log);
    const code = await runService(svc, { pollMs: options.pollMs, log }).done;
    if (options.json && svc.shell.store) {
      printJson({ role, account: svc.shell.me, exitCode: code, games: svc.shell.store.games.tally(), jobs: svc.shell.store.jobs.countByStatus() });
    }
    process.exitCode = code;
  };
}
