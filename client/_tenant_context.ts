import type { RowKind, SchemaMode } from "@mds/sql";
import type { BackendKind, Queryable, Transaction, TransactionOptions } from "./backend.ts";
import type { WriteMode } from "./write_mode.ts";
import type { WriteResult } from "./write_types.ts";

/** What the tenant API (and its jobs and sink) needs from the client. */
export interface TenantContext {
  /** The tenant id, validated. */
  readonly tenant: string;
  /** Which backend runs the statements. */
  readonly backend: BackendKind;
  /** The client's default write mode. */
  readonly writeMode: WriteMode;
  /** Refuse row timestamps without a zone instead of reading them as UTC. */
  readonly strictTimestamps?: boolean | undefined;
  /** From how many rows `auto` copies on a server. @default {AUTO_COPY_MIN_ROWS} */
  readonly copyMinRows?: number | undefined;
  /** Default rows per statement of an `insert` write. @default {DEFAULT_BATCH_ROWS} */
  readonly batchRows?: number | undefined;
  /**
   * Risk-free rate the greeks of written option snapshots are computed with where the vendor
   * sent none. @default {DEFAULT_OPTIONS_RATE}
   */
  readonly optionsRate?: number | undefined;
  /**
   * Runs `fn` in a unit of work of this tenant (a transaction, tenant set locally); `readOnly`
   * for units that only read.
   */
  run<T>(fn: (tx: Transaction) => Promise<T>, options?: TransactionOptions): Promise<T>;
  /**
   * Runs the reads of `fn` (statements that need no transaction around them all), each in a
   * read-only unit of work of this tenant of its own: one round trip each on a server. Absent
   * where the calls share a transaction; `run` with `readOnly` then serves.
   */
  read?: (<T>(fn: (db: Queryable) => Promise<T>) => Promise<T>) | undefined;
  /** The schema mode, read once per client. */
  schemaMode(): Promise<SchemaMode>;
  /**
   * Records the rows of a write in the unit of work `tx`, for the events it publishes when it
   * commits; absent when the client publishes none.
   */
  pulse?: ((tx: Transaction, kind: RowKind, rows: readonly object[]) => void) | undefined;
  /** Called after each committed write, for metrics. */
  onWrite?: ((kind: RowKind, result: WriteResult, seconds: number) => void) | undefined;
}

/**
 * Runs the reads of `fn` for the tenant of `ctx`: through {@linkcode TenantContext.read} where
 * it has one, else in one read-only unit of work.
 */
export function readIn<T>(ctx: TenantContext, fn: (db: Queryable) => Promise<T>): Promise<T> {
  return ctx.read?.(fn) ?? ctx.run(fn, { readOnly: true });
}
