// The Yahoo and Finnhub adapters on a stub fetch: dates east of UTC, broken series, vendor
// errors, Retry-After as an HTTP date, request validation.
import { assert, assertEquals, assertRejects, assertThrows } from "../testing/assert.ts";
import { ProviderError } from "./errors.ts";
import { createFinnhubProvider } from "./finnhub.ts";
import { createYahooProvider } from "./yahoo.ts";

const NOW = Date.UTC(2024, 0, 20);
const reply = (body: unknown, init: ResponseInit = {}) => () =>
  Promise.resolve(new Response(typeof body === "string" ? body : JSON.stringify(body), init));

function chart(result: Record<string, unknown>) {
  return { chart: { error: null, result: [{ meta: {}, indicators: { quote: [{}] }, ...result }] } };
}

Deno.test("Yahoo stores a daily bar of an exchange east of UTC at its local trading date", async () => {
  // ASX: the 2024-01-03 session opens 10:00 local = 23:00Z on 2024-01-02
  const body = chart({
    meta: { gmtoffset: 39600, exchangeTimezoneName: "Australia/Sydney" },
    timestamp: [Date.UTC(2024, 0, 2, 23) / 1_000],
    indicators: {
      quote: [{ open: [45.1], high: [45.6], low: [44.9], close: [45.3], volume: [1200300] }],
    },
  });
  const yahoo = createYahooProvider({ fetch: reply(body), now: () => NOW });
  const bars = await Array.fromAsync(yahoo.fetchBars({
    symbol: "BHP.AX",
    timeframe: "1d",
    start: new Date("2024-01-03T00:00:00Z"),
    end: new Date("2024-01-04T00:00:00Z"),
  }));
  assertEquals(bars.map((b) => b.ts.toISOString()), ["2024-01-03T00:00:00.000Z"]);
});

Deno.test("Yahoo names the series whose length does not match the timestamps", async () => {
  const body = chart({
    timestamp: [1704205800, 1704292200],
    indicators: {
      quote: [{ open: [1, 1], high: [1, 1], low: [1], close: [1, 1], volume: [1, 1] }],
    },
  });
  const yahoo = createYahooProvider({ fetch: reply(body), now: () => NOW });
  const err = await assertRejects(
    () =>
      Array.fromAsync(
        yahoo.fetchBars({
          symbol: "AAPL",
          timeframe: "1d",
          start: new Date(1704153600000),
          end: new Date(1704326400000),
        }),
      ),
    ProviderError,
  );
  assertEquals([err.providerCode, err.field], [
    "PROVIDER_BAD_RESPONSE",
    "chart.result[0].indicators.quote[0].low",
  ]);
});

Deno.test("Yahoo names the row that fails validation, e.g. a high below the close", async () => {
  const body = chart({
    timestamp: [1704205800],
    indicators: { quote: [{ open: [10], high: [9], low: [8], close: [10], volume: [1] }] },
  });
  const yahoo = createYahooProvider({ fetch: reply(body), now: () => NOW });
  const err = await assertRejects(
    () =>
      Array.fromAsync(
        yahoo.fetchBars({
          symbol: "AAPL",
          timeframe: "1d",
          start: new Date(1704153600000),
          end: new Date(1704240000000),
        }),
      ),
    ProviderError,
  );
  assertEquals(err.field, "chart.result[0].indicators.quote[0].high[0]");
});

Deno.test("Yahoo maps a 422 chart error to PROVIDER_BAD_REQUEST with Yahoo's description", async () => {
  const body = {
    chart: {
      result: null,
      error: { code: "Unprocessable Entity", description: "1m data not available for startTime=1" },
    },
  };
  const yahoo = createYahooProvider({ fetch: reply(body, { status: 422 }), now: () => NOW });
  const err = await assertRejects(() => yahoo.fetchQuote("AAPL"), ProviderError);
  assertEquals(err.providerCode, "PROVIDER_BAD_REQUEST");
  assert(err.message.includes("1m data not available"), err.message);
});

Deno.test("a Retry-After given as an HTTP date is read against the adapter's clock", async () => {
  const retryAt = new Date(NOW + 90_000).toUTCString();
  const yahoo = createYahooProvider({
    fetch: reply("", { status: 429, headers: { "retry-after": retryAt } }),
    now: () => NOW,
  });
  const err = await assertRejects(() => yahoo.fetchQuote("AAPL"), ProviderError);
  assertEquals(err.retryAfterMs, 90_000);
});

Deno.test("the adapters check a call before any request", () => {
  let calls = 0;
  const fetch = () => {
    calls++;
    return Promise.resolve(new Response("{}"));
  };
  const yahoo = createYahooProvider({ fetch, now: () => NOW });
  assertThrows(
    () => yahoo.fetchBars({ symbol: "", timeframe: "1d", start: new Date(0), end: new Date(1) }),
    TypeError,
  );
  assertThrows(
    () =>
      yahoo.fetchBars({ symbol: "AAPL", timeframe: "1d", start: new Date(2), end: new Date(1) }),
    RangeError,
  );
  const fourHours = assertThrows(
    () =>
      yahoo.fetchBars({ symbol: "AAPL", timeframe: "4h", start: new Date(0), end: new Date(1) }),
    ProviderError,
  );
  assertEquals(fourHours.providerCode, "PROVIDER_UNSUPPORTED");
  assertThrows(() => createYahooProvider({ baseUrl: "ftp://example.com" }), TypeError);
  assertThrows(() => createFinnhubProvider({ apiKey: " " }), TypeError);
  assertEquals(calls, 0);
});

Deno.test("Finnhub treats a no_data candle answer as an empty page", async () => {
  const finnhub = createFinnhubProvider({
    apiKey: "k",
    fetch: reply({ s: "no_data" }),
    now: () => NOW,
  });
  const stream = finnhub.fetchBars({
    symbol: "AAPL",
    timeframe: "1h",
    start: new Date(NOW - 86_400_000),
    end: new Date(NOW),
  });
  assertEquals(await Array.fromAsync(stream), []);
  assertEquals(stream.info.requests, 1);
});
