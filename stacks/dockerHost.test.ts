import { describe, expect, it } from "vitest";
import { mockRun, type RecordedResource } from "../test/mockRun";

// Issue 24 (two Docker hosts) at the program: the docker provider receives the
// stack's cdb:dockerHost, every docker resource is registered with that
// provider (none falls to the default provider, which reads docker:host or
// DOCKER_HOST), and a docker:host naming another engine stops the program
// before any resource is declared (issue 25 item 11).

const PAPER = { sourceDir: "../claire-de-binare" };
const HOST_B = "ssh://deploy@trading-b.example";
const dockerResources = (rs: RecordedResource[]) => rs.filter((r) => r.type.startsWith("docker:"));

describe("the program's docker provider (Pulumi mocks)", () => {
  it("with cdb:dockerHost: one provider with that host, and every docker resource registered with it", async () => {
    const run = await mockRun("paper", { ...PAPER, dockerHost: HOST_B });
    const providers = run.resources.filter((r) => r.type === "pulumi:providers:docker");
    expect(providers.map((p) => p.inputs.host)).toEqual([HOST_B]);
    const docker = dockerResources(run.resources);
    expect(docker.length).toBeGreaterThan(20);
    for (const r of docker) expect(r.provider, `${r.type} ${r.name}`).toMatch(/::pulumi:providers:docker::docker::/);
  });

  it("without cdb:dockerHost: no explicit provider (the default one: docker:host, else DOCKER_HOST, as cdb commands resolve it)", async () => {
    const run = await mockRun("paper", PAPER);
    expect(run.resources.filter((r) => r.type.startsWith("pulumi:providers:docker"))).toEqual([]);
    for (const r of dockerResources(run.resources)) expect(r.provider ?? "", r.name).not.toMatch(/::docker::[^:]*$/);
  });

  it("docker:host naming another engine than cdb:dockerHost stops the program before any resource", async () => {
    const registered: RecordedResource[] = [];
    const error = await mockRun("paper", { ...PAPER, dockerHost: HOST_B }, {}, registered, { config: { "docker:host": "unix:///var/run/docker.sock" } }).then(
      () => undefined,
      (e: Error) => e,
    );
    expect(error?.constructor.name).toBe("RunError");
    expect(error?.message).toBe(`invalid stack config:\ndocker:host names another engine than cdb:dockerHost (${HOST_B}): one stack, one engine; remove docker:host`);
    expect(registered).toEqual([]);
  });

  it("docker:host naming the same engine (another spelling: the default port) is accepted", async () => {
    const run = await mockRun("paper", { ...PAPER, dockerHost: HOST_B }, {}, [], { config: { "docker:host": "ssh://deploy@trading-b.example:22" } });
    expect(run.resources.filter((r) => r.type === "pulumi:providers:docker").map((p) => p.inputs.host)).toEqual([HOST_B]);
  });
});
