import path from "node:path";
import { checkStackName } from "./stackName";

// Where the project's files are, for every layer: the repository's root from
// any module of it, run from its sources (<root>/<folder>/x.ts) or from the
// build (<root>/dist/<folder>/x.js), and the default files under it.

const up = path.resolve(__dirname, "..");
export const REPO_ROOT = path.basename(up) === "dist" ? path.dirname(up) : up;

/** A stack's config file, as Pulumi names it. */
export const stackConfigFile = (stack: string, root = REPO_ROOT) => path.join(root, `Pulumi.${checkStackName(stack)}.yaml`);

/** The evidence file the gate reads for a stack unless told otherwise. */
export const defaultEvidenceFile = (stack: string) => path.join(REPO_ROOT, "readiness", `${checkStackName(stack)}.evidence.yaml`);

/** Pulumi state of the local file backend (git-ignored). */
export const STATE_DIR = path.join(REPO_ROOT, ".pulumi-state");

/** The policy pack every preview and update runs. */
export const POLICY_PACK = path.join(REPO_ROOT, "policies");
