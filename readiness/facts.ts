import { envRecord } from "../platform/envEntries";
import { CARRIER_LABEL, CONTAINER_TYPE } from "../model/containerArgs";
import { SECRETS_DIR } from "../model/plan";
import type { MountFact } from "../monitoring/checks";

// Facts for machine checks, read from resource inputs in the shape the engine
// hands to a policy pack. The CLI builds the same shape from the plan, so both
// see one truth. Only values that are known during a preview are read: names,
// environment, file paths, provisioning files and the MEXC credentials (stack
// config). Generated passwords are never touched.

export interface ResourceRecord {
  type: string;
  props: Record<string, unknown>;
}

export interface ContainerFacts {
  service: string;
  name: string;
  env: Record<string, string>;
  /** Secret file path → whether it has content (read for configured credentials only). */
  secretFiles: Map<string, boolean | "unread">;
  /** Non-secret uploaded files (monitoring provisioning) by path. */
  files: Map<string, string>;
  /** Named volumes and host paths it mounts (Promtail's Docker socket). */
  mounts: MountFact[];
}

export interface StackFacts {
  stack: string;
  /** By service name (`execution`), found through the canonical alias `cdb_execution`. */
  containers: Map<string, ContainerFacts>;
}

/** Credentials from stack config: known during preview, so their presence can be proven. */
const READABLE_SECRETS = new Set(["/run/secrets/mexc_api_key", "/run/secrets/mexc_api_secret"]);

function serviceOf(props: Record<string, unknown>): string | undefined {
  const networks = (props.networksAdvanced as { aliases?: string[] }[] | undefined) ?? [];
  for (const n of networks) {
    for (const alias of n.aliases ?? []) if (alias.startsWith("cdb_")) return alias.slice(4);
  }
  return undefined;
}

function readUploads(props: Record<string, unknown>, secretFiles: ContainerFacts["secretFiles"], files: ContainerFacts["files"]): void {
  for (const u of (props.uploads as { file: string; content?: unknown }[] | undefined) ?? []) {
    const file = u.file;
    if (file.startsWith("/run/secrets/")) {
      secretFiles.set(file, READABLE_SECRETS.has(file) ? typeof u.content === "string" && u.content.length > 0 : "unread");
    } else if (typeof u.content === "string") {
      files.set(file, u.content);
    }
  }
}

type Volume = { volumeName?: string; hostPath?: string; containerPath?: string; readOnly?: boolean };
const volumes = (props: Record<string, unknown>) => (props.volumes as Volume[] | undefined) ?? [];

/** A container's environment as a map (`envs` is a list of KEY=value). */
export function envOf(props: Record<string, unknown>): Record<string, string> {
  return envRecord(props.envs as string[] | undefined);
}

export function containerFacts(props: Record<string, unknown>): ContainerFacts | undefined {
  const service = serviceOf(props);
  if (service === undefined) return undefined;
  const env = envOf(props);
  const secretFiles = new Map<string, boolean | "unread">();
  const files = new Map<string, string>();
  readUploads(props, secretFiles, files);
  const mounts = volumes(props).flatMap((v): MountFact[] =>
    typeof v.containerPath === "string"
      ? [{ containerPath: v.containerPath, ...(v.volumeName !== undefined ? { volumeName: v.volumeName } : {}), ...(v.hostPath !== undefined ? { hostPath: v.hostPath } : {}), ...(v.readOnly === true ? { readOnly: true } : {}) }]
      : [],
  );
  return { service, name: String(props.name), env, secretFiles, files, mounts };
}

const carrierFor = (props: Record<string, unknown>): string | undefined =>
  ((props.labels as { label: string; value: string }[] | undefined) ?? []).find((l) => l.label === CARRIER_LABEL)?.value;

export function factsFromResources(stack: string, resources: Iterable<ResourceRecord>): StackFacts {
  const containers = new Map<string, ContainerFacts>();
  const carriers: Record<string, unknown>[] = [];
  const mounts = new Map<string, Volume[]>();
  for (const r of resources) {
    if (r.type !== CONTAINER_TYPE) continue;
    if (carrierFor(r.props) !== undefined) {
      carriers.push(r.props);
      continue;
    }
    const facts = containerFacts(r.props);
    if (facts) {
      containers.set(facts.service, facts);
      mounts.set(facts.service, volumes(r.props));
    }
  }
  // A carrier's files count for its service only if the service mounts the carrier's volume at /run/secrets.
  for (const props of carriers) {
    const service = carrierFor(props)!.replace(/^cdb_/, "");
    const target = containers.get(service);
    const volume = volumes(props).find((v) => v.containerPath === SECRETS_DIR)?.volumeName;
    const mounted = mounts.get(service)?.some((v) => v.containerPath === SECRETS_DIR && v.volumeName === volume);
    if (target && volume !== undefined && mounted) readUploads(props, target.secretFiles, target.files);
  }
  return { stack, containers };
}
