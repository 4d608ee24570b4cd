import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { UnusableInput } from "../platform/errors";
import { standinCheckout } from "../test/engine/workspace";
import { assertCheckout } from "./sourceCheckout";

// `cdb deploy` refuses, before Pulumi starts, a paper stack whose
// cdb:sourceDir is not a checkout: one line naming the key.

const root = mkdtempSync(path.join(os.tmpdir(), "cdb-checkout-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

function project(sourceDir: string): string {
  const dir = mkdtempSync(path.join(root, "project-"));
  writeFileSync(path.join(dir, "Pulumi.paper.yaml"), stringify({ config: { "cdb:mode": "paper", "cdb:sourceDir": sourceDir } }));
  return dir;
}

describe("assertCheckout", () => {
  it("accepts a relative sourceDir that holds every Dockerfile, resolved against the project directory", () => {
    const dir = project("../checkout-ok");
    standinCheckout(path.join(root, "checkout-ok"));
    // The project directory here has no witness/Dockerfile: the witness builds from this repository, not from the checkout.
    expect(() => assertCheckout("paper", dir)).not.toThrow();
  });

  it("refuses a missing directory as unusable input naming cdb:sourceDir and the stack file", () => {
    const dir = project("../claire-de-binare");
    expect(() => assertCheckout("paper", dir)).toThrow(UnusableInput);
    expect(() => assertCheckout("paper", dir)).toThrow(/^Pulumi\.paper\.yaml: cdb:sourceDir "\.\.\/claire-de-binare" is not a checkout of the trading system \(.*claire-de-binare not found\)/);
  });

  it("refuses a directory that lacks one Dockerfile, naming it", () => {
    const src = path.join(root, "partial");
    standinCheckout(src);
    rmSync(path.join(src, "services", "execution", "Dockerfile"));
    const dir = project(src);
    expect(() => assertCheckout("paper", dir)).toThrow(/services\/execution\/Dockerfile not found/);
  });

  it("leaves a stack that builds nothing alone", () => {
    const dir = mkdtempSync(path.join(root, "noload-"));
    mkdirSync(dir, { recursive: true });
    writeFileSync(path.join(dir, "Pulumi.paper.yaml"), stringify({ config: { "cdb:mode": "paper", "cdb:images": Object.fromEntries(["ws", "signal", "candles", "regime", "allocation", "risk", "execution", "db_writer", "paper_runner", "reports"].map((s) => [s, `registry.example/${s}:1`])) } }));
    expect(() => assertCheckout("paper", dir)).not.toThrow();
  });
});
