import { stringify } from "yaml";
import { canonicalName, SERVICES } from "../config/services";
import { DOCKER_SOCKET_PATH } from "./paths";

// Loki and Promtail configs as the trading system's infrastructure/monitoring/loki-config.yml
// and promtail-config.yml write them. One difference: upstream selects its containers by the
// Compose project label; a Pulumi stack has none, so Promtail selects them by the stack's
// physical name prefix (`cdb_` live, `cdbpaper_` paper), which keeps two stacks on one host apart.

/** The label Promtail gives each line: the container's name (`cdb_execution`), as `{container="…"}` queries it. */
export const LOKI_CONTAINER_LABEL = "container";
export const LOKI_DATASOURCE_UID = "cdb-loki";

export const lokiPort = (): number => SERVICES.loki.port!;
export const lokiUrl = (): string => `http://${canonicalName("loki")}:${lokiPort()}`;

export function lokiConfigYaml(): string {
  return stringify(
    {
      auth_enabled: false,
      server: { http_listen_port: lokiPort(), grpc_listen_port: 9096 },
      common: {
        path_prefix: "/loki",
        storage: { filesystem: { chunks_directory: "/loki/chunks", rules_directory: "/loki/rules" } },
        replication_factor: 1,
        ring: { kvstore: { store: "inmemory" } },
      },
      schema_config: {
        configs: [{ from: "2023-01-01", store: "boltdb-shipper", object_store: "filesystem", schema: "v11", index: { prefix: "index_", period: "24h" } }],
      },
      limits_config: { retention_period: "168h", max_query_series: 500, max_query_parallelism: 32 },
      chunk_store_config: { max_look_back_period: "168h" },
      table_manager: { retention_deletes_enabled: true, retention_period: "168h" },
    },
    { lineWidth: 0 },
  );
}

/** `prefix`: the stack's physical container prefix (model/plan.ts physicalPrefix). */
export function promtailConfigYaml(prefix: string): string {
  return stringify(
    {
      server: { http_listen_port: 9080, grpc_listen_port: 0 },
      positions: { filename: "/tmp/positions.yaml" },
      clients: [{ url: `${lokiUrl()}/loki/api/v1/push` }],
      scrape_configs: [
        {
          job_name: "docker",
          docker_sd_configs: [{ host: `unix://${DOCKER_SOCKET_PATH}`, refresh_interval: "5s", filters: [{ name: "name", values: [prefix] }] }],
          relabel_configs: [
            // Docker's name filter matches substrings: keep exactly this stack's containers.
            { source_labels: ["__meta_docker_container_name"], regex: `/${prefix}.*`, action: "keep" },
            { source_labels: ["__meta_docker_container_name"], regex: "/(.*)", target_label: LOKI_CONTAINER_LABEL },
            { source_labels: ["__meta_docker_container_log_stream"], target_label: "stream" },
          ],
          pipeline_stages: [{ docker: {} }, { json: { expressions: { level: "level", msg: "msg" }, source: "message" } }, { labels: { level: null } }],
        },
      ],
    },
    { lineWidth: 0 },
  );
}
