// @mds/providers against a fake Yahoo Finance and Finnhub on 127.0.0.1 that answer in the
// vendors' real JSON formats: bars, quotes, option chains, vendor failures, the registry's
// breakers, failover, rate limits and metrics. The fake server's request log is the evidence.
import {
  createFinnhubProvider,
  createYahooProvider,
  type Provider,
  ProviderConfigError,
  ProviderError,
  ProviderRegistry,
  type ProvidersConfigInput,
} from "@mds/providers";
import { Registry } from "prom-client";
import { assert, assertEquals, assertIncludes, assertRejects } from "../testing/assert.ts";
import { type FakeVendors, startFakeVendors } from "../testing/fake_vendors.ts";
import { manualClock } from "../testing/manual_clock.ts";

const day = (iso: string) => new Date(`${iso}T00:00:00Z`);
const iso = (d: Date) => d.toISOString().slice(0, 10);
/** The clock of the 2024 tests: intraday data of early January is within Yahoo's 30 days. */
const JAN_20 = () => Date.UTC(2024, 0, 20, 12);

function yahoo(v: FakeVendors, now = JAN_20): Provider {
  return createYahooProvider({ baseUrl: v.yahooBaseUrl, now });
}
function finnhub(v: FakeVendors, now = JAN_20): Provider {
  return createFinnhubProvider({ baseUrl: v.finnhubBaseUrl, apiKey: v.finnhubToken, now });
}

async function rejectsWith(fn: () => Promise<unknown>, code: string): Promise<ProviderError> {
  const err = await assertRejects(fn, ProviderError);
  assertEquals(err.providerCode, code, err.message);
  return err;
}

Deno.test("Yahoo fetchBars() streams daily bars at their trading date, keeps adjclose apart and reports the split inside the range", async () => {
  await using v = startFakeVendors();
  const stream = yahoo(v).fetchBars({
    symbol: "aapl",
    timeframe: "1d",
    start: day("2020-08-26"),
    end: day("2020-09-03"),
  });
  const bars = await Array.fromAsync(stream);
  assertEquals(bars.map((b) => iso(b.ts)), [
    "2020-08-26",
    "2020-08-27",
    "2020-08-28",
    "2020-08-31",
    "2020-09-01",
    "2020-09-02",
  ]);
  assert(
    bars.every((b) => b.ts.getUTCHours() === 0 && b.vendor === "yahoo" && b.symbol === "AAPL"),
  );
  const split = bars[3]!;
  assertEquals([split.open, split.close, split.volume], [127.58, 129.04, 225702700]);
  assertEquals(stream.info.adjustedCloses.get(split.ts.getTime()), 125.8356);
  assertEquals(stream.info.splits, [{ date: "2020-08-31", numerator: 4, denominator: 1 }]);
  assertEquals(stream.info.dividends, []);
  assertEquals(stream.info.exchangeTimezone, "America/New_York");
  const [req] = v.requests("yahoo", "chart");
  assertEquals([req?.params.interval, req?.params.events, req?.params.includePrePost], [
    "1d",
    "div|split",
    "false",
  ]);
});

Deno.test("Yahoo fetchBars() pages 1-minute bars a week per request and yields each minute once", async () => {
  await using v = startFakeVendors();
  const bars = await Array.fromAsync(
    yahoo(v).fetchBars({
      symbol: "AAPL",
      timeframe: "1m",
      start: new Date("2024-01-02T14:30:00Z"),
      end: new Date("2024-01-12T21:00:00Z"),
    }),
  );
  // 9 sessions of 390 minutes (Jan 2-5, 8-12)
  assertEquals(bars.length, 9 * 390);
  assertEquals(new Set(bars.map((b) => b.ts.getTime())).size, bars.length);
  assert(bars.every((b, i) => i === 0 || b.ts > bars[i - 1]!.ts), "not ascending");
  assertEquals(v.requests("yahoo", "chart").length, 2);
  assertEquals(v.requests("yahoo", "chart").map((r) => r.params.interval), ["1m", "1m"]);
});

Deno.test("Yahoo fetchBars() refuses 1-minute bars older than 30 days with PROVIDER_UNSUPPORTED before any request", async () => {
  await using v = startFakeVendors();
  let err: unknown;
  try {
    yahoo(v).fetchBars({
      symbol: "AAPL",
      timeframe: "1m",
      start: day("2023-11-01"),
      end: day("2023-11-02"),
    });
  } catch (e) {
    err = e;
  }
  assert(err instanceof ProviderError && err.providerCode === "PROVIDER_UNSUPPORTED", String(err));
  assertEquals(v.log.length, 0);
});

Deno.test("Yahoo fetchBars() skips and counts bars with null entries", async () => {
  await using v = startFakeVendors();
  const stream = yahoo(v).fetchBars({
    symbol: "GAPPY",
    timeframe: "1d",
    start: day("2024-01-02"),
    end: day("2024-01-06"),
  });
  const bars = await Array.fromAsync(stream);
  assertEquals(bars.map((b) => iso(b.ts)), ["2024-01-02", "2024-01-04"]);
  assertEquals(stream.info.skippedNulls, 2);
});

Deno.test("Yahoo fetchBars() yields nothing for a range without sessions", async () => {
  await using v = startFakeVendors();
  const stream = yahoo(v).fetchBars({
    symbol: "AAPL",
    timeframe: "1d",
    start: day("2020-08-29"),
    end: day("2020-08-31"),
  });
  assertEquals(await Array.fromAsync(stream), []);
  assertEquals(stream.info.requests, 1);
});

Deno.test("Yahoo answers an unknown symbol with PROVIDER_NO_DATA", async () => {
  await using v = startFakeVendors();
  const p = yahoo(v);
  const err = await rejectsWith(
    () =>
      Array.fromAsync(
        p.fetchBars({
          symbol: "ZZZZ",
          timeframe: "1d",
          start: day("2024-01-02"),
          end: day("2024-01-05"),
        }),
      ),
    "PROVIDER_NO_DATA",
  );
  assertEquals([err.code, err.status], ["MDS_NOT_FOUND", 404]);
  assertIncludes(err.message, "symbol may be delisted");
  await rejectsWith(() => p.fetchOptionChain({ symbol: "ZZZZ" }), "PROVIDER_NO_DATA");
});

Deno.test("a 429 with Retry-After becomes PROVIDER_RATE_LIMITED carrying retryAfterMs", async () => {
  await using v = startFakeVendors();
  v.fault({
    vendor: "yahoo",
    status: 429,
    raw: "Too Many Requests",
    headers: { "retry-after": "7" },
  });
  const err = await rejectsWith(() => yahoo(v).fetchQuote("AAPL"), "PROVIDER_RATE_LIMITED");
  assertEquals([err.retryAfterMs, err.status, err.code], [7_000, 429, "MDS_RETRYABLE"]);
});

Deno.test("a 500 becomes PROVIDER_UNAVAILABLE", async () => {
  await using v = startFakeVendors();
  v.fault({ vendor: "finnhub", status: 500, body: { error: "Internal server error" } });
  const err = await rejectsWith(() => finnhub(v).fetchQuote("AAPL"), "PROVIDER_UNAVAILABLE");
  assertEquals(err.status, 500);
});

Deno.test("a response hanging past the deadline becomes PROVIDER_TIMEOUT", async () => {
  await using v = startFakeVendors();
  v.fault({ vendor: "yahoo", hang: true });
  const p = createYahooProvider({ baseUrl: v.yahooBaseUrl });
  const started = performance.now();
  const err = await rejectsWith(
    () => p.fetchQuote("AAPL", { deadline: Date.now() + 300 }),
    "PROVIDER_TIMEOUT",
  );
  const took = performance.now() - started;
  assert(took >= 250 && took < 5_000, `took ${took} ms`);
  assertEquals(err.code, "MDS_TIMEOUT");
});

Deno.test("a caller's abort rejects with its reason, not a provider error", async () => {
  await using v = startFakeVendors();
  v.fault({ vendor: "yahoo", hang: true });
  const abort = new AbortController();
  const call = yahoo(v).fetchQuote("AAPL", { signal: abort.signal, deadline: JAN_20() + 10_000 });
  setTimeout(() => abort.abort(new Error("caller gave up")), 50);
  const err = await assertRejects(() => call, Error);
  assertEquals(err.message, "caller gave up");
});

Deno.test("a malformed body becomes PROVIDER_BAD_RESPONSE naming the field", async () => {
  await using v = startFakeVendors();
  v.fault({ vendor: "yahoo", raw: '{"chart": {"result": [' });
  const broken = await rejectsWith(() => yahoo(v).fetchQuote("AAPL"), "PROVIDER_BAD_RESPONSE");
  assertEquals(broken.field, "(body)");
  v.fault({
    vendor: "yahoo",
    body: {
      chart: {
        error: null,
        result: [{ meta: {}, timestamp: "1704205800", indicators: { quote: [{}] } }],
      },
    },
  });
  const wrong = await rejectsWith(
    () =>
      Array.fromAsync(
        yahoo(v).fetchBars({
          symbol: "AAPL",
          timeframe: "1d",
          start: day("2024-01-02"),
          end: day("2024-01-03"),
        }),
      ),
    "PROVIDER_BAD_RESPONSE",
  );
  assertEquals(wrong.field, "chart.result[0].timestamp");
  assertIncludes(wrong.message, "chart.result[0].timestamp");
});

Deno.test("a vendor row that fails validation is refused on its own, and the registry keeps the refusal on info", async () => {
  await using v = startFakeVendors();
  // 2024-01-02..04 sessions; the 3rd has a negative low, the rest of the page is sound
  const broken = {
    chart: {
      error: null,
      result: [{
        meta: { symbol: "AAPL", gmtoffset: -18000, exchangeTimezoneName: "America/New_York" },
        timestamp: [1704205800, 1704292200, 1704378600],
        indicators: {
          quote: [{
            open: [187.15, 184.22, 182.15],
            high: [188.44, 185.88, 183.09],
            low: [183.89, 183.43, -180.88],
            close: [185.64, 184.25, 181.91],
            volume: [82488700, 58414500, 71983600],
          }],
        },
      }],
    },
  };
  const registry = new ProviderRegistry(registryConfig(), {
    env: {
      MDS_YAHOO_BASE_URL: v.yahooBaseUrl,
      MDS_FINNHUB_BASE_URL: v.finnhubBaseUrl,
      FINNHUB_API_KEY: v.finnhubToken,
    },
    now: JAN_20,
  });
  v.fault({ vendor: "yahoo", endpoint: "chart", body: broken });
  const stream = registry.fetchBars({
    symbol: "AAPL",
    timeframe: "1d",
    start: day("2024-01-02"),
    end: day("2024-01-05"),
  });
  const bars = await Array.fromAsync(stream);
  assertEquals(bars.map((b) => iso(b.ts)), ["2024-01-02", "2024-01-03"]);
  assertEquals(stream.info.provider, "yahoo");
  assertEquals(stream.info.refused, [{
    ts: day("2024-01-04"),
    field: "low",
    reason: "must not be negative",
    value: -180.88,
  }]);
  assertEquals(stream.info.refusedCount, 1);
  // a refused row is the vendor's fault, not an outage: no failover, the breaker stays closed
  assertEquals(v.requests("finnhub").length, 0);
  assertEquals(registry.status().find((s) => s.provider === "yahoo")?.state, "closed");
});

Deno.test("Yahoo fetchOptionChain() asks once per expiry and skips a crossed quote", async () => {
  await using v = startFakeVendors();
  const chain = await yahoo(v).fetchOptionChain({ symbol: "AAPL" });
  assertEquals(chain.expiries, ["2024-01-19", "2024-01-26"]);
  assertEquals(v.requests("yahoo", "options").map((r) => r.params.date), [
    undefined,
    String(Date.UTC(2024, 0, 26) / 1_000),
  ]);
  assertEquals(chain.snaps.length, 8);
  assertEquals(chain.skipped, 2);
  const call = chain.snaps.find((s) =>
    s.expiry === "2024-01-19" && s.option_type === "C" && s.strike === 185
  )!;
  assertEquals([
    call.bid,
    call.ask,
    call.open_interest,
    call.implied_volatility,
    call.underlying_price,
  ], [
    2.62,
    2.68,
    51230,
    0.2104,
    185.64,
  ]);
  const one = await yahoo(v).fetchOptionChain({ symbol: "AAPL", expiry: "2024-01-26" });
  assert(one.snaps.every((s) => s.expiry === "2024-01-26"));
});

Deno.test("Yahoo and Finnhub fetchQuote() read the vendors' quote formats", async () => {
  await using v = startFakeVendors();
  const y = await yahoo(v).fetchQuote("AAPL");
  const f = await finnhub(v).fetchQuote("AAPL");
  for (const q of [y, f]) {
    assertEquals([q.symbol, q.price, q.high, q.low], ["AAPL", 181.18, 182.76, 180.17]);
    assertEquals(q.ts.toISOString(), "2024-01-05T21:00:00.000Z");
  }
  assertEquals([y.vendor, f.vendor, f.previousClose], ["yahoo", "finnhub", 181.91]);
  await rejectsWith(() => finnhub(v).fetchQuote("ZZZZ"), "PROVIDER_NO_DATA");
});

Deno.test("Finnhub fetchBars() reads daily candles and treats no_data as an empty result", async () => {
  await using v = startFakeVendors();
  const p = finnhub(v);
  const bars = await Array.fromAsync(
    p.fetchBars({
      symbol: "AAPL",
      timeframe: "1d",
      start: day("2020-08-28"),
      end: day("2020-09-02"),
    }),
  );
  assertEquals(bars.map((b) => [iso(b.ts), b.close]), [
    ["2020-08-28", 124.8075],
    ["2020-08-31", 129.04],
    ["2020-09-01", 134.18],
  ]);
  assertEquals(v.requests("finnhub", "candle")[0]?.params.resolution, "D");
  const none = await Array.fromAsync(
    p.fetchBars({
      symbol: "ZZZZ",
      timeframe: "1d",
      start: day("2024-01-02"),
      end: day("2024-01-05"),
    }),
  );
  assertEquals(none, []);
});

Deno.test("Finnhub fetchBars() reads 1-minute candles", async () => {
  await using v = startFakeVendors();
  const bars = await Array.fromAsync(
    finnhub(v).fetchBars({
      symbol: "AAPL",
      timeframe: "1m",
      start: new Date("2024-01-02T14:30:00Z"),
      end: new Date("2024-01-02T15:30:00Z"),
    }),
  );
  assertEquals(bars.length, 60);
  assertEquals(v.requests("finnhub", "candle")[0]?.params.resolution, "1");
});

Deno.test("Finnhub fetchOptionChain() stores implied volatility as a fraction, with greeks", async () => {
  await using v = startFakeVendors();
  const chain = await finnhub(v).fetchOptionChain({ symbol: "AAPL", expiry: "2024-01-19" });
  assertEquals(chain.snaps.length, 2);
  const put = chain.snaps.find((s) => s.option_type === "P")!;
  assertEquals([put.implied_volatility, put.delta, put.vega], [0.2051, -0.4588, 0.1632]);
});

Deno.test("Finnhub's token goes in a header only and never into an error message", async () => {
  await using v = startFakeVendors("s3cr3t-token-value");
  v.fault({
    vendor: "finnhub",
    status: 429,
    body: { error: "API limit reached. Please try again later. Remaining Limit: 0" },
  });
  const err = await rejectsWith(() => finnhub(v).fetchQuote("AAPL"), "PROVIDER_RATE_LIMITED");
  const [req] = v.requests("finnhub");
  assert(req?.authorized);
  assertEquals(req?.params.token, undefined);
  const everything = JSON.stringify({ ...err, text: err.message, stack: err.stack });
  assert(!everything.includes("s3cr3t-token-value"), everything);
  const wrong = createFinnhubProvider({ baseUrl: v.finnhubBaseUrl, apiKey: "bad-key" });
  const auth = await rejectsWith(() => wrong.fetchQuote("AAPL"), "PROVIDER_AUTH");
  assert(!auth.message.includes("bad-key"));
});

function registryConfig(extra: Partial<ProvidersConfigInput> = {}): ProvidersConfigInput {
  return {
    providers: [
      { name: "yahoo", requestsPerMinute: 6_000, burst: 100 },
      { name: "finnhub", requestsPerMinute: 6_000, burst: 100 },
    ],
    routing: { bars: ["yahoo", "finnhub"], quote: ["yahoo", "finnhub"] },
    breaker: { failureThreshold: 2, windowMs: 60_000, coolDownMs: 30_000 },
    retry: { maxAttempts: 1 },
    health: { margin: 1 },
    ...extra,
  };
}

Deno.test("the breaker opens, traffic fails over, one half-open probe fails and reopens, the next closes it", async () => {
  await using v = startFakeVendors();
  const clock = manualClock(JAN_20());
  const metrics = new Registry();
  const registry = new ProviderRegistry(registryConfig(), {
    env: {
      MDS_YAHOO_BASE_URL: v.yahooBaseUrl,
      MDS_FINNHUB_BASE_URL: v.finnhubBaseUrl,
      FINNHUB_API_KEY: v.finnhubToken,
    },
    now: clock.now,
    sleep: clock.sleep,
    metrics,
  });
  const state = async () =>
    /mds_circuit_state\{provider="yahoo"\} (\d)/.exec(await metrics.metrics())?.[1];
  const yahooStatuses = () => v.requests("yahoo").map((r) => r.status);

  v.fault({ vendor: "yahoo", status: 503, raw: "Service Unavailable", times: 2 });
  assertEquals((await registry.fetchQuote("AAPL")).vendor, "finnhub");
  assertEquals((await registry.fetchQuote("AAPL")).vendor, "finnhub");
  assertEquals(yahooStatuses(), [503, 503]);
  assertEquals(await state(), "2");

  // open: Yahoo gets no request at all
  assertEquals((await registry.fetchQuote("AAPL")).vendor, "finnhub");
  assertEquals(yahooStatuses(), [503, 503]);

  // half-open after the cool-down: exactly one probe, which fails and reopens the breaker
  await clock.advance(30_000);
  assertEquals(await state(), "1");
  v.fault({ vendor: "yahoo", status: 502, raw: "Bad Gateway" });
  assertEquals((await registry.fetchQuote("AAPL")).vendor, "finnhub");
  assertEquals(yahooStatuses(), [503, 503, 502]);
  assertEquals(await state(), "2");
  assertEquals((await registry.fetchQuote("AAPL")).vendor, "finnhub");
  assertEquals(yahooStatuses(), [503, 503, 502]);

  // the next probe succeeds and closes it; Yahoo serves again
  await clock.advance(30_000);
  assertEquals((await registry.fetchQuote("AAPL")).vendor, "yahoo");
  assertEquals((await registry.fetchQuote("AAPL")).vendor, "yahoo");
  assertEquals(yahooStatuses(), [503, 503, 502, 200, 200]);
  assertEquals(await state(), "0");
  assertEquals(v.requests("finnhub").length, 5);
  const history = registry.healthHistory("yahoo")!;
  assertEquals(history.length, 5);
  assert(history[2]!.score < history[0]!.score && history[4]!.score > history[2]!.score);
});

Deno.test("the registry never fails over on no data", async () => {
  await using v = startFakeVendors();
  const registry = new ProviderRegistry(registryConfig(), {
    env: {
      MDS_YAHOO_BASE_URL: v.yahooBaseUrl,
      MDS_FINNHUB_BASE_URL: v.finnhubBaseUrl,
      FINNHUB_API_KEY: v.finnhubToken,
    },
    now: JAN_20,
  });
  await rejectsWith(
    () =>
      Array.fromAsync(
        registry.fetchBars({
          symbol: "ZZZZ",
          timeframe: "1d",
          start: day("2024-01-02"),
          end: day("2024-01-05"),
        }),
      ),
    "PROVIDER_NO_DATA",
  );
  assertEquals(v.requests("yahoo").length, 1);
  assertEquals(v.requests("finnhub").length, 0);
  assertEquals(registry.status().find((s) => s.provider === "yahoo")?.state, "closed");
});

Deno.test("the registry fails over on a 429, then leaves the provider alone until Retry-After has passed", async () => {
  await using v = startFakeVendors();
  const clock = manualClock(JAN_20());
  const registry = new ProviderRegistry(registryConfig(), {
    env: {
      MDS_YAHOO_BASE_URL: v.yahooBaseUrl,
      MDS_FINNHUB_BASE_URL: v.finnhubBaseUrl,
      FINNHUB_API_KEY: v.finnhubToken,
    },
    now: clock.now,
    sleep: clock.sleep,
  });
  v.fault({ vendor: "yahoo", status: 429, raw: "", headers: { "retry-after": "60" } });
  const stream = registry.fetchBars({
    symbol: "AAPL",
    timeframe: "1d",
    start: day("2020-08-28"),
    end: day("2020-09-01"),
  });
  assertEquals((await Array.fromAsync(stream)).length, 2);
  assertEquals(stream.info.provider, "finnhub");
  assertEquals((await registry.fetchQuote("AAPL")).vendor, "finnhub");
  assertEquals(v.requests("yahoo").length, 1);
  await clock.advance(60_000);
  assertEquals((await registry.fetchQuote("AAPL")).vendor, "yahoo");
});

Deno.test("the token bucket holds 20 concurrent callers to the configured rate at the vendor", async () => {
  await using v = startFakeVendors();
  const registry = new ProviderRegistry({
    providers: [{ name: "yahoo", requestsPerMinute: 600, burst: 2, timeoutMs: 10_000 }],
    routing: { quote: ["yahoo"] },
  }, { env: { MDS_YAHOO_BASE_URL: v.yahooBaseUrl } });
  const quotes = await Promise.all(Array.from({ length: 20 }, () => registry.fetchQuote("AAPL")));
  assertEquals(quotes.length, 20);
  const times = v.requests("yahoo").map((r) => r.at);
  assertEquals(times.length, 20);
  // 600 a minute with a burst of 2: at most 2 + 10 in any second, so 20 take at least 1.7 s
  for (const t of times) {
    const inWindow = times.filter((u) => u >= t && u < t + 1_000).length;
    assert(inWindow <= 12, `${inWindow} requests within 1 s of ${t}`);
  }
  const span = Math.max(...times) - Math.min(...times);
  assert(span >= 1_650, `20 requests within ${span} ms`);
});

Deno.test("registry.reload() refuses a bad configuration whole, keeps the running one and applies a good one", async () => {
  await using v = startFakeVendors();
  const registry = new ProviderRegistry(registryConfig(), {
    env: {
      MDS_YAHOO_BASE_URL: v.yahooBaseUrl,
      MDS_FINNHUB_BASE_URL: v.finnhubBaseUrl,
      FINNHUB_API_KEY: v.finnhubToken,
    },
  });
  const before = registry.config;
  let refused: unknown;
  try {
    registry.reload({ ...registryConfig(), routing: { quote: ["finnhub", "polygon"], bars: [] } });
  } catch (e) {
    refused = e;
  }
  assert(refused instanceof ProviderConfigError);
  assertEquals(refused.issues.map((i) => i.path).sort(), ["routing.bars", "routing.quote[1]"]);
  assert(registry.config === before);
  assertEquals((await registry.fetchQuote("AAPL")).vendor, "yahoo");
  registry.reload({ ...registryConfig(), routing: { quote: ["finnhub"] } });
  assertEquals((await registry.fetchQuote("AAPL")).vendor, "finnhub");
  assertEquals(registry.capabilities, ["quote"]);
});

Deno.test("the metrics count selections, errors by code and latency, and report breaker states", async () => {
  await using v = startFakeVendors();
  const metrics = new Registry();
  const registry = new ProviderRegistry(registryConfig(), {
    env: {
      MDS_YAHOO_BASE_URL: v.yahooBaseUrl,
      MDS_FINNHUB_BASE_URL: v.finnhubBaseUrl,
      FINNHUB_API_KEY: v.finnhubToken,
    },
    metrics,
  });
  v.fault({ vendor: "yahoo", status: 500, raw: "" });
  await registry.fetchQuote("AAPL");
  await registry.fetchQuote("AAPL");
  await registry.fetchOptionChain({ symbol: "AAPL" }).catch((e) =>
    assert(e instanceof ProviderError)
  );
  const text = await metrics.metrics();
  const value = (line: string) =>
    new RegExp(`^${line.replace(/[{}()[\]|.]/g, "\\$&")} (\\S+)$`, "m").exec(text)?.[1];
  assertEquals(value('mds_provider_selected_total{capability="quote",provider="yahoo"}'), "2");
  assertEquals(value('mds_provider_selected_total{capability="quote",provider="finnhub"}'), "1");
  assertEquals(
    value(
      'mds_provider_errors_total{provider="yahoo",endpoint="chart",code="PROVIDER_UNAVAILABLE"}',
    ),
    "1",
  );
  assertEquals(value('mds_provider_latency_seconds_count{provider="yahoo",endpoint="chart"}'), "2");
  assertEquals(
    value('mds_provider_latency_seconds_count{provider="finnhub",endpoint="quote"}'),
    "1",
  );
  assertEquals(value('mds_circuit_state{provider="yahoo"}'), "0");
  assertEquals(value('mds_circuit_state{provider="finnhub"}'), "0");
  assert(!/AAPL/.test(text), "a symbol leaked into a label");
});
