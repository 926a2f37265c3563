// Read queries of the tenant API. Every read goes through the tenant-filtered views.
import {
  type Bar,
  buildAggregateBarsWindow,
  buildBarsWindow,
  buildFundamentalsAsOf,
  buildIngestCursors,
  buildLatestPrices,
  buildLatestQuotes,
  buildNews,
  buildOptionChain,
  buildOptionChains,
  type Fundamentals,
  isTimeframe,
  type LatestPrice,
  type LatestPriceRow,
  latestPriceRows,
  type News,
  normalizeSymbol,
  normalizeVendor,
  type OptionSnap,
  parseCalendarDate,
  parseInstant,
  type Quote,
  type SchemaMode,
  type Timeframe,
  ValidationError,
  type WindowBarRow,
  windowBars,
} from "@mds/sql";
import type { Queryable } from "./backend.ts";
import { listLimit } from "./_list_limit.ts";
import { checkKnownAt, knownAtOf } from "./_history.ts";
import type {
  BarsWindowQuery,
  FundamentalsQuery,
  IngestCursor,
  NewsQuery,
  OptionChainQuery,
  OptionChainsQuery,
} from "./read_types.ts";

/** A validated window; `after` continues a keyset-paginated read. */
export interface Window {
  symbol: string;
  timeframe: Timeframe;
  start: Date;
  end: Date;
  vendor: string | null;
  limit: number;
  after: { ts: Date; vendor: string } | null;
  knownAt: Date | null;
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
    knownAt: knownAtOf(q.knownAt),
  };
}

/**
 * Bars of one symbol and timeframe over `[start, end)`: the stored bars of that timeframe or,
 * where there are none and the timeframe is 5m, 1h or 1d, bars aggregated from 1m bars. Pass
 * `source` to keep later pages of a paginated read on the source of the first.
 */
export async function barsWindow(
  db: Queryable,
  tenant: string,
  w: Window,
  mode: SchemaMode,
  source?: BarSource,
): Promise<{ bars: Bar[]; source: BarSource }> {
  // Without TimescaleDB the aggregate statement aggregates the window's 1m bars on read (the
  // plain views of migration 0005 would aggregate every bar of the tenant first).
  if (w.knownAt !== null) await checkKnownAt(db, w.knownAt);
  const identity = { tenant, symbol: w.symbol, timeframe: w.timeframe };
  const aggregate = buildAggregateBarsWindow(w, mode);
  if (source !== "aggregate" || aggregate === null) {
    const stored = buildBarsWindow(w);
    const rows = await db.query<WindowBarRow>(stored.text, stored.params);
    if (source === "stored" || rows.length > 0 || aggregate === null) {
      return { bars: windowBars(rows, identity), source: "stored" };
    }
  }
  const rows = await db.query<WindowBarRow>(aggregate.text, aggregate.params);
  return { bars: windowBars(rows, identity), source: "aggregate" };
}

/** Latest prices of `symbols`, one per symbol and vendor. */
export async function latestPrices(
  db: Queryable,
  tenant: string,
  symbols: readonly string[],
  vendor: string | undefined,
  knownAt: Date | null = null,
): Promise<LatestPrice[]> {
  const list = symbols.map((s, i) => normalizeSymbol(s, `symbols[${i}]`));
  const query = buildLatestPrices(
    list,
    vendor === undefined ? null : normalizeVendor(vendor, "vendor"),
    { knownAt },
  );
  if (knownAt !== null) await checkKnownAt(db, knownAt);
  return latestPriceRows(await db.query<LatestPriceRow>(query.text, query.params), tenant);
}

/** The newest quote of each of `symbols`, one per symbol. */
export async function latestQuotes(
  db: Queryable,
  symbols: readonly string[],
  vendor: string | undefined,
): Promise<Quote[]> {
  const list = symbols.map((s, i) => normalizeSymbol(s, `symbols[${i}]`));
  const query = buildLatestQuotes(
    list,
    vendor === undefined ? null : normalizeVendor(vendor, "vendor"),
  );
  return await db.query<Quote>(query.text, query.params);
}

/** Newest news first. */
export async function news(db: Queryable, q: NewsQuery): Promise<News[]> {
  const limit = listLimit(q.limit, 100);
  const query = buildNews({
    symbol: q.symbol === undefined ? null : normalizeSymbol(q.symbol, "symbol"),
    since: q.since === undefined ? null : parseInstant(q.since, "since"),
    limit,
  });
  return await db.query<News>(query.text, query.params);
}

/** The newest snapshot of every contract of one expiry at a time. */
export async function optionChain(db: Queryable, q: OptionChainQuery): Promise<OptionSnap[]> {
  const query = buildOptionChain({
    symbol: normalizeSymbol(q.symbol, "symbol"),
    expiry: parseCalendarDate(q.expiry, "expiry"),
    at: q.at === undefined ? new Date() : parseInstant(q.at, "at"),
    vendor: q.vendor === undefined ? null : normalizeVendor(q.vendor, "vendor"),
    knownAt: knownAtOf(q.knownAt),
  });
  if (q.knownAt !== undefined) await checkKnownAt(db, query.params[4] as Date);
  return await db.query<OptionSnap>(query.text, query.params);
}

/** The newest snapshot of every contract of every live expiry (or one) at a time. */
export async function optionChains(db: Queryable, q: OptionChainsQuery): Promise<OptionSnap[]> {
  const query = buildOptionChains({
    symbol: normalizeSymbol(q.symbol, "symbol"),
    at: q.at === undefined ? new Date() : parseInstant(q.at, "at"),
    expiry: q.expiry === undefined ? null : parseCalendarDate(q.expiry, "expiry"),
    vendor: q.vendor === undefined ? null : normalizeVendor(q.vendor, "vendor"),
  });
  return await db.query<OptionSnap>(query.text, query.params);
}

/** The newest fundamentals at or before a date, one per vendor. */
export async function fundamentals(db: Queryable, q: FundamentalsQuery): Promise<Fundamentals[]> {
  const asOf = parseCalendarDate(q.asOf ?? new Date().toISOString().slice(0, 10), "asOf");
  const query = buildFundamentalsAsOf({
    symbol: normalizeSymbol(q.symbol, "symbol"),
    asOf,
    vendor: q.vendor === undefined ? null : normalizeVendor(q.vendor, "vendor"),
    knownAt: knownAtOf(q.knownAt),
  });
  if (q.knownAt !== undefined) await checkKnownAt(db, query.params[3] as Date);
  return await db.query<Fundamentals>(query.text, query.params);
}

/** The tenant's ingestion cursors, optionally of one symbol. */
export async function cursors(db: Queryable, symbol: string | undefined): Promise<IngestCursor[]> {
  const query = buildIngestCursors(
    symbol === undefined ? null : normalizeSymbol(symbol, "symbol"),
  );
  return await db.query<IngestCursor>(query.text, query.params);
}
