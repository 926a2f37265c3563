// parseProvidersConfig(): one refusal per rule, each naming its path, and the defaults.
import { assert, assertEquals, assertThrows } from "../testing/assert.ts";
import type { ModelInput, ModelOutput } from "@mds/sql";
import {
  parseProvidersConfig,
  type ProvidersConfig,
  type ProvidersConfigInput,
  ProvidersConfigSchema,
} from "./config.ts";
import { ProviderConfigError } from "./errors.ts";

const VALID: ProvidersConfigInput = {
  providers: [
    { name: "yahoo", requestsPerMinute: 60 },
    { name: "finnhub", requestsPerMinute: 30, apiKeyEnv: "FINNHUB_API_KEY", burst: 5 },
  ],
  routing: { bars: ["yahoo", "finnhub"], quote: ["finnhub"] },
};

function refusal(input: unknown): Array<[string, string]> {
  const err = assertThrows(() => parseProvidersConfig(input), ProviderConfigError);
  assertEquals(err.code, "MDS_CONFIG");
  return err.issues.map((i) => [i.path, i.message]);
}

const paths = (input: unknown) => refusal(input).map(([p]) => p);

// Compile-time proof that the exported schema's types are the declared interfaces.
type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends (<T>() => T extends B ? 1 : 2) ? true
  : false;
const _out: Equal<ModelOutput<typeof ProvidersConfigSchema>, ProvidersConfig> = true;
const _in: Equal<ModelInput<typeof ProvidersConfigSchema>, ProvidersConfigInput> = true;

Deno.test("parseProvidersConfig() accepts a valid configuration and fills the defaults", () => {
  const config = parseProvidersConfig(VALID);
  assertEquals(config.breaker, { failureThreshold: 5, windowMs: 60_000, coolDownMs: 30_000 });
  assertEquals(config.retry, { maxAttempts: 3, baseDelayMs: 200, maxDelayMs: 5_000 });
  assertEquals(config.health.margin, 0.1);
  assertEquals(config.providers[0]?.burst, 1);
  assertEquals(config.providers[0]?.timeoutMs, 10_000);
  assertEquals(config.routing.options_chain, undefined);
  assert(ProvidersConfigSchema.safeParse(VALID).success);
});

Deno.test("parseProvidersConfig() rejects an unknown provider", () => {
  const issues = refusal({ ...VALID, providers: [{ name: "polygon", requestsPerMinute: 5 }] });
  assertEquals(issues[0]?.[0], "providers[0].name");
  assert(issues[0]![1].includes('"polygon"'), issues[0]![1]);
});

Deno.test("parseProvidersConfig() rejects a provider named twice", () => {
  assertEquals(
    paths({ ...VALID, providers: [...VALID.providers, { name: "yahoo", requestsPerMinute: 1 }] }),
    ["providers[2].name"],
  );
});

Deno.test("parseProvidersConfig() rejects an empty policy and a configuration routing nothing", () => {
  assertEquals(paths({ ...VALID, routing: { bars: [] } }), ["routing.bars"]);
  assertEquals(paths({ ...VALID, routing: {} }), ["routing"]);
});

Deno.test("parseProvidersConfig() rejects a policy naming a provider that is not configured, or one twice", () => {
  const onlyYahoo = { ...VALID, providers: [{ name: "yahoo", requestsPerMinute: 60 }] };
  assertEquals(paths({ ...onlyYahoo, routing: { quote: ["yahoo", "finnhub"] } }), [
    "routing.quote[1]",
  ]);
  assertEquals(paths({ ...onlyYahoo, routing: { quote: ["yahoo", "yahoo"] } }), [
    "routing.quote[1]",
  ]);
});

Deno.test("parseProvidersConfig() rejects invalid and out-of-range breaker thresholds", () => {
  const breaker = { failureThreshold: 5, windowMs: 60_000, coolDownMs: 30_000 };
  assertEquals(paths({ ...VALID, breaker: { ...breaker, failureThreshold: 0 } }), [
    "breaker.failureThreshold",
  ]);
  assertEquals(paths({ ...VALID, breaker: { ...breaker, windowMs: 3_600_001 } }), [
    "breaker.windowMs",
  ]);
  assertEquals(paths({ ...VALID, breaker: { ...breaker, coolDownMs: 1.5 } }), [
    "breaker.coolDownMs",
  ]);
  assertEquals(paths({ ...VALID, breaker: { failureThreshold: 5 } }), [
    "breaker.windowMs",
    "breaker.coolDownMs",
  ]);
  const perProvider = {
    ...VALID,
    providers: [{
      name: "yahoo",
      requestsPerMinute: 60,
      breaker: { ...breaker, failureThreshold: -1 },
    }],
    routing: { bars: ["yahoo"] },
  };
  assertEquals(paths(perProvider), ["providers[0].breaker.failureThreshold"]);
});

Deno.test("parseProvidersConfig() rejects out-of-range rates, retries and health settings", () => {
  assertEquals(
    paths({
      ...VALID,
      providers: [{ name: "yahoo", requestsPerMinute: 0 }],
      routing: { bars: ["yahoo"] },
    }),
    [
      "providers[0].requestsPerMinute",
    ],
  );
  assertEquals(paths({ ...VALID, retry: { maxAttempts: 11 } }), ["retry.maxAttempts"]);
  assertEquals(paths({ ...VALID, retry: { baseDelayMs: 500, maxDelayMs: 100 } }), [
    "retry.maxDelayMs",
  ]);
  assertEquals(paths({ ...VALID, health: { alpha: 0 } }), ["health.alpha"]);
});

Deno.test("parseProvidersConfig() wants the NAME of the key's variable and never quotes what it got", () => {
  const secret = "sk_live_0123456789abcdef";
  const issues = refusal({
    ...VALID,
    providers: [{ name: "finnhub", requestsPerMinute: 30, apiKeyEnv: secret }],
    routing: { quote: ["finnhub"] },
  });
  assertEquals(issues.map(([p]) => p), ["providers[0].apiKeyEnv"]);
  const err = assertThrows(
    () =>
      parseProvidersConfig({
        ...VALID,
        providers: [{ name: "finnhub", requestsPerMinute: 30, apiKeyEnv: secret }],
        routing: { quote: ["finnhub"] },
      }),
    ProviderConfigError,
  );
  assert(!err.message.includes(secret), err.message);
});

Deno.test("parseProvidersConfig() rejects unknown keys, so a typo is not silently ignored", () => {
  assertEquals(paths({ ...VALID, routnig: {} }), [""]);
  assertEquals(paths({ ...VALID, routing: { ...VALID.routing, news: ["yahoo"] } }), ["routing"]);
});
