/**
 * Prometheus text-format metrics (exposition format 0.0.4) served on a loopback port: counters
 * kept in memory, gauges computed at scrape time (from the store, so wins, losses and gas spent
 * survive a restart).
 */
import { createServer, type Server } from "node:http";

type Labels = Readonly<Record<string, string>>;

interface Family {
  readonly type: "counter" | "gauge";
  readonly help: string;
  readonly values: Map<string, { labels: Labels; value: number }>;
  readonly collect?: () => readonly { labels?: Labels; value: number }[];
}

const labelKey = (l: Labels): string => JSON.stringify(Object.entries(l).sort());
const escape = (v: string): string => v.replace(/\\/g, "\\\\").replace(/\n/g, "\\n").replace(/"/g, '\\"');
const fmtLabels = (l: Labels): string => {
  const e = Object.entries(l);
  return e.length === 0 ? "" : `{${e.map(([k, v]) => `${k}="${escape(v)}"`).join(",")}}`;
};

export class Metrics {
  private readonly families = new Map<string, Family>();

  constructor(readonly prefix = "verinfer_") {}

  counter(name: string, help: string): (by?: number, labels?: Labels) => void {
    const fam: Family = { type: "counter", help, values: new Map() };
    this.families.set(this.prefix + name, fam);
    return (by = 1, labels = {}) => {
      const k = labelKey(labels);
      const cur = fam.values.get(k) ?? { labels, value: 0 };
      cur.value += by;
      fam.values.set(k, cur);
    };
  }

  gauge(name: string, help: string, collect: () => readonly { labels?: Labels; value: number }[]): void {
    this.families.set(this.prefix + name, { type: "gauge", help, values: new Map(), collect });
  }

  render(): string {
    const lines: string[] = [];
    for (const [name, fam] of this.families) {
      lines.push(`# HELP ${name} ${fam.help}`, `# TYPE ${name} ${fam.type}`);
      const samples = fam.collect ? fam.collect().map((s) => ({ labels: s.labels ?? {}, value: s.value })) : [...fam.values.values()];
      if (samples.length === 0 && fam.type === "counter") samples.push({ labels: {}, value: 0 });
      for (const s of samples) lines.push(`${name}${fmtLabels(s.labels)} ${Number.isFinite(s.value) ? s.value : 0}`);
    }
    return lines.join("\n") + "\n";
  }
}

export interface MetricsServer {
  readonly port: number;
  close(): Promise<void>;
}

/** Serves GET /metrics (and /healthz) on 127.0.0.1:`port` (0: any free port). */
export function serveMetrics(metrics: Metrics, port: number, host = "127.0.0.1"): Promise<MetricsServer> {
  return new Promise((resolve, reject) => {
    const server: Server = createServer((req, res) => {
      if (req.url === "/metrics") {
        let body: string;
        try {
          body = metrics.render();
        } catch (e) {
          res.writeHead(500).end(String(e));
          return;
        }
        res.writeHead(200, { "content-type": "text/plain; version=0.0.4; charset=utf-8" }).end(body);
      } else if (req.url === "/healthz") res.writeHead(200).end("ok\n");
      else res.writeHead(404).end();
    });
    server.on("error", reject);
    server.listen(port, host, () => {
      const addr = server.address();
      resolve({
        port: typeof addr === "object" && addr ? addr.port : port,
        close: () => new Promise((r) => server.close(() => r())),
      });
    });
  });
}

/** Parses Prometheus text into {name{labels}: value} (tests, `game status`). */
export function parseMetrics(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split("\n")) {
    if (line === "" || line.startsWith("#")) continue;
    const i = line.lastIndexOf(" ");
    out.set(line.slice(0, i), Number(line.slice(i + 1)));
  }
  return out;
}
