/** How rows travel to the database. */
export const WRITE_MODES = ["auto", "insert", "copy"] as const;
/**
 * `insert` sends each batch as one `INSERT ... SELECT FROM unnest(...)` with one array parameter
 * per column; `copy` streams it with COPY into a temporary staging table, then upserts from
 * there; `auto` picks by batch size and backend.
 */
export type WriteMode = typeof WRITE_MODES[number];

/**
 * Batches of at least this many rows go through COPY in `auto` mode on a server; smaller ones
 * through `unnest`. PGlite always uses `unnest` in `auto` mode: its COPY buffers the whole batch
 * in memory first and gains nothing. Chosen from `deno task bench` (see the README, Performance).
 */
export const AUTO_COPY_MIN_ROWS = 2_000;

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
