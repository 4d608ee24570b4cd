import Docker from "dockerode";
// The provider server only (see docker.ts).
import { main } from "@pulumi/pulumi/provider";
import { pack } from "tar-stream";
import { tradesForReal } from "../../../config/safety";
import { SERVICES, type ServiceName } from "../../../config/services";
import { envRecord } from "../../../platform/envEntries";
import { ensureDoubleImage } from "../../images/build";
import { DOUBLE_HEALTH, healthTest, ns } from "../../stackDoubles";
import { isSecret, standinProvider } from "./standinProvider";

// STAND-IN for the docker provider that runs TEST DOUBLES on a real dockerd
// (engine tests of promote and rollback only). Networks, volumes and
// containers are really created and removed, with the declared names,
// aliases, environment, volumes, uploads and restart policy; every container
// runs the test-double image (test/images) instead of the service's image,
// which no registry here can provide. Images are echoed, not built. Replacing
// is delete-then-create, like the real provider under deleteBeforeReplace.
// TEST KNOB: with CDB_STANDIN_CRASH_LIVE=<service> in its environment, that
// service's container exits at start when it trades for real (as a live
// executor with a rejected MEXC key would), to make a promotion fail.

const docker = new Docker();
type Inputs = Record<string, unknown>;
const plain = (v: unknown): unknown => (isSecret(v) ? v.value : v);
const typeOf = (urn: string) => urn.split("::")[2]!.split("$").at(-1)!;

async function gone(p: Promise<unknown>): Promise<void> {
  try {
    await p;
  } catch (e) {
    if ((e as { statusCode?: number }).statusCode !== 404) throw e;
  }
}

async function upload(container: Docker.Container, uploads: { file: string; content?: unknown }[]): Promise<void> {
  if (uploads.length === 0) return;
  const tar = pack();
  for (const u of uploads) tar.entry({ name: u.file.replace(/^\//, ""), mode: 0o444 }, String(plain(u.content) ?? ""));
  tar.finalize();
  const chunks: Buffer[] = [];
  for await (const c of tar) chunks.push(c as Buffer);
  await container.putArchive(Buffer.concat(chunks), { path: "/" });
}

async function createContainer(inputs: Inputs): Promise<void> {
  const networks = (inputs.networksAdvanced as { name: string; aliases?: string[] }[] | undefined) ?? [];
  const alias = networks.flatMap((n) => n.aliases ?? []).find((a) => a.startsWith("cdb_"));
  const service = alias?.slice(4) as ServiceName | undefined;
  const port = service && service !== "redis" ? SERVICES[service]?.port : undefined;
  const envs = (inputs.envs as string[] | undefined) ?? [];
  // CDB_STANDIN_CRASH_LIVE=<service>: that service's double crashes when it runs with live flags (a failed verification).
  const crash = service !== undefined && process.env.CDB_STANDIN_CRASH_LIVE === service && tradesForReal(envRecord(envs));
  const env = [...envs, ...(port ? [`CDB_DOUBLE_PORT=${port}`] : []), ...(crash ? ["CDB_DOUBLE_CRASH=1"] : [])];
  const volumes = (inputs.volumes as { volumeName?: string; containerPath: string; readOnly?: boolean }[] | undefined) ?? [];
  const name = String(inputs.name);
  await gone(docker.getContainer(name).remove({ force: true }));
  const container = await docker.createContainer({
    name,
    Image: await ensureDoubleImage(docker),
    Cmd: [service ?? "idle"],
    Env: env,
    Labels: { "cdb-test-double": "true" },
    ...(inputs.healthcheck && service ? { Healthcheck: { Test: healthTest(service), Interval: ns(DOUBLE_HEALTH.intervalMs), Timeout: ns(DOUBLE_HEALTH.timeoutMs), Retries: 3 } } : {}),
    HostConfig: {
      Mounts: volumes.filter((v) => v.volumeName).map((v) => ({ Type: "volume" as const, Source: v.volumeName!, Target: v.containerPath, ReadOnly: v.readOnly ?? false })),
      RestartPolicy: { Name: String(inputs.restart ?? "no") },
      ...(networks[0] ? { NetworkMode: networks[0].name } : {}),
    },
    ...(networks[0] ? { NetworkingConfig: { EndpointsConfig: { [networks[0].name]: { Aliases: networks[0].aliases ?? [] } } } } : {}),
  });
  await upload(container, (inputs.uploads as { file: string; content?: unknown }[] | undefined) ?? []);
  if (inputs.start !== false && inputs.mustRun !== false) await container.start();
}

async function remove(type: string, props: Inputs): Promise<void> {
  const name = String(props.name);
  if (type === "docker:index/container:Container") await gone(docker.getContainer(name).remove({ force: true, v: false }));
  if (type === "docker:index/network:Network") await gone(docker.getNetwork(name).remove());
  if (type === "docker:index/volume:Volume") await gone(docker.getVolume(name).remove());
}

const echo = standinProvider({ version: "5.2.0" });

void main(
  {
    ...echo,
    create: async (urn, inputs: Inputs) => {
      const type = typeOf(urn);
      if (type === "docker:index/network:Network") await docker.createNetwork({ Name: String(inputs.name), Labels: { "cdb-test-double": "true" } });
      if (type === "docker:index/volume:Volume") await docker.createVolume({ Name: String(inputs.name), Labels: { "cdb-test-double": "true" } });
      if (type === "docker:index/container:Container") await createContainer(inputs);
      return echo.create!(urn, inputs);
    },
    update: async (id, urn, olds: Inputs, news: Inputs) => {
      // Every input change replaces (see standinProvider.diff); an update only refreshes state.
      return echo.update!(id, urn, olds, news);
    },
    delete: async (id, urn, props: Inputs) => {
      await remove(typeOf(urn), props);
      return echo.delete!(id, urn, props);
    },
  },
  process.argv.slice(2),
);
