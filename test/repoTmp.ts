import { mkdirSync, mkdtempSync } from "node:fs";
import path from "node:path";
import { REPO_ROOT } from "../platform/paths";

/**
 * A new folder under the repository's git-ignored `.tmp/` (evidence artifacts
 * must lie inside the repository). `.tmp/` itself is created when missing, as
 * on a fresh clone.
 */
export function repoTmpDir(prefix: string): string {
  const base = path.join(REPO_ROOT, ".tmp");
  mkdirSync(base, { recursive: true });
  return mkdtempSync(path.join(base, prefix));
}
