import type { PolicyResource, ResourceValidationArgs, ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import * as pulumi from "@pulumi/pulumi";
import { loadConfig } from "../config/load";
import type { ResourceRecord } from "../readiness/facts";
import { viewOf } from "../readiness/stackView";
import { rawSettings, setPulumiConfig } from "./settings";

// Calls policies the way the analyzer does, with hand-built arguments and a
// collecting reportViolation (Pulumi ships no helper for this). The stack's
// name and config come from Pulumi's runtime, as inside the analyzer.

export async function useStack(stack: string, settings: Record<string, unknown>, secrets: Record<string, string> = {}): Promise<void> {
  await pulumi.runtime.setMocks({ newResource: (a) => ({ id: a.name, state: a.inputs }), call: (a) => a.inputs }, "cdb", stack, true);
  setPulumiConfig(settings, secrets);
}

/** The container inputs a stack with these settings declares (same mapping as the program). */
export function declared(stack: string, settings: Record<string, unknown>, secrets: Record<string, string> = {}): ResourceRecord[] {
  return viewOf(loadConfig(stack, rawSettings(settings, secrets))).resources.map((r) => ({ type: r.type, props: structuredClone(r.props) }));
}

export const named = (resources: ResourceRecord[], name: string): ResourceRecord => {
  const r = resources.find((x) => x.props.name === name);
  if (!r) throw new Error(`no resource ${name}`);
  return r;
};

export async function resourceViolations(policy: ResourceValidationPolicy, r: ResourceRecord): Promise<string[]> {
  const out: string[] = [];
  const name = String(r.props.name ?? "resource");
  const args = {
    type: r.type,
    props: r.props,
    urn: `urn:pulumi:test::cdb::${r.type}::${name}`,
    name,
    opts: { protect: false, ignoreChanges: [], aliases: [], customTimeouts: {}, additionalSecretOutputs: [] },
    stackTags: new Map(),
    isType: () => false,
    asType: () => undefined,
    getConfig: () => ({}),
    notApplicable: () => {
      throw new Error("not applicable");
    },
  } as unknown as ResourceValidationArgs;
  const validate = policy.validateResource as (a: ResourceValidationArgs, report: (m: string) => void) => Promise<void>;
  await validate(args, (m) => out.push(m));
  return out;
}

export async function stackViolations(policy: StackValidationPolicy, resources: ResourceRecord[]): Promise<string[]> {
  const out: string[] = [];
  const policyResources = resources.map(
    (r) => ({ type: r.type, props: r.props, urn: `urn:${String(r.props.name)}`, name: String(r.props.name), opts: {}, dependencies: [], propertyDependencies: {} }) as unknown as PolicyResource,
  );
  await policy.validateStack({ resources: policyResources, stackTags: new Map(), getConfig: () => ({}) as never } as never, (m) => out.push(m));
  return out;
}
