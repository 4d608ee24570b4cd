import fc from "fast-check";
import { writeFileSync } from "node:fs";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { makeFixture, type Fixture } from "../test/readinessFixture";
import { loadCatalog } from "./catalog";
import { REPO_ROOT } from "../platform/paths";
import type { Evidence } from "./evidence";
import { runGate } from "./gate";

// Property: starting from complete evidence, no mutation that removes, ages,
// tampers with or un-approves an item can yield "ready".

const catalog = loadCatalog();
const evidenceIds = catalog.items.filter((i) => i.kind !== "machine").map((i) => i.id);
const twoPerson = catalog.items.filter((i) => i.twoPerson).map((i) => i.id);
const withArtifacts = catalog.items.filter((i) => i.artifact).map((i) => i.id);
const measured = catalog.items.filter((i) => i.threshold);

type Entry = Evidence["items"][string];
const hex64 = fc.string({ unit: fc.constantFrom(..."0123456789abcdef"), minLength: 64, maxLength: 64 });
type Mutation = { kind: string; id: string; apply(e: Omit<Evidence, "file">, fx: Fixture): void };

const mutation = fc.oneof(
  fc.constantFrom(...evidenceIds).map((id): Mutation => ({ kind: "remove", id, apply: (e) => delete e.items[id] })),
  fc.tuple(fc.constantFrom(...evidenceIds), fc.integer({ min: 1, max: 4000 })).map(([id, extraDays]): Mutation => ({
    kind: "age",
    id,
    apply: (e, fx) => {
      const max = catalog.items.find((i) => i.id === id)!.maxAgeDays!;
      e.items[id]!.at = new Date(fx.now.getTime() - (max + extraDays / 100) * 86_400_000).toISOString();
    },
  })),
  fc.tuple(fc.constantFrom(...evidenceIds), fc.integer({ min: 6, max: 100_000 })).map(([id, minutes]): Mutation => ({
    kind: "future",
    id,
    apply: (e, fx) => void (e.items[id]!.at = new Date(fx.now.getTime() + minutes * 60_000).toISOString()),
  })),
  fc.tuple(fc.constantFrom(...withArtifacts), hex64).map(([id, hex]): Mutation => ({
    kind: "tamper-digest",
    id,
    apply: (e) => {
      const a = e.items[id]!.artifacts?.[0];
      if (!a) return;
      a.sha256 = hex.toLowerCase() === a.sha256 ? a.sha256.replace(/^./, (c) => (c === "0" ? "1" : "0")) : hex.toLowerCase();
    },
  })),
  fc.constantFrom(...withArtifacts).map((id): Mutation => ({
    kind: "tamper-file",
    id,
    apply: (e) => {
      const a = e.items[id]!.artifacts?.[0];
      if (a) writeFileSync(path.join(REPO_ROOT, a.path), "changed\n");
    },
  })),
  fc.constantFrom(...withArtifacts).map((id): Mutation => ({ kind: "drop-artifacts", id, apply: (e) => void (e.items[id]!.artifacts = []) })),
  fc.tuple(fc.constantFrom(...twoPerson), fc.boolean()).map(([id, drop]): Mutation => ({
    kind: "unapprove",
    id,
    apply: (e) => {
      const entry: Entry = e.items[id]!;
      if (drop) delete entry.approvedBy;
      else entry.approvedBy = entry.by.toUpperCase();
    },
  })),
  fc.tuple(fc.constantFrom(...measured), fc.double({ min: 0, max: 0.999, noNaN: true })).map(([item, f]): Mutation => ({
    kind: "outside-threshold",
    id: item.id,
    // Below a minimum, or above a maximum (a latency bound).
    apply: (e) => void (e.items[item.id]!.value = item.threshold!.min !== undefined ? item.threshold!.min * f : item.threshold!.max! / Math.max(f, 0.001) + 1),
  })),
  hex64.map((hex): Mutation => ({
    kind: "other-config",
    id: "*",
    apply: (e) => void (e.configDigest = hex.toLowerCase() === e.configDigest ? "0".repeat(64) : hex.toLowerCase()),
  })),
);

describe("readiness gate (property)", () => {
  let pristine: Fixture;
  beforeAll(() => {
    pristine = makeFixture(new Date("2026-11-20T12:00:00Z"));
    expect(runGate(pristine.gateRequest()).verdict.ready).toBe(true);
  });

  it("never says ready after a removing, ageing, tampering or un-approving mutation", () => {
    fc.assert(
      fc.property(fc.array(mutation, { minLength: 1, maxLength: 4 }), fc.boolean(), (mutations, resign) => {
        const fx = makeFixture(pristine.now);
        const e = structuredClone(fx.evidence);
        for (const m of mutations) if (m.id === "*" || e.items[m.id]) m.apply(e, fx);
        // Signed again after the mutation, as a dishonest operator with a valid key could: the gate must still refuse.
        if (resign) fx.sign(e);
        const { verdict } = runGate(fx.gateRequest(fx.write(e)));
        expect(verdict.ready, mutations.map((m) => `${m.kind}:${m.id}`).join(", ")).toBe(false);
      }),
      { numRuns: 120 },
    );
  }, 120_000);
});
