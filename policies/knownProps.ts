import * as proxyModule from "@pulumi/policy/proxy";

// A stack policy sees each resource's outputs. In a preview of a create or a
// replace, the real (bridged) docker provider reports every computed output the
// inputs leave unset as unknown (a secrets carrier's `envs`, a container's
// `labels`), and the policy SDK throws on reading one. Reading them through
// this view instead: an unknown value is absent, and its path is listed, so a
// policy can decide what an unknown means for it (fail closed where it matters).

/** The SDK's sentinels and proxy keys: exported at run time, marked @internal in its typings. */
const proxy = proxyModule as unknown as Record<
  "unknownBooleanValue" | "unknownNumberValue" | "unknownStringValue" | "unknownArrayValue" | "unknownAssetValue" | "unknownArchiveValue" | "unknownObjectValue" | "isSpecialProxy" | "getSpecialProxyTarget",
  string
>;

const SENTINELS = new Set<unknown>([
  proxy.unknownBooleanValue,
  proxy.unknownNumberValue,
  proxy.unknownStringValue,
  proxy.unknownArrayValue,
  proxy.unknownAssetValue,
  proxy.unknownArchiveValue,
  proxy.unknownObjectValue,
]);

export interface KnownProps {
  /** The props as plain data, without the values not known yet. */
  props: Record<string, unknown>;
  /** Paths (`envs`, `uploads.0.content`) of the values not known yet. */
  unknown: string[];
}

export function knownProps(props: Record<string, unknown>): KnownProps {
  const raw = props[proxy.isSpecialProxy] === true ? (props[proxy.getSpecialProxyTarget] as Record<string, unknown>) : props;
  const unknown: string[] = [];
  const strip = (v: unknown, at: string): unknown => {
    if (SENTINELS.has(v)) {
      unknown.push(at);
      return undefined;
    }
    if (Array.isArray(v)) return v.map((x, i) => strip(x, `${at}.${i}`));
    if (typeof v === "object" && v !== null) {
      const out: Record<string, unknown> = {};
      for (const [k, x] of Object.entries(v)) {
        const s = strip(x, at === "" ? k : `${at}.${k}`);
        if (s !== undefined) out[k] = s;
      }
      return out;
    }
    return v;
  };
  return { props: strip(raw, "") as Record<string, unknown>, unknown };
}
