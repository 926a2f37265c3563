// Canonical SQL of macro factors: tracking series, writing observations with their vintages, and
// the three reads (latest value per series; a history as first published, as latest revised, or
// as known on a day). Every statement runs inside a tenant scope, through the tenant views.
import type { MacroObservation, MacroSeries, MacroVintage } from "./macro.ts";
import type { SqlQuery } from "./upsert.ts";

const SERIES_COLUMNS = "key, title, units, frequency, vendor, tracked_at, updated_at";

/**
 * Tracks series, or updates the title, units, frequency and vendor of those already tracked (a
 * `null` field keeps the stored value). A series whose fields would not change is not rewritten.
 * `created` tells new rows from updated ones.
 *
 * @param series Validated series, each key once.
 * @returns The statement returning each written series and `created`; one parameter, the series
 * as JSON text.
 *
 * @example
 * ```ts
 * import { buildTrackMacro, parseMacroSeries } from "@mds/sql";
 * import assert from "node:assert/strict";
 *
 * const q = buildTrackMacro([parseMacroSeries("DGS10", { units: "Percent" })]);
 * assert.equal(JSON.parse(q.params[0] as string)[0].units, "Percent");
 * assert.match(q.text, /ON CONFLICT \(tenant_id, key\) DO UPDATE/);
 * ```
 */
export function buildTrackMacro(series: readonly MacroSeries[]): SqlQuery {
  return {
    text: `INSERT INTO mds.macro_series AS s (key, title, units, frequency, vendor)
     SELECT key, title, units, frequency, vendor
     FROM jsonb_to_recordset($1::text::jsonb)
       AS r(key text, title text, units text, frequency text, vendor text)
     ON CONFLICT (tenant_id, key) DO UPDATE
     SET title = coalesce(EXCLUDED.title, s.title), units = coalesce(EXCLUDED.units, s.units),
         frequency = coalesce(EXCLUDED.frequency, s.frequency), vendor = EXCLUDED.vendor,
         updated_at = now()
     WHERE (s.title, s.units, s.frequency, s.vendor) IS DISTINCT FROM
       (coalesce(EXCLUDED.title, s.title), coalesce(EXCLUDED.units, s.units),
        coalesce(EXCLUDED.frequency, s.frequency), EXCLUDED.vendor)
     RETURNING ${SERIES_COLUMNS}, (s.tracked_at = s.updated_at) AS created`,
    params: [JSON.stringify(series)],
  };
}

/**
 * Stops tracking series; with `purge`, deletes their observations too.
 *
 * @param keys Normalised series ids.
 * @param purge Whether to delete the observations as well.
 * @returns The statement returning the `key` of each series untracked; two parameters.
 *
 * @example
 * ```ts
 * import { buildUntrackMacro } from "@mds/sql";
 * import assert from "node:assert/strict";
 *
 * const q = buildUntrackMacro(["DGS10"], true);
 * assert.match(q.text, /DELETE FROM mds\.macro_series/);
 * assert.deepEqual(q.params, [["DGS10"], true]);
 * ```
 */
export function buildUntrackMacro(keys: readonly string[], purge: boolean): SqlQuery {
  return {
    text: `WITH purged AS (
       DELETE FROM mds.macro_observations WHERE $2::boolean AND key = ANY($1::text[])
     )
     DELETE FROM mds.macro_series WHERE key = ANY($1::text[]) RETURNING key`,
    params: [keys, purge],
  };
}

/**
 * The tracked series by key, with the count of stored observations (every vintage) and the
 * newest observation date of each.
 *
 * @param keys Only these normalised ids, or `null` for every series.
 * @returns The statement returning the series columns, `observations` and `last_date`; one
 * parameter.
 *
 * @example
 * ```ts
 * import { buildListMacro } from "@mds/sql";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(buildListMacro(null).params, [null]);
 * assert.match(buildListMacro(["DGS10"]).text, /ORDER BY s\.key/);
 * ```
 */
export function buildListMacro(keys: readonly string[] | null): SqlQuery {
  return {
    text: `SELECT s.key, s.title, s.units, s.frequency, s.vendor, s.tracked_at, s.updated_at,
       coalesce(c.n, 0)::int AS observations, to_char(c.last_date, 'YYYY-MM-DD') AS last_date
     FROM mds.macro_series s
     LEFT JOIN LATERAL (
       SELECT count(*) AS n, max(o.date) AS last_date FROM mds.macro_observations o
       WHERE o.key = s.key
     ) c ON true
     WHERE ($1::text[] IS NULL OR s.key = ANY($1::text[]))
     ORDER BY s.key`,
    params: [keys],
  };
}

/**
 * Writes observations with their vintages. A row already stored for the same series, date and
 * vintage with the same value is left alone (no write at all); one with another value is
 * updated. A revision published on a later day is a new row beside the first.
 *
 * @param rows Validated observations, each (key, date, realtime_start) once.
 * @returns The statement returning one row, `inserted` and `updated`; one parameter, the rows as
 * JSON text.
 *
 * @example
 * ```ts
 * import { buildUpsertMacroObservations } from "@mds/sql";
 * import assert from "node:assert/strict";
 *
 * const q = buildUpsertMacroObservations([{ key: "DGS10", date: "2024-01-02", value: 3.95,
 *   realtime_start: "2024-01-03" }]);
 * assert.match(q.text, /IS DISTINCT FROM EXCLUDED\.value/);
 * assert.equal(JSON.parse(q.params[0] as string)[0].value, 3.95);
 * ```
 */
export function buildUpsertMacroObservations(rows: readonly MacroObservation[]): SqlQuery {
  return {
    text: `WITH r AS (
       SELECT key, date, value, realtime_start
       FROM jsonb_to_recordset($1::text::jsonb)
         AS x(key text, date date, value double precision, realtime_start date)
     ), prior AS (
       SELECT o.key, o.date, o.realtime_start FROM mds.macro_observations o
       JOIN r USING (key, date, realtime_start)
     ), written AS (
       INSERT INTO mds.macro_observations AS o (key, date, value, realtime_start)
       SELECT key, date, value, realtime_start FROM r
       ON CONFLICT (tenant_id, key, date, realtime_start) DO UPDATE
       SET value = EXCLUDED.value, recorded_at = now()
       WHERE o.value IS DISTINCT FROM EXCLUDED.value
       RETURNING o.key, o.date, o.realtime_start
     )
     SELECT count(*) FILTER (WHERE p.key IS NULL)::int AS inserted,
            count(*) FILTER (WHERE p.key IS NOT NULL)::int AS updated
     FROM written w LEFT JOIN prior p USING (key, date, realtime_start)`,
    params: [JSON.stringify(rows)],
  };
}

/**
 * The latest value of each tracked series: its newest date that has a value in its latest
 * vintage (an observation published as missing is passed over), with the vintage it comes from.
 * A series without such an observation has `null` date, value and vintage.
 *
 * @param keys Only these normalised ids, or `null` for every tracked series.
 * @returns The statement returning `key, title, units, frequency, vendor, date, value,
 * realtime_start` (dates as `YYYY-MM-DD` text), by key; one parameter.
 *
 * @example
 * ```ts
 * import { buildMacroLatest } from "@mds/sql";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(buildMacroLatest(["DGS10"]).params, [["DGS10"]]);
 * assert.match(buildMacroLatest(null).text, /DISTINCT ON \(o\.date\)/);
 * ```
 */
export function buildMacroLatest(keys: readonly string[] | null): SqlQuery {
  return {
    text: `SELECT s.key, s.title, s.units, s.frequency, s.vendor,
       to_char(l.date, 'YYYY-MM-DD') AS date, l.value,
       to_char(l.realtime_start, 'YYYY-MM-DD') AS realtime_start
     FROM mds.macro_series s
     LEFT JOIN LATERAL (
       SELECT v.date, v.value, v.realtime_start FROM (
         SELECT DISTINCT ON (o.date) o.date, o.value, o.realtime_start
         FROM mds.macro_observations o WHERE o.key = s.key
         ORDER BY o.date DESC, o.realtime_start DESC
       ) v
       WHERE v.value IS NOT NULL
       ORDER BY v.date DESC LIMIT 1
     ) l ON true
     WHERE ($1::text[] IS NULL OR s.key = ANY($1::text[]))
     ORDER BY s.key`,
    params: [keys],
  };
}

/** What {@linkcode buildMacroHistory} reads. */
export interface MacroHistoryWindow {
  /** The series id, normalised. */
  readonly key: string;
  /** First date, inclusive, `YYYY-MM-DD`, or `null` for no bound. */
  readonly start: string | null;
  /** Last date, inclusive, `YYYY-MM-DD`, or `null` for no bound. */
  readonly end: string | null;
  /** Which vintage answers each date. */
  readonly vintage: MacroVintage;
}

/**
 * One series over a window of dates, one row per date, oldest first, each from the vintage
 * asked for: `first` (the smallest `realtime_start` of the date: as first published), `latest`
 * (the largest: the current revision), or a day (the largest on or before it: as known then; a
 * date first published after that day is left out).
 *
 * @param window Series, dates and vintage.
 * @returns The statement returning `date, value, realtime_start` (dates as text); parameters:
 * key, start, end, the vintage day (or `null`), whether the first vintage is asked for.
 *
 * @example
 * ```ts
 * import { buildMacroHistory } from "@mds/sql";
 * import assert from "node:assert/strict";
 *
 * const q = buildMacroHistory({ key: "GDP", start: "2020-01-01", end: null, vintage: "2021-06-30" });
 * assert.deepEqual(q.params, ["GDP", "2020-01-01", null, "2021-06-30", false]);
 * assert.deepEqual(buildMacroHistory({ key: "GDP", start: null, end: null, vintage: "first" })
 *   .params.slice(3), [null, true]);
 * ```
 */
export function buildMacroHistory(window: MacroHistoryWindow): SqlQuery {
  const first = window.vintage === "first";
  const day = first || window.vintage === "latest" ? null : window.vintage;
  return {
    text: `SELECT to_char(h.date, 'YYYY-MM-DD') AS date, h.value,
       to_char(h.realtime_start, 'YYYY-MM-DD') AS realtime_start
     FROM (
       SELECT DISTINCT ON (o.date) o.date, o.value, o.realtime_start
       FROM mds.macro_observations o
       WHERE o.key = $1 AND ($2::date IS NULL OR o.date >= $2::date)
         AND ($3::date IS NULL OR o.date <= $3::date)
         AND ($4::date IS NULL OR o.realtime_start <= $4::date)
       ORDER BY o.date, CASE WHEN $5::boolean THEN o.realtime_start END,
         o.realtime_start DESC
     ) h
     ORDER BY h.date`,
    params: [window.key, window.start, window.end, day, first],
  };
}
