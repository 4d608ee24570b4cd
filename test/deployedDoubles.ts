import { createServer } from "node:net";
import type Docker from "dockerode";
import { pack } from "tar-stream";
import { carrierInputs, containerInputs, type ContainerInputs } from "../model/containerArgs";
import type { StackPlan } from "../model/plan";
import type { DockerTarget } from "../ops/docker";
import { declaredImageRef } from "../ops/drift";
import { ensureDoubleImage } from "./images/build";
import { freshDoubleNetwork, removeContainer, type Doubles } from "./stackDoubles";

// A stack of TEST DOUBLES created as the program declares it: every container
// from model/containerArgs.ts's inputs (the ones the program hands the docker
// provider) with the stack's image refs, environment, entrypoint, command,
// volumes, tmpfs, ports, restart policy, hardening and network aliases, its
// secret files uploaded (through the carrier where the plan has one). Only
// what runs is a double: the test-double image, tagged under each declared
// image ref, whose start programs idle (test/images/double/standin.sh).
// Left out: health checks (the double's start answers none; drift does not
// compare them) and resource limits (not compared either).
// `cdb drift` must see nothing on such a stack, as on a fresh `cdb deploy`.

/** A free port on 127.0.0.1 for a stack's cdb:hostPorts (asked of the kernel, then released). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

/** The Engine API body of one container, as pulumi-docker builds it from the inputs. */
export function engineBody(i: ContainerInputs<string>): Docker.ContainerCreateOptions {
  const network = i.networksAdvanced[0];
  return {
    name: i.name,
    Image: i.image,
    Env: i.envs,
    ...(i.entrypoints ? { Entrypoint: i.entrypoints } : {}),
    ...(i.command ? { Cmd: i.command } : {}),
    ExposedPorts: Object.fromEntries(i.ports.map((p) => [`${p.internal}/${p.protocol}`, {}])),
    HostConfig: {
      Binds: i.volumes.map((v) => `${v.volumeName ?? v.hostPath}:${v.containerPath}${v.readOnly ? ":ro" : ""}`),
      ...(i.tmpfs ? { Tmpfs: i.tmpfs } : {}),
      ReadonlyRootfs: i.readOnly,
      ...(i.capabilities ? { CapDrop: i.capabilities.drops } : {}),
      SecurityOpt: i.securityOpts,
      RestartPolicy: { Name: i.restart, MaximumRetryCount: i.maxRetryCount ?? 0 },
      PortBindings: Object.fromEntries(i.ports.map((p) => [`${p.internal}/${p.protocol}`, [{ HostIp: p.ip, HostPort: String(p.external) }]])),
      ...(network ? { NetworkMode: network.name } : {}),
    },
    ...(network ? { NetworkingConfig: { EndpointsConfig: { [network.name]: { Aliases: network.aliases } } } } : {}),
  };
}

async function upload(c: Docker.Container, files: { file: string; content: string }[]): Promise<void> {
  if (files.length === 0) return;
  const tar = pack();
  for (const f of files) tar.entry({ name: f.file.replace(/^\//, ""), mode: 0o444 }, f.content);
  tar.finalize();
  const chunks: Buffer[] = [];
  for await (const chunk of tar) chunks.push(chunk as Buffer);
  await c.putArchive(Buffer.concat(chunks), { path: "/" });
}

/** The value of a secret file in a double stack: a test value, never a real credential. */
export const doubleSecret = (name: string): string => `test-double-secret-${name}`;

export async function startDeclaredDoubles(t: DockerTarget, plan: StackPlan): Promise<Doubles> {
  const image = await ensureDoubleImage(t.docker);
  const refs = [...new Set(plan.containers.map(declaredImageRef))];
  const carriers = plan.containers.flatMap((c) => (c.secretsCarrier ? [c.secretsCarrier] : []));
  const stop = async () => {
    await Promise.all([...plan.containers.map((c) => c.name), ...carriers].map((n) => removeContainer(t, n)));
    try {
      await t.docker.getNetwork(plan.networkName).remove();
    } catch {
      // gone
    }
    await Promise.all(plan.volumes.map((v) => t.docker.getVolume(v).remove().catch(() => undefined)));
    // Untags only: the double image keeps its own tag.
    await Promise.all(refs.map((r) => t.docker.getImage(r).remove().catch(() => undefined)));
  };
  await stop();
  for (const ref of refs) {
    const at = ref.lastIndexOf(":");
    await t.docker.getImage(image).tag({ repo: ref.slice(0, at), tag: ref.slice(at + 1) });
  }
  await freshDoubleNetwork(t, plan.networkName, plan.networkInternal);
  const names: Record<string, string> = {};
  for (const c of plan.containers) {
    const ref = declaredImageRef(c);
    const carrier = carrierInputs(c, { image: ref, secret: doubleSecret });
    if (carrier) {
      const made = await t.docker.createContainer({
        name: carrier.name,
        Image: carrier.image,
        Labels: Object.fromEntries(carrier.labels.map((l) => [l.label, l.value])),
        HostConfig: { Binds: carrier.volumes.map((v) => `${v.volumeName}:${v.containerPath}`), RestartPolicy: { Name: "no" } },
      });
      await upload(made, carrier.uploads.map((u) => ({ file: u.file, content: String(u.content) })));
    }
    const inputs = containerInputs(c, { image: ref, network: plan.networkName, secret: doubleSecret, waitForHealthy: false });
    const container = await t.docker.createContainer(engineBody(inputs));
    await upload(container, inputs.uploads.map((u) => ({ file: u.file, content: String(u.content) })));
    await container.start();
    names[c.service] = c.name;
  }
  return { image, secretsDir: "", password: doubleSecret("redis_password"), names, stop };
}
