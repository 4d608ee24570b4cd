import type { Command } from "commander";
import { UnusableInput } from "../platform/errors";
import { EXIT } from "../platform/exitCodes";
import { action, out } from "./commandRunner";
import { KEY_HELP, keyOf } from "./opsCommands";

// `cdb exchange simulate|check` and `cdb rehearse`. Everything of the
// simulator, ccxt and the rehearsal loads inside the actions: other commands
// never pay for them.


const port = (flag: string) => (v: string) => {
  if (!/^\d+$/.test(v) || Number(v) > 65535) throw new UnusableInput(flag, `${JSON.stringify(v)} is not a TCP port`);
  return Number(v);
};

export function registerExchangeCommands(program: Command): void {
  const exit = EXIT;
  const run = action;
  const exchange = program.command("exchange").description("The simulated MEXC spot API, and the check of a stack's MEXC key");

  exchange
    .command("simulate")
    .description("Run the MEXC spot API simulator on this host; prints `listening on <url>` when ready")
    .requiredOption("--port <port>", "TCP port (0: any free one)", port("--port"))
    .requiredOption("--keys <file>", "API keys it accepts: one `<key> <secret>` pair a line")
    .option("--scenario <file>", "scenario (YAML; default: every order fills in full at its ticker price, 1,000 USDT)")
    .option("--host <address>", "address to listen on", "127.0.0.1")
    .option("--tls-cert <file>", "PEM certificate (chain): serve HTTPS")
    .option("--tls-key <file>", "PEM key of --tls-cert")
    .option("--admin-port <port>", "serve /_simulator/ on 127.0.0.1:<port> only, not on the API port", port("--admin-port"))
    .action(
      run(async (opts: { port: number; keys: string; scenario?: string; host: string; tlsCert?: string; tlsKey?: string; adminPort?: number }) => {
        const { simulate, untilSignal } = (require("../exchange/simulate") as typeof import("../exchange/simulate"));
        const sim = await simulate(opts, out);
        return untilSignal(sim);
      }),
    );

  exchange
    .command("image")
    .description("Build the simulator's image for rehearsal stacks from this repository (exchange/Dockerfile); prints the cdb:images.exchange_simulator pin")
    .option("-s, --stack <name>", "the rehearsal stack: its Docker host, and the stack the printed command pins", "rehearsal")
    .option("--tag <ref>", "image tag", "cdb-exchange-simulator:local")
    .option("--base <image>", "base image with node on its PATH (offline: one already on the engine)")
    .option("--docker-host <url>", "Docker host (default the stack's cdb:dockerHost, then DOCKER_HOST)")
    .option("--json", "print JSON {tag, imageId, base}")
    .action(
      run(async (opts: { stack: string; tag: string; base?: string; dockerHost?: string; json?: boolean }) => {
        const { stackTarget, dockerFor } = (require("../ops/target") as typeof import("../ops/target"));
        const { buildSimulatorImage } = (require("../exchange/image") as typeof import("../exchange/image"));
        const t = dockerFor(stackTarget(opts.stack), opts.dockerHost);
        const img = await buildSimulatorImage(t, { tag: opts.tag, ...(opts.base ? { base: opts.base } : {}) });
        if (opts.json) out(JSON.stringify(img));
        else {
          out(`built ${img.tag} (${img.imageId}) from ${img.base} on ${t.host}`);
          // The image id runs on this Docker host only (docs/freight.md, path B); push and pin the digest for another host.
          out(`pulumi config set -s ${opts.stack} --path cdb:images.exchange_simulator ${img.imageId}   # image id: this Docker host only`);
        }
        return exit.ok;
      }),
    );

  exchange
    .command("check")
    .description("Check the stack's MEXC key against MEXC: no withdrawal right, spot only, >= 100 USDT, a test order; writes a signed record")
    .requiredOption("-s, --stack <name>", "stack whose key to check (live)")
    .option("--api-url <url>", "MEXC spot API base URL (default https://api.mexc.com; the simulator in tests: its records prove nothing for live)")
    .option("--key-file <file>", "read the API key from this file instead of the stack's Pulumi secrets")
    .option("--secret-file <file>", "read the API secret from this file (with --key-file)")
    .option("--key <file>", KEY_HELP)
    .option("--by <handle>", "who checked (default: the signing key's principal in allowed_signers)")
    .option("--stack-config <file>", "stack config file (default Pulumi.<stack>.yaml)")
    .option("--out <dir>", "folder for the record (default readiness/artifacts/exchange-check)")
    .option("--json", "print the record")
    .action(
      run(async (opts: { stack: string; apiUrl?: string; keyFile?: string; secretFile?: string; key?: string; by?: string; stackConfig?: string; out?: string; json?: boolean }) => {
        const { checkExchange, credentials, stackFacts, writeCheckRecord } = (require("../exchange/check") as typeof import("../exchange/check"));
        const { checkFindings, notMainnet } = (require("../readiness/exchangeRecordKinds") as typeof import("../readiness/exchangeRecordKinds"));
        if (opts.apiUrl !== undefined && !/^https?:\/\/[^\s/]+/.test(opts.apiUrl)) throw new UnusableInput("--api-url", `${JSON.stringify(opts.apiUrl)} is not an http(s) URL`);
        const facts = stackFacts(opts.stack, opts.stackConfig);
        if (!["paper", "live", "rehearsal"].includes(facts.mode)) throw new UnusableInput(opts.stackConfig ?? `Pulumi.${opts.stack}.yaml`, `cdb:mode: ${JSON.stringify(facts.mode)} is not paper, live or rehearsal`);
        const signingKey = keyOf(opts, false);
        const { operator } = (require("../ops/audit") as typeof import("../ops/audit"));
        const by = operator(opts.by ?? (signingKey ? (require("../ops/evidence") as typeof import("../ops/evidence")).principalOf(signingKey) : undefined));
        const creds = await credentials(opts.stack, opts);
        const record = await checkExchange({ stack: opts.stack, mode: facts.mode as "live", by, creds, symbol: facts.symbol, images: facts.images, ...(opts.apiUrl ? { apiUrl: opts.apiUrl } : {}) });
        const written = writeCheckRecord(record, signingKey, opts.out);
        const f = record.predicate.figures as unknown as import("../readiness/exchangeRecordKinds").CheckFigures;
        const findings = checkFindings(f);
        const problems: string[] = [];
        if (facts.fingerprint !== f.keyFingerprint) problems.push(facts.fingerprint ? `key fingerprint ${f.keyFingerprint} is not cdb:mexcKeyFingerprint ${facts.fingerprint}: this key is not the one the stack's evidence is bound to` : "the stack declares no cdb:mexcKeyFingerprint to bind this key to");
        const mainnet = notMainnet(f.endpoint);
        if (mainnet) problems.push(`the record was ${mainnet}`);
        if (facts.mode !== "live") problems.push(`stack ${opts.stack} is ${facts.mode}: check records count for a live stack only`);
        if (!written.signatureFile) problems.push(`the record is not signed (--key or ${"CDB_SIGNING_KEY"}): the gate will not count it`);
        const passed = findings.every((c) => c.passed) && problems.length === 0;
        if (opts.json) out(JSON.stringify({ ...record, file: written.file, findings, problems }));
        else {
          for (const c of findings) out(`${c.passed ? "ok  " : "FAIL"} ${c.id} (${c.items.join(", ")}): ${c.detail}`);
          for (const p of problems) out(`FAIL ${p}`);
          out(`exchange check ${passed ? "passed" : "failed"} against ${f.endpoint.url} (key ${f.keyFingerprint})`);
          out(`record: ${written.file}${written.signatureFile ? ` (signed: ${written.signatureFile})` : ""}`);
        }
        return passed ? exit.ready : exit.notReady;
      }),
    );

  program
    .command("rehearse")
    .description("The rehearsal stack's witness feeds orders to execution per scenario and compares its reports with the simulated MEXC's order book; one record per scenario, signed by the witness")
    .requiredOption("-s, --stack <name>", "the rehearsal stack (cdb:mode: rehearsal)")
    .option("--scenario <file...>", "scenario files (default: every exchange/scenarios/*.yaml with a rehearsal block)")
    .option("--key <file>", "names who asked for the rehearsal (its principal, in the audit log); the records are signed by the stack's witness")
    .option("--by <handle>", "who asked (default: the key's principal in allowed_signers)")
    .option("--stack-config <file>", "stack config file (default Pulumi.<stack>.yaml)")
    .option("--docker-host <url>", "Docker host (default cdb:dockerHost, then DOCKER_HOST)")
    .option("--out <dir>", "folder for the records (default readiness/artifacts/rehearsals)")
    .option("--json", "print the records")
    .action(
      run(async (opts: { stack: string; scenario?: string[]; key?: string; by?: string; stackConfig?: string; dockerHost?: string; out?: string; json?: boolean }) => {
        const { stackTarget, dockerFor } = (require("../ops/target") as typeof import("../ops/target"));
        const rh = (require("../exchange/rehearse") as typeof import("../exchange/rehearse"));
        const scenarios = rh.rehearsalScenarios(opts.scenario);
        if (scenarios.length === 0) throw new UnusableInput("--scenario", "no scenario with a rehearsal block");
        const signingKey = keyOf(opts, false);
        const { appendAudit, operator } = (require("../ops/audit") as typeof import("../ops/audit"));
        const by = operator(opts.by ?? (signingKey ? (require("../ops/evidence") as typeof import("../ops/evidence")).principalOf(signingKey) : undefined));
        // Refuse before the witness is asked: the stack's config must say rehearsal (the witness checks execution's isolation itself).
        rh.assertRehearsalMode(opts.stack, opts.stackConfig);
        // The rehearsal stack's witness runs the rehearsal and signs each record (witness/main.ts rehearse, issue 22).
        const { runWitness, witnessContainerOf, writeWitnessRecords } = (require("../ops/witnessClient") as typeof import("../ops/witnessClient"));
        const timeoutMs = scenarios.reduce((ms, s) => ms + s.rehearsal!.waitMs + 60_000, 60_000);
        const records = await runWitness(dockerFor(stackTarget(opts.stack, opts.stackConfig), opts.dockerHost), { stack: opts.stack, container: witnessContainerOf(opts.stack), args: ["rehearse", "--scenarios", JSON.stringify(scenarios)], timeoutMs });
        const written = writeWitnessRecords(records, opts.out ?? rh.REHEARSAL_DIR);
        if (written.length !== scenarios.length) throw new Error(`the witness answered ${written.length} record(s) for ${scenarios.length} scenario(s)`);
        let allPassed = true;
        for (const w of written) {
          const record = JSON.parse(w.record) as import("../readiness/records").Statement;
          if (w.kind !== (require("../readiness/exchangeRecordKinds") as typeof import("../readiness/exchangeRecordKinds")).REHEARSAL_KIND) throw new Error(`the witness answered a ${w.kind} record to rehearse`);
          allPassed &&= record.predicate.outcome === "passed";
          appendAudit({ op: "rehearse", stack: opts.stack, by, outcome: record.predicate.outcome, record: w.file, signedBy: record.predicate.by });
          if (opts.json) out(JSON.stringify({ ...record, file: w.file, signatureFile: w.signatureFile }));
          else {
            out(rh.summaryLine(record));
            for (const u of (record.predicate.figures as { upstream: string[] }).upstream) out(`     upstream: ${u}`);
            out(`     record: ${w.file} (signed by ${record.predicate.by})`);
          }
        }
        return allPassed ? exit.ready : exit.notReady;
      }),
    );
}
