import { execFile, spawnSync } from "node:child_process";
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { pollUntil } from "../platform/poll";
import { freePort } from "./redisServer";

// A real PostgreSQL (Debian package `postgresql`) per test file: a fresh
// cluster in a temporary directory (initdb), 127.0.0.1 on a free port,
// password authentication (scram-sha-256) for one user, stopped and removed
// after. The server refuses to run as root and the tests run as root: it runs
// as the `postgres` user the Debian package creates (else `nobody`) through
// setpriv. Its unix socket lives in the same temporary directory, not in
// /var/run/postgresql, so no system service is touched.

export interface PostgresServer {
  port: number;
  user: string;
  password: string;
  database: string;
  /** `postgres://user:password@127.0.0.1:port/database?sslmode=disable`: a DIY Pulumi backend URL (TLS off: loopback only). */
  url: string;
  /** Runs SQL through psql as the test user; resolves with psql's unaligned, tuples-only output. */
  query(sql: string): Promise<string>;
  stop(): Promise<void>;
}

/** The newest installed server's bin directory, without assuming the version (Debian: /usr/lib/postgresql/<major>/bin). */
export function postgresBinDir(root = "/usr/lib/postgresql"): string {
  const majors = existsSync(root) ? readdirSync(root).filter((d) => /^\d+$/.test(d) && existsSync(path.join(root, d, "bin", "pg_ctl"))) : [];
  const newest = majors.sort((a, b) => Number(b) - Number(a))[0];
  if (!newest) throw new Error(`no PostgreSQL server under ${root} (install the Debian package postgresql: npm run setup:test-tools)`);
  return path.join(root, newest, "bin");
}

/** The unprivileged account the server runs as: uid and gid from the passwd database. */
function serverAccount(): { name: string; uid: number; gid: number } {
  for (const name of ["postgres", "nobody"]) {
    const r = spawnSync("id", ["-u", name], { encoding: "utf8" });
    if (r.status !== 0) continue;
    const g = spawnSync("id", ["-g", name], { encoding: "utf8" });
    return { name, uid: Number(r.stdout.trim()), gid: Number(g.stdout.trim()) };
  }
  throw new Error("neither a postgres nor a nobody account exists to run PostgreSQL as");
}

const exec = (cmd: string, args: string[], env: NodeJS.ProcessEnv = process.env) =>
  new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
    execFile(cmd, args, { env, timeout: 60_000, maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });

export async function startPostgres(o: { user?: string; password?: string; database?: string } = {}): Promise<PostgresServer> {
  const bin = postgresBinDir();
  const user = o.user ?? "cdb_state";
  const password = o.password ?? `pg-${Math.random().toString(36).slice(2)}`;
  const database = o.database ?? "postgres";
  const account = serverAccount();
  const dir = mkdtempSync(path.join(os.tmpdir(), "cdb-postgres-"));
  chownSync(dir, account.uid, account.gid);
  const pwfile = path.join(dir, "pwfile");
  writeFileSync(pwfile, password + "\n", { mode: 0o600 });
  chownSync(pwfile, account.uid, account.gid);
  const data = path.join(dir, "data");
  const logFile = path.join(dir, "server.log");
  // As the server's account, never root (setpriv is util-linux: on every Debian).
  const asServer = (cmd: string, args: string[]) => exec("setpriv", [`--reuid=${account.uid}`, `--regid=${account.gid}`, "--clear-groups", "--", path.join(bin, cmd), ...args], { ...process.env, HOME: dir, LC_ALL: "C.UTF-8" });
  const init = await asServer("initdb", ["-D", data, "-U", user, `--pwfile=${pwfile}`, "-A", "scram-sha-256", "-E", "UTF8", "--no-sync"]);
  if (init.code !== 0) {
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`initdb failed: ${init.stderr.trim()}`);
  }
  const port = await freePort();
  // fsync off: a throwaway cluster; durability is PostgreSQL's, not what these tests examine.
  const opts = `-c listen_addresses=127.0.0.1 -p ${port} -c unix_socket_directories=${dir} -c fsync=off -c synchronous_commit=off -c full_page_writes=off`;
  const start = await asServer("pg_ctl", ["-D", data, "-l", logFile, "-o", opts, "-w", "-t", "60", "start"]);
  // A test process that ends without calling stop() (a crash, a failed hook) must not leave a server behind.
  const stopNow = () => {
    spawnSync("setpriv", [`--reuid=${account.uid}`, `--regid=${account.gid}`, "--clear-groups", "--", path.join(bin, "pg_ctl"), "-D", data, "-m", "immediate", "-w", "stop"], { stdio: "ignore" });
    rmSync(dir, { recursive: true, force: true });
  };
  process.once("exit", stopNow);
  const stop = async () => {
    process.removeListener("exit", stopNow);
    await asServer("pg_ctl", ["-D", data, "-m", "immediate", "-w", "stop"]);
    rmSync(dir, { recursive: true, force: true });
  };
  if (start.code !== 0) {
    const log = existsSync(logFile) ? spawnSync("tail", ["-5", logFile], { encoding: "utf8" }).stdout : "";
    await stop();
    throw new Error(`pg_ctl start failed: ${start.stderr.trim()} ${log}`);
  }
  const psqlEnv = { ...process.env, PGPASSWORD: password, PGCONNECT_TIMEOUT: "5" };
  const query = async (sql: string) => {
    const r = await exec("psql", ["-X", "-q", "-t", "-A", "-v", "ON_ERROR_STOP=1", "-h", "127.0.0.1", "-p", String(port), "-U", user, "-d", database, "-c", sql], psqlEnv);
    if (r.code !== 0) throw new Error(`psql failed: ${r.stderr.trim()}`);
    return r.stdout.trim();
  };
  // pg_ctl -w waits for the server; a login with the password proves authentication is what the tests will use.
  const ready = await pollUntil(
    () => query("select 1").then(
      (v) => v === "1",
      () => false,
    ),
    (ok) => ok,
    { deadline: Date.now() + 20_000, intervalMs: 100 },
  );
  if (!ready.done) {
    await stop();
    throw new Error("PostgreSQL did not accept a password login within 20 s");
  }
  const url = `postgres://${encodeURIComponent(user)}:${encodeURIComponent(password)}@127.0.0.1:${port}/${database}?sslmode=disable`;
  return { port, user, password, database, url, query, stop };
}
