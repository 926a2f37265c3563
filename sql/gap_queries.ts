// Canonical SQL of gap detection: the bar times a calendar expects over a window, minus the
// bars stored, grouped into runs of consecutive missing bars. Only the runs travel back.
import type { Timeframe } from "./timeframes.ts";
import type { SqlQuery } from "./upsert.ts";

/** The series and window {@linkcode buildGapRuns} checks; every value already validated. */
export interface GapSeries {
  /** Normalised ticker. */
  readonly symbol: string;
  /** Bar timeframe. */
  readonly timeframe: Timeframe;
  /** First bar open time, inclusive. */
  readonly start: Date;
  /** Last bar open time, exclusive. */
  readonly end: Date;
  /** Only this (normalised) vendor's bars fill a slot, or `null` for any vendor's. */
  readonly vendor: string | null;
}

/** A trading session: bars open at `open` and every step after it, up to `close`. */
export interface GapSession {
  /** Session open. */
  readonly open: Date;
  /** Session close, exclusive. */
  readonly close: Date;
}

/**
 * The bar times expected: generated in SQL from sessions and a step (intraday timeframes), or
 * listed (daily and weekly bars). Expected times outside the window are ignored.
 */
export type ExpectedBars =
  | {
    readonly kind: "sessions";
    readonly sessions: readonly GapSession[];
    readonly stepSeconds: number;
  }
  | { readonly kind: "times"; readonly times: readonly Date[] };

const MISSING_RUNS = `
  numbered AS (SELECT t, row_number() OVER (ORDER BY t) AS n FROM expected),
  present AS (
    SELECT DISTINCT ts FROM mds.bars
    WHERE symbol = $1 AND timeframe = $2 AND ts >= $3 AND ts < $4
      AND ($5::text IS NULL OR vendor = $5)),
  missing AS (
    SELECT t, n - row_number() OVER (ORDER BY t) AS run FROM numbered
    WHERE NOT EXISTS (SELECT 1 FROM present p WHERE p.ts = numbered.t))
  SELECT min(t) AS first, max(t) AS last, count(*)::int AS missing_bars
  FROM missing GROUP BY run ORDER BY 1`;

// Times travel as ISO text: postgres.js would type an array of Dates as a single timestamptz.
const iso = (d: Date): string => d.toISOString();

/**
 * The runs of expected bars missing from a series, oldest first: one row per run with the open
 * time of its `first` and `last` missing bar and its `missing_bars` count. The stored times come
 * from one index range scan of the tenant's bars.
 *
 * @param series Symbol, timeframe, window and vendor.
 * @param expected The expected bar times.
 * @returns The statement; parameters: symbol, timeframe, start, end, vendor, then the session
 * opens, closes (ISO text arrays) and step in seconds, or the expected times (an ISO text array).
 *
 * @example
 * ```ts
 * import { buildGapRuns } from "@mds/sql";
 * import assert from "node:assert/strict";
 *
 * const series = { symbol: "SPY", timeframe: "1d" as const, start: new Date("2024-01-01"),
 *   end: new Date("2024-01-06"), vendor: null };
 * const q = buildGapRuns(series, { kind: "times", times: [new Date("2024-01-02")] });
 * assert.deepEqual(q.params.slice(5), [["2024-01-02T00:00:00.000Z"]]);
 * assert.match(q.text, /unnest\(\$6::timestamptz\[\]\)/);
 * ```
 */
export function buildGapRuns(series: GapSeries, expected: ExpectedBars): SqlQuery {
  const params = [series.symbol, series.timeframe, series.start, series.end, series.vendor];
  if (expected.kind === "sessions") {
    return {
      text: `WITH sessions AS (
         SELECT o, c FROM unnest($6::timestamptz[], $7::timestamptz[]) AS s(o, c)),
       expected AS (
         SELECT DISTINCT t FROM sessions,
           generate_series(o, c - interval '1 microsecond', make_interval(secs => $8)) AS t
         WHERE t >= $3 AND t < $4),
       ${MISSING_RUNS}`,
      params: [
        ...params,
        expected.sessions.map((s) => iso(s.open)),
        expected.sessions.map((s) => iso(s.close)),
        expected.stepSeconds,
      ],
    };
  }
  return {
    text: `WITH expected AS (SELECT DISTINCT t FROM unnest($6::timestamptz[]) AS t),
       ${MISSING_RUNS}`,
    params: [...params, expected.times.map(iso)],
  };
}
