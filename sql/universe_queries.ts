// Canonical SQL of the collector's state: the symbol universe, the ranges no provider has data
// for, and the newest bar of each series. Every statement runs inside a tenant scope, through
// the tenant views.
import type { BackfillTier } from "./backfill.ts";
import type { Timeframe } from "./timeframes.ts";
import type { UniverseEntry } from "./universe.ts";
import type { SqlQuery } from "./upsert.ts";

/** The columns a universe row is returned with. */
const UNIVERSE_COLUMNS =
  "symbol, tier, timeframes, provider, history_start, calendar, active, created_at, updated_at";

/**
 * Serialises changes to a tenant's universe for the rest of the transaction, so that counting a
 * tier and adding to it cannot interleave with another writer and overshoot the tier's maximum.
 *
 * @returns The statement; no parameters.
 *
 * @example
 * ```ts
 * import { buildUniverseLock } from "@mds/sql";
 * import assert from "node:assert/strict";
 *
 * assert.match(buildUniverseLock().text, /pg_advisory_xact_lock/);
 * ```
 */
export function buildUniverseLock(): SqlQuery {
  return {
    text:
      "SELECT pg_advisory_xact_lock(hashtext(current_setting('app.tenant_id', true) || '|universe'))",
    params: [],
  };
}

/**
 * Counts the tenant's universe symbols per tier, leaving out the given symbols (those about to
 * be written, which may change tier).
 *
 * @param except Normalised tickers not to count.
 * @returns The statement returning `tier` and `n` per tier that has symbols; one parameter.
 *
 * @example
 * ```ts
 * import { buildUniverseTierCounts } from "@mds/sql";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(buildUniverseTierCounts(["AAPL"]).params, [["AAPL"]]);
 * ```
 */
export function buildUniverseTierCounts(except: readonly string[]): SqlQuery {
  return {
    text: `SELECT tier, count(*)::int AS n FROM mds.symbol_universe
     WHERE NOT (symbol = ANY($1::text[])) GROUP BY tier ORDER BY tier`,
    params: [except],
  };
}

/**
 * Adds symbols to the universe, or replaces the tier, timeframes, provider, start, calendar and
 * active flag of those already in it. `created` tells new rows from replaced ones.
 *
 * @param entries Validated entries, each symbol once.
 * @returns The statement returning every written row and `created`; one parameter, the entries
 * as JSON text.
 *
 * @example
 * ```ts
 * import { buildUpsertUniverse, parseUniverseEntry } from "@mds/sql";
 * import assert from "node:assert/strict";
 *
 * const q = buildUpsertUniverse([parseUniverseEntry({ symbol: "AAPL", timeframes: ["1m"] })]);
 * assert.deepEqual(JSON.parse(q.params[0] as string)[0].timeframes, ["1m"]);
 * assert.match(q.text, /ON CONFLICT \(tenant_id, symbol\) DO UPDATE/);
 * ```
 */
export function buildUpsertUniverse(entries: readonly UniverseEntry[]): SqlQuery {
  return {
    text: `INSERT INTO mds.symbol_universe AS u
       (symbol, tier, timeframes, provider, history_start, calendar, active)
     SELECT symbol, tier, timeframes, provider, history_start, calendar, active
     FROM jsonb_to_recordset($1::text::jsonb) AS r(symbol text, tier text, timeframes text[],
       provider text, history_start timestamptz, calendar text, active boolean)
     ON CONFLICT (tenant_id, symbol) DO UPDATE
     SET tier = EXCLUDED.tier, timeframes = EXCLUDED.timeframes, provider = EXCLUDED.provider,
         history_start = EXCLUDED.history_start, calendar = EXCLUDED.calendar,
         active = EXCLUDED.active, updated_at = now()
     RETURNING ${UNIVERSE_COLUMNS}, (u.created_at = u.updated_at) AS created`,
    params: [JSON.stringify(entries)],
  };
}

/** Filter of {@linkcode buildListUniverse}; `null` leaves a field unfiltered. */
export interface UniverseFilter {
  /** Only this tier. */
  readonly tier: BackfillTier | null;
  /** Only active (`true`) or inactive (`false`) symbols. */
  readonly active: boolean | null;
  /** Only these normalised tickers. */
  readonly symbols: readonly string[] | null;
}

/**
 * The tenant's universe, by tier then symbol.
 *
 * @param filter Tier, active flag and symbols.
 * @returns The statement; parameters: tier, active, symbols.
 *
 * @example
 * ```ts
 * import { buildListUniverse } from "@mds/sql";
 * import assert from "node:assert/strict";
 *
 * const q = buildListUniverse({ tier: "T0", active: true, symbols: null });
 * assert.deepEqual(q.params, ["T0", true, null]);
 * ```
 */
export function buildListUniverse(filter: UniverseFilter): SqlQuery {
  return {
    text: `SELECT ${UNIVERSE_COLUMNS} FROM mds.symbol_universe
     WHERE ($1::text IS NULL OR tier = $1) AND ($2::boolean IS NULL OR active = $2)
       AND ($3::text[] IS NULL OR symbol = ANY($3::text[]))
     ORDER BY tier, symbol`,
    params: [filter.tier, filter.active, filter.symbols],
  };
}

/**
 * Removes symbols from the universe. Their bars stay.
 *
 * @param symbols Normalised tickers.
 * @returns The statement returning the `symbol` of each row removed; one parameter.
 *
 * @example
 * ```ts
 * import { buildRemoveUniverse } from "@mds/sql";
 * import assert from "node:assert/strict";
 *
 * assert.match(buildRemoveUniverse(["AAPL"]).text, /^DELETE FROM mds\.symbol_universe/);
 * ```
 */
export function buildRemoveUniverse(symbols: readonly string[]): SqlQuery {
  return {
    text: `DELETE FROM mds.symbol_universe WHERE symbol = ANY($1::text[]) RETURNING symbol`,
    params: [symbols],
  };
}

/**
 * The newest bar time stored per series (symbol and timeframe), over every vendor, from the
 * ingestion cursors that bar upserts keep in the same statement.
 *
 * @param symbols Only these normalised tickers, or `null` for every series.
 * @returns The statement returning `symbol`, `timeframe`, `last_ts`; one parameter.
 *
 * @example
 * ```ts
 * import { buildSeriesCursors } from "@mds/sql";
 * import assert from "node:assert/strict";
 *
 * assert.match(buildSeriesCursors(null).text, /GROUP BY symbol, timeframe/);
 * assert.deepEqual(buildSeriesCursors(["AAPL"]).params, [["AAPL"]]);
 * ```
 */
export function buildSeriesCursors(symbols: readonly string[] | null): SqlQuery {
  return {
    text: `SELECT symbol, timeframe, max(last_ts) AS last_ts FROM mds.ingest_cursors
     WHERE dataset = 'bars' AND ($1::text[] IS NULL OR symbol = ANY($1::text[]))
     GROUP BY symbol, timeframe`,
    params: [symbols],
  };
}

/** A range of one series that no provider has data for. */
export interface UnfillableRange {
  /** Ticker. */
  symbol: string;
  /** Bar timeframe. */
  timeframe: Timeframe;
  /** First bar open time, inclusive. */
  start: Date;
  /** Last bar open time, exclusive. */
  end: Date;
  /** Why, e.g. the providers' answers. */
  reason: string;
  /** The providers that answered "no data". */
  providers: string[];
  /** Not requested again before this time. */
  retry_after: Date;
}

/**
 * Records (or refreshes) a range no provider has data for.
 *
 * @param range The validated range.
 * @returns The statement; parameters: symbol, timeframe, start, end, reason, providers,
 * retry_after.
 *
 * @example
 * ```ts
 * import { buildRecordUnfillable } from "@mds/sql";
 * import assert from "node:assert/strict";
 *
 * const q = buildRecordUnfillable({ symbol: "XYZ", timeframe: "1d",
 *   start: new Date("2024-01-02"), end: new Date("2024-01-05"), reason: "halted",
 *   providers: ["yahoo"], retry_after: new Date("2024-02-01") });
 * assert.equal(q.params.length, 7);
 * ```
 */
export function buildRecordUnfillable(range: UnfillableRange): SqlQuery {
  return {
    text: `INSERT INTO mds.unfillable_ranges
       (symbol, timeframe, start_ts, end_ts, reason, providers, retry_after)
     VALUES ($1, $2, $3, $4, $5, $6::text[], $7)
     ON CONFLICT (tenant_id, symbol, timeframe, start_ts, end_ts) DO UPDATE
     SET reason = EXCLUDED.reason, providers = EXCLUDED.providers, recorded_at = now(),
         retry_after = EXCLUDED.retry_after`,
    params: [
      range.symbol,
      range.timeframe,
      range.start,
      range.end,
      range.reason,
      range.providers,
      range.retry_after,
    ],
  };
}

/**
 * The recorded unfillable ranges overlapping a window, oldest first.
 *
 * @param symbol Only this ticker, or `null`.
 * @param timeframe Only this timeframe, or `null`.
 * @param start Window start, or `null` for no bound.
 * @param end Window end, or `null` for no bound.
 * @returns The statement returning `symbol, timeframe, start, end, reason, providers,
 * recorded_at, retry_after`; parameters as given.
 *
 * @example
 * ```ts
 * import { buildUnfillableRanges } from "@mds/sql";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(buildUnfillableRanges("XYZ", "1d", null, null).params, ["XYZ", "1d", null, null]);
 * ```
 */
export function buildUnfillableRanges(
  symbol: string | null,
  timeframe: Timeframe | null,
  start: Date | null,
  end: Date | null,
): SqlQuery {
  return {
    text: `SELECT symbol, timeframe, start_ts AS start, end_ts AS end, reason, providers,
       recorded_at, retry_after
     FROM mds.unfillable_ranges
     WHERE ($1::text IS NULL OR symbol = $1) AND ($2::text IS NULL OR timeframe = $2)
       AND ($4::timestamptz IS NULL OR start_ts < $4) AND ($3::timestamptz IS NULL OR end_ts > $3)
     ORDER BY symbol, timeframe, start_ts`,
    params: [symbol, timeframe, start, end],
  };
}
