import { describe, expect, it } from "vitest";
import { npxCdb } from "../test/npxCdb";
import { liveStackFile, paperStackFile } from "../test/opsStack";

// `npx cdb drill …` refusing before it touches Redis or Docker: a live stack,
// an unusable option. One line on stderr, the exit code of the table.

describe("cdb drill refuses what it must not drill", () => {
  it("refuses a live stack (exit 5) for both drills, before reaching Docker", async () => {
    const live = liveStackFile();
    for (const drill of ["allocation-zero", "allocation-restart"]) {
      const r = await npxCdb(["drill", drill, "--stack", "live", "--stack-config", live, "--docker-host", "tcp://127.0.0.1:9"]);
      expect(r.code, r.err).toBe(5);
      expect(r.err.trim().split("\n")).toEqual([expect.stringMatching(/^cdb: .*a drill runs on paper only; stack live is live$/)]);
    }
  }, 60_000);

  it("refuses an option that is not a number (exit 2), naming it", async () => {
    const r = await npxCdb(["drill", "allocation-zero", "--stack", "paper", "--stack-config", paperStackFile("drillcli"), "--window", "soon"]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/--window: "soon" is not a number/);
  }, 60_000);
});
