import type { Timeframe } from "@mds/sql";
import { quote as quoteValue } from "@mds/sql";
import {
  barStream,
  checkBarsRequest,
  checkSymbol,
  deadlineOf,
  emptyInfo,
  pages,
  parseBody,
  resolveAdapter,
  rowGate,
} from "./_adapter.ts";
import { type JsonAnswer, requestJson } from "./_http.ts";
import {
  badResponse,
  chartBars,
  chartBody,
  type ChartResult,
  optionsBody,
  optionSnaps,
  type OptionsResult,
  type YahooError,
} from "./_yahoo_parse.ts";
import { ProviderError } from "./errors.ts";
import type {
  AdapterOptions,
  BarsRequest,
  BarStream,
  CallOptions,
  Capability,
  OptionChain,
  OptionChainRequest,
  Provider,
  Quote,
} from "./provider.ts";

/** Yahoo Finance's public API host. */
export const YAHOO_BASE_URL = "https://query1.finance.yahoo.com";

/** Options of {@linkcode createYahooProvider}. */
export interface YahooOptions extends AdapterOptions {
  /** The provider's name, also the bars' `vendor`. @default {"yahoo"} */
  name?: string | undefined;
  /** Most expiries fetched by an option chain call without `expiry`. @default {24} */
  maxExpiries?: number | undefined;
}

const DAY = 86_400_000;

/** Per timeframe: Yahoo's interval, the longest page, and how far back Yahoo keeps the data. */
const LIMITS: Readonly<
  Partial<Record<Timeframe, { interval: string; pageMs: number; availableMs?: number }>>
> = {
  "1m": { interval: "1m", pageMs: 7 * DAY, availableMs: 30 * DAY },
  "5m": { interval: "5m", pageMs: 30 * DAY, availableMs: 60 * DAY },
  "15m": { interval: "15m", pageMs: 30 * DAY, availableMs: 60 * DAY },
  "30m": { interval: "30m", pageMs: 30 * DAY, availableMs: 60 * DAY },
  "1h": { interval: "60m", pageMs: 180 * DAY, availableMs: 730 * DAY },
  "1d": { interval: "1d", pageMs: 3_650 * DAY },
  "1w": { interval: "1wk", pageMs: 3_650 * DAY },
};

const TIMEFRAMES = Object.keys(LIMITS) as Timeframe[];
const CAPS: readonly Capability[] = ["bars", "quote", "options_chain"];

/**
 * A Yahoo Finance adapter: bars from the v8 chart endpoint, quotes from the chart's metadata,
 * option chains from the v7 options endpoint. Daily and weekly bars are stored at their
 * exchange-local trading date, 00:00 UTC; adjusted closes, splits and dividends are reported on
 * the stream's `info`; rows with `null` prices are skipped and counted; a row that fails bar
 * validation (a negative price, a high below the low) or whose timestamp lies more than
 * `futureToleranceMs` past the clock is refused on its own and recorded in `info.refused`, while
 * a body broken as a whole fails with `PROVIDER_BAD_RESPONSE`; long ranges are paged within
 * Yahoo's per-request limits (1m: 7 days a page, the last 30 days only). The future check of a
 * daily bar uses Yahoo's timestamp, the session's open.
 *
 * @param options Base URL, `fetch`, clock, default timeout, future tolerance, rate limiter and
 *   request observer.
 * @returns The provider.
 * @throws {TypeError} When `baseUrl` is not an http(s) URL.
 * @throws {RangeError} When `timeoutMs`, `futureToleranceMs` or `maxExpiries` is out of range.
 *
 * @example Daily bars from a stand-in for Yahoo
 * ```ts
 * import { createYahooProvider } from "@mds/providers";
 * import assert from "node:assert/strict";
 *
 * const body = { chart: { error: null, result: [{
 *   meta: { symbol: "AAPL", gmtoffset: -18000, exchangeTimezoneName: "America/New_York" },
 *   timestamp: [1704205800],
 *   indicators: { quote: [{ open: [187.15], high: [188.44], low: [183.89], close: [185.64],
 *     volume: [82488700] }], adjclose: [{ adjclose: [184.73] }] },
 * }] } };
 * const yahoo = createYahooProvider({ fetch: () => Promise.resolve(Response.json(body)) });
 * const stream = yahoo.fetchBars({ symbol: "AAPL", timeframe: "1d",
 *   start: new Date("2024-01-02T00:00:00Z"), end: new Date("2024-01-03T00:00:00Z") });
 * const bars = await Array.fromAsync(stream);
 * assert.equal(bars[0]?.ts.toISOString(), "2024-01-02T00:00:00.000Z");
 * assert.equal(bars[0]?.close, 185.64);
 * assert.equal(stream.info.adjustedCloses.get(bars[0]!.ts.getTime()), 184.73);
 * ```
 */
export function createYahooProvider(options: YahooOptions = {}): Provider {
  const name = options.name ?? "yahoo";
  const adapter = resolveAdapter(name, "Yahoo", options, options.baseUrl ?? YAHOO_BASE_URL);
  const maxExpiries = options.maxExpiries ?? 24;
  if (!Number.isInteger(maxExpiries) || maxExpiries < 1 || maxExpiries > 500) {
    throw new RangeError(
      `Cannot create the Yahoo adapter: "maxExpiries" is ${
        quoteValue(maxExpiries)
      }: must be 1 to 500`,
    );
  }
  const http = adapter.http;

  const chartUrl = (symbol: string, params: Record<string, string>) => {
    const url = new URL(`${adapter.baseUrl}/v8/finance/chart/${encodeURIComponent(symbol)}`);
    for (const [k, v] of Object.entries(params)) url.searchParams.set(k, v);
    return url;
  };

  const vendorFailure = (
    symbol: string,
    endpoint: string,
    status: number,
    e: YahooError | undefined,
  ) => {
    const what = e?.description ? `: ${e.description}` : "";
    if (e?.code === "Not Found" || (e === undefined && status === 404)) {
      return new ProviderError(
        "PROVIDER_NO_DATA",
        `Yahoo has no data for ${quoteValue(symbol)}${what}`,
        {
          provider: name,
          endpoint,
          status,
        },
      );
    }
    return new ProviderError(
      "PROVIDER_BAD_REQUEST",
      `Yahoo refused "${endpoint}" for ${quoteValue(symbol)} with ${status}${what}`,
      { provider: name, endpoint, status },
    );
  };

  const chartResult = (symbol: string, endpoint: string) => (a: JsonAnswer): ChartResult => {
    const ok = a.status >= 200 && a.status < 300;
    if (!ok) {
      const parsed = chartBody.safeParse(a.body);
      throw vendorFailure(
        symbol,
        endpoint,
        a.status,
        parsed.success ? parsed.data.chart.error ?? undefined : undefined,
      );
    }
    const body = parseBody(chartBody, a.body, {
      provider: name,
      vendor: "Yahoo",
      endpoint,
      status: a.status,
    });
    if (body.chart.error !== null) {
      throw vendorFailure(symbol, endpoint, a.status, body.chart.error);
    }
    const first = body.chart.result?.[0];
    if (first === undefined) {
      throw badResponse(name, "chart.result", "is empty", undefined, endpoint);
    }
    return first;
  };

  const optionsResult = (symbol: string) => (a: JsonAnswer): OptionsResult => {
    if (a.status < 200 || a.status >= 300) {
      const parsed = optionsBody.safeParse(a.body);
      throw vendorFailure(
        symbol,
        "options",
        a.status,
        parsed.success ? parsed.data.optionChain.error ?? undefined : undefined,
      );
    }
    const body = parseBody(optionsBody, a.body, {
      provider: name,
      vendor: "Yahoo",
      endpoint: "options",
      status: a.status,
    });
    if (body.optionChain.error !== null) {
      throw vendorFailure(symbol, "options", a.status, body.optionChain.error);
    }
    const first = body.optionChain.result[0];
    if (first === undefined) throw vendorFailure(symbol, "options", 404, undefined);
    return first;
  };

  return {
    name,
    capabilities: CAPS,
    timeframes: TIMEFRAMES,

    fetchBars(request: BarsRequest): BarStream {
      const { symbol, startMs, endMs } = checkBarsRequest(name, request, TIMEFRAMES);
      const deadline = deadlineOf(adapter, request);
      const limit = LIMITS[request.timeframe]!;
      if (limit.availableMs !== undefined && startMs < adapter.now() - limit.availableMs) {
        throw new ProviderError(
          "PROVIDER_UNSUPPORTED",
          `Yahoo keeps "${request.timeframe}" bars for the last ${
            limit.availableMs / DAY
          } days only: "start" is ${quoteValue(request.start)}`,
          { provider: name, endpoint: "chart" },
        );
      }
      const widenMs = request.timeframe === "1d" || request.timeframe === "1w" ? DAY : 0;
      const info = emptyInfo(name);
      return barStream(info, async function* () {
        let after = -Infinity;
        for (const [from, to] of pages(startMs, endMs, limit.pageMs)) {
          const url = chartUrl(symbol, {
            period1: String(Math.floor((from - widenMs) / 1_000)),
            period2: String(Math.ceil((to + widenMs) / 1_000)),
            interval: limit.interval,
            includePrePost: "false",
            events: "div|split",
          });
          info.requests++;
          const result = await requestJson(
            http,
            { endpoint: "chart", url, signal: request.signal, deadline },
            chartResult(symbol, "chart"),
          );
          const page = chartBars(result, {
            provider: name,
            symbol,
            timeframe: request.timeframe,
            startMs,
            endMs,
            afterMs: after,
            gate: rowGate(adapter, info),
          }, info);
          after = page.afterMs;
          yield* page.bars;
        }
      });
    },

    async fetchQuote(symbolInput: string, callOptions?: CallOptions): Promise<Quote> {
      const symbol = checkSymbol(symbolInput);
      const deadline = deadlineOf(adapter, callOptions);
      const result = await requestJson(
        http,
        {
          endpoint: "chart",
          url: chartUrl(symbol, { range: "1d", interval: "1d" }),
          signal: callOptions?.signal,
          deadline,
        },
        chartResult(symbol, "chart"),
      );
      const m = result.meta;
      if (m.regularMarketPrice == null || m.regularMarketTime == null) {
        throw badResponse(name, "chart.result[0].meta.regularMarketPrice", "is missing");
      }
      const opens = result.indicators.quote[0]?.open ?? [];
      return {
        vendor: name,
        symbol,
        ts: new Date(m.regularMarketTime * 1_000),
        price: m.regularMarketPrice,
        open: opens.at(-1) ?? null,
        high: m.regularMarketDayHigh ?? null,
        low: m.regularMarketDayLow ?? null,
        previousClose: m.previousClose ?? m.chartPreviousClose ?? null,
      };
    },

    async fetchOptionChain(request: OptionChainRequest): Promise<OptionChain> {
      const symbol = checkSymbol(request.symbol);
      const deadline = deadlineOf(adapter, request);
      if (request.expiry !== undefined && !/^\d{4}-\d{2}-\d{2}$/.test(request.expiry)) {
        throw new TypeError(
          `Invalid call: "expiry" is ${quoteValue(request.expiry)}: expected YYYY-MM-DD`,
        );
      }
      const base = `${adapter.baseUrl}/v7/finance/options/${encodeURIComponent(symbol)}`;
      const get = (date: number | undefined) => {
        const url = new URL(base);
        if (date !== undefined) url.searchParams.set("date", String(date));
        return requestJson(
          http,
          { endpoint: "options", url, signal: request.signal, deadline },
          optionsResult(symbol),
        );
      };
      const first = await get(undefined);
      const dateOf = (epoch: number) => new Date(epoch * 1_000).toISOString().slice(0, 10);
      const wanted = request.expiry === undefined
        ? first.expirationDates.slice(0, maxExpiries)
        : first.expirationDates.filter((e) => dateOf(e) === request.expiry);
      if (wanted.length === 0 && request.expiry !== undefined) {
        throw new ProviderError(
          "PROVIDER_NO_DATA",
          `Yahoo lists no expiry ${quoteValue(request.expiry)} for ${quoteValue(symbol)}`,
          { provider: name, endpoint: "options" },
        );
      }
      const wantedSet = new Set(wanted);
      const chain: OptionChain = {
        vendor: name,
        symbol,
        expiries: first.expirationDates.map(dateOf),
        snaps: [],
        skipped: 0,
      };
      const add = (result: OptionsResult) => {
        const { snaps, skipped } = optionSnaps(name, result, wantedSet, adapter.now());
        chain.snaps.push(...snaps);
        chain.skipped += skipped;
      };
      const served = new Set(first.options.map((o) => o.expirationDate));
      add(first);
      for (const expiry of wanted) {
        if (served.has(expiry)) continue;
        add(await get(expiry));
      }
      return chain;
    },
  };
}
