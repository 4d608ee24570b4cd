import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { parseDocument } from "yaml";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { keyFingerprint } from "../../config/schema";
import { REPO_ROOT } from "../../platform/paths";
import { liveImages } from "../mockRun";
import { engineWorkspace, run, type EngineWorkspace } from "./workspace";

// `cdb deploy` and `npm run policy-check` end to end through the Automation
// API, the real CLI and the real policy analyzer, with STAND-IN providers.

let ws: EngineWorkspace;
const TSX = path.join(REPO_ROOT, "node_modules", "tsx", "dist", "cli.mjs");
const script = (file: string, args: string[]) => run(process.execPath, [TSX, path.join("scripts", file), ...args], { cwd: ws.project, env: ws.env });

function editConfig(stack: string, edit: (config: Record<string, unknown>) => void): void {
  const file = path.join(ws.project, `Pulumi.${stack}.yaml`);
  const doc = parseDocument(readFileSync(file, "utf8"));
  const config = (doc.get("config") as { toJSON(): Record<string, unknown> }).toJSON();
  edit(config);
  doc.set("config", config);
  writeFileSync(file, doc.toString());
}

beforeAll(async () => {
  ws = await engineWorkspace("engine-deploy-passphrase");
});
afterAll(() => ws?.dispose());

describe("cdb deploy and policy-check through the Automation API (stand-in providers)", () => {
  it("`cdb deploy --stack paper --preview` previews with the policy pack and exits 0", async () => {
    const r = await script("cdb.ts", ["deploy", "--stack", "paper", "--preview"]);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toMatch(/Policies:\s+✅ cdb@v0\.1\.0/);
    expect(r.stdout).toMatch(/\+ \d+ to create/);
  });

  it("policy-check is green on the repository's own config, reporting live as not ready (operator settings missing)", async () => {
    const r = await script("policyCheck.ts", ["--no-tests"]);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^ok\s+preview paper with the policy pack/m);
    expect(r.stdout).toMatch(/^REPORTED preview live with the policy pack: not ready, not previewed: operator settings missing: .*cdb:mexcApiKey/m);
  });

  it("policy-check reports a completed but not-ready live stack without failing", async () => {
    const key = "mx0-policy-check-key";
    for (const args of [
      ["stack", "init", "live"],
      ["config", "set", "-s", "live", "--secret", "cdb:mexcApiKey", key],
      ["config", "set", "-s", "live", "--secret", "cdb:mexcApiSecret", "mx0-policy-check-secret"],
      ["config", "set", "-s", "live", "cdb:mexcKeyFingerprint", keyFingerprint(key)],
    ]) {
      const c = await ws.pulumi(args);
      expect(c.code, c.stderr).toBe(0);
    }
    editConfig("live", (c) => {
      c["cdb:images"] = liveImages();
    });
    const r = await script("policyCheck.ts", ["--no-tests"]);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^REPORTED preview live with the policy pack: not ready: \d+ readiness violations/m);
  });

  it("policy-check is red when a safety policy fires in paper", async () => {
    editConfig("paper", (c) => {
      c["cdb:risk"] = { maxPositionPct: 0.5 };
    });
    const r = await script("policyCheck.ts", ["--no-tests"]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^FAIL\s+preview paper with the policy pack: .*risk-limits/m);
  });

  it("policy-check --base main is red on a branch that relaxes the risk bounds and raises live maxPositionPct to 0.5; without --base the branch judges itself green", async () => {
    const git = async (...args: string[]) => {
      const r = await run("git", ["-c", "user.name=engine", "-c", "user.email=engine@example.invalid", ...args], { cwd: ws.project, env: ws.env });
      expect(r.code, r.stderr).toBe(0);
      return r.stdout;
    };
    // Paper back as the repository has it (the test above raised its limit).
    writeFileSync(path.join(ws.project, "Pulumi.paper.yaml"), readFileSync(path.join(REPO_ROOT, "Pulumi.paper.yaml")));
    writeFileSync(path.join(ws.project, "Pulumi.live.yaml"), readFileSync(path.join(REPO_ROOT, "Pulumi.live.yaml")));
    await git("init", "-q", "-b", "main");
    await git("add", "-A");
    await git("commit", "-q", "-m", "base");
    await git("checkout", "-q", "-b", "relax-risk");
    // The attack: the bound and the limit in one change.
    const safety = path.join(ws.project, "config", "safety.ts");
    writeFileSync(safety, readFileSync(safety, "utf8").replace('maxPositionPct: { env: "MAX_POSITION_PCT", max: 0.1 }', 'maxPositionPct: { env: "MAX_POSITION_PCT", max: 0.6 }'));
    const risk = path.join(ws.project, "policies", "riskLimits.ts");
    const relaxed = readFileSync(risk, "utf8").replace("outsideBound(key, text, max)", "outsideBound(key, text, 1)");
    expect(relaxed).not.toBe(readFileSync(risk, "utf8"));
    writeFileSync(risk, relaxed);
    editConfig("live", (c) => {
      c["cdb:risk"] = { maxPositionPct: 0.5 };
    });
    await git("commit", "-q", "-am", "relax the risk bound and raise the live limit");

    // A ref that names no commit is unusable input, before anything runs.
    const wrong = await script("policyCheck.ts", ["--no-tests", "--base", "no-such-branch"]);
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toMatch(/^policy-check: unusable input: .*no-such-branch/m);

    // The PR judged by its own gate alone is green: the relaxed bound lets its own limit pass.
    const own = await script("policyCheck.ts", ["--no-tests"]);
    expect(own.code, own.stdout + own.stderr).toBe(0);
    expect(own.stdout).toMatch(/^ok\s+safety rules of Pulumi\.live\.yaml/m);

    const judged = await script("policyCheck.ts", ["--no-tests", "--base", "main"]);
    expect(judged.code, judged.stdout + judged.stderr).toBe(1);
    expect(judged.stdout).toMatch(/^REPORTED the gate itself changed against main: needs review .*config\/safety\.ts, policies\/riskLimits\.ts/m);
    expect(judged.stdout).toMatch(/^FAIL\s+judged by the gate of main: red/m);
    expect(judged.stdout).toMatch(/FAIL\s+safety rules of Pulumi\.live\.yaml: cdb:risk\.maxPositionPct=0\.5 is outside \(0, 0\.1\]/);
  }, 900_000);
});
