/**
 * How rows travel to the database: mds's three modes, then the names of the Python system mds
 * replaces, accepted for its configuration (`write_mode`, `MDS_WRITE_MODE`).
 */
export const WRITE_MODES = ["auto", "insert", "copy", "executemany", "values"] as const;
/**
 * `insert` sends each batch as one `INSERT ... SELECT FROM unnest(...)` with one array parameter
 * per column; `copy` streams a whole write with COPY into a temporary staging table, then upserts
 * it from there in one statement; `auto` picks by the write's size and the backend: COPY for
 * writes of `copyMinRows` rows or more (25,000 by default) on a server, `unnest` otherwise and
 * always on PGlite.
 *
 * `executemany` and `values` are the Python system's names, both meaning `insert`: mds has no
 * statement-per-row or `VALUES`-list path, its one-statement `unnest` upsert replaces both (and
 * its `batchRows` plays the part of `values_page_size`).
 */
export type WriteMode = typeof WRITE_MODES[number];

/**
 * The mode each name of {@linkcode WRITE_MODES} stands for: itself, or `insert` for the Python
 * names `executemany` and `values`.
 */
export const WRITE_MODE_MEANING: Readonly<Record<WriteMode, "auto" | "insert" | "copy">> = {
  auto: "auto",
  insert: "insert",
  copy: "copy",
  executemany: "insert",
  values: "insert",
};

/**
 * Tells whether a value is one of {@linkcode WRITE_MODES}.
 *
 * @param value Anything.
 * @returns `true` for `auto`, `insert`, `copy`, `executemany` and `values`.
 *
 * @example
 * ```ts
 * import { isWriteMode, WRITE_MODE_MEANING } from "@mds/client";
 * import assert from "node:assert/strict";
 *
 * assert.equal(isWriteMode("copy"), true);
 * assert.equal(isWriteMode("values"), true);
 * assert.equal(WRITE_MODE_MEANING.values, "insert");
 * assert.equal(isWriteMode("bulk"), false);
 * ```
 */
export function isWriteMode(value: unknown): value is WriteMode {
  return (WRITE_MODES as readonly unknown[]).includes(value);
}
