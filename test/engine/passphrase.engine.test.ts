import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { parse } from "yaml";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SERVICE_NAMES } from "../../config/services";
import { npxCdb } from "../npxCdb";
import { engineWorkspace, run, type EngineWorkspace } from "./workspace";

// Issue 25 items 5 and 7 through the real CLI and engine (stand-in providers):
// in a fresh copy with no live stack, the first `npx cdb deploy --stack live`
// at paper flags creates it from live's OWN passphrase file, leaving the
// tracked Pulumi.live.yaml as it was but for the encryptionsalt line; then
// `npm run policy-check` previews paper and live, each with its own
// passphrase, while live's passphrase is exported for every stack.

const LIVE_PASS = "engine-live-own-passphrase";
const PAPER_PASS = "engine-paper-own-passphrase";
let ws: EngineWorkspace;
let env: NodeJS.ProcessEnv;
let liveFile: string;
let paperFile: string;

beforeAll(async () => {
  ws = await engineWorkspace("engine-passphrase-unused");
  liveFile = path.join(path.dirname(ws.project), "live.passphrase");
  paperFile = path.join(path.dirname(ws.project), "paper.passphrase");
  writeFileSync(liveFile, `${LIVE_PASS}\n`, { mode: 0o600 });
  writeFileSync(paperFile, `${PAPER_PASS}\n`, { mode: 0o600 });
  // Item 7's shell: live's passphrase exported for every stack; each stack names its own file.
  env = { ...ws.env, PULUMI_CONFIG_PASSPHRASE: LIVE_PASS, CDB_PASSPHRASE_FILE_LIVE: liveFile, CDB_PASSPHRASE_FILE_PAPER: paperFile };
});
afterAll(() => ws?.dispose());

const cdb = (args: string[], extra: NodeJS.ProcessEnv = {}) => npxCdb(args, { cwd: ws.project, env: { ...env, ...extra } });
const liveYaml = () => path.join(ws.project, "Pulumi.live.yaml");

describe("each stack's own passphrase (issue 25 items 5 and 7)", () => {
  it("the first `npx cdb deploy --stack live` at paper flags creates live from its own file, keeping Pulumi.live.yaml; policy-check then opens paper and live with theirs", async () => {
    // At paper flags, as the README says: cdb:mode paper and every image pinned, plain edits of the file (no stack needed).
    const tracked = readFileSync(liveYaml(), "utf8");
    const images = SERVICE_NAMES.map((s, i) => `    ${s}: registry.example/cdb/${s}@sha256:${(i + 1).toString(16).padStart(64, "0")}\n`).join("");
    const before = `${tracked.replace(/^ {2}cdb:mode: live$/m, "  cdb:mode: paper")}  cdb:images:\n${images}`;
    expect(before).toMatch(/: 0\.0$/m); // what `pulumi stack init` would rewrite (to 0)
    writeFileSync(liveYaml(), before);
    expect((await ws.pulumi(["stack", "ls"])).stdout).not.toMatch(/^live\b/m);

    const first = await cdb(["deploy", "--stack", "live"]);
    expect(first.code, first.out + first.err).toBe(0);
    console.log(`first live deploy (creates the stack, deploys at paper flags): ${(first.ms / 1000).toFixed(1)} s`);

    // The tracked file: its bytes, plus the one line that opens the stack's secrets.
    const after = readFileSync(liveYaml(), "utf8");
    const salt = /^encryptionsalt: v1:\S+$/m.exec(after)?.[0];
    expect(salt).toBeDefined();
    expect(after).toBe(`${before}${salt}\n`);
    const { encryptionsalt, ...rest } = parse(after) as Record<string, unknown>;
    expect(rest).toEqual(parse(before));
    expect(encryptionsalt).toMatch(/^v1:/);
    for (const text of [first.out, first.err, after, ws.stateText("live")]) expect(text).not.toContain(LIVE_PASS);

    // Item 7: both stacks previewed, each with its own passphrase, live's exported for every stack.
    const t0 = Date.now();
    const check = await run("npm", ["run", "--silent", "policy-check", "--", "--no-tests"], { cwd: ws.project, env, timeoutMs: 600_000 });
    console.log(`npm run policy-check (paper created, paper and live previewed): ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    expect(check.code, check.stdout + check.stderr).toBe(0);
    expect(check.stdout).toMatch(/^ok\s+preview paper with the policy pack/m);
    expect(check.stdout).toMatch(/^ok\s+preview live with the policy pack: ready, every policy passed/m);
    expect(readFileSync(path.join(ws.project, "Pulumi.paper.yaml"), "utf8")).toMatch(/^encryptionsalt: v1:/m);
    // Paper's stack was made under paper's own passphrase, not under the one exported for every stack.
    const exported = await ws.pulumi(["config", "set", "-s", "paper", "--secret", "cdb:probe", "x"], { env: { PULUMI_CONFIG_PASSPHRASE: LIVE_PASS } });
    expect(exported.code).not.toBe(0);
    expect(exported.stderr).toMatch(/incorrect passphrase/);

    // Live's salt is not paper's passphrase: one line naming the stack and the file (exit 8), no passphrase in it.
    const wrong = await cdb(["deploy", "--stack", "live", "--preview"], { CDB_PASSPHRASE_FILE_LIVE: paperFile });
    expect(wrong.code, wrong.out + wrong.err).toBe(8);
    expect(wrong.err).toMatch(new RegExp(`^cdb: authentication failed: stack live: incorrect passphrase from CDB_PASSPHRASE_FILE_LIVE \\(${paperFile.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}\\)$`, "m"));
    expect(wrong.err + wrong.out).not.toContain(PAPER_PASS);
    expect(readFileSync(liveYaml(), "utf8")).toBe(after);

    // Item 5's command now works, given live's file.
    const set = await ws.pulumi(["config", "set", "-s", "live", "--secret", "cdb:mexcApiKey", "mx0-engine-passphrase-key"], { env: { PULUMI_CONFIG_PASSPHRASE: undefined, PULUMI_CONFIG_PASSPHRASE_FILE: liveFile } });
    expect(set.code, set.stderr).toBe(0);
  }, 900_000);
});
