// A fake Yahoo Finance and Finnhub on 127.0.0.1, answering in the vendors' real JSON formats
// from testing/vendor_fixtures.ts, with a request log and scriptable faults (status codes,
// Retry-After, hangs, malformed bodies). Only tests import this file.
import { Hono } from "hono";
import type { Context } from "hono";
import {
  AAPL_EXPIRIES,
  DAILY,
  type DailyRow,
  FINNHUB_CHAIN,
  minuteRows,
  yahooOptionGroup,
} from "./vendor_fixtures.ts";

/** The two vendors. */
export type Vendor = "yahoo" | "finnhub";

/** One request the fake received. */
export interface LoggedRequest {
  vendor: Vendor;
  /** `chart`, `options`, `candle`, `quote` or `option-chain`. */
  endpoint: string;
  symbol: string;
  params: Record<string, string>;
  /** Whether Finnhub's token header was present and right. */
  authorized: boolean;
  /** Arrival time, `performance.now()` milliseconds. */
  at: number;
  /** The status answered; 0 while hanging or when the client went away. */
  status: number;
}

/** A scripted misbehaviour, applied to the next `times` matching requests. */
export interface Fault {
  vendor: Vendor;
  /** Only this endpoint. @default {every endpoint} */
  endpoint?: string;
  /** Requests it applies to. @default {1} */
  times?: number;
  /** Answer with this status and body (JSON unless `raw`). */
  status?: number;
  body?: unknown;
  /** A body sent verbatim, e.g. broken JSON. */
  raw?: string;
  headers?: Record<string, string>;
  /** Never answer (until the server closes). */
  hang?: boolean;
}

/** A running fake vendor server. */
export interface FakeVendors extends AsyncDisposable {
  /** `http://127.0.0.1:<port>/yahoo`. */
  readonly yahooBaseUrl: string;
  /** `http://127.0.0.1:<port>/finnhub/api/v1`. */
  readonly finnhubBaseUrl: string;
  /** Every request so far, in arrival order. */
  readonly log: LoggedRequest[];
  /** The Finnhub token it accepts. */
  readonly finnhubToken: string;
  /** Scripts a fault; faults apply in the order added. */
  fault(fault: Fault): void;
  /** The requests of one vendor (and endpoint). */
  requests(vendor: Vendor, endpoint?: string): LoggedRequest[];
  /** Stops the server, releasing hanging requests. */
  close(): Promise<void>;
}

const HANG_LIMIT_MS = 30_000;

/**
 * Starts the fake on 127.0.0.1 and a free port.
 *
 * @param finnhubToken The token Finnhub accepts.
 * @returns The server; `await using` closes it.
 */
export function startFakeVendors(finnhubToken = "test-finnhub-token"): FakeVendors {
  const log: LoggedRequest[] = [];
  const faults: Array<Required<Pick<Fault, "times">> & Fault> = [];
  const closing = new AbortController();
  const app = new Hono();

  const record = (c: Context, vendor: Vendor, endpoint: string, symbol: string) => {
    const entry: LoggedRequest = {
      vendor,
      endpoint,
      symbol,
      params: c.req.query(),
      authorized: c.req.header("x-finnhub-token") === finnhubToken,
      at: performance.now(),
      status: 0,
    };
    log.push(entry);
    return entry;
  };

  const faultFor = (vendor: Vendor, endpoint: string) => {
    const i = faults.findIndex((f) =>
      f.vendor === vendor && (f.endpoint === undefined || f.endpoint === endpoint)
    );
    if (i < 0) return undefined;
    const f = faults[i]!;
    if (--f.times <= 0) faults.splice(i, 1);
    return f;
  };

  /** Answers with the scripted fault, or with `normal()`. */
  const answer = async (
    c: Context,
    entry: LoggedRequest,
    normal: () => { status: number; body: unknown },
  ): Promise<Response> => {
    const fault = faultFor(entry.vendor, entry.endpoint);
    if (fault?.hang) {
      await hang(closing.signal);
      return new Response(null, { status: 504 });
    }
    if (fault !== undefined) {
      entry.status = fault.status ?? 200;
      const body = fault.raw ?? JSON.stringify(fault.body ?? {});
      return new Response(body, {
        status: entry.status,
        headers: { "content-type": "application/json", ...fault.headers },
      });
    }
    const { status, body } = normal();
    entry.status = status;
    return c.json(body as object, status as 200);
  };

  app.get("/yahoo/v8/finance/chart/:symbol", (c) => {
    const symbol = c.req.param("symbol");
    const entry = record(c, "yahoo", "chart", symbol);
    return answer(c, entry, () => yahooChart(symbol, c.req.query()));
  });
  app.get("/yahoo/v7/finance/options/:symbol", (c) => {
    const symbol = c.req.param("symbol");
    const entry = record(c, "yahoo", "options", symbol);
    return answer(c, entry, () => yahooOptions(symbol, c.req.query("date")));
  });
  const finnhub =
    (endpoint: string, build: (q: Record<string, string>) => unknown) => (c: Context) => {
      const symbol = c.req.query("symbol") ?? "";
      const entry = record(c, "finnhub", endpoint, symbol);
      if (!entry.authorized) {
        entry.status = 401;
        return c.json({ error: "Invalid API key." }, 401);
      }
      return answer(c, entry, () => ({ status: 200, body: build(c.req.query()) }));
    };
  app.get("/finnhub/api/v1/stock/candle", finnhub("candle", finnhubCandle));
  app.get("/finnhub/api/v1/quote", finnhub("quote", finnhubQuote));
  app.get(
    "/finnhub/api/v1/stock/option-chain",
    finnhub(
      "option-chain",
      (q) => q.symbol === "AAPL" ? FINNHUB_CHAIN : { code: "", exchange: "", data: [] },
    ),
  );

  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen: () => {} },
    app.fetch,
  );
  const base = `http://127.0.0.1:${server.addr.port}`;
  let closed: Promise<void> | undefined;
  const close = () => {
    closed ??= (async () => {
      closing.abort();
      await server.shutdown();
    })();
    return closed;
  };
  return {
    yahooBaseUrl: `${base}/yahoo`,
    finnhubBaseUrl: `${base}/finnhub/api/v1`,
    log,
    finnhubToken,
    fault(f) {
      faults.push({ ...f, times: f.times ?? 1 });
    },
    requests(vendor, endpoint) {
      return log.filter((r) =>
        r.vendor === vendor && (endpoint === undefined || r.endpoint === endpoint)
      );
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

const NOT_FOUND = {
  status: 404,
  body: {
    chart: {
      result: null,
      error: { code: "Not Found", description: "No data found, symbol may be delisted" },
    },
  },
};

/** Bar length in seconds of Yahoo's intraday intervals; sessions start on the half hour. */
const INTRADAY: Record<string, number> = {
  "1m": 60,
  "5m": 300,
  "15m": 900,
  "30m": 1_800,
  "60m": 3_600,
};

function rowsFor(symbol: string, interval: string, p1: number, p2: number): DailyRow[] {
  const step = INTRADAY[interval];
  if (step !== undefined) return minuteRows(p1, p2).filter((r) => (r.t - 1_800) % step === 0);
  return DAILY[symbol]?.rows.filter((r) => r.t >= p1 && r.t < p2) ?? [];
}

function yahooChart(symbol: string, q: Record<string, string>): { status: number; body: unknown } {
  const data = DAILY[symbol];
  if (data === undefined) return NOT_FOUND;
  let p1: number, p2: number, interval: string;
  if (q.range !== undefined) {
    const last = data.rows.at(-1)!;
    [p1, p2, interval] = [last.t, last.t + 86_400, q.interval ?? "1d"];
  } else {
    [p1, p2, interval] = [Number(q.period1), Number(q.period2), q.interval ?? "1d"];
  }
  const rows = rowsFor(symbol, interval, p1, p2);
  const last = data.rows.findLast((r) => r.l !== null && r.o !== null)!;
  const meta = {
    currency: data.currency,
    symbol,
    exchangeName: data.exchangeName,
    fullExchangeName: "NasdaqGS",
    instrumentType: "EQUITY",
    firstTradeDate: 345479400,
    regularMarketTime: last.t + 23_400,
    hasPrePostMarketData: true,
    gmtoffset: data.gmtoffset,
    timezone: data.timezone,
    exchangeTimezoneName: data.exchangeTimezoneName,
    regularMarketPrice: last.c,
    regularMarketDayHigh: last.h,
    regularMarketDayLow: last.l,
    regularMarketVolume: last.v,
    chartPreviousClose: data.rows.at(-2)?.c,
    priceHint: 2,
    dataGranularity: interval,
    range: q.range ?? "",
    validRanges: ["1d", "5d", "1mo", "3mo", "6mo", "1y", "2y", "5y", "10y", "ytd", "max"],
  };
  const inRange = (t: number) => t >= p1 && t < p2;
  const events: Record<string, unknown> = {};
  const splits = data.splits.filter((s) => inRange(s.date));
  const dividends = data.dividends.filter((d) => inRange(d.date));
  if (splits.length > 0) events.splits = Object.fromEntries(splits.map((s) => [String(s.date), s]));
  if (dividends.length > 0) {
    events.dividends = Object.fromEntries(dividends.map((d) => [String(d.date), d]));
  }
  // Yahoo leaves out `timestamp` and sends empty indicator objects for an empty range
  const result = rows.length === 0 ? { meta, indicators: { quote: [{}], adjclose: [{}] } } : {
    meta,
    timestamp: rows.map((r) => r.t),
    ...(Object.keys(events).length > 0 ? { events } : {}),
    indicators: {
      quote: [{
        open: rows.map((r) => r.o),
        high: rows.map((r) => r.h),
        low: rows.map((r) => r.l),
        close: rows.map((r) => r.c),
        volume: rows.map((r) => r.v),
      }],
      ...(interval === "1d" || interval === "1wk"
        ? { adjclose: [{ adjclose: rows.map((r) => r.adj) }] }
        : {}),
    },
  };
  return { status: 200, body: { chart: { result: [result], error: null } } };
}

function yahooOptions(symbol: string, date: string | undefined): { status: number; body: unknown } {
  if (symbol !== "AAPL") {
    return { status: 200, body: { optionChain: { result: [], error: null } } };
  }
  const expiry = date === undefined ? AAPL_EXPIRIES[0]! : Number(date);
  const known = AAPL_EXPIRIES.includes(expiry);
  return {
    status: 200,
    body: {
      optionChain: {
        result: [{
          underlyingSymbol: "AAPL",
          expirationDates: AAPL_EXPIRIES,
          strikes: [180, 185, 190],
          hasMiniOptions: false,
          quote: {
            language: "en-US",
            region: "US",
            quoteType: "EQUITY",
            currency: "USD",
            regularMarketPrice: 185.64,
            regularMarketTime: 1704229200,
            symbol: "AAPL",
          },
          options: known ? [yahooOptionGroup(expiry)] : [],
        }],
        error: null,
      },
    },
  };
}

const RESOLUTION_SECONDS: Record<string, number> = {
  "1": 60,
  "5": 300,
  "15": 900,
  "30": 1_800,
  "60": 3_600,
};

function finnhubCandle(q: Record<string, string>): unknown {
  const data = DAILY[q.symbol ?? ""];
  if (data === undefined) return { s: "no_data" };
  const from = Number(q.from), to = Number(q.to);
  let rows: DailyRow[];
  if (q.resolution === "D") {
    // Finnhub stamps daily candles at 00:00 UTC of the trading date
    rows = data.rows.map((r) => ({ ...r, t: Math.floor(r.t / 86_400) * 86_400 }))
      .filter((r) => r.t >= from && r.t <= to && r.o !== null && r.l !== null);
  } else {
    const step = RESOLUTION_SECONDS[q.resolution ?? ""] ?? 60;
    rows = minuteRows(from, to + 1).filter((r) => (r.t - 1_800) % step === 0);
  }
  if (rows.length === 0) return { s: "no_data" };
  return {
    c: rows.map((r) => r.c),
    h: rows.map((r) => r.h),
    l: rows.map((r) => r.l),
    o: rows.map((r) => r.o),
    s: "ok",
    t: rows.map((r) => r.t),
    v: rows.map((r) => r.v),
  };
}

function finnhubQuote(q: Record<string, string>): unknown {
  const data = DAILY[q.symbol ?? ""];
  // Finnhub answers an unknown symbol with zeros
  if (data === undefined) return { c: 0, d: null, dp: null, h: 0, l: 0, o: 0, pc: 0, t: 0 };
  const [prev, last] = [data.rows.at(-2)!, data.rows.at(-1)!];
  const d = Math.round((last.c! - prev.c!) * 100) / 100;
  return {
    c: last.c,
    d,
    dp: Math.round((d / prev.c!) * 10_000) / 100,
    h: last.h,
    l: last.l,
    o: last.o,
    pc: prev.c,
    t: last.t + 23_400,
  };
}
