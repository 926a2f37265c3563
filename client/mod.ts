/**
 * The async client of the mds market-data store, for Deno and Node: tenant-scoped idempotent
 * upserts, COPY streaming, batching, reads, jobs, the migration runner and typed errors, over a
 * PostgreSQL server (postgres.js) or an embedded PGlite store. Trading calendars (NYSE, 24x7, your
 * own), which gap detection uses, are the second entry point, `@mds/client/calendar`.
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
export * from "./dsn.ts";
export * from "./store_env.ts";
export * from "./retry.ts";
export * from "./tenant.ts";
export * from "./history.ts";
export * from "./write_mode.ts";
export * from "./write_types.ts";
export * from "./option_fill.ts";
export * from "./row_sink.ts";
export * from "./batch_processor.ts";
export * from "./read_types.ts";
export * from "./jobs_api.ts";
export * from "./job_types.ts";
export * from "./job_errors.ts";
export * from "./timescale.ts";
export * from "./universe_api.ts";
export * from "./universe_types.ts";
export * from "./macro_api.ts";
export * from "./macro_types.ts";
export * from "./api_keys.ts";
export * from "./api_keys_types.ts";
export * from "./schema_catalog.ts";
