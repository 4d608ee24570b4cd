import { chmodSync, existsSync, mkdirSync, readFileSync, symlinkSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { alertmanagerTemplate, DEFAULT_SMTP_SMARTHOST } from "./alertmanager";
import { alertmanagerNoMailScript, alertmanagerScript, DEFAULT_SCRIPT_PATHS } from "./alertmanagerCommand";
import { SMTP_PLACEHOLDERS } from "./alertmanagerPlaceholders";
import { run, tempRoot, writeUnder } from "./testSupport";

const substitute = (template: string, values: Record<string, string>): string =>
  SMTP_PLACEHOLDERS.reduce((t, { placeholder, secret }) => t.split(placeholder).join(values[secret] ?? ""), template);

const DUMMY = { smtp_user: "alerts", smtp_from: "cdb@example.org", alert_email_to: "ops@example.org" };

type Shell = "sh" | "busybox";

/**
 * The image is busybox-based: besides the host's sh, run the script under
 * busybox sh with busybox's own sed and tr first on PATH.
 */
function shellRun(shell: Shell, root: string, script: string) {
  if (shell === "sh") return run("sh", ["-c", script]);
  const bin = join(root, "busybox-bin");
  mkdirSync(bin);
  for (const applet of ["sed", "tr", "cat"]) symlinkSync("/usr/bin/busybox", join(bin, applet));
  return run("busybox", ["sh", "-c", script], { env: { ...process.env, PATH: `${bin}:${process.env.PATH ?? ""}` } });
}

/** Runs the real start script against a temp layout; the "alertmanager" binary is a stub that echoes its args. */
function runStartScript(secrets: Record<string, string>, shell: Shell = "sh") {
  const root = tempRoot();
  for (const [name, value] of Object.entries(secrets)) writeUnder(root, `/secrets/${name}`, value);
  const template = writeUnder(root, "/etc/alertmanager.tmpl.yml", alertmanagerTemplate());
  const binary = writeUnder(root, "/bin/alertmanager", '#!/bin/sh\necho "started $*"\n');
  chmodSync(binary, 0o755);
  const rendered = join(root, "alertmanager.yml");
  const paths = { secretsDir: join(root, "secrets"), template, rendered, storage: join(root, "data"), binary };
  return { r: shellRun(shell, root, alertmanagerScript(paths)), rendered };
}

describe("alertmanager.yml template", () => {
  it("keeps secrets out: placeholders for user/from/to, a file for the password", () => {
    const t = alertmanagerTemplate();
    for (const { placeholder } of SMTP_PLACEHOLDERS) expect(t).toContain(`"${placeholder}"`);
    expect(parse(t)).toMatchObject({
      global: { smtp_auth_password_file: "/run/secrets/smtp_password", smtp_smarthost: DEFAULT_SMTP_SMARTHOST },
      route: { receiver: "email" },
      receivers: [{ name: "email", email_configs: [{ to: "__ALERT_EMAIL_TO__" }] }],
    });
  });

  it("takes the smarthost as a parameter", () => {
    expect(parse(alertmanagerTemplate({ smtpSmarthost: "mail.internal:2525" }))).toMatchObject({
      global: { smtp_smarthost: "mail.internal:2525" },
    });
  });

  it("passes `amtool check-config` once the placeholders are filled", () => {
    const file = writeUnder(tempRoot(), "/alertmanager.yml", substitute(alertmanagerTemplate(), DUMMY));
    const r = run("amtool", ["check-config", file]);
    expect(r.output).toContain("SUCCESS");
    expect(r.output).toContain("1 receivers");
    expect(r.status).toBe(0);
  });

  it("amtool rejects an unknown key (the tool really checks)", () => {
    const broken = substitute(alertmanagerTemplate(), DUMMY).replace("smtp_require_tls: true", "smtp_require_tls: true\n  smtp_pasword: x");
    const r = run("amtool", ["check-config", writeUnder(tempRoot(), "/alertmanager.yml", broken)]);
    expect(r.status).not.toBe(0);
    expect(r.output).toContain("FAILED");
  });
});

describe("alertmanager container scripts", () => {
  it("start alertmanager with the rendered file from the image's template path", () => {
    expect(alertmanagerScript()).toContain(`exec /bin/alertmanager --config.file=/tmp/alertmanager.yml --storage.path=/alertmanager`);
    expect(DEFAULT_SCRIPT_PATHS.template).toBe("/etc/alertmanager/alertmanager.tmpl.yml");
  });

  it("without SMTP: says so, writes a config amtool accepts and starts alertmanager", () => {
    const root = tempRoot();
    const binary = writeUnder(root, "/bin/alertmanager", '#!/bin/sh\necho "started $*"\n');
    chmodSync(binary, 0o755);
    const rendered = join(root, "alertmanager.yml");
    const r = run("sh", ["-c", alertmanagerNoMailScript({ ...DEFAULT_SCRIPT_PATHS, rendered, binary, storage: join(root, "data") })]);
    expect(r.status).toBe(0);
    expect(r.stderr).toContain("SMTP is not configured (cdb:smtpUser");
    expect(r.stdout).toContain(`started --config.file=${rendered}`);
    const check = run("amtool", ["check-config", rendered]);
    expect(check.output).toContain("SUCCESS");
    expect(check.status).toBe(0);
  });
});

describe.each(["sh", "busybox"] as const)("alertmanager start script under %s", (shell) => {
  it("renders a file amtool accepts and starts alertmanager with it", () => {
    const { r, rendered } = runStartScript({ ...DUMMY, smtp_from: "cdb@example.org\r\n" }, shell);
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    expect(r.stdout).toContain(`started --config.file=${rendered} --storage.path=`);
    const text = readFileSync(rendered, "utf8");
    for (const { placeholder } of SMTP_PLACEHOLDERS) expect(text).not.toContain(placeholder);
    expect(parse(text)).toMatchObject({
      global: { smtp_auth_username: "alerts", smtp_from: "cdb@example.org" },
      receivers: [{ email_configs: [{ to: "ops@example.org" }] }],
    });
    const check = run("amtool", ["check-config", rendered]);
    expect(check.output).toContain("SUCCESS");
    expect(check.status).toBe(0);
  });

  it("keeps values with sed and YAML metacharacters intact", () => {
    const nasty = 'a&b|c\\d"e: #f/g';
    const { r, rendered } = runStartScript({ ...DUMMY, smtp_user: nasty }, shell);
    expect(r.status).toBe(0);
    expect(parse(readFileSync(rendered, "utf8"))).toMatchObject({ global: { smtp_auth_username: nasty } });
  });

  it("refuses to start when a secret is missing or empty", () => {
    const missing = runStartScript({ smtp_user: "alerts", smtp_from: "cdb@example.org" }, shell);
    expect(missing.r.status).not.toBe(0);
    expect(missing.r.stderr).toContain("alert_email_to is missing or empty");
    expect(missing.r.stdout).not.toContain("started");
    const empty = runStartScript({ ...DUMMY, smtp_user: "" }, shell);
    expect(empty.r.status).not.toBe(0);
    expect(empty.r.stdout).not.toContain("started");
    expect(existsSync(empty.rendered)).toBe(false);
  });

  it("refuses a multi-line secret instead of writing a broken config", () => {
    const { r } = runStartScript({ ...DUMMY, alert_email_to: "ops@example.org\nBcc: evil@example.org" }, shell);
    expect(r.status).not.toBe(0);
    expect(r.stdout).not.toContain("started");
  });
});
