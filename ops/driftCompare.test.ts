import type Docker from "dockerode";
import { describe, expect, it } from "vitest";
import type { ContainerPlan } from "../model/plan";
import { containerDrifts, driftLine, fingerprint, imageDefaults, imageDrift, undeclaredOnNetwork, type RunningContainer } from "./drift";
import { driftMetricsText } from "./driftMetrics";

// The pure comparison of ops/drift.ts: what the engine adds from the image is
// not drift, anything the stack could have declared differently is.

const NET = "cdbx_network";
const ID = `sha256:${"a".repeat(64)}`;
const OTHER = `sha256:${"b".repeat(64)}`;

const plan = (over: Partial<ContainerPlan> = {}): ContainerPlan => ({
  service: "signal",
  name: "cdbx_signal",
  alias: "cdb_signal",
  image: { kind: "ref", ref: "reg.example/signal:1" },
  env: { REDIS_HOST: "cdb_redis", LOG_LEVEL: "INFO" },
  entrypoint: ["/bin/sh", "-c"],
  command: ["exec python -m services.signal.service"],
  secrets: [],
  files: [],
  ports: [{ internal: 8005, external: 18005 }],
  dependsOn: [],
  volumes: [{ volumeName: "cdbx_signal_secrets", path: "/run/secrets", readOnly: true }],
  tmpfs: { "/tmp": "rw" },
  restart: "unless-stopped",
  limits: { cpus: 1, memoryMb: 256 },
  ...over,
});

const IMAGE = { Config: { Env: ["PATH=/usr/bin:/bin", "PYTHONUNBUFFERED=1"], Entrypoint: ["/entry.sh"], Cmd: ["serve"], Labels: { "org.opencontainers.image.source": "x" }, Volumes: { "/data": {} } } };

/** What `docker inspect` shows for a container created from `plan()` as the program declares it. */
function inspected(over: { env?: string[]; labels?: Record<string, string>; entrypoint?: string[]; cmd?: string[]; mounts?: unknown[]; ports?: Record<string, unknown>; state?: Partial<Docker.ContainerInspectInfo["State"]>; image?: string; networks?: string[] } = {}): Docker.ContainerInspectInfo {
  return {
    Image: over.image ?? ID,
    State: { Running: true, Restarting: false, Paused: false, Status: "running", ExitCode: 0, OOMKilled: false, ...over.state },
    Config: {
      Env: over.env ?? ["REDIS_HOST=cdb_redis", "LOG_LEVEL=INFO", "PATH=/usr/bin:/bin", "PYTHONUNBUFFERED=1"],
      Entrypoint: over.entrypoint ?? ["/bin/sh", "-c"],
      Cmd: over.cmd ?? ["exec python -m services.signal.service"],
      Labels: over.labels ?? { "org.opencontainers.image.source": "x" },
      Image: "reg.example/signal:1",
    },
    Mounts: over.mounts ?? [
      { Type: "volume", Name: "cdbx_signal_secrets", Source: "/var/lib/docker/volumes/cdbx_signal_secrets/_data", Destination: "/run/secrets", RW: false },
      // The image's VOLUME /data: an anonymous volume the engine made.
      { Type: "volume", Name: "c".repeat(64), Source: "/var/lib/docker/volumes/ccc/_data", Destination: "/data", RW: true },
    ],
    HostConfig: { Tmpfs: { "/tmp": "rw" }, PortBindings: over.ports ?? { "8005/tcp": [{ HostIp: "127.0.0.1", HostPort: "18005" }] } },
    NetworkSettings: { Networks: Object.fromEntries((over.networks ?? [NET]).map((n) => [n, {}])) },
  } as unknown as Docker.ContainerInspectInfo;
}

const running = (info: Docker.ContainerInspectInfo, o: Partial<RunningContainer> = {}): RunningContainer => ({ info, image: imageDefaults(IMAGE as never), imageRepoDigests: [], imageRepoTags: ["reg.example/signal:1"], resolved: { id: ID }, ...o });
const lines = (p: ContainerPlan, r: RunningContainer | undefined) => containerDrifts(p, NET, r).map((f) => driftLine({ container: p.name, tradingPath: true, ...f }));

describe("containerDrifts", () => {
  it("reports nothing for a container as declared, with the image's ENV, LABELs and VOLUMEs merged in by the engine", () => {
    expect(lines(plan(), running(inspected()))).toEqual([]);
  });

  it("takes the image's entrypoint and CMD where the stack declares none, and drops the image's CMD under a declared entrypoint", () => {
    const none = plan({ entrypoint: undefined, command: undefined });
    expect(lines(none, running(inspected({ entrypoint: ["/entry.sh"], cmd: ["serve"] })))).toEqual([]);
    expect(lines(none, running(inspected({ entrypoint: ["/entry.sh"], cmd: ["serve", "--debug"] })))).toEqual(['cdbx_signal: command: declared ["serve"] running ["serve","--debug"]']);
    const entryOnly = plan({ command: undefined });
    expect(lines(entryOnly, running(inspected({ cmd: [] })))).toEqual([]);
    expect(lines(entryOnly, running(inspected({ cmd: ["serve"] })))).toEqual(['cdbx_signal: command: declared [] running ["serve"]']);
  });

  it("names a changed, a missing and an added variable, and an image default overridden by hand", () => {
    const env = ["REDIS_HOST=elsewhere", "PATH=/usr/bin:/bin", "PYTHONUNBUFFERED=0", "EXTRA=1"];
    expect(lines(plan(), running(inspected({ env })))).toEqual([
      'cdbx_signal: environment EXTRA: declared unset running "1"',
      'cdbx_signal: environment LOG_LEVEL: declared "INFO" running unset',
      'cdbx_signal: environment PYTHONUNBUFFERED: declared "1" (image default) running "0"',
      'cdbx_signal: environment REDIS_HOST: declared "cdb_redis" running "elsewhere"',
    ]);
  });

  it("shows secret-like values (by name, or a URL with a password) only as fingerprints", () => {
    const p = plan({ env: { ...plan().env, API_TOKEN: "declared-token-value", DB: "postgres://u:declared-pw@h/db" } });
    const env = ["REDIS_HOST=cdb_redis", "LOG_LEVEL=INFO", "PATH=/usr/bin:/bin", "PYTHONUNBUFFERED=1", "API_TOKEN=running-token-value", "DB=postgres://u:running-pw@h/db"];
    const out = lines(p, running(inspected({ env })));
    expect(out).toEqual([
      `cdbx_signal: environment API_TOKEN: declared ${fingerprint("declared-token-value")} running ${fingerprint("running-token-value")}`,
      `cdbx_signal: environment DB: declared ${fingerprint("postgres://u:declared-pw@h/db")} running ${fingerprint("postgres://u:running-pw@h/db")}`,
    ]);
    for (const secret of ["token-value", "declared-pw", "running-pw"]) expect(out.join("\n")).not.toContain(secret);
  });

  it("shows an entrypoint or command that names a credential or holds a URL with a password by fingerprints only", () => {
    const p = plan({ command: ['REDIS_PASSWORD="$(cat /run/secrets/redis_password)" && export REDIS_PASSWORD && exec python -m services.signal.service'] });
    const hand = ["redis-server", "--requirepass", "x", "--password=hunter2-by-hand"];
    const out = lines(p, running(inspected({ cmd: hand })));
    expect(out).toEqual([`cdbx_signal: command: declared ${fingerprint(JSON.stringify(p.command))} running ${fingerprint(JSON.stringify(hand))}`]);
    expect(out.join("\n")).not.toContain("hunter2");
    const url = ["--redis", "redis://:pw-by-hand@cdb_redis:6379"];
    expect(lines(plan(), running(inspected({ entrypoint: url }))).join("\n")).not.toContain("pw-by-hand");
  });

  it("finds an added label and a changed image label, but not the image's own", () => {
    expect(lines(plan(), running(inspected({ labels: { "org.opencontainers.image.source": "y", by: "hand" } })))).toEqual([
      'cdbx_signal: labels by: declared unset running "hand"',
      'cdbx_signal: labels org.opencontainers.image.source: declared unset running "y"',
    ]);
  });

  it("compares mounts by target (source, read-only) and ports by container port", () => {
    const mounts = [{ Type: "volume", Name: "cdbx_signal_secrets", Destination: "/run/secrets", RW: true }, { Type: "bind", Source: "/home/x", Destination: "/x", RW: true }];
    expect(lines(plan(), running(inspected({ mounts, ports: { "8005/tcp": [{ HostIp: "0.0.0.0", HostPort: "18005" }], "9000/tcp": [{ HostIp: "127.0.0.1", HostPort: "9000" }] } })))).toEqual([
      "cdbx_signal: mounts /run/secrets: declared volume cdbx_signal_secrets ro running volume cdbx_signal_secrets rw",
      "cdbx_signal: mounts /x: declared none running bind /home/x rw",
      "cdbx_signal: ports 8005/tcp: declared 127.0.0.1:18005 running 0.0.0.0:18005",
      "cdbx_signal: ports 9000/tcp: declared none running 127.0.0.1:9000",
    ]);
  });

  it("reports a missing, a stopped and a restarting container, and one off the stack's network", () => {
    expect(lines(plan(), undefined)).toEqual(["cdbx_signal: state: declared running running missing"]);
    expect(lines(plan(), running(inspected({ state: { Running: false, Status: "exited", ExitCode: 137 } })))).toEqual(["cdbx_signal: state: declared running running exited (exit code 137)"]);
    expect(lines(plan(), running(inspected({ state: { Restarting: true, ExitCode: 1 } })))).toEqual(["cdbx_signal: state: declared running running restarting (last exit code 1)"]);
    expect(lines(plan(), running(inspected({ networks: ["bridge"] })))).toEqual([`cdbx_signal: network: declared ${NET} running bridge`]);
  });

  it("compares the image by id where the ref resolves, and says so where it does not", () => {
    expect(lines(plan(), running(inspected({ image: OTHER })))).toEqual([`cdbx_signal: image: declared reg.example/signal:1 (${ID.slice(0, 19)}) running ${OTHER.slice(0, 19)} (reg.example/signal:1)`]);
    expect(lines(plan(), running(inspected(), { resolved: { unresolved: "not on local engine" } }))).toEqual([`cdbx_signal: image: declared reg.example/signal:1 (not on local engine: cannot compare) running ${ID.slice(0, 19)} (reg.example/signal:1)`]);
  });

  it("compares a pinned digest with the running image's RepoDigests, and an image id with its id", () => {
    const digest = `sha256:${"d".repeat(64)}`;
    const ref = `reg.example/signal@${digest}`;
    const run = { id: ID, repoDigests: [`reg.example/signal@${digest}`], repoTags: [] };
    expect(imageDrift(ref, { unresolved: "x" }, run)).toBeUndefined();
    expect(imageDrift(ref, { unresolved: "x" }, { ...run, repoDigests: [`reg.example/signal@sha256:${"e".repeat(64)}`] })?.declared).toBe(ref);
    expect(imageDrift(ID, { id: ID }, run)).toBeUndefined();
    expect(imageDrift(OTHER, { id: OTHER }, run)).toEqual({ declared: OTHER, running: ID.slice(0, 19) });
  });

  it("expects the tag the program gives a built image", () => {
    const built = plan({ image: { kind: "build", context: ".", dockerfile: "Dockerfile", from: "sourceDir" } });
    expect(lines(built, running(inspected(), { resolved: { unresolved: "not on local engine" } }))[0]).toContain("declared cdbx_signal:local (not on local engine");
  });
});

describe("undeclaredOnNetwork", () => {
  it("names every attached container the stack does not declare, and none it does", () => {
    expect(undeclaredOnNetwork({ networkName: NET, containers: [plan()] }, [{ name: "cdbx_signal" }, { name: "intruder", image: "busybox" }])).toEqual([
      { name: "intruder", field: "container", declared: "none", running: `on ${NET} (image busybox)` },
    ]);
    expect(undeclaredOnNetwork({ networkName: NET, containers: [plan()] }, [{ name: "sleeper", image: "busybox", state: "exited" }])[0]?.running).toBe(`on ${NET} (image busybox, exited)`);
  });
});

describe("driftMetricsText", () => {
  it("writes one series per declared container (0 when clean) and one per undeclared container", () => {
    const text = driftMetricsText(
      {
        stack: "live",
        host: "h",
        network: NET,
        checked: 2,
        drifts: [
          { container: "cdb_execution", service: "execution", tradingPath: true, field: "state", declared: "running", running: "missing" },
          { container: 'odd"name', tradingPath: true, field: "container", declared: "none", running: "on net" },
        ],
      },
      { containers: [{ name: "cdb_execution", service: "execution" }, { name: "cdb_grafana", service: "grafana" }] },
      1_700_000_000_000,
    );
    expect(text).toContain('cdb_drift_fields{stack="live",container="cdb_execution",service="execution",trading_path="true"} 1\n');
    expect(text).toContain('cdb_drift_fields{stack="live",container="cdb_grafana",service="grafana",trading_path="false"} 0\n');
    expect(text).toContain('cdb_drift_fields{stack="live",container="odd\\"name",service="",trading_path="true"} 1\n');
    expect(text).toContain('cdb_drift_last_run_timestamp_seconds{stack="live"} 1700000000\n');
  });
});
