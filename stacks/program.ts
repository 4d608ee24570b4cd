import * as pulumi from "@pulumi/pulumi";
import { sameDockerHost } from "../config/dockerHost";
import { ConfigError } from "../config/load";
import { planStackWithMonitoring } from "../model/monitoredPlan";
import { declareStack } from "./cdbStack";
import { loadStackConfig } from "../config/pulumiConfig";
import { WITNESS_NAMESPACE, witnessPrincipal } from "../config/witness";
import { withoutUnreadyTraders } from "./unreadyTraders";

// The program's own live gate (stacks/unreadyTraders.ts) is part of the gate's closure.

/** What the stack can say about its witness before the witness has made its key. */
function witnessOutput(stack: string, container: pulumi.Output<string>) {
  return {
    container,
    principal: witnessPrincipal(stack),
    namespace: WITNESS_NAMESPACE,
    publicKeyCommand: `npx cdb witness key --stack ${stack}`,
  };
}

// The Pulumi program: validate config, plan, declare.
// A config error stops the program before any resource is declared.
export function program() {
  let loaded;
  try {
    loaded = loadStackConfig("program");
  } catch (e) {
    if (e instanceof ConfigError) throw new pulumi.RunError(`invalid stack config:\n${e.message}`);
    throw e;
  }
  // With cdb:dockerHost the program's own provider deploys there and the docker provider's
  // docker:host goes unused; one naming another engine is refused, as every cdb command refuses it.
  const providerHost = pulumi.runtime.allConfig()["docker:host"];
  if (providerHost !== undefined && loaded.config.dockerHost !== undefined && !sameDockerHost(providerHost, loaded.config.dockerHost)) {
    throw new pulumi.RunError(`invalid stack config:\ndocker:host names another engine than cdb:dockerHost (${loaded.config.dockerHost}): one stack, one engine; remove docker:host`);
  }
  const plan = withoutUnreadyTraders(loaded, planStackWithMonitoring(loaded.stack, loaded.config, loaded.secretsSet));
  const cfg = new pulumi.Config("cdb");
  const declared = declareStack(loaded, plan, (key) => (loaded.secretsSet.has(key) ? cfg.requireSecret(key) : undefined));
  const witness = declared.containers.witness;
  return {
    mode: loaded.config.mode,
    network: declared.network.name,
    containers: Object.fromEntries(Object.entries(declared.containers).map(([s, c]) => [s, c.container.name])),
    // The witness makes its key inside its own volume at first start, after this program ran:
    // the public key is read from the running container (`cdb witness key`), never from state.
    ...(witness ? { witness: witnessOutput(loaded.stack, witness.container.name) } : {}),
  };
}

