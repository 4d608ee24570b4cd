import { existsSync, statSync } from "node:fs";
import path from "node:path";
import { planStack, type StackPlan } from "../model/plan";
import { REPO_ROOT, stackConfigFile } from "../platform/paths";
import { UnusableInput } from "../platform/errors";
import { IncompleteStackConfig, loadStackConfigFile } from "../readiness/stackView";

// Paper builds its app images from `cdb:sourceDir`. pulumi-docker resolves a
// relative build context against the project directory (where Pulumi runs
// the program), so a path that is not a checkout of the trading system there
// fails only deep inside the update, once per image. Checked before Pulumi
// starts: one line naming the key and the first Dockerfile that is missing.
// Exit 2 (unusable input): the stack config holds a value that cannot be used,
// like any other wrong setting; nothing refused a valid request on purpose.

export function checkoutProblem(plan: StackPlan, sourceDir: string | undefined, projectDir = REPO_ROOT): string | undefined {
  for (const c of plan.containers) {
    // The project's own images (the witness) build from this repository, not from cdb:sourceDir.
    if (c.image.kind !== "build" || c.image.from !== "sourceDir") continue;
    const dockerfile = path.resolve(projectDir, c.image.dockerfile);
    const context = path.resolve(projectDir, c.image.context);
    const missing = !existsSync(context) || !statSync(context).isDirectory() ? context : !existsSync(dockerfile) ? dockerfile : undefined;
    if (missing !== undefined) {
      return `cdb:sourceDir ${JSON.stringify(sourceDir)} is not a checkout of the trading system (${missing} not found): clone it there or point cdb:sourceDir at one`;
    }
  }
  return undefined;
}

/**
 * Throws UnusableInput naming `cdb:sourceDir` in `Pulumi.<stack>.yaml` when a
 * build of the stack has no checkout to build from. A config that lacks
 * operator settings is left to the deploy rule, which names them.
 */
export function assertCheckout(stack: string, projectDir = REPO_ROOT): void {
  let loaded;
  try {
    loaded = loadStackConfigFile(stack, stackConfigFile(stack, projectDir));
  } catch (e) {
    if (e instanceof IncompleteStackConfig) return;
    throw e;
  }
  const problem = checkoutProblem(planStack(loaded.stack, loaded.config), loaded.config.sourceDir, projectDir);
  if (problem !== undefined) throw new UnusableInput(`Pulumi.${stack}.yaml`, problem);
}
