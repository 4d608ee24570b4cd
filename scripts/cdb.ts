import { Command, Option } from "commander";
import { UnusableInput } from "../platform/errors";
import { EXIT } from "../platform/exitCodes";
import { exitWith, out } from "./commandRunner";
import { checkStackName } from "../platform/stackName";
import { registerOpsCommands } from "./opsCommands";
import { registerPromoteCommands } from "./promoteCommands";
import { registerExchangeCommands } from "./exchangeCommands";
import { registerDrillCommands } from "./drillCommands";
import { registerWitnessCommands } from "./witnessCommands";

// Every command loads its modules (the gate, zod, yaml, Pulumi, dockerode)
// inside its action, never at the top: `cdb --help` and each command pay only
// for what they run. The imports above are commander, the exit table and the
// commands' registrations.

// `cdb`: the operator's command line. Exit codes are a contract for CI; the
// one table is platform/exitCodes.ts: 0 ready/ok, 1 not ready/unhealthy, 2 unusable
// input, 3 internal error, 5 refused, 6 pulumi failed, 7 unreachable, 8
// authentication failed, 9 not found. Error types decide them.
export { EXIT };

const fail = exitWith;

export const program = new Command("cdb")
  .description("Deployment and readiness gate for the cdb trading stacks")
  .exitOverride((err) => {
    // Usage errors (unknown option, missing --stack) are unusable input too.
    process.exit(err.exitCode === 0 ? 0 : EXIT.unusableInput);
  })
  // Every command's --stack, given or defaulted, by Pulumi's stack-name rule: a name never reaches a path ("../../etc/passwd").
  .hook("preAction", (_program, command) => {
    const stack = (command.opts() as { stack?: unknown }).stack;
    if (typeof stack === "string") {
      try {
        checkStackName(stack);
      } catch (e) {
        fail(e);
      }
    }
  });

program
  .command("readiness")
  .description("Evaluate the live-trading checklist for a stack: exit 0 ready, 1 not ready, 2 unusable input")
  .requiredOption("-s, --stack <name>", "stack to evaluate (live, paper)")
  .option("-e, --evidence <file>", "evidence file (default readiness/<stack>.evidence.yaml, or $CDB_EVIDENCE_FILE); refused for a live stack")
  .option("--catalog <file>", "checklist catalog (default readiness/checklist.yaml); refused for a live stack")
  .option("--stack-config <file>", "stack config file (default Pulumi.<stack>.yaml)")
  .addOption(new Option("--json", "print JSON").conflicts("markdown"))
  .addOption(new Option("--markdown", "print Markdown for pull requests").conflicts("json"))
  .action((opts: { stack: string; evidence?: string; catalog?: string; stackConfig?: string; json?: boolean; markdown?: boolean }) => {
    try {
      const { runGate } = require("../readiness/gate") as typeof import("../readiness/gate");
      const { renderJson, renderMarkdown, renderText } = require("../readiness/report") as typeof import("../readiness/report");
      const configFiles = opts.stackConfig ? { [opts.stack]: opts.stackConfig } : undefined;
      // The flags are asks, judged with the environment's by readiness/trustRoot.ts: refused for a live stack.
      const asked = {
        ...(opts.evidence !== undefined ? { evidence: { via: "--evidence", file: opts.evidence } } : {}),
        ...(opts.catalog !== undefined ? { catalog: { via: "--catalog", file: opts.catalog } } : {}),
      };
      const result = runGate({ stack: opts.stack, asked, configFiles });
      const { verdict, notes, catalog } = result;
      const text = opts.json ? renderJson(verdict) : opts.markdown ? renderMarkdown(verdict, catalog, notes) : renderText(verdict, catalog, notes);
      out(text);
      process.exitCode = verdict.ready ? EXIT.ready : EXIT.notReady;
    } catch (e) {
      fail(e);
    }
  });

program
  .command("digest")
  .description("Print the config digest that binds evidence to the stack's trading settings")
  .requiredOption("-s, --stack <name>", "stack (live, paper)")
  .option("--stack-config <file>", "stack config file (default Pulumi.<stack>.yaml)")
  .addOption(new Option("--explain", "list every input that went in: per trading-path container its image, command, env, secret fingerprints, files").conflicts("json"))
  .addOption(new Option("--json", "print JSON {configDigest, inputs}").conflicts("explain"))
  .action((opts: { stack: string; stackConfig?: string; explain?: boolean; json?: boolean }) => {
    try {
      // The plan the gate, the program and the pack digest: with the secret settings the stack sets.
      const { loadStackConfigFile, viewOf } = require("../readiness/stackView") as typeof import("../readiness/stackView");
      const { configDigest, digestInputs, explainDigest } = require("../readiness/digest") as typeof import("../readiness/digest");
      const { plan } = viewOf(loadStackConfigFile(opts.stack, opts.stackConfig));
      const text = opts.explain
        ? explainDigest(plan).join("\n")
        : opts.json
          ? JSON.stringify({ configDigest: configDigest(plan), inputs: digestInputs(plan) })
          : configDigest(plan);
      process.stdout.write(text + "\n");
    } catch (e) {
      fail(e);
    }
  });

program
  .command("fingerprint")
  .description("Read a MEXC API key from standard input and print the value for cdb:mexcKeyFingerprint")
  .action(async () => {
    // stdin, never an argument: a key on the command line ends up in shell history.
    const chunks: Buffer[] = [];
    for await (const c of process.stdin) chunks.push(c as Buffer);
    const key = Buffer.concat(chunks).toString("utf8").trim();
    if (key === "") fail(new UnusableInput("<stdin>", "no key given: pipe the MEXC API key into this command"));
    const { keyFingerprint } = require("../config/schema") as typeof import("../config/schema");
    process.stdout.write(keyFingerprint(key) + "\n");
  });

program
  .command("deploy")
  .description("Preview or update a stack with the policy pack (local file backend unless PULUMI_BACKEND_URL is set)")
  .requiredOption("-s, --stack <name>", "stack (paper, live)")
  .option("--preview", "preview only, change nothing")
  .option("--confirm-live", "required to update a stack in which something trades for real")
  .option("--by <handle>", "who deploys (audit record of an update that trades real money; default the OS user)")
  .action(async (opts: { stack: string; preview?: boolean; confirmLive?: boolean; by?: string }) => {
    try {
      const { deploy } = require("./deploy") as typeof import("./deploy");
      await deploy({ stack: opts.stack, preview: opts.preview ?? false, confirmLive: opts.confirmLive ?? false, ...(opts.by ? { by: opts.by } : {}) }, (l) => process.stdout.write(l + "\n"));
    } catch (e) {
      fail(e);
    }
  });

program
  .command("destroy")
  .description("Remove every resource of a stack (containers, network, volumes); live only at paper flags with nothing trading, after typing its name")
  .requiredOption("-s, --stack <name>", "stack (paper, live)")
  .option("--yes", "do not ask (paper only)")
  .option("--by <handle>", "who destroys it (audit record; default the OS user)")
  .option("--docker-host <url>", "Docker host to check for trading containers (default cdb:dockerHost, then DOCKER_HOST)")
  .action(async (opts: { stack: string; yes?: boolean; by?: string; dockerHost?: string }) => {
    try {
      const { destroy } = require("./destroy") as typeof import("./destroy");
      const { confirm } = require("./commandRunner") as typeof import("./commandRunner");
      await destroy({ stack: opts.stack, yes: opts.yes ?? false, ...(opts.by ? { by: opts.by } : {}), ...(opts.dockerHost ? { dockerHost: opts.dockerHost } : {}), confirm, log: (l) => process.stdout.write(l + "\n") });
      process.exit(EXIT.ready);
    } catch (e) {
      fail(e);
    }
  });

registerOpsCommands(program);
registerPromoteCommands(program);
registerDrillCommands(program);
registerExchangeCommands(program);
registerWitnessCommands(program);

export function main(argv: string[]): void {
  try {
    void program.parseAsync(argv).catch(fail);
  } catch (e) {
    fail(e);
  }
}

if (require.main === module) main(process.argv);
