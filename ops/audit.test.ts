import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { appendAudit, stateBackend } from "./audit";

// An audit record names the state backend and never holds its password,
// whatever a record quotes (an error from Pulumi repeating the URL).

const saved = process.env.PULUMI_BACKEND_URL;
afterEach(() => {
  if (saved === undefined) delete process.env.PULUMI_BACKEND_URL;
  else process.env.PULUMI_BACKEND_URL = saved;
});

describe("audit records and the state backend", () => {
  it("names the backend and removes its password from every field, nested or not", () => {
    const pw = "Audit-Pw-93x!";
    process.env.PULUMI_BACKEND_URL = `postgres://cdb_state:${encodeURIComponent(pw)}@db.internal:5432/state?sslmode=require`;
    const dir = mkdtempSync(path.join(os.tmpdir(), "cdb-audit-"));
    try {
      const file = path.join(dir, "operations.jsonl");
      appendAudit(
        { op: "promote", by: "janne", stack: "live", outcome: "failed at update (pulumi failed)", backend: stateBackend(), error: `unable to open state database "${process.env.PULUMI_BACKEND_URL}"`, problems: [`password ${pw} rejected`] },
        file,
      );
      const text = readFileSync(file, "utf8");
      expect(text).not.toContain(pw);
      expect(text).not.toContain(encodeURIComponent(pw));
      const record = JSON.parse(text) as Record<string, unknown>;
      expect(record.backend).toEqual({ scheme: "postgres", host: "db.internal:5432", database: "state", user: "cdb_state" });
      expect(record.error).toBe('unable to open state database "postgres://cdb_state:****@db.internal:5432/state?sslmode=require"');
      expect(record.problems).toEqual(["password **** rejected"]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
