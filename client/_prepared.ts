// Marks arrays of rows that prepareRows() already collapsed and sorted, so the write path does
// not collapse and sort them again (a BatchProcessor prepares its batches to learn their keys).
import { prepareRows, type TableSpec } from "@mds/sql";

const PREPARED: unique symbol = Symbol("mds.prepared");

/** `rows` after {@linkcode prepareRows}, marked as such. */
export function markPrepared<R extends object>(rows: R[]): R[] {
  Object.defineProperty(rows, PREPARED, { value: true });
  return rows;
}

/** `rows` collapsed and sorted: as they are when marked, else through {@linkcode prepareRows}. */
export function prepared<R extends object>(spec: TableSpec, rows: readonly R[]): readonly R[] {
  return (rows as { [PREPARED]?: true })[PREPARED] ? rows : prepareRows(spec, rows);
}
