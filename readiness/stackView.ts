import { ConfigError, decodeConfigValue, loadConfig, missingTradingSecrets, NAMESPACE, type LoadedConfig, type RawSetting } from "../config/load";
import { SECRET_FILE_OF_SETTING } from "../config/schema";
import type { SecretName } from "../config/services";
import { awaitedHealthy, carrierInputs, CONTAINER_TYPE, containerInputs } from "../model/containerArgs";
import { planStackWithMonitoring } from "../model/monitoredPlan";
import type { StackPlan } from "../model/plan";
import { UnusableInput } from "../platform/errors";
import type { ResourceRecord } from "./facts";
import { effectiveStackConfig } from "./stackConfig";
import { stackConfigFile } from "../platform/paths";

// A stack as the engine would see it, computed from its config without
// Pulumi: the plan and the container inputs. Secret contents are markers;
// only whether a credential is set matters to the gate.

export interface StackView {
  loaded: LoadedConfig;
  plan: StackPlan;
  resources: ResourceRecord[];
}

const SET = "<set>";
const GENERATED = "<generated>";

/** `plan` defaults to planning the config; the program passes the plan it already made. */
export function viewOf(loaded: LoadedConfig, plan: StackPlan = planStackWithMonitoring(loaded.stack, loaded.config, loaded.secretsSet)): StackView {
  const configured = new Map<SecretName, string>(
    Object.entries(SECRET_FILE_OF_SETTING).map(([setting, file]) => [file, loaded.secretsSet.has(setting as never) ? SET : ""]),
  );
  const awaited = awaitedHealthy(plan.containers);
  const resources = plan.containers.flatMap((c) => {
    const opts = {
      image: c.image.kind === "ref" ? c.image.ref : `${c.name}:local`,
      network: plan.networkName,
      secret: (name: SecretName) => configured.get(name) ?? GENERATED,
      waitForHealthy: awaited.has(c.service),
    };
    const carrier = carrierInputs(c, opts);
    return [containerInputs(c, opts), ...(carrier ? [carrier] : [])].map((props) => ({
      type: CONTAINER_TYPE,
      props: props as unknown as Record<string, unknown>,
    }));
  });
  return { loaded, plan, resources };
}

/**
 * A stack config that is valid except that operator settings are not set yet
 * (MEXC key and secret, key fingerprint, pinned images): the gate reports each
 * as a blocking item (exit 1) instead of refusing the file as unusable (exit 2).
 */
export class IncompleteStackConfig extends UnusableInput {
  constructor(
    file: string,
    /** One per missing setting: the key (`cdb:images.redis`) and what the loader said. */
    readonly missing: { key: string; problem: string }[],
  ) {
    super(file, `invalid stack config: ${missing.length} operator setting(s) missing: ${missing.map((m) => m.key).join(", ")}`);
    this.name = "IncompleteStackConfig";
  }
}

/** The `cdb:` settings of `Pulumi.<stack>.yaml` (and the project's defaults), decoded as the engine would hand them over, not validated. */
export function rawStackConfigFile(file: string): Map<string, RawSetting> {
  const { config } = effectiveStackConfig(file);
  const raw = new Map<string, RawSetting>();
  for (const [key, value] of Object.entries(config)) {
    if (!key.startsWith(NAMESPACE + ":")) continue;
    const secure = value !== null && typeof value === "object" && "secure" in value;
    // Pulumi hands the program objects as JSON text; decode the same way.
    raw.set(key.slice(NAMESPACE.length + 1), { value: secure ? "<encrypted>" : typeof value === "string" ? decodeConfigValue(value) : value, secret: secure });
  }
  return raw;
}

/** Reads `Pulumi.<stack>.yaml` the way the engine would hand it to the program. */
export function loadStackConfigFile(stack: string, file: string = stackConfigFile(stack)): LoadedConfig {
  const raw = rawStackConfigFile(file);
  try {
    return loadConfig(stack, raw);
  } catch (e) {
    if (e instanceof ConfigError) {
      // Only settings not set yet: the gate lists them as open items instead of refusing the file.
      if (e.issues.length > 0 && e.issues.every((i) => i.missing)) {
        const missing = e.issues.map((i) => ({ key: i.key, problem: i.text }));
        // The schema stops before the secret checks when other settings fail: name those too.
        for (const s of missingTradingSecrets(raw.get("mode")?.value, new Set(raw.keys()))) {
          if (s.missing && !missing.some((m) => m.key === s.key)) missing.push({ key: s.key, problem: s.text });
        }
        throw new IncompleteStackConfig(file, missing);
      }
      // One line: the first problems, then how many more.
      const shown = e.problems.slice(0, 3).join("; ");
      const more = e.problems.length > 3 ? ` (and ${e.problems.length - 3} more)` : "";
      throw new UnusableInput(file, `invalid stack config: ${shown}${more}`);
    }
    throw e;
  }
}

