import { createHash } from "node:crypto";
import { realpathSync, statSync } from "node:fs";
import path from "node:path";
import { MAX_ARTIFACT_BYTES, MAX_ARTIFACT_BYTES_PER_EVALUATION, readInputChunks } from "../config/inputFile";
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

/** More bytes to hash than one evaluation may: the gate fails closed with this one line (exit 2). */
export class ArtifactBudgetExceeded extends UnusableInput {}

const mib = (bytes: number) => (bytes >= 1024 * 1024 ? `${Math.round(bytes / (1024 * 1024))} MiB` : `${bytes} bytes`);

/**
 * The artifact digests of one gate evaluation: each file hashed once however many entries
 * name it (keyed by its real path, size and mtime, so a file changed meanwhile is hashed
 * again), and no more than `budgetBytes` hashed in all.
 */
export class ArtifactHashes {
  private readonly digests = new Map<string, string>();
  private hashedBytes = 0;
  constructor(readonly budgetBytes = MAX_ARTIFACT_BYTES_PER_EVALUATION) {}

  get hashed(): number {
    return this.hashedBytes;
  }

  sha256(real: string, shownAs: string): string {
    const st = statSync(real);
    const key = `${real}\0${st.size}\0${st.mtimeMs}`;
    const known = this.digests.get(key);
    if (known !== undefined) return known;
    if (this.hashedBytes + st.size > this.budgetBytes) {
      throw new ArtifactBudgetExceeded(`artifact ${shownAs}`, `hashing it would pass the ${mib(this.budgetBytes)} of artifacts one evaluation may hash (${mib(this.hashedBytes)} so far): the gate fails closed; attach fewer or smaller files`);
    }
    const digest = fileSha256(real, shownAs);
    this.hashedBytes += st.size;
    this.digests.set(key, digest);
    return digest;
  }
}

/** Tooling files change on every install or commit; they prove nothing about the checklist. */
const NOT_EVIDENCE = new Set([".git", "node_modules"]);
const underTooling = (rel: string) => rel.split(/[\\/]/).some((x) => NOT_EVIDENCE.has(x.toLowerCase()));

/**
 * Problem with one evidence artifact, or undefined when it exists inside the
 * repo and its digest matches. The one rule for an artifact's path, used by
 * `cdb evidence add` (ops/evidence.ts artifactRef) and by the gate alike:
 * symlinks anywhere in the path are resolved (realpath) and the file they
 * reach is held to the same rule as the path as written, so a link into .git
 * or out of the repo is refused however it is spelled.
 */
export function artifactProblem(repoRoot: string, artifact: { path: string; sha256: string }, hashes: ArtifactHashes = new ArtifactHashes()): string | undefined {
  const p = artifact.path;
  if (path.posix.isAbsolute(p) || path.win32.isAbsolute(p)) return `artifact ${p}: absolute paths are not allowed`;
  const parts = p.split(/[\\/]/);
  if (parts.includes("..")) return `artifact ${p}: ".." is not allowed`;
  if (underTooling(p)) return `artifact ${p}: files under .git or node_modules are not evidence`;
  let root: string;
  let real: string;
  try {
    root = realpathSync(repoRoot);
    real = realpathSync(path.resolve(root, p));
  } catch {
    return `artifact ${p}: file not found`;
  }
  if (real !== root && !real.startsWith(root + path.sep)) return `artifact ${p}: resolves outside the repository`;
  const resolved = path.relative(root, real);
  if (underTooling(resolved)) return `artifact ${p}: resolves to ${resolved.split(path.sep).join("/")}, and files under .git or node_modules are not evidence`;
  let digest: string;
  try {
    digest = hashes.sha256(real, p);
  } catch (e) {
    if (e instanceof ArtifactBudgetExceeded) throw e;
    // A FIFO, a device, a directory or an oversized file is not a missing proof but unusable input (exit 2).
    if (e instanceof UnusableInput) throw new UnusableInput(`artifact ${p}`, e.detail);
    throw e;
  }
  return digest === artifact.sha256 ? undefined : `artifact ${p}: sha256 ${digest.slice(0, 12)}… does not match ${artifact.sha256.slice(0, 12)}…`;
}
