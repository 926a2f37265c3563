// How a write is split and which path it takes: the defaults behind WriteOptions and the choice
// `auto` makes.
import { ConfigError } from "./errors.ts";
import { isWriteMode, WRITE_MODE_MEANING, WRITE_MODES, type WriteMode } from "./write_mode.ts";
import { wholeNumber } from "./_whole_number.ts";

/**
 * The default of the client's `copyMinRows`: writes of at least this many rows go through COPY
 * in `auto` mode on a server; smaller ones
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

/** Validates write options before any work. */
export function checkWriteOptions(mode: unknown, batchRows: unknown): void {
  if (!isWriteMode(mode)) {
    throw new ConfigError("mode", mode, `must be one of ${WRITE_MODES.join(", ")}`);
  }
  wholeNumber("batchRows", batchRows, 1, 1_000_000);
}

/**
 * Resolves a mode to a concrete one for a write of `rows` rows on `backend`: `executemany` and
 * `values` to `insert`, `auto` to `copy` from `copyMinRows` rows on a server.
 */
export function chooseWriteMode(
  mode: WriteMode,
  rows: number,
  backend: "postgres" | "pglite",
  copyMinRows: number = AUTO_COPY_MIN_ROWS,
): "insert" | "copy" {
  const meant = WRITE_MODE_MEANING[mode];
  if (meant !== "auto") return meant;
  return backend === "postgres" && rows >= copyMinRows ? "copy" : "insert";
}
