import { describe, expect, it } from "vitest";
import type { JournalLine } from "./journal";
import { journalWindow, MAX_GAP_MS, type ContainerView } from "./observe";

// The observation window as the witness computes it from its journal:
// synthetic journal lines, one per observation, the way serve writes them.

const H = 3_600_000;
const T0 = Date.parse("2026-03-01T00:00:00.000Z");
const c = (name: string, over: Partial<ContainerView> = {}): ContainerView => ({ name, id: `id-${name}`, imageId: "sha256:" + "b".repeat(64), state: "running", running: true, startedAt: "2026-02-28T23:00:00.000Z", restartCount: 0, ...over });
const line = (seq: number, atMs: number, containers: ContainerView[], type: "containers" | "heartbeat" = "heartbeat"): JournalLine => ({ seq, prev: "", at: new Date(atMs).toISOString(), event: { type, containers } });
/** Heartbeats every minute from `fromMs` to `toMs` with `containers`. */
const beats = (fromMs: number, toMs: number, containers: ContainerView[], seq0 = 1): JournalLine[] => {
  const out: JournalLine[] = [];
  for (let t = fromMs, i = 0; t <= toMs; t += 60_000, i++) out.push(line(seq0 + i, t, containers));
  return out;
};

describe("the observation window from the journal", () => {
  const stack = [c("cdbpaper_execution"), c("cdbpaper_redis")];

  it("is the hours the witness saw every container run unchanged, up to now", () => {
    const lines = beats(T0, T0 + 49 * H, stack);
    const w = journalWindow(lines, new Date(T0 + 49 * H + 30_000), new Date(T0));
    expect(w.hours).toBe(49);
    expect(w.from).toBe(new Date(T0).toISOString());
    expect(w.start.what).toBe("earliest observation in the journal");
  });

  it("starts after a restart, a replaced container, or a gap in the witness's observations", () => {
    const restarted = [stack[0]!, c("cdbpaper_redis", { startedAt: "2026-03-01T10:00:00.000Z", restartCount: 1 })];
    const a = [...beats(T0, T0 + 10 * H, stack), ...beats(T0 + 10 * H + 60_000, T0 + 60 * H, restarted, 100_000)];
    const w = journalWindow(a, new Date(T0 + 60 * H), new Date(T0));
    expect(w.hours).toBe(49.9); // from the first observation after the restart
    expect(w.start).toMatchObject({ container: "cdbpaper_redis", what: "restarted" });
    expect(w.events).toEqual([{ at: new Date(T0 + 10 * H + 60_000).toISOString(), container: "cdbpaper_redis", action: "restarted" }]);
    const replaced = [c("cdbpaper_execution", { id: "id-new" }), stack[1]!];
    expect(journalWindow([...beats(T0, T0 + H, stack), ...beats(T0 + H + 60_000, T0 + 3 * H, replaced, 1000)], new Date(T0 + 3 * H), new Date(T0)).start.what).toBe("replaced (new container id)");
    const gap = [...beats(T0, T0 + 10 * H, stack), ...beats(T0 + 10 * H + MAX_GAP_MS + 60_000, T0 + 20 * H, stack, 5000)];
    const g = journalWindow(gap, new Date(T0 + 20 * H), new Date(T0));
    expect(g.start.container).toBe("witness");
    expect(g.hours).toBeLessThan(10);
  });

  it("is 0 when the last observation is old, a container is down, or a planned container was never seen", () => {
    const lines = beats(T0, T0 + 10 * H, stack);
    expect(journalWindow(lines, new Date(T0 + 10 * H + MAX_GAP_MS + 1), new Date(T0)).hours).toBe(0);
    expect(journalWindow([...lines, line(9999, T0 + 10 * H + 1000, [stack[0]!, c("cdbpaper_redis", { running: false, state: "exited" })], "containers")], new Date(T0 + 10 * H + 2000), new Date(T0))).toMatchObject({ hours: 0, start: { container: "cdbpaper_redis" } });
    expect(journalWindow(lines, new Date(T0 + 10 * H), new Date(T0), ["cdbpaper_risk"])).toMatchObject({ hours: 0, start: { container: "cdbpaper_risk", what: "not seen by the witness" } });
    expect(journalWindow([], new Date(T0), new Date(T0)).hours).toBe(0);
  });
});
