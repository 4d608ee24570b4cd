import { execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { loadConfig } from "../config/load";
import { SECRET_SETTINGS, type SecretSetting, tradesForReal } from "../config/safety";
import { isAppService, SERVICE_NAMES } from "../config/services";
import { keyFingerprint } from "../config/schema";
import { WITNESS_HOME, WITNESS_PUBLIC_KEY_FILE, witnessArgv } from "../config/witness";
import { rehearsalPlanProblems } from "./rehearsal";
import { alertmanagerNoMailScript, alertmanagerScript } from "../monitoring/alertmanagerCommand";
import { checkAlertRules, checkDashboards } from "../monitoring/checks";
import { DELIBERATE_DIFFERENCES, REFERENCE_CONTAINERS } from "../test/cdbReference";
import { LIVE_SECRETS, liveImages, liveSettings } from "../test/mockRun";
import { rawSettings, type Settings } from "../test/settings";
import { containerInputs, providerCpus, providerMemorySwap } from "./containerArgs";
import { planStackWithMonitoring } from "./monitoredPlan";
import { type ContainerPlan, type StackPlan } from "./plan";
import { REDIS_MAXMEMORY_POLICY } from "./services/redis";
import { postgresInitFiles } from "./postgresInit";
import { startScript } from "./startCommand";

const SOURCE = "/src/cdb";
const ALL_SECRETS = new Set<SecretSetting>(SECRET_SETTINGS);
const load = (settings: Settings = {}) => loadConfig("paper", rawSettings({ sourceDir: SOURCE, ...settings }));
const plan = (settings: Settings = {}, configured: ReadonlySet<SecretSetting> = ALL_SECRETS): StackPlan =>
  planStackWithMonitoring("paper", load(settings).config, configured);
const of = (p: StackPlan, service: string): ContainerPlan => p.containers.find((c) => c.service === service)!;
/** The service's start command as the reference writes it: what follows the exports. */
const startOf = (c: ContainerPlan) => /exec (.*)$/.exec(c.command?.[0] ?? "")?.[1];
const exportsOf = (c: ContainerPlan) => [...(c.command?.[0] ?? "").matchAll(/export ([A-Z_]+)/g)].map((m) => m[1]);

describe("the plan reproduces the reference's containers and settings", () => {
  const p = plan();

  it.each(Object.entries(REFERENCE_CONTAINERS))("%s", (service, ref) => {
    const c = of(p, service);
    if (ref.image) expect(c.image).toEqual({ kind: "ref", ref: ref.image });
    if (ref.build) {
      expect(c.image).toEqual({ kind: "build", context: path.join(SOURCE, ref.build.context), dockerfile: path.join(SOURCE, ref.build.dockerfile), from: "sourceDir" });
    }
    const diff = DELIBERATE_DIFFERENCES[service as keyof typeof DELIBERATE_DIFFERENCES];
    const secrets = diff && "secrets" in diff ? diff.secrets : [...ref.secrets, ...(diff && "extraSecrets" in diff ? diff.extraSecrets : [])];
    expect([...c.secrets].sort()).toEqual([...secrets].sort());
    if (ref.start) {
      expect(c.entrypoint).toEqual(["/bin/sh", "-c"]);
      expect(startOf(c)).toBe(ref.start);
      expect(exportsOf(c)).toEqual(ref.exports);
    }
    expect(c.env).toMatchObject(ref.env ?? {});
    // The port the process listens on is the one the health check asks (paper binds it on the host too).
    if (ref.port !== undefined) expect(c.ports[0]?.internal, service).toBe(ref.port);
  });

  it("declares exactly the reference's services plus alertmanager, loki and promtail (the logging.yml overlay) and this project's witness", () => {
    expect([...SERVICE_NAMES].sort()).toEqual([...Object.keys(REFERENCE_CONTAINERS), "alertmanager", "loki", "promtail", "witness"].sort());
  });
});

describe("log aggregation (the trading system's logging.yml)", () => {
  it("Loki is on the stack's network only: no host port in paper, even with every other service published", () => {
    const p = plan();
    expect(of(p, "loki").ports).toEqual([]);
    expect(of(p, "prometheus").ports).not.toEqual([]);
    expect(of(p, "loki").volumes).toEqual([{ volumeName: "cdbpaper_loki_data", path: "/loki" }]);
  });

  it("Promtail mounts the Docker socket and the containers' logs read-only, and reaches only this stack's containers", () => {
    const p = plan();
    const promtail = of(p, "promtail");
    expect(promtail.volumes).toEqual([
      { hostPath: "/var/lib/docker/containers", path: "/var/lib/docker/containers", readOnly: true },
      { hostPath: "/var/run/docker.sock", path: "/var/run/docker.sock", readOnly: true },
    ]);
    expect(containerInputs(promtail, { image: "i", network: "n", secret: () => "", waitForHealthy: false }).volumes).toEqual([
      { hostPath: "/var/lib/docker/containers", containerPath: "/var/lib/docker/containers", readOnly: true },
      { hostPath: "/var/run/docker.sock", containerPath: "/var/run/docker.sock", readOnly: true },
    ]);
    // Host paths are no named volumes of the stack.
    expect(p.volumes.some((v) => v.includes("docker"))).toBe(false);
    expect(promtail.files[0]!.content).toContain("regex: /cdbpaper_.*");
    expect(promtail.secrets).toEqual([]);
  });

  // Issue 25 item 10: on a rootless or second daemon, Docker created a directory at /var/run/docker.sock and Loki got nothing.
  it("mounts the stack's own daemon: a unix:// cdb:dockerHost's socket, cdb:dockerPaths over both; the paths inside stay", () => {
    const mounts = (settings: Settings) => Object.fromEntries((["promtail", "witness"] as const).map((s) => [s, of(plan(settings), s).volumes.filter((v) => "hostPath" in v)]));
    const rootless = mounts({ dockerHost: "unix:///run/user/1000/docker.sock" });
    expect(rootless.promtail).toEqual([
      { hostPath: "/var/lib/docker/containers", path: "/var/lib/docker/containers", readOnly: true },
      { hostPath: "/run/user/1000/docker.sock", path: "/var/run/docker.sock", readOnly: true },
    ]);
    expect(rootless.witness).toEqual([{ hostPath: "/run/user/1000/docker.sock", path: "/var/run/docker.sock", readOnly: true }]);
    const set = mounts({ dockerHost: "ssh://deploy@trading-host", dockerPaths: { socket: "/srv/docker/docker.sock", containers: "/srv/docker/data/containers" } });
    expect(set.promtail).toEqual([
      { hostPath: "/srv/docker/data/containers", path: "/var/lib/docker/containers", readOnly: true },
      { hostPath: "/srv/docker/docker.sock", path: "/var/run/docker.sock", readOnly: true },
    ]);
    expect(set.witness).toEqual([{ hostPath: "/srv/docker/docker.sock", path: "/var/run/docker.sock", readOnly: true }]);
    // An ssh:// or tcp:// host names no socket path: the defaults stay.
    expect(mounts({ dockerHost: "ssh://deploy@trading-host" })).toEqual(mounts({}));
  });

  it("refuses a cdb:dockerPaths that is no absolute host path, or has a key it does not know", () => {
    for (const [dockerPaths, message] of [
      [{ socket: "docker.sock" }, /dockerPaths\.socket.*must be an absolute path/],
      [{ containers: "/var/lib/../../etc" }, /dockerPaths\.containers.*must not contain \.\./],
      [{ containers: "/var/lib/docker/containers/" }, /dockerPaths\.containers.*must be an absolute path/],
      [{ root: "/x" }, /dockerPaths.*root/],
    ] as const) expect(() => plan({ dockerPaths } as Settings), JSON.stringify(dockerPaths)).toThrow(message);
  });
});

describe("generic start wrapper", () => {
  function runWrapper(files: Record<string, string>, exports: ("redis_password" | "postgres_password")[], notices: string[] = []) {
    const dir = mkdtempSync(path.join(tmpdir(), "cdb-secrets-"));
    for (const [name, value] of Object.entries(files)) writeFileSync(path.join(dir, name), value);
    const script = startScript({ exports, notices, start: ["sh", "-c", 'echo "r=$REDIS_PASSWORD p=$POSTGRES_PASSWORD"; env | grep -c _PASSWORD= || true'] }, dir);
    try {
      return { status: 0, out: execFileSync("sh", ["-c", script], { encoding: "utf8", env: { PATH: process.env.PATH }, stdio: ["ignore", "pipe", "pipe"] }) };
    } catch (e) {
      const err = e as { status: number; stderr: string };
      return { status: err.status, out: err.stderr };
    }
  }

  it("exports exactly the listed secrets inside the process", () => {
    const r = runWrapper({ redis_password: "r3d", postgres_password: "pg5" }, ["redis_password"]);
    expect(r.out).toBe("r=r3d p=\n1\n");
    expect(runWrapper({ redis_password: "r3d", postgres_password: "pg5" }, ["redis_password", "postgres_password"]).out).toBe("r=r3d p=pg5\n2\n");
  });

  it("stops with cat's error when a secret file is missing, instead of starting without it", () => {
    const r = runWrapper({ redis_password: "r3d" }, ["redis_password", "postgres_password"]);
    expect(r.status).not.toBe(0);
    expect(r.out).toContain("postgres_password");
  });

  it("quotes arguments and notices for the shell", () => {
    const script = startScript({ exports: [], notices: ["it's not configured"], start: ["python", "-c", "print('a b')"] });
    expect(execFileSync("sh", ["-c", script.replace("exec python", "exec echo")], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] })).toBe("-c print('a b')\n");
  });

  it("carries no secret value and no URL with a password in what docker inspect shows", () => {
    for (const c of plan().containers) {
      const text = [...(c.entrypoint ?? []), ...(c.command ?? []), ...Object.values(c.env)].join("\n");
      expect(text, c.service).not.toMatch(/[a-z][a-z0-9+.-]*:\/\/[^/\s:@]*:[^/\s@]+@/i);
    }
  });
});

describe("settings", () => {
  it("signal: strategy id, port, thresholds; allocation and candles and regime ports are wiring", () => {
    const p = plan({ signal: { strategyId: "momo", thresholdPct: 0.01, minVolume: 5 }, allocation: { rules: { momo: { TREND: 0.1 } } } });
    expect(of(p, "signal").env).toMatchObject({ SIGNAL_STRATEGY_ID: "momo", SIGNAL_PORT: "8005", SIGNAL_THRESHOLD_PCT: "0.01", SIGNAL_MIN_VOLUME: "5" });
    expect(of(p, "allocation").env).toMatchObject({ ALLOCATION_PORT: "8006", ALLOCATION_RULES_JSON: '{"momo":{"TREND":0.1}}' });
    expect(of(p, "candles").env.CANDLE_PORT).toBe("8007");
    expect(of(p, "regime").env.REGIME_PORT).toBe("8008");
  });

  it("regime thresholds are written as floats, periods as integers", () => {
    const p = plan({ regime: { adxTrendThreshold: 30, adxRangeThreshold: 18.5, confirmationBars: 5 } });
    expect(of(p, "regime").env).toMatchObject({ REGIME_ADX_TREND_THRESHOLD: "30.0", REGIME_ADX_RANGE_THRESHOLD: "18.5", REGIME_CONFIRMATION_BARS: "5" });
  });

  it("refuses a strategy id that is not a key of the allocation rules, naming the key", () => {
    expect(() => load({ signal: { strategyId: "ghost" } })).toThrow(/^cdb:signal\.strategyId must be a strategy of cdb:allocation\.rules \(paper\), got "ghost"$/m);
    // Names every object inherits are not strategies (issue 25: the check looked them up through the prototype).
    for (const inherited of ["toString", "constructor", "__proto__", "hasOwnProperty"]) {
      expect(() => load({ signal: { strategyId: inherited } }), inherited).toThrow(/cdb:signal\.strategyId must be a strategy of cdb:allocation\.rules \(paper\)/);
    }
  });

  it("refuses another database role than the one schema.sql grants to", () => {
    expect(() => load({ postgres: { user: "trader" } })).toThrow(/cdb:postgres\.user must be claire_user/);
  });

  it("refuses a range threshold at or above the trend threshold", () => {
    expect(() => load({ regime: { adxRangeThreshold: 25 } })).toThrow(/cdb:regime\.adxRangeThreshold must be below regime\.adxTrendThreshold/);
  });

  it("warns about regimes the regime service never emits, and only about those", () => {
    expect(load().warnings).toEqual([]);
    expect(load({ allocation: { rules: { paper: { STEADY_BULLISH: 0.3, TREND: 0.3 } } } }).warnings).toEqual([
      "cdb:allocation.rules.paper.STEADY_BULLISH is never used: the regime service emits only TREND, RANGE, HIGH_VOL_CHAOTIC, UNKNOWN",
    ]);
  });

  it("execution never logs above INFO, so its Mode line is always logged", () => {
    expect(of(plan({ logLevel: "WARNING" }), "execution").env.LOG_LEVEL).toBe("INFO");
    expect(of(plan({ logLevel: "WARNING" }), "risk").env.LOG_LEVEL).toBe("WARNING");
    expect(of(plan({ logLevel: "DEBUG" }), "execution").env.LOG_LEVEL).toBe("DEBUG");
  });

  it("reports runs unbuffered in UTC", () => {
    expect(of(plan(), "reports").env).toMatchObject({ TZ: "UTC", PYTHONUNBUFFERED: "1" });
  });
});

describe("paper and live flags", () => {
  it("paper sets no CONFIRM_LIVE_TRADING and nothing that trades for real (live: stacks/program.test.ts)", () => {
    const paper = plan();
    expect(paper.containers.some((c) => "CONFIRM_LIVE_TRADING" in c.env)).toBe(false);
    expect(paper.containers.some((c) => tradesForReal(c.env))).toBe(false);
  });

  it("counts any container carrying CONFIRM_LIVE_TRADING as trading for real", () => {
    expect(tradesForReal({ MOCK_TRADING: "true", USE_REAL_BALANCE: "false", CONFIRM_LIVE_TRADING: "false" })).toBe(true);
    expect(tradesForReal({ MOCK_TRADING: "true", USE_REAL_BALANCE: "false" })).toBe(false);
  });
});

describe("the live stack returned to paper flags (cdb rollback)", () => {
  const liveStack = (mode: "live" | "paper") =>
    planStackWithMonitoring("live", loadConfig("live", rawSettings({ ...liveSettings(), mode }, LIVE_SECRETS)).config, new Set(["mexcApiKey", "mexcApiSecret"]));
  const [live, halted] = [liveStack("live"), liveStack("paper")];

  it("keeps names, host ports and restart policy, so Redis and PostgreSQL are not replaced", () => {
    for (const c of halted.containers) {
      const before = live.containers.find((x) => x.service === c.service)!;
      expect(c.name).toBe(before.name);
      expect(c.ports).toEqual(before.ports);
      expect(c.restart).toBe("on-failure");
    }
    for (const s of ["redis", "postgres"]) expect(of(halted, s)).toEqual(of(live, s));
  });

  it("trades nothing", () => {
    expect(halted.containers.filter((c) => tradesForReal(c.env)).map((c) => c.name)).toEqual([]);
    expect(of(halted, "execution").env.MOCK_TRADING).toBe("true");
  });
});

describe("optional secrets", () => {
  const none = plan({}, new Set());

  it("leaves unset settings' files out instead of uploading empty ones", () => {
    expect(of(none, "execution").secrets).toEqual(["redis_password", "postgres_password"]);
    expect(of(none, "reports").secrets).toEqual(["postgres_password_dsn", "postgres_password"]);
    expect(of(none, "alertmanager").secrets).toEqual([]);
  });

  it("makes the services that want them say so", () => {
    expect(of(none, "reports").command?.[0]).toContain("cdb_reports: /run/secrets/smtp_user is not configured (cdb:smtpUser), running without it");
    expect(of(none, "alertmanager").command).toEqual([alertmanagerNoMailScript()]);
    expect(of(plan(), "alertmanager").command).toEqual([alertmanagerScript()]);
    expect(of(none, "grafana").env.GF_SMTP_ENABLED).toBe("false");
    expect(Object.keys(of(none, "grafana").env).filter((k) => k.includes("__FILE"))).toEqual(["GF_SECURITY_ADMIN_PASSWORD__FILE"]);
    expect(of(plan(), "grafana").env).toMatchObject({ GF_SMTP_ENABLED: "true", GF_SMTP_HOST: "smtp.gmail.com:587", GF_SMTP_USER__FILE: "/run/secrets/smtp_user" });
  });
});

describe("infrastructure wiring", () => {
  const p = plan();

  it("redis never evicts the kill-switch stream", () => {
    expect(REDIS_MAXMEMORY_POLICY).toBe("volatile-lru");
    expect(of(p, "redis").command?.[2]).toContain("--maxmemory 256mb --maxmemory-policy volatile-lru");
    expect(of(p, "redis").command?.[2]).not.toContain("allkeys");
  });

  it("exporters get credentials in the form they read", () => {
    expect(of(p, "postgres_exporter").env).toEqual({
      DATA_SOURCE_URI: "cdb_postgres:5432/claire_de_binare?sslmode=disable",
      DATA_SOURCE_USER: "claire_user",
      DATA_SOURCE_PASS_FILE: "/run/secrets/postgres_password",
    });
    expect(of(p, "redis_exporter").env).toEqual({ REDIS_ADDR: "redis://cdb_redis:6379", REDIS_PASSWORD_FILE: "/run/secrets/redis_exporter_passwords" });
  });

  it("app services get writable /tmp and /app/logs under a read-only root", () => {
    for (const c of p.containers.filter((x) => x.hardening?.readOnlyRoot && isAppService(x.service))) {
      expect(Object.keys(c.tmpfs ?? {}), c.service).toEqual(["/tmp", "/app/logs"]);
      // The images' user (uid 1000) must own it: the tmpfs otherwise takes the image directory's root-owned 755.
      expect(c.tmpfs?.["/app/logs"], c.service).toMatch(/,uid=1000,gid=1000$/);
    }
    expect(of(p, "paper_runner").hardening?.readOnlyRoot).toBe(true);
    expect(of(plan({ hardening: false }), "paper_runner").tmpfs).toBeUndefined();
  });

  it("health checks: PostgreSQL over TCP, db_writer by process, reports by pgrep, risk and execution over HTTP", () => {
    // A socket check passes while the init scripts still run on a socket-only server.
    expect(of(p, "postgres").health?.test).toEqual(["CMD-SHELL", 'pg_isready -h 127.0.0.1 -U "$POSTGRES_USER" -d "$POSTGRES_DB"']);
    expect(of(p, "db_writer").health?.test).toEqual(["CMD-SHELL", "kill -0 1"]);
    expect(of(p, "reports").health?.test).toEqual(["CMD-SHELL", "pgrep -f daily_orders_summary.py"]);
    expect(of(p, "risk").health?.test.join(" ")).toContain("http://localhost:8002/health");
    expect(of(p, "execution").health?.test.join(" ")).toContain("http://localhost:8003/health");
  });

  it("monitoring provisioning passes the gate's own checks", () => {
    const filesOf = (service: string) => new Map(of(p, service).files.map((f) => [f.path, f.content]));
    expect(checkDashboards(filesOf("grafana"))).toEqual([]);
    expect(checkAlertRules(filesOf("prometheus"))).toEqual([]);
  });
});

describe("PostgreSQL", () => {
  it("gets the vendored schema and migration in both stacks", () => {
    const files = postgresInitFiles();
    expect(files.map((f) => f.path)).toEqual(["/docker-entrypoint-initdb.d/01-schema.sql", "/docker-entrypoint-initdb.d/02-migration-002.sql"]);
    expect(of(plan(), "postgres").files).toEqual(files);
  });

  it("refuses a vendored file whose sha256 is not the reviewed one", () => {
    const dir = mkdtempSync(path.join(tmpdir(), "cdb-vendor-"));
    const vendor = path.join(__dirname, "..", "vendor", "claire-de-binare");
    for (const rel of ["infrastructure/database/schema.sql", "infrastructure/database/migrations/002_orders_price_nullable.sql"]) {
      const target = path.join(dir, rel);
      execFileSync("mkdir", ["-p", path.dirname(target)]);
      writeFileSync(target, readFileSync(path.join(vendor, rel), "utf8") + (rel.endsWith("schema.sql") ? "\n-- edited" : ""));
    }
    expect(() => postgresInitFiles(dir)).toThrow(/schema\.sql has sha256 [0-9a-f]{64}, expected 38d59b23/);
  });

  it("is declared with the same inputs whatever else the settings say (no replacement)", () => {
    const inputs = (settings: Settings, configured: ReadonlySet<SecretSetting> = ALL_SECRETS) =>
      containerInputs(of(plan(settings, configured), "postgres"), { image: "postgres:15-alpine", network: "n", secret: (n) => n, waitForHealthy: true });
    const baseline = inputs({});
    for (const change of [
      { risk: { maxPositionPct: 0.05 } },
      { signal: { thresholdPct: 0.01 } },
      { logLevel: "DEBUG" },
      { regime: { confirmationBars: 4 } },
      { smtpHost: "mail.example.org:25" },
      { resources: { execution: { cpus: 1, memoryMb: 256 } } },
    ]) {
      expect(inputs(change), JSON.stringify(change)).toEqual(baseline);
    }
    expect(inputs({}, new Set())).toEqual(baseline);
  });
});

describe("the witness (config/witness.ts): this project's own service in every stack", () => {
  const liveOf = () =>
    planStackWithMonitoring("live", loadConfig("live", rawSettings(liveSettings(), LIVE_SECRETS)).config, new Set(["mexcApiKey", "mexcApiSecret"]));
  const rehearsalKey = "rehearsal-key-witness";
  const rehearsalOf = () => {
    const l = loadConfig(
      "rehearsal",
      rawSettings(
        { mode: "rehearsal", sourceDir: SOURCE, mexcKeyFingerprint: keyFingerprint(rehearsalKey), rehearsalKeyFingerprint: keyFingerprint(rehearsalKey), images: { exchange_simulator: "registry.example/sim:1" } },
        { mexcApiKey: rehearsalKey, mexcApiSecret: "rehearsal-secret-witness" },
      ),
      rehearsalKey,
    );
    return planStackWithMonitoring(l.stack, l.config, l.secretsSet);
  };

  it("paper: cdbpaper_witness, built from this repository (not cdb:sourceDir), its key volume, the Docker socket read-only, Redis's password as a file", () => {
    const w = of(plan(), "witness");
    expect(w).toMatchObject({ name: "cdbpaper_witness", alias: "cdb_witness", secrets: ["redis_password"], ports: [] });
    expect(w.image).toEqual({ kind: "build", context: ".", dockerfile: "witness/Dockerfile", from: "project" });
    expect(w.volumes).toContainEqual({ volumeName: "cdbpaper_witness_data", path: WITNESS_HOME });
    expect(w.volumes).toContainEqual({ hostPath: "/var/run/docker.sock", path: "/var/run/docker.sock", readOnly: true });
    expect(w.env).toEqual({ CDB_STACK: "paper", CDB_CONTAINER_PREFIX: "cdbpaper_", REDIS_HOST: "cdb_redis", REDIS_PORT: "6379" });
    expect([...(w.entrypoint ?? []), ...(w.command ?? [])]).toEqual(witnessArgv("serve"));
    expect(w.dependsOn).toEqual([{ service: "redis", until: "healthy" }]);
    expect(w.health?.test).toEqual(["CMD-SHELL", `test -s ${WITNESS_PUBLIC_KEY_FILE}`]);
    // Only the witness mounts its key's volume.
    expect(plan().containers.filter((c) => c.volumes.some((v) => v.volumeName === "cdbpaper_witness_data")).map((c) => c.service)).toEqual(["witness"]);
  });

  it("is hardened whatever cdb:hardening says, writing only its volume (secrets through a carrier, /tmp in memory)", () => {
    for (const p of [plan(), plan({ hardening: false })]) {
      const w = of(p, "witness");
      expect(w.hardening).toEqual({ readOnlyRoot: true, dropAllCapabilities: true, noNewPrivileges: true });
      expect(w.secretsCarrier).toBe("cdbpaper_witness_secrets");
      expect(w.volumes).toContainEqual({ volumeName: "cdbpaper_witness_secrets", path: "/run/secrets", readOnly: true });
      expect(Object.keys(w.tmpfs ?? {})).toEqual(["/tmp"]);
      const inputs = containerInputs(w, { image: "i", network: "n", secret: (n) => n, waitForHealthy: false });
      expect(inputs).toMatchObject({ readOnly: true, capabilities: { drops: ["ALL"] }, securityOpts: ["no-new-privileges:true"] });
    }
    // Off for the others: the switch still works.
    expect(of(plan({ hardening: false }), "paper_runner").hardening).toBeUndefined();
  });

  it("never gets a host port, even when every other service is published", () => {
    const published = plan({ hostPorts: { redis: 16379, grafana: 13000 } });
    expect(of(published, "witness").ports).toEqual([]);
    expect(() => load({ hostPorts: { witness: 18080 } })).toThrow(/hostPorts\.witness.*stack's network only/);
  });

  it("cdb:images.witness overrides the build (tests use a local image)", () => {
    expect(of(plan({ images: { witness: "cdb-witness:test" } }), "witness").image).toEqual({ kind: "ref", ref: "cdb-witness:test" });
  });

  it("live: cdb_witness, a pinned image and a live restart policy; an unpinned or missing witness image is refused", () => {
    const w = of(liveOf(), "witness");
    expect(w).toMatchObject({ name: "cdb_witness", restart: "on-failure", env: { CDB_STACK: "live", CDB_CONTAINER_PREFIX: "cdb_" } });
    expect(w.image).toEqual({ kind: "ref", ref: liveImages().witness });
    const images = liveImages();
    const refused = (witness: string | undefined) => {
      const { witness: _w, ...rest } = images;
      try {
        loadConfig("live", rawSettings({ ...liveSettings(), images: witness === undefined ? rest : { ...rest, witness } }, LIVE_SECRETS));
        return [];
      } catch (e) {
        return (e as { problems: string[] }).problems.filter((x) => x.includes("images.witness"));
      }
    };
    expect(refused("registry.example/cdb/witness:1.0")).toHaveLength(1);
    expect(refused(undefined)).toHaveLength(1);
  });

  it("rehearsal: on the stack's internal network with the others, trading nothing", () => {
    const p = rehearsalOf();
    const w = of(p, "witness");
    expect(p.networkInternal).toBe(true);
    expect(w).toMatchObject({ name: "cdbrehearsal_witness", ports: [], env: { CDB_STACK: "rehearsal", CDB_CONTAINER_PREFIX: "cdbrehearsal_" } });
    expect(tradesForReal(w.env)).toBe(false);
    expect(w.extraAliases).toBeUndefined();
    expect(rehearsalPlanProblems(p)).toEqual([]);
  });
});

describe("inputs in the provider's read-back form", () => {
  it("whole CPU counts carry a decimal point; fractions stay as they are", () => {
    expect([1, 2, 0.5, 0.25].map(providerCpus)).toEqual(["1.0", "2.0", "0.5", "0.25"]);
  });

  it("memory swap is twice the memory limit, 0 without one", () => {
    expect(providerMemorySwap(512)).toBe(1024);
    expect(providerMemorySwap(0)).toBe(0);
    const c = containerInputs(of(plan(), "postgres"), { image: "i", network: "n", secret: (n) => n, waitForHealthy: false });
    expect(c).toMatchObject({ cpus: "1.0", memory: 1024, memorySwap: 2048 });
  });
});

describe("layering: every import points down", () => {
  const root = path.join(__dirname, "..");
  const imports = (dir: string) =>
    readdirSync(path.join(root, dir))
      .filter((f) => f.endsWith(".ts") && !f.endsWith(".test.ts"))
      .flatMap((f) => [...readFileSync(path.join(root, dir, f), "utf8").matchAll(/from "\.\.\/([a-z]+)\//g)].map((m) => `${dir}/${f} -> ${m[1]}`));

  it.each([
    ["config", ["components", "readiness", "stacks", "policies", "scripts", "model", "monitoring"]],
    ["monitoring", ["components", "readiness", "stacks", "policies", "scripts", "model"]],
    ["model", ["components", "readiness", "stacks", "policies", "scripts"]],
  ])("%s imports nothing from above it", (dir, above) => {
    expect(imports(dir).filter((i) => above.some((a) => i.endsWith(`-> ${a}`)))).toEqual([]);
  });
});
