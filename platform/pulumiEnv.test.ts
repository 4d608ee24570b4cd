import { describe, expect, it } from "vitest";
import { pulumiDefaults } from "./pulumiEnv";
import { STATE_DIR } from "./paths";

describe("pulumiDefaults", () => {
  it("defaults to the repo's file backend, no update check, no plugin downloads", () => {
    const env = pulumiDefaults({});
    expect(env.PULUMI_BACKEND_URL).toBe(`file://${STATE_DIR}`);
    expect(env).toMatchObject({ PULUMI_SKIP_UPDATE_CHECK: "true", PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true" });
  });

  it("keeps what the caller set, and sets no passphrase (config/stackPassphrase.ts does, per stack)", () => {
    const env = pulumiDefaults({ PULUMI_BACKEND_URL: "s3://bucket", PULUMI_SKIP_UPDATE_CHECK: "false", PULUMI_CONFIG_PASSPHRASE: "correct horse" });
    expect(env).toEqual({ PULUMI_BACKEND_URL: "s3://bucket", PULUMI_SKIP_UPDATE_CHECK: "false", PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true" });
  });
});
