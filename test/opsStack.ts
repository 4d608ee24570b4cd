import { writeFileSync } from "node:fs";
import path from "node:path";
import { stringify } from "yaml";
import { stackPlan } from "../ops/target";
import { liveConfigYaml } from "./readinessFixture";
import { repoTmpDir } from "./repoTmp";

// Stack config files for the ops tests: each test file uses its own stack
// name, so its containers (`cdb<stack>_<service>`) never collide with another
// file's running in parallel on the same dockerd.

export function paperStackFile(stack: string, extra: Record<string, unknown> = {}): string {
  const dir = repoTmpDir(`ops-${stack}-`);
  const file = path.join(dir, `Pulumi.${stack}.yaml`);
  writeFileSync(file, stringify({ config: { "cdb:mode": "paper", "cdb:sourceDir": "../claire-de-binare", "cdb:logLevel": "INFO", ...extra } }));
  return file;
}

export const paperPlan = (stack: string, extra: Record<string, unknown> = {}) => {
  const file = paperStackFile(stack, extra);
  return { file, ...stackPlan(stack, file) };
};

/** The complete live config of the readiness fixture, under the stack name `live`. */
export function liveStackFile(): string {
  const dir = repoTmpDir("ops-live-");
  const file = path.join(dir, "Pulumi.live.yaml");
  writeFileSync(file, liveConfigYaml());
  return file;
}
