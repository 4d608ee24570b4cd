import { readFileSync } from "node:fs";
import path from "node:path";
import * as grpc from "@grpc/grpc-js";
import * as provproto from "@pulumi/pulumi/proto/provider_pb";
import * as structproto from "google-protobuf/google/protobuf/struct_pb";
import { REPO_ROOT } from "../../../platform/paths";

// What the STAND-INs must share with the real, bridged providers in a
// preview. pulumi-docker 5.2.0 answers Configure with supportsPreview, so the
// engine asks it to Create (and Update) with `preview` set, and for a resource
// being created or replaced it returns every computed property that the inputs
// do not set as UNKNOWN (seen: `envs` and `labels` of the secrets carriers).
// `pulumi.provider.main` advertises no preview support, so the engine used to
// fill a preview with the inputs alone: a stack policy reading `.envs` passed
// here and failed against the real provider ("can't be known during preview").
// This patch makes the stand-ins answer as the real ones do; it does nothing
// else (check, diff, create and update outside a preview are the stand-in's).

/** The engine's sentinel for an unknown value (any type), as the plugin protocol defines it. */
export const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

/**
 * Computed outputs of a resource type: the properties the SDK types as always
 * present (`pulumi.Output<T>`, not `T | undefined`), which a bridged provider
 * marks Computed. Read from the installed SDK's typings, not a copied list:
 * `docker:index/container:Container` → `@pulumi/docker/container.d.ts`.
 */
export function computedOutputs(type: string): string[] {
  const m = /^(\w+):index\/(\w+):\w+$/.exec(type);
  if (!m) return [];
  let text: string;
  try {
    text = readFileSync(path.join(REPO_ROOT, "node_modules", "@pulumi", m[1]!, `${m[2]}.d.ts`), "utf8");
  } catch {
    return [];
  }
  const cls = text.slice(text.indexOf("export declare class"), text.indexOf("constructor("));
  return [...cls.matchAll(/^ {4}readonly (\w+): pulumi\.Output<(.*)>;$/gm)].filter(([, , t]) => !/\| undefined$/.test(t!)).map(([, k]) => k!);
}

const typeOf = (urn: string) => urn.split("::")[2]!.split("$").at(-1)!;

type Callback = (err: unknown, resp?: unknown) => void;
type Call = { request: { getUrn(): string; getPreview(): boolean; getProperties(): structproto.Struct; getNews(): structproto.Struct; getOlds(): structproto.Struct } };
type Handler = (call: Call, callback: Callback) => unknown;

/** Must run before `pulumi.provider.main` starts its gRPC server. */
let patched = false;
export function previewLikeBridgedProvider(): void {
  if (patched) return;
  patched = true;
  const addService = grpc.Server.prototype.addService;
  grpc.Server.prototype.addService = function (service, impl) {
    const h = impl as unknown as Record<string, Handler>;
    const configure = h.configure!.bind(impl);
    const create = h.create!.bind(impl);
    const update = h.update!.bind(impl);
    h.configure = (call, callback) =>
      configure(call, (err, resp) => {
        (resp as provproto.ConfigureResponse | undefined)?.setSupportspreview(true);
        callback(err, resp);
      });
    h.create = (call, callback) => {
      if (!call.request.getPreview()) return create(call, callback);
      const props = call.request.getProperties().toJavaScript() as Record<string, unknown>;
      for (const k of computedOutputs(typeOf(call.request.getUrn()))) if (!(k in props)) props[k] = UNKNOWN;
      const resp = new provproto.CreateResponse();
      resp.setId("");
      resp.setProperties(structproto.Struct.fromJavaScript(props as never));
      callback(null, resp);
    };
    h.update = (call, callback) => {
      if (!call.request.getPreview()) return update(call, callback);
      // An in-place update keeps what the provider computed before.
      const outs = { ...(call.request.getOlds().toJavaScript() as object), ...(call.request.getNews().toJavaScript() as object) };
      const resp = new provproto.UpdateResponse();
      resp.setProperties(structproto.Struct.fromJavaScript(outs as never));
      callback(null, resp);
    };
    return addService.call(this, service, impl);
  };
}
