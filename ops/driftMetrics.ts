import { renameSync, writeFileSync } from "node:fs";
import path from "node:path";
import { DRIFT_METRIC } from "../monitoring/metricContract";
import { isTradingPath, type DriftReport } from "./drift";

// `cdb drift --metrics-file`: the report as Prometheus text format, in the form
// node_exporter's textfile collector reads (a *.prom file, replaced whole).
// Written by hand, not with a client library: one gauge family and its
// escaping are a few lines, and prom-client is not a dependency here.

/** Label values escaped as the exposition format requires: backslash, quote, line feed. */
const labelValue = (v: string): string => v.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n");
const labels = (l: Record<string, string>): string => `{${Object.entries(l).map(([k, v]) => `${k}="${labelValue(v)}"`).join(",")}}`;

/**
 * One series per declared container (0 when it matches, so a fixed drift
 * resolves the alert instead of leaving a stale series) and one per
 * undeclared container on the stack's network; the value counts drifted fields.
 */
export function driftMetricsText(report: DriftReport, plan: { containers: readonly { name: string; service: string }[] }, nowMs: number): string {
  const count = new Map<string, number>();
  for (const d of report.drifts) count.set(d.container, (count.get(d.container) ?? 0) + 1);
  const lines = [
    `# HELP ${DRIFT_METRIC} Fields of a container that differ from what the stack declares (cdb drift); 0 when it matches.`,
    `# TYPE ${DRIFT_METRIC} gauge`,
  ];
  const seen = new Set<string>();
  for (const c of plan.containers) {
    seen.add(c.name);
    const trading = isTradingPath(c.service as Parameters<typeof isTradingPath>[0]);
    lines.push(`${DRIFT_METRIC}${labels({ stack: report.stack, container: c.name, service: c.service, trading_path: String(trading) })} ${count.get(c.name) ?? 0}`);
  }
  for (const d of report.drifts) {
    if (seen.has(d.container)) continue;
    seen.add(d.container);
    lines.push(`${DRIFT_METRIC}${labels({ stack: report.stack, container: d.container, service: d.service ?? "", trading_path: String(d.tradingPath) })} ${count.get(d.container) ?? 0}`);
  }
  lines.push(
    "# HELP cdb_drift_last_run_timestamp_seconds When cdb drift last compared the stack with its Docker host.",
    "# TYPE cdb_drift_last_run_timestamp_seconds gauge",
    `cdb_drift_last_run_timestamp_seconds${labels({ stack: report.stack })} ${Math.floor(nowMs / 1000)}`,
  );
  return lines.join("\n") + "\n";
}

/** Replaces the file whole (write beside it, then rename): a collector never reads half a file. */
export function writeMetricsFile(file: string, text: string): void {
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.tmp`);
  writeFileSync(tmp, text, "utf8");
  renameSync(tmp, file);
}
