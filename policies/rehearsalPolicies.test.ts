import { describe, expect, it } from "vitest";
import { keyFingerprint } from "../config/schema";
import type { ResourceRecord } from "../readiness/facts";
import { declared, named, resourceViolations, stackViolations, useStack } from "../test/policyHarness";
import { liveTradingGate } from "./liveTradingGate";
import { liveReadiness } from "./liveReadiness";
import { paperStaysPaper } from "./paperStaysPaper";
import { rehearsalNetworkInternal } from "./rehearsalNetworkInternal";
import { rehearsalStack } from "./rehearsalStack";

// A rehearsal stack runs live flags by design: the gate does not apply, the
// rehearsal policies do. Each test below tries one way to get live flags out
// of an internal network, or a real key into it.

const KEY = "rehearsal-key-unit";
const SECRETS = { mexcApiKey: KEY, mexcApiSecret: "rehearsal-secret-unit" };
const settings = (over: Record<string, unknown> = {}) => ({
  mode: "rehearsal",
  sourceDir: "../src",
  mexcKeyFingerprint: keyFingerprint(KEY),
  rehearsalKeyFingerprint: keyFingerprint(KEY),
  images: { exchange_simulator: "registry.example/sim:1" },
  ...over,
});
const network = (internal: unknown): ResourceRecord => ({ type: "docker:index/network:Network", props: { name: "cdbrehearsal_network", driver: "bridge", ...(internal === undefined ? {} : { internal }) } });
const stack = (s = settings(), net: ResourceRecord = network(true)) => [net, ...declared("rehearsal", s, SECRETS)];

describe("a valid rehearsal stack", () => {
  it("passes every policy, without evidence: its traders trade against the simulator only", async () => {
    await useStack("rehearsal", settings(), SECRETS);
    const resources = stack();
    expect(await stackViolations(rehearsalStack, resources)).toEqual([]);
    expect(await stackViolations(liveReadiness, resources)).toEqual([]);
    for (const r of resources) {
      expect(await resourceViolations(rehearsalNetworkInternal, r)).toEqual([]);
      expect(await resourceViolations(liveTradingGate, r)).toEqual([]);
      expect(await resourceViolations(paperStaysPaper, r)).toEqual([]);
    }
    const exec = named(resources, "cdbrehearsal_execution").props;
    expect(exec.envs).toEqual(expect.arrayContaining(["MOCK_TRADING=false", "CONFIRM_LIVE_TRADING=true", "REQUESTS_CA_BUNDLE=/run/rehearsal-ca/ca.pem"]));
    // The witness is on the same internal network (it must reach Redis), answers as nothing but cdb_witness, and publishes nothing.
    const witness = named(resources, "cdbrehearsal_witness").props;
    expect(witness.networksAdvanced).toEqual([{ name: "cdbrehearsal_network", aliases: ["cdb_witness"] }]);
    expect(witness.ports).toEqual([]);
  });
});

describe("a rehearsal stack that is not isolated is refused", () => {
  it.each([[false], [undefined], ["true"]])("network internal: %j (before it is created, and in the stack)", async (internal) => {
    await useStack("rehearsal", settings(), SECRETS);
    expect(await resourceViolations(rehearsalNetworkInternal, network(internal))).toEqual([expect.stringMatching(/^network cdbrehearsal_network is not internal/)]);
    expect(await stackViolations(rehearsalStack, stack(settings(), network(internal)))).toContainEqual(expect.stringMatching(/^network cdbrehearsal_network is not internal/));
  });

  it("no network at all (the default bridge has a route out)", async () => {
    await useStack("rehearsal", settings(), SECRETS);
    const v = await stackViolations(rehearsalStack, declared("rehearsal", settings(), SECRETS));
    expect(v).toContainEqual(expect.stringMatching(/declares no network/));
    expect(v).toContainEqual(expect.stringMatching(/cdbrehearsal_execution may trade and is on network cdbrehearsal_network, which is not a declared internal network/));
  });

  it("a trader moved to another network (resource policy, before it is created)", async () => {
    await useStack("rehearsal", settings(), SECRETS);
    const exec = structuredClone(named(stack(), "cdbrehearsal_execution"));
    exec.props.networksAdvanced = [{ name: "bridge", aliases: ["cdb_execution"] }];
    expect(await resourceViolations(liveTradingGate, exec)).toContainEqual(expect.stringMatching(/it is on network bridge, not the stack's internal network cdbrehearsal_network/));
    const resources = [...stack().filter((r) => r.props.name !== "cdbrehearsal_execution"), exec];
    expect(await stackViolations(rehearsalStack, resources)).toContainEqual(expect.stringMatching(/cdbrehearsal_execution may trade and is on network bridge/));
  });

  it("without the simulator, or with it not answering as MEXC's hosts, or without its keys file", async () => {
    await useStack("rehearsal", settings(), SECRETS);
    expect(await stackViolations(rehearsalStack, stack().filter((r) => r.props.name !== "cdbrehearsal_exchange_simulator"))).toContain("the stack has no exchange_simulator: nothing answers as MEXC");
    const sim = structuredClone(named(stack(), "cdbrehearsal_exchange_simulator"));
    sim.props.networksAdvanced = [{ name: "cdbrehearsal_network", aliases: ["cdb_exchange_simulator", "api.mexc.com"] }];
    sim.props.uploads = [];
    const v = await stackViolations(rehearsalStack, [...stack().filter((r) => r.props.name !== "cdbrehearsal_exchange_simulator"), sim]);
    expect(v).toContain("cdbrehearsal_exchange_simulator does not answer as contract.mexc.com");
    expect(v).toContainEqual(expect.stringMatching(/gets no keys file/));
  });

  it("another container answering as api.mexc.com", async () => {
    await useStack("rehearsal", settings(), SECRETS);
    const resources = stack();
    const ws = named(resources, "cdbrehearsal_ws");
    ws.props.networksAdvanced = [{ name: "cdbrehearsal_network", aliases: ["cdb_ws", "api.mexc.com"] }];
    expect(await stackViolations(rehearsalStack, resources)).toContain("cdbrehearsal_ws answers as MEXC (api.mexc.com) but is not the simulator");
  });

  it("a key that is not the declared rehearsal key: the program's loader refuses it, and the policies too", async () => {
    await useStack("rehearsal", settings({ rehearsalKeyFingerprint: "0123456789abcdef" }), SECRETS);
    // The loader fails, so every policy that needs the config reports that it could not be evaluated.
    const v = await stackViolations(rehearsalStack, stack());
    expect(v).toEqual([expect.stringMatching(/rehearsal-stack could not be evaluated, so it refuses: .*cdb:mexcKeyFingerprint must equal cdb:rehearsalKeyFingerprint/)]);
    const exec = named(stack(), "cdbrehearsal_execution");
    expect(await resourceViolations(liveTradingGate, exec)).toEqual([expect.stringMatching(/could not be evaluated, so it refuses/)]);
  });

  it("a rehearsal stack with a live container that escaped the plan (a trader not declared by it) is still checked by its flags", async () => {
    await useStack("rehearsal", settings(), SECRETS);
    const rogue: ResourceRecord = { type: "docker:index/container:Container", props: { name: "rogue", image: "x", envs: ["MOCK_TRADING=false"], networksAdvanced: [] } };
    expect(await resourceViolations(liveTradingGate, rogue)).toContainEqual(expect.stringMatching(/on no declared network/));
    expect(await stackViolations(rehearsalStack, [...stack(), rogue])).toContainEqual(expect.stringMatching(/rogue may trade and is on no declared network/));
  });
});

describe("the rehearsal mode is no way around the gate", () => {
  it("the stack named live cannot be a rehearsal stack", async () => {
    await useStack("live", settings(), SECRETS);
    const exec = named(declared("rehearsal", settings(), SECRETS), "cdbrehearsal_execution");
    expect(await resourceViolations(liveTradingGate, exec)).toEqual([expect.stringMatching(/could not be evaluated, so it refuses: .*must not be "rehearsal" in the live stack/)]);
  });

  it("paper-stays-paper still judges a paper stack carrying live flags", async () => {
    await useStack("paper", { sourceDir: "../src" }, {});
    const exec = structuredClone(named(declared("rehearsal", settings(), SECRETS), "cdbrehearsal_execution"));
    expect(await resourceViolations(paperStaysPaper, exec)).toContainEqual(expect.stringMatching(/MOCK_TRADING="false" in a paper stack/));
    // And rehearsal policies do nothing outside rehearsal stacks (the gate does: live-trading-gate).
    expect(await resourceViolations(rehearsalNetworkInternal, network(false))).toEqual([]);
  });
});
