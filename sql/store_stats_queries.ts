// Canonical SQL of the store-wide figures behind `MdsClient.storeStats()`: jobs by type and
// state, the oldest queued backfill and the ingestion lag, across every tenant. They read the
// private schema, so they run on the client's own connection (a login role that owns the
// store), never inside a tenant's unit of work.
import type { SqlQuery } from "./upsert.ts";

/**
 * Counts of every tenant's jobs by type and state (`job_type`, `state`, `jobs`), by type and
 * then in lifecycle order; pairs without jobs are left out.
 *
 * @returns The statement, without parameters.
 *
 * @example
 * ```ts
 * import { buildStoreJobCounts } from "@mds/sql";
 * import assert from "node:assert/strict";
 *
 * const q = buildStoreJobCounts();
 * assert.match(q.text, /FROM mds_core\.jobs/);
 * assert.deepEqual(q.params, []);
 * ```
 */
export function buildStoreJobCounts(): SqlQuery {
  return {
    text: `SELECT job_type, state, count(*)::int AS jobs FROM mds_core.jobs
     GROUP BY 1, 2
     ORDER BY 1, array_position(ARRAY['queued', 'running', 'done', 'dead'], state)`,
    params: [],
  };
}

/**
 * The age in seconds (`seconds`, float8) of the oldest queued backfill job of any tenant, by its
 * creation time: jobs of type `backfill` and `backfill:*`. 0 when none is queued.
 *
 * @returns The statement returning one row, without parameters.
 *
 * @example
 * ```ts
 * import { buildOldestQueuedBackfill } from "@mds/sql";
 * import assert from "node:assert/strict";
 *
 * const q = buildOldestQueuedBackfill();
 * assert.match(q.text, /job_type LIKE 'backfill:%'/);
 * assert.match(q.text, /coalesce\(/);
 * ```
 */
export function buildOldestQueuedBackfill(): SqlQuery {
  return {
    text: `SELECT coalesce(extract(epoch FROM now() - min(created_at)), 0)::float8 AS seconds
     FROM mds_core.jobs
     WHERE state = 'queued' AND (job_type = 'backfill' OR job_type LIKE 'backfill:%')`,
    params: [],
  };
}

/**
 * The ingestion lag of every dataset and timeframe across tenants: now minus the oldest cursor's
 * `last_ts`, i.e. the lag of the stalest series, in seconds (`dataset`, `timeframe`, `seconds`;
 * negative when every cursor is in the future). Options have the empty timeframe.
 *
 * @returns The statement, without parameters, ordered by dataset and timeframe.
 *
 * @example
 * ```ts
 * import { buildIngestLag } from "@mds/sql";
 * import assert from "node:assert/strict";
 *
 * const q = buildIngestLag();
 * assert.match(q.text, /now\(\) - min\(last_ts\)/);
 * assert.match(q.text, /FROM mds_core\.ingest_cursors GROUP BY 1, 2/);
 * ```
 */
export function buildIngestLag(): SqlQuery {
  return {
    text: `SELECT dataset, timeframe, extract(epoch FROM now() - min(last_ts))::float8 AS seconds
     FROM mds_core.ingest_cursors GROUP BY 1, 2 ORDER BY 1, 2`,
    params: [],
  };
}
