/** TESTS ONLY: a verinfer daemon (prover or watcher) as a child process, its JSON log lines parsed. */
import { spawn, type ChildProcess } from "node:child_process";
import { resolve } from "node:path";
import { REPO_ROOT } from "../../support/process.js";

export interface LogLine {
  readonly level: string;
  readonly msg: string;
  readonly [k: string]: unknown;
}

export class Daemon {
  readonly lines: LogLine[] = [];
  readonly process: ChildProcess;
  raw = "";
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;

  constructor(
    readonly label: string,
    args: readonly string[],
    env: NodeJS.ProcessEnv,
  ) {
    this.process = spawn(process.execPath, [resolve(REPO_ROOT, "bin", "verinfer.mjs"), ...args], { cwd: REPO_ROOT, env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
    let buf = "";
    this.process.stderr!.on("data", (d: Buffer) => {
      this.raw += d;
      buf += d;
      let i;
      while ((i = buf.indexOf("\n")) >= 0) {
        const line = buf.slice(0, i);
        buf = buf.slice(i + 1);
        try {
          this.lines.push(JSON.parse(line) as LogLine);
        } catch {
          // not a log line (npm warnings)
        }
      }
    });
    this.process.stdout!.on("data", (d: Buffer) => (this.raw += d));
    this.exited = new Promise((r) => this.process.once("exit", (code, signal) => r({ code, signal })));
  }

  find(pred: (l: LogLine) => boolean): LogLine | undefined {
    return this.lines.find(pred);
  }

  async waitFor(pred: (l: LogLine) => boolean, timeoutMs = 60_000, what = "a log line"): Promise<LogLine> {
    const started = Date.now();
    for (;;) {
      const l = this.find(pred);
      if (l) return l;
      if (this.process.exitCode !== null) throw new Error(`${this.label} exited (${this.process.exitCode}) before ${what}:\n${this.raw.slice(-4000)}`);
      if (Date.now() - started > timeoutMs) throw new Error(`${this.label}: no ${what} within ${timeoutMs} ms:\n${this.raw.slice(-4000)}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  async metrics(): Promise<string> {
    const started = this.find((l) => l.msg === "started");
    if (!started) throw new Error(`${this.label} has not started`);
    return (await fetch(`http://127.0.0.1:${started.metricsPort}/metrics`)).text();
  }

  kill(signal: NodeJS.Signals): void {
    this.process.kill(signal);
  }
}

export async function until<T>(what: string, fn: () => Promise<T | undefined | null | false>, timeoutMs = 60_000, everyMs = 200): Promise<T> {
  const started = Date.now();
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() - started > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
