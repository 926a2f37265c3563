import type { Bar } from "./bar.ts";
import type { Fundamentals } from "./fundamentals.ts";
import type { News } from "./news.ts";
import type { OptionSnap } from "./option_snap.ts";
import type { Quote } from "./quote.ts";

/** PostgreSQL types used by the stored columns. */
export const COLUMN_TYPES = [
  "timestamptz",
  "date",
  "text",
  "uuid",
  "float8",
  "int8",
  "text[]",
  "jsonb",
] as const;
/** One of {@linkcode COLUMN_TYPES}. */
export type ColumnType = typeof COLUMN_TYPES[number];

/** One stored column. */
export interface ColumnSpec {
  /** Column name, also the field name of the model. */
  readonly name: string;
  /** PostgreSQL type. */
  readonly type: ColumnType;
}

/** The kinds of rows mds ingests. */
export const ROW_KINDS = ["bars", "fundamentals", "news", "options", "quotes"] as const;
/** One of {@linkcode ROW_KINDS}. */
export type RowKind = typeof ROW_KINDS[number];

/** Row type of each {@linkcode RowKind}. */
export interface RowOf {
  /** OHLCV bars. */
  bars: Bar;
  /** Fundamentals. */
  fundamentals: Fundamentals;
  /** News items. */
  news: News;
  /** Option snapshots. */
  options: OptionSnap;
  /** Level-1 quotes. */
  quotes: Quote;
}

/** Everything the SQL builders need to know about one ingestible table. */
export interface TableSpec {
  /** Row kind. */
  readonly kind: RowKind;
  /** Tenant-filtered view that applications write through. */
  readonly view: string;
  /** Base table in the private schema. */
  readonly table: string;
  /** Every column, `tenant_id` first. */
  readonly columns: readonly ColumnSpec[];
  /** Primary key, time first: the `ON CONFLICT` target. */
  readonly key: readonly string[];
  /** The time column. */
  readonly time: string;
  /**
   * Columns naming one series, whose newest time the ingestion cursors track (bars also keep
   * `latest_prices`); absent for kinds without cursors.
   */
  readonly series?: readonly string[];
}

const c = (name: string, type: ColumnType): ColumnSpec => ({ name, type });

/**
 * The ingestible tables, by kind.
 *
 * @example
 * ```ts
 * import { TABLES } from "@mds/sql";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(TABLES.bars.key, ["ts", "tenant_id", "vendor", "symbol", "timeframe"]);
 * ```
 */
export const TABLES: Readonly<Record<RowKind, TableSpec>> = {
  bars: {
    kind: "bars",
    view: "mds.bars",
    table: "mds_core.bars",
    time: "ts",
    series: ["tenant_id", "vendor", "symbol", "timeframe"],
    key: ["ts", "tenant_id", "vendor", "symbol", "timeframe"],
    columns: [
      c("tenant_id", "uuid"),
      c("ts", "timestamptz"),
      c("vendor", "text"),
      c("symbol", "text"),
      c("timeframe", "text"),
      c("open", "float8"),
      c("high", "float8"),
      c("low", "float8"),
      c("close", "float8"),
      c("volume", "int8"),
      c("vwap", "float8"),
      c("trade_count", "int8"),
    ],
  },
  fundamentals: {
    kind: "fundamentals",
    view: "mds.fundamentals",
    table: "mds_core.fundamentals",
    time: "asof",
    key: ["asof", "tenant_id", "vendor", "symbol"],
    columns: [
      c("tenant_id", "uuid"),
      c("asof", "date"),
      c("vendor", "text"),
      c("symbol", "text"),
      c("market_cap", "float8"),
      c("pe_ratio", "float8"),
      c("eps", "float8"),
      c("revenue", "float8"),
      c("net_income", "float8"),
      c("shares_outstanding", "int8"),
      c("dividend_yield", "float8"),
      c("extra", "jsonb"),
      c("total_assets", "float8"),
      c("total_liabilities", "float8"),
    ],
  },
  news: {
    kind: "news",
    view: "mds.news",
    table: "mds_core.news",
    time: "published_at",
    key: ["published_at", "tenant_id", "vendor", "id"],
    columns: [
      c("tenant_id", "uuid"),
      c("published_at", "timestamptz"),
      c("vendor", "text"),
      c("id", "text"),
      c("symbols", "text[]"),
      c("title", "text"),
      c("url", "text"),
      c("summary", "text"),
      c("source", "text"),
      c("sentiment", "float8"),
    ],
  },
  options: {
    kind: "options",
    view: "mds.option_snapshots",
    table: "mds_core.option_snapshots",
    time: "ts",
    series: ["tenant_id", "vendor", "symbol"],
    key: ["ts", "tenant_id", "vendor", "symbol", "expiry", "option_type", "strike"],
    columns: [
      c("tenant_id", "uuid"),
      c("ts", "timestamptz"),
      c("vendor", "text"),
      c("symbol", "text"),
      c("expiry", "date"),
      c("option_type", "text"),
      c("strike", "float8"),
      c("bid", "float8"),
      c("ask", "float8"),
      c("last", "float8"),
      c("volume", "int8"),
      c("open_interest", "int8"),
      c("implied_volatility", "float8"),
      c("delta", "float8"),
      c("gamma", "float8"),
      c("theta", "float8"),
      c("vega", "float8"),
      c("underlying_price", "float8"),
      c("computed", "text[]"),
    ],
  },
  // No cursors: quotes are a live stream, never backfilled, and the most frequent kind.
  quotes: {
    kind: "quotes",
    view: "mds.quotes_l1",
    table: "mds_core.quotes_l1",
    time: "ts",
    key: ["ts", "tenant_id", "vendor", "symbol"],
    columns: [
      c("tenant_id", "uuid"),
      c("ts", "timestamptz"),
      c("vendor", "text"),
      c("symbol", "text"),
      c("bid", "float8"),
      c("ask", "float8"),
      c("last", "float8"),
      c("bid_size", "int8"),
      c("ask_size", "int8"),
    ],
  },
};

/** The base tables of the private schema. */
export const BASE_TABLE_NAMES = [
  "bars",
  "fundamentals",
  "news",
  "option_snapshots",
  "quotes_l1",
  "latest_prices",
  "ingest_cursors",
  "jobs",
  "schema_migrations",
] as const;
/** One of {@linkcode BASE_TABLE_NAMES}. */
export type BaseTableName = typeof BASE_TABLE_NAMES[number];

/**
 * The schema-qualified name of each base table, for the few tools that must address the private
 * schema directly (the benchmarks' raw baselines) without writing its name themselves.
 *
 * @example
 * ```ts
 * import { BASE_TABLES } from "@mds/sql";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(BASE_TABLES.latest_prices.endsWith(".latest_prices"), true);
 * ```
 */
export const BASE_TABLES: Readonly<Record<BaseTableName, string>> = Object.fromEntries(
  BASE_TABLE_NAMES.map((t) => [t, `mds_core.${t}`]),
) as Record<BaseTableName, string>;
