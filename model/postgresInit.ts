import { createHash } from "node:crypto";
import { readInputText } from "../config/inputFile";
import path from "node:path";
import { REPO_ROOT } from "../platform/paths";

// PostgreSQL's init scripts: the trading system's schema and migration 002,
// vendored (vendor/claire-de-binare/SOURCE.md) because live has no checkout
// to mount them from. Uploaded, not bind-mounted, so a remote Docker host
// needs no files. Their content never depends on stack settings: an upload
// that changes replaces the PostgreSQL container.

export const UPSTREAM_COMMIT = "916a8777c4dff26f2c176e96be41883174a28db9";
export const INITDB_DIR = "/docker-entrypoint-initdb.d";

const VENDOR_DIR = path.join(REPO_ROOT, "vendor", "claire-de-binare");

export const INIT_SCRIPTS = [
  {
    upstreamPath: "infrastructure/database/schema.sql",
    target: `${INITDB_DIR}/01-schema.sql`,
    sha256: "38d59b23a581354d33f1450918beca1db6df108051a5f08edec730df918c7a38",
  },
  {
    upstreamPath: "infrastructure/database/migrations/002_orders_price_nullable.sql",
    target: `${INITDB_DIR}/02-migration-002.sql`,
    sha256: "8bb6862d9ec11142b24604ef1c870f220d4d730ea50ec637d5623ea445d5e3b7",
  },
] as const;

let cached: { path: string; content: string }[] | undefined;

/** The init files with their content; throws when a vendored file is not the reviewed one. */
export function postgresInitFiles(vendorDir: string = VENDOR_DIR): { path: string; content: string }[] {
  if (vendorDir === VENDOR_DIR && cached) return cached;
  const files = INIT_SCRIPTS.map((s) => {
    const file = path.join(vendorDir, s.upstreamPath);
    const content = readInputText(file, { what: "vendored init script" });
    const actual = createHash("sha256").update(content).digest("hex");
    if (actual !== s.sha256) throw new Error(`${file} has sha256 ${actual}, expected ${s.sha256} (upstream ${UPSTREAM_COMMIT}); see vendor/claire-de-binare/SOURCE.md`);
    return { path: s.target, content };
  });
  if (vendorDir === VENDOR_DIR) cached = files;
  return files;
}
