import { arrayLiteral, toText } from "./_encode.ts";
import type { EncodedRows } from "./encoded_rows.ts";
import { NewestRows } from "./_newest.ts";
import type { ColumnSpec, TableSpec } from "./tables.ts";
import { timeframeMillis, TIMEFRAMES } from "./timeframes.ts";

/** A parameterised statement. */
export interface SqlQuery {
  /** Statement text with `$n` placeholders. */
  readonly text: string;
  /** Parameter values; arrays arrive as PostgreSQL array literals. */
  readonly params: readonly unknown[];
}

/**
 * Where an upsert reads its rows from: row objects or {@linkcode EncodedRows} sent as `unnest`
 * arrays, or a staging table filled by COPY.
 */
export type UpsertSource =
  | { readonly kind: "unnest"; readonly rows: readonly object[] }
  | { readonly kind: "encoded"; readonly rows: EncodedRows }
  | { readonly kind: "stage"; readonly table: string };

/** The result columns of every upsert statement: `inserted` and `updated`, as integers. */
export interface UpsertCounts {
  /** Rows that did not exist. */
  inserted: number;
  /** Rows that existed with other values. */
  updated: number;
}

const KEY_SEPARATOR = "\u0001";

/**
 * The primary key of a row as one string, for comparing keys in memory.
 *
 * @param spec The table the row belongs to.
 * @param row A normalised row with `tenant_id` filled.
 * @returns The key's columns in text form, joined by U+0001.
 *
 * @example
 * ```ts
 * import { rowKey, TABLES } from "@mds/sql";
 * import assert from "node:assert/strict";
 *
 * const t = "00000000-0000-4000-8000-000000000001";
 * const a = { tenant_id: t, ts: new Date(0), vendor: "v", symbol: "A", timeframe: "1m", close: 1 };
 * assert.equal(rowKey(TABLES.bars, a), rowKey(TABLES.bars, { ...a, close: 2 }));
 * ```
 */
export function rowKey(spec: TableSpec, row: object): string {
  return keyOf(spec, row as Record<string, unknown>);
}

// Millisecond offset making every instant of the years 0001-9999 a 15-digit number, so keys
// of timestamps sort by time as plain strings.
const EPOCH_SHIFT = 62_135_596_800_000;
const keyColumns = new WeakMap<TableSpec, readonly ColumnSpec[]>();

function keyOf(spec: TableSpec, row: Record<string, unknown>): string {
  let cols = keyColumns.get(spec);
  if (!cols) {
    cols = spec.key.map((name) => spec.columns.find((c) => c.name === name)!);
    keyColumns.set(spec, cols);
  }
  // joined, not grown with +=: a flat string hashes without first being copied out of a rope
  const parts = new Array<string>(cols.length + 1);
  for (let i = 0; i < cols.length; i++) {
    const col = cols[i]!;
    const value = row[col.name];
    parts[i] = col.type === "timestamptz" && value instanceof Date
      // cheaper than toISOString() and in the same order; keys are only compared, never parsed
      ? String(value.getTime() + EPOCH_SHIFT).padStart(15, "0")
      // -0 and 0 are one key to PostgreSQL (float8 equality), so they must be one key here too
      : toText(col.type, Object.is(value, -0) ? 0 : value) ?? "";
  }
  parts[cols.length] = "";
  return parts.join(KEY_SEPARATOR);
}

/**
 * Collapses rows with the same primary key (the last one wins, as if they had been written one
 * after the other) and sorts them by key, so concurrent writers take row locks in one order.
 *
 * @typeParam R Row type.
 * @param spec The table the rows belong to.
 * @param rows Normalised rows with `tenant_id` filled.
 * @param keys When given, receives the {@linkcode rowKey} of every row returned, for a caller
 * that needs them too (a batch processor ordering its flushes by the keys they share).
 * @returns A new array, sorted and without repeated keys.
 *
 * @example
 * ```ts
 * import { prepareRows, TABLES } from "@mds/sql";
 * import assert from "node:assert/strict";
 *
 * const t = "00000000-0000-4000-8000-000000000001";
 * const row = (close: number) => ({ tenant_id: t, ts: new Date(0), vendor: "v", symbol: "A",
 *   timeframe: "1m", close });
 * assert.deepEqual(prepareRows(TABLES.bars, [row(1), row(2)]).map((r) => r.close), [2]);
 * ```
 */
export function prepareRows<R extends object>(
  spec: TableSpec,
  rows: readonly R[],
  keys?: Set<string>,
): R[] {
  const byKey = new Map<string, R>();
  // a repeated key overwrites the value in place: the last occurrence wins, and the order of
  // the map does not matter since the entries are sorted next
  for (const row of rows) byKey.set(keyOf(spec, row as Record<string, unknown>), row);
  if (keys) { for (const key of byKey.keys()) keys.add(key); }
  return [...byKey.entries()].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)).map((e) =>
    e[1]
  );
}

function paramType(col: ColumnSpec): string {
  return col.type === "text[]" || col.type === "jsonb" ? "text[]" : `${col.type}[]`;
}

function columnParam(col: ColumnSpec, rows: readonly object[]): string {
  const items = new Array<string | null>(rows.length);
  // rows sorted by key put equal times next to each other (every symbol's bar of a minute):
  // one ISO string for a run of them instead of one toISOString() per row
  let lastMs = NaN;
  let lastText: string | null = null;
  for (let i = 0; i < rows.length; i++) {
    const value = (rows[i] as Record<string, unknown>)[col.name];
    if (!(value instanceof Date)) items[i] = toText(col.type, value);
    else if (value.getTime() === lastMs) items[i] = lastText;
    else {
      lastMs = value.getTime();
      items[i] = lastText = toText(col.type, value);
    }
  }
  return arrayLiteral(items);
}

/** `CASE` expression turning a timeframe column into the length of its bar. */
function timeframeInterval(column: string): string {
  const arms = TIMEFRAMES.map((tf) =>
    `WHEN '${tf}' THEN interval '${timeframeMillis(tf) / 60_000} minutes'`
  );
  return `CASE ${column} ${arms.join(" ")} END`;
}

function inputCte(
  spec: TableSpec,
  source: UpsertSource,
  offset = 0,
  columns: readonly ColumnSpec[] = spec.columns,
): { sql: string; params: string[] } {
  const names = columns.map((c) => c.name);
  if (source.kind === "stage") {
    return { sql: `SELECT ${names.join(", ")} FROM ${source.table}`, params: [] };
  }
  // The rows of one write share their tenant: sent once, as a scalar in the tenant column's
  // place, instead of once per row; that spares encoding, sending and parsing a uuid per row.
  const encoded = source.kind === "encoded" ? source.rows : undefined;
  const tenant = encoded ? encoded.tenant : soleTenant(source.rows as readonly object[]);
  const scalar = (col: ColumnSpec) => tenant !== undefined && col.name === "tenant_id";
  const params = columns.map((col) =>
    scalar(col)
      ? tenant!
      : encoded
      ? encoded.literal(spec.columns.indexOf(col))
      : columnParam(col, source.rows as readonly object[])
  );
  const place = (i: number) => `$${offset + i + 1}`;
  // One unnest per column in a select list: the planner steps them in lockstep, row by row
  // (as `unnest(a, b, ...)` in FROM pads shorter arrays with nulls, so do these), where the
  // FROM form first copies every array's elements into a tuplestore of its own and reads them
  // back. A batch of 20,000 bars: 60 -> 42 ms of server time to read it (PGlite 154 -> 138).
  const unnest = columns.flatMap((col, i) =>
    scalar(col) ? [] : [`unnest(${place(i)}::${paramType(col)}) AS ${col.name}`]
  );
  const select = columns.map((col, i) =>
    scalar(col)
      ? `${place(i)}::uuid AS tenant_id`
      : col.type === "text[]" || col.type === "jsonb"
      ? `s.${col.name}::${col.type} AS ${col.name}`
      : `s.${col.name}`
  );
  return {
    sql: `SELECT ${select.join(", ")} FROM (SELECT ${unnest.join(", ")}) AS s`,
    params,
  };
}

/** The `tenant_id` every row has, or `undefined` when there are none or they differ. */
function soleTenant(rows: readonly object[]): string | undefined {
  const first = (rows[0] as { tenant_id?: unknown } | undefined)?.tenant_id;
  if (typeof first !== "string") return undefined;
  for (let i = 1; i < rows.length; i++) {
    if ((rows[i] as { tenant_id?: unknown }).tenant_id !== first) return undefined;
  }
  return first;
}

/**
 * The columns {@linkcode sideEffects} read, in the table's order: a series input sends only
 * these (bars: 6 of 12 arrays), not every column of the newest rows.
 */
function sideEffectColumns(spec: TableSpec): readonly ColumnSpec[] {
  const read = new Set([...spec.series!, spec.time, ...(spec.kind === "bars" ? ["close"] : [])]);
  return spec.columns.filter((c) => read.has(c.name));
}

/** Extra statements that ride along with an upsert of bars or options, reading `from`. */
function sideEffects(spec: TableSpec, from: string): string[] {
  if (spec.kind === "bars") {
    const asOf = `ts + ${timeframeInterval("timeframe")}`;
    return [
      `latest AS (
  INSERT INTO mds.latest_prices AS l (tenant_id, vendor, symbol, as_of, price, timeframe)
  SELECT DISTINCT ON (tenant_id, vendor, symbol) tenant_id, vendor, symbol, ${asOf}, close, timeframe
  FROM ${from} ORDER BY tenant_id, vendor, symbol, ${asOf} DESC, ts DESC
  ON CONFLICT (tenant_id, vendor, symbol) DO UPDATE
  SET as_of = EXCLUDED.as_of, price = EXCLUDED.price, timeframe = EXCLUDED.timeframe, updated_at = now()
  WHERE EXCLUDED.as_of > l.as_of
     OR (EXCLUDED.as_of = l.as_of AND (EXCLUDED.price, EXCLUDED.timeframe) IS DISTINCT FROM (l.price, l.timeframe))
)`,
      cursorCte("bars", true, from),
    ];
  }
  if (spec.kind === "options") return [cursorCte("options", false, from)];
  return [];
}

/**
 * Advances the cursor of each series in the batch; bars have one series per timeframe. The
 * `ORDER BY` makes concurrent writers lock cursor rows in one order: without it a hash
 * aggregate emits the series in an order that depends on which series a batch holds, and two
 * batches sharing series deadlock (40P01).
 */
function cursorCte(dataset: string, perTimeframe: boolean, from: string): string {
  const timeframe = perTimeframe ? "timeframe" : "''";
  const groupBy = perTimeframe
    ? "tenant_id, vendor, symbol, timeframe"
    : "tenant_id, vendor, symbol";
  return `cursors AS (
  INSERT INTO mds.ingest_cursors AS c (tenant_id, dataset, vendor, symbol, timeframe, last_ts)
  SELECT tenant_id, '${dataset}', vendor, symbol, ${timeframe}, max(ts) FROM ${from}
  GROUP BY ${groupBy}
  ORDER BY ${groupBy}
  ON CONFLICT (tenant_id, dataset, vendor, symbol, timeframe) DO UPDATE
  SET last_ts = EXCLUDED.last_ts, updated_at = now()
  WHERE EXCLUDED.last_ts > c.last_ts
)`;
}

/** Options of {@linkcode buildUpsert}. */
export interface UpsertOptions {
  /**
   * Keep `latest_prices` and the ingestion cursors current in the same statement. Turn it off
   * for the batches of a multi-statement write and run {@linkcode buildSeriesUpdate} once at the
   * end: updating the same rows in every statement of one transaction leaves version chains
   * that only grow, so each statement gets slower than the last. @default {true}
   */
  sideEffects?: boolean | undefined;
}

/**
 * One statement keeping `latest_prices` and the ingestion cursors current for a whole write:
 * the rows are first reduced to the newest one per series (the later row on equal times, as in
 * {@linkcode prepareRows}), so the statement touches each series once however many statements
 * wrote the rows.
 *
 * @param spec The table written.
 * @param rows Every normalised row of the write, `tenant_id` filled.
 * @returns The statement, or `null` for kinds without cursors.
 *
 * @example
 * ```ts
 * import { buildSeriesUpdate, TABLES } from "@mds/sql";
 * import assert from "node:assert/strict";
 *
 * const t = "00000000-0000-4000-8000-000000000001";
 * const bar = (minute: number) => ({ tenant_id: t, ts: new Date(minute * 60_000), vendor: "v",
 *   symbol: "A", timeframe: "1m", open: 1, high: 1, low: 1, close: 1, volume: 0, vwap: null,
 *   trade_count: null });
 * const q = buildSeriesUpdate(TABLES.bars, [bar(1), bar(3), bar(2)]);
 * assert.equal((q?.params[1] as string).includes("1970-01-01T00:03:00.000Z"), true);
 * assert.equal(buildSeriesUpdate(TABLES.news, []), null);
 * ```
 */
export function buildSeriesUpdate(spec: TableSpec, rows: readonly object[]): SqlQuery | null {
  if (!spec.series) return null;
  const input = inputCte(
    spec,
    { kind: "unnest", rows: newestPerSeries(spec, rows) },
    0,
    sideEffectColumns(spec),
  );
  return {
    text: `WITH input AS (${input.sql}),\n${
      sideEffects(spec, "input").join(",\n")
    }\nSELECT 1 AS done`,
    params: input.params,
  };
}

/** The newest row of each series (the later row on equal times), in input order. */
function newestPerSeries(spec: TableSpec, rows: readonly object[]): object[] {
  const newest = new NewestRows(spec.series!, spec.time);
  for (const row of rows) newest.add(row as Record<string, unknown>);
  return newest.rows;
}

/** The newest row of each series and how many rows there are, of rows held in memory. */
function seriesOf(
  spec: TableSpec,
  source: UpsertSource,
): { newest: readonly object[]; rows: number } | undefined {
  if (source.kind === "unnest") {
    return { newest: newestPerSeries(spec, source.rows), rows: source.rows.length };
  }
  if (source.kind === "encoded") return { newest: source.rows.newest, rows: source.rows.unique };
  return undefined; // a staging table is read by the server
}

/**
 * Builds the idempotent upsert of a batch through the tenant-filtered view: one parameter per
 * column (arrays passed to `unnest`), so the batch size is not capped by the parameter limit;
 * rows whose values are unchanged are not rewritten; bars keep `latest_prices` and the ingestion
 * cursors current in the same statement. An update increments the row's `revision`, so
 * `revision = 0` in `RETURNING` marks inserted rows. The statement returns one row of
 * {@linkcode UpsertCounts}; rows neither inserted nor updated were unchanged.
 *
 * Rows must already be normalised and passed through {@linkcode prepareRows}, or come as sealed
 * {@linkcode EncodedRows}.
 *
 * @param spec The table to write.
 * @param source The rows (`unnest`) or a staging table filled by COPY (`stage`).
 * @returns The statement and its parameters.
 *
 * @example
 * ```ts
 * import { buildUpsert, TABLES } from "@mds/sql";
 * import assert from "node:assert/strict";
 *
 * const q = buildUpsert(TABLES.fundamentals, { kind: "unnest", rows: [] });
 * assert.deepEqual(q.params.length, TABLES.fundamentals.columns.length);
 * assert.deepEqual(q.text.includes("IS DISTINCT FROM"), true);
 * ```
 */
export function buildUpsert(
  spec: TableSpec,
  source: UpsertSource,
  options: UpsertOptions = {},
): SqlQuery {
  const input = inputCte(spec, source);
  const names = spec.columns.map((c) => c.name);
  const values = names.filter((n) => !spec.key.includes(n));
  const ctes = [
    `input AS (${input.sql})`,
    `written AS (
  INSERT INTO ${spec.view} AS t (${names.join(", ")})
  SELECT ${names.join(", ")} FROM input
  ON CONFLICT (${spec.key.join(", ")}) DO UPDATE
  SET ${values.map((n) => `${n} = EXCLUDED.${n}`).join(", ")},
      revision = least(t.revision, 2147483646) + 1
  WHERE (${values.map((n) => `t.${n}`).join(", ")}) IS DISTINCT FROM (${
      values.map((n) => `EXCLUDED.${n}`).join(", ")
    })
  RETURNING t.revision = 0 AS inserted
)`,
  ];
  const params = input.params;
  if (options.sideEffects !== false && spec.series) {
    const held = seriesOf(spec, source);
    if (held !== undefined && held.newest.length * 2 <= held.rows) {
      // latest prices and cursors only need the newest row of each series: reduced here, the
      // server sorts and upserts one row per series instead of sorting the whole batch
      const series = inputCte(
        spec,
        { kind: "unnest", rows: held.newest },
        params.length,
        sideEffectColumns(spec),
      );
      ctes.push(`series_input AS (${series.sql})`, ...sideEffects(spec, "series_input"));
      params.push(...series.params);
    } else {
      // few rows per series (or a staging table): reading the batch itself is cheaper than
      // sending its series again
      ctes.push(...sideEffects(spec, "input"));
    }
  }
  const text = `WITH ${ctes.join(",\n")}
SELECT count(*) FILTER (WHERE inserted)::int AS inserted,
       count(*) FILTER (WHERE NOT inserted)::int AS updated
FROM written`;
  return { text, params };
}
