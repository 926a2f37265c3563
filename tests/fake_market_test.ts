// The generative fake market (testing/fake_market.ts) against the real Yahoo and Finnhub
// adapters: both fetch exactly the bars the market says it holds, holes and failing symbols and
// scripted faults show up as the vendors would show them, broken and future bars are refused
// one by one, and the request log records every request.
import { nyseCalendar } from "@mds/client/calendar";
import {
  type Bar,
  createFinnhubProvider,
  createYahooProvider,
  type Provider,
  ProviderError,
} from "@mds/providers";
import { assert, assertEquals, assertRejects, assertThrows } from "../testing/assert.ts";
import { type FakeMarket, startFakeMarket } from "../testing/fake_market.ts";

const MINUTE = 60_000;
const HOUR = 3_600_000;
const DAY = 86_400_000;
/** A Friday, mid-session; the window holds the switch to daylight saving time (2024-03-10). */
const END = new Date("2024-03-15T18:00:00Z");
const at = (iso: string) => new Date(iso);
const ago = (days: number) => new Date(END.getTime() - days * DAY);

function adapters(m: FakeMarket, now = () => END.getTime()): [Provider, Provider] {
  return [
    createYahooProvider({ baseUrl: m.yahooBaseUrl, now }),
    createFinnhubProvider({ baseUrl: m.finnhubBaseUrl, apiKey: m.finnhubToken, now }),
  ];
}

async function fetchAll(
  p: Provider,
  symbol: string,
  timeframe: Bar["timeframe"],
  start: Date,
  end: Date,
) {
  const stream = p.fetchBars({ symbol, timeframe, start, end });
  const bars = await Array.fromAsync(stream);
  return { bars, info: stream.info };
}

/** The minutes of the NYSE sessions inside `[from, to)`, by the calendar alone. */
function sessionMinutes(from: Date, to: Date): number[] {
  const out: number[] = [];
  for (const s of nyseCalendar().sessions(from, to)) {
    const a = Math.max(s.open.getTime(), from.getTime());
    const b = Math.min(s.close.getTime(), to.getTime());
    for (let t = a; t < b; t += MINUTE) out.push(t);
  }
  return out;
}

Deno.test("the Yahoo and Finnhub adapters fetch exactly the market's 1-minute and daily bars", async () => {
  await using m = startFakeMarket({ end: END, days: 30 });
  const [yahoo, finnhub] = adapters(m);
  for (const symbol of ["AAPL", "MSFT", "SPY"]) {
    const minutes = m.bars(symbol, "1m", ago(20), END);
    // every minute of every session, opening 14:30Z before the DST switch and 13:30Z after it
    assertEquals(minutes.map((b) => b.ts.getTime()), sessionMinutes(ago(20), END));
    assertEquals(minutes[0]?.ts, at("2024-02-26T14:30:00Z"));
    assert(minutes.some((b) => b.ts.getTime() === Date.parse("2024-03-11T13:30:00Z")));
    assertEquals(minutes.at(-1)?.ts, at("2024-03-15T17:59:00Z"));
    for (const [p, vendor] of [[yahoo, "yahoo"], [finnhub, "finnhub"]] as const) {
      const got = await fetchAll(p, symbol, "1m", ago(20), END);
      assertEquals(got.bars, m.bars(symbol, "1m", ago(20), END, vendor));
      assertEquals([got.info.refusedCount, got.info.skippedNulls], [0, 0]);
    }

    const days = m.bars(symbol, "1d", ago(30), new Date(END.getTime() + DAY));
    const sessions = nyseCalendar().sessions(ago(30), END)
      .filter((s) => s.open >= ago(30));
    assertEquals(days.map((b) => b.ts.toISOString().slice(0, 10)), sessions.map((s) => s.date));
    assertEquals(days.length, 21);
    for (const [p, vendor] of [[yahoo, "yahoo"], [finnhub, "finnhub"]] as const) {
      const got = await fetchAll(p, symbol, "1d", ago(30), new Date(END.getTime() + DAY));
      assertEquals(got.bars, m.bars(symbol, "1d", ago(30), new Date(END.getTime() + DAY), vendor));
    }
  }
  const [a, b] = [m.bars("AAPL", "1d", ago(5), END), m.bars("MSFT", "1d", ago(5), END)];
  assert(a[0]!.close !== b[0]!.close, "two symbols trade at the same price");
});

Deno.test("longer bars aggregate the 1-minute bars, and both adapters fetch them alike", async () => {
  await using m = startFakeMarket({ end: END, days: 10 });
  const [yahoo, finnhub] = adapters(m);
  const minutes = m.bars("AAPL", "1m", ago(10), END);
  const index = new Map(minutes.map((x, i) => [x.ts.getTime(), i]));
  for (const [timeframe, step] of [["5m", 5], ["30m", 30], ["1h", 60]] as const) {
    const bars = m.bars("AAPL", timeframe, ago(10), END);
    assert(bars.length > 0);
    for (const bar of bars) {
      // the minutes from the bar's open to the next step, within its session
      const first = index.get(bar.ts.getTime())!;
      const inside = minutes.slice(first, first + step).filter((x) =>
        x.ts.getTime() < bar.ts.getTime() + step * MINUTE &&
        x.ts.toISOString().slice(0, 10) === bar.ts.toISOString().slice(0, 10)
      );
      assertEquals([bar.open, bar.high, bar.low, bar.close, bar.volume], [
        inside[0]!.open,
        Math.max(...inside.map((x) => x.high!)),
        Math.min(...inside.map((x) => x.low!)),
        inside.at(-1)!.close,
        inside.reduce((n, x) => n + x.volume, 0),
      ]);
    }
    for (const [p, vendor] of [[yahoo, "yahoo"], [finnhub, "finnhub"]] as const) {
      const got = await fetchAll(p, "AAPL", timeframe, ago(10), END);
      assertEquals(got.bars, m.bars("AAPL", timeframe, ago(10), END, vendor));
    }
  }
  // hourly bars start at the session open, the last one of a session is half an hour
  const hours = m.bars("AAPL", "1h", at("2024-03-14T00:00:00Z"), at("2024-03-15T00:00:00Z"));
  assertEquals(hours.map((b) => b.ts.toISOString().slice(11, 16)), [
    "13:30",
    "14:30",
    "15:30",
    "16:30",
    "17:30",
    "18:30",
    "19:30",
  ]);
  const [day] = m.bars("AAPL", "1d", at("2024-03-14T00:00:00Z"), at("2024-03-15T00:00:00Z"));
  const session = minutes.filter((x) => x.ts.toISOString().startsWith("2024-03-14"));
  assertEquals(session.length, 390);
  assertEquals([day?.open, day?.close, day?.volume], [
    session[0]!.open,
    session.at(-1)!.close,
    session.reduce((n, x) => n + x.volume, 0),
  ]);
  for (const b of minutes) {
    const [open, high, low] = [b.open!, b.high!, b.low!];
    assert(high >= Math.max(open, b.close) && low <= Math.min(open, b.close), "bad bar");
    assert(low > 0 && Number.isInteger(b.volume), "bad bar");
  }
  // a minute's close is the next minute's open within a session
  assertEquals(minutes[1]!.open, minutes[0]!.close);
});

Deno.test("prices depend on the symbol and the time only, not on the market's window", async () => {
  await using a = startFakeMarket({ end: END, days: 30 });
  await using b = startFakeMarket({ end: at("2024-03-14T00:00:00Z"), days: 5 });
  const day = [at("2024-03-12T00:00:00Z"), at("2024-03-13T00:00:00Z")] as const;
  assertEquals(b.bars("NVDA", "1m", ...day), a.bars("NVDA", "1m", ...day));
  assertEquals(b.bars("NVDA", "1d", ...day), a.bars("NVDA", "1d", ...day));
  // nothing before the window, nothing at or after its end
  assertEquals(b.bars("NVDA", "1d", ago(30), at("2024-03-08T00:00:00Z")), []);
  assertEquals(b.bars("NVDA", "1m", at("2024-03-14T00:00:00Z"), END), []);
});

Deno.test("the vendor formats: Yahoo's period2 is exclusive and daily stamps are the open, Finnhub's to is inclusive", async () => {
  await using m = startFakeMarket({ end: END, days: 10 });
  const t = Date.parse("2024-03-14T15:00:00Z") / 1_000;
  const chart = await (await fetch(
    `${m.yahooBaseUrl}/v8/finance/chart/AAPL?period1=${t}&period2=${t + 180}&interval=1m`,
  )).json();
  const result = chart.chart.result[0];
  assertEquals(result.timestamp, [t, t + 60, t + 120]);
  assertEquals(result.indicators.quote[0].close.length, 3);
  assertEquals([result.meta.gmtoffset, result.meta.exchangeTimezoneName], [
    -14_400,
    "America/New_York",
  ]);
  const days = await (await fetch(
    `${m.yahooBaseUrl}/v8/finance/chart/AAPL?period1=${t - 2 * 86_400}&period2=${t}&interval=1d`,
  )).json();
  assertEquals(
    days.chart.result[0].timestamp.map((s: number) => new Date(s * 1_000).toISOString()),
    // period1 is 2024-03-12T15:00Z, after that session's open
    ["2024-03-13T13:30:00.000Z", "2024-03-14T13:30:00.000Z"],
  );
  // 2024-03-09 is a Saturday: an empty range inside the history
  const empty = await (await fetch(
    `${m.yahooBaseUrl}/v8/finance/chart/AAPL?period1=${t - 5 * 86_400}&period2=${
      t - 5 * 86_400 + 60
    }&interval=1m`,
  )).json();
  assertEquals(empty.chart.result[0].timestamp, undefined);

  const headers = { "x-finnhub-token": m.finnhubToken };
  const candle = await (await fetch(
    `${m.finnhubBaseUrl}/stock/candle?symbol=AAPL&resolution=1&from=${t}&to=${t + 120}`,
    { headers },
  )).json();
  assertEquals([candle.s, candle.t], ["ok", [t, t + 60, t + 120]]);
  assertEquals(candle.c.slice(0, 2), result.indicators.quote[0].close.slice(0, 2));
  const daily = await (await fetch(
    `${m.finnhubBaseUrl}/stock/candle?symbol=AAPL&resolution=D&from=${t - 2 * 86_400}&to=${t}`,
    { headers },
  )).json();
  assertEquals(
    daily.t.map((s: number) => new Date(s * 1_000).toISOString()),
    ["2024-03-13T00:00:00.000Z", "2024-03-14T00:00:00.000Z"],
  );
  const none = await (await fetch(
    `${m.finnhubBaseUrl}/stock/candle?symbol=AAPL&resolution=1&from=${t - 5 * 86_400}&to=${
      t - 5 * 86_400 + 60
    }`,
    { headers },
  )).json();
  assertEquals(none, { s: "no_data" });
  const refused = await fetch(`${m.finnhubBaseUrl}/quote?symbol=AAPL`);
  assertEquals([refused.status, await refused.json()], [401, { error: "Invalid API key." }]);
  assertEquals(m.requests().map((r) => [r.vendor, r.endpoint, r.status]), [
    ["yahoo", "chart", 200],
    ["yahoo", "chart", 200],
    ["yahoo", "chart", 200],
    ["finnhub", "candle", 200],
    ["finnhub", "candle", 200],
    ["finnhub", "candle", 200],
    ["finnhub", "quote", 401],
  ]);
});

Deno.test("both adapters' quotes are the last 1-minute bar before the end", async () => {
  await using m = startFakeMarket({ end: END, days: 10 });
  const [last] = m.bars("AAPL", "1m", new Date(END.getTime() - MINUTE), END);
  const [before, today] = m.bars("AAPL", "1d", at("2024-03-14T00:00:00Z"), END);
  for (const [p, vendor] of adapters(m).map((p) => [p, p.name] as const)) {
    const q = await p.fetchQuote("aapl");
    assertEquals(q, {
      vendor,
      symbol: "AAPL",
      ts: END,
      price: last!.close,
      open: today!.open,
      high: today!.high,
      low: today!.low,
      previousClose: before!.close,
    });
  }
  assertEquals(m.requests("yahoo", "chart")[0]?.params, { range: "1d", interval: "1d" });
  assertEquals(m.requests("finnhub", "quote")[0]?.params, { symbol: "AAPL" });
});

Deno.test("a noData hole yields no bars inside it and leaves the rest", async () => {
  await using m = startFakeMarket({ end: END, days: 10 });
  const full = m.bars("AAPL", "1m", at("2024-03-11T00:00:00Z"), END);
  m.noData("AAPL", at("2024-03-12T15:00:00Z"), at("2024-03-12T16:00:00Z"));
  m.noData("aapl", at("2024-03-13T00:00:00Z"), at("2024-03-14T00:00:00Z"));
  const inHole = (b: Bar) =>
    (b.ts >= at("2024-03-12T15:00:00Z") && b.ts < at("2024-03-12T16:00:00Z")) ||
    (b.ts >= at("2024-03-13T00:00:00Z") && b.ts < at("2024-03-14T00:00:00Z"));
  const held = m.bars("AAPL", "1m", at("2024-03-11T00:00:00Z"), END);
  assertEquals(held.length, full.length - 60 - 390);
  assertEquals(held, full.filter((b) => !inHole(b)));
  const [yahoo, finnhub] = adapters(m);
  for (const [p, vendor] of [[yahoo, "yahoo"], [finnhub, "finnhub"]] as const) {
    const got = await fetchAll(p, "AAPL", "1m", at("2024-03-11T00:00:00Z"), END);
    assertEquals(got.bars, m.bars("AAPL", "1m", at("2024-03-11T00:00:00Z"), END, vendor));
    assert(!got.bars.some(inHole), "a bar inside the hole");
    const days = await fetchAll(p, "AAPL", "1d", at("2024-03-11T00:00:00Z"), END);
    assertEquals(days.bars.map((b) => b.ts.toISOString().slice(0, 10)), [
      "2024-03-11",
      "2024-03-12",
      "2024-03-14",
      "2024-03-15",
    ]);
    // the halted hour is missing from the day's volume too
    const volume = held.filter((b) => b.ts.toISOString().startsWith("2024-03-12"))
      .reduce((n, b) => n + b.volume, 0);
    assertEquals(days.bars[1]?.volume, volume);
  }
  // other symbols trade through it
  assertEquals(
    m.bars("MSFT", "1m", at("2024-03-13T00:00:00Z"), at("2024-03-14T00:00:00Z")).length,
    390,
  );
});

Deno.test("failSymbols() answers that status for those symbols at that vendor only, until clearFaults()", async () => {
  await using m = startFakeMarket({ end: END, days: 5 });
  const [yahoo, finnhub] = adapters(m);
  m.failSymbols("yahoo", ["msft"], 500);
  m.failSymbols("finnhub", ["AAPL"], 429);
  const range = [at("2024-03-13T00:00:00Z"), END] as const;
  const down = await assertRejects(() => fetchAll(yahoo, "MSFT", "1d", ...range), ProviderError);
  assertEquals([down.providerCode, down.status], ["PROVIDER_UNAVAILABLE", 500]);
  const limited = await assertRejects(() => finnhub.fetchQuote("AAPL"), ProviderError);
  assertEquals(limited.providerCode, "PROVIDER_RATE_LIMITED");
  assertEquals((await fetchAll(yahoo, "AAPL", "1d", ...range)).bars.length, 3);
  assertEquals((await fetchAll(finnhub, "MSFT", "1d", ...range)).bars.length, 3);
  assertEquals(m.requests().map((r) => [r.vendor, r.symbol, r.status]), [
    ["yahoo", "MSFT", 500],
    ["finnhub", "AAPL", 429],
    ["yahoo", "AAPL", 200],
    ["finnhub", "MSFT", 200],
  ]);
  m.clearFaults();
  assertEquals((await fetchAll(yahoo, "MSFT", "1d", ...range)).bars.length, 3);
  assertEquals((await finnhub.fetchQuote("AAPL")).symbol, "AAPL");
});

Deno.test("a corrupted bar is refused on its own by both adapters, with the reason on info.refused", async () => {
  await using m = startFakeMarket({ end: END, days: 5 });
  const range = [at("2024-03-14T00:00:00Z"), END] as const;
  const before = m.bars("AAPL", "1m", ...range);
  const [neg, crossed] = [before[10]!, before[400]!];
  const [day] = m.bars("AAPL", "1d", ...range);
  m.corrupt("AAPL", "1m", neg.ts, "negative");
  m.corrupt("AAPL", "1m", crossed.ts, "high_below_low");
  m.corrupt("AAPL", "1d", day!.ts, "high_below_low");
  const held = m.bars("AAPL", "1m", ...range);
  assertEquals(held, before.filter((b) => b !== neg && b !== crossed));
  assertEquals(held.length, before.length - 2);
  assertEquals(m.bars("AAPL", "1d", ...range).length, 1);
  const crossedHigh = Math.round((crossed.low! - 0.01) * 100) / 100;
  for (const [p, vendor] of adapters(m).map((p) => [p, p.name] as const)) {
    const got = await fetchAll(p, "AAPL", "1m", ...range);
    assertEquals(got.bars, m.bars("AAPL", "1m", ...range, vendor));
    assertEquals(got.info.refused, [
      { ts: neg.ts, field: "low", reason: "must not be negative", value: -neg.low! },
      {
        ts: crossed.ts,
        field: "high",
        reason: "is below the open, close or low",
        value: crossedHigh,
      },
    ]);
    assertEquals(got.info.refusedCount, 2);
    const days = await fetchAll(p, "AAPL", "1d", ...range);
    assertEquals(days.bars.map((b) => b.ts), [at("2024-03-15T00:00:00Z")]);
    assertEquals(days.info.refused.map((r) => [r.ts, r.field]), [[day!.ts, "high"]]);
  }
  assertThrows(() => m.corrupt("AAPL", "1m", at("2024-03-16T15:00:00Z"), "negative"), RangeError);
  assertThrows(() => m.corrupt("AAPL", "4h", neg.ts, "negative"), TypeError);
});

Deno.test("future bars are refused with the field ts, the held ones arrive", async () => {
  await using m = startFakeMarket({ end: END, days: 5 });
  m.future("AAPL", "1m", 3);
  m.future("AAPL", "1d", 2);
  const range = [new Date(END.getTime() - HOUR), new Date(END.getTime() + 4 * HOUR)] as const;
  const dayRange = [at("2024-03-14T00:00:00Z"), at("2024-03-25T00:00:00Z")] as const;
  const held = m.bars("AAPL", "1m", ...range);
  assertEquals(held.length, 60);
  for (const [p, vendor] of adapters(m).map((p) => [p, p.name] as const)) {
    const got = await fetchAll(p, "AAPL", "1m", ...range);
    assertEquals(got.bars, m.bars("AAPL", "1m", ...range, vendor));
    assertEquals(
      got.info.refused.map((r) => [r.ts, r.field, r.reason]),
      [0, 1, 2].map((i) => [
        new Date(END.getTime() + HOUR + i * MINUTE),
        "ts",
        "is more than 300 s in the future",
      ]),
    );
    const days = await fetchAll(p, "AAPL", "1d", ...dayRange);
    assertEquals(days.bars, m.bars("AAPL", "1d", ...dayRange, vendor));
    assertEquals(days.bars.length, 2);
    assertEquals(days.info.refused.map((r) => [r.ts, r.field]), [
      [at("2024-03-18T00:00:00Z"), "ts"],
      [at("2024-03-19T00:00:00Z"), "ts"],
    ]);
  }
  // Yahoo stamps the future daily bars at their session's open, Finnhub at 00:00 UTC
  const [yahoo, finnhub] = adapters(m);
  const y = await fetchAll(yahoo, "AAPL", "1d", ...dayRange);
  const f = await fetchAll(finnhub, "AAPL", "1d", ...dayRange);
  assertEquals(y.info.refused[0]?.value, Date.parse("2024-03-18T13:30:00Z") / 1_000);
  assertEquals(f.info.refused[0]?.value, Date.parse("2024-03-18T00:00:00Z") / 1_000);
});

Deno.test("with the end at the real clock, future bars are refused by adapters on their default clock", async () => {
  const end = new Date(Math.floor(Date.now() / MINUTE) * MINUTE);
  await using m = startFakeMarket({ end, days: 7 });
  m.future("SPY", "5m", 4);
  const range = [new Date(end.getTime() - 7 * DAY), new Date(end.getTime() + 3 * HOUR)] as const;
  for (
    const p of [
      createYahooProvider({ baseUrl: m.yahooBaseUrl }),
      createFinnhubProvider({ baseUrl: m.finnhubBaseUrl, apiKey: m.finnhubToken }),
    ]
  ) {
    const got = await fetchAll(p, "SPY", "5m", ...range);
    assertEquals(got.bars, m.bars("SPY", "5m", ...range, p.name));
    assertEquals(got.info.refusedCount, 4);
    assert(
      got.info.refused.every((r) => r.field === "ts" && r.ts! > new Date(Date.now() + HOUR / 2)),
    );
  }
});

Deno.test("symbols outside the list get each vendor's no-data answer", async () => {
  await using m = startFakeMarket({ end: END, days: 5, symbols: ["AAPL"] });
  const [yahoo, finnhub] = adapters(m);
  const range = [at("2024-03-13T00:00:00Z"), END] as const;
  const err = await assertRejects(() => fetchAll(yahoo, "MSFT", "1d", ...range), ProviderError);
  assertEquals([err.providerCode, err.status], ["PROVIDER_NO_DATA", 404]);
  const none = await fetchAll(finnhub, "MSFT", "1d", ...range);
  assertEquals([none.bars, none.info.requests], [[], 1]);
  const quote = await assertRejects(() => finnhub.fetchQuote("MSFT"), ProviderError);
  assertEquals(quote.providerCode, "PROVIDER_NO_DATA");
  assertEquals(m.bars("MSFT", "1d", ...range), []);
  assertEquals((await fetchAll(yahoo, "AAPL", "1d", ...range)).bars.length, 3);
});

Deno.test("scripted faults: a 429 with Retry-After, broken JSON, normal answers again, then a hang", async () => {
  await using m = startFakeMarket({ end: END, days: 5 });
  const [yahoo, finnhub] = adapters(m);
  m.fault({ vendor: "yahoo", status: 429, body: "", headers: { "retry-after": "7" } });
  m.fault({ vendor: "finnhub", endpoint: "candle", body: '{"s": "ok", "t": [' });
  const limited = await assertRejects(() => yahoo.fetchQuote("AAPL"), ProviderError);
  assertEquals([limited.providerCode, limited.retryAfterMs], ["PROVIDER_RATE_LIMITED", 7_000]);
  // the candle fault leaves the quote alone
  assertEquals((await finnhub.fetchQuote("AAPL")).symbol, "AAPL");
  const range = [at("2024-03-13T00:00:00Z"), END] as const;
  const broken = await assertRejects(
    () => fetchAll(finnhub, "AAPL", "1d", ...range),
    ProviderError,
  );
  assertEquals(broken.providerCode, "PROVIDER_BAD_RESPONSE");
  assertEquals((await fetchAll(finnhub, "AAPL", "1d", ...range)).bars.length, 3);
  assertEquals((await yahoo.fetchQuote("AAPL")).symbol, "AAPL");
  // a hanging answer: the adapter's deadline gives up, the log shows no status
  m.fault({ vendor: "finnhub", endpoint: "quote", hang: true });
  const onTheClock = createFinnhubProvider({ baseUrl: m.finnhubBaseUrl, apiKey: m.finnhubToken });
  const timeout = await assertRejects(
    () => onTheClock.fetchQuote("AAPL", { deadline: Date.now() + 200 }),
    ProviderError,
  );
  assertEquals(timeout.providerCode, "PROVIDER_TIMEOUT");
  assertEquals(m.requests().map((r) => [r.vendor, r.endpoint, r.status]), [
    ["yahoo", "chart", 429],
    ["finnhub", "quote", 200],
    ["finnhub", "candle", 200],
    ["finnhub", "candle", 200],
    ["yahoo", "chart", 200],
    ["finnhub", "quote", 0],
  ]);
});

Deno.test("the request log records each adapter request with its parameters and status", async () => {
  await using m = startFakeMarket({ end: END, days: 30 });
  const [yahoo, finnhub] = adapters(m);
  const y = await fetchAll(yahoo, "AAPL", "1m", ago(10), END);
  const f = await fetchAll(finnhub, "AAPL", "1m", ago(10), END);
  const charts = m.requests("yahoo", "chart");
  assertEquals(charts.length, y.info.requests);
  assertEquals(charts.length, 2);
  assertEquals(charts.map((r) => [r.symbol, r.status, r.params.interval]), [
    ["AAPL", 200, "1m"],
    ["AAPL", 200, "1m"],
  ]);
  // the pages tile the range: a week, then the rest
  assertEquals(charts.map((r) => [Number(r.params.period1), Number(r.params.period2)]), [
    [ago(10).getTime() / 1_000, ago(3).getTime() / 1_000],
    [ago(3).getTime() / 1_000, END.getTime() / 1_000],
  ]);
  const candles = m.requests("finnhub", "candle");
  assertEquals(candles.length, f.info.requests);
  assertEquals(candles.map((r) => r.params), [{
    symbol: "AAPL",
    resolution: "1",
    from: String(ago(10).getTime() / 1_000),
    to: String(END.getTime() / 1_000),
  }]);
  assertEquals(m.log.length, 3);
  assert(m.log[0]!.at <= m.log[1]!.at && m.log[1]!.at <= m.log[2]!.at);
  const wrong = createFinnhubProvider({ baseUrl: m.finnhubBaseUrl, apiKey: "wrong" });
  const auth = await assertRejects(() => wrong.fetchQuote("AAPL"), ProviderError);
  assertEquals(auth.providerCode, "PROVIDER_AUTH");
  assertEquals(m.log.at(-1)?.status, 401);
});

Deno.test("a month of 1-minute bars for 200 symbols is served", async () => {
  await using m = startFakeMarket({ end: END, days: 30 });
  const symbols = Array.from({ length: 200 }, (_, i) => `S${String(i).padStart(3, "0")}`);
  // the history is the sessions opening in [end - 30 days, end)
  const expected = nyseCalendar().sessions(ago(30), END).filter((s) => s.open >= ago(30))
    .reduce((n, s) => n + (Math.min(s.close.getTime(), END.getTime()) - s.open.getTime()), 0) /
    MINUTE;
  const from = ago(30).getTime() / 1_000, to = END.getTime() / 1_000 - 1;
  const started = performance.now();
  const counts: number[] = [];
  for (let i = 0; i < symbols.length; i += 20) {
    counts.push(
      ...await Promise.all(
        symbols.slice(i, i + 20).map(async (symbol) => {
          const res = await fetch(
            `${m.finnhubBaseUrl}/stock/candle?symbol=${symbol}&resolution=1&from=${from}&to=${to}`,
            { headers: { "x-finnhub-token": m.finnhubToken } },
          );
          const body = await res.json();
          return body.t.length as number;
        }),
      ),
    );
  }
  const took = performance.now() - started;
  assertEquals(counts, symbols.map(() => expected));
  assert(expected > 8_000, `${expected} minutes`);
  assert(took < 30_000, `took ${Math.round(took)} ms`);
});

Deno.test("Yahoo's option chain lists only expiries after the vendor's date, also on the Friday after Thursday's session", async () => {
  // the market's last session closed on Thursday 2024-03-14; the chain is fetched early on
  // Friday (UTC), before that day's session is part of the market: Friday the 15th is not listed
  const thursdayClose = new Date("2024-03-14T20:00:00Z");
  const fridayEarly = Date.parse("2024-03-15T00:30:00Z");
  await using m = startFakeMarket({ end: thursdayClose, days: 5, now: () => fridayEarly });
  const yahoo = createYahooProvider({ baseUrl: m.yahooBaseUrl, now: () => fridayEarly });
  const chain = await yahoo.fetchOptionChain({ symbol: "AAPL" });
  assertEquals(chain.expiries, ["2024-03-22", "2024-03-29"]);
  assertEquals([...new Set(chain.snaps.map((s) => s.expiry))].sort(), chain.expiries);
  for (const snap of chain.snaps) assertEquals(snap.ts.getTime(), fridayEarly);
  // on a Tuesday the same week's Friday is the first listed
  const tuesday = Date.parse("2024-03-12T15:00:00Z");
  await using n = startFakeMarket({
    end: new Date("2024-03-11T20:00:00Z"),
    days: 5,
    now: () => tuesday,
  });
  const early = await createYahooProvider({ baseUrl: n.yahooBaseUrl, now: () => tuesday })
    .fetchOptionChain({ symbol: "AAPL" });
  assertEquals(early.expiries, ["2024-03-15", "2024-03-22"]);
});
