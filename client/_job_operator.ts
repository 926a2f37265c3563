// Listing, counting, requeueing and purging a tenant's jobs; the dead ones are its dead letters.
import type { JobState } from "@mds/sql";
import type { Queryable } from "./backend.ts";
import { ConfigError } from "./errors.ts";
import { JobNotFoundError } from "./job_errors.ts";
import {
  JOB_COLUMNS,
  jobId,
  type JobRecord,
  jobState,
  jobTypes,
  wholeOption,
} from "./_job_lifecycle.ts";

/** Which jobs {@linkcode TenantApi.listJobs} returns. */
export interface ListJobsQuery {
  /** Only jobs in this state; `dead` lists the dead letters. @default {every state} */
  state?: JobState | undefined;
  /** Only jobs of this type. @default {every type} */
  type?: string | undefined;
  /**
   * Only jobs whose last change (for dead jobs: their death) is at least this many seconds old.
   * @default {0}
   */
  olderThanSeconds?: number | undefined;
  /** Most jobs, oldest change first, 1 to 10000. @default {100} */
  limit?: number | undefined;
}

/** Which dead jobs {@linkcode TenantApi.requeueDeadJobs} requeues. */
export interface RequeueDeadJobsFilter {
  /** Only these ids. @default {every dead job} */
  ids?: readonly string[] | undefined;
  /** Only jobs of this type. @default {every type} */
  type?: string | undefined;
  /** Only jobs dead for at least this many seconds. @default {0} */
  olderThanSeconds?: number | undefined;
}

/** Which dead jobs {@linkcode TenantApi.purgeDeadJobs} deletes. */
export interface PurgeDeadJobsFilter {
  /** Only jobs dead for at least this many seconds (0 for all). */
  olderThanSeconds: number;
  /** Only jobs of this type. @default {every type} */
  type?: string | undefined;
}

/** One line of {@linkcode TenantApi.jobStats}. */
export interface JobStat {
  /** Job type. */
  job_type: string;
  /** State. */
  state: JobState;
  /** Jobs of that type in that state. */
  jobs: number;
}

const AGE_MAX = 100 * 365 * 86_400;

function age(value: unknown, option = "olderThanSeconds"): number {
  if (typeof value !== "number" || !Number.isFinite(value) || value < 0 || value > AGE_MAX) {
    throw new ConfigError(option, value, `must be a number of seconds from 0 to ${AGE_MAX}`);
  }
  return value;
}

function oneType(value: unknown): string | null {
  if (value === undefined) return null;
  return jobTypes([value], "type")![0]!;
}

/** A validated job listing. */
export interface JobListing {
  state: JobState | null;
  type: string | null;
  older: number;
  limit: number;
}

/** Validates a listing query before any work starts. */
export function parseListJobs(q: ListJobsQuery): JobListing {
  if (q === null || typeof q !== "object") throw new ConfigError("query", q, "must be an object");
  return {
    state: jobState(q.state),
    type: oneType(q.type),
    older: age(q.olderThanSeconds ?? 0),
    limit: wholeOption("limit", q.limit ?? 100, 1, 10_000),
  };
}

/** The tenant's jobs matching a query, oldest change first. */
export async function listJobs(db: Queryable, q: JobListing): Promise<JobRecord[]> {
  const { state, type, older, limit } = q;
  return await db.query<JobRecord>(
    `SELECT ${JOB_COLUMNS} FROM mds.jobs
     WHERE ($1::text IS NULL OR state = $1) AND ($2::text IS NULL OR job_type = $2)
       AND updated_at <= now() - make_interval(secs => $3)
     ORDER BY updated_at, id LIMIT $4`,
    [state, type, older, limit],
  );
}

/** Counts of the tenant's jobs by type and state. */
export async function jobStats(db: Queryable): Promise<JobStat[]> {
  return await db.query<JobStat>(
    `SELECT job_type, state, count(*)::int AS jobs FROM mds.jobs
     GROUP BY job_type, state
     ORDER BY job_type, array_position(ARRAY['queued', 'running', 'done', 'dead'], state)`,
  );
}

const REQUEUE = `state = 'queued', attempts = 0, run_after = now(), lease_until = NULL,
                 locked_by = NULL, finished_at = NULL, updated_at = now()`;

/** Puts one dead job back in the queue with its attempts reset; `id` is validated. */
export async function requeueJob(db: Queryable, id: string): Promise<JobRecord> {
  const [row] = await db.query<JobRecord>(
    `UPDATE mds.jobs SET ${REQUEUE} WHERE id = $1 AND state = 'dead' RETURNING ${JOB_COLUMNS}`,
    [id],
  );
  if (row) return row;
  const [found] = await db.query<{ state: JobState }>("SELECT state FROM mds.jobs WHERE id = $1", [
    id,
  ]);
  throw new JobNotFoundError("requeue", id, found?.state ?? null);
}

/** A validated requeue filter. */
export interface Requeue {
  ids: string[] | null;
  type: string | null;
  older: number;
}

/** Validates a requeue filter before any work starts. */
export function parseRequeue(filter: RequeueDeadJobsFilter): Requeue {
  if (filter === null || typeof filter !== "object") {
    throw new ConfigError("filter", filter, "must be an object");
  }
  let ids: string[] | null = null;
  if (filter.ids !== undefined) {
    if (!Array.isArray(filter.ids)) throw new ConfigError("ids", filter.ids, "must be an array");
    ids = filter.ids.map((id) => jobId(id));
  }
  return { ids, type: oneType(filter.type), older: age(filter.olderThanSeconds ?? 0) };
}

/** Puts dead jobs matching a filter back in the queue; returns their ids. */
export async function requeueDeadJobs(db: Queryable, filter: Requeue): Promise<string[]> {
  const { ids, type, older } = filter;
  const rows = await db.query<{ id: string }>(
    `UPDATE mds.jobs SET ${REQUEUE}
     WHERE state = 'dead' AND ($1::uuid[] IS NULL OR id = ANY($1::uuid[]))
       AND ($2::text IS NULL OR job_type = $2) AND updated_at <= now() - make_interval(secs => $3)
     RETURNING id`,
    [ids, type, older],
  );
  return rows.map((r) => r.id).sort();
}

/** Validates a purge filter before any work starts. */
export function parsePurge(filter: PurgeDeadJobsFilter): { older: number; type: string | null } {
  if (filter === null || typeof filter !== "object") {
    throw new ConfigError("filter", filter, "must be an object with olderThanSeconds");
  }
  return { older: age(filter.olderThanSeconds), type: oneType(filter.type) };
}

/** Deletes dead jobs dead for at least `older` seconds; returns how many. */
export async function purgeDeadJobs(
  db: Queryable,
  filter: { older: number; type: string | null },
): Promise<number> {
  const { older, type } = filter;
  const rows = await db.query<{ n: number }>(
    `WITH gone AS (
       DELETE FROM mds.jobs
       WHERE state = 'dead' AND ($1::text IS NULL OR job_type = $1)
         AND updated_at <= now() - make_interval(secs => $2)
       RETURNING 1)
     SELECT count(*)::int AS n FROM gone`,
    [type, older],
  );
  return rows[0]?.n ?? 0;
}
