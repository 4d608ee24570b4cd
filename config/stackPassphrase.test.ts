import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { UnusableInput } from "../platform/errors";
import { classify, EXIT } from "../platform/exitCodes";
import { incorrectPassphrase, PAPER_DEFAULT_PASSPHRASE, PassphraseMissing, passphraseSource, stackPassphraseVariable, stackPulumiEnv } from "./stackPassphrase";

// Which passphrase reaches Pulumi for which stack, and every way a passphrase
// setting could serve the wrong stack or hang a command.

const dir = mkdtempSync(path.join(os.tmpdir(), "cdb-passphrase-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const file = (name: string, text: string) => {
  const f = path.join(dir, name);
  writeFileSync(f, text, { mode: 0o600 });
  return f;
};
const LIVE_PASS = "live-only-0f9e8d";
const liveFile = file("live.passphrase", `${LIVE_PASS}\n`);

/** The error a call throws, for its type and its one line. */
const thrown = (f: () => unknown): Error => {
  try {
    f();
  } catch (e) {
    return e as Error;
  }
  throw new Error("did not throw");
};

describe("stackPassphraseVariable", () => {
  it("is CDB_PASSPHRASE_FILE_ and the stack name upper-cased, anything but letters and digits an underscore", () => {
    expect(stackPassphraseVariable("live")).toBe("CDB_PASSPHRASE_FILE_LIVE");
    expect(stackPassphraseVariable("team-b.2")).toBe("CDB_PASSPHRASE_FILE_TEAM_B_2");
  });
});

describe("stackPulumiEnv: the passphrase each stack's Pulumi gets", () => {
  it("a stack's own file wins, and an exported PULUMI_CONFIG_PASSPHRASE (another stack's) is removed: Pulumi would prefer it to any file", () => {
    const env = stackPulumiEnv("live", { CDB_PASSPHRASE_FILE_LIVE: liveFile, PULUMI_CONFIG_PASSPHRASE: "papers-passphrase", PULUMI_CONFIG_PASSPHRASE_FILE: "/elsewhere" });
    expect(env.PULUMI_CONFIG_PASSPHRASE_FILE).toBe(liveFile);
    expect(Object.keys(env)).toContain("PULUMI_CONFIG_PASSPHRASE");
    expect(env.PULUMI_CONFIG_PASSPHRASE).toBeUndefined();
    // What the child really gets: Node passes no variable whose value is undefined.
    const child = spawnSync(process.execPath, ["-e", "process.stdout.write(JSON.stringify([process.env.PULUMI_CONFIG_PASSPHRASE ?? null, process.env.PULUMI_CONFIG_PASSPHRASE_FILE]))"], {
      env: { ...process.env, PULUMI_CONFIG_PASSPHRASE: "papers-passphrase", ...env },
      encoding: "utf8",
    });
    expect(JSON.parse(child.stdout)).toEqual([null, liveFile]);
  });

  it("another stack's own file never serves this one: paper keeps its default, any other stack is refused (exit 5)", () => {
    expect(stackPulumiEnv("paper", { CDB_PASSPHRASE_FILE_LIVE: liveFile })).toMatchObject({ PULUMI_CONFIG_PASSPHRASE: PAPER_DEFAULT_PASSPHRASE, PULUMI_CONFIG_PASSPHRASE_FILE: undefined });
    const e = thrown(() => stackPulumiEnv("rehearsal", { CDB_PASSPHRASE_FILE_LIVE: liveFile }));
    expect(e).toBeInstanceOf(PassphraseMissing);
    expect(classify(e)).toMatchObject({ code: EXIT.refused, lines: ["stack rehearsal needs a passphrase: its own file in CDB_PASSPHRASE_FILE_REHEARSAL, or PULUMI_CONFIG_PASSPHRASE / PULUMI_CONFIG_PASSPHRASE_FILE (for every stack); there is no default passphrase outside paper"] });
    expect(() => stackPulumiEnv("live", {})).toThrow(PassphraseMissing);
    expect(() => stackPulumiEnv("live", { PULUMI_CONFIG_PASSPHRASE: "", CDB_PASSPHRASE_FILE_LIVE: "" })).toThrow(PassphraseMissing);
  });

  it("Pulumi's own variables serve every stack without a file of its own; an EMPTY exported passphrase does not shadow the file", () => {
    expect(stackPulumiEnv("live", { PULUMI_CONFIG_PASSPHRASE: "correct horse", PULUMI_BACKEND_URL: "s3://bucket" })).toMatchObject({ PULUMI_BACKEND_URL: "s3://bucket", PULUMI_CONFIG_PASSPHRASE: "correct horse", PULUMI_CONFIG_PASSPHRASE_FILE: undefined });
    expect(stackPulumiEnv("paper", { PULUMI_CONFIG_PASSPHRASE: "correct horse" }).PULUMI_CONFIG_PASSPHRASE).toBe("correct horse");
    // Pulumi 3.259 takes PULUMI_CONFIG_PASSPHRASE="" as the passphrase (measured: "incorrect passphrase" with the right file).
    const env = stackPulumiEnv("live", { PULUMI_CONFIG_PASSPHRASE: "", PULUMI_CONFIG_PASSPHRASE_FILE: liveFile });
    expect(env).toMatchObject({ PULUMI_CONFIG_PASSPHRASE: undefined, PULUMI_CONFIG_PASSPHRASE_FILE: liveFile });
    expect(Object.keys(env)).toContain("PULUMI_CONFIG_PASSPHRASE");
    expect(passphraseSource("live", { PULUMI_CONFIG_PASSPHRASE_FILE: liveFile })).toEqual({ kind: "file", variable: "PULUMI_CONFIG_PASSPHRASE_FILE", file: liveFile });
  });

  it("never puts a file's passphrase into the environment: Pulumi reads the file itself", () => {
    const env = stackPulumiEnv("live", { CDB_PASSPHRASE_FILE_LIVE: liveFile });
    expect(JSON.stringify(env)).not.toContain(LIVE_PASS);
  });
});

describe("a passphrase file that cannot be one: unusable input (exit 2) naming the variable, the file and the stack, before Pulumi starts", () => {
  const fifo = path.join(dir, "passphrase.fifo");
  const hasFifo = spawnSync("mkfifo", [fifo]).status === 0;
  const sub = path.join(dir, "a-directory");
  mkdirSync(sub);
  const cases: [string, string, RegExp][] = [
    ["missing", path.join(dir, "no-such-file"), /file not found/],
    ["a directory", sub, /is a directory, not a file/],
    ["empty", file("empty.passphrase", ""), /is empty: Pulumi would take an empty passphrase/],
    ["blank (Pulumi trims it to nothing)", file("blank.passphrase", " \n\t\n"), /is empty/],
    ["endless (larger than a passphrase)", file("huge.passphrase", "x".repeat(5000)), /larger than the 4096 byte limit/],
    ["a device that never ends", "/dev/zero", /is a device, not a regular file/],
    ...(hasFifo ? ([["a FIFO with no writer (would hang Pulumi)", fifo, /is a FIFO \(named pipe\), not a regular file/]] as [string, string, RegExp][]) : []),
  ];
  it.each(cases)("%s", (_, bad, detail) => {
    for (const [variable, stack] of [
      ["CDB_PASSPHRASE_FILE_LIVE", "live"],
      ["PULUMI_CONFIG_PASSPHRASE_FILE", "rehearsal"],
    ] as const) {
      const started = Date.now();
      const e = thrown(() => stackPulumiEnv(stack, { [variable]: bad, ...(variable === "CDB_PASSPHRASE_FILE_LIVE" ? { PULUMI_CONFIG_PASSPHRASE: "a fallback must not rescue it" } : {}) }));
      expect(Date.now() - started).toBeLessThan(5000);
      expect(e).toBeInstanceOf(UnusableInput);
      const c = classify(e);
      expect(c.code).toBe(EXIT.unusableInput);
      expect(c.lines).toHaveLength(1);
      expect(c.lines[0]).toMatch(new RegExp(`^${variable} ${bad.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}: `));
      expect(c.lines[0]).toMatch(detail);
      expect(c.lines[0]).toContain(`(the passphrase of stack ${stack})`);
    }
  });
  it("has a FIFO to try where the platform makes one", () => {
    expect(hasFifo || process.platform === "win32").toBe(true);
  });
});

describe("incorrectPassphrase: Pulumi's refusal as one line naming the stack and the source, exit 8, never the passphrase", () => {
  it("names the stack's own file", () => {
    const e = incorrectPassphrase("live", { CDB_PASSPHRASE_FILE_LIVE: liveFile });
    expect(classify(e)).toEqual({ code: EXIT.authFailed, label: "authentication failed", lines: [`stack live: incorrect passphrase from CDB_PASSPHRASE_FILE_LIVE (${liveFile})`] });
  });

  it("names the exported variable that served the wrong stack, and the stack's own variable as the way out", () => {
    const e = incorrectPassphrase("paper", { PULUMI_CONFIG_PASSPHRASE: LIVE_PASS });
    expect(e.message).toBe("stack paper: incorrect passphrase from PULUMI_CONFIG_PASSPHRASE, which serves every stack without a file of its own: name paper's own in CDB_PASSPHRASE_FILE_PAPER");
    expect(e.message).not.toContain(LIVE_PASS);
    expect(incorrectPassphrase("live", { PULUMI_CONFIG_PASSPHRASE_FILE: liveFile }).message).toBe(`stack live: incorrect passphrase from PULUMI_CONFIG_PASSPHRASE_FILE (${liveFile}), which serves every stack without a file of its own: name live's own in CDB_PASSPHRASE_FILE_LIVE`);
  });

  it("for paper's default, says so without printing it", () => {
    const e = incorrectPassphrase("paper", {});
    expect(e.message).toBe("stack paper: incorrect passphrase (paper's default; a paper stack made with another one names its file in CDB_PASSPHRASE_FILE_PAPER)");
    expect(e.message).not.toContain(PAPER_DEFAULT_PASSPHRASE);
  });
});
