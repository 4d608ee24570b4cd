import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { copyFileSync, mkdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { REPO_ROOT } from "../platform/paths";
import { unsatisfied } from "../readiness/evaluate";
import { runGate } from "../readiness/gate";
import { signApproval, signAuthor } from "../readiness/entrySignature";
import { fixtureKeys, makeFixture } from "../test/readinessFixture";
import { repoTmpDir } from "../test/repoTmp";
import { repoCopy, writeReadyLive } from "../test/repoCopy";
import { median } from "./stats";

// Readiness gate benchmark: cold CLI launches (what CI and operators pay) and
// the in-process gate for comparison. Run with `npm run bench:readiness`.
// Every measured CLI run must exit 0 (ready): timing a failing run is worthless.

const NODE = path.join(REPO_ROOT, "node_modules", ".bin", "node");
const SHIM = path.join("scripts", "bin", "cdb.cjs");
const CLI_RUNS = Number(process.env.BENCH_CLI_RUNS ?? 10);
const GATE_RUNS = Number(process.env.BENCH_GATE_RUNS ?? 50);
// Every entry carries an sshsig (about 300 characters): 1,500 signed items stay under the gate's 1 MiB input cap.
const SYNTHETIC_ITEMS = 1_500;

interface Row {
  name: string;
  times: number[];
  targetMs?: number;
}

const ms = (x: number) => x.toFixed(1);

class Abort extends Error {}
/** Stops the benchmark (the temporary files are still removed). */
function abort(message: string): never {
  throw new Abort(message);
}

/**
 * One untimed warm-up launch (file cache, tsx's transform cache), then `runs` timed launches, in `root`: a
 * copy of the repository whose own readiness files are the case (a live gate reads no other; readiness/trustRoot.ts).
 */
function coldCli(root: string, args: string[], runs: number, env: NodeJS.ProcessEnv = {}): number[] {
  const times: number[] = [];
  for (let i = -1; i < runs; i++) {
    const t0 = performance.now();
    const r = spawnSync(NODE, [path.join(root, SHIM), ...args], { cwd: root, encoding: "utf8", env: { ...process.env, ...env }, maxBuffer: 64 * 1024 * 1024 });
    const dt = performance.now() - t0;
    if (r.status !== 0) {
      abort(`\`cdb ${args.join(" ")}\` exited ${r.status ?? r.signal}, expected 0 (ready); not timing a failing run.\n${r.stderr}${r.stdout.slice(0, 2000)}`);
    }
    const verdict = JSON.parse(r.stdout) as { ready: boolean; items: unknown[] };
    if (!verdict.ready) abort(`\`cdb ${args.join(" ")}\` printed ready: false`);
    if (i >= 0) times.push(dt);
  }
  return times;
}

/** A catalog of `n` attested/measured items with a matching, complete evidence file; artifacts for 1 item in 10 (in `dir`, inside the repository `root`). */
export function syntheticCase(dir: string, configDigest: string, n: number, root = REPO_ROOT): { catalog: string; evidence: string } {
  const keys = fixtureKeys();
  const at = new Date(Date.now() - 2 * 86_400_000).toISOString();
  // Short names: the gate caps every input file at 1 MiB, so 10,000 items must stay terse.
  const sections = ["a", "b", "c", "d", "e"];
  const cat: string[] = ["version: 1", "sections:", ...sections.map((s) => `  ${s}: "Section ${s}"`), "items:"];
  const ev: string[] = ["version: 1", "stack: live", `configDigest: "${configDigest}"`, "items:"];
  const artifactDir = path.join(dir, "artifacts");
  mkdirSync(artifactDir, { recursive: true });
  for (let i = 0; i < n; i++) {
    const section = sections[i % sections.length]!;
    const id = `${section}.i${i}`;
    const measured = i % 5 === 0;
    const artifact = i % 10 === 3;
    const twoPerson = i % 20 === 7;
    const fields = [`id: ${id}`, `section: ${section}`, `kind: ${measured ? "measured" : "attested"}`, "proof: attested", `maxAgeDays: 30`];
    if (measured) fields.push("threshold: {min: 10, unit: ms}");
    if (artifact) fields.push("artifact: true");
    if (twoPerson) fields.push("twoPerson: true");
    fields.push(`runbook: r${i}`, `summary: s${i}`);
    cat.push(`- {${fields.join(", ")}}`);
    const entry = [`by: janne`, `at: "${at}"`];
    if (twoPerson) entry.push("approvedBy: mara");
    if (measured) entry.push("value: 11");
    let artifacts: { path: string; sha256: string }[] | undefined;
    if (artifact) {
      const file = path.join(artifactDir, `${id}.txt`);
      const content = `evidence for ${id}\n`;
      writeFileSync(file, content);
      const rel = path.relative(root, file).split(path.sep).join("/");
      artifacts = [{ path: rel, sha256: createHash("sha256").update(content).digest("hex") }];
      entry.push(`artifacts: [{path: "${rel}", sha256: "${artifacts[0]!.sha256}"}]`);
    }
    const signed = { stack: "live", item: id, configDigest, at, by: "janne", ...(measured ? { value: 11 } : {}), ...(artifacts ? { artifacts } : {}) };
    const signature = signAuthor(keys.janne.file, signed);
    entry.push(`signature: ${JSON.stringify(signature)}`);
    if (twoPerson) entry.push(`approvalSignature: ${JSON.stringify(signApproval(keys.mara.file, signed, "mara", signature))}`);
    ev.push(`  ${id}: {${entry.join(", ")}}`);
  }
  const catalog = path.join(dir, "checklist.yaml");
  const evidence = path.join(dir, "live.evidence.yaml");
  writeFileSync(catalog, cat.join("\n") + "\n");
  writeFileSync(evidence, ev.join("\n") + "\n");
  return { catalog, evidence };
}

function inProcess(req: Parameters<typeof runGate>[0], runs: number): number[] {
  const times: number[] = [];
  for (let i = -1; i < runs; i++) {
    const t0 = performance.now();
    const { verdict } = runGate(req);
    const dt = performance.now() - t0;
    if (!verdict.ready) abort(`in-process runGate is not ready: ${unsatisfied(verdict).slice(0, 3).map((x) => `${x.id}: ${x.reason}`).join("; ")}`);
    if (i >= 0) times.push(dt);
  }
  return times;
}

/**
 * Issue 25: one signed entry with `refs` references spread over `files` distinct files of `mb` MB
 * (46.6 s when every reference was hashed). In-process: the gate's evaluation, once warm-up, `runs` timed.
 * BENCH_ONLY=artifacts runs this row alone.
 */
function manyReferences(runs: number): Row[] {
  const refs = Number(process.env.BENCH_ARTIFACT_REFS ?? 400);
  const files = Number(process.env.BENCH_ARTIFACT_FILES ?? 4);
  const mb = Number(process.env.BENCH_ARTIFACT_MB ?? 60);
  const fx = makeFixture();
  try {
    const id = "compliance.incident-response";
    const refsOf = (n: number, tag: string) =>
      Array.from({ length: n }, (_, i) => {
        const file = path.join(fx.dir, `${tag}-${i}.bin`);
        writeFileSync(file, Buffer.alloc(mb * 1_000_000, i + 1));
        return { path: path.relative(REPO_ROOT, file).split(path.sep).join("/"), sha256: createHash("sha256").update(Buffer.alloc(mb * 1_000_000, i + 1)).digest("hex") };
      });
    const distinct = refsOf(files, "shared");
    const e = structuredClone(fx.evidence);
    e.items[id]!.artifacts = Array.from({ length: refs }, (_, i) => distinct[i % files]!);
    const req = fx.gateRequest(fx.write(fx.sign(e)));
    const rows: Row[] = [{ name: `in-process runGate, 1 entry, ${refs} references to ${files} files of ${mb} MB`, times: inProcess(req, runs) }];
    // Past the budget (MAX_ARTIFACT_BYTES_PER_EVALUATION): distinct files until it is passed; the gate must refuse, and quickly.
    // BENCH_ARTIFACT_OVER=0 skips it (timing a build without the budget, which would hash on).
    if (process.env.BENCH_ARTIFACT_OVER === "0") return rows;
    const over = structuredClone(fx.evidence);
    over.items[id]!.artifacts = refsOf(Math.ceil(1100 / mb), "distinct");
    const overReq = fx.gateRequest(fx.write(fx.sign(over)));
    const times: number[] = [];
    for (let i = 0; i < runs; i++) {
      const t0 = performance.now();
      try {
        runGate(overReq);
        abort("the gate hashed more than its budget without refusing");
      } catch (err) {
        if (err instanceof Abort) throw err;
        if (i === 0) console.log(`past the budget: ${(err as Error).message}`);
      }
      times.push(performance.now() - t0);
    }
    rows.push({ name: `in-process runGate, ${over.items[id]!.artifacts!.length} distinct files of ${mb} MB: fails closed`, times });
    return rows;
  } finally {
    rmSync(fx.dir, { recursive: true, force: true });
  }
}

function printRows(rows: Row[], caseLine: string): void {
  const cpus = os.cpus();
  console.log(`## Readiness gate benchmark\n`);
  console.log(`node ${process.version}, ${cpus.length} CPU(s) (${cpus[0]?.model ?? "unknown"}), ${os.platform()}/${os.arch()}`);
  console.log("CLI: node scripts/bin/cdb.cjs (tsx, Node compile cache); one untimed warm-up launch per row");
  if (caseLine) console.log(caseLine);
  console.log("| name | runs | median ms | min | max | target | verdict |");
  console.log("|---|---:|---:|---:|---:|---:|---|");
  let over = false;
  for (const r of rows) {
    const med = median(r.times);
    const verdict = r.targetMs === undefined ? "info" : med < r.targetMs ? "ok" : "OVER";
    if (verdict === "OVER") over = true;
    const target = r.targetMs === undefined ? "-" : `< ${r.targetMs}`;
    console.log(`| ${r.name} | ${r.times.length} | ${ms(med)} | ${ms(Math.min(...r.times))} | ${ms(Math.max(...r.times))} | ${target} | ${verdict} |`);
  }
  console.log("");
  if (over && process.env.BENCH_STRICT) process.exitCode = 1;
}

function main(): void {
  if (process.env.BENCH_ONLY === "artifacts") {
    printRows(manyReferences(Number(process.env.BENCH_GATE_RUNS ?? 3)), "");
    return;
  }
  const fx = makeFixture();
  const synthDir = repoTmpDir("bench-readiness-");
  const repo = repoCopy("cdb-bench-");
  try {
    // In-process: the evaluation with the fixture's files named directly (GateRequest's test fields).
    const signers = { allowedSignersFile: fx.allowedSigners };
    const digest = runGate({ stack: "live", evidenceFile: fx.evidenceFile, configFiles: { live: fx.liveConfig }, ...signers }).configDigest;
    const synth = syntheticCase(synthDir, digest, SYNTHETIC_ITEMS);
    const full = ["readiness", "--stack", "live", "--json"];

    // The CLI in a copy of the repository: first the fixture's complete case as its files, then the synthetic one.
    writeReadyLive(repo);
    const rows: Row[] = [{ name: "cold CLI, full catalog (35 items)", times: coldCli(repo.root, full, CLI_RUNS), targetMs: 200 }];
    const big = syntheticCase(repo.file("readiness", "artifacts", "bench"), digest, SYNTHETIC_ITEMS, repo.root);
    copyFileSync(big.catalog, repo.file("readiness", "checklist.yaml"));
    copyFileSync(big.evidence, repo.file("readiness", "live.evidence.yaml"));
    rows.push({ name: `cold CLI, synthetic ${SYNTHETIC_ITEMS} items`, times: coldCli(repo.root, full, CLI_RUNS), targetMs: 1000 });
    rows.push(
      { name: "in-process runGate, full catalog", times: inProcess({ stack: "live", evidenceFile: fx.evidenceFile, configFiles: { live: fx.liveConfig }, ...signers }, GATE_RUNS) },
      {
        name: `in-process runGate, synthetic ${SYNTHETIC_ITEMS} items`,
        times: inProcess({ stack: "live", evidenceFile: synth.evidence, catalogFile: synth.catalog, configFiles: { live: fx.liveConfig }, ...signers }, Math.min(GATE_RUNS, 10)),
      },
    );

    rows.push(...manyReferences(3));
    printRows(rows, `synthetic catalog ${statSync(synth.catalog).size} B, evidence ${statSync(synth.evidence).size} B, ${SYNTHETIC_ITEMS / 10} artifacts\n`);
  } finally {
    repo.dispose();
    rmSync(synthDir, { recursive: true, force: true });
    rmSync(fx.dir, { recursive: true, force: true });
  }
}

if (require.main === module) {
  try {
    main();
  } catch (e) {
    if (!(e instanceof Abort)) throw e;
    process.stderr.write(`bench/readiness: ${e.message}\n`);
    process.exitCode = 1;
  }
}
