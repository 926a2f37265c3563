// Listing, counting, requeueing and purging a tenant's jobs; the dead ones are its dead letters.
import {
  buildJobStats,
  buildListJobs,
  buildPurgeDeadJobs,
  buildPurgeDoneJobs,
  buildRequeueDeadJobs,
  buildRequeueJob,
  type JobState,
} from "@mds/sql";
import type { Queryable } from "./backend.ts";
import { ConfigError } from "./errors.ts";
import { JobNotFoundError } from "./job_errors.ts";
import type {
  JobRecord,
  JobStat,
  ListJobsQuery,
  PurgeDeadJobsFilter,
  RequeueDeadJobsFilter,
} from "./job_types.ts";
import { jobId, jobState, jobTypes, stateOf } from "./_job_lifecycle.ts";
import { wholeNumber } from "./_whole_number.ts";

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
    limit: wholeNumber("limit", q.limit ?? 100, 1, 10_000),
  };
}

/** The tenant's jobs matching a query, oldest change first. */
export async function listJobs(db: Queryable, q: JobListing): Promise<JobRecord[]> {
  const { state, type, older, limit } = q;
  const query = buildListJobs({ state, type, olderThanSeconds: older, limit });
  return await db.query<JobRecord>(query.text, query.params);
}

/** Counts of the tenant's jobs by type and state. */
export async function jobStats(db: Queryable): Promise<JobStat[]> {
  const query = buildJobStats();
  return await db.query<JobStat>(query.text, query.params);
}

/** Puts one dead job back in the queue with its attempts reset; `id` is validated. */
export async function requeueJob(db: Queryable, id: string): Promise<JobRecord> {
  const query = buildRequeueJob(id);
  const [row] = await db.query<JobRecord>(query.text, query.params);
  if (row) return row;
  throw new JobNotFoundError("requeue", id, await stateOf(db, id));
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
  const query = buildRequeueDeadJobs({ ids, type, olderThanSeconds: older });
  const rows = await db.query<{ id: string }>(query.text, query.params);
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
  const query = buildPurgeDeadJobs({ type, olderThanSeconds: older });
  const rows = await db.query<{ n: number }>(query.text, query.params);
  return rows[0]?.n ?? 0;
}

/** Deletes done jobs finished at least `older` seconds ago; returns how many. */
export async function purgeDoneJobs(
  db: Queryable,
  filter: { older: number; type: string | null },
): Promise<number> {
  const query = buildPurgeDoneJobs({ type: filter.type, olderThanSeconds: filter.older });
  const rows = await db.query<{ n: number }>(query.text, query.params);
  return rows[0]?.n ?? 0;
}
