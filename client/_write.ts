// The write path shared by the tenant API, copy streams and the BatchProcessor: validate, fill
// the tenant, collapse and sort, then upsert through the view by unnest or by COPY + staging.
import {
  buildSeriesUpdate,
  buildStageTable,
  buildUpsert,
  copyTarget,
  encodeCopyRows,
  type EncodedRows,
  parseBar,
  parseFundamentals,
  parseNews,
  parseOptionSnap,
  parseQuote,
  refuseZonelessTimestamps,
  type RowKind,
  type RowOf,
  stageTable,
  TABLES,
  type TableSpec,
  type UpsertCounts,
  type UpsertSource,
} from "@mds/sql";
import type { BackendKind, Transaction } from "./backend.ts";
import { TenantDeniedError } from "./errors.ts";
import type { WriteMode } from "./write_mode.ts";
import type { WriteResult } from "./write_types.ts";
import { chooseWriteMode } from "./_write_options.ts";
import { prepared } from "./_prepared.ts";

/** An empty {@linkcode WriteResult}. */
export function emptyResult(): WriteResult {
  return { rows: 0, unique: 0, inserted: 0, updated: 0, unchanged: 0 };
}

/** Adds `b` into `a`. */
export function addResult(a: WriteResult, b: WriteResult): WriteResult {
  a.rows += b.rows;
  a.unique += b.unique;
  a.inserted += b.inserted;
  a.updated += b.updated;
  a.unchanged += b.unchanged;
  return a;
}

const PARSERS: { [K in RowKind]: (input: unknown, index?: number) => RowOf[K] } = {
  bars: parseBar,
  fundamentals: parseFundamentals,
  news: parseNews,
  options: parseOptionSnap,
  quotes: parseQuote,
};

/**
 * Validates one row for a tenant. A row naming another tenant is refused here, before any I/O,
 * so a caller cannot probe which keys another tenant holds. `strictTimestamps` refuses
 * timestamps without a zone, which the models otherwise read as UTC.
 */
export function validateRow<K extends RowKind>(
  kind: K,
  tenant: string,
  input: unknown,
  index?: number,
  strictTimestamps?: boolean,
): RowOf[K] {
  if (strictTimestamps) refuseZonelessTimestamps(kind, input, index);
  const row = PARSERS[kind](input, index);
  if (row.tenant_id === undefined) row.tenant_id = tenant;
  else if (row.tenant_id !== tenant) {
    throw new TenantDeniedError(
      `Row ${index ?? 0} names tenant "${row.tenant_id}" but the scope is tenant "${tenant}"`,
    );
  }
  return row;
}

/**
 * Upserts already-validated rows of one tenant in one statement; `sideEffects: false` leaves
 * latest prices and cursors to one {@linkcode writeSeriesUpdate} at the end of the write.
 */
export async function writeBatch<K extends RowKind>(
  tx: Transaction,
  backend: BackendKind,
  kind: K,
  rows: readonly RowOf[K][],
  mode: WriteMode,
  sideEffects = true,
): Promise<WriteResult> {
  if (rows.length === 0) return emptyResult();
  const spec = TABLES[kind];
  const unique = prepared(spec, rows);
  const copy = chooseWriteMode(mode, unique.length, backend) === "copy";
  return await upsert(tx, spec, rows.length, unique.length, copy, {
    unnest: () => ({ kind: "unnest", rows: unique }),
    copy: () => copyChunks(spec, unique),
  }, sideEffects);
}

/**
 * Upserts a sealed {@linkcode EncodedRows} batch of one tenant in one statement, with latest
 * prices and cursors; COPY into staging first when the mode says so.
 */
export async function writeEncodedBatch(
  tx: Transaction,
  backend: BackendKind,
  rows: EncodedRows,
  mode: WriteMode,
  copyMinRows?: number,
): Promise<WriteResult> {
  if (rows.length === 0) return emptyResult();
  const copy = chooseWriteMode(mode, rows.unique, backend, copyMinRows) === "copy";
  return await upsert(tx, rows.spec, rows.length, rows.unique, copy, {
    unnest: () => ({ kind: "encoded", rows }),
    copy: () => toAsync(rows.copyChunks()),
  }, true);
}

/** The upsert of `unique` rows given two ways: as `unnest` parameters, or as COPY text. */
async function upsert(
  tx: Transaction,
  spec: TableSpec,
  given: number,
  unique: number,
  copy: boolean,
  source: { unnest: () => UpsertSource; copy: () => AsyncIterable<string> },
  sideEffects: boolean,
): Promise<WriteResult> {
  let counts: UpsertCounts | undefined;
  if (copy) {
    await tx.query(
      buildStageTable(spec).replace("CREATE TEMP TABLE", "CREATE TEMP TABLE IF NOT EXISTS"),
    );
    await tx.query(`TRUNCATE ${stageTable(spec)}`);
    await tx.copyIn(copyTarget(spec), source.copy());
    const q = buildUpsert(spec, { kind: "stage", table: stageTable(spec) }, { sideEffects });
    [counts] = await tx.query<UpsertCounts>(q.text, q.params, { prepare: true });
  } else {
    // one fixed text per table and source: prepared, parsed and described once per connection
    const q = buildUpsert(spec, source.unnest(), { sideEffects });
    [counts] = await tx.query<UpsertCounts>(q.text, q.params, { prepare: true });
  }
  const inserted = counts?.inserted ?? 0;
  const updated = counts?.updated ?? 0;
  return { rows: given, unique, inserted, updated, unchanged: unique - inserted - updated };
}

async function* toAsync(chunks: Iterable<string>): AsyncGenerator<string> {
  yield* chunks;
}

/** Brings latest prices and cursors up to date for all the rows of a multi-statement write. */
export async function writeSeriesUpdate(
  tx: Transaction,
  kind: RowKind,
  rows: readonly object[],
): Promise<void> {
  const q = buildSeriesUpdate(TABLES[kind], rows);
  if (q) await tx.query(q.text, q.params, { prepare: true });
}

/** COPY payload in chunks of 1,000 rows, so encoding overlaps with sending. */
async function* copyChunks(
  spec: (typeof TABLES)[RowKind],
  rows: readonly object[],
): AsyncGenerator<string> {
  for (let i = 0; i < rows.length; i += 1_000) {
    yield encodeCopyRows(spec, rows.slice(i, i + 1_000));
  }
}
