// ProviderRegistry over stub providers on a manual clock: failover rules, retry rounds with
// backoff, configuration refusals that depend on the environment, reload carrying state.
import { type Bar, parseBar } from "@mds/sql";
import { assert, assertEquals, assertRejects, assertThrows } from "../testing/assert.ts";
import { manualClock } from "../testing/manual_clock.ts";
import { ProviderConfigError, ProviderError, type ProviderErrorCode } from "./errors.ts";
import type { BarStream, Provider, Quote } from "./provider.ts";
import { ProviderRegistry } from "./registry.ts";
import type { ProvidersConfigInput } from "./config.ts";

type Script = Array<ProviderErrorCode | "ok">;

/** A provider answering quotes (and bar streams) by script, counting its calls. */
function stub(name: string, script: Script, calls: string[]): Provider {
  const next = (): ProviderErrorCode | "ok" =>
    script.length > 1 ? script.shift()! : script[0] ?? "ok";
  const fail = (code: ProviderErrorCode) =>
    new ProviderError(code, `${name} failed`, {
      provider: name,
      endpoint: "stub",
      retryAfterMs: 1_000,
    });
  return {
    name,
    capabilities: ["bars", "quote"],
    timeframes: ["1d"],
    fetchQuote(symbol): Promise<Quote> {
      calls.push(name);
      const outcome = next();
      if (outcome !== "ok") return Promise.reject(fail(outcome));
      return Promise.resolve({
        vendor: name,
        symbol,
        ts: new Date(0),
        price: 1,
        open: null,
        high: null,
        low: null,
        previousClose: null,
      });
    },
    fetchBars(): BarStream {
      calls.push(name);
      const outcome = next();
      const bar = (d: number): Bar =>
        parseBar({
          ts: d,
          vendor: name,
          symbol: "A",
          timeframe: "1d",
          open: 1,
          high: 1,
          low: 1,
          close: 1,
        });
      return {
        info: {
          provider: name,
          splits: [],
          dividends: [],
          adjustedCloses: new Map(),
          skippedNulls: 0,
          refused: [],
          refusedCount: 0,
          requests: 1,
          exchangeTimezone: undefined,
        },
        async *[Symbol.asyncIterator]() {
          yield bar(0);
          if (outcome !== "ok") throw fail(outcome);
          yield bar(86_400_000);
        },
      };
    },
    fetchOptionChain() {
      return Promise.reject(fail("PROVIDER_UNSUPPORTED"));
    },
  };
}

const CONFIG: ProvidersConfigInput = {
  providers: [
    { name: "yahoo", requestsPerMinute: 6_000, burst: 100 },
    { name: "finnhub", requestsPerMinute: 6_000, burst: 100 },
  ],
  routing: { quote: ["yahoo", "finnhub"], bars: ["yahoo", "finnhub"] },
  retry: { maxAttempts: 3, baseDelayMs: 100, maxDelayMs: 1_000 },
  health: { margin: 1 },
};
const ENV = { FINNHUB_API_KEY: "k" };

function setup(scripts: Record<string, Script>, config: ProvidersConfigInput = CONFIG) {
  const clock = manualClock(0);
  const calls: string[] = [];
  const registry = new ProviderRegistry(config, {
    env: ENV,
    now: clock.now,
    sleep: clock.sleep,
    random: () => 0.5,
    createProvider: (entry) => stub(entry.name, scripts[entry.name] ?? ["ok"], calls),
  });
  return { clock, calls, registry };
}

for (const code of ["PROVIDER_UNAVAILABLE", "PROVIDER_RATE_LIMITED", "PROVIDER_TIMEOUT"] as const) {
  Deno.test(`the registry fails over on ${code}`, async () => {
    const { registry, calls } = setup({ yahoo: [code, "ok"] });
    assertEquals((await registry.fetchQuote("A")).vendor, "finnhub");
    assertEquals(calls, ["yahoo", "finnhub"]);
  });
}

for (
  const code of [
    "PROVIDER_NO_DATA",
    "PROVIDER_AUTH",
    "PROVIDER_BAD_RESPONSE",
    "PROVIDER_BAD_REQUEST",
  ] as const
) {
  Deno.test(`the registry does not fail over on ${code}`, async () => {
    const { registry, calls } = setup({ yahoo: [code] });
    const err = await assertRejects(() => registry.fetchQuote("A"), ProviderError);
    assertEquals(err.providerCode, code);
    assertEquals(calls, ["yahoo"]);
  });
}

Deno.test("the registry retries a round after backing off when every provider failed", async () => {
  const { registry, calls, clock } = setup({
    yahoo: ["PROVIDER_UNAVAILABLE", "PROVIDER_UNAVAILABLE", "ok"],
    finnhub: ["PROVIDER_UNAVAILABLE"],
  });
  const quote = registry.fetchQuote("A", { deadline: 60_000 });
  await clock.advance(0);
  assertEquals(calls, ["yahoo", "finnhub"]);
  await clock.advance(50); // backoff(0) = 0.5 * 100 ms
  assertEquals(calls, ["yahoo", "finnhub", "yahoo", "finnhub"]);
  await clock.advance(100); // backoff(1) = 0.5 * 200 ms
  assertEquals((await quote).vendor, "yahoo");
  assertEquals(calls.length, 5);
});

Deno.test("the registry gives up after maxAttempts rounds with the providers' failures as cause", async () => {
  const { registry, clock } = setup({
    yahoo: ["PROVIDER_TIMEOUT"],
    finnhub: ["PROVIDER_UNAVAILABLE"],
  });
  const quote = registry.fetchQuote("A", { deadline: 60_000 });
  const done = assertRejects(() => quote, ProviderError);
  for (let i = 0; i < 5; i++) await clock.advance(1_000);
  const err = await done;
  assertEquals(err.providerCode, "PROVIDER_UNAVAILABLE");
  assert(err.cause instanceof AggregateError && err.cause.errors.length === 6);
});

Deno.test("the registry prefers the healthier provider once the gap passes the margin", async () => {
  const { registry, calls } = setup({ yahoo: ["PROVIDER_UNAVAILABLE", "ok"] }, {
    ...CONFIG,
    health: { margin: 0.1 },
  });
  await registry.fetchQuote("A");
  await registry.fetchQuote("A");
  assertEquals(calls, ["yahoo", "finnhub", "finnhub"]);
  assert(registry.status()[0]!.score < registry.status()[1]!.score);
});

Deno.test("a bar stream that fails after its first bar surfaces the error instead of failing over", async () => {
  const failing = setup({ yahoo: ["PROVIDER_UNAVAILABLE"] });
  const bars = await Array.fromAsync(
    failing.registry.fetchBars({
      symbol: "A",
      timeframe: "1d",
      start: new Date(0),
      end: new Date(1e9),
    }),
  )
    .catch((e) => e);
  // the stub fails after its first bar: no failover then, the error surfaces
  assert(bars instanceof ProviderError && bars.providerCode === "PROVIDER_UNAVAILABLE");
  assertEquals(failing.calls, ["yahoo"]);
});

Deno.test("new ProviderRegistry() refuses a Finnhub entry whose key variable is not set, naming the variable only", () => {
  const err = assertThrows(
    () => new ProviderRegistry(CONFIG, { env: {} }),
    ProviderConfigError,
  );
  assertEquals(err.issues, [{
    path: "providers[1].apiKeyEnv",
    message: 'names "FINNHUB_API_KEY", which is not set',
  }]);
});

Deno.test("registry.reload() keeps the health history of providers that stay", async () => {
  const { registry } = setup({});
  await registry.fetchQuote("A");
  registry.reload({ ...CONFIG, routing: { quote: ["yahoo"] } });
  assertEquals(registry.healthHistory("yahoo")?.length, 1);
  assertEquals(registry.healthHistory("polygon"), undefined);
});

const CHART = {
  chart: {
    error: null,
    result: [{
      meta: { regularMarketPrice: 185.64, regularMarketTime: 1704229200 },
      timestamp: [1704205800],
      indicators: {
        quote: [{
          open: [187.15],
          high: [188.44],
          low: [183.89],
          close: [185.64],
          volume: [82488700],
        }],
      },
    }],
  },
};

Deno.test("concurrency bounds the calls in flight per provider", async () => {
  let inFlight = 0, most = 0;
  const registry = new ProviderRegistry(
    {
      providers: [{ name: "yahoo", requestsPerMinute: 60_000, burst: 100 }],
      routing: { quote: ["yahoo"] },
    },
    {
      concurrency: { yahoo: 2 },
      fetch: async () => {
        most = Math.max(most, ++inFlight);
        await new Promise((r) => setTimeout(r, 20));
        inFlight--;
        return Response.json(CHART);
      },
    },
  );
  const quotes = await Promise.all(Array.from({ length: 8 }, () => registry.fetchQuote("AAPL")));
  assertEquals(quotes.length, 8);
  assertEquals(most, 2);
  assertThrows(
    () =>
      new ProviderRegistry({ providers: [{ name: "yahoo", requestsPerMinute: 60 }] }, {
        concurrency: { yahoo: 0 },
      }),
    RangeError,
  );
});

Deno.test("providers: a call tries only the named providers, in the order given", async () => {
  const hosts: string[] = [];
  const registry = new ProviderRegistry(
    {
      providers: [
        { name: "yahoo", requestsPerMinute: 60_000, burst: 100 },
        { name: "finnhub", requestsPerMinute: 60_000, burst: 100 },
      ],
      routing: { quote: ["yahoo", "finnhub"] },
    },
    {
      env: { FINNHUB_API_KEY: "k" },
      fetch: (input) => {
        const url = new URL(input instanceof Request ? input.url : input);
        hosts.push(url.hostname);
        return Promise.resolve(
          url.hostname === "finnhub.io"
            ? Response.json({
              c: 185.64,
              h: 188.44,
              l: 183.89,
              o: 187.15,
              pc: 185.2,
              t: 1704229200,
            })
            : Response.json(CHART),
        );
      },
    },
  );
  assertEquals((await registry.fetchQuote("AAPL", { providers: ["finnhub"] })).vendor, "finnhub");
  assertEquals(
    (await registry.fetchQuote("AAPL", { providers: ["finnhub", "yahoo"] })).vendor,
    "finnhub",
  );
  assertEquals((await registry.fetchQuote("AAPL")).vendor, "yahoo");
  assertEquals(hosts, ["finnhub.io", "finnhub.io", "query1.finance.yahoo.com"]);
  const e = await assertRejects(
    () => registry.fetchQuote("AAPL", { providers: ["polygon"] }),
    ProviderError,
  );
  assertEquals(e.providerCode, "PROVIDER_UNSUPPORTED");
});
