/**
 * The control-plane HTTP server of the mds market-data store, built with Hono: health and
 * readiness probes, Prometheus metrics on a registry of its own, migrations, TimescaleDB
 * retention and aggregate refreshes, idempotent backfill jobs, and a tenant's dead letters and
 * gaps (`/ops/...`), the mutating and tenant-data endpoints behind a bearer token. Metrics include
 * jobs by state (`mds_jobs`), finished jobs by type (`mds_jobs_finished`), the oldest queued
 * backfill's age, gaps found and ingestion lag. `admin/main.ts` serves it with `Deno.serve`.
 *
 * @example Serve an embedded store in process
 * ```ts
 * import { createAdminApp, writeMetrics } from "@mds/admin";
 * import { createClient } from "@mds/client";
 * import { Registry } from "prom-client";
 * import assert from "node:assert/strict";
 *
 * const registry = new Registry();
 * await using client = await createClient({ memory: true, onWrite: writeMetrics(registry) });
 * const app = createAdminApp({ client, registry, adminToken: undefined, logger: { log() {} } });
 * assert.equal((await app.request("/healthz")).status, 200);
 * assert.match(await (await app.request("/metrics")).text(), /^mds_db_up 1$/m);
 * assert.equal((await app.request("/migrate", { method: "POST" })).status, 503);
 * ```
 *
 * @module
 */
export * from "./app.ts";
export * from "./admin_client.ts";
export * from "./metrics_registry.ts";
export * from "./errors.ts";
export * from "./logger.ts";
export * from "./write_metrics.ts";
export * from "./schema_registry.ts";
export * from "./wait_for_db.ts";
