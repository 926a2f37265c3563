import type { EncodedRows, RowKind, RowOf } from "@mds/sql";
import type { WriteOptions, WriteResult } from "./write_types.ts";

/**
 * Where a {@linkcode BatchProcessor} (and the copy streams) write: one tenant's write path for
 * rows it validated itself. Get one from {@linkcode TenantApi.sink}; from
 * {@linkcode MdsClient.tenant} each `write` is its own unit of work, inside
 * {@linkcode MdsClient.withTenant} it joins the shared transaction. Tests implement it to watch
 * or hold the batches a processor sends.
 *
 * @example Validate first, write later
 * ```ts
 * import { createClient } from "@mds/client";
 * import assert from "node:assert/strict";
 *
 * await using client = await createClient({ memory: true });
 * const sink = client.tenant("6f1c7a54-3b1e-4c8e-9a57-2d4be1f0a001").sink();
 * const bar = sink.validate("bars", { ts: 0, vendor: "v", symbol: "A", timeframe: "1d", open: 1,
 *   high: 1, low: 1, close: 1 });
 * assert.equal(bar.tenant_id, sink.tenant);
 * assert.equal((await sink.write("bars", [bar])).inserted, 1);
 * ```
 */
export interface RowSink {
  /** The tenant the rows belong to. */
  readonly tenant: string;
  /** Flushes a batch processor runs at once by default: 2 on a server, 1 embedded. */
  readonly defaultConcurrency: number;
  /**
   * Validates one row for this tenant without writing it.
   *
   * @typeParam K Row kind.
   * @param kind Row kind.
   * @param input The row as received.
   * @param index Its position, quoted in the error.
   * @returns The normalised row with `tenant_id` filled.
   * @throws {ValidationError} Naming the field.
   * @throws {TenantDeniedError} When the row names another tenant.
   */
  validate<K extends RowKind>(kind: K, input: unknown, index?: number): RowOf[K];
  /**
   * Upserts rows already validated for this tenant (by {@linkcode RowSink.validate}) in one
   * transaction, without validating them again.
   *
   * @typeParam K Row kind.
   * @param kind Row kind.
   * @param rows Validated rows, `tenant_id` filled.
   * @param options Write mode and batch size.
   * @returns Rows inserted, updated and unchanged.
   */
  write<K extends RowKind>(
    kind: K,
    rows: readonly RowOf[K][],
    options?: WriteOptions,
  ): Promise<WriteResult>;
  /**
   * Upserts a sealed batch of rows validated for this tenant and encoded column by column, in
   * one transaction and one statement (`batchRows` does not apply). Optional: a
   * {@linkcode BatchProcessor} buffers rows this way when its sink has it (every kind but
   * option snapshots), and keeps row objects otherwise.
   *
   * @param rows The batch; its `kind` is its table's.
   * @param options Write mode.
   * @returns Rows inserted, updated and unchanged.
   * @throws {TenantDeniedError} When a row belongs to another tenant.
   */
  writeEncoded?(rows: EncodedRows, options?: WriteOptions): Promise<WriteResult>;
}
