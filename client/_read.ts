// Read queries of the tenant API. Every read goes through the tenant-filtered views.
import {
  type Bar,
  type Fundamentals,
  isTimeframe,
  type LatestPrice,
  type News,
  normalizeSymbol,
  normalizeVendor,
  type OptionSnap,
  parseCalendarDate,
  parseInstant,
  type SchemaMode,
  type Timeframe,
  timeframeMillis,
  ValidationError,
} from "@mds/sql";
import type { Queryable } from "./backend.ts";

/** Which bars {@linkcode TenantApi.barsWindow} reads. */
export interface BarsWindowQuery {
  /** Ticker. */
  symbol: string;
  /** Bar length. */
  timeframe: Timeframe;
  /** First bar open time, inclusive. */
  start: Date | string | number;
  /** Last bar open time, exclusive. */
  end: Date | string | number;
  /** Only this vendor's bars. @default {all vendors} */
  vendor?: string | undefined;
  /** Most bars to return, from the start. @default {100000} */
  limit?: number | undefined;
}

const BAR_COLUMNS =
  "tenant_id, ts, vendor, symbol, timeframe, open, high, low, close, volume, vwap, trade_count";
const AGGREGATES: Partial<Record<Timeframe, string>> = {
  "5m": "bars_5m",
  "1h": "bars_1h",
  "1d": "bars_1d",
};

/** A validated window; `after` continues a keyset-paginated read. */
export interface Window {
  symbol: string;
  timeframe: Timeframe;
  start: Date;
  end: Date;
  vendor: string | null;
  limit: number;
  after: { ts: Date; vendor: string } | null;
}

/** Where bars of a window come from. */
export type BarSource = "stored" | "aggregate";

/** Validates a window query before any I/O. */
export function windowOf(q: BarsWindowQuery): Window {
  if (!isTimeframe(q.timeframe)) {
    throw new ValidationError({
      kind: "argument",
      field: "timeframe",
      value: q.timeframe,
      reason: "is not a known timeframe",
    });
  }
  const start = parseInstant(q.start, "start");
  const end = parseInstant(q.end, "end");
  if (end.getTime() < start.getTime()) {
    throw new ValidationError({
      kind: "argument",
      field: "end",
      value: q.end,
      reason: "is before start",
    });
  }
  const limit = q.limit ?? 100_000;
  if (!Number.isInteger(limit) || limit < 1) {
    throw new ValidationError({
      kind: "argument",
      field: "limit",
      value: limit,
      reason: "must be a whole number above 0",
    });
  }
  return {
    symbol: normalizeSymbol(q.symbol, "symbol"),
    timeframe: q.timeframe,
    start,
    end,
    vendor: q.vendor === undefined ? null : normalizeVendor(q.vendor, "vendor"),
    limit,
    after: null,
  };
}

/**
 * Bars of one symbol and timeframe over `[start, end)`: the stored bars of that timeframe or,
 * where there are none and the timeframe is 5m, 1h or 1d, bars aggregated from 1m bars. Pass
 * `source` to keep later pages of a paginated read on the source of the first.
 */
export async function barsWindow(
  db: Queryable,
  w: Window,
  mode: SchemaMode,
  source?: BarSource,
): Promise<{ bars: Bar[]; source: BarSource }> {
  const view = AGGREGATES[w.timeframe];
  if (source !== "aggregate") {
    const bars = await db.query<Bar>(
      `SELECT ${BAR_COLUMNS} FROM mds.bars
       WHERE symbol = $1 AND timeframe = $2 AND ts >= $3 AND ts < $4 AND ($5::text IS NULL OR vendor = $5)
         AND ($7::timestamptz IS NULL OR (ts, vendor) > ($7::timestamptz, $8::text))
       ORDER BY ts, vendor LIMIT $6`,
      [
        w.symbol,
        w.timeframe,
        w.start,
        w.end,
        w.vendor,
        w.limit,
        w.after?.ts ?? null,
        w.after?.vendor ?? null,
      ],
    );
    if (source === "stored" || bars.length > 0 || !view) return { bars, source: "stored" };
  }
  return { bars: await aggregatedBars(db, w, view!, mode), source: "aggregate" };
}

async function aggregatedBars(
  db: Queryable,
  w: Window,
  view: string,
  mode: SchemaMode,
): Promise<Bar[]> {
  const select =
    `tenant_id, bucket AS ts, vendor, symbol, '${w.timeframe}' AS timeframe, open, high, low,
                  close, volume, NULL::float8 AS vwap, NULL::bigint AS trade_count`;
  const params = [
    w.symbol,
    w.start,
    w.end,
    w.vendor,
    w.limit,
    w.after?.ts ?? null,
    w.after?.vendor ?? null,
  ];
  const after = "($6::timestamptz IS NULL OR (bucket, vendor) > ($6::timestamptz, $7::text))";
  if (mode === "timescale") {
    return await db.query<Bar>(
      `SELECT ${select} FROM mds.${view}
       WHERE symbol = $1 AND bucket >= $2 AND bucket < $3 AND ($4::text IS NULL OR vendor = $4) AND ${after}
       ORDER BY bucket, vendor LIMIT $5`,
      params,
    );
  }
  // Without TimescaleDB the aggregate views compute on read over every bar of the tenant; the
  // same aggregation restricted to the window by ts uses the bars index instead.
  const minutes = timeframeMillis(w.timeframe) / 60_000;
  return await db.query<Bar>(
    `SELECT ${select} FROM (
       SELECT date_bin(interval '${minutes} minutes', ts, TIMESTAMPTZ '2000-01-03 00:00:00+00') AS bucket,
              tenant_id, vendor, symbol,
              (array_agg(open ORDER BY ts))[1] AS open, max(high) AS high, min(low) AS low,
              (array_agg(close ORDER BY ts DESC))[1] AS close, sum(volume)::bigint AS volume
       FROM mds.bars
       WHERE symbol = $1 AND timeframe = '1m' AND ts >= $2 AND ts < $3 AND ($4::text IS NULL OR vendor = $4)
       GROUP BY 1, 2, 3, 4
     ) b
     WHERE ${after}
     ORDER BY bucket, vendor LIMIT $5`,
    params,
  );
}

/** Latest prices of `symbols`, one per symbol and vendor. */
export async function latestPrices(
  db: Queryable,
  symbols: readonly string[],
  vendor: string | undefined,
): Promise<LatestPrice[]> {
  const list = symbols.map((s, i) => normalizeSymbol(s, `symbols[${i}]`));
  return await db.query<LatestPrice>(
    `SELECT tenant_id, vendor, symbol, as_of, price, timeframe, updated_at FROM mds.latest_prices
     WHERE symbol = ANY($1::text[]) AND ($2::text IS NULL OR vendor = $2)
     ORDER BY symbol, vendor`,
    [list, vendor === undefined ? null : normalizeVendor(vendor, "vendor")],
  );
}

/** Which news {@linkcode TenantApi.news} reads. */
export interface NewsQuery {
  /** Only items that mention this ticker. @default {all} */
  symbol?: string | undefined;
  /** Only items published at or after this time. @default {all} */
  since?: Date | string | number | undefined;
  /** Most items, newest first. @default {100} */
  limit?: number | undefined;
}

/** Newest news first. */
export async function news(db: Queryable, q: NewsQuery): Promise<News[]> {
  const limit = q.limit ?? 100;
  if (!Number.isInteger(limit) || limit < 1 || limit > 100_000) {
    throw new ValidationError({
      kind: "argument",
      field: "limit",
      value: limit,
      reason: "must be a whole number from 1 to 100000",
    });
  }
  return await db.query<News>(
    `SELECT tenant_id, published_at, vendor, id, symbols, title, url, summary, source, sentiment FROM mds.news
     WHERE ($1::text IS NULL OR symbols @> ARRAY[$1::text]) AND ($2::timestamptz IS NULL OR published_at >= $2)
     ORDER BY published_at DESC, vendor, id LIMIT $3`,
    [
      q.symbol === undefined ? null : normalizeSymbol(q.symbol, "symbol"),
      q.since === undefined ? null : parseInstant(q.since, "since"),
      limit,
    ],
  );
}

/** Which chain {@linkcode TenantApi.optionChain} reads. */
export interface OptionChainQuery {
  /** Underlying ticker. */
  symbol: string;
  /** Expiry date, `YYYY-MM-DD`. */
  expiry: string;
  /** The chain as known at this time. @default {now} */
  at?: Date | string | number | undefined;
  /** Only this vendor. @default {all vendors} */
  vendor?: string | undefined;
}

/** The newest snapshot of every contract of one expiry at a time. */
export async function optionChain(db: Queryable, q: OptionChainQuery): Promise<OptionSnap[]> {
  return await db.query<OptionSnap>(
    `SELECT DISTINCT ON (vendor, option_type, strike)
            tenant_id, ts, vendor, symbol, expiry, option_type, strike, bid, ask, last, volume,
            open_interest, implied_volatility, delta, gamma, theta, vega, underlying_price
     FROM mds.option_snapshots
     WHERE symbol = $1 AND expiry = $2::date AND ts <= $3 AND ($4::text IS NULL OR vendor = $4)
     ORDER BY vendor, option_type, strike, ts DESC`,
    [
      normalizeSymbol(q.symbol, "symbol"),
      parseCalendarDate(q.expiry, "expiry"),
      q.at === undefined ? new Date() : parseInstant(q.at, "at"),
      q.vendor === undefined ? null : normalizeVendor(q.vendor, "vendor"),
    ],
  );
}

/** Which record {@linkcode TenantApi.fundamentals} reads. */
export interface FundamentalsQuery {
  /** Ticker. */
  symbol: string;
  /** The newest record at or before this date, `YYYY-MM-DD`. @default {today} */
  asOf?: string | undefined;
  /** Only this vendor. @default {all vendors} */
  vendor?: string | undefined;
}

/** The newest fundamentals at or before a date, one per vendor. */
export async function fundamentals(db: Queryable, q: FundamentalsQuery): Promise<Fundamentals[]> {
  const asOf = parseCalendarDate(q.asOf ?? new Date().toISOString().slice(0, 10), "asOf");
  return await db.query<Fundamentals>(
    `SELECT DISTINCT ON (vendor) tenant_id, asof, vendor, symbol, market_cap, pe_ratio, eps, revenue,
            net_income, shares_outstanding, dividend_yield, extra
     FROM mds.fundamentals WHERE symbol = $1 AND asof <= $2::date AND ($3::text IS NULL OR vendor = $3)
     ORDER BY vendor, asof DESC`,
    [
      normalizeSymbol(q.symbol, "symbol"),
      asOf,
      q.vendor === undefined ? null : normalizeVendor(q.vendor, "vendor"),
    ],
  );
}

/** The newest ingested time of one series. */
export interface IngestCursor {
  /** `bars` or `options`. */
  dataset: string;
  /** Data vendor. */
  vendor: string;
  /** Ticker. */
  symbol: string;
  /** Bar timeframe; empty for options. */
  timeframe: string;
  /** Newest time written. */
  last_ts: Date;
  /** When it last moved. */
  updated_at: Date;
}

/** The tenant's ingestion cursors, optionally of one symbol. */
export async function cursors(db: Queryable, symbol: string | undefined): Promise<IngestCursor[]> {
  return await db.query<IngestCursor>(
    `SELECT dataset, vendor, symbol, timeframe, last_ts, updated_at FROM mds.ingest_cursors
     WHERE ($1::text IS NULL OR symbol = $1) ORDER BY dataset, symbol, vendor, timeframe`,
    [symbol === undefined ? null : normalizeSymbol(symbol, "symbol")],
  );
}
