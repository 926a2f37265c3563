// The store-wide figures tested as data: every tenant's jobs, backfill age, ingestion lag.
import { assert, assertIncludes } from "../testing/assert.ts";
import { assertPlaceholders } from "../testing/sql_query.ts";
import {
  buildIngestLag,
  buildOldestQueuedBackfill,
  buildStoreJobCounts,
} from "./store_stats_queries.ts";

Deno.test("buildStoreJobCounts() counts every tenant's jobs by type and state", () => {
  const q = buildStoreJobCounts();
  assertPlaceholders(q);
  assertIncludes(q.text, "SELECT job_type, state, count(*)::int AS jobs FROM mds_core.jobs");
  assertIncludes(q.text, "GROUP BY 1, 2");
  assert(!q.text.includes("tenant_id"), "filters by tenant");
});

Deno.test("buildOldestQueuedBackfill() ages queued backfill jobs of both type forms, 0 without", () => {
  const q = buildOldestQueuedBackfill();
  assertPlaceholders(q);
  assertIncludes(q.text, "coalesce(extract(epoch FROM now() - min(created_at)), 0)::float8");
  assertIncludes(q.text, "FROM mds_core.jobs");
  assertIncludes(
    q.text,
    "state = 'queued' AND (job_type = 'backfill' OR job_type LIKE 'backfill:%')",
  );
});

Deno.test("buildIngestLag() measures the stalest cursor of each dataset and timeframe", () => {
  const q = buildIngestLag();
  assertPlaceholders(q);
  assertIncludes(q.text, "SELECT dataset, timeframe,");
  assertIncludes(q.text, "extract(epoch FROM now() - min(last_ts))::float8 AS seconds");
  assertIncludes(q.text, "FROM mds_core.ingest_cursors GROUP BY 1, 2");
});
