// The Yahoo and Finnhub adapters on a stub fetch: dates east of UTC, broken series, rows refused
// one by one (invalid prices, times in the future), vendor errors, Retry-After as an HTTP date,
// request validation.
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

Deno.test("Yahoo refuses a row that fails validation on its own and yields the rest of the page", async () => {
  // 2024-01-02..04 sessions open 14:30Z; the middle one has a high below its close
  const body = chart({
    meta: { gmtoffset: -18000 },
    timestamp: [1704205800, 1704292200, 1704378600],
    indicators: {
      quote: [{
        open: [10, 10, 10],
        high: [11, 9, 11],
        low: [9, 8, 9],
        close: [10.5, 10, 10.5],
        volume: [100, 200, 300],
      }],
    },
  });
  const yahoo = createYahooProvider({ fetch: reply(body), now: () => NOW });
  const stream = yahoo.fetchBars({
    symbol: "AAPL",
    timeframe: "1d",
    start: new Date("2024-01-02T00:00:00Z"),
    end: new Date("2024-01-05T00:00:00Z"),
  });
  const bars = await Array.fromAsync(stream);
  assertEquals(bars.map((b) => [b.ts.toISOString().slice(0, 10), b.volume]), [
    ["2024-01-02", 100],
    ["2024-01-04", 300],
  ]);
  assertEquals(stream.info.refused, [{
    ts: new Date("2024-01-03T00:00:00Z"),
    field: "high",
    reason: "is below the open, close or low",
    value: 9,
  }]);
  assertEquals(stream.info.refusedCount, 1);
});

Deno.test("Finnhub refuses a candle with a negative price on its own and yields the rest", async () => {
  const t0 = Date.UTC(2024, 0, 2, 14, 30) / 1_000;
  const finnhub = createFinnhubProvider({
    apiKey: "k",
    fetch: reply({
      s: "ok",
      t: [t0, t0 + 60, t0 + 120],
      o: [10, -10, 10],
      h: [11, 11, 11],
      l: [9, 9, 9],
      c: [10, 10, 10],
      v: [1, 2, 3],
    }),
    now: () => NOW,
  });
  const stream = finnhub.fetchBars({
    symbol: "AAPL",
    timeframe: "1m",
    start: new Date(t0 * 1_000),
    end: new Date((t0 + 180) * 1_000),
  });
  const bars = await Array.fromAsync(stream);
  assertEquals(bars.map((b) => b.volume), [1, 3]);
  assertEquals(stream.info.refusedCount, 1);
  const [refused] = stream.info.refused;
  assertEquals(refused, {
    ts: new Date((t0 + 60) * 1_000),
    field: "open",
    reason: "must not be negative",
    value: -10,
  });
});

Deno.test("the adapters refuse bars stamped past now + futureToleranceMs with the field ts", async () => {
  const now = Date.UTC(2024, 0, 2, 15, 0);
  const t = [-60, 240, 300, 301, 3_600].map((s) => now / 1_000 + s);
  const n = t.length;
  const candles = {
    s: "ok",
    t,
    o: Array(n).fill(10),
    h: Array(n).fill(11),
    l: Array(n).fill(9),
    c: Array(n).fill(10),
    v: Array(n).fill(1),
  };
  const range = { symbol: "AAPL", timeframe: "1m" as const, start: new Date(now - 3_600_000) };
  const end = new Date(now + 7_200_000);
  const finnhub = createFinnhubProvider({ apiKey: "k", fetch: reply(candles), now: () => now });
  const stream = finnhub.fetchBars({ ...range, end });
  const bars = await Array.fromAsync(stream);
  // 300 s ahead is still within the default tolerance; 301 s is not
  assertEquals(bars.map((b) => b.ts.getTime() / 1_000 - now / 1_000), [-60, 240, 300]);
  assertEquals(stream.info.refused, [
    {
      ts: new Date(now + 301_000),
      field: "ts",
      reason: "is more than 300 s in the future",
      value: t[3],
    },
    {
      ts: new Date(now + 3_600_000),
      field: "ts",
      reason: "is more than 300 s in the future",
      value: t[4],
    },
  ]);

  const body = chart({
    timestamp: t,
    indicators: {
      quote: [{
        open: candles.o,
        high: candles.h,
        low: candles.l,
        close: candles.c,
        volume: candles.v,
      }],
    },
  });
  const strict = createYahooProvider({ fetch: reply(body), now: () => now, futureToleranceMs: 0 });
  const yahooStream = strict.fetchBars({ ...range, end });
  assertEquals((await Array.fromAsync(yahooStream)).length, 1);
  assertEquals(yahooStream.info.refused.map((r) => [r.field, r.reason]), [
    ["ts", "is more than 0 s in the future"],
    ["ts", "is more than 0 s in the future"],
    ["ts", "is more than 0 s in the future"],
    ["ts", "is more than 0 s in the future"],
  ]);
});

Deno.test("Yahoo checks a daily bar's future against the session open, not the stored date", async () => {
  // the 2024-01-02 session opens 14:30Z; stored at 2024-01-02T00:00Z
  const body = chart({
    meta: { gmtoffset: -18000 },
    timestamp: [1704205800],
    indicators: { quote: [{ open: [10], high: [11], low: [9], close: [10], volume: [1] }] },
  });
  const request = {
    symbol: "AAPL",
    timeframe: "1d" as const,
    start: new Date("2024-01-02T00:00:00Z"),
    end: new Date("2024-01-03T00:00:00Z"),
  };
  const beforeOpen = createYahooProvider({
    fetch: reply(body),
    now: () => Date.UTC(2024, 0, 2, 14, 0),
  });
  const early = beforeOpen.fetchBars(request);
  assertEquals(await Array.fromAsync(early), []);
  assertEquals(early.info.refused[0]?.ts, new Date("2024-01-02T00:00:00Z"));
  assertEquals(early.info.refused[0]?.value, 1704205800);
  const atOpen = createYahooProvider({
    fetch: reply(body),
    now: () => Date.UTC(2024, 0, 2, 14, 30),
  });
  assertEquals((await Array.fromAsync(atOpen.fetchBars(request))).length, 1);
});

Deno.test("a stream keeps the first 1000 refusals and counts every one", async () => {
  const t0 = Date.UTC(2024, 0, 2, 14, 30) / 1_000;
  const n = 1_200;
  const t = Array.from({ length: n }, (_, i) => t0 + 60 * i);
  // every row but the last has a low above its high
  const finnhub = createFinnhubProvider({
    apiKey: "k",
    fetch: reply({
      s: "ok",
      t,
      o: Array(n).fill(10),
      h: Array(n).fill(11),
      l: t.map((_, i) => (i === n - 1 ? 9 : 12)),
      c: Array(n).fill(10),
      v: Array(n).fill(1),
    }),
    now: () => NOW,
  });
  const stream = finnhub.fetchBars({
    symbol: "AAPL",
    timeframe: "1m",
    start: new Date(t0 * 1_000),
    end: new Date((t0 + 60 * n) * 1_000),
  });
  assertEquals((await Array.fromAsync(stream)).length, 1);
  assertEquals(stream.info.refusedCount, n - 1);
  assertEquals(stream.info.refused.length, 1_000);
  assertEquals(stream.info.refused[999]?.ts, new Date((t0 + 60 * 999) * 1_000));
});

Deno.test("Finnhub still fails a page whose series do not match the timestamps", async () => {
  const finnhub = createFinnhubProvider({
    apiKey: "k",
    fetch: reply({ s: "ok", t: [1, 2], o: [1, 1], h: [1, 1], l: [1], c: [1, 1], v: [1, 1] }),
    now: () => NOW,
  });
  const err = await assertRejects(
    () =>
      Array.fromAsync(finnhub.fetchBars({
        symbol: "AAPL",
        timeframe: "1d",
        start: new Date(0),
        end: new Date(NOW),
      })),
    ProviderError,
  );
  assertEquals([err.providerCode, err.field], ["PROVIDER_BAD_RESPONSE", "l"]);
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
  for (const futureToleranceMs of [-1, 1.5, 86_400_001, Number.NaN]) {
    assertThrows(() => createYahooProvider({ futureToleranceMs }), RangeError);
    assertThrows(() => createFinnhubProvider({ apiKey: "k", futureToleranceMs }), RangeError);
  }
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
