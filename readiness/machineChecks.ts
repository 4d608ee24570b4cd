import { EARLY_LIVE_MAX_ALLOC_CAP, LIVE_CONFIRMATION, outsideBound, PAPER_FLAGS, RISK_BOUNDS, tradingFlags } from "../config/safety";
import { checkAlertRules, checkDashboards, checkLogAggregation } from "../monitoring/checks";
import { lokiUrl } from "../monitoring/logging";
import { GRAFANA_DATASOURCES_PATH, LOKI_CONFIG_PATH, PROMTAIL_CONFIG_PATH } from "../monitoring/paths";
import { emergencyRunbookProblems } from "./emergencyRunbook";
import type { StackFacts } from "./facts";

// One check per machine item of the catalog. Each returns the problems it
// found; an empty list means the stack proves the item.

export interface MachineFacts {
  /** The stack being gated (live). */
  target: StackFacts;
  /** The paper stack, for the items about paper mode: its containers' environment and secrets; without monitoring files unless paper is the target. */
  paper: StackFacts;
  /** The repository the gate reads (generated documents); the gate sets it. */
  repoRoot?: string;
}

type Check = (f: MachineFacts) => string[];

function env(facts: StackFacts, service: string): Record<string, string> | string {
  const c = facts.containers.get(service);
  return c ? c.env : `stack ${facts.stack} declares no ${service} container`;
}

function expectEnv(facts: StackFacts, services: string[], key: string, want: string): string[] {
  return services.flatMap((s) => {
    const e = env(facts, s);
    if (typeof e === "string") return [e];
    if (!(key in e)) return [`${facts.stack}/${s} does not set ${key} (must be "${want}" explicitly)`];
    return e[key] === want ? [] : [`${facts.stack}/${s} has ${key}="${e[key]}", must be "${want}"`];
  });
}

function mountsCredential(file: string): Check {
  return ({ target }) =>
    ["risk", "execution"].flatMap((s) => {
      const c = target.containers.get(s);
      if (!c) return [`stack ${target.stack} declares no ${s} container`];
      const has = c.secretFiles.get(file);
      if (has === undefined) return [`${target.stack}/${s} does not mount ${file}`];
      return has === true ? [] : [`${target.stack}/${s} mounts ${file} but the stack has no value for it`];
    });
}

const share = (value: string | undefined, what: string, max: number, zeroAllowed = false): string[] => {
  const problem = outsideBound(what, value, max, { zeroAllowed });
  return problem ? [problem] : [];
};


export const MACHINE_CHECKS: Record<string, Check> = {
  "secrets.mexc-api-key": mountsCredential("/run/secrets/mexc_api_key"),
  "secrets.mexc-api-secret": mountsCredential("/run/secrets/mexc_api_secret"),
  "risk.early-live-allocation": ({ target }) => {
    const risk = env(target, "risk");
    const alloc = env(target, "allocation");
    if (typeof risk === "string") return [risk];
    if (typeof alloc === "string") return [alloc];
    const problems = share(risk.EARLY_LIVE_MAX_ALLOC, `${target.stack}/risk EARLY_LIVE_MAX_ALLOC`, EARLY_LIVE_MAX_ALLOC_CAP);
    let rules: unknown;
    try {
      rules = JSON.parse(alloc.ALLOCATION_RULES_JSON ?? "");
    } catch {
      return [...problems, `${target.stack}/allocation ALLOCATION_RULES_JSON is missing or not JSON`];
    }
    if (!rules || typeof rules !== "object") return [...problems, `${target.stack}/allocation ALLOCATION_RULES_JSON is not an object`];
    let count = 0;
    for (const [strategy, regimes] of Object.entries(rules as Record<string, unknown>)) {
      for (const [regime, v] of Object.entries((regimes ?? {}) as Record<string, unknown>)) {
        count++;
        problems.push(...share(String(v), `allocation ${strategy}.${regime}`, EARLY_LIVE_MAX_ALLOC_CAP, true));
      }
    }
    if (count === 0) problems.push(`${target.stack}/allocation ALLOCATION_RULES_JSON has no allocation share`);
    return problems;
  },
  "risk.paper-virtual-balance": ({ paper }) => expectEnv(paper, ["execution", "risk"], "USE_REAL_BALANCE", PAPER_FLAGS.USE_REAL_BALANCE),
  "risk.live-real-balance": ({ target }) => expectEnv(target, ["execution", "risk"], "USE_REAL_BALANCE", tradingFlags("live").USE_REAL_BALANCE),
  "risk.limits": ({ target }) => {
    const e = env(target, "risk");
    if (typeof e === "string") return [e];
    return Object.values(RISK_BOUNDS).flatMap(({ env: key, max }) => share(e[key], key, max));
  },
  "monitoring.dashboards": ({ target }) => {
    const g = target.containers.get("grafana");
    return g ? checkDashboards(g.files) : [`stack ${target.stack} declares no grafana container`];
  },
  "monitoring.alerts": ({ target }) => {
    const p = target.containers.get("prometheus");
    return p ? checkAlertRules(p.files) : [`stack ${target.stack} declares no prometheus container`];
  },
  // Measured too (a structured-logs record: execution's lines arrived in Loki); the stack must declare the aggregation first.
  "monitoring.structured-logs": ({ target }) => {
    const c = (s: string) => target.containers.get(s);
    const loki = c("loki");
    const promtail = c("promtail");
    const grafana = c("grafana");
    return checkLogAggregation(
      {
        ...(loki ? { loki: { files: loki.files } } : {}),
        ...(promtail ? { promtail: { files: promtail.files, mounts: promtail.mounts } } : {}),
        ...(grafana ? { grafana: { files: grafana.files } } : {}),
        executionName: c("execution")?.name ?? "cdb_execution",
      },
      { loki: LOKI_CONFIG_PATH, promtail: PROMTAIL_CONFIG_PATH, grafanaDatasources: GRAFANA_DATASOURCES_PATH },
      lokiUrl(),
    ).map((p) => `${target.stack}: ${p}`);
  },
  // The emergency runbook is generated from the commands that stop trading; the check proves the
  // repository holds exactly that rendering for the gated stack, naming every trading container.
  "killswitch.emergency-runbook": ({ target, repoRoot }) => (repoRoot ? emergencyRunbookProblems(repoRoot, target, "1. Stop trading now (seconds)") : ["no repository to read the runbook from"]),
  "compliance.rollback-plan": ({ target, repoRoot }) => (repoRoot ? emergencyRunbookProblems(repoRoot, target, "3. Rollback plan: back to paper") : ["no repository to read the runbook from"]),
  "execution.mock-explicit": ({ paper }) => [
    ...expectEnv(paper, ["execution"], "MOCK_TRADING", PAPER_FLAGS.MOCK_TRADING),
    // The confirmation lets execution past its live safety gate: paper must not carry it at all.
    ...[...paper.containers.values()]
      .filter((c) => LIVE_CONFIRMATION in c.env)
      .map((c) => `${paper.stack}/${c.service} sets ${LIVE_CONFIRMATION}, which only a live executor may carry`),
  ],
};
