/** How rows travel to the database. */
export const WRITE_MODES = ["auto", "insert", "copy"] as const;
/**
 * `insert` sends each batch as one `INSERT ... SELECT FROM unnest(...)` with one array parameter
 * per column; `copy` streams a whole write with COPY into a temporary staging table, then upserts
 * it from there in one statement; `auto` picks by the write's size and the backend: COPY for
 * writes of 25,000 rows or more on a server, `unnest` otherwise and always on PGlite.
 */
export type WriteMode = typeof WRITE_MODES[number];

/**
 * Tells whether a value is one of {@linkcode WRITE_MODES}.
 *
 * @param value Anything.
 * @returns `true` for `auto`, `insert` and `copy`.
 *
 * @example
 * ```ts
 * import { isWriteMode } from "@mds/client";
 * import assert from "node:assert/strict";
 *
 * assert.equal(isWriteMode("copy"), true);
 * assert.equal(isWriteMode("bulk"), false);
 * ```
 */
export function isWriteMode(value: unknown): value is WriteMode {
  return (WRITE_MODES as readonly unknown[]).includes(value);
}
