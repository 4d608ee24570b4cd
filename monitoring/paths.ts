// Where each generated file lives inside its container. The generators, the
// container command and the readiness checks must agree on these, so they
// are named once here.

export const PROMETHEUS_CONFIG_PATH = "/etc/prometheus/prometheus.yml";
export const PROMETHEUS_RULES_DIR = "/etc/prometheus/rules";
export const PROMETHEUS_RULES_PATH = `${PROMETHEUS_RULES_DIR}/cdb-alerts.yml`;
/** What prometheus.yml loads; a rule file outside this glob is never evaluated. */
export const PROMETHEUS_RULES_GLOB = `${PROMETHEUS_RULES_DIR}/*.yml`;

export const ALERTMANAGER_TEMPLATE_PATH = "/etc/alertmanager/alertmanager.tmpl.yml";
/** Rendered at container start; /tmp because the resolved file must not persist on a volume. */
export const ALERTMANAGER_RENDERED_PATH = "/tmp/alertmanager.yml";
export const ALERTMANAGER_STORAGE_PATH = "/alertmanager";

export const GRAFANA_DATASOURCES_PATH = "/etc/grafana/provisioning/datasources/cdb.yml";
export const GRAFANA_DASHBOARD_PROVIDER_PATH = "/etc/grafana/provisioning/dashboards/cdb.yml";
export const GRAFANA_DASHBOARDS_DIR = "/etc/grafana/dashboards";
export const GRAFANA_LIVE_TRADING_DASHBOARD_PATH = `${GRAFANA_DASHBOARDS_DIR}/cdb-live-trading.json`;

/** Docker secrets are mounted here by the plan (model/plan.ts SECRETS_DIR). */
export const SECRETS_DIR = "/run/secrets";

/** Log aggregation (the trading system's logging.yml mounts its configs here). */
export const LOKI_CONFIG_PATH = "/etc/loki/loki-config.yml";
export const PROMTAIL_CONFIG_PATH = "/etc/promtail/promtail-config.yml";
/** What Promtail reads the containers from (mounted read-only from the host). */
export const DOCKER_SOCKET_PATH = "/var/run/docker.sock";
