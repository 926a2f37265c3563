import { type Model, quote } from "@mds/sql";
import { z } from "zod";
import { issuePath } from "./_adapter.ts";
import type { BreakerThresholds } from "./circuit_breaker.ts";
import { type ConfigIssue, ProviderConfigError } from "./errors.ts";
import { CAPABILITIES, type Capability } from "./provider.ts";

/** The providers a configuration may name. */
export const PROVIDER_NAMES = ["yahoo", "finnhub"] as const;

/** One of {@linkcode PROVIDER_NAMES}. */
export type ProviderName = typeof PROVIDER_NAMES[number];

/** One configured provider. */
export interface ProviderEntry {
  /** Which adapter. */
  name: ProviderName;
  /** Base URL. @default {the adapter's environment variable, else the vendor's URL} */
  baseUrl?: string | undefined;
  /**
   * NAME of the environment variable holding the API key, never the key itself.
   * @default {"FINNHUB_API_KEY" for finnhub; none for yahoo}
   */
  apiKeyEnv?: string | undefined;
  /** Requests per minute, never exceeded, 1 to 1,000,000. */
  requestsPerMinute: number;
  /** Requests that may go at once after a quiet spell, 1 to 10,000. @default {1} */
  burst: number;
  /** Deadline of a call that gives none, in milliseconds. @default {10000} */
  timeoutMs: number;
  /** This provider's breaker thresholds. @default {the top-level `breaker`} */
  breaker?: BreakerThresholds | undefined;
}

/** Retries of a call after every provider failed in a retryable way. */
export interface RetrySettings {
  /** Rounds over the providers in all, the first included, 1 to 10. @default {3} */
  maxAttempts: number;
  /** Backoff cap before the first retry, in milliseconds. @default {200} */
  baseDelayMs: number;
  /** Longest backoff, in milliseconds; at least `baseDelayMs`. @default {5000} */
  maxDelayMs: number;
}

/** How health scores are computed and used. */
export interface HealthSettings {
  /** Weight of the newest outcome, in (0, 1]. @default {0.2} */
  alpha: number;
  /** Latency at or under which a provider loses no score, in milliseconds. @default {1000} */
  latencyTargetMs: number;
  /** Scores kept per provider. @default {120} */
  historySize: number;
  /**
   * A provider earlier in a policy is preferred while its score is within this margin of the
   * best one, so small differences do not flip the routing. @default {0.1}
   */
  margin: number;
}

/** Providers in priority order, per capability; a capability left out is not served. */
export interface RoutingPolicy {
  /** Bars. */
  bars?: ProviderName[] | undefined;
  /** Quotes. */
  quote?: ProviderName[] | undefined;
  /** Option chains. */
  options_chain?: ProviderName[] | undefined;
}

/** A validated provider configuration, defaults filled. */
export interface ProvidersConfig {
  /** The providers, each named once. */
  providers: ProviderEntry[];
  /** Routing policy per capability. */
  routing: RoutingPolicy;
  /** Default breaker thresholds. */
  breaker: BreakerThresholds;
  /** Retry rounds and backoff. */
  retry: RetrySettings;
  /** Health scoring. */
  health: HealthSettings;
}

/** What {@linkcode parseProvidersConfig} accepts: the JSON form, defaults optional. */
export interface ProvidersConfigInput {
  /** The providers. */
  providers: Array<{
    name: ProviderName;
    baseUrl?: string | undefined;
    apiKeyEnv?: string | undefined;
    requestsPerMinute: number;
    burst?: number | undefined;
    timeoutMs?: number | undefined;
    breaker?: BreakerThresholds | undefined;
  }>;
  /** Routing policy per capability. */
  routing: RoutingPolicy;
  /** Default breaker thresholds. @default {{ failureThreshold: 5, windowMs: 60000, coolDownMs: 30000 }} */
  breaker?: BreakerThresholds | undefined;
  /** Retry rounds and backoff. */
  retry?: OptionalFields<RetrySettings> | undefined;
  /** Health scoring. */
  health?: OptionalFields<HealthSettings> | undefined;
}

/** `T` with every field optional and `undefined` allowed. */
export type OptionalFields<T> = { [K in keyof T]?: T[K] | undefined };

const whole = (min: number, max: number) =>
  z.number({ error: "must be a number" }).int("must be a whole number").min(
    min,
    `must be at least ${min}`,
  )
    .max(max, `must be at most ${max}`);

const providerName = z.enum(PROVIDER_NAMES, {
  error: (issue) => `is ${quote(issue.input)}: not a known provider (${PROVIDER_NAMES.join(", ")})`,
});

const breakerShape = z.strictObject({
  failureThreshold: whole(1, 1_000),
  windowMs: whole(1, 3_600_000),
  coolDownMs: whole(1, 3_600_000),
});

const httpUrl = z.string().refine((s) => {
  try {
    const u = new URL(s);
    return u.protocol === "http:" || u.protocol === "https:";
  } catch {
    return false;
  }
}, "must be an http or https URL");

const entryShape = z.strictObject({
  name: providerName,
  baseUrl: httpUrl.optional(),
  // never quote the value: a key pasted here by mistake must not reach a log
  apiKeyEnv: z.string().regex(
    /^[A-Z_][A-Z0-9_]{0,127}$/,
    "must be the NAME of an environment variable, such as FINNHUB_API_KEY",
  ).optional(),
  requestsPerMinute: z.number({ error: "must be a number" }).min(1, "must be at least 1")
    .max(1_000_000, "must be at most 1000000"),
  burst: whole(1, 10_000).default(1),
  timeoutMs: whole(1, 600_000).default(10_000),
  breaker: breakerShape.optional(),
});

const policy = z.array(providerName).min(1, "must name at least one provider");

const shape = z.strictObject({
  providers: z.array(entryShape).min(1, "must name at least one provider"),
  routing: z.strictObject({
    bars: policy.optional(),
    quote: policy.optional(),
    options_chain: policy.optional(),
  }),
  breaker: breakerShape.default({ failureThreshold: 5, windowMs: 60_000, coolDownMs: 30_000 }),
  retry: z.strictObject({
    maxAttempts: whole(1, 10).default(3),
    baseDelayMs: whole(0, 60_000).default(200),
    maxDelayMs: whole(0, 600_000).default(5_000),
  }).default({ maxAttempts: 3, baseDelayMs: 200, maxDelayMs: 5_000 }),
  health: z.strictObject({
    alpha: z.number().gt(0, "must be above 0").max(1, "must be at most 1").default(0.2),
    latencyTargetMs: z.number().gt(0, "must be above 0").max(600_000, "must be at most 600000")
      .default(1_000),
    historySize: whole(1, 100_000).default(120),
    margin: z.number().min(0, "must be at least 0").max(1, "must be at most 1").default(0.1),
  }).default({ alpha: 0.2, latencyTargetMs: 1_000, historySize: 120, margin: 0.1 }),
}).check((ctx) => {
  const c = ctx.value;
  const issue = (path: PropertyKey[], message: string) =>
    ctx.issues.push({ code: "custom", path, message, input: undefined });
  const seen = new Map<string, number>();
  c.providers.forEach((p, i) => {
    const first = seen.get(p.name);
    if (first !== undefined) {
      issue(["providers", i, "name"], `duplicates providers[${first}]: "${p.name}"`);
    } else seen.set(p.name, i);
  });
  if (c.retry.maxDelayMs < c.retry.baseDelayMs) {
    issue(["retry", "maxDelayMs"], "must be at least retry.baseDelayMs");
  }
  let routed = 0;
  for (const cap of CAPABILITIES) {
    const names = c.routing[cap];
    if (names === undefined) continue;
    routed++;
    const inPolicy = new Set<string>();
    names.forEach((n, i) => {
      if (!seen.has(n)) issue(["routing", cap, i], `names "${n}", which is not in providers`);
      if (inPolicy.has(n)) issue(["routing", cap, i], `names "${n}" twice`);
      inPolicy.add(n);
    });
  }
  if (routed === 0) issue(["routing"], "must route at least one capability");
});

/** The zod schema of a provider configuration (JSON form in, defaults filled out). */
export const ProvidersConfigSchema: Model<ProvidersConfig, ProvidersConfigInput> = shape;

// Compile-time proof that the zod shape and the declared interfaces agree.
type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends (<T>() => T extends B ? 1 : 2) ? true
  : false;
const _outputMatches: Equal<z.infer<typeof shape>, ProvidersConfig> = true;
const _inputMatches: Equal<z.input<typeof shape>, ProvidersConfigInput> = true;

/**
 * Validates a provider configuration, usually parsed JSON.
 *
 * @param input The configuration.
 * @returns The configuration with defaults filled.
 * @throws {ProviderConfigError} Listing every problem with its path: unknown or duplicate
 *   providers, empty policies, out-of-range thresholds, unknown keys.
 *
 * @example
 * ```ts
 * import { parseProvidersConfig, ProviderConfigError } from "@mds/providers";
 * import assert from "node:assert/strict";
 *
 * const config = parseProvidersConfig({
 *   providers: [{ name: "yahoo", requestsPerMinute: 60 }],
 *   routing: { bars: ["yahoo"] },
 * });
 * assert.equal(config.breaker.failureThreshold, 5);
 * assert.throws(
 *   () => parseProvidersConfig({ providers: [{ name: "polygon", requestsPerMinute: 60 }],
 *     routing: { bars: ["yahoo"] } }),
 *   (err) => err instanceof ProviderConfigError && err.issues[0]?.path === "providers[0].name",
 * );
 * ```
 */
export function parseProvidersConfig(input: unknown): ProvidersConfig {
  const result = shape.safeParse(input);
  if (result.success) return result.data;
  const issues: ConfigIssue[] = result.error.issues.map((i) => ({
    path: issuePath("", i.path).replace(/^\(body\)$/, ""),
    message: i.message,
  }));
  throw new ProviderConfigError(issues);
}

/**
 * The capabilities a configuration routes, in {@linkcode CAPABILITIES} order.
 *
 * @param config A validated configuration.
 * @returns The routed capabilities.
 *
 * @example
 * ```ts
 * import { parseProvidersConfig, routedCapabilities } from "@mds/providers";
 * import assert from "node:assert/strict";
 *
 * const config = parseProvidersConfig({ providers: [{ name: "yahoo", requestsPerMinute: 60 }],
 *   routing: { quote: ["yahoo"] } });
 * assert.deepEqual(routedCapabilities(config), ["quote"]);
 * ```
 */
export function routedCapabilities(config: ProvidersConfig): Capability[] {
  return CAPABILITIES.filter((c) => config.routing[c] !== undefined);
}

/** Requests per minute of the built-in configuration: Finnhub's free tier, and as much for Yahoo. */
export const DEFAULT_REQUESTS_PER_MINUTE = 60;

/**
 * The configuration mds uses without a configuration file: Yahoo first, then Finnhub when
 * `FINNHUB_API_KEY` is set, for every capability, at {@linkcode DEFAULT_REQUESTS_PER_MINUTE}
 * requests per minute each; or only the provider named by `only`.
 *
 * @param env The environment, for `FINNHUB_API_KEY`.
 * @param only One provider instead of the routed pair.
 * @returns The configuration, in the form {@linkcode parseProvidersConfig} accepts.
 *
 * @example
 * ```ts
 * import { defaultProvidersConfig } from "@mds/providers";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(defaultProvidersConfig({}).routing.bars, ["yahoo"]);
 * assert.deepEqual(defaultProvidersConfig({ FINNHUB_API_KEY: "k" }).routing.bars, ["yahoo", "finnhub"]);
 * assert.deepEqual(defaultProvidersConfig({}, "finnhub").routing.quote, ["finnhub"]);
 * ```
 */
export function defaultProvidersConfig(
  env: Readonly<Record<string, string | undefined>>,
  only?: ProviderName,
): ProvidersConfigInput {
  const names: ProviderName[] = only !== undefined
    ? [only]
    : (env.FINNHUB_API_KEY ?? "").trim() !== ""
    ? ["yahoo", "finnhub"]
    : ["yahoo"];
  return {
    providers: names.map((name) => ({
      name,
      requestsPerMinute: DEFAULT_REQUESTS_PER_MINUTE,
      burst: 5,
    })),
    routing: { bars: names, quote: names, options_chain: names },
  };
}
