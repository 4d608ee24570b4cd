import { existsSync } from "node:fs";
import path from "node:path";
import { SIMULATOR } from "../config/services";
import { notFound, OpsRefused, unreachable } from "../platform/errors";
import { REPO_ROOT } from "../platform/paths";
import { withTimeout } from "../platform/poll";
import { dockerCall, type DockerTarget } from "../ops/docker";

// `npx cdb exchange image`: the simulator's image for rehearsal stacks, built
// from this repository only (exchange/Dockerfile: a Node base and the bundle of
// exchange/main.ts the build makes; nothing of the tests). Offline, the base
// must already be on the engine (`--base` names another with node on its PATH).

export const SIMULATOR_DOCKERFILE = "exchange/Dockerfile";
export const SIMULATOR_BUNDLE = "dist/exchange/simulator.cjs";
export const DEFAULT_SIMULATOR_BASE = "node:24-bookworm-slim";
/** How long the trial run may take: the program refuses a missing --port as soon as Node has loaded it. */
const TRIAL_MS = 30_000;


export interface SimulatorImage {
  tag: string;
  /** sha256:… : the pin for cdb:images.exchange_simulator on this Docker host. */
  imageId: string;
  base: string;
}

/** The docker build of exchange/Dockerfile on `t`, tagged `tag`. */
export async function buildSimulatorImage(t: DockerTarget, o: { tag: string; base?: string; root?: string }): Promise<SimulatorImage> {
  const root = o.root ?? REPO_ROOT;
  const base = o.base ?? DEFAULT_SIMULATOR_BASE;
  if (!existsSync(path.join(root, SIMULATOR_BUNDLE))) throw new OpsRefused(`${SIMULATOR_BUNDLE} is missing: run \`npm run build\` first (the simulator's bundle is part of the build)`);
  const stream = await dockerCall(t, "build the simulator image", () => t.docker.buildImage({ context: root, src: [SIMULATOR_DOCKERFILE, SIMULATOR_BUNDLE] }, { t: o.tag, dockerfile: SIMULATOR_DOCKERFILE, buildargs: { BASE: base }, pull: "" as unknown as boolean, rm: true, forcerm: true }));
  // The engine reports a failed step in the stream, not as an HTTP error.
  const events = await new Promise<{ error?: string; aux?: { ID?: string } }[]>((resolve, reject) => t.docker.modem.followProgress(stream, (err: Error | null, out: { error?: string }[]) => (err ? reject(err) : resolve(out))));
  const failed = events.find((e) => e.error !== undefined);
  if (failed) {
    const line = failed.error!.trim().split("\n")[0]!;
    // No base and no registry (offline, or a name that does not exist): say which base and how to name another.
    if (/pull access denied|not found|no such host|dial tcp|manifest unknown|Temporary failure/i.test(line)) {
      throw notFound(`base image ${base} is not on ${t.host} and cannot be pulled (${line}): pull or import it, or name another with node on its PATH (--base)`);
    }
    throw unreachable(`docker build of ${SIMULATOR_DOCKERFILE} on ${t.host} failed: ${line}`);
  }
  const image = await dockerCall(t, `inspect ${o.tag}`, () => t.docker.getImage(o.tag).inspect());
  await assertRuns(t, o.tag, base);
  return { tag: o.tag, imageId: image.Id, base };
}

/**
 * A base without node builds and then fails at the rehearsal stack's first
 * start: the program runs once here, as the stack starts it (`node <program>`),
 * without its required --port, and must answer with its own refusal (exit 2).
 */
async function assertRuns(t: DockerTarget, tag: string, base: string): Promise<void> {
  const c = await dockerCall(t, "create a trial simulator container", () => t.docker.createContainer({ Image: tag, Cmd: ["node", SIMULATOR.program], HostConfig: { NetworkMode: "none", AutoRemove: false } }));
  try {
    await dockerCall(t, "start the trial simulator container", () => c.start()).catch((e: unknown) => {
      throw new OpsRefused(`${tag} does not run \`node ${SIMULATOR.program}\` (${e instanceof Error ? e.message.split("\n")[0] : String(e)}): its base ${base} has no node on its PATH`);
    });
    // The program refuses at once; a "node" that never ends is no Node image either.
    const { StatusCode } = await withTimeout(c.wait() as Promise<{ StatusCode: number }>, TRIAL_MS, () => new OpsRefused(`${tag}: \`node ${SIMULATOR.program}\` did not end within ${TRIAL_MS / 1000} s: its base ${base} is no Node image`));
    if (StatusCode !== 2) throw new OpsRefused(`${tag}: \`node ${SIMULATOR.program}\` exited ${StatusCode}, not with the simulator's own refusal of a missing --port (2): base ${base}`);
  } finally {
    await c.remove({ force: true }).catch(() => undefined);
  }
}
