import { envRecord } from "../platform/envEntries";
import { SERVICE_NAMES } from "../config/services";
import { appendAudit, operator, stateBackend } from "../ops/audit";
import { inspectContainer } from "../ops/docker";
import { OpsFailure, OpsRefused } from "../platform/errors";
import { pulumiStep } from "../ops/pulumiErrors";
import { openStack } from "../ops/pulumiStack";
import { dockerForUpdate, stackTarget } from "../ops/target";
import { tradesForReal } from "../config/safety";

// `cdb destroy`: removes every resource of a stack (containers, network,
// volumes with their data) through Pulumi; the stack, its config file and its
// state history stay, so the next `cdb deploy` creates it again.
// What an operator expects: a paper stack goes after typing its name (or
// --yes). A live stack goes only once nothing in it can trade: its config is
// at paper flags (where `cdb rollback` leaves it) AND no container of it on
// its Docker host runs with real-trading flags (the file may be ahead of what
// runs); then only after typing its name: a live destroy is never scripted.

export interface DestroyOptions {
  stack: string;
  yes: boolean;
  by?: string;
  dockerHost?: string;
  confirm: (question: string, expected: string) => Promise<boolean>;
  log: (line: string) => void;
}

/** Containers of the stack that run with real-trading flags now; a missing container trades nothing. */
async function tradingContainers(stack: string, dockerHost?: string): Promise<string[]> {
  const target = stackTarget(stack);
  const t = dockerForUpdate(target, dockerHost);
  const trading: string[] = [];
  for (const s of SERVICE_NAMES) {
    const name = target.containerName(s);
    let info;
    try {
      info = await inspectContainer(t, name);
    } catch (e) {
      if (e instanceof OpsFailure && e.kind === "notFound") continue;
      throw e;
    }
    const env = envRecord(info.Config?.Env);
    if (info.State?.Running && tradesForReal(env)) trading.push(name);
  }
  return trading;
}

export async function destroy(opts: DestroyOptions): Promise<void> {
  const target = stackTarget(opts.stack);
  const live = opts.stack !== "paper";
  if (target.mode !== "paper") throw new OpsRefused(`Pulumi.${opts.stack}.yaml has cdb:mode ${target.mode}: run \`npx cdb rollback --stack ${opts.stack}\` first (stop trading, paper flags), then destroy`);
  if (live) {
    const trading = await tradingContainers(opts.stack, opts.dockerHost);
    if (trading.length > 0) throw new OpsRefused(`${trading.join(", ")} run(s) with real-trading flags although Pulumi.${opts.stack}.yaml is at paper flags: run \`npx cdb rollback --stack ${opts.stack}\` first`);
    if (opts.yes) throw new OpsRefused(`--yes does not destroy ${opts.stack}: type the stack name`);
  }
  if (!opts.yes) {
    const ok = await opts.confirm(`This removes every container, the network and the volumes (their data) of ${opts.stack}. Type "${opts.stack}" to proceed: `, opts.stack);
    if (!ok) throw new OpsRefused(`${opts.stack} not destroyed: the stack name was not typed`);
  }
  const stack = await pulumiStep(() => openStack(opts.stack), opts.stack);
  const started = Date.now();
  let outcome = "failed";
  try {
    await pulumiStep(() => stack.destroy({ onOutput: (out: string) => opts.log(out.replace(/\n$/, "")), color: "never" }), opts.stack);
    outcome = "destroyed";
  } finally {
    appendAudit({ op: "destroy", by: operator(opts.by), stack: opts.stack, backend: stateBackend(), outcome, seconds: Math.round((Date.now() - started) / 1000) });
  }
}
