// Canonical SQL of the coverage page: how many bars each symbol has per trading day, counted in
// one statement over every symbol and day, and the queued or running backfills of those symbols.
import { BACKFILL_JOB_TYPE } from "./backfill.ts";
import type { Timeframe } from "./timeframes.ts";
import type { SqlQuery } from "./upsert.ts";

/** One trading day of {@linkcode buildBarCountsByDay}: bars open in `[start, end)`. */
export interface CoverageDayWindow {
  /** The day's label, e.g. the session date `2024-07-08`; rows come back under it. */
  readonly day: string;
  /** First bar open time counted, inclusive; the grid of expected bar times starts here. */
  readonly start: Date;
  /** Last bar open time counted, exclusive. */
  readonly end: Date;
}

/** What {@linkcode buildBarCountsByDay} counts; every value already validated. */
export interface BarCountsQuery {
  /** Normalised tickers. */
  readonly symbols: readonly string[];
  /** Bar timeframe. */
  readonly timeframe: Timeframe;
  /** The days, in any order; none may overlap another. */
  readonly days: readonly CoverageDayWindow[];
  /**
   * The grid: only bars opening a whole number of steps after their day's `start` count, so a
   * stray bar between two expected times never makes a day look fuller than it is.
   */
  readonly stepSeconds: number;
}

// Times travel as ISO text: postgres.js would type an array of Dates as a single timestamptz.
const iso = (d: Date): string => d.toISOString();

/**
 * Bars stored per symbol and day, over any vendor: one row per symbol and day that has at least
 * one bar on the day's grid, with the count of distinct bar times (`bars`). One range scan of
 * the tenant's bars between the first day's start and the last day's end, joined to the days.
 *
 * @param query Symbols, timeframe, days and the grid step.
 * @returns The statement; parameters: symbols, timeframe, day labels, starts, ends (ISO text
 * arrays), step in seconds, then the overall start and end. Rows: `symbol`, `day`, `bars`.
 *
 * @example
 * ```ts
 * import { buildBarCountsByDay } from "@mds/sql";
 * import assert from "node:assert/strict";
 *
 * const q = buildBarCountsByDay({ symbols: ["AAPL"], timeframe: "1m", stepSeconds: 60, days: [
 *   { day: "2024-07-08", start: new Date("2024-07-08T13:30:00Z"), end: new Date("2024-07-08T20:00:00Z") },
 * ] });
 * assert.deepEqual(q.params.slice(2, 5), [["2024-07-08"], ["2024-07-08T13:30:00.000Z"],
 *   ["2024-07-08T20:00:00.000Z"]]);
 * assert.match(q.text, /count\(DISTINCT b\.ts\)::int AS bars/);
 * ```
 */
export function buildBarCountsByDay(query: BarCountsQuery): SqlQuery {
  const starts = query.days.map((d) => d.start.getTime());
  const ends = query.days.map((d) => d.end.getTime());
  const from = new Date(starts.length === 0 ? 0 : Math.min(...starts));
  const to = new Date(ends.length === 0 ? 0 : Math.max(...ends));
  return {
    text: `WITH days AS (
         SELECT d, f, t FROM unnest($3::text[], $4::timestamptz[], $5::timestamptz[]) AS s(d, f, t))
       SELECT b.symbol, days.d AS day, count(DISTINCT b.ts)::int AS bars
       FROM mds.bars b JOIN days ON b.ts >= days.f AND b.ts < days.t
       WHERE b.symbol = ANY($1::text[]) AND b.timeframe = $2 AND b.ts >= $7 AND b.ts < $8
         AND date_bin(make_interval(secs => $6), b.ts, days.f) = b.ts
       GROUP BY b.symbol, days.d
       ORDER BY 1, 2`,
    params: [
      [...query.symbols],
      query.timeframe,
      query.days.map((d) => d.day),
      query.days.map((d) => iso(d.start)),
      query.days.map((d) => iso(d.end)),
      query.stepSeconds,
      from,
      to,
    ],
  };
}

/** Most pending backfills {@linkcode buildPendingBackfills} returns. */
export const MAX_PENDING_BACKFILLS: number = 20_000;

/**
 * The queued and running backfill jobs of some symbols at one timeframe, oldest first, with the
 * window each asks for as written in its payload (ISO text; the caller parses and filters it,
 * so a malformed payload can never fail the statement). At most
 * {@linkcode MAX_PENDING_BACKFILLS} rows; the tiers' caps keep the queue far smaller.
 *
 * @param symbols Normalised tickers.
 * @param timeframe Bar timeframe.
 * @returns The statement; parameters: job type, timeframe, symbols, limit. Rows: `id`, `symbol`,
 * `start`, `end`, `tier`, `state`.
 *
 * @example
 * ```ts
 * import { BACKFILL_JOB_TYPE, buildPendingBackfills } from "@mds/sql";
 * import assert from "node:assert/strict";
 *
 * const q = buildPendingBackfills(["AAPL", "MSFT"], "1m");
 * assert.deepEqual(q.params.slice(0, 3), [BACKFILL_JOB_TYPE, "1m", ["AAPL", "MSFT"]]);
 * assert.match(q.text, /state IN \('queued', 'running'\)/);
 * ```
 */
export function buildPendingBackfills(
  symbols: readonly string[],
  timeframe: Timeframe,
): SqlQuery {
  return {
    text: `SELECT id, payload->>'symbol' AS symbol, payload->>'start' AS start,
         payload->>'end' AS end, payload->>'tier' AS tier, state
       FROM mds.jobs
       WHERE job_type = $1 AND state IN ('queued', 'running')
         AND payload->>'timeframe' = $2 AND payload->>'symbol' = ANY($3::text[])
       ORDER BY created_at, id
       LIMIT $4`,
    params: [BACKFILL_JOB_TYPE, timeframe, [...symbols], MAX_PENDING_BACKFILLS],
  };
}
