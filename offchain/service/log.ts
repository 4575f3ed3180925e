/** Structured logs: one JSON object per line on stderr ({ts, level, service, msg, ...fields}). */
export type LogLevel = "debug" | "info" | "warn" | "error" | "fatal";
const ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40, fatal: 50 };

export interface Logger {
  (level: LogLevel, msg: string, fields?: Record<string, unknown>): void;
  child(fields: Record<string, unknown>): Logger;
}

const replacer = (_k: string, v: unknown): unknown => (typeof v === "bigint" ? v.toString() : v instanceof Error ? v.message : v);

export function createLogger(service: string, options: { level?: LogLevel; write?: (line: string) => void; base?: Record<string, unknown> } = {}): Logger {
  const min = ORDER[options.level ?? "info"];
  const write = options.write ?? ((line: string) => process.stderr.write(line));
  const base = options.base ?? {};
  const log = ((level: LogLevel, msg: string, fields: Record<string, unknown> = {}) => {
    if (ORDER[level] < min) return;
    write(JSON.stringify({ ts: new Date().toISOString(), level, service, msg, ...base, ...fields }, replacer) + "\n");
  }) as Logger;
  log.child = (fields) => createLogger(service, { ...options, base: { ...base, ...fields } });
  return log;
}
