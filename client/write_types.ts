// The shapes of the write calls: their options and what they report.
import type { WriteMode } from "./write_mode.ts";

/** What a write did. `rows` counts the input; repeated keys inside it count once as `unique`. */
export interface WriteResult {
  /** Rows received. */
  rows: number;
  /** Distinct keys among them (later repeats of a key replace earlier ones). */
  unique: number;
  /** Rows that did not exist. */
  inserted: number;
  /** Rows that existed with other values. */
  updated: number;
  /** Rows that existed with the same values: not rewritten. */
  unchanged: number;
}

/** Options of the upsert calls. */
export interface WriteOptions {
  /** How rows travel. @default {the client's writeMode} */
  mode?: WriteMode | undefined;
  /**
   * Rows per statement in `insert` mode; a call with more rows sends several in one transaction.
   * In `copy` mode the whole call is copied into staging and upserted in one statement.
   * @default {5000}
   */
  batchRows?: number | undefined;
}

/** Rows from an async iterable or a web stream. */
export type RowSource<T> = AsyncIterable<T> | Iterable<T> | ReadableStream<T>;

/** Options of the copy streams. */
export interface CopyOptions {
  /** Rows per batch; each batch is its own transaction. @default {5000} */
  batchRows?: number | undefined;
  /** Batches in flight at once. @default {2 on a server, 1 embedded} */
  concurrency?: number | undefined;
  /** How rows travel. @default {the client's writeMode} */
  mode?: WriteMode | undefined;
}
