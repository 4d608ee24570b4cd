import { UnknownValueError } from "@pulumi/policy";
import { beforeEach, describe, expect, it } from "vitest";
import { declared, named, resourceViolations, stackViolations, useStack } from "../test/policyHarness";
import { liveSettings, LIVE_SECRETS } from "../test/mockRun";
import { resourcePolicy } from "./guard";
import { liveHardening } from "./liveHardening";
import { IMAGE_TYPE, liveImagesPinned } from "./liveImagesPinned";
import { localhostPorts } from "./localhostPorts";
import { noSecretsInEnv } from "./noSecretsInEnv";
import { paperStaysPaper } from "./paperStaysPaper";
import { riskLimits } from "./riskLimits";
import { stackCoverage } from "./stackCoverage";
import type { ResourceRecord } from "../readiness/facts";

const PAPER = { sourceDir: "../claire-de-binare" };
const setEnv = (r: ResourceRecord, key: string, value: string | undefined) => {
  const envs = (r.props.envs as string[]).filter((e) => !e.startsWith(`${key}=`));
  r.props.envs = value === undefined ? envs : [...envs, `${key}=${value}`];
  return r;
};
const all = async (policy: Parameters<typeof resourceViolations>[0], rs: ResourceRecord[]) => (await Promise.all(rs.map((r) => resourceViolations(policy, r)))).flat();

describe("safety rules on a paper stack", () => {
  beforeEach(() => useStack("paper", PAPER));

  it("paper-stays-paper passes the declared paper stack and refuses live flags or missing ones", async () => {
    expect(await all(paperStaysPaper, declared("paper", PAPER))).toEqual([]);
    const exec = setEnv(named(declared("paper", PAPER), "cdbpaper_execution"), "MOCK_TRADING", "false");
    expect(await resourceViolations(paperStaysPaper, exec)).toEqual(['cdbpaper_execution: MOCK_TRADING="false" in a paper stack, must be "true"']);
    const risk = setEnv(named(declared("paper", PAPER), "cdbpaper_risk"), "USE_REAL_BALANCE", undefined);
    expect(await resourceViolations(paperStaysPaper, risk)).toEqual(['cdbpaper_risk: USE_REAL_BALANCE must be set explicitly to "false" in a paper stack']);
  });

  it("paper-stays-paper refuses CONFIRM_LIVE_TRADING on any paper container, whatever its value", async () => {
    for (const value of ["true", "false", ""]) {
      const exec = setEnv(named(declared("paper", PAPER), "cdbpaper_execution"), "CONFIRM_LIVE_TRADING", value);
      expect(await resourceViolations(paperStaysPaper, exec)).toEqual(["cdbpaper_execution: CONFIRM_LIVE_TRADING is set in a paper stack; only a live executor carries it"]);
    }
    const ws = setEnv(named(declared("paper", PAPER), "cdbpaper_ws"), "CONFIRM_LIVE_TRADING", "true");
    expect(await resourceViolations(paperStaysPaper, ws)).toHaveLength(1);
  });

  it("risk-limits passes the runbook's values and refuses values out of bounds or missing", async () => {
    expect(await all(riskLimits, declared("paper", PAPER))).toEqual([]);
    const risk = setEnv(named(declared("paper", PAPER), "cdbpaper_risk"), "MAX_TOTAL_EXPOSURE_PCT", "0.5");
    expect(await resourceViolations(riskLimits, risk)).toEqual(["cdbpaper_risk: MAX_TOTAL_EXPOSURE_PCT=0.5 is outside (0, 0.3]"]);
    setEnv(risk, "MAX_DAILY_DRAWDOWN_PCT", undefined);
    expect(await resourceViolations(riskLimits, risk)).toContain("cdbpaper_risk: MAX_DAILY_DRAWDOWN_PCT must be set (0 < value <= 0.05)");
  });

  it("no-secrets-in-env passes file references and refuses literal credentials", async () => {
    expect(await all(noSecretsInEnv, declared("paper", PAPER))).toEqual([]);
    const ws = setEnv(named(declared("paper", PAPER), "cdbpaper_ws"), "REDIS_PASSWORD", "hunter2hunter2");
    const v = await resourceViolations(noSecretsInEnv, ws);
    expect(v).toEqual(["cdbpaper_ws: environment variable REDIS_PASSWORD carries a literal value; deliver it as a file under /run/secrets"]);
    expect(v.join()).not.toContain("hunter2");
  });

  it("localhost-ports passes 127.0.0.1 and refuses any other or a missing address", async () => {
    expect(await all(localhostPorts, declared("paper", PAPER))).toEqual([]);
    const g = named(declared("paper", PAPER), "cdbpaper_grafana");
    g.props.ports = [{ internal: 3000, external: 3000, ip: "0.0.0.0" }, { internal: 3000, external: 3001 }];
    expect(await resourceViolations(localhostPorts, g)).toEqual([
      "cdbpaper_grafana: port 3000->3000 is bound to 0.0.0.0, must be 127.0.0.1",
      "cdbpaper_grafana: port 3001->3000 is bound to all addresses (0.0.0.0), must be 127.0.0.1",
    ]);
  });

  it("live-only rules do not apply to paper", async () => {
    expect(await all(liveImagesPinned, declared("paper", PAPER))).toEqual([]);
    expect(await all(liveHardening, declared("paper", { ...PAPER, hardening: false }))).toEqual([]);
  });

  it("cdb-coverage refuses a stack in which no cdb container is recognised", async () => {
    expect(await stackViolations(stackCoverage, declared("paper", PAPER))).toEqual([]);
    const renamed = declared("paper", PAPER).map((r) => ({ ...r, type: "docker:index/container:Containr" }));
    expect(await stackViolations(stackCoverage, renamed)).toEqual([`no cdb container recognised among ${renamed.length} resources: the policies checked nothing`]);
    // The witness and its carrier are among them: 20 services and 11 carriers.
    expect(renamed).toHaveLength(31);
  });
});

describe("safety rules on a live stack", () => {
  const live = () => declared("live", liveSettings(), LIVE_SECRETS);
  beforeEach(() => useStack("live", liveSettings(), LIVE_SECRETS));

  it("live-images-pinned passes digests and refuses tags, builds and unknown images", async () => {
    expect(await all(liveImagesPinned, live())).toEqual([]);
    const exec = named(live(), "cdb_execution");
    exec.props.image = "registry.example/cdb/execution:latest";
    expect(await resourceViolations(liveImagesPinned, exec)).toEqual([
      "cdb_execution: image registry.example/cdb/execution:latest is not pinned by digest (…@sha256:<64 hex>, or the image id sha256:<64 hex>)",
    ]);
    expect(await resourceViolations(liveImagesPinned, { type: IMAGE_TYPE, props: { name: "execution" } })).toEqual([
      "execution: a live stack must not build images; pin a registry image by digest instead",
    ]);
    const unknown = named(live(), "cdb_execution");
    Object.defineProperty(unknown.props, "image", {
      get: () => {
        throw new UnknownValueError("image", unknown.props);
      },
    });
    const v = await resourceViolations(liveImagesPinned, unknown);
    expect(v).toHaveLength(1);
    expect(v[0]).toMatch(/^live-images-pinned could not be evaluated, so it refuses: /);
  });

  it("live-hardening passes the hardened stack and names each missing measure", async () => {
    expect(await all(liveHardening, live())).toEqual([]);
    const exec = named(live(), "cdb_execution");
    Object.assign(exec.props, { readOnly: false, securityOpts: [], capabilities: undefined, memory: undefined, restart: "unless-stopped" });
    expect(await resourceViolations(liveHardening, exec)).toEqual([
      "cdb_execution: securityOpts lacks no-new-privileges:true",
      "cdb_execution: capabilities do not drop ALL",
      "cdb_execution: root filesystem is not read-only",
      "cdb_execution: no memory limit",
      "cdb_execution: restart is unless-stopped, must be on-failure",
    ]);
  });

  it("no-secrets-in-env passes the live stack: start wrappers export from files, exporters read files", async () => {
    const resources = live();
    expect((named(resources, "cdb_execution").props.command as string[])[0]).toContain("MEXC_API_KEY=");
    expect(await all(noSecretsInEnv, resources)).toEqual([]);
  });

  it("no-secrets-in-env refuses a configured secret's value under any name, in a URL, or in the command and labels", async () => {
    const exec = setEnv(named(live(), "cdb_execution"), "EXCHANGE_LABEL", `x-${LIVE_SECRETS.mexcApiKey}`);
    expect(await resourceViolations(noSecretsInEnv, exec)).toEqual(["cdb_execution: environment variable EXCHANGE_LABEL contains the value of a configured secret"]);
    const ws = setEnv(named(live(), "cdb_ws"), "REDIS_URL", "redis://:s3cretpw@cdb_redis:6379");
    setEnv(ws, "DATA_SOURCE_NAME", "host=cdb_postgres");
    expect(await resourceViolations(noSecretsInEnv, ws)).toEqual([
      "cdb_ws: environment variable REDIS_URL holds a URL with a password; deliver it as a file under /run/secrets",
      "cdb_ws: environment variable DATA_SOURCE_NAME carries a literal value; deliver it as a file under /run/secrets",
    ]);
    const cmd = named(live(), "cdb_signal");
    cmd.props.command = ["run", `--key=${LIVE_SECRETS.mexcApiSecret}`];
    cmd.props.labels = [{ label: "owner", value: "postgresql://u:pw@db/x" }];
    expect(await resourceViolations(noSecretsInEnv, cmd)).toEqual(["cdb_signal: its command contains a secret value", "cdb_signal: its label contains a secret value"]);
  });

  it("the witness: every rule passes a correct one; an unpinned, unhardened, published or secret-carrying witness is refused", async () => {
    const w = () => named(live(), "cdb_witness");
    for (const policy of [liveImagesPinned, liveHardening, noSecretsInEnv, localhostPorts]) expect(await resourceViolations(policy, w()), policy.name).toEqual([]);
    expect(await stackViolations(stackCoverage, live().filter((r) => r.props.name === "cdb_witness"))).toEqual([]);
    const unpinned = w();
    unpinned.props.image = "registry.example/cdb/witness:1.0";
    expect(await resourceViolations(liveImagesPinned, unpinned)).toEqual([
      "cdb_witness: image registry.example/cdb/witness:1.0 is not pinned by digest (…@sha256:<64 hex>, or the image id sha256:<64 hex>)",
    ]);
    expect(await resourceViolations(liveImagesPinned, { type: IMAGE_TYPE, props: { name: "witness" } })).toHaveLength(1);
    const soft = w();
    Object.assign(soft.props, { readOnly: false, capabilities: undefined });
    expect(await resourceViolations(liveHardening, soft)).toEqual(["cdb_witness: capabilities do not drop ALL", "cdb_witness: root filesystem is not read-only"]);
    const published = w();
    published.props.ports = [{ internal: 8080, external: 8080 }];
    expect(await resourceViolations(localhostPorts, published)).toHaveLength(1);
    const leaky = setEnv(w(), "REDIS_PASSWORD", "hunter2hunter2");
    expect(await resourceViolations(noSecretsInEnv, leaky)).toEqual(["cdb_witness: environment variable REDIS_PASSWORD carries a literal value; deliver it as a file under /run/secrets"]);
  });

  it("trading checks see every container by its flags, not by its alias", async () => {
    const exec = named(live(), "cdb_execution");
    exec.props.networksAdvanced = [{ name: "cdb_network", aliases: ["execution"] }];
    setEnv(exec, "MAX_POSITION_PCT", "0.9");
    expect(await resourceViolations(riskLimits, exec)).toEqual(["cdb_execution: MAX_POSITION_PCT=0.9 is outside (0, 0.1]"]);
  });
});

describe("guard", () => {
  it("turns an exception inside a policy into a violation, never a pass", async () => {
    const crashing = resourcePolicy({
      name: "crashing",
      description: "throws",
      validate: () => {
        throw new TypeError("cannot read properties of undefined");
      },
    });
    expect(await resourceViolations(crashing, { type: "x", props: { name: "r" } })).toEqual([
      "crashing could not be evaluated, so it refuses: TypeError: cannot read properties of undefined",
    ]);
  });

  it("turns a value unknown during preview into a violation, not the SDK's advisory", async () => {
    const reading = resourcePolicy({
      name: "reading",
      description: "reads an unknown",
      validate: (args) => {
        throw new UnknownValueError("result", args.props);
      },
    });
    const v = await resourceViolations(reading, { type: "x", props: { name: "r" } });
    expect(v).toHaveLength(1);
    expect(v[0]).toMatch(/^reading could not be evaluated, so it refuses: /);
  });
});
