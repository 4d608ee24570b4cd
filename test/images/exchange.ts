import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import type Docker from "dockerode";
import { buildSync } from "esbuild";
import { REPO_ROOT } from "../../platform/paths";

// The image of the rehearsal tests, built without any registry: FROM scratch
// with the project's Node binary (node_modules/node) and the shared libraries
// it links, busybox-static (sh, wget for exec checks), the MEXC simulator
// (exchange/main.ts bundled into /sim/simulator.cjs: project code) and the
// execution TEST DOUBLE /double/execution-live-no-retry.mjs (not the service).

export const EXCHANGE_REPO = "cdb-test-double/exchange";
const HERE = __dirname;
const NODE = path.join(REPO_ROOT, "node_modules", "node", "bin", "node");
const DOUBLE = path.join(HERE, "exchange", "execution-live-no-retry.mjs");

function libsOf(bin: string): string[] {
  const r = spawnSync("ldd", [bin], { encoding: "utf8" });
  if (r.status !== 0) return [];
  return [...r.stdout.matchAll(/(\/[^\s]+\.so[^\s]*)/g)].map((m) => m[1]!);
}

function bundle(): string {
  const r = buildSync({ entryPoints: [path.join(REPO_ROOT, "exchange", "main.ts")], bundle: true, platform: "node", target: "node22", format: "cjs", write: false, logLevel: "silent" });
  return r.outputFiles[0]!.text;
}

export async function ensureExchangeImage(docker: Docker): Promise<string> {
  const sim = bundle();
  const h = createHash("sha256").update(sim).update(readFileSync(DOUBLE)).update(readFileSync(__filename)).update(String(statSync(NODE).size)).update(String(statSync("/bin/busybox").size));
  const ref = `${EXCHANGE_REPO}:${h.digest("hex").slice(0, 12)}`;
  try {
    await docker.getImage(ref).inspect();
    return ref;
  } catch {
    // build below
  }
  const ctx = mkdtempSync(path.join(os.tmpdir(), "cdb-exchange-image-"));
  try {
    const root = path.join(ctx, "rootfs");
    const put = (src: string, dest = src) => {
      const target = path.join(root, dest);
      mkdirSync(path.dirname(target), { recursive: true });
      copyFileSync(src, target);
      chmodSync(target, 0o755);
    };
    put(NODE, "/usr/local/bin/node");
    put("/bin/busybox");
    for (const lib of new Set(libsOf(NODE))) put(lib);
    for (const a of spawnSync("/bin/busybox", ["--list"], { encoding: "utf8" }).stdout.split("\n").filter((x) => x && x !== "busybox")) {
      try {
        symlinkSync("busybox", path.join(root, "bin", a));
      } catch {
        // exists
      }
    }
    for (const d of ["tmp", "etc", "run/secrets", "sim", "double"]) mkdirSync(path.join(root, d), { recursive: true });
    chmodSync(path.join(root, "tmp"), 0o1777);
    writeFileSync(path.join(root, "etc", "passwd"), "root:x:0:0:root:/:/bin/sh\n");
    writeFileSync(path.join(root, "sim", "simulator.cjs"), sim);
    put(DOUBLE, "/double/execution-live-no-retry.mjs");
    writeFileSync(path.join(ctx, "Dockerfile"), ["FROM scratch", "COPY rootfs/ /", "ENV PATH=/usr/local/bin:/usr/bin:/bin", `LABEL cdb-test-double="true"`, ""].join("\n"));
    const stream = await docker.buildImage({ context: ctx, src: ["Dockerfile", "rootfs"] }, { t: ref, rm: true, forcerm: true });
    const out = await new Promise<{ error?: string }[]>((resolve, reject) => docker.modem.followProgress(stream, (err, res) => (err ? reject(err) : resolve(res as { error?: string }[]))));
    const failed = out.find((o) => o.error);
    if (failed) throw new Error(`building ${ref} failed: ${failed.error}`);
    return ref;
  } finally {
    rmSync(ctx, { recursive: true, force: true });
  }
}

/** A CA made for one run, and a server certificate for MEXC's hosts signed by it (openssl). */
export function makeRunCa(dir: string, hosts = ["api.mexc.com", "contract.mexc.com"]): { caCert: string; cert: string; key: string } {
  const f = (n: string) => path.join(dir, n);
  const run = (args: string[]) => {
    const r = spawnSync("openssl", args, { encoding: "utf8" });
    if (r.status !== 0) throw new Error(`openssl ${args[0]} failed: ${r.stderr}`);
  };
  run(["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", f("ca.key"), "-out", f("ca.pem"), "-days", "2", "-subj", "/CN=cdb rehearsal CA (one run)", "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign"]);
  run(["req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", f("server.key"), "-out", f("server.csr"), "-subj", `/CN=${hosts[0]}`]);
  writeFileSync(f("ext.cnf"), `subjectAltName=${hosts.map((h) => `DNS:${h}`).join(",")}\nextendedKeyUsage=serverAuth\n`);
  run(["x509", "-req", "-in", f("server.csr"), "-CA", f("ca.pem"), "-CAkey", f("ca.key"), "-CAcreateserial", "-out", f("server.pem"), "-days", "2", "-extfile", f("ext.cnf")]);
  for (const n of ["server.key", "ca.key"]) chmodSync(f(n), 0o644); // read by the container's user
  return { caCert: f("ca.pem"), cert: f("server.pem"), key: f("server.key") };
}
