import { createHash } from "node:crypto";
import { realpathSync } from "node:fs";
import path from "node:path";
import { MAX_ARTIFACT_BYTES, readInputChunks } from "../config/inputFile";
import { UnusableInput } from "../platform/errors";

/** The sha256 of a file's bytes, as evidence entries record it (a regular file, at most MAX_ARTIFACT_BYTES). */
export function fileSha256(file: string, shownAs = file): string {
  const h = createHash("sha256");
  try {
    readInputChunks(file, (c) => h.update(c), { maxBytes: MAX_ARTIFACT_BYTES, what: "artifact" });
  } catch (e) {
    if (e instanceof UnusableInput && shownAs !== file) throw new UnusableInput(shownAs, e.detail);
    throw e;
  }
  return h.digest("hex");
}

/**
 * Problem with one evidence artifact, or undefined when it exists inside the
 * repo and its digest matches. Symlinks are resolved before the containment
 * check, so a link pointing out of the repo is refused too.
 */
export function artifactProblem(repoRoot: string, artifact: { path: string; sha256: string }): string | undefined {
  const p = artifact.path;
  if (path.posix.isAbsolute(p) || path.win32.isAbsolute(p)) return `artifact ${p}: absolute paths are not allowed`;
  const parts = p.split(/[\\/]/);
  if (parts.includes("..")) return `artifact ${p}: ".." is not allowed`;
  // Tooling files change on every install or commit; they prove nothing about the checklist.
  if (parts.some((x) => x.toLowerCase() === ".git" || x.toLowerCase() === "node_modules")) return `artifact ${p}: files under .git or node_modules are not evidence`;
  let root: string;
  let real: string;
  try {
    root = realpathSync(repoRoot);
    real = realpathSync(path.resolve(root, p));
  } catch {
    return `artifact ${p}: file not found`;
  }
  if (real !== root && !real.startsWith(root + path.sep)) return `artifact ${p}: resolves outside the repository`;
  let digest: string;
  try {
    digest = fileSha256(real);
  } catch (e) {
    // A FIFO, a device, a directory or an oversized file is not a missing proof but unusable input (exit 2).
    if (e instanceof UnusableInput) throw new UnusableInput(`artifact ${p}`, e.detail);
    throw e;
  }
  return digest === artifact.sha256 ? undefined : `artifact ${p}: sha256 ${digest.slice(0, 12)}… does not match ${artifact.sha256.slice(0, 12)}…`;
}
