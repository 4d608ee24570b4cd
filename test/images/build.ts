import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { copyFileSync, chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import type Docker from "dockerode";

// Builds the test-double image of the ops tests without any registry: a
// FROM-scratch image holding busybox-static (shell, httpd, wget, timeout), the
// Debian redis-server and redis-cli with the shared libraries they link, and
// the double scripts of test/images/double (and python.sh as /usr/bin/python,
// which only fetches a URL, and standin.sh as the programs of declared start
// commands: /usr/bin/node, /bin/alertmanager). Every container made from it is a
// TEST DOUBLE of a cdb service, never the service itself.

export const DOUBLE_REPO = "cdb-test-double/stack";
const HERE = __dirname;
const BINARIES = ["/bin/busybox", "/usr/bin/redis-server", "/usr/bin/redis-cli"];
const DOUBLE_FILES = ["run.sh", "execution.sh", "risk.sh", "allocation.sh", "signal.sh", "shares.awk", "python.sh", "standin.sh"];
/** Programs a declared start command runs that the double image lacks: each is standin.sh. */
const STANDIN_PROGRAMS = ["/usr/bin/node", "/bin/alertmanager"];

/** Shared libraries of a dynamically linked binary, from ldd. */
function libsOf(bin: string): string[] {
  const r = spawnSync("ldd", [bin], { encoding: "utf8" });
  if (r.status !== 0) return []; // static (busybox-static)
  return [...r.stdout.matchAll(/(\/[^\s]+\.so[^\s]*)/g)].map((m) => m[1]!);
}

function imageTag(): string {
  const h = createHash("sha256");
  for (const f of DOUBLE_FILES) h.update(readFileSync(path.join(HERE, "double", f)));
  h.update(readFileSync(__filename));
  for (const b of BINARIES) h.update(b + String(readFileSync(b).length));
  return h.digest("hex").slice(0, 12);
}

export async function ensureDoubleImage(docker: Docker): Promise<string> {
  const ref = `${DOUBLE_REPO}:${imageTag()}`;
  try {
    await docker.getImage(ref).inspect();
    return ref;
  } catch {
    // build below
  }
  for (const b of BINARIES) {
    try {
      readFileSync(b, { flag: "r" }).length;
    } catch {
      throw new Error(`${b} is missing: run npm run setup:test-tools (Debian packages busybox-static, redis-server)`);
    }
  }
  const ctx = mkdtempSync(path.join(os.tmpdir(), "cdb-double-"));
  try {
    const root = path.join(ctx, "rootfs");
    const put = (src: string, dest = src) => {
      const target = path.join(root, dest);
      mkdirSync(path.dirname(target), { recursive: true });
      copyFileSync(src, target);
      chmodSync(target, 0o755);
    };
    for (const b of BINARIES) put(b);
    for (const lib of new Set(BINARIES.flatMap(libsOf))) put(lib);
    const applets = spawnSync("/bin/busybox", ["--list"], { encoding: "utf8" }).stdout.split("\n").filter((a) => a && a !== "busybox");
    mkdirSync(path.join(root, "bin"), { recursive: true });
    for (const a of applets) {
      try {
        symlinkSync("busybox", path.join(root, "bin", a));
      } catch {
        // an applet named like a file already there
      }
    }
    for (const d of ["tmp", "etc", "run/secrets", "double"]) mkdirSync(path.join(root, d), { recursive: true });
    chmodSync(path.join(root, "tmp"), 0o1777);
    writeFileSync(path.join(root, "etc", "passwd"), "root:x:0:0:root:/:/bin/sh\n");
    for (const f of DOUBLE_FILES.filter((x) => x !== "python.sh")) put(path.join(HERE, "double", f), path.join("double", f));
    // `python -c` of the health checks and cdb verify's GET /status (a wget wrapper, see python.sh).
    put(path.join(HERE, "double", "python.sh"), path.join("usr", "bin", "python"));
    for (const p of STANDIN_PROGRAMS) put(path.join(HERE, "double", "standin.sh"), p);
    writeFileSync(
      path.join(ctx, "Dockerfile"),
      ["FROM scratch", "COPY rootfs/ /", "ENV PATH=/usr/bin:/bin", `LABEL cdb-test-double="true"`, `ENTRYPOINT ["/double/run.sh"]`, ""].join("\n"),
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
