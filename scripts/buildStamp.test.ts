import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, utimesSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { REPO_ROOT } from "../platform/paths";

// The build's freshness rule: dist/ runs only when it was built from exactly
// the sources that are there. Each test tries to make a stale build run.

const stamp = require("./bin/buildStamp.cjs") as { isFresh(root: string): boolean };
const { build } = require("./bin/build.cjs") as { build(root: string): void };

const tmp = mkdtempSync(path.join(os.tmpdir(), "cdb-buildstamp-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function tree(): string {
  const root = mkdtempSync(path.join(tmp, "root-"));
  mkdirSync(path.join(root, "config"));
  mkdirSync(path.join(root, "readiness"));
  writeFileSync(path.join(root, "config", "where.ts"), 'export const where: string = "built";\n');
  writeFileSync(path.join(root, "readiness", "other.ts"), "export const n = 1;\n");
  // The project's node_modules, so the sources can run through tsx.
  const nm = path.join(root, "node_modules");
  mkdirSync(nm);
  for (const m of ["tsx", "esbuild", "get-tsconfig", "resolve-pkg-maps", "@esbuild"]) {
    try {
      symlinkSync(path.join(REPO_ROOT, "node_modules", m), path.join(nm, m), "junction");
    } catch {
      /* absent in this install */
    }
  }
  return root;
}

/** What a separate process gets for config/where through the shared loader. */
const loaded = (root: string) =>
  spawnSync(process.execPath, ["-e", `process.stdout.write(require(${JSON.stringify(path.join(REPO_ROOT, "scripts", "bin", "buildStamp.cjs"))}).loadFreshOrSource(${JSON.stringify(root)}, "config/where.js").where)`], { encoding: "utf8" });

describe("dist/ freshness", () => {
  it("no build is not fresh; a build is; it compiles to JavaScript that runs", () => {
    const root = tree();
    expect(stamp.isFresh(root)).toBe(false);
    build(root);
    expect(stamp.isFresh(root)).toBe(true);
    expect(loaded(root).stdout).toBe("built");
  }, 120_000);

  it("an edited source makes the build stale, and the loader runs the edited source, never the stale build", () => {
    const root = tree();
    build(root);
    writeFileSync(path.join(root, "config", "where.ts"), 'export const where: string = "edited";\n');
    expect(stamp.isFresh(root)).toBe(false);
    const r = loaded(root);
    expect(r.stdout, r.stderr).toBe("edited");
  }, 120_000);

  it("same size, other content and time: stale", () => {
    const root = tree();
    build(root);
    writeFileSync(path.join(root, "config", "where.ts"), 'export const where: string = "BUILT";\n');
    utimesSync(path.join(root, "config", "where.ts"), new Date(Date.now() + 5000), new Date(Date.now() + 5000));
    expect(stamp.isFresh(root)).toBe(false);
  });

  it("an added or removed source file makes it stale; tests and data files do not", () => {
    const root = tree();
    build(root);
    writeFileSync(path.join(root, "readiness", "x.test.ts"), "test\n");
    writeFileSync(path.join(root, "readiness", "live.evidence.yaml"), "data\n");
    expect(stamp.isFresh(root)).toBe(true);
    writeFileSync(path.join(root, "readiness", "new.ts"), "export {};\n");
    expect(stamp.isFresh(root)).toBe(false);
    build(root);
    expect(stamp.isFresh(root)).toBe(true);
    rmSync(path.join(root, "readiness", "other.ts"));
    expect(stamp.isFresh(root)).toBe(false);
  });

  it("evidence records under readiness/artifacts are data: they keep the build fresh; a JSON file anywhere else among the sources does not", () => {
    const root = tree();
    build(root);
    // What `cdb drill` writes (ops/drill.ts DRILL_DIR): before, the first drill made every later command run the sources.
    mkdirSync(path.join(root, "readiness", "artifacts", "drills"), { recursive: true });
    writeFileSync(path.join(root, "readiness", "artifacts", "drills", "paper-1.json"), "{}\n");
    expect(stamp.isFresh(root)).toBe(true);
    // The rule names that one folder, not every "artifacts": JSON the code may import elsewhere still counts.
    mkdirSync(path.join(root, "config", "artifacts"));
    writeFileSync(path.join(root, "config", "artifacts", "x.json"), "{}\n");
    expect(stamp.isFresh(root)).toBe(false);
  });

  it("a broken stamp is stale", () => {
    const root = tree();
    build(root);
    writeFileSync(path.join(root, "dist", ".sources"), "");
    expect(stamp.isFresh(root)).toBe(false);
  });

  it("a vendored dependency runs from dist/vendor; another installed version makes the build stale and the next build bundles it", () => {
    const root = tree();
    // A stand-in for commander (one of the vendored names), installed as npm would.
    const pkg = path.join(root, "node_modules", "commander");
    const install = (version: string) => {
      mkdirSync(pkg, { recursive: true });
      writeFileSync(path.join(pkg, "package.json"), JSON.stringify({ name: "commander", version, main: "index.js" }));
      writeFileSync(path.join(pkg, "index.js"), `exports.version = ${JSON.stringify(version)};\n`);
    };
    install("1.0.0");
    writeFileSync(path.join(root, "config", "where.ts"), 'import { version } from "commander";\nexport const where: string = version;\n');
    build(root);
    expect(stamp.isFresh(root)).toBe(true);
    expect(readFileSync(path.join(root, "dist", "config", "where.js"), "utf8")).toContain('require("../vendor/commander.js")');
    expect(loaded(root).stdout).toBe("1.0.0");
    install("2.0.0");
    // Same sources: only the installed version differs.
    expect(stamp.isFresh(root)).toBe(false);
    build(root);
    expect(stamp.isFresh(root)).toBe(true);
    expect(loaded(root).stdout).toBe("2.0.0");
  }, 120_000);
});

describe("the evidence schema compiled ahead", () => {
  it("judges documents as the validator compiled from the schema at run time does", async () => {
    const dir = mkdtempSync(path.join(tmp, "ajv-"));
    mkdirSync(path.join(dir, "readiness"));
    symlinkSync(path.join(REPO_ROOT, "node_modules"), path.join(dir, "node_modules"), "junction");
    for (const f of ["evidenceValidator.ts", "evidence.schema.json"]) writeFileSync(path.join(dir, "readiness", f), readFileSync(path.join(REPO_ROOT, "readiness", f)));
    build(dir);
    const ahead = require(path.join(dir, "dist", "readiness", "evidenceValidator.js")) as { validateEvidence: (d: unknown) => boolean };
    const { validateEvidence: now } = await import("../readiness/evidenceValidator");
    const digest = "a".repeat(64);
    const docs: unknown[] = [
      { version: 1, stack: "live", configDigest: digest, items: {} },
      { version: 1, stack: "live", configDigest: "pending", items: {} },
      { version: 1, stack: "live", configDigest: "abc", items: {} },
      { version: 1, stack: "live", configDigest: digest, items: { "a.b": { by: "janne", at: "2026-01-01T00:00:00Z" } } },
      { version: 1, stack: "live", configDigest: digest, items: { "a.b": { by: "janne", at: "yesterday" } } },
      { version: 1, stack: "live", configDigest: digest, items: {}, extra: 1 },
      { version: 2, stack: "live", configDigest: digest, items: {} },
    ];
    const verdicts = docs.map((d) => [ahead.validateEvidence(d), now(d)]);
    for (const [a, n] of verdicts) expect(a).toBe(n);
    expect(verdicts.map(([a]) => a)).toEqual([true, true, false, true, false, false, false]);
  }, 60_000);
});
