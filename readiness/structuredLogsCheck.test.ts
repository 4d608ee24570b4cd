import { describe, expect, it } from "vitest";
import { parse, stringify } from "yaml";
import { declared } from "../test/policyHarness";
import { liveSettings, LIVE_SECRETS } from "../test/mockRun";
import { factsFromResources, type ResourceRecord, type StackFacts } from "./facts";
import { MACHINE_CHECKS } from "./machineChecks";
import { GRAFANA_DATASOURCES_PATH, PROMTAIL_CONFIG_PATH } from "../monitoring/paths";

// monitoring.structured-logs from the stack: the live and paper plans as the pack sees them,
// then each piece taken away or bent, which the check must name.

const check = (target: StackFacts) => MACHINE_CHECKS["monitoring.structured-logs"]!({ target, paper: target });
const live = (): ResourceRecord[] => declared("live", liveSettings(), LIVE_SECRETS);
const paper = (): ResourceRecord[] => declared("paper", { sourceDir: "../claire-de-binare" });
const facts = (stack: string, rs: ResourceRecord[]) => factsFromResources(stack, rs);
const named = (rs: ResourceRecord[], name: string) => rs.find((r) => r.props.name === name)!;
const uploads = (r: ResourceRecord) => r.props.uploads as { file: string; content: string }[];
const editFile = (r: ResourceRecord, file: string, edit: (v: Record<string, unknown>) => void) => {
  const u = uploads(r).find((x) => x.file === file)!;
  const v = parse(u.content) as Record<string, unknown>;
  edit(v);
  u.content = stringify(v);
};

describe("monitoring.structured-logs (machine part)", () => {
  it("passes the declared live and paper stacks", () => {
    expect(check(facts("live", live()))).toEqual([]);
    expect(check(facts("paper", paper()))).toEqual([]);
  });

  it("fails a stack without Loki, without Promtail, or without either", () => {
    expect(check(facts("live", live().filter((r) => r.props.name !== "cdb_loki")))).toEqual(["live: declares no loki container"]);
    expect(check(facts("live", live().filter((r) => r.props.name !== "cdb_promtail")))).toEqual(["live: declares no promtail container"]);
  });

  it("fails when Grafana has no Loki data source, or one pointing elsewhere", () => {
    const rs = live();
    editFile(named(rs, "cdb_grafana"), GRAFANA_DATASOURCES_PATH, (v) => {
      v.datasources = (v.datasources as { type: string }[]).filter((d) => d.type !== "loki");
    });
    expect(check(facts("live", rs))).toEqual(["live: grafana has no Loki data source at http://cdb_loki:3100"]);
    const elsewhere = live();
    editFile(named(elsewhere, "cdb_grafana"), GRAFANA_DATASOURCES_PATH, (v) => {
      for (const d of v.datasources as { type: string; url: string }[]) if (d.type === "loki") d.url = "http://evil:3100";
    });
    expect(check(facts("live", elsewhere))).toEqual(["live: grafana has no Loki data source at http://cdb_loki:3100"]);
  });

  it("fails when Promtail's config is gone, pushes elsewhere, or drops execution's container", () => {
    const gone = live();
    const p = named(gone, "cdb_promtail");
    p.props.uploads = uploads(p).filter((u) => u.file !== PROMTAIL_CONFIG_PATH);
    expect(check(facts("live", gone))).toEqual([`live: promtail has no ${PROMTAIL_CONFIG_PATH}`]);
    const elsewhere = live();
    editFile(named(elsewhere, "cdb_promtail"), PROMTAIL_CONFIG_PATH, (v) => {
      v.clients = [{ url: "http://evil:3100/loki/api/v1/push" }];
    });
    expect(check(facts("live", elsewhere))).toEqual(["live: promtail pushes to no http://cdb_loki:3100/loki/api/v1/push"]);
    // Paper's Promtail config (it keeps cdbpaper_ containers) in the live stack keeps no cdb_execution line.
    const wrongStack = live();
    const paperConfig = uploads(named(paper(), "cdbpaper_promtail")).find((u) => u.file === PROMTAIL_CONFIG_PATH)!.content;
    uploads(named(wrongStack, "cdb_promtail")).find((u) => u.file === PROMTAIL_CONFIG_PATH)!.content = paperConfig;
    expect(check(facts("live", wrongStack))).toEqual(["live: promtail keeps no cdb_execution lines under a container label"]);
    const dropped = live();
    editFile(named(dropped, "cdb_promtail"), PROMTAIL_CONFIG_PATH, (v) => {
      const job = (v.scrape_configs as { relabel_configs: unknown[] }[])[0]!;
      job.relabel_configs.push({ source_labels: ["__meta_docker_container_name"], regex: "/cdb_exec.*", action: "drop" });
    });
    expect(check(facts("live", dropped))).toEqual(["live: promtail keeps no cdb_execution lines under a container label"]);
  });

  it("fails when Promtail does not mount the Docker socket, or mounts it writable", () => {
    const none = live();
    const p = named(none, "cdb_promtail");
    p.props.volumes = (p.props.volumes as { containerPath: string }[]).filter((v) => v.containerPath !== "/var/run/docker.sock");
    expect(check(facts("live", none))).toEqual(["live: promtail does not mount /var/run/docker.sock"]);
    const writable = live();
    for (const v of named(writable, "cdb_promtail").props.volumes as { containerPath: string; readOnly?: boolean }[]) delete v.readOnly;
    expect(check(facts("live", writable))).toEqual(["live: promtail mounts /var/run/docker.sock writable"]);
  });
});
