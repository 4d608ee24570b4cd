import { createHash } from "node:crypto";
import { z } from "zod";
import { EARLY_LIVE_MAX_ALLOC_CAP, isPinnedByDigest, type SecretSetting } from "./safety";
import { dockerHostProblem } from "./dockerHost";
import { ALL_SERVICE_NAMES, APP_SERVICES, REHEARSAL_SERVICES, SERVICE_NAMES, SERVICES, type SecretName, type ServiceName } from "./services";

/** An absolute POSIX path on the Docker host, without `..`, whitespace or a trailing slash (a bind mount's source). */
const hostPathSchema = z.string().regex(/^(\/[A-Za-z0-9._@+-]+)+$/, "must be an absolute path on the Docker host like /run/user/1000/docker.sock").refine((p) => !p.split("/").includes(".."), "must not contain ..");

// One schema for the whole `cdb:` config namespace. Secret settings are not
// part of it: their values must never reach a validation message, so they
// are checked for presence only (see ./load.ts).

/** Regimes an allocation rule may name (upstream's dev.yml uses all six). */
export const REGIMES = ["STEADY_BULLISH", "TREND", "VOLATILE_RANGE", "RANGE", "HIGH_VOL_CHAOTIC", "UNKNOWN"] as const;
/** The only regimes the regime service emits; a share for any other is never used. */
export const EMITTED_REGIMES = ["TREND", "RANGE", "HIGH_VOL_CHAOTIC", "UNKNOWN"] as const;
/** The role the vendored schema.sql grants its tables to. */
export const SCHEMA_ROLE = "claire_user";

const share = (what = "must be > 0 and <= 1") =>
  z.number({ error: `${what}` }).gt(0, what).lte(1, what);
const allocationShare = z
  .number({ error: "must be >= 0 and <= 1" })
  .gte(0, "must be >= 0 and <= 1")
  .lte(1, "must be >= 0 and <= 1");

/** Every service key is one of the known services; an unknown one is an error, not ignored. */
const perService = <T extends z.ZodType>(value: T) =>
  z.partialRecord(z.enum(ALL_SERVICE_NAMES, { error: "is not a known service" }), value);

/** Which secret file each secret setting becomes inside the containers. */
export const SECRET_FILE_OF_SETTING = {
  mexcApiKey: "mexc_api_key",
  mexcApiSecret: "mexc_api_secret",
  smtpUser: "smtp_user",
  smtpPassword: "smtp_password",
  smtpFrom: "smtp_from",
  alertEmailTo: "alert_email_to",
} as const satisfies Record<SecretSetting, SecretName>;

/** dev.yml's rules without the two regimes the regime service never emits (they only drew a warning). */
export const DEFAULT_ALLOCATION_RULES = {
  paper: { TREND: 0.3, RANGE: 0.1, HIGH_VOL_CHAOTIC: 0.02, UNKNOWN: 0.0 },
};

const positive = (what = "must be > 0") => z.number({ error: what }).positive(what);
const wholePositive = () => z.number({ error: "must be a whole number > 0" }).int("must be a whole number > 0").positive("must be a whole number > 0");

export const cdbConfigSchema = z
  .object({
    /**
     * paper = MockExecutor, no exchange call; live = real orders with real money;
     * rehearsal = the live executor against the MEXC simulator on an internal
     * network, with a rehearsal-only key (never counted as live).
     */
    mode: z.enum(["paper", "live", "rehearsal"], { error: 'must be "paper", "live" or "rehearsal"' }).default("paper"),
    risk: z
      .object({
        maxPositionPct: share().default(0.1),
        maxTotalExposurePct: share().default(0.3),
        maxDailyDrawdownPct: share().default(0.05),
        stopLossPct: share().default(0.02),
        earlyLiveMaxAlloc: share().default(EARLY_LIVE_MAX_ALLOC_CAP),
      })
      .strict()
      .prefault({}),
    allocation: z
      .object({
        rules: z
          .record(z.string().regex(/^[A-Za-z0-9_.-]+$/, "must be a strategy id"), z.partialRecord(z.enum(REGIMES, { error: "is not a known regime" }), allocationShare))
          .default(DEFAULT_ALLOCATION_RULES),
        regimeMinStableSeconds: z.number().int("must be a whole number").positive("must be > 0").default(60),
      })
      .strict()
      .prefault({}),
    /** Image per service: a registry reference by tag or digest. App services may instead come from `sourceDir`. */
    images: perService(z.string().min(1, "must not be empty")).default({}),
    /** A local checkout of the trading system; app services without an image are built from it. */
    sourceDir: z.string().min(1, "must not be empty").optional(),
    /** Host ports (always bound to 127.0.0.1). Paper defaults to every service port, live to none. */
    hostPorts: perService(z.number().int().min(1, "must be a port 1-65535").max(65535, "must be a port 1-65535")).optional(),
    resources: perService(
      z.object({ cpus: z.number().positive("must be > 0"), memoryMb: z.number().int().positive("must be > 0") }).strict(),
    ).default({}),
    /** no-new-privileges, dropped capabilities, read-only root, limits. Live requires it. */
    hardening: z.boolean().default(true),
    logLevel: z.enum(["DEBUG", "INFO", "WARNING", "ERROR"], { error: "must be DEBUG, INFO, WARNING or ERROR" }).default("INFO"),
    /** Docker host of this stack, e.g. ssh://deploy@trading-host; the local engine when unset. */
    dockerHost: z
      .string()
      .refine((h) => dockerHostProblem(h) === undefined, { error: (i) => dockerHostProblem(String(i.input)) })
      .optional(),
    /** The Docker daemon's paths on its host (socket, containers' log directory) when not a rootful daemon's defaults. */
    dockerPaths: z
      .object({ socket: hostPathSchema.optional(), containers: hostPathSchema.optional() })
      .strict()
      .optional(),
    symbol: z.string().regex(/^[A-Z0-9]+$/, "must be an exchange symbol like BTCUSDT").default("BTCUSDT"),
    postgres: z
      .object({ user: z.string().min(1).default("claire_user"), database: z.string().min(1).default("claire_de_binare") })
      .strict()
      .prefault({}),
    paperTradingDurationDays: z.number().int().positive("must be > 0").default(14),
    /**
     * cdb_signal. dev.yml's thresholds: with the code's defaults (3.0 / 100000)
     * no signal ever passes, so no order is ever placed.
     */
    signal: z
      .object({
        strategyId: z.string().regex(/^[A-Za-z0-9_.-]+$/, "must be a strategy id").default("paper"),
        thresholdPct: positive().default(0.005),
        minVolume: z.number({ error: "must be >= 0" }).gte(0, "must be >= 0").default(0),
      })
      .strict()
      .prefault({}),
    /** cdb_regime's ADX/ATR classification (dev.yml values). */
    regime: z
      .object({
        adxPeriod: wholePositive().default(14),
        atrPeriod: wholePositive().default(14),
        adxTrendThreshold: positive().default(25),
        adxRangeThreshold: positive().default(20),
        atrHighVolThreshold: positive().default(2),
        confirmationBars: wholePositive().default(3),
      })
      .strict()
      .prefault({}),
    /** SMTP relay (host:port) for alert e-mail from Grafana and Alertmanager. */
    smtpHost: z.string().regex(/^[A-Za-z0-9.-]+:[0-9]{1,5}$/, "must be host:port").default("smtp.gmail.com:587"),
    /**
     * First 16 hex digits of sha256(MEXC API key), in plain config so that
     * swapping the key changes the config digest and voids the evidence
     * (the readiness CLI cannot decrypt the key itself). Checked against the
     * key wherever the plaintext is known (program, policy pack).
     */
    mexcKeyFingerprint: z.string().regex(/^[0-9a-f]{16}$/, "must be 16 lowercase hex digits (npx cdb fingerprint)").optional(),
    /**
     * Rehearsal stacks: the fingerprint of the key made for rehearsals, written
     * down on its own so that a reviewer sees a key declared as a rehearsal
     * key; it must equal mexcKeyFingerprint (which the program checks against
     * the key itself) and never be the live stack's.
     */
    rehearsalKeyFingerprint: z.string().regex(/^[0-9a-f]{16}$/, "must be 16 lowercase hex digits (npx cdb fingerprint)").optional(),
  })
  .strict()
  .superRefine((cfg, ctx) => {
    // signal publishes under this id; allocation has no rule for an unknown one, so risk blocks every order.
    // Own keys only: "toString" or "__proto__" is found on every object through its prototype.
    if (!Object.hasOwn(cfg.allocation.rules, cfg.signal.strategyId)) {
      ctx.addIssue({
        code: "custom",
        path: ["signal", "strategyId"],
        message: `must be a strategy of cdb:allocation.rules (${Object.keys(cfg.allocation.rules).join(", ") || "none"})`,
        input: cfg.signal.strategyId,
      });
    }
    if (cfg.postgres.user !== SCHEMA_ROLE) {
      ctx.addIssue({
        code: "custom",
        path: ["postgres", "user"],
        message: `must be ${SCHEMA_ROLE}: the trading system's schema.sql grants its tables to that role, so PostgreSQL's init fails for any other`,
        input: cfg.postgres.user,
      });
    }
    if (cfg.regime.adxRangeThreshold >= cfg.regime.adxTrendThreshold) {
      ctx.addIssue({
        code: "custom",
        path: ["regime", "adxRangeThreshold"],
        message: "must be below regime.adxTrendThreshold",
        input: cfg.regime.adxRangeThreshold,
      });
    }
    for (const service of ALL_SERVICE_NAMES) {
      if (SERVICES[service].internalOnly && cfg.hostPorts?.[service] !== undefined) {
        ctx.addIssue({ code: "custom", path: ["hostPorts", service], message: "is not allowed: the service is reached over the stack's network only", input: cfg.hostPorts[service] });
      }
    }
    for (const service of REHEARSAL_SERVICES) {
      if (cfg.mode !== "rehearsal" && cfg.images[service] !== undefined) {
        ctx.addIssue({ code: "custom", path: ["images", service], message: "is for rehearsal stacks only (cdb:mode: rehearsal)", input: cfg.images[service] });
      }
    }
    if (cfg.mode !== "rehearsal" && cfg.rehearsalKeyFingerprint !== undefined) {
      ctx.addIssue({ code: "custom", path: ["rehearsalKeyFingerprint"], message: "is for rehearsal stacks only (cdb:mode: rehearsal)", input: cfg.rehearsalKeyFingerprint });
    }
    if (cfg.mode === "rehearsal") {
      for (const problem of rehearsalConfigProblems(cfg)) ctx.addIssue({ code: "custom", path: [problem.key], message: problem.message, input: problem.input });
    }
    if (cfg.mode !== "live") return;
    if (cfg.risk.earlyLiveMaxAlloc > EARLY_LIVE_MAX_ALLOC_CAP) {
      ctx.addIssue({
        code: "custom",
        path: ["risk", "earlyLiveMaxAlloc"],
        message: `must be <= ${EARLY_LIVE_MAX_ALLOC_CAP} in live (early-live cap)`,
        input: cfg.risk.earlyLiveMaxAlloc,
      });
    }
    const cap = Math.min(cfg.risk.earlyLiveMaxAlloc, EARLY_LIVE_MAX_ALLOC_CAP);
    for (const [strategy, regimes] of Object.entries(cfg.allocation.rules)) {
      for (const [regime, value] of Object.entries(regimes)) {
        if (value !== undefined && value > cap) {
          ctx.addIssue({
            code: "custom",
            path: ["allocation", "rules", strategy, regime],
            message: `must be <= ${cap} in live (risk.earlyLiveMaxAlloc)`,
            input: value,
          });
        }
      }
    }
    if (cfg.mexcKeyFingerprint === undefined) {
      ctx.addIssue({
        code: "custom",
        path: ["mexcKeyFingerprint"],
        message: "is required in live: binds the evidence to the API key (pipe the key into `npx cdb fingerprint`)",
        input: undefined,
      });
    }
    if (!cfg.hardening) {
      ctx.addIssue({ code: "custom", path: ["hardening"], message: "must be true in live", input: false });
    }
    if (cfg.sourceDir !== undefined) {
      ctx.addIssue({
        code: "custom",
        path: ["sourceDir"],
        message: "is not allowed in live: live runs only images pinned by digest",
        input: cfg.sourceDir,
      });
    }
    for (const service of SERVICE_NAMES) {
      const image = cfg.images[service];
      if (image === undefined || !isPinnedByDigest(image)) {
        ctx.addIssue({
          code: "custom",
          path: ["images", service],
          message: "must be pinned by digest in live (…@sha256:<64 hex>, or the image id sha256:<64 hex>)",
          input: image,
        });
      }
    }
  });

export type CdbConfig = z.output<typeof cdbConfigSchema>;
export type CdbConfigInput = z.input<typeof cdbConfigSchema>;
export type TradingMode = CdbConfig["mode"];

/**
 * What a rehearsal stack's settings must say (the network and the simulator
 * are the program's, not settings): a simulator image, and a key declared as
 * the rehearsal key. Shared by the schema and the rehearsal-stack policy.
 */
export function rehearsalConfigProblems(cfg: Pick<CdbConfigInput, "images" | "mexcKeyFingerprint" | "rehearsalKeyFingerprint">): { key: string; message: string; input: unknown }[] {
  const problems: { key: string; message: string; input: unknown }[] = [];
  if (cfg.images?.exchange_simulator === undefined) {
    problems.push({ key: "images", message: "must name the exchange_simulator image in a rehearsal stack (cdb:images.exchange_simulator): it is the only MEXC the stack may reach", input: undefined });
  }
  if (cfg.rehearsalKeyFingerprint === undefined) {
    problems.push({ key: "rehearsalKeyFingerprint", message: "is required in a rehearsal stack: the fingerprint of the key made for rehearsals (npx cdb fingerprint)", input: undefined });
  } else if (cfg.mexcKeyFingerprint !== cfg.rehearsalKeyFingerprint) {
    problems.push({ key: "mexcKeyFingerprint", message: "must equal cdb:rehearsalKeyFingerprint in a rehearsal stack: only the rehearsal key goes into it", input: cfg.mexcKeyFingerprint });
  }
  return problems;
}

/** The fingerprint `cdb:mexcKeyFingerprint` must hold for a key. */
export const keyFingerprint = (key: string): string => createHash("sha256").update(key.trim()).digest("hex").slice(0, 16);


/** Settings that load but cannot do what they say: shown to the operator, not refused. */
export function configWarnings(cfg: CdbConfig): string[] {
  const emitted: readonly string[] = EMITTED_REGIMES;
  return Object.entries(cfg.allocation.rules).flatMap(([strategy, regimes]) =>
    Object.keys(regimes)
      .filter((r) => !emitted.includes(r))
      .map((r) => `cdb:allocation.rules.${strategy}.${r} is never used: the regime service emits only ${EMITTED_REGIMES.join(", ")}`),
  );
}

/** App services need an image or a source checkout; say which one is missing. */
export function missingImageSources(cfg: CdbConfig): ServiceName[] {
  if (cfg.sourceDir !== undefined) return [];
  return APP_SERVICES.filter((s) => cfg.images[s] === undefined);
}
