import { describe, expect, it } from "vitest";
import { pulumiErrorLines } from "./pulumiErrors";

// What `cdb deploy` prints when Pulumi fails: the error lines per resource
// from the Diagnostics section, not the closing summary ("Duration: 9s").

const FAILED_UP = `Updating (paper):
 +  docker:index/image:Image cdb_ws creating (0s) error: network bridge not found
 +  docker:index/image:Image cdb_ws **creating failed** error: network bridge not found
 +  docker:index/image:Image cdb_signal **creating failed** error: network bridge not found
Diagnostics:
  docker:index/image:Image (cdb_ws):
    error: network bridge not found

  docker:index/image:Image (cdb_signal):
    error: network bridge not found

  pulumi:pulumi:Stack (cdb-paper):
    error: update failed

Resources:
    + 3 created
    2 errored

Duration: 9s
`;

describe("pulumiErrorLines", () => {
  it("names every failed resource with its error, and drops the generic update failed and the summary", () => {
    expect(pulumiErrorLines(FAILED_UP)).toEqual(["docker:index/image:Image (cdb_ws): error: network bridge not found", "docker:index/image:Image (cdb_signal): error: network bridge not found"]);
  });

  it("keeps the generic line when nothing more specific was printed, and the last line when there is no error line", () => {
    expect(pulumiErrorLines("Diagnostics:\n  pulumi:pulumi:Stack (cdb-paper):\n    error: update failed\n\nDuration: 1s\n")).toEqual(["pulumi:pulumi:Stack (cdb-paper): error: update failed"]);
    expect(pulumiErrorLines("something odd\nDuration: 1s\n")).toEqual(["Duration: 1s"]);
  });

  // Issue 25 item 8: a refused preview ended with "error: preview failed"; the violations were above it.
  it("ends a refused preview with each mandatory violation and its message, in Pulumi's Policies format", () => {
    const refused = [
      "Previewing update (live):",
      "     Type                 Name      Plan",
      " +   pulumi:pulumi:Stack  cdb-live  create",
      "",
      "Diagnostics:",
      "  pulumi:pulumi:Stack (cdb-live):",
      "    error: preview failed",
      "",
      "Policies:",
      "    ❌ cdb-policies@v0.1.0 (local: policies)",
      "        - [mandatory]  live-readiness  (pulumi:pulumi:Stack: cdb-live)",
      "          live is not ready: 2 of 35 items open",
      "          killswitch.manual-drill: missing",
      "        - [mandatory]  live-images-pinned  (docker:index/container:Container: cdb_execution)",
      "          cdb:images.execution is not pinned by digest",
      "        - [advisory]  some-advice  (pulumi:pulumi:Stack: cdb-live)",
      "          not a refusal",
      "",
      "Resources:",
      "    + 1 to create",
    ].join("\n");
    expect(pulumiErrorLines(refused)).toEqual([
      "policy violation: live-readiness (pulumi:pulumi:Stack: cdb-live): live is not ready: 2 of 35 items open; killswitch.manual-drill: missing",
      "policy violation: live-images-pinned (docker:index/container:Container: cdb_execution): cdb:images.execution is not pinned by digest",
    ]);
    // A message of hundreds of lines is cut, and says so.
    const long = ["Policies:", "        - [mandatory]  live-readiness  (pulumi:pulumi:Stack: cdb-live)", ...Array.from({ length: 65 }, (_, i) => `          item ${i}: missing`)].join("\n");
    const [line] = pulumiErrorLines(long);
    expect(line).toMatch(/; item 59: missing; … 5 more lines$/);
  });
});
