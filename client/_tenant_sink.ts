// The write path of one tenant as a RowSink: what the upsert calls, the copy streams and a
// BatchProcessor all end in.
import { type EncodedRows, type OptionSnap, type RowKind, type RowOf, TABLES } from "@mds/sql";
import type { Transaction } from "./backend.ts";
import type { RowSink } from "./row_sink.ts";
import type { WriteMode } from "./write_mode.ts";
import type { TenantContext } from "./_tenant_context.ts";
import {
  addResult,
  emptyResult,
  validateRow,
  writeBatch,
  writeEncodedBatch,
  writeSeriesUpdate,
} from "./_write.ts";
import { TenantDeniedError } from "./errors.ts";
import { checkWriteOptions, chooseWriteMode, DEFAULT_BATCH_ROWS } from "./_write_options.ts";
import type { WriteOptions, WriteResult } from "./write_types.ts";
import { fillOptionGreeks } from "./option_fill.ts";
import { markPrepared, prepared } from "./_prepared.ts";

/** The tenant's write path: validation, and upserts of validated rows in one unit of work. */
export function tenantSink(ctx: TenantContext): RowSink {
  return {
    tenant: ctx.tenant,
    defaultConcurrency: ctx.backend === "postgres" ? 2 : 1,
    validate: <K extends RowKind>(kind: K, input: unknown, index?: number): RowOf[K] =>
      validateRow(kind, ctx.tenant, input, index, ctx.strictTimestamps),
    write: <K extends RowKind>(kind: K, rows: readonly RowOf[K][], options?: WriteOptions) =>
      writeValidated(ctx, kind, rows, options ?? {}),
    writeEncoded: (rows: EncodedRows, options?: WriteOptions) =>
      writeEncoded(ctx, rows, options ?? {}),
  };
}

async function writeEncoded(
  ctx: TenantContext,
  rows: EncodedRows,
  options: WriteOptions,
): Promise<WriteResult> {
  const kind = rows.spec.kind;
  if (kind === "options") {
    // their greeks are filled from row objects on the way in (see writeValidated)
    throw new TypeError("Option snapshots are written as rows, not encoded");
  }
  if (rows.length > 0 && rows.tenant !== ctx.tenant) {
    throw new TenantDeniedError(
      `An encoded batch of ${kind} holds rows of another tenant than "${ctx.tenant}"`,
    );
  }
  const mode = options.mode ?? ctx.writeMode;
  checkWriteOptions(mode, options.batchRows ?? DEFAULT_BATCH_ROWS);
  // the newest row of each series or symbol is what a pulse event carries
  return await inUnit(
    ctx,
    kind,
    rows.newest,
    (tx) => writeEncodedBatch(tx, ctx.backend, rows, mode, ctx.copyMinRows),
  );
}

async function writeValidated<K extends RowKind>(
  ctx: TenantContext,
  kind: K,
  given: readonly RowOf[K][],
  options: WriteOptions,
): Promise<WriteResult> {
  // Option snapshots get the implied volatility and greeks their vendor left out, flagged in
  // `computed`; whichever way they came (upsert, copy stream, batch processor).
  const rows = kind === "options"
    ? (given as readonly OptionSnap[]).map((row) =>
      fillOptionGreeks(row, { rate: ctx.optionsRate })
    ) as RowOf[K][]
    : given;
  const mode = options.mode ?? ctx.writeMode;
  const batchRows = options.batchRows ?? ctx.batchRows ?? DEFAULT_BATCH_ROWS;
  checkWriteOptions(mode, batchRows);
  return await inUnit(ctx, kind, rows, (tx) => writeRows(tx, ctx, kind, rows, mode, batchRows));
}

/**
 * Runs one write in a unit of work and gathers its pulse: the events go out with the unit's
 * commit, one statement for all its writes. A write that changed no row (every row stored
 * already with the same values) publishes nothing: its subscribers have seen those rows.
 */
async function inUnit(
  ctx: TenantContext,
  kind: RowKind,
  pulseRows: readonly object[],
  write: (tx: Transaction) => Promise<WriteResult>,
): Promise<WriteResult> {
  const started = performance.now();
  const result = await ctx.run(async (tx) => {
    const written = await write(tx);
    if (written.inserted + written.updated > 0) ctx.pulse?.(tx, kind, pulseRows);
    return written;
  });
  ctx.onWrite?.(kind, result, (performance.now() - started) / 1000);
  return result;
}

async function writeRows<K extends RowKind>(
  tx: Transaction,
  ctx: TenantContext,
  kind: K,
  rows: readonly RowOf[K][],
  mode: WriteMode,
  batchRows: number,
): Promise<WriteResult> {
  // COPY moves the whole call into staging at once and upserts it in one statement; unnest
  // sends batchRows rows per statement.
  if (chooseWriteMode(mode, rows.length, ctx.backend, ctx.copyMinRows) === "copy") {
    return await writeBatch(tx, ctx.backend, kind, rows, "copy");
  }
  if (rows.length <= batchRows) {
    return await writeBatch(tx, ctx.backend, kind, rows, "insert");
  }
  // Repeated keys collapse across the whole call (the last wins), whatever the batch size.
  const unique = prepared(TABLES[kind], rows);
  const total = emptyResult();
  for (let i = 0; i < unique.length; i += batchRows) {
    const batch = markPrepared(unique.slice(i, i + batchRows));
    addResult(total, await writeBatch(tx, ctx.backend, kind, batch, "insert", false));
  }
  await writeSeriesUpdate(tx, kind, unique);
  return { ...total, rows: rows.length };
}
