// parseCollectorConfig(): the defaults, the merge, one refusal per rule naming its dotted path,
// the provider configuration's own rules under "providers.", and JSON files.
import { assert, assertEquals, assertRejects, assertThrows } from "../testing/assert.ts";
import { DEFAULT_BACKFILL_CAPS, TIMEFRAMES, ValidationError } from "@mds/sql";
import {
  CollectorConfigError,
  type CollectorConfigInput,
  defaultCollectorConfig,
  loadCollectorConfig,
  parseCollectorConfig,
  redactedConfig,
} from "./config.ts";
import { parseDurationSeconds } from "./duration.ts";
import type { ProvidersConfigInput } from "@mds/providers";

const PROVIDERS: ProvidersConfigInput = {
  providers: [
    { name: "yahoo", requestsPerMinute: 60 },
    { name: "finnhub", requestsPerMinute: 30, apiKeyEnv: "FINNHUB_API_KEY" },
  ],
  routing: { bars: ["yahoo", "finnhub"], quote: ["finnhub"] },
};

function refusal(input: unknown): Array<[string, string]> {
  const err = assertThrows(() => parseCollectorConfig(input), CollectorConfigError);
  assertEquals(err.code, "MDS_CONFIG");
  return err.issues.map((i) => [i.path, i.message]);
}

const paths = (input: unknown) => refusal(input).map(([p]) => p);

Deno.test("defaultCollectorConfig() holds the documented defaults", () => {
  const c = defaultCollectorConfig({});
  assertEquals(c.providers.providers.map((p) => p.name), ["yahoo"]);
  assertEquals(c.tiers.T0, {
    cadence: {
      "1m": 60,
      "5m": 300,
      "15m": 900,
      "30m": 1800,
      "1h": 3600,
      "4h": 3600,
      "1d": 3600,
      "1w": 86400,
    },
    maxSymbols: 500,
    quotesEverySeconds: 15,
    optionsEveryMinutes: 15,
    backfillCap: 100,
  });
  assertEquals(Object.values(c.tiers.T1.cadence), [300, 900, 1800, 3600, 3600, 7200, 21600, 86400]);
  assertEquals(
    Object.values(c.tiers.T2.cadence),
    [3600, 3600, 3600, 7200, 7200, 14400, 86400, 604800],
  );
  assertEquals(Object.keys(c.tiers.T2.cadence), [...TIMEFRAMES]);
  assertEquals([c.tiers.T1.maxSymbols, c.tiers.T2.maxSymbols], [5_000, 50_000]);
  assertEquals([c.tiers.T1.quotesEverySeconds, c.tiers.T2.quotesEverySeconds], [null, null]);
  assertEquals([c.tiers.T1.optionsEveryMinutes, c.tiers.T2.optionsEveryMinutes], [null, null]);
  assertEquals(
    { T0: c.tiers.T0.backfillCap, T1: c.tiers.T1.backfillCap, T2: c.tiers.T2.backfillCap },
    { ...DEFAULT_BACKFILL_CAPS },
  );
  assertEquals(Object.values(c.history.defaultDays), [7, 30, 30, 30, 180, 365, 365, 1825]);
  assertEquals(c.workers, {
    count: 4,
    leaseSeconds: 120,
    maxAttempts: 5,
    backoff: { baseSeconds: 10, maxSeconds: 900 },
    pollSeconds: 1,
    providerConcurrency: { yahoo: 4, finnhub: 4 },
    rateLimitedDelaySeconds: 30,
    keepDoneHours: 24,
    graceSeconds: 30,
  });
  assertEquals(c.sweep, { everySeconds: 15 });
  assertEquals(c.gaps.scanEverySeconds, 900);
  assertEquals(Object.values(c.gaps.windowDays), [5, 10, 10, 10, 30, 60, 120, 730]);
  assertEquals([c.gaps.unfillableRetryHours, c.gaps.maxGapsPerSeries], [24, 50]);
  assertEquals(c.slo.everySeconds, 60);
  assertEquals(Object.values(c.slo.windowDays), [1, 1, 2, 2, 5, 10, 10, 30]);
  assertEquals(c.validation, { futureToleranceSeconds: 300 });
  assertEquals(c.calendar, "nyse");
  assertEquals(parseCollectorConfig({}), c);
});

Deno.test("defaultCollectorConfig() adds Finnhub only when FINNHUB_API_KEY is set", () => {
  assertEquals(defaultCollectorConfig({ FINNHUB_API_KEY: "k" }).providers.routing.bars, [
    "yahoo",
    "finnhub",
  ]);
  assertEquals(defaultCollectorConfig({ FINNHUB_API_KEY: " " }).providers.routing.bars, ["yahoo"]);
  assertEquals(defaultCollectorConfig().providers.routing.bars, ["yahoo"]);
});

Deno.test("parseCollectorConfig() accepts a valid configuration", () => {
  const input: CollectorConfigInput = {
    providers: PROVIDERS,
    tiers: { T1: { maxSymbols: 8_000, backfillCap: 2_000 }, T2: { quotesEverySeconds: "1h" } },
    history: { defaultDays: { "1m": 3 } },
    workers: { count: 8, leaseSeconds: "2m", backoff: { maxSeconds: "30m" }, pollSeconds: "250ms" },
    sweep: { everySeconds: 5 },
    gaps: { scanEverySeconds: "10m", unfillableRetryHours: "2d", maxGapsPerSeries: 10 },
    slo: { everySeconds: "1m", windowDays: { "1d": "2w" } },
    validation: { futureToleranceSeconds: 0 },
    calendar: "24x7",
  };
  const c = parseCollectorConfig(input);
  assertEquals(c.providers.routing.quote, ["finnhub"]);
  assertEquals(c.providers.breaker.failureThreshold, 5);
  assertEquals([c.tiers.T1.maxSymbols, c.tiers.T1.backfillCap, c.tiers.T1.cadence["1m"]], [
    8_000,
    2_000,
    300,
  ]);
  assertEquals(c.tiers.T2.quotesEverySeconds, 3_600);
  assertEquals([c.history.defaultDays["1m"], c.history.defaultDays["5m"]], [3, 30]);
  assertEquals(c.workers.leaseSeconds, 120);
  assertEquals(c.workers.backoff, { baseSeconds: 10, maxSeconds: 1_800 });
  assertEquals(c.workers.pollSeconds, 0.25);
  assertEquals(c.gaps.scanEverySeconds, 600);
  assertEquals(c.gaps.unfillableRetryHours, 48);
  assertEquals(c.slo.windowDays["1d"], 14);
  assertEquals(c.slo.everySeconds, 60);
  assertEquals(c.validation.futureToleranceSeconds, 0);
  assertEquals(c.calendar, "24x7");
});

Deno.test("parseCollectorConfig() merges a tier's cadence key by key into its defaults", () => {
  const c = parseCollectorConfig({ tiers: { T0: { cadence: { "1m": 30 } } } });
  const defaults = defaultCollectorConfig({});
  assertEquals(c.tiers.T0, {
    ...defaults.tiers.T0,
    cadence: { ...defaults.tiers.T0.cadence, "1m": 30 },
  });
  assertEquals(c.tiers.T1, defaults.tiers.T1);
  assertEquals(c.tiers.T2, defaults.tiers.T2);
});

Deno.test("parseCollectorConfig() drops a timeframe set to null and turns quotes off with null", () => {
  const c = parseCollectorConfig({
    tiers: { T2: { cadence: { "1m": null, "5m": null } }, T0: { quotesEverySeconds: null } },
  });
  assertEquals(Object.keys(c.tiers.T2.cadence), ["15m", "30m", "1h", "4h", "1d", "1w"]);
  assertEquals(c.tiers.T0.quotesEverySeconds, null);
});

Deno.test("parseCollectorConfig() merges provider concurrency key by key", () => {
  const c = parseCollectorConfig({ workers: { providerConcurrency: { finnhub: 1 } } });
  assertEquals(c.workers.providerConcurrency, { yahoo: 4, finnhub: 1 });
});

Deno.test("parseCollectorConfig() returns fresh objects: changing one result leaves the next intact", () => {
  const a = parseCollectorConfig({});
  a.tiers.T0.cadence["1m"] = 1;
  a.history.defaultDays["1d"] = 1;
  a.workers.providerConcurrency.yahoo = 1;
  const b = parseCollectorConfig({});
  assertEquals(
    [b.tiers.T0.cadence["1m"], b.history.defaultDays["1d"], b.workers.providerConcurrency.yahoo],
    [60, 365, 4],
  );
});

Deno.test("parseCollectorConfig() parses duration strings, in the unit of each setting", () => {
  const c = parseCollectorConfig({
    tiers: { T0: { cadence: { "1m": "90s", "1h": "1.5h", "1w": "2d" } } },
    sweep: { everySeconds: "1m" },
    gaps: { unfillableRetryHours: "90m", windowDays: { "1m": "36h" } },
  });
  assertEquals([c.tiers.T0.cadence["1m"], c.tiers.T0.cadence["1h"], c.tiers.T0.cadence["1w"]], [
    90,
    5_400,
    172_800,
  ]);
  assertEquals(c.sweep.everySeconds, 60);
  assertEquals(c.gaps.unfillableRetryHours, 1.5);
  assertEquals(c.gaps.windowDays["1m"], 1.5);
});

Deno.test("parseCollectorConfig() refuses a malformed duration, naming the setting", () => {
  const issues = refusal({ sweep: { everySeconds: "5 parsecs" }, workers: { leaseSeconds: "2x" } });
  assertEquals(issues.map(([p]) => p), ["workers.leaseSeconds", "sweep.everySeconds"]);
  assert(issues[1]![1].startsWith('is "5 parsecs": '), issues[1]![1]);
  assertEquals(paths({ sweep: { everySeconds: true } }), ["sweep.everySeconds"]);
  assertEquals(paths({ sweep: { everySeconds: -1 } }), ["sweep.everySeconds"]);
});

Deno.test("parseDurationSeconds() reads numbers of seconds and strings with a unit", () => {
  assertEquals(parseDurationSeconds("x", 90), 90);
  assertEquals(parseDurationSeconds("x", 0.5), 0.5);
  assertEquals(parseDurationSeconds("x", "90s"), 90);
  assertEquals(parseDurationSeconds("x", "5m"), 300);
  assertEquals(parseDurationSeconds("x", "1h"), 3_600);
  assertEquals(parseDurationSeconds("x", "2d"), 172_800);
  assertEquals(parseDurationSeconds("x", "1w"), 604_800);
  assertEquals(parseDurationSeconds("x", " 300ms "), 0.3);
  for (const bad of ["", "90", "5 m", "-5m", "5M", "1h30m", "m", null, undefined, {}, -1, NaN]) {
    const err = assertThrows(
      () => parseDurationSeconds("gaps.scanEverySeconds", bad),
      ValidationError,
    );
    assertEquals(err.field, "gaps.scanEverySeconds");
    assert(err.message.includes('"gaps.scanEverySeconds"'), err.message);
  }
});

Deno.test("parseCollectorConfig() refuses an unknown top-level key, naming it", () => {
  const issues = refusal({ sweep: {}, swep: { everySeconds: 5 } });
  assertEquals(issues.map(([p]) => p), ["swep"]);
  assert(issues[0]![1].includes("is not a known setting"), issues[0]![1]);
  assert(issues[0]![1].includes("sweep"), "lists the known settings");
});

Deno.test("parseCollectorConfig() refuses unknown nested keys, tiers and providers", () => {
  assertEquals(paths({ workers: { cuont: 2, leaseSecs: 3 } }), [
    "workers.cuont",
    "workers.leaseSecs",
  ]);
  assertEquals(paths({ tiers: { T3: {} } }), ["tiers.T3"]);
  assertEquals(paths({ tiers: { T0: { cadance: {} } } }), ["tiers.T0.cadance"]);
  assertEquals(paths({ workers: { providerConcurrency: { polygon: 2 } } }), [
    "workers.providerConcurrency.polygon",
  ]);
  assertEquals(paths({ calendar: "lse" }), ["calendar"]);
  assertEquals(paths([]), [""]);
  assertEquals(paths({ workers: 4 }), ["workers"]);
});

Deno.test("parseCollectorConfig() refuses a cadence keyed by something that is not a timeframe", () => {
  const issues = refusal({ tiers: { T0: { cadence: { "1m": 30, "2m": 60, "1D": 60 } } } });
  assertEquals(issues.map(([p]) => p), ["tiers.T0.cadence.2m", "tiers.T0.cadence.1D"]);
  assert(issues[0]![1].includes("is not a timeframe"), issues[0]![1]);
  assertEquals(paths({ gaps: { windowDays: { "1y": 1 } } }), ["gaps.windowDays.1y"]);
});

Deno.test("parseCollectorConfig() refuses out-of-range values", () => {
  assertEquals(paths({ workers: { count: 0 } }), ["workers.count"]);
  assertEquals(paths({ workers: { count: 65 } }), ["workers.count"]);
  assertEquals(paths({ workers: { count: 1.5 } }), ["workers.count"]);
  assertEquals(paths({ workers: { leaseSeconds: 9 } }), ["workers.leaseSeconds"]);
  assertEquals(paths({ workers: { leaseSeconds: "2h" } }), ["workers.leaseSeconds"]);
  assertEquals(paths({ workers: { maxAttempts: 101 } }), ["workers.maxAttempts"]);
  assertEquals(paths({ workers: { pollSeconds: "10ms" } }), ["workers.pollSeconds"]);
  assertEquals(paths({ workers: { providerConcurrency: { yahoo: 0 } } }), [
    "workers.providerConcurrency.yahoo",
  ]);
  assertEquals(paths({ workers: { backoff: { baseSeconds: 60, maxSeconds: 30 } } }), [
    "workers.backoff.maxSeconds",
  ]);
  assertEquals(paths({ tiers: { T0: { cadence: { "1m": "5s" } } } }), ["tiers.T0.cadence.1m"]);
  assertEquals(paths({ tiers: { T2: { cadence: { "1w": "8d" } } } }), ["tiers.T2.cadence.1w"]);
  assertEquals(paths({ tiers: { T1: { maxSymbols: -1, backfillCap: 0.5 } } }), [
    "tiers.T1.maxSymbols",
    "tiers.T1.backfillCap",
  ]);
  assertEquals(paths({ sweep: { everySeconds: "2h" } }), ["sweep.everySeconds"]);
  assertEquals(paths({ slo: { windowDays: { "1m": 0 } } }), ["slo.windowDays.1m"]);
  assertEquals(paths({ gaps: { maxGapsPerSeries: 0 } }), ["gaps.maxGapsPerSeries"]);
  const [[, message]] = refusal({ workers: { count: 65 } }) as [[string, string]];
  assertEquals(message, "is 65: must be at most 64");
});

Deno.test("parseCollectorConfig() lists every problem at once, each with its dotted path", () => {
  const err = assertThrows(
    () =>
      parseCollectorConfig({
        providers: { ...PROVIDERS, providers: [{ name: "polygon", requestsPerMinute: 1 }] },
        workers: { count: 0 },
        tiers: { T0: { cadence: { "2m": 1 } } },
      }),
    CollectorConfigError,
  );
  assertEquals(err.issues.map((i) => i.path), [
    "providers.providers[0].name",
    "tiers.T0.cadence.2m",
    "workers.count",
  ]);
  for (const i of err.issues) assert(err.message.includes(`${i.path}: `), err.message);
  assert(err.message.startsWith("Invalid collector configuration: "), err.message);
});

// The original service's configuration tests, on the providers section.
Deno.test("parseCollectorConfig() rejects an unknown provider", () => {
  const issues = refusal({
    providers: { ...PROVIDERS, providers: [{ name: "polygon", requestsPerMinute: 5 }] },
  });
  assertEquals(issues[0]?.[0], "providers.providers[0].name");
  assert(issues[0]![1].includes('"polygon"'), issues[0]![1]);
});

Deno.test("parseCollectorConfig() rejects invalid breaker thresholds", () => {
  const breaker = { failureThreshold: 5, windowMs: 60_000, coolDownMs: 30_000 };
  assertEquals(paths({ providers: { ...PROVIDERS, breaker: { ...breaker, windowMs: "1m" } } }), [
    "providers.breaker.windowMs",
  ]);
  assertEquals(paths({ providers: { ...PROVIDERS, breaker: { failureThreshold: 5 } } }), [
    "providers.breaker.windowMs",
    "providers.breaker.coolDownMs",
  ]);
});

Deno.test("parseCollectorConfig() rejects an empty policy", () => {
  assertEquals(paths({ providers: { ...PROVIDERS, routing: { bars: [] } } }), [
    "providers.routing.bars",
  ]);
  assertEquals(paths({ providers: { ...PROVIDERS, routing: {} } }), ["providers.routing"]);
});

Deno.test("parseCollectorConfig() rejects a provider named twice", () => {
  assertEquals(
    paths({
      providers: {
        ...PROVIDERS,
        providers: [...PROVIDERS.providers, { name: "yahoo", requestsPerMinute: 1 }],
      },
    }),
    ["providers.providers[2].name"],
  );
});

Deno.test("parseCollectorConfig() rejects out-of-range breaker thresholds", () => {
  const breaker = { failureThreshold: 5, windowMs: 60_000, coolDownMs: 30_000 };
  assertEquals(
    paths({ providers: { ...PROVIDERS, breaker: { ...breaker, failureThreshold: 0 } } }),
    ["providers.breaker.failureThreshold"],
  );
  assertEquals(
    paths({ providers: { ...PROVIDERS, breaker: { ...breaker, coolDownMs: 3_600_001 } } }),
    ["providers.breaker.coolDownMs"],
  );
  assertEquals(paths({ providers: null }), ["providers"]);
});

// JSON files.

async function withFile(text: string, fn: (file: string) => Promise<void>): Promise<void> {
  const file = await Deno.makeTempFile({ prefix: "mds_collector_", suffix: ".json" });
  try {
    await Deno.writeTextFile(file, text);
    await fn(file);
  } finally {
    await Deno.remove(file);
  }
}

Deno.test("loadCollectorConfig() reads a JSON file, with or without a byte-order mark", async () => {
  const text = JSON.stringify({
    workers: { count: 2 },
    tiers: { T0: { cadence: { "1m": "30s" } } },
  });
  for (const body of [text, `\uFEFF${text}`]) {
    await withFile(body, async (file) => {
      const c = await loadCollectorConfig(file);
      assertEquals([c.workers.count, c.tiers.T0.cadence["1m"]], [2, 30]);
      assertEquals((await loadCollectorConfig(new URL(`file://${file}`))).workers.count, 2);
    });
  }
  await withFile("{}", async (file) => {
    const c = await loadCollectorConfig(file, { FINNHUB_API_KEY: "k" });
    assertEquals(c.providers.routing.bars, ["yahoo", "finnhub"]);
  });
});

Deno.test("loadCollectorConfig() names the file and the position of a JSON syntax error", async () => {
  await withFile('{\n  "workers": {\n    count: 2\n  }\n}\n', async (file) => {
    const err = await assertRejects(() => loadCollectorConfig(file), CollectorConfigError);
    assertEquals(err.code, "MDS_CONFIG");
    assertEquals(err.file, file);
    assert(err.message.includes(JSON.stringify(file)), err.message);
    assert(/position 21\b/.test(err.message), err.message);
    assert(/line 3 column 5/.test(err.message), err.message);
    assert(err.cause instanceof SyntaxError);
  });
  await withFile("  \n", async (file) => {
    const err = await assertRejects(() => loadCollectorConfig(file), CollectorConfigError);
    assert(err.message.includes("empty"), err.message);
  });
});

Deno.test("loadCollectorConfig() names the file of an invalid configuration and of a missing one", async () => {
  await withFile('{ "workers": { "count": 0 } }', async (file) => {
    const err = await assertRejects(() => loadCollectorConfig(file), CollectorConfigError);
    assertEquals(err.issues.map((i) => i.path), ["workers.count"]);
    assert(err.message.includes(`"${file}": workers.count: `), err.message);
  });
  const dir = await Deno.makeTempDir({ prefix: "mds_collector_" });
  try {
    const missing = `${dir}/nope.json`;
    const err = await assertRejects(() => loadCollectorConfig(missing), CollectorConfigError);
    assertEquals(err.file, missing);
    assert(err.message.includes(missing), err.message);
    assert(err.message.includes("cannot be read"), err.message);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("redactedConfig() returns a deep copy with credentials in provider URLs masked", () => {
  const c = parseCollectorConfig({
    providers: {
      providers: [{
        name: "yahoo",
        requestsPerMinute: 60,
        baseUrl: "https://u:secret@q.test/v8?k=secret",
      }],
      routing: { bars: ["yahoo"] },
    },
  });
  const shown = redactedConfig(c);
  assert(!JSON.stringify(shown).includes("secret"));
  assertEquals(shown.providers.providers[0]?.baseUrl, "https://***:***@q.test/v8?k=***");
  shown.tiers.T0.cadence["1m"] = 1;
  assertEquals(c.tiers.T0.cadence["1m"], 60);
  const plain = defaultCollectorConfig({});
  assertEquals(redactedConfig(plain), plain);
});
