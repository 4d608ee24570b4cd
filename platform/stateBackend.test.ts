import { describe, expect, it } from "vitest";
import { STATE_DIR } from "./paths";
import { backendText, backendUrl, describeBackend, redactBackend } from "./stateBackend";

// Which backend the audit names, and that its password never leaves the process.

const PW = "s3cr:t/p@ss%w0rd";
const URL_PG = `postgres://cdb_state:${encodeURIComponent(PW)}@db.internal:5432/pulumi_state?sslmode=verify-full`;

describe("describeBackend", () => {
  it("names scheme, host, database and user of a PostgreSQL backend, never the password or query", () => {
    const d = describeBackend(URL_PG);
    expect(d).toEqual({ scheme: "postgres", host: "db.internal:5432", database: "pulumi_state", user: "cdb_state" });
    expect(JSON.stringify(d)).not.toContain(encodeURIComponent(PW));
    expect(JSON.stringify(d)).not.toContain("sslmode");
    expect(backendText(d)).toBe("postgres://db.internal:5432/pulumi_state (user cdb_state)");
  });

  it("defaults to the repository's file backend, named by its folder", () => {
    expect(backendUrl({})).toBe(`file://${STATE_DIR}`);
    expect(backendUrl({ PULUMI_BACKEND_URL: "" })).toBe(`file://${STATE_DIR}`);
    expect(describeBackend(backendUrl({}))).toEqual({ scheme: "file", path: STATE_DIR });
  });

  it("echoes nothing of a value that is no URL", () => {
    expect(describeBackend(`not a url ${PW}`)).toEqual({ scheme: "unparsable" });
  });
});

describe("redactBackend", () => {
  const env = { PULUMI_BACKEND_URL: URL_PG };
  it("removes the password from Pulumi's error quoting the URL, in the encoded and the decoded spelling", () => {
    const err = `error: unable to open state database "${URL_PG}": failed to ping PostgreSQL: password authentication failed`;
    const out = redactBackend(err, env);
    expect(out).not.toContain(encodeURIComponent(PW));
    expect(out).toContain("postgres://cdb_state:****@db.internal:5432/pulumi_state");
    expect(redactBackend(`password was ${PW} and ${encodeURIComponent(PW)}`, env)).toBe("password was **** and ****");
  });

  it("removes the password of any other user:password@ URL too, and leaves texts without one unchanged", () => {
    expect(redactBackend("postgres://other:hunter22@10.0.0.1/x failed", {})).toBe("postgres://other:****@10.0.0.1/x failed");
    const plain = "docker:index/image:Image (cdb_ws): error: network bridge not found; see http://example.com:8080/a";
    expect(redactBackend(plain, env)).toBe(plain);
  });
});
