import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import type Docker from "dockerode";
import { REPO_ROOT } from "../../platform/paths";

// The witness image of the ops tests, built without any registry: FROM
// scratch with this machine's Node binary (node_modules/node, Node 24 like
// witness/Dockerfile's base) and the shared libraries it links, plus the
// REAL witness program, bundled from the sources now (scripts/bin/build.cjs
// bundleWitness). The base differs from witness/Dockerfile's; the witness
// code is the one that ships. Tagged by the content hash of both.

export const WITNESS_TEST_REPO = "cdb-test-witness/witness";
const NODE = path.join(REPO_ROOT, "node_modules", "node", "bin", "node");

function libsOf(bin: string): string[] {
  const r = spawnSync("ldd", [bin], { encoding: "utf8" });
  if (r.status !== 0) return [];
  return [...r.stdout.matchAll(/(\/[^\s]+\.so[^\s]*)/g)].map((m) => m[1]!);
}

export async function ensureWitnessImage(docker: Docker): Promise<string> {
  const ctx = mkdtempSync(path.join(os.tmpdir(), "cdb-witness-img-"));
  try {
    const bundle = path.join(ctx, "rootfs", "opt", "cdb-witness", "witness.cjs");
    (require(path.join(REPO_ROOT, "scripts", "bin", "build.cjs")) as { bundleWitness(root: string, out: string): string }).bundleWitness(REPO_ROOT, bundle);
    const h = createHash("sha256").update(readFileSync(bundle)).update(readFileSync(__filename));
    h.update(String(readFileSync(NODE).length));
    const ref = `${WITNESS_TEST_REPO}:${h.digest("hex").slice(0, 12)}`;
    try {
      await docker.getImage(ref).inspect();
      return ref;
    } catch {
      // build below
    }
    const root = path.join(ctx, "rootfs");
    const put = (src: string, dest = src) => {
      const target = path.join(root, dest);
      mkdirSync(path.dirname(target), { recursive: true });
      copyFileSync(src, target);
      chmodSync(target, 0o755);
    };
    put(NODE, "/usr/local/bin/node");
    for (const lib of new Set(libsOf(NODE))) put(lib);
    for (const d of ["tmp", "etc", "var/lib/cdb-witness", "run/secrets"]) mkdirSync(path.join(root, d), { recursive: true });
    chmodSync(path.join(root, "tmp"), 0o1777);
    chmodSync(path.join(root, "var/lib/cdb-witness"), 0o700);
    writeFileSync(path.join(root, "etc", "passwd"), "root:x:0:0:root:/:/nonexistent\n");
    writeFileSync(
      path.join(ctx, "Dockerfile"),
      ["FROM scratch", "COPY rootfs/ /", "ENV PATH=/usr/local/bin", `LABEL cdb-test-witness="true"`, `ENTRYPOINT ["node", "/opt/cdb-witness/witness.cjs"]`, `CMD ["serve"]`, ""].join("\n"),
    );
    const stream = await docker.buildImage({ context: ctx, src: ["Dockerfile", "rootfs"] }, { t: ref, rm: true, forcerm: true });
    const out = await new Promise<{ error?: string }[]>((resolve, reject) => docker.modem.followProgress(stream, (err, res) => (err ? reject(err) : resolve(res as { error?: string }[]))));
    const failed = out.find((o) => o.error);
    if (failed) throw new Error(`building ${ref} failed: ${failed.error}`);
    return ref;
  } finally {
    rmSync(ctx, { recursive: true, force: true });
  }
}
