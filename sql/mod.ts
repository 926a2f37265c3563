/**
 * Models and canonical SQL of the mds market-data store: zod models that validate and normalise
 * rows, table metadata, builders for idempotent upserts and COPY, and the embedded migrations.
 * No I/O; runs on Deno and Node.
 *
 * @example Validate a bar and build its upsert
 * ```ts
 * import { buildUpsert, parseBar, prepareRows, TABLES } from "@mds/sql";
 * import assert from "node:assert/strict";
 *
 * const bar = parseBar({ ts: "2024-01-02T14:30:00Z", vendor: "polygon", symbol: "aapl",
 *   timeframe: "1m", open: 185.1, high: 185.4, low: 184.9, close: 185.2, volume: 1200 });
 * const rows = prepareRows(TABLES.bars, [{ ...bar, tenant_id: "00000000-0000-4000-8000-000000000001" }]);
 * const query = buildUpsert(TABLES.bars, { kind: "unnest", rows });
 * // one parameter per column: an array for each, the tenant once as a scalar (a batch holding
 * // many rows per series adds one array per column for the newest row of each series)
 * assert.deepEqual(query.params.length, TABLES.bars.columns.length);
 * assert.deepEqual(query.params[0], "00000000-0000-4000-8000-000000000001");
 * ```
 *
 * @module
 */
export * from "./errors.ts";
export * from "./model.ts";
export * from "./fields.ts";
export * from "./timeframes.ts";
export * from "./bar.ts";
export * from "./fundamentals.ts";
export * from "./news.ts";
export * from "./option_snap.ts";
export * from "./quote.ts";
export * from "./latest_price.ts";
export * from "./job.ts";
export * from "./tables.ts";
export * from "./copy.ts";
export * from "./upsert.ts";
export * from "./inline.ts";
export * from "./encoded_rows.ts";
export * from "./migration.ts";
export * from "./migrations_data.ts";
export * from "./backfill.ts";
export * from "./timescale.ts";
export * from "./read_queries.ts";
export * from "./history_queries.ts";
export * from "./quote_queries.ts";
export * from "./job_queries.ts";
export * from "./dead_letter_queries.ts";
export * from "./backfill_queries.ts";
export * from "./gap_queries.ts";
export * from "./coverage_queries.ts";
export * from "./store_queries.ts";
export * from "./store_stats_queries.ts";
export * from "./universe.ts";
export * from "./universe_queries.ts";
export * from "./api_key.ts";
export * from "./api_key_queries.ts";
export * from "./pulse.ts";
export * from "./pulse_collect.ts";
export * from "./pulse_queries.ts";
export * from "./catalog_queries.ts";
export * from "./schema_document.ts";
export * from "./macro.ts";
export * from "./macro_queries.ts";
