import * as proxyModule from "@pulumi/policy/proxy";
import { describe, expect, it } from "vitest";
import { knownProps } from "./knownProps";

// The SDK's own proxy, as a stack policy receives a preview's outputs.
const sdk = proxyModule as unknown as { unknownCheckingProxy: (o: object) => Record<string, unknown>; unknownArrayValue: string; unknownStringValue: string };

describe("knownProps", () => {
  const props = sdk.unknownCheckingProxy({
    name: "cdb_execution_secrets",
    envs: sdk.unknownArrayValue,
    uploads: [{ file: "/run/secrets/a", content: sdk.unknownStringValue }],
    networksAdvanced: [{ aliases: ["cdb_execution"] }],
  });

  it("the SDK throws on an unknown value (what refused every fresh live preview)", () => {
    expect(() => props.envs).toThrow(/can't be known during preview/);
  });

  it("reads unknown values as absent and lists their paths", () => {
    const k = knownProps(props);
    expect(k.props).toEqual({ name: "cdb_execution_secrets", uploads: [{ file: "/run/secrets/a" }], networksAdvanced: [{ aliases: ["cdb_execution"] }] });
    expect(k.unknown).toEqual(["envs", "uploads.0.content"]);
  });

  it("passes plain objects through", () => {
    expect(knownProps({ envs: ["A=1"] })).toEqual({ props: { envs: ["A=1"] }, unknown: [] });
  });
});
