import {
  type Bar,
  type OptionSnap,
  parseOptionSnap,
  quote as quoteValue,
  type Timeframe,
  ValidationError,
} from "@mds/sql";
import { z } from "zod";
import {
  admitBar,
  barStream,
  checkBarsRequest,
  checkSymbol,
  deadlineOf,
  emptyInfo,
  localDate,
  pages,
  parseBody,
  resolveAdapter,
  rowGate,
} from "./_adapter.ts";
import { type JsonAnswer, requestJson } from "./_http.ts";
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

/** Finnhub's API root. */
export const FINNHUB_BASE_URL = "https://finnhub.io/api/v1";

/** Options of {@linkcode createFinnhubProvider}. */
export interface FinnhubOptions extends AdapterOptions {
  /** The API token, sent as the `X-Finnhub-Token` header; never logged or quoted in errors. */
  apiKey: string;
  /** The provider's name, also the bars' `vendor`. @default {"finnhub"} */
  name?: string | undefined;
}

const DAY = 86_400_000;
const RESOLUTIONS: Readonly<Partial<Record<Timeframe, { resolution: string; pageMs: number }>>> = {
  "1m": { resolution: "1", pageMs: 30 * DAY },
  "5m": { resolution: "5", pageMs: 30 * DAY },
  "15m": { resolution: "15", pageMs: 30 * DAY },
  "30m": { resolution: "30", pageMs: 30 * DAY },
  "1h": { resolution: "60", pageMs: 30 * DAY },
  "1d": { resolution: "D", pageMs: 3_650 * DAY },
  "1w": { resolution: "W", pageMs: 3_650 * DAY },
};
const TIMEFRAMES = Object.keys(RESOLUTIONS) as Timeframe[];
const CAPS: readonly Capability[] = ["bars", "quote", "options_chain"];

const col = z.array(z.number().nullable());
const candleBody = z.union([
  z.object({ s: z.literal("no_data") }),
  z.object({ s: z.literal("ok"), t: z.array(z.number()), o: col, h: col, l: col, c: col, v: col }),
]);
const quoteBody = z.object({
  c: z.number(),
  h: z.number().nullable(),
  l: z.number().nullable(),
  o: z.number().nullable(),
  pc: z.number().nullable(),
  t: z.number(),
});
const n = z.number().nullable().optional();
const contract = z.object({
  strike: z.number(),
  lastPrice: n,
  bid: n,
  ask: n,
  volume: n,
  openInterest: n,
  impliedVolatility: n,
  delta: n,
  gamma: n,
  theta: n,
  vega: n,
});
const chainBody = z.object({
  code: z.string().optional(),
  lastTradePrice: n,
  data: z.array(z.object({
    expirationDate: z.string(),
    options: z.object({ CALL: z.array(contract).optional(), PUT: z.array(contract).optional() }),
  })),
});

/**
 * A Finnhub adapter: bars from `/stock/candle` (resolutions 1, 5, 15, 30, 60, D, W; a
 * `no_data` answer is an empty result), quotes from `/quote`, option chains from
 * `/stock/option-chain` (Finnhub's implied volatility, in percent, is stored as a fraction).
 * Daily and weekly bars are stored at their date, 00:00 UTC; intraday ranges are paged a month
 * at a time. A candle that fails bar validation (a negative price, a high below the low) or whose
 * timestamp lies more than `futureToleranceMs` past the clock is refused on its own and recorded
 * in the stream's `info.refused`; a body broken as a whole (series of different lengths, not
 * JSON) fails with `PROVIDER_BAD_RESPONSE`.
 *
 * @param options API token, base URL, `fetch`, clock, default timeout, future tolerance, limiter
 *   and observer.
 * @returns The provider.
 * @throws {TypeError} When the token is missing or `baseUrl` is not an http(s) URL.
 * @throws {RangeError} When `timeoutMs` or `futureToleranceMs` is out of range.
 *
 * @example A quote from a stand-in for Finnhub
 * ```ts
 * import { createFinnhubProvider } from "@mds/providers";
 * import assert from "node:assert/strict";
 *
 * const finnhub = createFinnhubProvider({ apiKey: "demo-token", fetch: (_url, init) => {
 *   assert.equal(new Headers(init?.headers).get("x-finnhub-token"), "demo-token");
 *   return Promise.resolve(Response.json({ c: 185.64, d: -7.94, dp: -4.1, h: 188.44,
 *     l: 183.89, o: 187.15, pc: 192.53, t: 1704229200 }));
 * } });
 * const q = await finnhub.fetchQuote("aapl");
 * assert.equal(q.symbol, "AAPL");
 * assert.equal(q.price, 185.64);
 * assert.equal(q.ts.toISOString(), "2024-01-02T21:00:00.000Z");
 * ```
 */
export function createFinnhubProvider(options: FinnhubOptions): Provider {
  const name = options.name ?? "finnhub";
  if (typeof options.apiKey !== "string" || options.apiKey.trim() === "") {
    throw new TypeError('Cannot create the Finnhub adapter: "apiKey" is missing');
  }
  const adapter = resolveAdapter(name, "Finnhub", options, options.baseUrl ?? FINNHUB_BASE_URL);
  const http = adapter.http;
  const headers = { "x-finnhub-token": options.apiKey.trim() };
  const url = (path: string, params: Record<string, string>) => {
    const u = new URL(`${adapter.baseUrl}${path}`);
    for (const [k, v] of Object.entries(params)) u.searchParams.set(k, v);
    return u;
  };
  const answer =
    <T>(endpoint: string, symbol: string, schema: z.ZodType<T>) => (a: JsonAnswer): T => {
      if (a.status === 404) {
        throw new ProviderError(
          "PROVIDER_NO_DATA",
          `Finnhub has no data for ${quoteValue(symbol)}`,
          {
            provider: name,
            endpoint,
            status: a.status,
          },
        );
      }
      if (a.status < 200 || a.status >= 300) {
        throw new ProviderError(
          "PROVIDER_BAD_REQUEST",
          `Finnhub refused "${endpoint}" for ${quoteValue(symbol)} with ${a.status}`,
          { provider: name, endpoint, status: a.status },
        );
      }
      return parseBody(schema, a.body, {
        provider: name,
        vendor: "Finnhub",
        endpoint,
        status: a.status,
      });
    };
  const noData = (endpoint: string, symbol: string) =>
    new ProviderError("PROVIDER_NO_DATA", `Finnhub has no data for ${quoteValue(symbol)}`, {
      provider: name,
      endpoint,
    });

  return {
    name,
    capabilities: CAPS,
    timeframes: TIMEFRAMES,

    fetchBars(request: BarsRequest): BarStream {
      const { symbol, startMs, endMs } = checkBarsRequest(name, request, TIMEFRAMES);
      const deadline = deadlineOf(adapter, request);
      const { resolution, pageMs } = RESOLUTIONS[request.timeframe]!;
      const daily = request.timeframe === "1d" || request.timeframe === "1w";
      const widenMs = daily ? DAY : 0;
      const info = emptyInfo(name);
      return barStream(info, async function* () {
        let after = -Infinity;
        for (const [from, to] of pages(startMs, endMs, pageMs)) {
          info.requests++;
          const body = await requestJson(http, {
            endpoint: "candle",
            url: url("/stock/candle", {
              symbol,
              resolution,
              from: String(Math.floor((from - widenMs) / 1_000)),
              to: String(Math.ceil((to + widenMs) / 1_000)),
            }),
            headers,
            signal: request.signal,
            deadline,
          }, answer("candle", symbol, candleBody));
          if (body.s === "no_data") continue;
          for (const f of ["o", "h", "l", "c", "v"] as const) {
            if (body[f].length !== body.t.length) {
              throw bad(
                "candle",
                f,
                `has ${body[f].length} entries for ${body.t.length} timestamps`,
              );
            }
          }
          const gate = rowGate(adapter, info);
          const bars: Bar[] = [];
          for (let i = 0; i < body.t.length; i++) {
            const ts = daily ? Date.parse(localDate(body.t[i]! * 1_000, 0)) : body.t[i]! * 1_000;
            if (ts < startMs || ts >= endMs || ts <= after) continue;
            const [o, h, l, c, v] = [body.o[i], body.h[i], body.l[i], body.c[i], body.v[i]];
            if (o == null || h == null || l == null || c == null || v == null) {
              info.skippedNulls++;
              continue;
            }
            after = ts;
            const bar = admitBar(gate, {
              bar: {
                ts,
                vendor: name,
                symbol,
                timeframe: request.timeframe,
                open: o,
                high: h,
                low: l,
                close: c,
                volume: v,
              },
              vendorMs: body.t[i]! * 1_000,
              vendorTs: body.t[i],
            });
            if (bar !== undefined) bars.push(bar);
          }
          yield* bars;
        }
      });
    },

    async fetchQuote(symbolInput: string, callOptions?: CallOptions): Promise<Quote> {
      const symbol = checkSymbol(symbolInput);
      const body = await requestJson(http, {
        endpoint: "quote",
        url: url("/quote", { symbol }),
        headers,
        signal: callOptions?.signal,
        deadline: deadlineOf(adapter, callOptions),
      }, answer("quote", symbol, quoteBody));
      if (body.t === 0 || body.c === 0) throw noData("quote", symbol);
      return {
        vendor: name,
        symbol,
        ts: new Date(body.t * 1_000),
        price: body.c,
        open: body.o,
        high: body.h,
        low: body.l,
        previousClose: body.pc,
      };
    },

    async fetchOptionChain(request: OptionChainRequest): Promise<OptionChain> {
      const symbol = checkSymbol(request.symbol);
      if (request.expiry !== undefined && !/^\d{4}-\d{2}-\d{2}$/.test(request.expiry)) {
        throw new TypeError(
          `Invalid call: "expiry" is ${quoteValue(request.expiry)}: expected YYYY-MM-DD`,
        );
      }
      const body = await requestJson(http, {
        endpoint: "option-chain",
        url: url("/stock/option-chain", { symbol }),
        headers,
        signal: request.signal,
        deadline: deadlineOf(adapter, request),
      }, answer("option-chain", symbol, chainBody));
      if (body.data.length === 0) throw noData("option-chain", symbol);
      const groups = request.expiry === undefined
        ? body.data
        : body.data.filter((g) => g.expirationDate === request.expiry);
      if (groups.length === 0) {
        throw new ProviderError(
          "PROVIDER_NO_DATA",
          `Finnhub lists no expiry ${quoteValue(request.expiry)} for ${quoteValue(symbol)}`,
          { provider: name, endpoint: "option-chain" },
        );
      }
      const now = adapter.now();
      const snaps: OptionSnap[] = [];
      let skipped = 0;
      for (const g of groups) {
        for (
          const [type, rows] of [["C", g.options.CALL ?? []], ["P", g.options.PUT ?? []]] as const
        ) {
          for (const r of rows) {
            try {
              snaps.push(parseOptionSnap({
                ts: now,
                vendor: name,
                symbol,
                expiry: g.expirationDate,
                option_type: type,
                strike: r.strike,
                bid: r.bid ?? null,
                ask: r.ask ?? null,
                last: r.lastPrice ?? null,
                volume: r.volume ?? null,
                open_interest: r.openInterest ?? null,
                implied_volatility: r.impliedVolatility == null ? null : r.impliedVolatility / 100,
                delta: r.delta ?? null,
                gamma: r.gamma ?? null,
                theta: r.theta ?? null,
                vega: r.vega ?? null,
                underlying_price: body.lastTradePrice ?? null,
              }));
            } catch (e) {
              if (!(e instanceof ValidationError)) throw e;
              skipped++;
            }
          }
        }
      }
      return {
        vendor: name,
        symbol,
        expiries: body.data.map((g) => g.expirationDate).sort(),
        snaps,
        skipped,
      };
    },
  };

  function bad(endpoint: string, field: string, reason: string, cause?: unknown): ProviderError {
    return new ProviderError(
      "PROVIDER_BAD_RESPONSE",
      `Finnhub sent an unexpected "${endpoint}" body: "${field}" ${reason}`,
      { provider: name, endpoint, field, cause },
    );
  }
}
