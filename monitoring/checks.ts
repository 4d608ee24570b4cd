import { posix } from "node:path";
import { CORE_SCHEMA, load } from "js-yaml";
import { usesMetric } from "./metricContract";
import { DOCKER_SOCKET_PATH, GRAFANA_DASHBOARDS_DIR, PROMETHEUS_CONFIG_PATH } from "./paths";

// Machine checks of the readiness gate, over the files a container carries
// (path -> content). They read the files as Grafana and Prometheus would,
// independent of how the generators built them, and fail closed: a file that
// is missing or does not parse counts as every requirement missing.
//
// A requirement is met by a fixed title / alert name AND a query reading the
// metric, so neither a renamed panel nor an emptied query passes silently.

/** Runbook section 4, "Grafana Dashboards für Live Trading", plus service health. */
export const REQUIRED_PANELS = [
  { title: "Orders per minute", metric: "execution_orders_received_total" },
  { title: "Fill rate", metric: "execution_orders_filled_total" },
  { title: "P&L", metric: "risk_daily_pnl_usdt" },
  { title: "Circuit breaker status", metric: "circuit_breaker_active" },
  { title: "Service health", metric: "up" },
] as const;

/** Runbook section 4, "Alerting konfiguriert". */
export const REQUIRED_ALERTS = [
  { alert: "CircuitBreakerTriggered", runbookItem: "circuit breaker triggered", metric: "circuit_breaker_active" },
  { alert: "UnusualOrderVolume", runbookItem: "unusual order volume", metric: "execution_orders_received_total" },
  { alert: "MexcApiErrors", runbookItem: "MEXC API errors", metric: "execution_exchange_errors_total" },
  { alert: "BalanceDrop", runbookItem: "balance drop > 5%", metric: "risk_account_balance_usdt" },
] as const;

const SEVERITIES: readonly string[] = ["critical", "warning"];

type Files = ReadonlyMap<string, string>;

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);
const errorText = (e: unknown): string => (e instanceof Error ? e.message : String(e)).split("\n")[0] ?? "";

// ---- dashboards -------------------------------------------------------------

interface FoundPanel {
  title: string;
  exprs: string[];
}

/** Panels at top level and inside rows (a collapsed row nests its panels). */
function panelsOf(value: unknown): FoundPanel[] {
  if (!Array.isArray(value)) return [];
  return value.flatMap((p): FoundPanel[] => {
    if (!isRecord(p)) return [];
    const targets = Array.isArray(p.targets) ? p.targets : [];
    const exprs = targets.flatMap((t) => (isRecord(t) && typeof t.expr === "string" ? [t.expr] : []));
    const own = typeof p.title === "string" ? [{ title: p.title, exprs }] : [];
    return [...own, ...panelsOf(p.panels)];
  });
}

const sameTitle = (a: string, b: string): boolean => a.trim().toLowerCase() === b.trim().toLowerCase();

export function checkDashboards(files: Files): string[] {
  const problems: string[] = [];
  const dashboards = [...files].filter(([path]) => path.startsWith(`${GRAFANA_DASHBOARDS_DIR}/`) && path.endsWith(".json"));
  if (dashboards.length === 0) problems.push(`no dashboard JSON under ${GRAFANA_DASHBOARDS_DIR}/`);
  const panels: FoundPanel[] = [];
  for (const [path, content] of dashboards) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(content);
    } catch (e) {
      problems.push(`dashboard ${path} is not valid JSON: ${errorText(e)}`);
      continue;
    }
    if (!isRecord(parsed) || !Array.isArray(parsed.panels)) {
      problems.push(`dashboard ${path} has no "panels" array`);
      continue;
    }
    panels.push(...panelsOf(parsed.panels));
  }
  for (const { title, metric } of REQUIRED_PANELS) {
    const titled = panels.filter((p) => sameTitle(p.title, title));
    const missing = `dashboard panel "${title}" (${metric}) is missing`;
    if (titled.length === 0) problems.push(missing);
    else if (!titled.some((p) => p.exprs.some((e) => usesMetric(e, metric)))) {
      problems.push(`${missing}: a panel has that title but none of its queries reads ${metric}`);
    }
  }
  return problems;
}

// ---- alert rules --------------------------------------------------------------

interface FoundRule {
  file: string;
  alert: string;
  expr: string;
  severity: unknown;
  summary: unknown;
  runbookUrl: unknown;
}

// js-yaml with the YAML 1.2 core schema (what `yaml` parses by default), not
// `yaml`'s document parser: the gate has already run js-yaml on the checklist,
// so this parse runs warm code (~2 ms cold start instead of ~20 ms). Duplicate
// keys, unclosed flows and several documents are errors in both.
function parseYaml(content: string): { value: unknown } | { error: string } {
  try {
    return { value: load(content, { schema: CORE_SCHEMA }) };
  } catch (e) {
    return { error: errorText(e) };
  }
}

const globToRegExp = (glob: string): RegExp =>
  new RegExp(`^${glob.replace(/[.+^${}()|\\]/g, "\\$&").replace(/\*/g, "[^/]*").replace(/\?/g, "[^/]")}$`);

/** The rule files Prometheus would load: those matching prometheus.yml's rule_files. */
function loadedRuleFiles(files: Files, problems: string[]): [string, string][] {
  const config = files.get(PROMETHEUS_CONFIG_PATH);
  if (config === undefined) {
    problems.push(`${PROMETHEUS_CONFIG_PATH} is missing, so no rule file would be loaded`);
    return [];
  }
  const parsed = parseYaml(config);
  if ("error" in parsed) {
    problems.push(`${PROMETHEUS_CONFIG_PATH} is not valid YAML: ${parsed.error}`);
    return [];
  }
  const globs = isRecord(parsed.value) && Array.isArray(parsed.value.rule_files) ? parsed.value.rule_files : [];
  // Prometheus resolves relative rule_files against the config file's directory.
  const patterns = globs
    .filter((g): g is string => typeof g === "string")
    .map((g) => globToRegExp(posix.resolve(posix.dirname(PROMETHEUS_CONFIG_PATH), g)));
  const matched = [...files].filter(([path]) => path !== PROMETHEUS_CONFIG_PATH && patterns.some((re) => re.test(path)));
  if (matched.length === 0) problems.push(`no rule file matches rule_files of ${PROMETHEUS_CONFIG_PATH} (${JSON.stringify(globs)})`);
  return matched;
}

function rulesOf(file: string, value: unknown, problems: string[]): FoundRule[] {
  if (!isRecord(value) || !Array.isArray(value.groups)) {
    problems.push(`rule file ${file} has no "groups" list`);
    return [];
  }
  return value.groups.flatMap((g): FoundRule[] => {
    const rules = isRecord(g) && Array.isArray(g.rules) ? g.rules : [];
    return rules.flatMap((r): FoundRule[] => {
      if (!isRecord(r) || typeof r.alert !== "string") return [];
      const labels = isRecord(r.labels) ? r.labels : {};
      const annotations = isRecord(r.annotations) ? r.annotations : {};
      return [{
        file,
        alert: r.alert,
        expr: typeof r.expr === "string" ? r.expr : "",
        severity: labels.severity,
        summary: annotations.summary,
        runbookUrl: annotations.runbook_url,
      }];
    });
  });
}

const nonEmpty = (v: unknown): boolean => typeof v === "string" && v.trim() !== "";

export function checkAlertRules(files: Files): string[] {
  const problems: string[] = [];
  const rules: FoundRule[] = [];
  for (const [path, content] of loadedRuleFiles(files, problems)) {
    const parsed = parseYaml(content);
    if ("error" in parsed) problems.push(`rule file ${path} is not valid YAML: ${parsed.error}`);
    else rules.push(...rulesOf(path, parsed.value, problems));
  }
  for (const { alert, runbookItem, metric } of REQUIRED_ALERTS) {
    const named = rules.filter((r) => r.alert === alert);
    const missing = `alert rule "${alert}" (${runbookItem}, ${metric}) is missing`;
    const rule = named.find((r) => usesMetric(r.expr, metric));
    if (named.length === 0) {
      problems.push(missing);
    } else if (rule === undefined) {
      problems.push(`${missing}: a rule has that name but its expr does not read ${metric}`);
    } else {
      // An alert without severity is not routed as meant; without runbook it leaves the reader alone.
      if (typeof rule.severity !== "string" || !SEVERITIES.includes(rule.severity)) {
        problems.push(`alert rule "${alert}" needs labels.severity critical or warning, got ${JSON.stringify(rule.severity ?? null)}`);
      }
      if (!nonEmpty(rule.summary)) problems.push(`alert rule "${alert}" has no annotations.summary`);
      if (!nonEmpty(rule.runbookUrl)) problems.push(`alert rule "${alert}" has no annotations.runbook_url`);
    }
  }
  return problems;
}

// ---- log aggregation (monitoring.structured-logs) ----------------------------

/** A container's mounts as the checks see them (readiness/facts.ts reads them from the resource). */
export interface MountFact {
  volumeName?: string;
  hostPath?: string;
  containerPath: string;
  readOnly?: boolean;
}

/** What the log-aggregation check reads of each of the three containers; undefined: the stack declares none. */
export interface LogAggregationFacts {
  loki?: { files: Files };
  promtail?: { files: Files; mounts: readonly MountFact[] };
  grafana?: { files: Files };
  /** The container whose lines must reach Loki (`cdb_execution` live). */
  executionName: string;
}

const parsedFile = (files: Files, file: string, what: string, problems: string[]): Record<string, unknown> | undefined => {
  const content = files.get(file);
  if (content === undefined) {
    problems.push(`${what} has no ${file}`);
    return undefined;
  }
  const parsed = parseYaml(content);
  if ("error" in parsed) {
    problems.push(`${what} ${file} does not parse: ${parsed.error}`);
    return undefined;
  }
  if (!isRecord(parsed.value)) {
    problems.push(`${what} ${file} is not a mapping`);
    return undefined;
  }
  return parsed.value;
};

const records = (v: unknown): Record<string, unknown>[] => (Array.isArray(v) ? v.filter(isRecord) : []);

/**
 * The stack aggregates execution's logs: Loki runs with its config, Promtail reads the Docker
 * socket read-only, pushes to that Loki, and keeps execution's container; Grafana has a Loki data source there.
 */
export function checkLogAggregation(f: LogAggregationFacts, paths: { loki: string; promtail: string; grafanaDatasources: string }, lokiUrl: string): string[] {
  const problems: string[] = [];
  if (!f.loki) problems.push("declares no loki container");
  else {
    const cfg = parsedFile(f.loki.files, paths.loki, "loki", problems);
    const port = isRecord(cfg?.server) ? cfg.server.http_listen_port : undefined;
    if (cfg && String(port) !== new URL(lokiUrl).port) problems.push(`loki ${paths.loki} listens on ${String(port)}, not ${new URL(lokiUrl).port}`);
  }
  if (!f.promtail) problems.push("declares no promtail container");
  else {
    const socket = f.promtail.mounts.find((m) => m.containerPath === DOCKER_SOCKET_PATH);
    if (!socket) problems.push(`promtail does not mount ${DOCKER_SOCKET_PATH}`);
    else if (socket.readOnly !== true) problems.push(`promtail mounts ${DOCKER_SOCKET_PATH} writable`);
    const cfg = parsedFile(f.promtail.files, paths.promtail, "promtail", problems);
    if (cfg) {
      const push = `${lokiUrl}/loki/api/v1/push`;
      if (!records(cfg.clients).some((c) => c.url === push)) problems.push(`promtail pushes to no ${push}`);
      const jobs = records(cfg.scrape_configs).filter((j) => records(j.docker_sd_configs).some((d) => d.host === `unix://${DOCKER_SOCKET_PATH}`));
      // Promtail anchors relabel regexes; a keep that does not match execution's name, or a drop that does, loses its lines.
      const onName = (r: Record<string, unknown>) => Array.isArray(r.source_labels) && r.source_labels.length === 1 && r.source_labels[0] === "__meta_docker_container_name";
      const matchesExecution = (r: Record<string, unknown>) => new RegExp(`^(?:${String(r.regex ?? "(.*)")})$`).test(`/${f.executionName}`);
      const keeps = (j: Record<string, unknown>) =>
        records(j.relabel_configs).every((r) => (r.action === "keep" ? onName(r) && matchesExecution(r) : r.action === "drop" ? !(onName(r) && matchesExecution(r)) : true));
      const labels = (j: Record<string, unknown>) => records(j.relabel_configs).some((r) => r.target_label === "container" && r.action !== "drop");
      if (jobs.length === 0) problems.push("promtail discovers no containers through the Docker socket");
      else if (!jobs.some((j) => keeps(j) && labels(j))) problems.push(`promtail keeps no ${f.executionName} lines under a container label`);
    }
  }
  if (!f.grafana) problems.push("declares no grafana container");
  else {
    const cfg = parsedFile(f.grafana.files, paths.grafanaDatasources, "grafana", problems);
    if (cfg && !records(cfg.datasources).some((d) => d.type === "loki" && d.url === lokiUrl)) problems.push(`grafana has no Loki data source at ${lokiUrl}`);
  }
  return problems;
}
