import { describe, expect, it } from "vitest";
import { PAPER_DEFAULT_PASSPHRASE, pulumiEnv } from "./pulumiEnv";
import { STATE_DIR } from "./paths";

describe("pulumiEnv", () => {
  it("defaults to the repo's file backend, no update check, no plugin downloads", () => {
    const env = pulumiEnv("paper", {});
    expect(env.PULUMI_BACKEND_URL).toBe(`file://${STATE_DIR}`);
    expect(env).toMatchObject({ PULUMI_SKIP_UPDATE_CHECK: "true", PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true" });
  });

  it("gives paper a default passphrase and refuses one for live", () => {
    expect(pulumiEnv("paper", {}).PULUMI_CONFIG_PASSPHRASE).toBe(PAPER_DEFAULT_PASSPHRASE);
    expect(() => pulumiEnv("live", {})).toThrow("stack live needs PULUMI_CONFIG_PASSPHRASE or PULUMI_CONFIG_PASSPHRASE_FILE");
    expect(() => pulumiEnv("live", { PULUMI_CONFIG_PASSPHRASE: "" })).toThrow(/needs PULUMI_CONFIG_PASSPHRASE/);
  });

  it("keeps what the caller set", () => {
    const env = pulumiEnv("live", { PULUMI_BACKEND_URL: "s3://bucket", PULUMI_CONFIG_PASSPHRASE: "correct horse" });
    expect(env).toMatchObject({ PULUMI_BACKEND_URL: "s3://bucket", PULUMI_CONFIG_PASSPHRASE: "correct horse" });
    expect(() => pulumiEnv("live", { PULUMI_CONFIG_PASSPHRASE_FILE: "/nonexistent/pass" })).toThrow("PULUMI_CONFIG_PASSPHRASE_FILE /nonexistent/pass: file not found");
  });
});
