// The read routes of the market-data API, each in the scope of the caller's key: latest prices,
// bar history (JSON pages with a cursor, or NDJSON streamed in constant memory), one session of
// intraday bars, a batch of prices, an option chain.
import type { MdsClient } from "@mds/client";
import { CALENDAR_NAMES, type CalendarName, tradingCalendar } from "@mds/client/calendar";
import { type Bar, TIMEFRAMES } from "@mds/sql";
import type { Context, Hono } from "hono";
import { z } from "zod";
import { ApiHttpError, type KeyScope, parseWith } from "./_api_http.ts";

/** Most bars one JSON page holds; NDJSON streams any number. */
export const MAX_PAGE_BARS = 10_000;
/** Most symbols of `POST /stocks/batch`. */
export const MAX_BATCH_SYMBOLS = 1_000;
const DAY = 86_400_000;

type Env = { Variables: { scope: KeyScope } };

const instant = z.string().refine(
  (s) => !Number.isNaN(Date.parse(s)) && /[zZ]|[+-]\d\d:?\d\d$/.test(s),
  {
    message: "must be an ISO 8601 time with a zone",
  },
).transform((s) => new Date(s));

const historyQuery = z.object({
  timeframe: z.enum(TIMEFRAMES).default("1d"),
  start: instant,
  end: instant.optional(),
  vendor: z.string().min(1).max(64).optional(),
  limit: z.string().regex(/^\d{1,6}$/, "must be a whole number").transform(Number)
    .pipe(z.number().min(1).max(MAX_PAGE_BARS)).optional(),
  as_of: instant.optional(),
}).strict();

const intradayQuery = z.object({
  timeframe: z.enum(TIMEFRAMES).default("1m"),
  date: z.string().regex(/^\d{4}-\d{2}-\d{2}$/, "must be a date YYYY-MM-DD"),
  calendar: z.enum(CALENDAR_NAMES).default("nyse"),
  vendor: z.string().min(1).max(64).optional(),
  as_of: instant.optional(),
}).strict();

// as_of: answer as the store knew it at that instant (point-in-time read, #18)
const priceQuery = z.object({
  vendor: z.string().min(1).max(64).optional(),
  as_of: instant.optional(),
}).strict();

const batchBody = z.object({
  symbols: z.array(z.string().min(1).max(64)).min(1).max(MAX_BATCH_SYMBOLS),
  vendor: z.string().min(1).max(64).optional(),
}).strict();

const chainQuery = z.object({
  expiry: z.string().regex(/^\d{4}-\d{2}-\d{2}$/, "must be a date YYYY-MM-DD"),
  at: instant.optional(),
  vendor: z.string().min(1).max(64).optional(),
  as_of: instant.optional(),
}).strict();

/** A bar as the API answers it. */
function barJson(b: Bar) {
  return {
    ts: b.ts.toISOString(),
    vendor: b.vendor,
    symbol: b.symbol,
    timeframe: b.timeframe,
    open: b.open,
    high: b.high,
    low: b.low,
    close: b.close,
    volume: b.volume,
    vwap: b.vwap,
    trade_count: b.trade_count,
  };
}

async function etagOf(text: string): Promise<string> {
  const digest = new Uint8Array(
    await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text)),
  );
  return `"${[...digest.slice(0, 12)].map((b) => b.toString(16).padStart(2, "0")).join("")}"`;
}

function wantsNdjson(c: Context): boolean {
  return (c.req.header("accept") ?? "").includes("application/x-ndjson");
}

/** Answers bars as one JSON page (ETag, cache for closed past ranges) or as NDJSON. */
async function answerBars(
  c: Context<Env>,
  client: MdsClient,
  query: {
    symbol: string;
    timeframe: (typeof TIMEFRAMES)[number];
    start: Date;
    end: Date;
    vendor?: string | undefined;
    knownAt?: Date | undefined;
  },
  limit: number,
): Promise<Response> {
  const api = client.tenant(c.get("scope").tenant);
  if (wantsNdjson(c)) {
    const encoder = new TextEncoder();
    const pages = api.iterateBars({ ...query }, { pageRows: 5_000 });
    const body = new ReadableStream<Uint8Array>({
      async pull(controller) {
        const next = await pages.next();
        if (next.done) return controller.close();
        controller.enqueue(
          encoder.encode(next.value.map((b) => JSON.stringify(barJson(b))).join("\n") + "\n"),
        );
      },
      async cancel() {
        await pages.return(undefined);
      },
    });
    return new Response(body, { headers: { "content-type": "application/x-ndjson" } });
  }
  const bars = await api.barsWindow({ ...query, limit: limit + 1 });
  const page = bars.slice(0, limit);
  const more = bars.length > limit;
  const text = JSON.stringify({
    symbol: query.symbol.toUpperCase(),
    timeframe: query.timeframe,
    start: query.start.toISOString(),
    end: query.end.toISOString(),
    bars: page.map(barJson),
    // the next page starts just after the last bar of this one
    next: more ? new Date(page[page.length - 1]!.ts.getTime() + 1).toISOString() : null,
  });
  const etag = await etagOf(text);
  const closed = query.end.getTime() < Date.now() - DAY;
  c.header("ETag", etag);
  c.header("Cache-Control", closed ? "private, max-age=300" : "no-cache");
  if (c.req.header("if-none-match") === etag) return c.body(null, 304);
  return c.body(text, 200, { "content-type": "application/json" });
}

/**
 * Registers `GET /stocks/:symbol/price`, `GET /stocks/:symbol/history`,
 * `GET /stocks/:symbol/intraday`, `POST /stocks/batch` and `GET /options/:symbol/chain`.
 * The key middleware must run before them.
 */
export function marketRoutes(app: Hono<Env>, client: MdsClient): void {
  app.get("/stocks/:symbol/price", async (c) => {
    const q = parseWith(priceQuery, c.req.query());
    const symbol = c.req.param("symbol");
    const [p] = await client.tenant(c.get("scope").tenant).latestPrices([symbol], {
      vendor: q.vendor,
      knownAt: q.as_of,
    });
    if (p === undefined) {
      throw new ApiHttpError(404, "MDS_NOT_FOUND", `No price for "${symbol.toUpperCase()}"`);
    }
    return c.json({
      symbol: p.symbol,
      price: p.price,
      as_of: p.as_of.toISOString(),
      vendor: p.vendor,
      timeframe: p.timeframe,
    });
  });

  app.get("/stocks/:symbol/history", async (c) => {
    const q = parseWith(historyQuery, c.req.query());
    const end = q.end ?? new Date();
    if (end.getTime() <= q.start.getTime()) {
      throw new ApiHttpError(400, "MDS_VALIDATION", 'Invalid query: "end" must be after "start"', [
        { field: "end", reason: "must be after start" },
      ]);
    }
    return await answerBars(c, client, {
      symbol: c.req.param("symbol"),
      timeframe: q.timeframe,
      start: q.start,
      end,
      vendor: q.vendor,
      knownAt: q.as_of,
    }, q.limit ?? MAX_PAGE_BARS);
  });

  app.get("/stocks/:symbol/intraday", async (c) => {
    const q = parseWith(intradayQuery, c.req.query());
    const day = Date.parse(`${q.date}T00:00:00Z`);
    const session = [
      ...tradingCalendar(q.calendar as CalendarName).sessions(
        new Date(day - DAY / 2),
        new Date(day + 1.5 * DAY),
      ),
    ].find((s) => (s.date ?? s.open.toISOString().slice(0, 10)) === q.date);
    if (session === undefined) {
      throw new ApiHttpError(404, "MDS_NOT_FOUND", `No ${q.calendar} session on ${q.date}`);
    }
    return await answerBars(c, client, {
      symbol: c.req.param("symbol"),
      timeframe: q.timeframe,
      start: session.open,
      end: session.close,
      vendor: q.vendor,
      knownAt: q.as_of,
    }, MAX_PAGE_BARS);
  });

  app.post("/stocks/batch", async (c) => {
    let body: unknown;
    try {
      body = await c.req.json();
    } catch {
      throw new ApiHttpError(400, "MDS_VALIDATION", "Invalid body: expected JSON");
    }
    const q = parseWith(batchBody, body, "body");
    const prices = await client.tenant(c.get("scope").tenant).latestPrices(q.symbols, {
      vendor: q.vendor,
    });
    const found = new Set(prices.map((p) => p.symbol));
    return c.json({
      prices: prices.map((p) => ({
        symbol: p.symbol,
        price: p.price,
        as_of: p.as_of.toISOString(),
        vendor: p.vendor,
        timeframe: p.timeframe,
      })),
      missing: [...new Set(q.symbols.map((s) => s.trim().toUpperCase()))].filter((s) =>
        !found.has(s)
      ),
    });
  });

  app.get("/options/:symbol/chain", async (c) => {
    const q = parseWith(chainQuery, c.req.query());
    const snaps = await client.tenant(c.get("scope").tenant).optionChain({
      symbol: c.req.param("symbol"),
      expiry: q.expiry,
      at: q.at,
      vendor: q.vendor,
      knownAt: q.as_of,
    });
    return c.json({
      symbol: c.req.param("symbol").toUpperCase(),
      expiry: q.expiry,
      contracts: snaps.map((s) => ({ ...s, ts: s.ts.toISOString() })),
    });
  });
}
