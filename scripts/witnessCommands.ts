import type { Command } from "commander";
import { EXIT } from "../platform/exitCodes";
import { action } from "./commandRunner";

// The commands of a stack's witness (config/witness.ts): parse, call ops/, render.
// dockerode loads inside the actions, so other commands do not pay for it.

export function registerWitnessCommands(program: Command): void {
  const witness = program.command("witness").description("The witness of a stack: this project's own service that observes the stack and signs what it measured");

  witness
    .command("key")
    .description("Print the allowed_signers line of the stack's witness (its public key, read from its running container): add it to readiness/allowed_signers under review")
    .requiredOption("-s, --stack <name>", "stack (paper, rehearsal, live)")
    .option("--stack-config <file>", "stack config file (default Pulumi.<stack>.yaml)")
    .option("--docker-host <url>", "Docker host (default cdb:dockerHost, then DOCKER_HOST)")
    .option("--json", "print JSON {stack, container, principal, namespace, fingerprint, allowedSignersLine}")
    .action(
      action(async (opts: { stack: string; stackConfig?: string; dockerHost?: string; json?: boolean }) => {
        const { stackTarget, dockerFor } = require("../ops/target") as typeof import("../ops/target");
        const { witnessKey } = require("../ops/witnessKey") as typeof import("../ops/witnessKey");
        const target = stackTarget(opts.stack, opts.stackConfig);
        const k = await witnessKey(dockerFor(target, opts.dockerHost), opts.stack, target.containerName("witness"));
        process.stdout.write(`${opts.json ? JSON.stringify(k) : k.allowedSignersLine}\n`);
        process.stderr.write(
          `cdb: ${k.principal} is ${k.fingerprint}: add the line to readiness/allowed_signers in a reviewed change, like any signer (the gate trusts no witness record before)\n`,
        );
        return EXIT.ok;
      }),
    );
}
