/**
 * The async client of the mds market-data store, for Deno and Node: tenant-scoped idempotent
 * upserts, COPY streaming, batching, reads, jobs, the migration runner and typed errors, over a
 * PostgreSQL server (postgres.js) or an embedded PGlite store.
 *
 * @example Migrate an embedded store
 * ```ts
 * import { createPgliteBackend, migrate } from "@mds/client";
 * import assert from "node:assert/strict";
 *
 * await using db = await createPgliteBackend();
 * assert.deepEqual((await migrate(db)).mode, "plain");
 * ```
 *
 * @module
 */
export * from "./errors.ts";
export * from "./backend.ts";
export * from "./postgres_backend.ts";
export * from "./pglite_backend.ts";
export * from "./store_lock.ts";
export * from "./migrate.ts";
export * from "./client.ts";
export * from "./tenant.ts";
export * from "./timescale.ts";
export * from "./retry.ts";
export * from "./write_mode.ts";
export type { WriteResult } from "./_write.ts";
export type {
  BarsWindowQuery,
  FundamentalsQuery,
  IngestCursor,
  NewsQuery,
  OptionChainQuery,
} from "./_read.ts";
export type { EnqueuedJob } from "./_jobs.ts";
export * from "./batch_processor.ts";
export * from "./job_errors.ts";
export * from "./job_backoff.ts";
export * from "./trading_calendar.ts";
export * from "./nyse_calendar.ts";
export * from "./calendar_24x7.ts";
export * from "./calendars.ts";
export type {
  ClaimJobsOptions,
  CompleteJobOptions,
  FailJobOptions,
  JobRecord,
} from "./_job_lifecycle.ts";
export type {
  JobStat,
  ListJobsQuery,
  PurgeDeadJobsFilter,
  RequeueDeadJobsFilter,
} from "./_dead_letters.ts";
export type { BackfillOptions, BackfillRequested } from "./_backfill.ts";
export type { Gap, GapQuery } from "./_gaps.ts";
