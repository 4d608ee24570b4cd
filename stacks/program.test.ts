import { beforeAll, describe, expect, it, vi } from "vitest";
import { makeFixture } from "../test/readinessFixture";
import { carriers, containers, envOf, liveSettings, LIVE_SECRETS, mockRun, type MockRunResult, type RecordedResource } from "../test/mockRun";

const SERVICES = [
  "redis", "postgres", "prometheus", "alertmanager", "grafana", "postgres_exporter", "redis_exporter", "loki", "promtail", "witness",
  "ws", "signal", "candles", "regime", "allocation", "risk", "execution", "db_writer", "paper_runner", "reports",
];
const APP = ["ws", "signal", "candles", "regime", "allocation", "risk", "execution", "db_writer", "paper_runner", "reports"];
const PORTS: Record<string, number> = {
  redis: 6379, postgres: 5432, prometheus: 9090, alertmanager: 9093, grafana: 3000, postgres_exporter: 9187, redis_exporter: 9121,
  ws: 8000, signal: 8005, candles: 8007, regime: 8008, allocation: 8006, risk: 8002, execution: 8003, paper_runner: 8004,
};

type Upload = { file: string; content: string };
type Port = { internal: number; external: number; ip: string };
const byService = (run: MockRunResult, prefix: string) =>
  Object.fromEntries(containers(run).map((c) => [String(c.inputs.name).slice(prefix.length), c])) as Record<string, RecordedResource>;
const uploads = (c: RecordedResource) => (c.inputs.uploads as Upload[] | undefined) ?? [];
let current: MockRunResult;
/** A container's own uploads plus those of its secrets carrier. */
const delivered = (c: RecordedResource) => {
  const carrier = carriers(current).find((k) => (k.inputs.labels as { value: string }[])[0]!.value === (c.inputs.networksAdvanced as { aliases: string[] }[])[0]!.aliases[0]);
  return [...uploads(c), ...(carrier ? uploads(carrier) : [])];
};
const secretFiles = (c: RecordedResource) => delivered(c).filter((u) => u.file.startsWith("/run/secrets/")).map((u) => u.file).sort();

function sharedChecks(run: () => MockRunResult, prefix: string, secrets: () => string[], mexcConfigured: boolean) {
  it("declares every container with its canonical alias on the stack's network", () => {
    const c = byService(run(), prefix);
    expect(Object.keys(c).sort()).toEqual([...SERVICES].sort());
    for (const s of SERVICES) {
      expect(c[s]!.inputs.networksAdvanced).toEqual([{ name: `${prefix}network`, aliases: [`cdb_${s}`] }]);
    }
  });

  it("delivers secrets as files under /run/secrets and never as an environment value", () => {
    const c = byService(run(), prefix);
    // MEXC files only where the key is configured: the real provider refuses an empty upload.
    expect(secretFiles(c.execution!)).toEqual([
      ...(mexcConfigured ? ["/run/secrets/mexc_api_key", "/run/secrets/mexc_api_secret"] : []),
      "/run/secrets/postgres_password",
      "/run/secrets/redis_password",
    ]);
    for (const container of [...containers(run()), ...carriers(run())]) {
      for (const u of uploads(container)) expect(u.content, `${container.inputs.name} ${u.file}`).not.toBe("");
    }
    expect(secretFiles(c.reports!)).toContain("/run/secrets/postgres_password_dsn");
    expect(envOf(c.postgres!).POSTGRES_PASSWORD_FILE).toBe("/run/secrets/postgres_password");
    expect(envOf(c.grafana!).GF_SECURITY_ADMIN_PASSWORD__FILE).toBe("/run/secrets/grafana_password");
    const values = secrets();
    expect(values.length).toBeGreaterThanOrEqual(3);
    // Every upload under /run/secrets reached the engine marked secret (encrypted in state).
    for (const container of [...containers(run()), ...carriers(run())]) {
      for (const u of uploads(container).filter((x) => x.file.startsWith("/run/secrets/") && x.content !== "")) {
        expect(run().markedSecret.has(u.content), `${container.inputs.name} ${u.file}`).toBe(true);
      }
    }
    for (const container of containers(run())) {
      const env = (container.inputs.envs as string[]).join("\n");
      for (const v of values) expect(env).not.toContain(v);
      for (const [k, v] of Object.entries(envOf(container))) {
        if (/PASSWORD|SECRET|TOKEN|API_KEY/.test(k)) expect(v, `${container.inputs.name} ${k}`).toMatch(/^\/run\/secrets\//);
      }
    }
  });

  it("binds host ports to 127.0.0.1 only", () => {
    for (const c of containers(run())) {
      for (const p of (c.inputs.ports as Port[] | undefined) ?? []) expect(p.ip, String(c.inputs.name)).toBe("127.0.0.1");
    }
  });

  it("keeps the start order: redis and postgres first, candles after ws, regime after candles", () => {
    const order = containers(run()).map((c) => String(c.inputs.name).slice(prefix.length));
    const at = (s: string) => order.indexOf(s);
    for (const app of APP) {
      if (["candles", "regime", "allocation"].includes(app)) continue;
      expect(at("postgres"), app).toBeLessThan(at(app));
    }
    for (const app of APP.filter((a) => a !== "reports")) expect(at("redis"), app).toBeLessThan(at(app));
    expect(at("ws")).toBeLessThan(at("candles"));
    expect(at("candles")).toBeLessThan(at("regime"));
    expect(at("prometheus")).toBeLessThan(at("grafana"));
  });

  it("outputs names only, no secret", () => {
    const text = JSON.stringify(run().outputs);
    expect(text).toContain(`${prefix}execution`);
    for (const v of secrets()) expect(text).not.toContain(v);
  });

  it("outputs where the witness is and who it signs as; its key comes from the container (cdb witness key), never from the program", () => {
    const stack = prefix === "cdb_" ? "live" : "paper";
    expect(run().outputs.witness).toEqual({
      container: `${prefix}witness`,
      principal: `witness@${stack}`,
      namespace: "cdb-witness",
      publicKeyCommand: `npx cdb witness key --stack ${stack}`,
    });
    expect(JSON.stringify(run().outputs)).not.toMatch(/PRIVATE KEY|openssh-key-v1|ssh-ed25519/);
  });

  it("mounts the Docker socket read-only into the witness, and its key volume into no other container", () => {
    const c = byService(run(), prefix);
    const volumes = (x: RecordedResource) => (x.inputs.volumes as { volumeName?: string; hostPath?: string; containerPath: string; readOnly?: boolean }[] | undefined) ?? [];
    expect(volumes(c.witness!)).toContainEqual({ hostPath: "/var/run/docker.sock", containerPath: "/var/run/docker.sock", readOnly: true });
    expect(volumes(c.witness!)).toContainEqual({ volumeName: `${prefix}witness_data`, containerPath: "/var/lib/cdb-witness" });
    expect(containers(run()).filter((x) => volumes(x).some((v) => v.volumeName === `${prefix}witness_data`)).map((x) => x.inputs.name)).toEqual([`${prefix}witness`]);
    expect(c.witness!.inputs).toMatchObject({ readOnly: true, capabilities: { drops: ["ALL"] }, securityOpts: ["no-new-privileges:true"] });
  });
}

describe("paper stack (Pulumi mocks)", () => {
  let run: MockRunResult;
  beforeAll(async () => {
    run = current = await mockRun("paper", { sourceDir: "../claire-de-binare" });
  });
  sharedChecks(() => run, "cdbpaper_", () => run.generatedSecrets, false);

  it("forces mock mode explicitly on every container that reads the flags", () => {
    const c = byService(run, "cdbpaper_");
    expect(envOf(c.execution!)).toMatchObject({ MOCK_TRADING: "true", DRY_RUN: "true", USE_REAL_BALANCE: "false", MEXC_TESTNET: "true" });
    expect(envOf(c.risk!)).toMatchObject({ USE_REAL_BALANCE: "false", MEXC_TESTNET: "true" });
    for (const x of containers(run)) expect(Object.keys(envOf(x)), String(x.inputs.name)).not.toContain("CONFIRM_LIVE_TRADING");
  });

  it("binds every service port on 127.0.0.1, Prometheus on 19090", () => {
    const c = byService(run, "cdbpaper_");
    for (const [s, port] of Object.entries(PORTS)) {
      const external = s === "prometheus" ? 19090 : port;
      expect(c[s]!.inputs.ports, s).toEqual([{ internal: port, external, ip: "127.0.0.1", protocol: "tcp" }]);
    }
    expect(c.db_writer!.inputs.ports).toEqual([]);
    // Loki stays on the stack's network (the trading system's logging.yml publishes no port for it).
    expect(c.loki!.inputs.ports).toEqual([]);
    expect(c.promtail!.inputs.ports).toEqual([]);
    expect(c.witness!.inputs.ports).toEqual([]);
  });

  it("builds app images like upstream: checkout root as context, the service's Dockerfile (reports: its folder)", () => {
    const builds = Object.fromEntries(
      run.resources
        .filter((r) => r.type === "docker:index/image:Image")
        .map((i) => [i.name, i.inputs.build as { context: string; dockerfile: string }]),
    );
    expect(Object.keys(builds).sort()).toEqual([...APP, "witness"].sort());
    // The witness is this project's: built from this repository (the project directory), not from the checkout.
    expect(builds.witness).toEqual({ context: ".", dockerfile: "witness/Dockerfile" });
    for (const s of APP.filter((a) => a !== "reports")) {
      const dir = s === "paper_runner" ? "tools/paper_trading" : `services/${s}`;
      // pulumi-docker resolves the Dockerfile against the project directory, so it carries the checkout path.
      expect(builds[s], s).toEqual({ context: "../claire-de-binare", dockerfile: `../claire-de-binare/${dir}/Dockerfile` });
    }
    expect(builds.reports).toEqual({ context: "../claire-de-binare/services/reports", dockerfile: "../claire-de-binare/services/reports/Dockerfile" });
    expect(byService(run, "cdbpaper_").execution!.inputs.restart).toBe("unless-stopped");
  });

  it("starts every app service with its reference command behind the secret-exporting shell", () => {
    const c = byService(run, "cdbpaper_");
    expect(c.signal!.inputs.entrypoints).toEqual(["/bin/sh", "-c"]);
    expect(c.signal!.inputs.command).toEqual([
      'REDIS_PASSWORD="$(cat /run/secrets/redis_password)" && export REDIS_PASSWORD && POSTGRES_PASSWORD="$(cat /run/secrets/postgres_password)" && export POSTGRES_PASSWORD && exec python -m services.signal.service',
    ]);
    expect((c.execution!.inputs.command as string[])[0]).toMatch(/&& exec python -u service\.py$/);
    // Paper configures no MEXC key: execution says so and exports only what exists.
    expect((c.execution!.inputs.command as string[])[0]).not.toContain("MEXC_API_KEY");
    expect((c.execution!.inputs.command as string[])[0]).toContain("/run/secrets/mexc_api_key is not configured (cdb:mexcApiKey)");
  });

  it("initialises PostgreSQL with the vendored schema and migration 002", () => {
    const files = uploads(byService(run, "cdbpaper_").postgres!).filter((u) => !u.file.startsWith("/run/secrets/"));
    expect(files.map((f) => f.file)).toEqual(["/docker-entrypoint-initdb.d/01-schema.sql", "/docker-entrypoint-initdb.d/02-migration-002.sql"]);
    expect(files[0]!.content).toContain("CREATE TABLE orders");
    expect(files[1]!.content).toContain("ALTER COLUMN price DROP NOT NULL");
  });
});

// A live gate reads the repository's readiness/live.evidence.yaml and readiness/allowed_signers only
// (readiness/trustRoot.ts): the live run below moves those two locations to the fixture's files.
const repoFiles = vi.hoisted(() => ({ evidence: "", allowedSigners: "" }));
vi.mock("../platform/paths", async (orig) => {
  const m = await orig<typeof import("../platform/paths")>();
  return { ...m, defaultEvidenceFile: (stack: string) => repoFiles.evidence || m.defaultEvidenceFile(stack) };
});
vi.mock("../readiness/allowedSigners", async (orig) => {
  const m = await orig<typeof import("../readiness/allowedSigners")>();
  return {
    ...m,
    get DEFAULT_ALLOWED_SIGNERS() {
      return repoFiles.allowedSigners || m.DEFAULT_ALLOWED_SIGNERS;
    },
  };
});

describe("live stack (Pulumi mocks)", () => {
  let run: MockRunResult;
  beforeAll(async () => {
    // Complete evidence for exactly these settings, so the program's own gate lets the traders through.
    const fx = makeFixture();
    repoFiles.evidence = fx.evidenceFile;
    repoFiles.allowedSigners = fx.allowedSigners;
    try {
      run = current = await mockRun("live", liveSettings(), LIVE_SECRETS);
    } finally {
      repoFiles.evidence = "";
      repoFiles.allowedSigners = "";
    }
  });
  sharedChecks(() => run, "cdb_", () => [...run.generatedSecrets, ...Object.values(LIVE_SECRETS)], true);

  it("gives redis_exporter its password as the JSON map it reads, and no file without a value", () => {
    const c = byService(run, "cdb_");
    const file = uploads(c.redis_exporter!).find((u) => u.file === "/run/secrets/redis_exporter_passwords")!;
    const redisPassword = delivered(c.redis!).find((u) => u.file === "/run/secrets/redis_password")!.content;
    expect(JSON.parse(file.content)).toEqual({ "redis://cdb_redis:6379": redisPassword });
    expect(run.markedSecret.has(file.content)).toBe(true);
    // No SMTP configured: no smtp file anywhere, and alertmanager starts without mail.
    for (const x of [...containers(run), ...carriers(run)]) expect(uploads(x).map((u) => u.file).filter((f) => f.includes("smtp"))).toEqual([]);
    expect((c.alertmanager!.inputs.command as string[])[0]).toContain("SMTP is not configured");
  });

  it("keeps the reference's container names", () => {
    expect(containers(run).map((c) => c.inputs.name)).toContain("cdb_execution");
  });

  it("sets the live trading values and caps every allocation share at EARLY_LIVE_MAX_ALLOC", () => {
    const c = byService(run, "cdb_");
    expect(envOf(c.execution!)).toMatchObject({ MOCK_TRADING: "false", DRY_RUN: "false", USE_REAL_BALANCE: "true", MEXC_TESTNET: "false", CONFIRM_LIVE_TRADING: "true" });
    expect(Object.keys(envOf(c.risk!))).not.toContain("CONFIRM_LIVE_TRADING");
    expect((c.execution!.inputs.command as string[])[0]).toContain('MEXC_API_KEY="$(cat /run/secrets/mexc_api_key)" && export MEXC_API_KEY');
    expect(envOf(c.risk!).EARLY_LIVE_MAX_ALLOC).toBe("0.02");
    const rules = JSON.parse(envOf(c.allocation!).ALLOCATION_RULES_JSON!) as Record<string, Record<string, number>>;
    const shares = Object.values(rules).flatMap((r) => Object.values(r));
    expect(shares.length).toBe(6);
    for (const s of shares) expect(s).toBeLessThanOrEqual(0.02);
  });

  it("mounts the MEXC credentials as files in risk and execution only", () => {
    const c = byService(run, "cdb_");
    for (const s of SERVICES) {
      const has = secretFiles(c[s]!).includes("/run/secrets/mexc_api_key");
      expect(has, s).toBe(s === "risk" || s === "execution");
    }
    const key = delivered(c.execution!).find((u) => u.file === "/run/secrets/mexc_api_key");
    expect(key?.content).toBe(LIVE_SECRETS.mexcApiKey);
  });

  it("provisions monitoring into the containers: scrape config, alert rules, Alertmanager, Grafana dashboards", () => {
    const c = byService(run, "cdb_");
    const files = (s: string) => uploads(c[s]!).filter((u) => !u.file.startsWith("/run/secrets/")).map((u) => u.file);
    expect(files("prometheus")).toEqual(["/etc/prometheus/prometheus.yml", "/etc/prometheus/rules/cdb-alerts.yml"]);
    expect(files("alertmanager")).toEqual(["/etc/alertmanager/alertmanager.tmpl.yml"]);
    expect(files("grafana")).toContain("/etc/grafana/dashboards/cdb-live-trading.json");
    expect(uploads(c.prometheus!).find((u) => u.file.endsWith("cdb-alerts.yml"))!.content).toContain("alert: CircuitBreakerTriggered");
  });

  it("binds no host port", () => {
    for (const c of containers(run)) expect(c.inputs.ports, String(c.inputs.name)).toEqual([]);
  });

  it("hardens every app container", () => {
    const c = byService(run, "cdb_");
    for (const s of APP) {
      const i = c[s]!.inputs;
      expect(i.restart, s).toBe("on-failure");
      expect(i.securityOpts, s).toEqual(["no-new-privileges:true"]);
      expect(i.capabilities, s).toEqual({ drops: ["ALL"] });
      expect(i.readOnly, s).toBe(true);
      expect(i.tmpfs, s).toEqual({ "/tmp": "rw,noexec,nosuid,size=64m", "/app/logs": "rw,noexec,nosuid,size=64m,uid=1000,gid=1000" });
      expect(Number(i.cpus), s).toBeGreaterThan(0);
      expect(i.memory, s).toBeGreaterThan(0);
      // Execution logs its "Mode: LIVE" line at INFO: the runbook's verification greps for it.
      expect(envOf(c[s]!), s).toMatchObject({ ENV: "production", LOG_LEVEL: s === "execution" ? "INFO" : "WARNING" });
    }
    // The provider's read-back form: whole CPUs with a decimal point, swap twice the memory.
    expect(c.execution!.inputs).toMatchObject({ cpus: "0.5", memory: 512, memorySwap: 1024 });
    expect(c.postgres!.inputs).toMatchObject({ cpus: "1.0", memory: 1024, memorySwap: 2048 });
  });

  it("delivers the secrets of read-only containers through a stopped carrier and a read-only volume", () => {
    const c = byService(run, "cdb_");
    expect(uploads(c.execution!).filter((u) => u.file.startsWith("/run/secrets/"))).toEqual([]);
    expect(c.execution!.inputs.volumes).toContainEqual({ volumeName: "cdb_execution_secrets", containerPath: "/run/secrets", readOnly: true });
    const carrier = carriers(run).find((k) => k.inputs.name === "cdb_execution_secrets")!;
    expect(carrier.inputs).toMatchObject({ start: false, mustRun: false, volumes: [{ volumeName: "cdb_execution_secrets", containerPath: "/run/secrets" }] });
    expect(uploads(carrier).map((u) => u.file).sort()).toEqual(secretFiles(c.execution!));
    expect(carriers(run).map((k) => k.inputs.name).sort()).toEqual([...APP, "witness"].map((s) => `cdb_${s}_secrets`).sort());
  });

  it("uses the configured images, pinned by digest, and builds nothing", () => {
    expect(run.resources.filter((r) => r.type === "docker:index/image:Image")).toEqual([]);
    for (const c of containers(run)) expect(String(c.inputs.image)).toMatch(/@sha256:[0-9a-f]{64}$/);
  });
});
