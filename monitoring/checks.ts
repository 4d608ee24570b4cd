import { posix } from "node:path";
import { CORE_SCHEMA, load } from "js-yaml";
import { usesMetric } from "./metricContract";
import { GRAFANA_DASHBOARDS_DIR, PROMETHEUS_CONFIG_PATH } from "./paths";

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
