// Canonical SQL of listing, counting, requeueing and purging a tenant's jobs; the dead ones are
// its dead letters. Every statement goes through the tenant view mds.jobs.
import type { JobState } from "./job.ts";
import { JOB_COLUMNS } from "./_job_columns.ts";
import type { SqlQuery } from "./upsert.ts";

/** Which jobs {@linkcode buildListJobs} lists; every value already validated. */
export interface JobListFilter {
  /** Only jobs in this state, or `null` for every state. */
  readonly state: JobState | null;
  /** Only jobs of this type, or `null` for every type. */
  readonly type: string | null;
  /** Only jobs whose last change is at least this many seconds old (0 for all). */
  readonly olderThanSeconds: number;
  /** Most jobs. */
  readonly limit: number;
}

/**
 * The tenant's jobs matching a filter, oldest change first.
 *
 * @param filter State, type, age and count.
 * @returns The statement; parameters: state, type, age in seconds, limit.
 *
 * @example
 * ```ts
 * import { buildListJobs } from "@mds/sql";
 * import assert from "node:assert/strict";
 *
 * const q = buildListJobs({ state: "dead", type: null, olderThanSeconds: 0, limit: 100 });
 * assert.deepEqual(q.params, ["dead", null, 0, 100]);
 * assert.match(q.text, /ORDER BY updated_at, id LIMIT \$4/);
 * ```
 */
export function buildListJobs(filter: JobListFilter): SqlQuery {
  return {
    text: `SELECT ${JOB_COLUMNS} FROM mds.jobs
     WHERE ($1::text IS NULL OR state = $1) AND ($2::text IS NULL OR job_type = $2)
       AND updated_at <= now() - make_interval(secs => $3)
     ORDER BY updated_at, id LIMIT $4`,
    params: [filter.state, filter.type, filter.olderThanSeconds, filter.limit],
  };
}

/**
 * Counts of the tenant's jobs by type and state (`job_type`, `state`, `jobs`), by type and then
 * in lifecycle order; pairs without jobs are left out.
 *
 * @returns The statement, without parameters.
 *
 * @example
 * ```ts
 * import { buildJobStats } from "@mds/sql";
 * import assert from "node:assert/strict";
 *
 * const q = buildJobStats();
 * assert.deepEqual(q.params, []);
 * assert.match(q.text, /GROUP BY job_type, state/);
 * ```
 */
export function buildJobStats(): SqlQuery {
  return {
    text: `SELECT job_type, state, count(*)::int AS jobs FROM mds.jobs
     GROUP BY job_type, state
     ORDER BY job_type, array_position(ARRAY['queued', 'running', 'done', 'dead'], state)`,
    params: [],
  };
}

/** What a requeue sets: queued now, attempts reset, lease and finish time cleared. */
const REQUEUE = `state = 'queued', attempts = 0, run_after = now(), lease_until = NULL,
                 locked_by = NULL, finished_at = NULL, updated_at = now()`;

/**
 * Puts one dead job back in the queue, due now, with its attempts reset.
 *
 * @param id The job id.
 * @returns The statement returning the job, or no row when it is not dead; its one parameter is
 * the id.
 *
 * @example
 * ```ts
 * import { buildRequeueJob } from "@mds/sql";
 * import assert from "node:assert/strict";
 *
 * const id = "00000000-0000-4000-8000-00000000000a";
 * const q = buildRequeueJob(id);
 * assert.deepEqual(q.params, [id]);
 * assert.match(q.text, /attempts = 0/);
 * assert.match(q.text, /WHERE id = \$1 AND state = 'dead'/);
 * ```
 */
export function buildRequeueJob(id: string): SqlQuery {
  return {
    text:
      `UPDATE mds.jobs SET ${REQUEUE} WHERE id = $1 AND state = 'dead' RETURNING ${JOB_COLUMNS}`,
    params: [id],
  };
}

/** Which dead jobs {@linkcode buildRequeueDeadJobs} requeues; every value already validated. */
export interface RequeueFilter {
  /** Only these job ids, or `null` for every dead job. */
  readonly ids: readonly string[] | null;
  /** Only jobs of this type, or `null` for every type. */
  readonly type: string | null;
  /** Only jobs dead for at least this many seconds (0 for all). */
  readonly olderThanSeconds: number;
}

/**
 * Puts the dead jobs matching a filter back in the queue, due now, with their attempts reset.
 *
 * @param filter Ids, type and age.
 * @returns The statement returning the requeued `id`s; parameters: ids, type, age in seconds.
 *
 * @example
 * ```ts
 * import { buildRequeueDeadJobs } from "@mds/sql";
 * import assert from "node:assert/strict";
 *
 * const q = buildRequeueDeadJobs({ ids: null, type: "fetch", olderThanSeconds: 3600 });
 * assert.deepEqual(q.params, [null, "fetch", 3600]);
 * assert.match(q.text, /id = ANY\(\$1::uuid\[\]\)/);
 * ```
 */
export function buildRequeueDeadJobs(filter: RequeueFilter): SqlQuery {
  return {
    text: `UPDATE mds.jobs SET ${REQUEUE}
     WHERE state = 'dead' AND ($1::uuid[] IS NULL OR id = ANY($1::uuid[]))
       AND ($2::text IS NULL OR job_type = $2) AND updated_at <= now() - make_interval(secs => $3)
     RETURNING id`,
    params: [filter.ids === null ? null : [...filter.ids], filter.type, filter.olderThanSeconds],
  };
}

/** Which dead jobs {@linkcode buildPurgeDeadJobs} deletes; every value already validated. */
export interface PurgeFilter {
  /** Only jobs of this type, or `null` for every type. */
  readonly type: string | null;
  /** Only jobs dead for at least this many seconds (0 for all). */
  readonly olderThanSeconds: number;
}

/**
 * Deletes the dead jobs matching a filter.
 *
 * @param filter Type and age.
 * @returns The statement returning one row, `n`: how many were deleted; parameters: type, age
 * in seconds.
 *
 * @example
 * ```ts
 * import { buildPurgeDeadJobs } from "@mds/sql";
 * import assert from "node:assert/strict";
 *
 * const q = buildPurgeDeadJobs({ type: null, olderThanSeconds: 86400 });
 * assert.deepEqual(q.params, [null, 86400]);
 * assert.match(q.text, /DELETE FROM mds\.jobs/);
 * ```
 */
export function buildPurgeDeadJobs(filter: PurgeFilter): SqlQuery {
  return {
    text: `WITH gone AS (
       DELETE FROM mds.jobs
       WHERE state = 'dead' AND ($1::text IS NULL OR job_type = $1)
         AND updated_at <= now() - make_interval(secs => $2)
       RETURNING 1)
     SELECT count(*)::int AS n FROM gone`,
    params: [filter.type, filter.olderThanSeconds],
  };
}

/**
 * Deletes the done jobs of a type (or every type) that finished at least `olderThanSeconds` ago,
 * so a queue that runs around the clock does not grow without end. Their idempotency keys are
 * freed with them.
 *
 * @param filter Type and age.
 * @returns The statement returning one row, `n`: how many were deleted; parameters: type, age
 * in seconds.
 *
 * @example
 * ```ts
 * import { buildPurgeDoneJobs } from "@mds/sql";
 * import assert from "node:assert/strict";
 *
 * const q = buildPurgeDoneJobs({ type: "bars_fetch", olderThanSeconds: 86400 });
 * assert.deepEqual(q.params, ["bars_fetch", 86400]);
 * assert.match(q.text, /state = 'done'/);
 * ```
 */
export function buildPurgeDoneJobs(filter: PurgeFilter): SqlQuery {
  return {
    text: `WITH gone AS (
       DELETE FROM mds.jobs
       WHERE state = 'done' AND ($1::text IS NULL OR job_type = $1)
         AND finished_at <= now() - make_interval(secs => $2)
       RETURNING 1)
     SELECT count(*)::int AS n FROM gone`,
    params: [filter.type, filter.olderThanSeconds],
  };
}
