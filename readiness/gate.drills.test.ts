import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { beforeEach, describe, expect, it } from "vitest";
import { makeFixture, signEntry, type Fixture } from "../test/readinessFixture";
import { makeKey } from "../test/sshKeys";
import { fileSha256 } from "./artifacts";
import { REPO_ROOT } from "../platform/paths";
import type { Evidence } from "./evidence";
import { runGate } from "./gate";
import { idMs } from "./paperDrillKinds";
import { signRecordFile, type Statement } from "./records";
import { WITNESS_NAMESPACE } from "../config/witness";

// Attacks on the records of the allocation drills and the stream collectors
// (issue 14 part 5): each starts from complete signed evidence whose records
// were written by the project's own statement builders, and breaks one thing.

let fx: Fixture;
beforeEach(() => {
  fx = makeFixture(new Date("2026-11-20T12:00:00Z"));
});

type E = Omit<Evidence, "file">;
const ITEMS = ["killswitch.allocation-zero", "killswitch.risk-blocks-zero", "stability.allocation-restart", "stability.candles", "stability.regime"] as const;
const item = (id: string, e?: E) => runGate(fx.gateRequest(e ? fx.write(e) : fx.evidenceFile)).verdict.items.find((i) => i.id === id)!;
const recordFile = (e: E, id: string) => path.join(REPO_ROOT, e.items[id]!.artifacts![0]!.path);
type F = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/**
 * Edits the record of `id` by hand and updates its sha256 in the entry (so the
 * hash matches). `resign: "witness"` signs the record again with the key that
 * counts for it, paper's witness (as if the witness itself had seen those
 * figures: what is left to judge are the figures); `value` retypes the entry's
 * value; the entry is signed again.
 */
function forge(id: string, edit: (s: Statement, f: F) => void, opts: { resign?: "witness" | "mallory"; value?: number } = {}): E {
  const e = structuredClone(fx.evidence);
  const file = recordFile(e, id);
  const s = JSON.parse(readFileSync(file, "utf8")) as Statement;
  edit(s, s.predicate.figures as F);
  writeFileSync(file, JSON.stringify(s, null, 2) + "\n");
  if (opts.resign === "witness") signRecordFile(file, fx.keys.witnessPaper.file, WITNESS_NAMESPACE);
  if (opts.resign === "mallory") signRecordFile(file, makeKey("mallory").file, WITNESS_NAMESPACE);
  e.items[id]!.artifacts![0]!.sha256 = fileSha256(file);
  if (opts.value !== undefined) e.items[id]!.value = opts.value;
  signEntry(e, id, fx.keys, false);
  return e;
}

// Each case builds a fresh fixture (keys, ssh-keygen signatures): seconds each on a loaded machine.
describe("records of the allocation drills and stream collectors", { timeout: 60_000 }, () => {
  it("counts each one, with the value its record computes", () => {
    const values: Record<string, RegExp> = {
      "killswitch.allocation-zero": /allocation-zero\.json passed \(120\)/,
      "killswitch.risk-blocks-zero": /risk-blocks-zero\.json passed \(18\)/,
      "stability.allocation-restart": /allocation-restart\.json passed \(2\.5\)/,
      "stability.candles": /candles\.json measured \(49\)/,
      "stability.regime": /regime\.json measured \(48\.5\)/,
    };
    for (const id of ITEMS) {
      const r = item(id);
      expect(r.status, `${id}: ${r.reason}`).toBe("satisfied");
      expect(r.reason).toMatch(values[id]!);
    }
  });

  it("refuses a hand-edited figure whose sha256 in the entry matches: the record's signature no longer holds", () => {
    const cases: [string, (s: Statement, f: F) => void][] = [
      ["killswitch.risk-blocks-zero", (_, f) => void (f.blocked.orders = 0, f.blocked.signals = 40)],
      ["killswitch.allocation-zero", (_, f) => void (f.zeroRead.atMs -= 100)],
      ["stability.allocation-restart", (_, f) => void (f.requestedAtMs += 2_000)],
      ["stability.candles", (_, f) => void f.symbols[0].ids.unshift(`${Number(f.symbols[0].ids[0].split("-")[0]) - 60_000}-0`)],
      ["stability.regime", (_, f) => void f.signals.push({ ...f.signals[0], id: "1-0" })],
    ];
    for (const [id, edit] of cases) {
      fx = makeFixture(fx.now);
      expect(item(id, forge(id, edit)), id).toMatchObject({ status: "invalid", reason: expect.stringMatching(/signature does not verify: it was made over other content/) });
      fx = makeFixture(fx.now);
      expect(item(id, forge(id, edit, { resign: "mallory" })), id).toMatchObject({ status: "invalid", reason: expect.stringMatching(/which is not in allowed_signers; \S+ records count only when signed by witness@paper \(namespace cdb-witness\)$/) });
    }
  });

  it("refuses records that say passed when their figures say otherwise, even signed by an allowed key", () => {
    const cases: [string, (s: Statement, f: F) => void, RegExp][] = [
      ["killswitch.allocation-zero", (_, f) => void delete f.zeroRead, /risk never read stream\.allocation_decisions past the zero decision/],
      ["killswitch.allocation-zero", (_, f) => void delete f.restore, /was not restored/],
      ["killswitch.allocation-zero", (_, f) => void (f.deleted = []), /drill decisions left on stream\.allocation_decisions/],
      ["killswitch.allocation-zero", (_, f) => void (f.previous.fields.allocation_pct = "0.000000"), /had allocation 0\.000000 before the drill: a zero proves nothing/],
      ["killswitch.allocation-zero", (_, f) => void (f.zero.fields.allocation_pct = "0.010000"), /is not allocation_pct 0 for paper/],
      ["killswitch.allocation-zero", (_, f) => void (f.zeroRead.command[7] = "1-0"), /risk never read/],
      ["killswitch.risk-blocks-zero", (_, f) => void (f.blocked.orders = 2), /risk approved 2 order\(s\) of paper while its allocation was 0/],
      ["killswitch.risk-blocks-zero", (_, f) => void (f.before.orders = 0), /before the drill: nothing is shown to be blocked/],
      ["killswitch.risk-blocks-zero", (_, f) => void (f.after.orders = 0), /no order of paper after the restore/],
      ["stability.allocation-restart", (_, f) => void ((f.decisions = []), delete f.regimeSignal), /no decision within 60000 ms of its restart \(stream\.regime_signals is empty/],
      ["stability.allocation-restart", (_, f) => void (f.strategyIds = ["paper", "momo"]), /no decision for momo after the restart/],
      ["stability.candles", (_, f) => void (f.symbols[0].ids = f.symbols[0].ids.slice(0, -10)), /BTCUSDT: no candle in the last two intervals/],
      ["stability.candles", (_, f) => void (f.symbols = []), /no candles on stream\.candles_1m/],
      ["stability.regime", (_, f) => void (f.signals[1].atr = "1.500000"), /1 signal\(s\) name a regime their ADX\/ATR do not give: \S+ HIGH_VOL_CHAOTIC \(adx 28\.000000, atr 1\.500000\)/],
      ["stability.regime", (_, f) => void (f.signals[0].adx = "22.000000"), /TREND \(adx 22\.000000/],
    ];
    for (const [id, edit, reason] of cases) {
      fx = makeFixture(fx.now);
      const r = item(id, forge(id, edit, { resign: "witness" }));
      expect(r, `${id} ${reason}`).toMatchObject({ status: "failed" });
      expect(r.reason).toMatch(reason);
    }
  });

  it("judges candles and regime on Redis's clock: a window wider than observed, ids outside it or market time that claims more are refused", () => {
    const earlier = (t: string, h: number) => new Date(Date.parse(t) - h * 3_600_000).toISOString();
    const cases: [string, (s: Statement, f: F) => void, RegExp][] = [
      // The window stretched back to a --since before the stream's first entry: time the collector never saw.
      ...(["stability.candles", "stability.regime"] as const).map((id): [string, (s: Statement, f: F) => void, RegExp] => [
        id,
        (s, f) => void ((f.streamFirstId = `${Date.parse(f.since) + 60_000}-0`), (f.since = earlier(f.since, 10)), (s.predicate.window.from = f.since)),
        /the window starts at \S+, before the collector's first observation at /,
      ]),
      ["stability.candles", (s) => void (s.predicate.window.to = new Date(Date.parse(s.predicate.window.to) + 60_000).toISOString()), /the window ends at \S+, not at the collection /],
      ["stability.regime", (s) => void (s.predicate.window.from = new Date(Date.parse(s.predicate.window.to) - 3 * 3_600_000).toISOString()), /regime signals: 1 stream id\(s\) outside the window/],
      ["stability.regime", (_, f) => void delete f.streamFirstId, /regime signals: entries listed from a stream that had none/],
      ["stability.candles", (_, f) => void f.symbols[0].ids.reverse(), /BTCUSDT: stream ids go backwards/],
    ];
    for (const [id, edit, reason] of cases) {
      fx = makeFixture(fx.now);
      const r = item(id, forge(id, edit, { resign: "witness" }));
      expect(r, `${id} ${reason}`).toMatchObject({ status: "failed" });
      expect(r.reason).toMatch(reason);
    }
  });

  it("counts a regime signal by its stream id, not its market time: 50 h of ts in a burst of ids is minutes", () => {
    // A replay: market time (ts) from 50 h before the collection, received by Redis in the last minute.
    const replayed = forge(
      "stability.regime",
      (s, f) => {
        const to = Date.parse(s.predicate.window.to);
        f.signals = f.signals.map((x: F, i: number) => ({ ...x, id: `${to - 60_000 + i}-0`, ts: String(Math.floor(to / 1000) - (50 - i) * 3600) }));
      },
      { resign: "witness", value: 0 },
    );
    expect(item("stability.regime", replayed)).toMatchObject({ status: "failed", reason: "value 0 hours is below 48 hours" });
  });

  it("refuses a failed record as written (outcome failed)", () => {
    const e = forge("killswitch.risk-blocks-zero", (s, f) => void ((f.blocked.orders = 3), (s.predicate.outcome = "failed"), (s.predicate.explanation = "risk approved 3 order(s)")), { resign: "witness" });
    expect(item("killswitch.risk-blocks-zero", e)).toMatchObject({ status: "failed", reason: "record risk-blocks-zero.json: outcome failed (risk approved 3 order(s))" });
  });

  it("refuses values outside the threshold: too few blocked signals, a slow zero or restart, a short candle run", () => {
    const few = forge("killswitch.risk-blocks-zero", (_, f) => void (f.blocked.signals = 2), { resign: "witness", value: 2 });
    expect(item("killswitch.risk-blocks-zero", few)).toMatchObject({ status: "failed", reason: "value 2 signals is below 3 signals" });
    fx = makeFixture(fx.now);
    const slow = forge("killswitch.allocation-zero", (_, f) => void (f.zeroRead.atMs += 9_000), { resign: "witness", value: 9120 });
    expect(item("killswitch.allocation-zero", slow)).toMatchObject({ status: "failed", reason: "value 9120 ms is above 5000 ms" });
    fx = makeFixture(fx.now);
    const late = forge("stability.allocation-restart", (_, f) => void (f.requestedAtMs -= 70_000, f.boundMs = 120_000), { resign: "witness", value: 72.5 });
    expect(item("stability.allocation-restart", late)).toMatchObject({ status: "failed", reason: "value 72.5 seconds is above 60 seconds" });
    fx = makeFixture(fx.now);
    // A gap 10 hours before the collection: the run that reaches it is 10 hours.
    const gap = forge(
      "stability.candles",
      (s, f) => {
        const to = Date.parse(s.predicate.window.to);
        f.symbols[0].ids = f.symbols[0].ids.filter((id: string) => idMs(id) < to - 10 * 3_600_000 - 300_000 || idMs(id) >= to - 10 * 3_600_000);
      },
      { resign: "witness", value: 10 },
    );
    expect(item("stability.candles", gap)).toMatchObject({ status: "failed", reason: "value 10 hours is below 48 hours" });
    // The typed value must be the record's: 49 typed over a 10-hour run is refused.
    fx = makeFixture(fx.now);
    const typed = forge(
      "stability.candles",
      (s, f) => {
        const to = Date.parse(s.predicate.window.to);
        f.symbols[0].ids = f.symbols[0].ids.filter((id: string) => idMs(id) < to - 10 * 3_600_000 - 300_000 || idMs(id) >= to - 10 * 3_600_000);
      },
      { resign: "witness", value: 49 },
    );
    expect(item("stability.candles", typed)).toMatchObject({ status: "invalid", reason: "value 49 differs from 10, what its record computes" });
  });

  it("refuses regime signals over less than 48 hours of Redis's clock and records older than the item allows", () => {
    // The first signal 2 h before the collection: 2 hours, whatever --since asked for.
    const short = forge("stability.regime", (_, f) => void (f.signals = f.signals.slice(1)), { resign: "witness", value: 2 });
    expect(item("stability.regime", short)).toMatchObject({ status: "failed", reason: "value 2 hours is below 48 hours" });
    fx = makeFixture(fx.now);
    const typed = forge("stability.regime", (_, f) => void (f.signals = f.signals.slice(1)), { resign: "witness", value: 48.5 });
    expect(item("stability.regime", typed)).toMatchObject({ status: "invalid", reason: "value 48.5 differs from 2, what its record computes" });
    const back = (t: string, days: number) => new Date(Date.parse(t) - days * 86_400_000).toISOString();
    for (const [id, days, max] of [["stability.candles", 8, 7], ["killswitch.allocation-zero", 31, 30]] as const) {
      fx = makeFixture(fx.now);
      // The whole record moved back, stream ids and collection time with its window: a consistent old record.
      const old = forge(
        id,
        (s, f) => {
          s.predicate.window = { from: back(s.predicate.window.from, days), to: back(s.predicate.window.to, days) };
          if (id !== "stability.candles") return;
          const backId = (x: string) => `${idMs(x) - days * 86_400_000}-0`;
          Object.assign(f, { since: back(f.since, days), collectedAt: back(f.collectedAt, days), streamFirstId: backId(f.streamFirstId) });
          f.symbols[0].ids = f.symbols[0].ids.map(backId);
        },
        { resign: "witness" },
      );
      expect(item(id, old), id).toMatchObject({ status: "expired", reason: expect.stringMatching(new RegExp(`more than ${max} days ago$`)) });
    }
  });
});
