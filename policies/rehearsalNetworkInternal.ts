import { resourcePolicy } from "./guard";
import { knownProps } from "./knownProps";
import { NETWORK_TYPE } from "./rehearsalFacts";
import { stackContext } from "./stackContext";

/**
 * Before a network is created: in a rehearsal stack every network is internal
 * (`internal: true`, no route out), so the live-flagged executor cannot reach
 * the real MEXC even with a real key by mistake. Not set, false, or not known
 * yet is refused.
 */
export const rehearsalNetworkInternal = resourcePolicy({
  name: "rehearsal-network-internal",
  description: "In a rehearsal stack every Docker network is internal (no route out).",
  validate: (args, report) => {
    if (args.type !== NETWORK_TYPE || !stackContext().rehearsal) return;
    const { props } = knownProps(args.props as Record<string, unknown>);
    if (props.internal !== true) report(`network ${String(props.name ?? args.name)} is not internal (internal: ${JSON.stringify(props.internal ?? "unset")}): a rehearsal stack has no route out`);
  },
});
