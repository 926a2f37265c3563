// Canonical SQL of the job lifecycle: enqueue once per idempotency key, claim a lease, complete,
// fail (back to the queue after a delay, or dead). Every statement goes through the tenant view
// mds.jobs, so it runs inside a unit of work whose tenant is set.
import type { EnqueueJob, JobState } from "./job.ts";
import { JOB_COLUMNS } from "./_job_columns.ts";
import type { SqlQuery } from "./upsert.ts";

/**
 * Inserts a job unless the tenant has one with the same idempotency key (in any state). Returns
 * `id` of the new job, or no row when the key existed: read it then with
 * {@linkcode buildJobIdByKey}.
 *
 * @param job A parsed job (see `parseEnqueueJob`).
 * @returns The statement; parameters: key, type, payload as JSON text, priority, run_after
 * (`null` for now) and max_attempts.
 *
 * @example
 * ```ts
 * import { buildEnqueueJob, parseEnqueueJob } from "@mds/sql";
 * import assert from "node:assert/strict";
 *
 * const q = buildEnqueueJob(parseEnqueueJob({ idempotency_key: "k", job_type: "refresh",
 *   payload: { n: 1 } }));
 * assert.deepEqual(q.params, ["k", "refresh", '{"n":1}', 0, null, 5]);
 * assert.match(q.text, /ON CONFLICT \(tenant_id, idempotency_key\) DO NOTHING/);
 * ```
 */
export function buildEnqueueJob(job: EnqueueJob): SqlQuery {
  return {
    text:
      `INSERT INTO mds.jobs (idempotency_key, job_type, payload, priority, run_after, max_attempts)
     VALUES ($1, $2, $3::text::jsonb, $4, coalesce($5::timestamptz, now()), $6)
     ON CONFLICT (tenant_id, idempotency_key) DO NOTHING
     RETURNING id`,
    params: [
      job.idempotency_key,
      job.job_type,
      JSON.stringify(job.payload),
      job.priority,
      job.run_after,
      job.max_attempts,
    ],
  };
}

/**
 * Inserts many jobs in one statement, each unless the tenant has one with its idempotency key
 * (in any state). Returns the `idempotency_key` and `id` of the jobs created; keys that existed
 * return no row.
 *
 * @param jobs Parsed jobs (see `parseEnqueueJob`), each key once.
 * @returns The statement; one parameter, the jobs as JSON text.
 *
 * @example
 * ```ts
 * import { buildEnqueueJobs, parseEnqueueJob } from "@mds/sql";
 * import assert from "node:assert/strict";
 *
 * const q = buildEnqueueJobs([parseEnqueueJob({ idempotency_key: "a", job_type: "fetch" }),
 *   parseEnqueueJob({ idempotency_key: "b", job_type: "fetch", priority: 10 })]);
 * assert.equal(JSON.parse(q.params[0] as string).length, 2);
 * assert.match(q.text, /ON CONFLICT \(tenant_id, idempotency_key\) DO NOTHING/);
 * ```
 */
export function buildEnqueueJobs(jobs: readonly EnqueueJob[]): SqlQuery {
  return {
    text:
      `INSERT INTO mds.jobs (idempotency_key, job_type, payload, priority, run_after, max_attempts)
     SELECT idempotency_key, job_type, payload, priority, coalesce(run_after, now()), max_attempts
     FROM jsonb_to_recordset($1::text::jsonb) AS j(idempotency_key text, job_type text,
       payload jsonb, priority integer, run_after timestamptz, max_attempts integer)
     ON CONFLICT (tenant_id, idempotency_key) DO NOTHING
     RETURNING idempotency_key, id`,
    params: [JSON.stringify(jobs)],
  };
}

/**
 * The series with queued or running work of a job type whose payload names `symbols` (or one
 * `symbol`) and a `timeframe`: what a sweeper must not enqueue again.
 *
 * @param jobType The job type, e.g. `bars_fetch`.
 * @returns The statement returning distinct `symbol`, `timeframe`; one parameter.
 *
 * @example
 * ```ts
 * import { buildPendingSeries } from "@mds/sql";
 * import assert from "node:assert/strict";
 *
 * const q = buildPendingSeries("bars_fetch");
 * assert.deepEqual(q.params, ["bars_fetch"]);
 * assert.match(q.text, /state IN \('queued', 'running'\)/);
 * ```
 */
export function buildPendingSeries(jobType: string): SqlQuery {
  return {
    text: `SELECT DISTINCT s.symbol, j.payload->>'timeframe' AS timeframe
     FROM mds.jobs j,
       LATERAL jsonb_array_elements_text(
         CASE WHEN jsonb_typeof(j.payload->'symbols') = 'array' THEN j.payload->'symbols'
              ELSE jsonb_build_array(j.payload->'symbol') END) AS s(symbol)
     WHERE j.job_type = $1 AND j.state IN ('queued', 'running')`,
    params: [jobType],
  };
}

/**
 * The id of the tenant's job with an idempotency key.
 *
 * @param key The idempotency key.
 * @returns The statement, returning `id` (no row when there is no such job).
 *
 * @example
 * ```ts
 * import { buildJobIdByKey } from "@mds/sql";
 * import assert from "node:assert/strict";
 *
 * const q = buildJobIdByKey("nightly-2024-01-02");
 * assert.deepEqual(q.params, ["nightly-2024-01-02"]);
 * assert.equal(q.text, "SELECT id FROM mds.jobs WHERE idempotency_key = $1");
 * ```
 */
export function buildJobIdByKey(key: string): SqlQuery {
  return { text: "SELECT id FROM mds.jobs WHERE idempotency_key = $1", params: [key] };
}

/**
 * The state of one of the tenant's jobs, to explain why a transition found no row.
 *
 * @param id The job id.
 * @returns The statement, returning `state` (no row when there is no such job).
 *
 * @example
 * ```ts
 * import { buildJobState } from "@mds/sql";
 * import assert from "node:assert/strict";
 *
 * const id = "00000000-0000-4000-8000-00000000000a";
 * assert.deepEqual(buildJobState(id), {
 *   text: "SELECT state FROM mds.jobs WHERE id = $1",
 *   params: [id],
 * });
 * ```
 */
export function buildJobState(id: string): SqlQuery {
  return { text: "SELECT state FROM mds.jobs WHERE id = $1", params: [id] };
}

/**
 * Sends running jobs whose lease expired on their last attempt (a worker crashed on it) to the
 * dead state, with code `MDS_TIMEOUT`, so a claim never runs them again. Rows locked by a claim
 * in flight are skipped.
 *
 * @param types Only jobs of these types, or `null` for every type.
 * @returns The statement; its one parameter is the list of types.
 *
 * @example
 * ```ts
 * import { buildExpireLastLeases } from "@mds/sql";
 * import assert from "node:assert/strict";
 *
 * const q = buildExpireLastLeases(["fetch"]);
 * assert.deepEqual(q.params, [["fetch"]]);
 * assert.match(q.text, /attempts >= max_attempts/);
 * assert.deepEqual(buildExpireLastLeases(null).params, [null]);
 * ```
 */
export function buildExpireLastLeases(types: readonly string[] | null): SqlQuery {
  return {
    text: `UPDATE mds.jobs
     SET state = 'dead', lease_until = NULL, finished_at = now(), updated_at = now(),
         last_error = 'Lease expired on attempt ' || attempts || ' of ' || max_attempts
                      || coalesce(' (worker ' || locked_by || ')', ''),
         last_error_code = 'MDS_TIMEOUT'
     WHERE id IN (
       SELECT id FROM mds.jobs
       WHERE state = 'running' AND lease_until < now() AND attempts >= max_attempts
         AND ($1::text[] IS NULL OR job_type = ANY($1::text[]))
       FOR UPDATE SKIP LOCKED)`,
    params: [types === null ? null : [...types]],
  };
}

/** A validated claim of {@linkcode buildClaimJobs}. */
export interface JobClaim {
  /** Who claims, stored as `locked_by`. */
  readonly worker: string;
  /** Only jobs of these types, or `null` for every type. */
  readonly types: readonly string[] | null;
  /** Most jobs to claim. */
  readonly limit: number;
  /** Lease length in seconds. */
  readonly leaseSeconds: number;
}

/**
 * Claims up to `limit` due jobs: queued ones whose `run_after` has come and running ones whose
 * lease expired, most urgent first (smaller priority, then earlier run_after, then id). Rows
 * locked by another claim in flight are skipped, never waited for, so concurrent workers never
 * get the same job. Each claimed job is running, one attempt further, leased to the worker.
 *
 * @param claim Worker, types, count and lease length.
 * @returns The statement returning the claimed jobs (in no particular order); parameters:
 * types, limit, lease seconds, worker.
 *
 * @example
 * ```ts
 * import { buildClaimJobs } from "@mds/sql";
 * import assert from "node:assert/strict";
 *
 * const q = buildClaimJobs({ worker: "w1", types: null, limit: 10, leaseSeconds: 300 });
 * assert.deepEqual(q.params, [null, 10, 300, "w1"]);
 * assert.match(q.text, /FOR UPDATE SKIP LOCKED/);
 * ```
 */
export function buildClaimJobs(claim: JobClaim): SqlQuery {
  return {
    text: `UPDATE mds.jobs
     SET state = 'running', attempts = attempts + 1,
         lease_until = now() + make_interval(secs => $3), locked_by = $4, updated_at = now()
     WHERE id IN (
       SELECT id FROM mds.jobs
       WHERE ((state = 'queued' AND run_after <= now())
              OR (state = 'running' AND lease_until < now()))
         AND ($1::text[] IS NULL OR job_type = ANY($1::text[]))
       ORDER BY priority, run_after, id
       LIMIT $2
       FOR UPDATE SKIP LOCKED)
     RETURNING ${JOB_COLUMNS}`,
    params: [
      claim.types === null ? null : [...claim.types],
      claim.limit,
      claim.leaseSeconds,
      claim.worker,
    ],
  };
}

/**
 * Marks a running job done, if `worker` (when given) holds its lease.
 *
 * @param id The job id.
 * @param worker The worker that must hold the lease, or `null` for any.
 * @param result What the job reports, stored as JSON in `result`, or `null`.
 * @returns The statement returning the job, or no row when it is not running (under that
 * worker); parameters: id, worker, result as JSON text.
 *
 * @example
 * ```ts
 * import { buildCompleteJob } from "@mds/sql";
 * import assert from "node:assert/strict";
 *
 * const id = "00000000-0000-4000-8000-00000000000a";
 * const q = buildCompleteJob(id, null, { rows: 390 });
 * assert.deepEqual(q.params, [id, null, '{"rows":390}']);
 * assert.match(q.text, /SET state = 'done'/);
 * ```
 */
export function buildCompleteJob(
  id: string,
  worker: string | null,
  result: Record<string, unknown> | null = null,
): SqlQuery {
  return {
    text: `UPDATE mds.jobs
     SET state = 'done', lease_until = NULL, finished_at = now(), updated_at = now(),
         result = $3::text::jsonb
     WHERE id = $1 AND state = 'running' AND ($2::text IS NULL OR locked_by = $2)
     RETURNING ${JOB_COLUMNS}`,
    params: [id, worker, result === null ? null : JSON.stringify(result)],
  };
}

/**
 * Puts a running job back in the queue without spending an attempt: the attempt its claim
 * counted is given back, the lease released and `run_after` pushed back by the delay. For work
 * that could not start through no fault of its own, e.g. a vendor's rate limit.
 *
 * @param id The job id.
 * @param worker The worker that must hold the lease, or `null` for any.
 * @param delaySeconds Seconds before it may be claimed again.
 * @param message Stored as `last_error`.
 * @param code Stored as `last_error_code`, or `null`.
 * @returns The statement returning the job, or no row when it is not running (under that
 * worker); parameters: id, worker, delay, message, code.
 *
 * @example
 * ```ts
 * import { buildDeferJob } from "@mds/sql";
 * import assert from "node:assert/strict";
 *
 * const id = "00000000-0000-4000-8000-00000000000a";
 * const q = buildDeferJob(id, "w1", 30, "Rate limited", "PROVIDER_RATE_LIMITED");
 * assert.deepEqual(q.params, [id, "w1", 30, "Rate limited", "PROVIDER_RATE_LIMITED"]);
 * assert.match(q.text, /attempts = greatest\(attempts - 1, 0\)/);
 * ```
 */
export function buildDeferJob(
  id: string,
  worker: string | null,
  delaySeconds: number,
  message: string,
  code: string | null,
): SqlQuery {
  return {
    text: `UPDATE mds.jobs
     SET state = 'queued', attempts = greatest(attempts - 1, 0), lease_until = NULL,
         run_after = now() + make_interval(secs => $3), updated_at = now(),
         last_error = $4, last_error_code = $5
     WHERE id = $1 AND state = 'running' AND ($2::text IS NULL OR locked_by = $2)
     RETURNING ${JOB_COLUMNS}`,
    params: [id, worker, delaySeconds, message, code],
  };
}

/**
 * Locks a running job (held by `worker`, when given) for the rest of the transaction and reads
 * its attempts, to decide how a failure ends.
 *
 * @param id The job id.
 * @param worker The worker that must hold the lease, or `null` for any.
 * @returns The statement returning `attempts` and `max_attempts`, or no row when the job is not
 * running (under that worker); parameters: id, worker.
 *
 * @example
 * ```ts
 * import { buildLockRunningJob } from "@mds/sql";
 * import assert from "node:assert/strict";
 *
 * const id = "00000000-0000-4000-8000-00000000000a";
 * const q = buildLockRunningJob(id, "w1");
 * assert.deepEqual(q.params, [id, "w1"]);
 * assert.match(q.text, /FOR UPDATE$/);
 * ```
 */
export function buildLockRunningJob(id: string, worker: string | null): SqlQuery {
  return {
    text: `SELECT attempts, max_attempts FROM mds.jobs
     WHERE id = $1 AND state = 'running' AND ($2::text IS NULL OR locked_by = $2)
     FOR UPDATE`,
    params: [id, worker],
  };
}

/** How {@linkcode buildRecordFailure} ends an attempt. */
export interface FailedAttempt {
  /** `queued` for another attempt after `delaySeconds`, `dead` for none. */
  readonly state: Extract<JobState, "queued" | "dead">;
  /** Seconds before the next attempt; ignored for `dead`. */
  readonly delaySeconds: number;
  /** Stored as `last_error`. */
  readonly message: string;
  /** Stored as `last_error_code`, or `null`. */
  readonly code: string | null;
}

/**
 * Ends a failed attempt of a job locked by {@linkcode buildLockRunningJob}: back to the queue
 * (`run_after` pushed back by the delay) or dead (`finished_at` set), releasing the lease and
 * recording the error.
 *
 * @param id The job id.
 * @param attempt The outcome, delay and error.
 * @returns The statement returning the job; parameters: id, state, delay, message, code.
 *
 * @example
 * ```ts
 * import { buildRecordFailure } from "@mds/sql";
 * import assert from "node:assert/strict";
 *
 * const id = "00000000-0000-4000-8000-00000000000a";
 * const q = buildRecordFailure(id, { state: "queued", delaySeconds: 10, message: "Timeout",
 *   code: "57014" });
 * assert.deepEqual(q.params, [id, "queued", 10, "Timeout", "57014"]);
 * ```
 */
export function buildRecordFailure(id: string, attempt: FailedAttempt): SqlQuery {
  return {
    text: `UPDATE mds.jobs
     SET state = $2, lease_until = NULL, updated_at = now(),
         run_after = CASE WHEN $2 = 'queued' THEN now() + make_interval(secs => $3) ELSE run_after END,
         finished_at = CASE WHEN $2 = 'dead' THEN now() END,
         last_error = $4, last_error_code = $5
     WHERE id = $1
     RETURNING ${JOB_COLUMNS}`,
    params: [id, attempt.state, attempt.delaySeconds, attempt.message, attempt.code],
  };
}
