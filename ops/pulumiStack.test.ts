import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { REPO_ROOT } from "../platform/paths";
import { keepStackFile } from "./pulumiStack";

// Creating a stack keeps its tracked file: `pulumi stack init` (3.259) rewrites
// it whole (`0.0` becomes `0`) and appends encryptionsalt; only that line stays.

const tracked = readFileSync(path.join(REPO_ROOT, "Pulumi.live.yaml"), "utf8");
const SALT = "encryptionsalt: v1:Ihm9zUFKhXA=:v1:ylWQdUxaccBH5alr:UftxGIeduNILDhaAdPXqCe5ThZdJLQ==";
/** What Pulumi 3.259 wrote into Pulumi.live.yaml at `pulumi stack init live` (measured). */
const rewritten = `${tracked.replace(/: 0\.0$/gm, ": 0")}${SALT}\n`;

describe("keepStackFile", () => {
  it("keeps the tracked file byte for byte and adds only the salt line Pulumi wrote", () => {
    expect(rewritten).not.toBe(tracked + SALT + "\n");
    const kept = keepStackFile(tracked, rewritten);
    expect(kept).toBe(`${tracked}${SALT}\n`);
    const before = parse(tracked) as Record<string, unknown>;
    expect(parse(kept)).toEqual({ ...before, encryptionsalt: SALT.slice("encryptionsalt: ".length) });
  });

  it("keeps a file without a final newline, and CRLF files, in their own line endings", () => {
    expect(keepStackFile("config:\n  cdb:mode: paper", `config:\n  cdb:mode: paper\n${SALT}\n`)).toBe(`config:\n  cdb:mode: paper\n${SALT}\n`);
    expect(keepStackFile("config:\r\n  cdb:mode: paper\r\n", `config:\n  cdb:mode: paper\n${SALT}\n`)).toBe(`config:\r\n  cdb:mode: paper\r\n${SALT}\r\n`);
  });

  it("a file that had a salt, or a change without one, goes back to what it was", () => {
    const salted = `config:\n  cdb:mode: paper\n${SALT}\n`;
    expect(keepStackFile(salted, `config:\n  cdb:mode: live\n${SALT.replace("Ihm9", "AAAA")}\n`)).toBe(salted);
    expect(keepStackFile("config:\n  x: 0.0\n", "config:\n  x: 0\n")).toBe("config:\n  x: 0.0\n");
    expect(keepStackFile(tracked, tracked)).toBe(tracked);
  });
});
