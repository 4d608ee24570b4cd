import { dockerCall, type DockerTarget, inspectContainer } from "./docker";
import type Docker from "dockerode";
import { pollUntil } from "../platform/poll";
import { streamFields, type RedisAccess } from "./redis";
import { OpsFailure, systemRefused, UnusableInput } from "../platform/errors";
import { hiddenCharacter } from "../config/terminalText";

// The kill switch of the reference (cdb-stack.md): an entry on
// stream.bot_shutdown. execution rejects every order after any entry; risk
// blocks the named strategy or bot; allocation zeroes the named strategy. All
// read from 0-0: every entry left in the stream takes effect again after a
// restart, so releasing means trimming the stream and restarting them.

export const SHUTDOWN_STREAM = "stream.bot_shutdown";
/** The services that keep the shutdown state in memory (restart after a release). */
export { SHUTDOWN_READERS } from "../readiness/emergencyRunbook";

export interface KillEntry {
  reason: string;
  strategyId?: string;
  botId?: string;
  /** Unix seconds; now when omitted. */
  ts?: number;
}

/**
 * Refuses what an entry must not carry, named by the flag it comes from (exit 2): a blank
 * reason, and control or bidirectional formatting characters, which would reach Redis and
 * every terminal that shows the stream. The CLI calls it before it reaches Redis.
 */
export function checkKillEntry(e: Pick<KillEntry, "reason" | "strategyId" | "botId">, reasonFlag = "--reason"): void {
  if (e.reason.trim() === "") throw new UnusableInput(reasonFlag, "is blank: say why (it is written into the entry and the audit log)");
  const fields: [string, string | undefined][] = [[reasonFlag, e.reason], ["--strategy", e.strategyId], ["--bot", e.botId]];
  for (const [flag, v] of fields) {
    const c = v === undefined ? undefined : hiddenCharacter(v);
    if (c) throw new UnusableInput(flag, `contains the character ${c}: control and bidirectional formatting characters never reach Redis`);
  }
}

/** The XADD arguments, each a separate argv element (never interpolated into a shell). */
export function killEntryArgs(e: KillEntry): string[] {
  checkKillEntry(e);
  const ts = e.ts ?? Math.floor(Date.now() / 1000);
  return [
    "XADD", SHUTDOWN_STREAM, "MAXLEN", "~", "10000", "*",
    "ts", String(ts),
    "reason", e.reason,
    "priority", "SAFETY",
    ...(e.strategyId ? ["strategy_id", e.strategyId] : []),
    ...(e.botId ? ["bot_id", e.botId] : []),
  ];
}

export interface WrittenEntry {
  id: string;
  ts: number;
  fields: Record<string, string>;
}

/** Writes a kill-switch entry; returns its stream id. */
export async function writeKillEntry(redis: RedisAccess, entry: KillEntry): Promise<WrittenEntry> {
  const args = killEntryArgs(entry);
  let id: unknown;
  try {
    id = await redis.call(args);
  } catch (e) {
    // Out of memory, a key of another type: Redis answered, and no entry exists. Said so, with the way that needs no Redis.
    if (e instanceof OpsFailure && e.kind === "refused") throw systemRefused(`kill switch NOT set: ${e.message} (docs/runbooks/emergency.md stops execution without Redis)`);
    throw e;
  }
  if (typeof id !== "string" || !/^\d+-\d+$/.test(id)) throw new Error(`${redis.where}: XADD returned ${JSON.stringify(id)}, not a stream id`);
  const fields: Record<string, string> = {};
  for (let i = 6; i < args.length; i += 2) fields[args[i]!] = args[i + 1]!;
  return { id, ts: Number(fields.ts), fields };
}

export const shutdownEntryCount = async (redis: RedisAccess): Promise<number> => Number(await redis.call(["XLEN", SHUTDOWN_STREAM]));

/** Entries currently in the stream, oldest first. */
export async function shutdownEntries(redis: RedisAccess): Promise<{ id: string; fields: Record<string, string> }[]> {
  const raw = (await redis.call(["XRANGE", SHUTDOWN_STREAM, "-", "+", "COUNT", "1000"])) as [string, string[]][] | null;
  return (raw ?? []).map(([id, kv]) => ({ id, fields: streamFields(kv) }));
}

/** Empties the stream (XTRIM MAXLEN 0); returns how many entries were removed. */
export async function releaseKillSwitch(redis: RedisAccess): Promise<number> {
  return Number(await redis.call(["XTRIM", SHUTDOWN_STREAM, "MAXLEN", "0"]));
}

/** Deletes one entry (a drill's own); returns 1 when it was there. */
export const deleteEntry = async (redis: RedisAccess, id: string): Promise<number> => Number(await redis.call(["XDEL", SHUTDOWN_STREAM, id]));

/**
 * Lifts a hold this command armed: deletes its own entry only (by id, never by
 * its reason text, which anyone can type) and reports whether the switch is
 * now open. An entry someone else wrote meanwhile, a real emergency stop,
 * keeps trading stopped: `others` says how many.
 */
export async function releaseOwnEntry(redis: RedisAccess, id: string): Promise<{ released: true } | { released: false; others: number }> {
  await deleteEntry(redis, id);
  const others = await shutdownEntryCount(redis);
  return others === 0 ? { released: true } : { released: false, others };
}

/**
 * Stops a container (execution) through the Engine API, without Pulumi or its
 * state. Already stopped is fine. The restart policy does not bring back a
 * container stopped this way.
 */
export async function stopExecution(t: DockerTarget, container: string, opts: { graceSeconds?: number } = {}): Promise<{ wasRunning: boolean }> {
  const info = await inspectContainer(t, container);
  if (!info.State.Running && !info.State.Restarting) return { wasRunning: false };
  const grace = opts.graceSeconds ?? 5;
  await dockerCall(
    t,
    `stop container ${container}`,
    async () => {
      try {
        await t.docker.getContainer(container).stop({ t: grace });
      } catch (e) {
        if ((e as { statusCode?: number }).statusCode !== 304) throw e; // 304: already stopped
      }
    },
    (grace + 10) * 1000,
  );
  return { wasRunning: true };
}

/** Restarts containers and waits until each runs (and is healthy where it has a check). */
export async function restartContainers(t: DockerTarget, names: readonly string[], timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (const name of names) {
    await dockerCall(t, `restart container ${name}`, () => t.docker.getContainer(name).restart({ t: 5 }), 20_000);
  }
  for (const name of names) {
    const back = (s: Docker.ContainerInspectInfo["State"]) => s.Running && !s.Restarting && (!s.Health || s.Health.Status === "healthy");
    const { value: s, done } = await pollUntil(async () => (await inspectContainer(t, name)).State, back, { deadline, intervalMs: 100 });
    if (!done) throw new Error(`container ${name} did not come back running${s.Health ? " and healthy" : ""} within ${timeoutMs / 1000} s`);
  }
}
