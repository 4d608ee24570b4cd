import { describe, expect, it } from "vitest";
import { loadConfig } from "../../config/load";
import { ALL_SERVICE_NAMES, type ServiceName } from "../../config/services";
import { containerInputs } from "../containerArgs";
import { planStack, stackServices } from "../plan";
import { rawSettings } from "../../test/settings";
import { SERVICE_MODULES, type ServiceModule } from ".";

// One module per service: the plan takes everything about a service from its
// module and switches on no name, so a new service is its module plus a line
// in the list.

const paper = loadConfig("paper", rawSettings({ sourceDir: "../claire-de-binare" })).config;

/** A service nobody runs: everything about it is in this one object, as in a module file of its own. */
const fictitious: ServiceModule = {
  name: "fictitious" as ServiceName,
  spec: {
    port: 8099,
    image: "registry.example/fictitious:1.0",
    secrets: ["redis_password"],
    health: { kind: "http", path: "/ready" },
    dependsOn: [{ service: "redis", until: "healthy" }],
    volumes: [],
    metricsPort: 8099,
    limits: { cpus: 0.25, memoryMb: 64 },
  },
  component: "cdb:infra:Fictitious",
  env: ({ stack, cfg }) => ({ FICTITIOUS_STACK: stack, FICTITIOUS_SYMBOL: cfg.symbol }),
  start: () => ({ command: ["fictitious", "--serve"] }),
  files: ({ mode }) => [{ path: "/etc/fictitious.conf", content: `mode=${mode}\n` }],
};

describe("service modules", () => {
  it("the list holds one module for every service, under its own name", () => {
    expect(Object.keys(SERVICE_MODULES).sort()).toEqual([...ALL_SERVICE_NAMES].sort());
    for (const [name, m] of Object.entries(SERVICE_MODULES)) expect(m.name, name).toBe(name);
  });

  it("every stack declares the witness, this project's own service, whatever its mode", () => {
    for (const mode of ["paper", "live", "rehearsal"] as const) expect(stackServices(mode).map((m) => m.name), mode).toContain("witness");
    expect(SERVICE_MODULES.witness.component).toBe("cdb:witness:Witness");
  });

  it("a fictitious service added to the list is planned from its module alone", () => {
    const plan = planStack("paper", paper, undefined, undefined, [...stackServices("paper"), fictitious]);
    const c = plan.containers.find((x) => x.service === ("fictitious" as ServiceName))!;
    expect(c).toMatchObject({
      name: "cdbpaper_fictitious",
      alias: "cdb_fictitious",
      image: { kind: "ref", ref: "registry.example/fictitious:1.0" },
      env: { FICTITIOUS_STACK: "paper", FICTITIOUS_SYMBOL: paper.symbol },
      command: ["fictitious", "--serve"],
      secrets: ["redis_password"],
      files: [{ path: "/etc/fictitious.conf", content: "mode=paper\n" }],
      ports: [{ internal: 8099, external: 8099 }],
      health: { test: ["CMD-SHELL", "wget -q -O /dev/null http://localhost:8099/ready || exit 1"] },
      dependsOn: [{ service: "redis", until: "healthy" }],
      limits: { cpus: 0.25, memoryMb: 64 },
    });
    // The docker inputs follow from the plan as for every other service.
    expect(containerInputs(c, { image: "img", network: "net", secret: () => "s", waitForHealthy: false }).envs).toEqual(["FICTITIOUS_STACK=paper", `FICTITIOUS_SYMBOL=${paper.symbol}`]);
    // The services already planned are unchanged by the new one.
    expect(plan.containers.filter((x) => x !== c)).toEqual(planStack("paper", paper).containers);
  });
});
