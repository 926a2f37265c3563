// The job lifecycle statements tested as data: their text and parameters, without a database.
import { assert, assertEquals, assertIncludes } from "../testing/assert.ts";
import { assertPlaceholders, assertTenantScoped } from "../testing/sql_query.ts";
import { parseEnqueueJob } from "./job.ts";
import {
  buildClaimJobs,
  buildCompleteJob,
  buildEnqueueJob,
  buildExpireLastLeases,
  buildJobIdByKey,
  buildJobState,
  buildLockRunningJob,
  buildRecordFailure,
} from "./job_queries.ts";

const ID = "00000000-0000-4000-8000-00000000000a";
const COLUMNS = "RETURNING id, tenant_id, idempotency_key, job_type, payload, state, priority, " +
  "attempts, max_attempts, run_after, lease_until, locked_by, last_error, last_error_code, " +
  "created_at, updated_at, finished_at, result";

Deno.test("buildEnqueueJob() inserts once per key with the payload as JSON text", () => {
  const runAfter = new Date("2024-01-02T00:00:00Z");
  const job = parseEnqueueJob({
    idempotency_key: "nightly",
    job_type: "refresh",
    payload: { symbols: ["AAPL"], note: "é" },
    priority: -5,
    run_after: runAfter,
    max_attempts: 3,
  });
  const q = buildEnqueueJob(job);
  assertTenantScoped(q);
  assertPlaceholders(q);
  assertEquals(q.params, [
    "nightly",
    "refresh",
    '{"symbols":["AAPL"],"note":"é"}',
    -5,
    runAfter,
    3,
  ]);
  assertIncludes(q.text, "INSERT INTO mds.jobs");
  assertIncludes(q.text, "$3::text::jsonb");
  assertIncludes(q.text, "coalesce($5::timestamptz, now())");
  assertIncludes(q.text, "ON CONFLICT (tenant_id, idempotency_key) DO NOTHING");
});

Deno.test("buildEnqueueJob() leaves run_after to the database when the job gives none", () => {
  const q = buildEnqueueJob(parseEnqueueJob({ idempotency_key: "k", job_type: "t" }));
  assertEquals(q.params, ["k", "t", "{}", 0, null, 5]);
});

Deno.test("buildJobIdByKey() and buildJobState() look one job up", () => {
  for (const q of [buildJobIdByKey("k"), buildJobState(ID)]) {
    assertTenantScoped(q);
    assertPlaceholders(q);
  }
  assertEquals(buildJobIdByKey("k").params, ["k"]);
  assertEquals(buildJobState(ID).params, [ID]);
});

Deno.test("buildExpireLastLeases() kills only expired last attempts, skipping locked rows", () => {
  const types = ["fetch", "refresh"];
  const q = buildExpireLastLeases(types);
  assertTenantScoped(q);
  assertPlaceholders(q);
  assertEquals(q.params, [["fetch", "refresh"]]);
  assert(q.params[0] !== types, "the caller's array is copied");
  assertIncludes(q.text, "SET state = 'dead'");
  assertIncludes(q.text, "state = 'running' AND lease_until < now() AND attempts >= max_attempts");
  assertIncludes(q.text, "last_error_code = 'MDS_TIMEOUT'");
  assertIncludes(q.text, "FOR UPDATE SKIP LOCKED");
  assertEquals(buildExpireLastLeases(null).params, [null]);
});

Deno.test("buildClaimJobs() leases due jobs, most urgent first, skipping locked rows", () => {
  const q = buildClaimJobs({ worker: "w1", types: ["fetch"], limit: 10, leaseSeconds: 60 });
  assertTenantScoped(q);
  assertPlaceholders(q);
  assertEquals(q.params, [["fetch"], 10, 60, "w1"]);
  assertIncludes(q.text, "(state = 'queued' AND run_after <= now())");
  assertIncludes(q.text, "(state = 'running' AND lease_until < now())");
  assertIncludes(q.text, "attempts = attempts + 1");
  assertIncludes(q.text, "lease_until = now() + make_interval(secs => $3), locked_by = $4");
  assertIncludes(q.text, "ORDER BY priority, run_after, id");
  assertIncludes(q.text, "FOR UPDATE SKIP LOCKED");
  assertIncludes(q.text, COLUMNS);
  assertEquals(
    buildClaimJobs({ worker: "w1", types: null, limit: 1, leaseSeconds: 300 }).params,
    [null, 1, 300, "w1"],
  );
});

Deno.test("buildCompleteJob() finishes only a running job, of the worker when given", () => {
  const q = buildCompleteJob(ID, "w1");
  assertTenantScoped(q);
  assertPlaceholders(q);
  assertEquals(q.params, [ID, "w1", null]);
  assertIncludes(q.text, "SET state = 'done', lease_until = NULL, finished_at = now()");
  assertIncludes(q.text, "state = 'running' AND ($2::text IS NULL OR locked_by = $2)");
  assertIncludes(q.text, COLUMNS);
  assertEquals(buildCompleteJob(ID, null).params, [ID, null, null]);
  assertEquals(buildCompleteJob(ID, null, { rows: 3 }).params, [ID, null, '{"rows":3}']);
});

Deno.test("buildLockRunningJob() locks the running job and reads its attempts", () => {
  const q = buildLockRunningJob(ID, null);
  assertTenantScoped(q);
  assertPlaceholders(q);
  assertEquals(q.params, [ID, null]);
  assertIncludes(q.text, "SELECT attempts, max_attempts FROM mds.jobs");
  assert(q.text.trimEnd().endsWith("FOR UPDATE"), q.text);
});

Deno.test("buildRecordFailure() requeues after a delay or kills, recording the error", () => {
  const retry = buildRecordFailure(ID, {
    state: "queued",
    delaySeconds: 12.5,
    message: "Timed out",
    code: "57014",
  });
  assertTenantScoped(retry);
  assertPlaceholders(retry);
  assertEquals(retry.params, [ID, "queued", 12.5, "Timed out", "57014"]);
  assertIncludes(
    retry.text,
    "run_after = CASE WHEN $2 = 'queued' THEN now() + make_interval(secs => $3) ELSE run_after END",
  );
  assertIncludes(retry.text, "finished_at = CASE WHEN $2 = 'dead' THEN now() END");
  assertIncludes(retry.text, "last_error = $4, last_error_code = $5");
  assertIncludes(retry.text, COLUMNS);
  const dead = buildRecordFailure(ID, { state: "dead", delaySeconds: 0, message: "x", code: null });
  assertEquals(dead.params, [ID, "dead", 0, "x", null]);
});
