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
});
