// The listing, counting, requeue and purge statements tested as data, without a database.
import { assert, assertEquals, assertIncludes } from "../testing/assert.ts";
import { assertPlaceholders, assertTenantScoped } from "../testing/sql_query.ts";
import {
  buildJobStats,
  buildListJobs,
  buildPurgeDeadJobs,
  buildRequeueDeadJobs,
  buildRequeueJob,
} from "./dead_letter_queries.ts";
import { JOB_STATES } from "./job.ts";

const ID = "00000000-0000-4000-8000-00000000000a";
const REQUEUE = "SET state = 'queued', attempts = 0, run_after = now(), lease_until = NULL";

Deno.test("buildListJobs() filters by state, type and age, oldest change first", () => {
  const q = buildListJobs({ state: "dead", type: "fetch", olderThanSeconds: 3600, limit: 50 });
  assertTenantScoped(q);
  assertPlaceholders(q);
  assertEquals(q.params, ["dead", "fetch", 3600, 50]);
  assertIncludes(
    q.text,
    "($1::text IS NULL OR state = $1) AND ($2::text IS NULL OR job_type = $2)",
  );
  assertIncludes(q.text, "updated_at <= now() - make_interval(secs => $3)");
  assertIncludes(q.text, "ORDER BY updated_at, id LIMIT $4");
  assertEquals(
    buildListJobs({ state: null, type: null, olderThanSeconds: 0, limit: 100 }).params,
    [null, null, 0, 100],
  );
});

Deno.test("buildJobStats() counts by type and state in lifecycle order", () => {
  const q = buildJobStats();
  assertTenantScoped(q);
  assertPlaceholders(q);
  assertEquals(q.params, []);
  assertIncludes(q.text, "count(*)::int AS jobs");
  assertIncludes(
    q.text,
    `array_position(ARRAY[${JOB_STATES.map((s) => `'${s}'`).join(", ")}], state)`,
  );
});

Deno.test("buildRequeueJob() requeues one job only while it is dead", () => {
  const q = buildRequeueJob(ID);
  assertTenantScoped(q);
  assertPlaceholders(q);
  assertEquals(q.params, [ID]);
  assertIncludes(q.text, REQUEUE);
  assertIncludes(q.text, "locked_by = NULL, finished_at = NULL, updated_at = now()");
  assertIncludes(q.text, "WHERE id = $1 AND state = 'dead' RETURNING id, tenant_id,");
});

Deno.test("buildRequeueDeadJobs() requeues dead jobs by ids, type and age", () => {
  const ids = [ID];
  const q = buildRequeueDeadJobs({ ids, type: null, olderThanSeconds: 0 });
  assertTenantScoped(q);
  assertPlaceholders(q);
  assertEquals(q.params, [[ID], null, 0]);
  assert(q.params[0] !== ids, "the caller's array is copied");
  assertIncludes(q.text, REQUEUE);
  assertIncludes(q.text, "state = 'dead' AND ($1::uuid[] IS NULL OR id = ANY($1::uuid[]))");
  assertIncludes(q.text, "RETURNING id");
  assertEquals(
    buildRequeueDeadJobs({ ids: null, type: "fetch", olderThanSeconds: 60 }).params,
    [null, "fetch", 60],
  );
});

Deno.test("buildPurgeDeadJobs() deletes only dead jobs and counts them", () => {
  const q = buildPurgeDeadJobs({ type: "fetch", olderThanSeconds: 86_400 });
  assertTenantScoped(q);
  assertPlaceholders(q);
  assertEquals(q.params, ["fetch", 86_400]);
  assertIncludes(q.text, "DELETE FROM mds.jobs");
  assertIncludes(q.text, "WHERE state = 'dead' AND ($1::text IS NULL OR job_type = $1)");
  assertIncludes(q.text, "SELECT count(*)::int AS n FROM gone");
  assertEquals(buildPurgeDeadJobs({ type: null, olderThanSeconds: 0 }).params, [null, 0]);
});
