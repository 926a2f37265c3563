// A generative fake of Yahoo Finance's chart endpoint and Finnhub's candle and quote endpoints on
// 127.0.0.1: any symbol (or a given list) trades on every NYSE session of a window, at prices
// that are a pure function of (symbol, time), answered in the vendors' real JSON formats. Tests
// can punch holes (halts), serve single bars broken or stamped in the future, fail symbols and
// script one-off faults; `bars()` says what the adapters must yield. Only tests import this file.
import { Hono } from "hono";
import type { Context } from "hono";
import { blackScholesPrice } from "@mds/analytics";
import { type Bar, parseBar } from "@mds/sql";
import {
  type CorruptKind,
  isMarketTimeframe,
  MARKET_TIMEFRAMES,
  MarketData,
  type MarketRow,
  type MarketTimeframe,
} from "./market_data.ts";

export { type CorruptKind, MARKET_TIMEFRAMES, type MarketTimeframe } from "./market_data.ts";

/** The two vendors. */
export type MarketVendor = "yahoo" | "finnhub";

/** What {@linkcode startFakeMarket} is given. */
export interface FakeMarketOptions {
  /** Data exists only for bar times before this. */
  end: Date;
  /** Calendar days of history before `end`: the sessions opening in `[end - days, end)`. */
  days: number;
  /** Only these have data; others get the vendor's "no data" answer. @default {every symbol} */
  symbols?: readonly string[];
  /** The token Finnhub accepts in `X-Finnhub-Token`. @default {"test-finnhub-token"} */
  finnhubToken?: string;
  /**
   * The vendor's clock, epoch milliseconds: Yahoo lists only option expiries after its date.
   * @default {Date.now}
   */
  now?: () => number;
}

/** One request the fake received. */
export interface MarketRequest {
  vendor: MarketVendor;
  /** `chart` (Yahoo), `candle` or `quote` (Finnhub); the path for any other route. */
  endpoint: string;
  /** Upper-case as sent. */
  symbol: string;
  /** The query parameters. */
  params: Record<string, string>;
  /** The status answered; 0 while hanging or when the client went away. */
  status: number;
  /** Arrival time, `performance.now()` milliseconds. */
  at: number;
}

/** A scripted misbehaviour, applied to the next `times` matching requests. */
export interface MarketFault {
  vendor: MarketVendor;
  /** Only this endpoint. @default {every endpoint} */
  endpoint?: string;
  /** Requests it applies to. @default {1} */
  times?: number;
  /** The status answered. @default {200} */
  status?: number;
  /** The body: a string is sent verbatim (e.g. broken JSON), anything else as JSON. @default {{}} */
  body?: unknown;
  /** Extra response headers, e.g. `retry-after`. */
  headers?: Record<string, string>;
  /** Never answer (until the server closes). */
  hang?: boolean;
}

/** A running fake market; `await using` closes it. */
export interface FakeMarket extends AsyncDisposable {
  /** `http://127.0.0.1:<port>/yahoo`, for the Yahoo adapter's `baseUrl`. */
  readonly yahooBaseUrl: string;
  /** `http://127.0.0.1:<port>/finnhub/api/v1`, for the Finnhub adapter's `baseUrl`. */
  readonly finnhubBaseUrl: string;
  /** The token Finnhub accepts. */
  readonly finnhubToken: string;
  /** Every request so far, in arrival order. */
  readonly log: MarketRequest[];
  /** The requests of one vendor (and endpoint). */
  requests(vendor?: MarketVendor, endpoint?: string): MarketRequest[];
  /**
   * The bars the market holds for `[from, to)`, as the adapters yield them (vendor field =
   * `vendor`), oldest first: daily bars at their date 00:00 UTC, no bar in a hole, none served
   * broken (the adapters refuse those), none from {@linkcode FakeMarket.future} (the adapters
   * refuse those when their clock is near `end`).
   */
  bars(
    symbol: string,
    timeframe: MarketTimeframe,
    from: Date,
    to: Date,
    vendor?: string,
  ): Bar[];
  /** Every request for these symbols at that vendor answers `status` until `clearFaults()`. */
  failSymbols(vendor: MarketVendor, symbols: readonly string[], status: number): void;
  /** Drops the failing symbols and the scripted faults not yet used (not holes, broken bars). */
  clearFaults(): void;
  /** A halt: neither vendor serves a bar with a time in `[from, to)`. */
  noData(symbol: string, from: Date, to: Date): void;
  /** Both vendors serve the bar at `ts` (daily: the date 00:00 UTC) broken. */
  corrupt(symbol: string, timeframe: string, ts: Date, kind: CorruptKind): void;
  /** Appends `count` valid bars from `end` + 1 hour on (daily: dates after it), served by both. */
  future(symbol: string, timeframe: string, count: number): void;
  /** Scripts a fault; faults apply in the order added. */
  fault(f: MarketFault): void;
  /** Stops the server, releasing hanging requests. */
  close(): Promise<void>;
}

const DAY = 86_400_000;
const HANG_LIMIT_MS = 30_000;
const YAHOO_INTERVALS: Readonly<Record<string, MarketTimeframe>> = {
  "1m": "1m",
  "5m": "5m",
  "15m": "15m",
  "30m": "30m",
  "60m": "1h",
  "1h": "1h",
  "1d": "1d",
};
const FINNHUB_RESOLUTIONS: Readonly<Record<string, MarketTimeframe>> = {
  "1": "1m",
  "5": "5m",
  "15": "15m",
  "30": "30m",
  "60": "1h",
  "D": "1d",
};
const STATUS_TEXT: Readonly<Record<number, string>> = {
  400: "Bad Request",
  401: "Unauthorized",
  403: "Forbidden",
  404: "Not Found",
  422: "Unprocessable Entity",
  429: "Too Many Requests",
  500: "Internal Server Error",
  502: "Bad Gateway",
  503: "Service Unavailable",
  504: "Gateway Timeout",
};

interface Answer {
  status: number;
  body: unknown;
  headers?: Record<string, string> | undefined;
}

/**
 * Starts the fake market on 127.0.0.1 and a free port.
 *
 * @param options The history window, the listed symbols and Finnhub's token.
 * @returns The running market.
 * @throws {TypeError} When `end` is not a valid Date or a symbol or the token is not text.
 * @throws {RangeError} When `days` is not a whole number of 1 to 3650.
 */
export function startFakeMarket(options: FakeMarketOptions): FakeMarket {
  const { end, days } = options;
  if (!(end instanceof Date) || Number.isNaN(end.getTime())) {
    throw new TypeError(`Cannot start the fake market: "end" is ${String(end)}`);
  }
  if (!Number.isInteger(days) || days < 1 || days > 3_650) {
    throw new RangeError(`Cannot start the fake market: "days" is ${days}: must be 1 to 3650`);
  }
  if (options.symbols?.some((s) => typeof s !== "string" || s.trim() === "")) {
    throw new TypeError('Cannot start the fake market: "symbols" must be non-empty strings');
  }
  const finnhubToken = options.finnhubToken ?? "test-finnhub-token";
  const now = options.now ?? Date.now;
  if (typeof finnhubToken !== "string" || finnhubToken === "") {
    throw new TypeError('Cannot start the fake market: "finnhubToken" is empty');
  }
  const market = new MarketData(end, days, options.symbols);
  const log: MarketRequest[] = [];
  const faults: Array<MarketFault & { times: number }> = [];
  const failing = new Map<string, number>();
  const closing = new AbortController();
  const app = new Hono();

  const record = (c: Context, vendor: MarketVendor, endpoint: string, symbol: string) => {
    const entry: MarketRequest = {
      vendor,
      endpoint,
      symbol,
      params: { ...c.req.query() },
      status: 0,
      at: performance.now(),
    };
    log.push(entry);
    return entry;
  };

  const faultFor = (vendor: MarketVendor, endpoint: string) => {
    const i = faults.findIndex((f) =>
      f.vendor === vendor && (f.endpoint === undefined || f.endpoint === endpoint)
    );
    if (i < 0) return undefined;
    const f = faults[i]!;
    if (--f.times <= 0) faults.splice(i, 1);
    return f;
  };

  /** The scripted fault, else the failing symbol's status, else `normal()`. */
  const answer = async (entry: MarketRequest, normal: () => Answer): Promise<Response> => {
    const fault = faultFor(entry.vendor, entry.endpoint);
    let a: Answer;
    if (fault?.hang) {
      await hang(closing.signal);
      return new Response(null, { status: 504 });
    } else if (fault !== undefined) {
      a = { status: fault.status ?? 200, body: fault.body ?? {}, headers: fault.headers };
    } else {
      const failed = failing.get(`${entry.vendor}|${entry.symbol}`);
      a = failed === undefined ? normal() : vendorError(entry.vendor, failed, entry.symbol);
    }
    entry.status = a.status;
    const text = typeof a.body === "string" ? a.body : JSON.stringify(a.body);
    return new Response(text, {
      status: a.status,
      headers: { "content-type": "application/json;charset=utf-8", ...a.headers },
    });
  };

  app.get("/yahoo/v8/finance/chart/:symbol", (c) => {
    const symbol = c.req.param("symbol").toUpperCase();
    const entry = record(c, "yahoo", "chart", symbol);
    return answer(entry, () => yahooChart(market, symbol, c.req.query()));
  });
  app.get("/yahoo/v7/finance/options/:symbol", (c) => {
    const symbol = c.req.param("symbol").toUpperCase();
    const entry = record(c, "yahoo", "options", symbol);
    return answer(entry, () => yahooOptions(market, symbol, end, now(), c.req.query("date")));
  });
  const finnhub =
    (endpoint: string, build: (symbol: string, q: Record<string, string>) => Answer) =>
    (c: Context) => {
      const symbol = (c.req.query("symbol") ?? "").toUpperCase();
      const entry = record(c, "finnhub", endpoint, symbol);
      if (c.req.header("x-finnhub-token") !== finnhubToken) {
        entry.status = 401;
        return c.json({ error: "Invalid API key." }, 401);
      }
      return answer(entry, () => build(symbol, c.req.query()));
    };
  app.get("/finnhub/api/v1/stock/candle", finnhub("candle", (s, q) => finnhubCandle(market, s, q)));
  app.get("/finnhub/api/v1/quote", finnhub("quote", (s) => finnhubQuote(market, s)));
  app.notFound((c) => {
    const path = new URL(c.req.url).pathname;
    const vendor: MarketVendor = path.startsWith("/finnhub/") ? "finnhub" : "yahoo";
    const entry = record(c, vendor, path, "");
    entry.status = 404;
    return c.json({ error: `The fake market does not serve ${path}` }, 404);
  });

  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, app.fetch);
  const base = `http://127.0.0.1:${server.addr.port}`;
  let closed: Promise<void> | undefined;
  const close = () => {
    closed ??= (async () => {
      closing.abort();
      await server.shutdown();
    })();
    return closed;
  };
  const timeframeOf = (what: string, timeframe: unknown): MarketTimeframe => {
    if (!isMarketTimeframe(timeframe)) {
      throw new TypeError(
        `Cannot ${what}: "timeframe" is ${String(timeframe)}: expected one of ${
          MARKET_TIMEFRAMES.join(", ")
        }`,
      );
    }
    return timeframe;
  };
  const msOf = (what: string, field: string, d: Date) => {
    const ms = d instanceof Date ? d.getTime() : NaN;
    if (Number.isNaN(ms)) throw new TypeError(`Cannot ${what}: "${field}" is not a valid Date`);
    return ms;
  };

  return {
    yahooBaseUrl: `${base}/yahoo`,
    finnhubBaseUrl: `${base}/finnhub/api/v1`,
    finnhubToken,
    log,
    requests(vendor, endpoint) {
      return log.filter((r) =>
        (vendor === undefined || r.vendor === vendor) &&
        (endpoint === undefined || r.endpoint === endpoint)
      );
    },
    bars(symbol, timeframe, from, to, vendor = "fake") {
      const tf = timeframeOf("list bars", timeframe);
      const lo = msOf("list bars", "from", from), hi = msOf("list bars", "to", to);
      const s = symbol.toUpperCase();
      return market.rows(s, tf, lo, hi)
        .filter((r) => r.ts >= lo && r.ts < hi && r.corrupt === undefined && !r.future)
        .map((r) =>
          parseBar({
            ts: r.ts,
            vendor,
            symbol: s,
            timeframe: tf,
            open: r.open,
            high: r.high,
            low: r.low,
            close: r.close,
            volume: r.volume,
          })
        );
    },
    failSymbols(vendor, symbols, status) {
      if (!Number.isInteger(status) || status < 400 || status > 599) {
        throw new RangeError(`Cannot fail symbols: "status" is ${status}: must be 400 to 599`);
      }
      for (const s of symbols) failing.set(`${vendor}|${s.toUpperCase()}`, status);
    },
    clearFaults() {
      failing.clear();
      faults.length = 0;
    },
    noData(symbol, from, to) {
      const lo = msOf("punch a hole", "from", from), hi = msOf("punch a hole", "to", to);
      if (hi <= lo) throw new RangeError('Cannot punch a hole: "to" must be after "from"');
      market.addHole(symbol.toUpperCase(), lo, hi);
    },
    corrupt(symbol, timeframe, ts, kind) {
      if (kind !== "negative" && kind !== "high_below_low") {
        throw new TypeError(`Cannot corrupt a bar: "kind" is ${String(kind)}`);
      }
      market.addCorrupt(
        symbol.toUpperCase(),
        timeframeOf("corrupt a bar", timeframe),
        msOf("corrupt a bar", "ts", ts),
        kind,
      );
    },
    future(symbol, timeframe, count) {
      if (!Number.isInteger(count) || count < 1 || count > 10_000) {
        throw new RangeError(`Cannot add future bars: "count" is ${count}: must be 1 to 10000`);
      }
      market.addFuture(symbol.toUpperCase(), timeframeOf("add future bars", timeframe), count);
    },
    fault(f) {
      faults.push({ ...f, times: f.times ?? 1 });
    },
    close,
    [Symbol.asyncDispose]: close,
  };
}

/** Waits until the server closes (bounded); the client's own deadline gives up first. */
function hang(closing: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      closing.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, HANG_LIMIT_MS);
    closing.addEventListener("abort", done, { once: true });
  });
}

/** The vendor's own error body for a status. */
function vendorError(vendor: MarketVendor, status: number, symbol: string): Answer {
  const text = STATUS_TEXT[status] ?? `Status ${status}`;
  if (vendor === "finnhub") {
    return {
      status,
      body: {
        error: status === 429
          ? "API limit reached. Please try again later. Remaining Limit: 0"
          : text,
      },
    };
  }
  if (status === 404) return yahooNotFound();
  return {
    status,
    body: {
      chart: {
        result: null,
        error: { code: text, description: `Request for ${symbol} failed: ${text}` },
      },
    },
  };
}

function yahooNotFound(): Answer {
  return {
    status: 404,
    body: {
      chart: {
        result: null,
        error: { code: "Not Found", description: "No data found, symbol may be delisted" },
      },
    },
  };
}

function yahooInvalid(description: string): Answer {
  return {
    status: 422,
    body: { chart: { result: null, error: { code: "Unprocessable Entity", description } } },
  };
}

/** The vendors' columns of some rows, stamped by `time`, broken bars broken as asked. */
function columns(rows: readonly MarketRow[], time: (r: MarketRow) => number) {
  const n = rows.length;
  const cols = {
    t: new Array<number>(n),
    o: new Array<number>(n),
    h: new Array<number>(n),
    l: new Array<number>(n),
    c: new Array<number>(n),
    v: new Array<number>(n),
  };
  for (let i = 0; i < n; i++) {
    const r = rows[i]!;
    cols.t[i] = time(r) / 1_000;
    cols.o[i] = r.open;
    cols.h[i] = r.corrupt === "high_below_low" ? Math.round((r.low - 0.01) * 100) / 100 : r.high;
    cols.l[i] = r.corrupt === "negative" ? -r.low : r.low;
    cols.c[i] = r.close;
    cols.v[i] = r.volume;
  }
  return cols;
}

/** America/New_York's offset from UTC at an instant, in seconds (e.g. -18000). */
function newYorkOffset(ms: number): number {
  const parts = new Intl.DateTimeFormat("en-US", {
    timeZone: "America/New_York",
    hourCycle: "h23",
    year: "numeric",
    month: "numeric",
    day: "numeric",
    hour: "numeric",
    minute: "numeric",
    second: "numeric",
  }).formatToParts(new Date(ms));
  const n = (type: string) => Number(parts.find((p) => p.type === type)?.value);
  const local = Date.UTC(n("year"), n("month") - 1, n("day"), n("hour"), n("minute"), n("second"));
  return Math.round((local - Math.floor(ms / 1_000) * 1_000) / 1_000);
}

/** `[p1, p2)` in ms of a `range` such as `1d` (sessions), `1mo`, `1y` or `max`. */
function rangeWindow(market: MarketData, range: string): [number, number] | undefined {
  const end = market.endMs;
  const m = /^(\d+)(d|wk|mo|y)$/.exec(range);
  if (range === "max" || range === "ytd") return [market.startMs, end];
  if (m === null) return undefined;
  const n = Number(m[1]);
  if (m[2] === "d") {
    const s = market.sessions.at(-Math.min(Math.max(n, 1), market.sessions.length));
    return [s?.open.getTime() ?? end, end];
  }
  const unitDays = m[2] === "wk" ? 7 : m[2] === "mo" ? 30 : 365;
  return [end - n * unitDays * DAY, end];
}

/** The implied volatility the fake market prices its options with. */
export const FAKE_OPTION_VOLATILITY = 0.3;

/**
 * Yahoo's v7 options answer for `symbol`: the two Fridays after `end`, strikes at 90%, 100% and
 * 110% of the last close (rounded), priced by Black-Scholes at {@linkcode FAKE_OPTION_VOLATILITY}
 * with rate 0.04; bid and ask 1% around that. Calls carry the implied volatility; puts carry 0, as
 * Yahoo does for contracts it has none for, so mds computes theirs.
 */
function yahooOptions(
  market: MarketData,
  symbol: string,
  end: Date,
  nowMs: number,
  date: string | undefined,
): Answer {
  const spot = market.closeBefore(symbol, end.getTime());
  if (!market.has(symbol) || spot === null) {
    return { status: 200, body: { optionChain: { result: [], error: null } } };
  }
  const day = Math.floor(end.getTime() / 86_400_000) * 86_400_000;
  // Listed expiries lie ahead of the request, as Yahoo's do: the Fridays after the later of the
  // market's last day and today (UTC). Counted from the market's last day alone, the first one
  // was today whenever that day was Thursday's session seen on Friday (or before a holiday), and
  // a snapshot fetched on its expiry date gets no greeks.
  const today = Math.floor(nowMs / 86_400_000) * 86_400_000;
  const from = Math.max(day, today);
  const fridays = [1, 2].map((n) => {
    const d = new Date(from + n * 86_400_000);
    const ahead = (5 - d.getUTCDay() + 7) % 7 + (n - 1) * 7;
    return (d.getTime() + ahead * 86_400_000) / 1_000;
  });
  const wanted = date === undefined ? fridays[0]! : Number(date);
  const strikes = [0.9, 1, 1.1].map((f) => Math.round(spot * f));
  const years = (expiration: number) => (expiration * 1_000 - day) / (365 * 86_400_000);
  const contract = (expiration: number, type: "C" | "P", strike: number) => {
    const price = blackScholesPrice({
      spot,
      strike,
      years: years(expiration),
      rate: 0.04,
      dividendYield: 0,
      volatility: FAKE_OPTION_VOLATILITY,
      type,
    });
    const round = (x: number) => Math.round(x * 100) / 100;
    return {
      contractSymbol: `${symbol}${type}${strike}`,
      strike,
      currency: "USD",
      lastPrice: round(price),
      volume: 100,
      openInterest: 1_000,
      bid: round(price * 0.99),
      ask: round(price * 1.01),
      contractSize: "REGULAR",
      expiration,
      lastTradeDate: expiration - 86_400,
      impliedVolatility: type === "C" ? FAKE_OPTION_VOLATILITY : 0,
      inTheMoney: type === "C" ? strike < spot : strike > spot,
    };
  };
  const group = (expiration: number) => ({
    expirationDate: expiration,
    hasMiniOptions: false,
    calls: strikes.map((k) => contract(expiration, "C", k)),
    puts: strikes.map((k) => contract(expiration, "P", k)),
  });
  return {
    status: 200,
    body: {
      optionChain: {
        result: [{
          underlyingSymbol: symbol,
          expirationDates: fridays,
          strikes,
          hasMiniOptions: false,
          quote: { symbol, regularMarketPrice: spot, regularMarketTime: day / 1_000 },
          options: fridays.includes(wanted) ? [group(wanted)] : [],
        }],
        error: null,
      },
    },
  };
}

function yahooChart(market: MarketData, symbol: string, q: Record<string, string>): Answer {
  if (!market.has(symbol)) return yahooNotFound();
  const interval = q.interval ?? "1d";
  const timeframe = YAHOO_INTERVALS[interval];
  if (timeframe === undefined) {
    return yahooInvalid(`Invalid input - interval=${interval} is not served by the fake market`);
  }
  let window: [number, number] | undefined;
  if (q.range !== undefined) {
    window = rangeWindow(market, q.range);
    if (window === undefined) return yahooInvalid(`Invalid input - range=${q.range}`);
  } else {
    const p1 = Number(q.period1), p2 = Number(q.period2);
    if (!Number.isInteger(p1) || !Number.isInteger(p2) || p2 < p1) {
      return yahooInvalid(`Invalid input - period1=${q.period1} period2=${q.period2}`);
    }
    window = [p1 * 1_000, p2 * 1_000];
  }
  const [lo, hi] = window;
  // Yahoo stamps a daily bar at its session's open
  const rows = columns(
    market.rows(symbol, timeframe, lo, hi).filter((r) => r.openMs >= lo && r.openMs < hi),
    (r) => r.openMs,
  );
  const last = market.lastTrade(symbol);
  const offset = newYorkOffset(market.endMs);
  const meta = {
    currency: "USD",
    symbol,
    exchangeName: "NYQ",
    fullExchangeName: "NYSE",
    instrumentType: "EQUITY",
    firstTradeDate: Math.floor(market.startMs / 1_000),
    ...(last === undefined ? {} : {
      regularMarketTime: Math.floor(last.ms / 1_000),
      regularMarketPrice: last.price,
      regularMarketDayHigh: last.day.high,
      regularMarketDayLow: last.day.low,
      regularMarketVolume: last.day.volume,
    }),
    hasPrePostMarketData: true,
    gmtoffset: offset,
    timezone: offset === -14_400 ? "EDT" : "EST",
    exchangeTimezoneName: "America/New_York",
    chartPreviousClose: market.closeBefore(
      symbol,
      rows.t[0] === undefined ? lo : rows.t[0] * 1_000,
    ),
    priceHint: 2,
    dataGranularity: interval,
    range: q.range ?? "",
    validRanges: ["1d", "5d", "1mo", "3mo", "6mo", "1y", "2y", "5y", "10y", "ytd", "max"],
  };
  const daily = timeframe === "1d";
  // Yahoo leaves out `timestamp` and sends empty indicator objects for an empty range
  const result = rows.t.length === 0
    ? { meta, indicators: { quote: [{}], ...(daily ? { adjclose: [{}] } : {}) } }
    : {
      meta,
      timestamp: rows.t,
      indicators: {
        quote: [{ open: rows.o, high: rows.h, low: rows.l, close: rows.c, volume: rows.v }],
        // no splits or dividends: the adjusted close is the close
        ...(daily ? { adjclose: [{ adjclose: rows.c }] } : {}),
      },
    };
  return { status: 200, body: { chart: { result: [result], error: null } } };
}

function finnhubCandle(market: MarketData, symbol: string, q: Record<string, string>): Answer {
  const timeframe = FINNHUB_RESOLUTIONS[q.resolution ?? ""];
  if (timeframe === undefined) {
    return { status: 422, body: { error: `Wrong resolution: ${q.resolution}` } };
  }
  const from = Number(q.from), to = Number(q.to);
  if (!Number.isInteger(from) || !Number.isInteger(to)) {
    return { status: 422, body: { error: "Wrong from/to" } };
  }
  // inclusive at both ends; Finnhub stamps a daily candle at 00:00 UTC of its date
  const rows = columns(
    market.rows(symbol, timeframe, from * 1_000, to * 1_000 + 1)
      .filter((r) => r.ts >= from * 1_000 && r.ts <= to * 1_000),
    (r) => r.ts,
  );
  if (rows.t.length === 0) return { status: 200, body: { s: "no_data" } };
  return {
    status: 200,
    body: { c: rows.c, h: rows.h, l: rows.l, o: rows.o, s: "ok", t: rows.t, v: rows.v },
  };
}

function finnhubQuote(market: MarketData, symbol: string): Answer {
  const last = market.lastTrade(symbol);
  // Finnhub answers a symbol it has nothing for with zeros
  if (last === undefined) {
    return { status: 200, body: { c: 0, d: null, dp: null, h: 0, l: 0, o: 0, pc: 0, t: 0 } };
  }
  const pc = last.previousClose;
  const d = pc === null ? null : Math.round((last.price - pc) * 100) / 100;
  return {
    status: 200,
    body: {
      c: last.price,
      d,
      dp: pc === null || d === null ? null : Math.round((d / pc) * 1_000_000) / 10_000,
      h: last.day.high,
      l: last.day.low,
      o: last.day.open,
      pc,
      t: Math.floor(last.ms / 1_000),
    },
  };
}
