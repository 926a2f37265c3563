// Canonical SQL of the tenant reads: bar windows (stored or aggregated from 1m bars), latest
// prices, news, option chains, fundamentals and ingestion cursors. Every statement reads a
// tenant-filtered view of schema mds, so it runs inside a unit of work whose tenant is set.
import type { Bar } from "./bar.ts";
import type { LatestPrice } from "./latest_price.ts";
import type { SchemaMode } from "./migration.ts";
import type { Aggregate } from "./timescale.ts";
import { type Timeframe, timeframeMillis, TIMEFRAMES } from "./timeframes.ts";
import type { SqlQuery } from "./upsert.ts";

/** A validated window of one series' bars; `after` continues a keyset-paginated read. */
export interface BarWindow {
  /** Normalised ticker. */
  readonly symbol: string;
  /** Bar length. */
  readonly timeframe: Timeframe;
  /** First bar open time, inclusive. */
  readonly start: Date;
  /** Last bar open time, exclusive. */
  readonly end: Date;
  /** Only this (normalised) vendor's bars, or `null` for every vendor. */
  readonly vendor: string | null;
  /** Most bars to return. */
  readonly limit: number;
  /** Only bars after this open time and vendor (the last of the previous page), or `null`. */
  readonly after: { readonly ts: Date; readonly vendor: string } | null;
  /** Read the bars as the store knew them at this instant (see {@linkcode versionsKnownAt}). */
  readonly knownAt?: Date | null | undefined;
}

/**
 * The `FROM` and `WHERE` of a read of a view, or, with `knownAt`, of the versions of its rows
 * that were current at that instant: rows of the view written at or before it, and rows of its
 * `_history` view written at or before it and replaced after it. Every version of a row covers
 * `[recorded_at, superseded_at)`, so exactly one version of each row is current at any instant
 * after history began (migration 0013).
 *
 * @param view A tenant view with a history view named `<view>_history`.
 * @param columns The columns the read needs.
 * @param where Conditions on those columns, applied in both branches so the indexes serve them.
 * @param knownAt The placeholder of the instant, e.g. `$9`, or `null` for the current rows.
 * @returns `FROM ... WHERE ...`; the source is aliased `v` when it is the versions.
 *
 * @example
 * ```ts
 * import { versionsKnownAt } from "@mds/sql";
 * import assert from "node:assert/strict";
 *
 * assert.equal(versionsKnownAt("mds.bars", "ts", "symbol = $1", null),
 *   "FROM mds.bars WHERE symbol = $1");
 * assert.match(versionsKnownAt("mds.bars", "ts", "symbol = $1", "$2"),
 *   /FROM mds\.bars_history WHERE symbol = \$1 AND recorded_at <= \$2::timestamptz AND/);
 * ```
 */
export function versionsKnownAt(
  view: string,
  columns: string,
  where: string,
  knownAt: string | null,
): string {
  if (knownAt === null) return `FROM ${view} WHERE ${where}`;
  const t = `${knownAt}::timestamptz`;
  return `FROM (
       SELECT ${columns} FROM ${view} WHERE ${where} AND recorded_at <= ${t}
       UNION ALL
       SELECT ${columns} FROM ${view}_history WHERE ${where} AND recorded_at <= ${t} AND superseded_at > ${t}
     ) v WHERE true`;
}

/** `CASE` expression turning a timeframe column into the length of its bar. */
function timeframeInterval(column: string): string {
  const arms = TIMEFRAMES.map((tf) =>
    `WHEN '${tf}' THEN interval '${timeframeMillis(tf) / 60_000} minutes'`
  );
  return `CASE ${column} ${arms.join(" ")} END`;
}

/**
 * The columns of a window's bars that vary within it: its tenant, symbol and timeframe are the
 * same on every row, so they are not sent (decoding them cost ~12% of a window's read).
 */
const WINDOW_COLUMNS = "ts, vendor, open, high, low, close, volume, vwap, trade_count";

/**
 * A row of {@linkcode buildBarsWindow} or {@linkcode buildAggregateBarsWindow}: a bar without
 * what the window's bars share (aggregated buckets have a `null` vwap and trade count).
 */
export type WindowBarRow = Omit<Bar, "tenant_id" | "symbol" | "timeframe">;

/** What every bar of a window shares. */
export interface WindowIdentity {
  /** The tenant read. */
  tenant: string;
  /** The window's ticker. */
  symbol: string;
  /** The window's timeframe. */
  timeframe: Timeframe;
}

/**
 * The bars of a window's rows, with the tenant, symbol and timeframe they share.
 *
 * @param rows Rows of {@linkcode buildBarsWindow} or {@linkcode buildAggregateBarsWindow}.
 * @param window What the rows share.
 * @returns New bars, in the rows' order, their fields in the order of a stored bar.
 *
 * @example
 * ```ts
 * import { windowBars } from "@mds/sql";
 * import assert from "node:assert/strict";
 *
 * const ts = new Date("2024-01-02T14:30:00Z");
 * const row = { ts, vendor: "v", open: 1, high: 2, low: 1, close: 2, volume: 5, vwap: null,
 *   trade_count: null };
 * const [bar] = windowBars([row], { tenant: "t", symbol: "A", timeframe: "1m" });
 * assert.deepEqual(bar, { tenant_id: "t", symbol: "A", timeframe: "1m", ...row });
 * ```
 */
export function windowBars(rows: readonly WindowBarRow[], window: WindowIdentity): Bar[] {
  const { tenant, symbol, timeframe } = window;
  const bars = new Array<Bar>(rows.length);
  for (let i = 0; i < rows.length; i++) {
    const r = rows[i]!;
    bars[i] = {
      tenant_id: tenant,
      ts: r.ts,
      vendor: r.vendor,
      symbol,
      timeframe,
      open: r.open,
      high: r.high,
      low: r.low,
      close: r.close,
      volume: r.volume,
      vwap: r.vwap,
      trade_count: r.trade_count,
    };
  }
  return bars;
}

const AGGREGATE_OF: Readonly<Partial<Record<Timeframe, Aggregate>>> = {
  "5m": "bars_5m",
  "1h": "bars_1h",
  "1d": "bars_1d",
};

/**
 * The bucket length of each aggregate, spelled as in the plain views of migration 0005 (a test
 * holds the aggregation below to that migration's text).
 */
const BUCKET: Readonly<Record<Aggregate, string>> = {
  bars_5m: "5 minutes",
  bars_1h: "1 hour",
  bars_1d: "1 day",
};

/** Buckets start at a Monday 00:00 UTC, as in migration 0005. */
const BUCKET_ORIGIN = "TIMESTAMPTZ '2000-01-03 00:00:00+00'";

/** Open, high, low, close and volume of a bucket of 1m bars, as in migration 0005. */
const OHLCV = `(array_agg(open ORDER BY ts))[1] AS open, max(high) AS high, min(low) AS low,
              (array_agg(close ORDER BY ts DESC))[1] AS close, sum(volume)::bigint AS volume`;

/**
 * The aggregate of 1m bars that serves a timeframe.
 *
 * @param timeframe A bar timeframe.
 * @returns `bars_5m`, `bars_1h` or `bars_1d` for 5m, 1h and 1d; `null` for the others.
 *
 * @example
 * ```ts
 * import { aggregateOf } from "@mds/sql";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual([aggregateOf("1h"), aggregateOf("15m")], ["bars_1h", null]);
 * ```
 */
export function aggregateOf(timeframe: Timeframe): Aggregate | null {
  return Object.hasOwn(AGGREGATE_OF, timeframe) ? AGGREGATE_OF[timeframe] ?? null : null;
}

/**
 * The stored bars of a window, oldest first (then by vendor), from `mds.bars`, as
 * {@linkcode WindowBarRow}s ({@linkcode windowBars} makes them bars).
 *
 * @param window The validated window.
 * @returns The statement; parameters: symbol, timeframe, start, end, vendor, limit, and the
 * `after` time and vendor (`null` on a first page).
 *
 * @example
 * ```ts
 * import { buildBarsWindow } from "@mds/sql";
 * import assert from "node:assert/strict";
 *
 * const start = new Date("2024-01-02T14:30:00Z");
 * const end = new Date("2024-01-02T15:30:00Z");
 * const q = buildBarsWindow({ symbol: "AAPL", timeframe: "1m", start, end, vendor: null,
 *   limit: 100, after: null });
 * assert.deepEqual(q.params, ["AAPL", "1m", start, end, null, 100, null, null]);
 * assert.match(q.text, /FROM mds\.bars/);
 * ```
 */
export function buildBarsWindow(window: BarWindow): SqlQuery {
  const w = window;
  const knownAt = w.knownAt ?? null;
  const where =
    `symbol = $1 AND timeframe = $2 AND ts >= $3 AND ts < $4 AND ($5::text IS NULL OR vendor = $5)
         AND ($7::timestamptz IS NULL OR (ts, vendor) > ($7::timestamptz, $8::text))`;
  const from = knownAt === null
    ? `FROM mds.bars
       WHERE ${where}`
    : versionsKnownAt("mds.bars", WINDOW_COLUMNS, where, "$9");
  return {
    text: `SELECT ${WINDOW_COLUMNS} ${from}
       ORDER BY ts, vendor LIMIT $6`,
    params: [
      w.symbol,
      w.timeframe,
      w.start,
      w.end,
      w.vendor,
      w.limit,
      w.after?.ts ?? null,
      w.after?.vendor ?? null,
      ...(knownAt === null ? [] : [knownAt]),
    ],
  };
}

/**
 * The bars of a window aggregated from 1m bars, oldest bucket first (then by vendor), as
 * {@linkcode WindowBarRow}s (`vwap` and `trade_count` are null). With TimescaleDB it reads the
 * continuous aggregate's tenant view; without it, it aggregates the window's 1m bars on read
 * with the aggregation of migration 0005's plain views, restricted to the window so the bars
 * index serves it (the plain views would aggregate every bar of the tenant first).
 *
 * @param window The validated window; its timeframe picks the aggregate.
 * @param mode The schema mode of the store.
 * @returns The statement, or `null` when no aggregate serves the timeframe (see
 * {@linkcode aggregateOf}); parameters: symbol, start, end, vendor, limit, and the `after` time
 * and vendor.
 *
 * @example
 * ```ts
 * import { buildAggregateBarsWindow } from "@mds/sql";
 * import assert from "node:assert/strict";
 *
 * const w = { symbol: "AAPL", timeframe: "1h" as const, start: new Date(0), end: new Date(1),
 *   vendor: null, limit: 10, after: null };
 * assert.match(buildAggregateBarsWindow(w, "timescale")!.text, /FROM mds\.bars_1h/);
 * assert.match(buildAggregateBarsWindow(w, "plain")!.text, /date_bin\(INTERVAL '1 hour'/);
 * assert.equal(buildAggregateBarsWindow({ ...w, timeframe: "15m" }, "plain"), null);
 * ```
 */
export function buildAggregateBarsWindow(window: BarWindow, mode: SchemaMode): SqlQuery | null {
  const w = window;
  const aggregate = aggregateOf(w.timeframe);
  if (aggregate === null) return null;
  const select =
    "bucket AS ts, vendor, open, high, low, close, volume, NULL::float8 AS vwap, NULL::bigint AS trade_count";
  const params = [
    w.symbol,
    w.start,
    w.end,
    w.vendor,
    w.limit,
    w.after?.ts ?? null,
    w.after?.vendor ?? null,
  ];
  const knownAt = w.knownAt ?? null;
  if (knownAt !== null) params.push(knownAt);
  const after = "($6::timestamptz IS NULL OR (bucket, vendor) > ($6::timestamptz, $7::text))";
  // As of an instant the continuous aggregates cannot serve (they hold current buckets only):
  // the buckets are computed from the 1m bars known then, as without TimescaleDB.
  if (mode === "timescale" && knownAt === null) {
    return {
      text: `SELECT ${select} FROM mds.${aggregate}
       WHERE symbol = $1 AND bucket >= $2 AND bucket < $3 AND ($4::text IS NULL OR vendor = $4) AND ${after}
       ORDER BY bucket, vendor LIMIT $5`,
      params,
    };
  }
  return {
    text: `SELECT ${select} FROM (
       SELECT date_bin(INTERVAL '${BUCKET[aggregate]}', ts, ${BUCKET_ORIGIN}) AS bucket,
              tenant_id, vendor, symbol,
              ${OHLCV}
       ${
      versionsKnownAt(
        "mds.bars",
        "tenant_id, ts, vendor, symbol, open, high, low, close, volume",
        `symbol = $1 AND timeframe = '1m' AND ts >= $2 AND ts < $3 AND ($4::text IS NULL OR vendor = $4)`,
        knownAt === null ? null : "$8",
      )
    }
       GROUP BY 1, 2, 3, 4
     ) b
     WHERE ${after}
     ORDER BY bucket, vendor LIMIT $5`,
    params,
  };
}

/**
 * A row of {@linkcode buildLatestPrices}: a latest price without its tenant (the same on every
 * row) and `price_timestamp` (the same instant as `as_of`); {@linkcode latestPriceRows} puts
 * them back. Leaving them out saves ~12% of a 500-symbol read.
 */
export type LatestPriceRow = Omit<LatestPrice, "tenant_id" | "price_timestamp">;

/**
 * The latest prices of {@linkcode buildLatestPrices}' rows, with their tenant and
 * `price_timestamp`.
 *
 * @param rows Rows of {@linkcode buildLatestPrices}.
 * @param tenant The tenant read.
 * @returns New latest prices, in the rows' order, their fields in the order of a stored one;
 * `price_timestamp` a `Date` of its own, equal to `as_of`.
 *
 * @example
 * ```ts
 * import { latestPriceRows } from "@mds/sql";
 * import assert from "node:assert/strict";
 *
 * const row = { vendor: "v", symbol: "A", as_of: new Date("2024-01-02T14:31:00Z"), price: 2,
 *   timeframe: "1m" as const, updated_at: new Date("2024-01-02T14:31:05Z") };
 * const [p] = latestPriceRows([row], "t");
 * assert.deepEqual(p, { tenant_id: "t", ...row, price_timestamp: row.as_of });
 * ```
 */
export function latestPriceRows(rows: readonly LatestPriceRow[], tenant: string): LatestPrice[] {
  const prices = new Array<LatestPrice>(rows.length);
  for (let i = 0; i < rows.length; i++) {
    const r = rows[i]!;
    prices[i] = {
      tenant_id: tenant,
      vendor: r.vendor,
      symbol: r.symbol,
      as_of: r.as_of,
      price: r.price,
      price_timestamp: new Date(r.as_of.getTime()),
      timeframe: r.timeframe,
      updated_at: r.updated_at,
    };
  }
  return prices;
}

/**
 * The latest price of each of `symbols`, one row per symbol and vendor, by symbol then vendor,
 * as {@linkcode LatestPriceRow}s ({@linkcode latestPriceRows} makes them latest prices).
 *
 * @param symbols Normalised tickers.
 * @param vendor Only this (normalised) vendor, or `null` for every vendor.
 * @returns The statement; parameters: the tickers (an array) and the vendor.
 *
 * @example
 * ```ts
 * import { buildLatestPrices } from "@mds/sql";
 * import assert from "node:assert/strict";
 *
 * const q = buildLatestPrices(["AAPL", "MSFT"], null);
 * assert.deepEqual(q.params, [["AAPL", "MSFT"], null]);
 * assert.match(q.text, /symbol = ANY\(\$1::text\[\]\)/);
 * ```
 */
export function buildLatestPrices(
  symbols: readonly string[],
  vendor: string | null,
  options: LatestPricesOptions = {},
): SqlQuery {
  const knownAt = options.knownAt ?? null;
  if (knownAt !== null) {
    // The latest_prices upsert (sql/upsert.ts) keeps, per symbol and vendor, the bar with the
    // latest close time, the later open time first on a tie within a batch: the same rule here
    // over the bars known at the instant. updated_at is when that bar's version was written.
    const closeTime = `ts + ${timeframeInterval("timeframe")}`;
    return {
      text:
        `SELECT DISTINCT ON (symbol, vendor) vendor, symbol, ${closeTime} AS as_of, close AS price,
            timeframe, recorded_at AS updated_at
     ${
          versionsKnownAt(
            "mds.bars",
            "tenant_id, ts, vendor, symbol, timeframe, close, recorded_at",
            "symbol = ANY($1::text[]) AND ($2::text IS NULL OR vendor = $2)",
            "$3",
          )
        }
     ORDER BY symbol, vendor, ${closeTime} DESC, ts DESC`,
      params: [[...symbols], vendor, knownAt],
    };
  }
  return {
    text: `SELECT vendor, symbol, as_of, price, timeframe, updated_at FROM mds.latest_prices
     WHERE symbol = ANY($1::text[]) AND ($2::text IS NULL OR vendor = $2)
     ORDER BY symbol, vendor`,
    params: [[...symbols], vendor],
  };
}

/** Options of {@linkcode buildLatestPrices}. */
export interface LatestPricesOptions {
  /**
   * The prices as the store knew them at this instant: computed from the bars known then.
   * @default {null: the current prices}
   */
  readonly knownAt?: Date | null | undefined;
}

/** Which news {@linkcode buildNews} reads; every value already validated. */
export interface NewsFilter {
  /** Only items mentioning this (normalised) ticker, or `null` for all. */
  readonly symbol: string | null;
  /** Only items published at or after this time, or `null` for all. */
  readonly since: Date | null;
  /** Most items. */
  readonly limit: number;
}

/**
 * News items, newest first.
 *
 * @param filter Symbol, time and count.
 * @returns The statement; parameters: symbol, since, limit.
 *
 * @example
 * ```ts
 * import { buildNews } from "@mds/sql";
 * import assert from "node:assert/strict";
 *
 * const q = buildNews({ symbol: "AAPL", since: null, limit: 100 });
 * assert.deepEqual(q.params, ["AAPL", null, 100]);
 * assert.match(q.text, /ORDER BY published_at DESC/);
 * ```
 */
export function buildNews(filter: NewsFilter): SqlQuery {
  return {
    text:
      `SELECT tenant_id, published_at, vendor, id, symbols, title, url, summary, source, sentiment FROM mds.news
     WHERE ($1::text IS NULL OR symbols @> ARRAY[$1::text]) AND ($2::timestamptz IS NULL OR published_at >= $2)
     ORDER BY published_at DESC, vendor, id LIMIT $3`,
    params: [filter.symbol, filter.since, filter.limit],
  };
}

/** Which chain {@linkcode buildOptionChain} reads; every value already validated. */
export interface OptionChainFilter {
  /** Normalised underlying ticker. */
  readonly symbol: string;
  /** Expiry date, `YYYY-MM-DD`. */
  readonly expiry: string;
  /** The chain as known at this time. */
  readonly at: Date;
  /** Only this (normalised) vendor, or `null` for every vendor. */
  readonly vendor: string | null;
  /** Read the snapshots as the store knew them at this instant. @default {null: current} */
  readonly knownAt?: Date | null | undefined;
}

/**
 * The newest snapshot at or before a time of every contract of one expiry, by vendor, type and
 * strike.
 *
 * @param filter Underlying, expiry, time and vendor.
 * @returns The statement; parameters: symbol, expiry, at, vendor.
 *
 * @example
 * ```ts
 * import { buildOptionChain } from "@mds/sql";
 * import assert from "node:assert/strict";
 *
 * const at = new Date("2024-01-02T15:00:00Z");
 * const q = buildOptionChain({ symbol: "SPY", expiry: "2024-01-19", at, vendor: null });
 * assert.deepEqual(q.params, ["SPY", "2024-01-19", at, null]);
 * assert.match(q.text, /DISTINCT ON \(vendor, option_type, strike\)/);
 * ```
 */
export function buildOptionChain(filter: OptionChainFilter): SqlQuery {
  const knownAt = filter.knownAt ?? null;
  const columns =
    `tenant_id, ts, vendor, symbol, expiry, option_type, strike, bid, ask, last, volume,
            open_interest, implied_volatility, delta, gamma, theta, vega, underlying_price,
            computed`;
  const where =
    "symbol = $1 AND expiry = $2::date AND ts <= $3 AND ($4::text IS NULL OR vendor = $4)";
  const from = knownAt === null
    ? `FROM mds.option_snapshots
     WHERE ${where}`
    : versionsKnownAt("mds.option_snapshots", columns, where, "$5");
  return {
    text: `SELECT DISTINCT ON (vendor, option_type, strike)
            ${columns}
     ${from}
     ORDER BY vendor, option_type, strike, ts DESC`,
    params: [
      filter.symbol,
      filter.expiry,
      filter.at,
      filter.vendor,
      ...(knownAt === null ? [] : [knownAt]),
    ],
  };
}

/** Which chains {@linkcode buildOptionChains} reads; every value already validated. */
export interface OptionChainsFilter {
  /** Normalised underlying ticker. */
  readonly symbol: string;
  /** The chains as known at this time. */
  readonly at: Date;
  /** Only this expiry, `YYYY-MM-DD`, or `null` for every expiry not past at `at`. */
  readonly expiry: string | null;
  /** Only this (normalised) vendor, or `null` for every vendor. */
  readonly vendor: string | null;
}

/**
 * The newest snapshot at or before a time of every contract of an underlying whose expiry is
 * not before the UTC date of that time (or of one expiry), by vendor, expiry, type and strike.
 *
 * @param filter Underlying, time, expiry and vendor.
 * @returns The statement; parameters: symbol, at, expiry, vendor.
 *
 * @example
 * ```ts
 * import { buildOptionChains } from "@mds/sql";
 * import assert from "node:assert/strict";
 *
 * const at = new Date("2024-01-02T15:00:00Z");
 * const q = buildOptionChains({ symbol: "SPY", at, expiry: null, vendor: null });
 * assert.deepEqual(q.params, ["SPY", at, null, null]);
 * assert.match(q.text, /DISTINCT ON \(vendor, expiry, option_type, strike\)/);
 * ```
 */
export function buildOptionChains(filter: OptionChainsFilter): SqlQuery {
  return {
    text: `SELECT DISTINCT ON (vendor, expiry, option_type, strike)
            tenant_id, ts, vendor, symbol, expiry, option_type, strike, bid, ask, last, volume,
            open_interest, implied_volatility, delta, gamma, theta, vega, underlying_price,
            computed
     FROM mds.option_snapshots
     WHERE symbol = $1 AND ts <= $2 AND expiry >= ($2::timestamptz AT TIME ZONE 'UTC')::date
       AND ($3::date IS NULL OR expiry = $3::date) AND ($4::text IS NULL OR vendor = $4)
     ORDER BY vendor, expiry, option_type, strike, ts DESC`,
    params: [filter.symbol, filter.at, filter.expiry, filter.vendor],
  };
}

/** Which record {@linkcode buildFundamentalsAsOf} reads; every value already validated. */
export interface FundamentalsFilter {
  /** Normalised ticker. */
  readonly symbol: string;
  /** The newest record at or before this date, `YYYY-MM-DD`. */
  readonly asOf: string;
  /** Only this (normalised) vendor, or `null` for every vendor. */
  readonly vendor: string | null;
  /** Read the records as the store knew them at this instant. @default {null: current} */
  readonly knownAt?: Date | null | undefined;
}

/**
 * The newest fundamentals of a ticker at or before a date, one row per vendor.
 *
 * @param filter Ticker, date and vendor.
 * @returns The statement; parameters: symbol, asOf, vendor.
 *
 * @example
 * ```ts
 * import { buildFundamentalsAsOf } from "@mds/sql";
 * import assert from "node:assert/strict";
 *
 * const q = buildFundamentalsAsOf({ symbol: "AAPL", asOf: "2024-03-31", vendor: "polygon" });
 * assert.deepEqual(q.params, ["AAPL", "2024-03-31", "polygon"]);
 * assert.match(q.text, /asof <= \$2::date/);
 * ```
 */
export function buildFundamentalsAsOf(filter: FundamentalsFilter): SqlQuery {
  const knownAt = filter.knownAt ?? null;
  const columns = `tenant_id, asof, vendor, symbol, market_cap, pe_ratio, eps, revenue,
            net_income, shares_outstanding, dividend_yield, extra, total_assets, total_liabilities`;
  const where = "symbol = $1 AND asof <= $2::date AND ($3::text IS NULL OR vendor = $3)";
  return {
    text: `SELECT DISTINCT ON (vendor) ${columns}
     ${versionsKnownAt("mds.fundamentals", columns, where, knownAt === null ? null : "$4")}
     ORDER BY vendor, asof DESC`,
    params: [
      filter.symbol,
      filter.asOf,
      filter.vendor,
      ...(knownAt === null ? [] : [knownAt]),
    ],
  };
}

/**
 * The tenant's ingestion cursors, by dataset, symbol, vendor and timeframe.
 *
 * @param symbol Only this (normalised) ticker's cursors, or `null` for all.
 * @returns The statement; its one parameter is the symbol.
 *
 * @example
 * ```ts
 * import { buildIngestCursors } from "@mds/sql";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(buildIngestCursors(null).params, [null]);
 * assert.match(buildIngestCursors("AAPL").text, /FROM mds\.ingest_cursors/);
 * ```
 */
export function buildIngestCursors(symbol: string | null): SqlQuery {
  return {
    text: `SELECT dataset, vendor, symbol, timeframe, last_ts, updated_at FROM mds.ingest_cursors
     WHERE ($1::text IS NULL OR symbol = $1) ORDER BY dataset, symbol, vendor, timeframe`,
    params: [symbol],
  };
}
