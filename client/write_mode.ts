/** How rows travel to the database. */
export const WRITE_MODES = ["auto", "insert", "copy"] as const;
/**
 * `insert` sends each batch as one `INSERT ... SELECT FROM unnest(...)` with one array parameter
 * per column; `copy` streams a whole write with COPY into a temporary staging table, then upserts
 * it from there in one statement; `auto` picks by the write's size and the backend.
 */
export type WriteMode = typeof WRITE_MODES[number];

/**
 * Writes of at least this many rows go through COPY in `auto` mode on a server; smaller ones
 * through `unnest`. Measured by the modes section of `deno task bench` (PostgreSQL 15, 2 cores, calls of N
 * bars each its own unit of work, median of 3, rows/s into an empty table, unnest vs COPY):
 * N=100: 17,067 vs 1,034; N=1,000: 24,171 vs 12,402; N=10,000: 48,885 vs 43,618; N=100,000:
 * 59,170 vs 65,337 (2026-11-22 run, README Performance). COPY pays a fixed cost per write
 * (a temporary table and an extra statement) before it gains, so it only wins on large
 * writes; the crossover lies between 10,000 and 100,000 rows. PGlite always uses `unnest` in
 * `auto` mode: its COPY reads the whole write from an in-memory file first and gains nothing.
 */
export const AUTO_COPY_MIN_ROWS = 25_000;

/** Default rows per statement when a call or a stream is split into batches. */
export const DEFAULT_BATCH_ROWS = 5_000;

/**
 * Resolves `auto` to a concrete mode.
 *
 * @param mode The requested mode.
 * @param rows Rows in the batch.
 * @param backend Which backend runs it.
 * @returns `insert` or `copy`.
 *
 * @example
 * ```ts
 * import { chooseWriteMode } from "@mds/client";
 * import assert from "node:assert/strict";
 *
 * assert.equal(chooseWriteMode("auto", 10, "postgres"), "insert");
 * assert.equal(chooseWriteMode("auto", 50_000, "postgres"), "copy");
 * assert.equal(chooseWriteMode("auto", 50_000, "pglite"), "insert");
 * ```
 */
export function chooseWriteMode(
  mode: WriteMode,
  rows: number,
  backend: "postgres" | "pglite",
): "insert" | "copy" {
  if (mode !== "auto") return mode;
  return backend === "postgres" && rows >= AUTO_COPY_MIN_ROWS ? "copy" : "insert";
}
