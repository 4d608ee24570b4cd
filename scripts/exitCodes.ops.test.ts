import { rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { authFailed, notFound, OpsRefused, PulumiFailed, StackLocked, systemRefused, unreachable, UnusableInput } from "../platform/errors";
import { DeployRefused } from "./deploy";
import { PassphraseIncorrect, PassphraseMissing } from "../config/stackPassphrase";
import { REPO_ROOT } from "../platform/paths";
import { npxCdb } from "../test/npxCdb";
import { repoTmpDir } from "../test/repoTmp";
import { readAudit } from "../ops/audit";
import { BackupFailed } from "../ops/backup";
import { classify, EXIT } from "../platform/exitCodes";
import { pulumiErrorLines } from "../ops/pulumiErrors";

// One table of exit codes, decided by error types (not message texts), and
// Pulumi's own error lines instead of its last output line.

const STACK = "exittabletest";

describe("the exit table", () => {
  it("maps each error type to its code, whatever the message says", () => {
    const cases: [unknown, number][] = [
      [new UnusableInput("f", "internal error: looks like one"), EXIT.unusableInput],
      [new OpsRefused("pulumi failed"), EXIT.refused],
      [new DeployRefused("x"), EXIT.refused],
      [new PassphraseMissing("live"), EXIT.refused],
      [new PassphraseIncorrect("live", undefined), EXIT.authFailed],
      [new PulumiFailed(["error: unusable input"]), EXIT.pulumiFailed],
      [new BackupFailed("x"), EXIT.pulumiFailed],
      [new StackLocked("live", [], false, "refused: stack live is locked"), EXIT.pulumiFailed],
      [unreachable("authentication failed"), EXIT.unreachable],
      [authFailed("x"), EXIT.authFailed],
      [notFound("x"), EXIT.notFound],
      [systemRefused("internal error"), EXIT.refused],
      [new Error("unusable input: x"), EXIT.internalError],
      ["a string", EXIT.internalError],
    ];
    for (const [e, code] of cases) expect({ e: String(e), code: classify(e).code }).toEqual({ e: String(e), code });
  });

  it("a passphrase file that does not exist is exit 2 under deploy, promote and rollback alike (was 6 and 3)", async () => {
    const tmp = repoTmpDir("exit-table-");
    const audit = path.join(tmp, "operations.jsonl");
    const env = { PULUMI_CONFIG_PASSPHRASE: "", PULUMI_CONFIG_PASSPHRASE_FILE: path.join(tmp, "no-such-passphrase"), CDB_AUDIT_FILE: audit, DOCKER_HOST: "unix:///tmp/cdb-exit-table-no-docker.sock" };
    const expected = (stack: string) => `cdb: unusable input: PULUMI_CONFIG_PASSPHRASE_FILE ${env.PULUMI_CONFIG_PASSPHRASE_FILE}: file not found (the passphrase of stack ${stack})\n`;
    const deploy = await npxCdb(["deploy", "--stack", "paper", "--preview"], { env });
    expect({ code: deploy.code, err: deploy.err }).toEqual({ code: 2, err: expected("paper") });
    // Promote checks the passphrase settings before the gate, as deploy does: the same line, the same code.
    const promote = await npxCdb(["promote", "--to", "live", "--yes"], { env });
    expect({ code: promote.code, err: promote.err.split("\n").filter((l) => l.startsWith("cdb: ")) }).toEqual({ code: 2, err: [expected("live").trim()] });
    expect(readAudit(audit).at(-1)).toMatchObject({ op: "promote", stack: "live", outcome: "failed at pulumi settings (unusable input)" });
    // Rollback stops trading first (a stack of its own whose containers do not exist: nothing to stop), then opens the stack.
    const stackFile = path.join(REPO_ROOT, `Pulumi.${STACK}.yaml`);
    writeFileSync(stackFile, "config:\n  cdb:mode: paper\n");
    try {
      const rb = await npxCdb(["rollback", "--stack", STACK, "--reason", "exit table"], { env: { ...env, DOCKER_HOST: undefined } });
      expect(rb.code, rb.err).toBe(2);
      expect(rb.err.split("\n").filter((l) => l.startsWith("cdb: "))).toEqual([expected(STACK).trim()]);
    } finally {
      rmSync(stackFile, { force: true });
    }
    // The attempt is audited at the step where it stopped.
    expect(readAudit(audit).at(-1)).toMatchObject({ op: "rollback", stack: STACK, outcome: "failed at open the stack (unusable input)" });
  }, 120_000);
});

describe("Pulumi's error lines", () => {
  it("are the error lines per resource and the mandatory policy violations, not the last output line", () => {
    const out = [
      "Updating (live):",
      "     Type                         Name           Status",
      " +   pulumi:pulumi:Stack          cdb-live       **failed**     1 error",
      " +   └─ docker:index:Container    execution      **failed**     1 error",
      "",
      "Diagnostics:",
      "  docker:index:Container (execution):",
      "    error: 1 error occurred:",
      "    \t* container exited before it was healthy",
      "",
      "  pulumi:pulumi:Stack (cdb-live):",
      "    error: update failed",
      "",
      "Policy Violations:",
      "    [mandatory]  cdb-policies v1  live-readiness (execution: docker:index/container:Container)",
      "",
      "Outputs:",
      '    network   : "cdb_network"',
    ].join("\n");
    expect(pulumiErrorLines(out)).toEqual([
      "docker:index:Container (execution): error: 1 error occurred:",
      "policy violation: cdb-policies v1 live-readiness (execution: docker:index/container:Container)",
    ]);
    expect(pulumiErrorLines("Previewing update (live):\nerror: preview failed\n")).toEqual(["error: preview failed"]);
    expect(pulumiErrorLines('Outputs:\n    network   : "cdb_network"\n')).toEqual(['network   : "cdb_network"']);
  });
});
