import { appendFileSync, existsSync, writeFileSync } from "node:fs";
import { isDeepStrictEqual } from "node:util";
import type * as provider from "@pulumi/pulumi/provider";
import { specialSecretSig, specialSigKey } from "@pulumi/pulumi/runtime/rpc";
import { previewLikeBridgedProvider } from "./bridgedPreview";

// STAND-IN provider plugins for the engine tests only. The real docker and
// random providers are bridged Terraform providers that cannot be built from
// the registries this machine reaches, so the engine suite installs these in
// their place under the real plugin names. They echo inputs as outputs, add
// the few computed outputs the program reads, and append every
// create/update/delete to the JSON-lines file in $CDB_STANDIN_LOG, which the
// tests read. They touch no Docker engine: nothing here proves that a real
// container starts.

export interface StandinOp {
  op: "create" | "update" | "delete";
  type: string;
  name: string;
  /** Inputs with every secret replaced by "[secret]". */
  inputs: Record<string, unknown>;
}

export const isSecret = (v: unknown): v is { value: unknown } =>
  typeof v === "object" && v !== null && (v as Record<string, unknown>)[specialSigKey] === specialSecretSig;

export const secret = (value: unknown) => ({ [specialSigKey]: specialSecretSig, value });

function redact(v: unknown): unknown {
  if (isSecret(v)) return "[secret]";
  if (Array.isArray(v)) return v.map(redact);
  if (typeof v === "object" && v !== null) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, redact(x)]));
  return v;
}

const typeOf = (urn: string) => urn.split("::")[2]!.split("$").at(-1)!;
const nameOf = (urn: string) => urn.split("::")[3]!;

function record(op: StandinOp["op"], urn: string, inputs: Record<string, unknown>): void {
  const file = process.env.CDB_STANDIN_LOG;
  if (!file) return;
  const line: StandinOp = { op, type: typeOf(urn), name: nameOf(urn), inputs: redact(inputs) as Record<string, unknown> };
  appendFileSync(file, JSON.stringify(line) + "\n");
}

/**
 * An update held mid-way, for the lock tests: while the file named by
 * $CDB_STANDIN_HOLD_FILE exists, the first check of a resource waits (and
 * writes `<file>.held` once, so the test knows the update is inside the
 * engine with the stack's lock taken). Only the update started with the
 * variable is held; the test removes the file to let it finish, or kills it.
 */
async function holdWhileFileExists(): Promise<void> {
  const file = process.env.CDB_STANDIN_HOLD_FILE;
  if (!file || !existsSync(file)) return;
  writeFileSync(`${file}.held`, String(process.pid));
  while (existsSync(file)) await new Promise((r) => setTimeout(r, 50));
}

export interface StandinSpec {
  version: string;
  /** Outputs a real provider computes on create, by resource type (e.g. a random password's result). */
  computed?: (type: string, inputs: Record<string, unknown>) => Record<string, unknown>;
}

/** An echoing provider: every input change replaces, like the ForceNew inputs of the real ones. */
export function standinProvider(spec: StandinSpec): provider.Provider {
  // In a preview, answer as the real bridged providers do: unknowns for computed outputs the inputs leave unset.
  previewLikeBridgedProvider();
  let serial = 0;
  const computedKeys = (type: string, inputs: Record<string, unknown>) => new Set(Object.keys(spec.computed?.(type, inputs) ?? {}));
  return {
    version: spec.version,
    check: async (_urn, _olds, news) => {
      await holdWhileFileExists();
      return { inputs: news };
    },
    diff: async (_id, urn, olds, news) => {
      const skip = computedKeys(typeOf(urn), news);
      const keys = new Set([...Object.keys(olds), ...Object.keys(news)].filter((k) => !skip.has(k)));
      const replaces = [...keys].filter((k) => !isDeepStrictEqual(olds[k], news[k]));
      return { changes: replaces.length > 0, replaces };
    },
    create: async (urn, inputs) => {
      record("create", urn, inputs);
      const type = typeOf(urn);
      return { id: `standin-${nameOf(urn)}-${process.pid}-${++serial}`, outs: { ...inputs, ...spec.computed?.(type, inputs) } };
    },
    update: async (_id, urn, olds, news) => {
      record("update", urn, news);
      return { outs: { ...olds, ...news } };
    },
    delete: async (_id, urn, props) => {
      record("delete", urn, props);
    },
  };
}
