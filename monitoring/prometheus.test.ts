import { describe, expect, it } from "vitest";
import { parse, stringify } from "yaml";
import { canonicalName, SERVICE_NAMES, SERVICES } from "../config/services";
import { REFERENCE_METRICS } from "../test/cdbReference";
import { alertRulesYaml } from "./alertRules";
import { PROMETHEUS_CONFIG_PATH, PROMETHEUS_RULES_DIR, PROMETHEUS_RULES_GLOB, PROMETHEUS_RULES_PATH } from "./paths";
import { prometheusConfig, prometheusYaml } from "./prometheus";
import { run, tempRoot, writeUnder } from "./testSupport";

const opts = { stack: "paper", mode: "paper" as const };

describe("prometheus.yml", () => {
  it("scrapes exactly the services that declare a metricsPort, plus prometheus", () => {
    const cfg = prometheusConfig(opts);
    const expected = SERVICE_NAMES.filter((s) => SERVICES[s].metricsPort !== undefined).map(
      (s) => [canonicalName(s), `${canonicalName(s)}:${SERVICES[s].metricsPort}`] as const,
    );
    const jobs = cfg.scrape_configs.map((j) => [j.job_name, j.static_configs[0]?.targets[0]] as const);
    expect(jobs).toEqual([["cdb_prometheus", "localhost:9090"], ...expected]);
    // The reference's scrape targets must all be there.
    expect(jobs.map(([, t]) => t)).toEqual(
      expect.arrayContaining(["cdb_execution:8003", "cdb_signal:8005", "cdb_candles:8007", "cdb_db_writer:8010", "cdb_postgres_exporter:9187", "cdb_redis_exporter:9121"]),
    );
    expect(cfg.scrape_configs.every((j) => j.metrics_path === "/metrics")).toBe(true);
    // The witness serves no /metrics (it is reached by docker exec only): no job would ever be up.
    expect(jobs.map(([name]) => name)).not.toContain(canonicalName("witness"));
  });

  it("scrapes every service the reference says has /metrics, risk and ws included", () => {
    const targets = prometheusConfig(opts).scrape_configs.flatMap((j) => j.static_configs[0]!.targets);
    for (const [service, { port }] of Object.entries(REFERENCE_METRICS)) expect(targets, service).toContain(`cdb_${service}:${port}`);
  });

  it("has the 15s interval, the rule glob, the alertmanager target and the stack labels", () => {
    const parsed: unknown = parse(prometheusYaml({ stack: "live", mode: "live" }));
    expect(parsed).toMatchObject({
      global: { scrape_interval: "15s", external_labels: { cdb_stack: "live", cdb_mode: "live" } },
      rule_files: ["/etc/prometheus/rules/*.yml"],
      alerting: { alertmanagers: [{ static_configs: [{ targets: ["cdb_alertmanager:9093"] }] }] },
    });
  });

  it("passes `promtool check config` with the rule file loaded through rule_files", () => {
    const root = tempRoot();
    // promtool resolves rule_files on the host: point the glob into the temp layout.
    const cfg = prometheusConfig(opts);
    const config = stringify({ ...cfg, rule_files: [`${root}${PROMETHEUS_RULES_GLOB}`] });
    const configPath = writeUnder(root, PROMETHEUS_CONFIG_PATH, config);
    writeUnder(root, PROMETHEUS_RULES_PATH, alertRulesYaml());
    const r = run("promtool", ["check", "config", configPath]);
    expect(r.output).toContain("SUCCESS: 1 rule files found");
    expect(r.output).toContain(`${root}${PROMETHEUS_RULES_DIR}/cdb-alerts.yml`);
    expect(r.output).toMatch(/SUCCESS: \d+ rules found/);
    expect(r.status).toBe(0);
  });

  it("promtool rejects a broken config (the tool really checks)", () => {
    const root = tempRoot();
    const broken = prometheusYaml(opts).replace("scrape_interval: 15s", "scrape_interval: fifteen");
    const r = run("promtool", ["check", "config", writeUnder(root, PROMETHEUS_CONFIG_PATH, broken)]);
    expect(r.status).not.toBe(0);
    expect(r.output).toContain("FAILED");
  });
});
