import { spawnSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { runGate } from "../readiness/gate";
import { makeFixture } from "../test/readinessFixture";
import { npxCdb } from "../test/npxCdb";
import { repoTmpDir } from "../test/repoTmp";

// Issue 16 item 7: a FIFO, /dev/zero, a directory, an alias bomb, an oversized
// file or an evidence file with terminal escape sequences, wherever the CLI
// reads a file: exit 2 with one line within seconds, and no control character
// reaches the terminal. Before: the FIFO and /dev/zero hung until killed.

const ESC = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/;
const dir = repoTmpDir("bounded-");
const fifo = path.join(dir, "fifo");
spawnSync("mkfifo", [fifo]);
const sub = path.join(dir, "a-directory");
mkdirSync(sub);
const big = path.join(dir, "big.yaml");
writeFileSync(big, "# pad\n".repeat(200_000));
const bomb = path.join(dir, "Pulumi.live.yaml");
const levels = "abcdefghi".split("");
writeFileSync(
  bomb,
  levels.map((l, i) => `${l}: &${l} [${i === 0 ? Array(9).fill('"lol"').join(",") : Array(9).fill(`*${levels[i - 1]}`).join(",")}]`).join("\n") + "\nconfig:\n  cdb:mode: live\n  cdb:symbol: *i\n",
);
const fx = makeFixture();
const escEvidence = path.join(dir, "esc.evidence.yaml");
writeFileSync(escEvidence, `version: 1\nstack: paper\nconfigDigest: "${fx.evidence.configDigest}"\nitems:\n  risk.limits:\n    by: "janne\\e]0;pwned\\a\\e[2J\\e[1;1H"\n    at: "${new Date().toISOString()}"\n`);
const escName = path.join(dir, "evil\u001b[2J.yaml");
const pw = path.join(dir, "pw");

// Paper: a live gate takes no evidence file, catalog or allowed_signers but the repository's (readiness/trustRoot.ts,
// refused before anything is read); paper's gate reads the named files through the same reader.
const readiness = (...extra: string[]) => ["readiness", "--stack", "paper", ...extra];

describe("bounded input through npx cdb", () => {
  const cases: [string, string[], RegExp, NodeJS.ProcessEnv?][] = [
    ["evidence FIFO", readiness("--evidence", fifo), /: is a FIFO \(named pipe\), not a regular file$/],
    ["evidence /dev/zero", readiness("--evidence", "/dev/zero"), /^cdb: unusable input: \/dev\/zero: is a device, not a regular file$/],
    ["evidence directory", readiness("--evidence", sub), /: is a directory, not a file$/],
    ["evidence oversized", readiness("--evidence", big), /: file is larger than the 1 MiB limit$/],
    ["evidence with escape sequences", readiness("--evidence", escEvidence), /: items\.risk\.limits\.by: contains a control character/],
    ["evidence path with an escape sequence", readiness("--evidence", escName), /evil\\x1b\[2J\.yaml: file not found$/],
    ["CDB_EVIDENCE_FILE FIFO", readiness(), /: is a FIFO/, { CDB_EVIDENCE_FILE: fifo }],
    ["catalog FIFO", readiness("--catalog", fifo), /: is a FIFO/],
    ["stack config alias bomb", ["readiness", "--stack", "live", "--stack-config", bomb], /: YAML aliases expand to more than 1,000,000 nodes/],
    ["stack config /dev/zero", ["digest", "--stack", "live", "--stack-config", "/dev/zero"], /: is a device/],
    ["artifact FIFO", ["evidence", "add", "secrets.key-permissions", "--key", fx.keys.janne.file, "--artifact", fifo, "--evidence", fx.evidenceFile], /: is a FIFO/, { CDB_ALLOWED_SIGNERS: fx.allowedSigners }],
    // A refused kill is audited (ops/kill.ts): into the test's folder, not the repository's audit log.
    ["password file FIFO", ["kill", "--stack", "paper", "--reason", "x", "--redis-url", "redis://127.0.0.1:1", "--password-file", fifo], /: is a FIFO/, { CDB_AUDIT_FILE: path.join(dir, "audit.jsonl") }],
  ];
  for (const [what, args, err, env] of cases) {
    it(`${what}: exit 2, one line, no control character, within seconds`, async () => {
      writeFileSync(pw, "x");
      const r = await npxCdb(args, { ...(env ? { env } : {}) });
      expect({ what, code: r.code, err: r.err }).toEqual({ what, code: 2, err: expect.stringMatching(/^cdb: unusable input: /) });
      expect(r.err.trimEnd().split("\n")).toHaveLength(1);
      expect(r.err.trimEnd()).toMatch(err);
      expect(ESC.test(r.err) || ESC.test(r.out)).toBe(false);
      expect(r.ms).toBeLessThan(10_000);
    }, 20_000);
  }

  it("the gate (the one runGate of the CLI, the program and the pack) refuses an alias bomb in the evidence file quickly", () => {
    const evBomb = path.join(dir, "bomb.evidence.yaml");
    writeFileSync(evBomb, levels.map((l, i) => `${l}: &${l} [${i === 0 ? Array(9).fill('"lol"').join(",") : Array(9).fill(`*${levels[i - 1]}`).join(",")}]`).join("\n") + "\nversion: 1\nstack: live\nitems: {}\nconfigDigest: x\n");
    const t0 = Date.now();
    expect(() => runGate({ stack: "live", configFiles: { live: fx.liveConfig }, evidenceFile: evBomb })).toThrow(/YAML aliases expand to more than/);
    expect(Date.now() - t0).toBeLessThan(5_000);
  });
});
