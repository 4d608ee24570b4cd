import path from "node:path";
import type { StackPlan } from "../model/plan";
import { physicalPrefix } from "../model/plan";
import type { DockerTarget } from "../ops/docker";
import type { RedisAccess } from "../ops/redis";
import type { CandleFigures, RegimeFigures } from "../readiness/paperDrillKinds";
import { appendJournal, readJournal } from "../witness/journal";
import { observer, streamLastId } from "../witness/observe";
import type { WitnessSettings } from "../witness/stack";
import { witnessedCandles, witnessedRegime } from "../witness/streamWindow";
import { repoTmpDir } from "./repoTmp";

// For ops tests that collect without a witness container (ops/collect.test.ts):
// the witness's own code run here, on a journal in a test folder. `look()` is
// one heartbeat of the witness's observer (observe.ts: its containers by the
// stack's prefix, Redis's TIME, each watched stream's last id); `bind*` is what
// the witness's collect does with the figures (streamWindow.ts: only entries
// its heartbeats saw appear count). `heartbeat()` writes a heartbeat with
// given values: a STAND-IN for a witness that watched for hours, named as such
// where a test uses it.

export interface WitnessStreams {
  journalFile: string;
  look(): Promise<void>;
  heartbeat(redisTimeMs: number, streams: Record<string, { length: number; lastId?: string }>): void;
  bindCandles(f: CandleFigures): Promise<ReturnType<typeof witnessedCandles>>;
  bindRegime(f: RegimeFigures): Promise<ReturnType<typeof witnessedRegime>>;
}

export function witnessStreams(docker: DockerTarget, plan: StackPlan, redis: RedisAccess): WitnessStreams {
  const journalFile = path.join(repoTmpDir("witness-journal-"), "journal.jsonl");
  // The observer reads the engine (by prefix), Redis and its journal file only.
  const s = { stack: plan.stack, prefix: physicalPrefix(plan.stack), docker, journalFile } as WitnessSettings;
  const o = observer(s, () => Promise.resolve(redis));
  const lines = () => readJournal(journalFile).lines;
  return {
    journalFile,
    async look() {
      const before = lines().length;
      await o.tick("heartbeat");
      // The observer reports a failed look on stderr and goes on: here it must have journalled the streams.
      const l = lines();
      if (l.length !== before + 1 || !l.at(-1)!.event.streams) throw new Error(`the witness's look wrote no heartbeat with streams to ${journalFile}`);
    },
    heartbeat(redisTimeMs, streams) {
      appendJournal(journalFile, { type: "heartbeat", containers: [], streams }, redisTimeMs, new Date(redisTimeMs));
    },
    bindCandles: async (f) => witnessedCandles(f, lines(), await streamLastId(redis, f.stream)),
    bindRegime: async (f) => witnessedRegime(f, lines(), await streamLastId(redis, f.stream)),
  };
}
