import type { MdsClient } from "@mds/client";
import type { Timeframe } from "@mds/sql";

/** A connection or transaction the admin app runs statements on. */
export interface AdminQueryable {
  /**
   * Runs one statement with `$n` parameters.
   *
   * @param text The statement.
   * @param params Its parameters.
   * @returns The rows.
   */
  query<T = Record<string, unknown>>(text: string, params?: readonly unknown[]): Promise<T[]>;
}

/** The backend operations the admin app uses: transactions and dedicated sessions. */
export interface AdminBackend extends AdminQueryable {
  /**
   * Runs `fn` in a transaction.
   *
   * @param fn The work.
   * @returns What `fn` returns.
   */
  transaction<T>(fn: (tx: AdminQueryable) => Promise<T>): Promise<T>;
  /**
   * Runs `fn` on one connection outside any transaction.
   *
   * @param fn The work.
   * @returns What `fn` returns.
   */
  session<T>(fn: (conn: AdminQueryable) => Promise<T>): Promise<T>;
}

/** Whether the TimescaleDB steps ran, as `MdsClient` reports it. */
export type AdminSchemaMode = "timescale" | "plain";

/** One migration file and where it stands, as `MdsClient.migrationStatus()` lists it. */
export interface AdminMigrationEntry {
  /** The file's number. */
  readonly version: number;
  /** File name. */
  readonly name: string;
  /** Applied, pending, or applied from a file that has changed since. */
  readonly state: "applied" | "pending" | "drifted";
}

/**
 * The parts of an `MdsClient` (from `@mds/client`) the admin app uses. Every `MdsClient` is one:
 * pass the client from `createClient()`. Declared here, and checked against `MdsClient` when
 * this package compiles, so the admin API documents itself without re-exporting the client's.
 */
export interface AdminClient {
  /** The backend, for TimescaleDB procedures and policies. */
  readonly backend: AdminBackend;
  /** One round trip to the database. */
  health(): Promise<{ readonly latencyMs: number }>;
  /** The newest applied migration and the schema mode. */
  schemaVersion(): Promise<{
    readonly version: number;
    readonly mode: AdminSchemaMode | null;
    readonly appliedAt: Date | null;
  }>;
  /** Applies pending migrations. */
  migrate(): Promise<{
    readonly mode: AdminSchemaMode;
    readonly applied: readonly string[];
    readonly version: number;
  }>;
  /** Lists migrations with their state. */
  migrationStatus(): Promise<{
    readonly mode: AdminSchemaMode;
    readonly version: number;
    readonly entries: readonly AdminMigrationEntry[];
  }>;
  /**
   * The API of one tenant.
   *
   * @param id Tenant UUID.
   * @returns What the admin app needs of it: enqueueing jobs, its dead letters and its gaps.
   */
  tenant(id: string): {
    enqueueJob(job: {
      idempotency_key: string;
      job_type: string;
      payload: Record<string, unknown>;
    }): Promise<{ readonly id: string; readonly created: boolean }>;
    listJobs(query: {
      state?: "queued" | "running" | "done" | "dead" | undefined;
      type?: string | undefined;
      olderThanSeconds?: number | undefined;
      limit?: number | undefined;
    }): Promise<readonly AdminJob[]>;
    requeueJob(id: string): Promise<AdminJob>;
    purgeDeadJobs(
      filter: { olderThanSeconds: number; type?: string | undefined },
    ): Promise<number>;
    findGaps(query: {
      symbol: string;
      timeframe: Timeframe;
      start: Date;
      end: Date;
      vendor?: string | undefined;
      calendar?: "nyse" | "24x7" | undefined;
    }): Promise<readonly AdminGap[]>;
  };
}

/** A job as the admin app reports it (a `JobRecord` of `@mds/client`). */
export interface AdminJob {
  /** Job id. */
  readonly id: string;
  /** Caller-chosen key. */
  readonly idempotency_key: string;
  /** What kind of work. */
  readonly job_type: string;
  /** Arguments of the work. */
  readonly payload: Record<string, unknown>;
  /** Lifecycle state. */
  readonly state: string;
  /** Smaller runs first. */
  readonly priority: number;
  /** Attempts started so far. */
  readonly attempts: number;
  /** Attempts allowed. */
  readonly max_attempts: number;
  /** Not claimed before this time. */
  readonly run_after: Date;
  /** Message of the last failure. */
  readonly last_error: string | null;
  /** SQLSTATE or mds code of the last failure. */
  readonly last_error_code: string | null;
  /** Creation time. */
  readonly created_at: Date;
  /** Last change; for a dead job, its death. */
  readonly updated_at: Date;
  /** When the job became done or dead. */
  readonly finished_at: Date | null;
}

/** A run of missing bars, as `TenantApi.findGaps()` of `@mds/client` reports it. */
export interface AdminGap {
  /** Open time of the first missing bar. */
  readonly start: Date;
  /** End of the last missing bar, exclusive. */
  readonly end: Date;
  /** Expected bars missing in the run. */
  readonly missing_bars: number;
}

// Compile-time proof that every MdsClient is an AdminClient.
type Fits<T> = T extends AdminClient ? true : false;
const _mdsClientFits: Fits<MdsClient> = true;
