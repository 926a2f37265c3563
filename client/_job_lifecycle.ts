// The job lifecycle of the tenant API: claim (a lease), complete, fail (retry with backoff or
// dead). Every statement goes through the tenant view mds.jobs inside the caller's unit of work.
import { type Job, JOB_STATES, type JobState, MdsError, parseTenantId } from "@mds/sql";
import type { Queryable } from "./backend.ts";
import { ConfigError, ValidationError } from "./errors.ts";
import {
  type JobBackoff,
  jobRetryDelaySeconds,
  type ResolvedJobBackoff,
  resolveJobBackoff,
} from "./job_backoff.ts";
import { JobNotFoundError } from "./job_errors.ts";

/** A job as stored, with its lease holder and finish time. */
export interface JobRecord extends Job {
  /** The worker holding (or that last held) the lease. */
  locked_by: string | null;
  /** When the job became done or dead. */
  finished_at: Date | null;
}

/** Options of {@linkcode TenantApi.claimJobs}. */
export interface ClaimJobsOptions {
  /** Who claims: stored as `locked_by`; 1 to 200 characters. */
  worker: string;
  /** Only jobs of these types. @default {every type} */
  types?: readonly string[] | undefined;
  /** Most jobs to claim, 1 to 1000. @default {1} */
  limit?: number | undefined;
  /** Lease length in seconds, 1 to 86400; the job returns to the queue after it. @default {300} */
  leaseSeconds?: number | undefined;
}

/** Options of {@linkcode TenantApi.completeJob}. */
export interface CompleteJobOptions {
  /** Refuse unless this worker holds the lease. @default {any worker} */
  worker?: string | undefined;
}

/** Options of {@linkcode TenantApi.failJob}. */
export interface FailJobOptions {
  /**
   * Whether another attempt may succeed. `false` sends the job straight to the dead state.
   * @default {true}
   */
  retryable?: boolean | undefined;
  /** Refuse unless this worker holds the lease. @default {any worker} */
  worker?: string | undefined;
  /** Delay before the next attempt. @default {{ baseSeconds: 10, maxSeconds: 3600 }} */
  backoff?: JobBackoff | undefined;
  /**
   * The code stored as `last_error_code`. @default {the error's SQLSTATE, else its mds code, else
   * its string `code` property, else none}
   */
  code?: string | undefined;
}

/** The columns every job call returns. */
export const JOB_COLUMNS: string =
  "id, tenant_id, idempotency_key, job_type, payload, state, priority, attempts, max_attempts, " +
  "run_after, lease_until, locked_by, last_error, last_error_code, created_at, updated_at, " +
  "finished_at";

const MAX_ERROR_CHARS = 4_000;
const WORKER_CHARS = 200;

/** Validates a job id: a UUID, lower-cased. */
export function jobId(value: unknown): string {
  return parseTenantId(value, "id");
}

/** Validates a worker name. */
export function workerName(value: unknown, option = "worker"): string {
  if (
    typeof value !== "string" || value.trim() === "" || value.length > WORKER_CHARS ||
    value.includes("\u0000") || !value.isWellFormed()
  ) {
    throw new ConfigError(option, value, `must be 1 to ${WORKER_CHARS} characters`);
  }
  return value;
}

/** Validates a list of job types. */
export function jobTypes(value: unknown, option = "types"): string[] | null {
  if (value === undefined) return null;
  if (
    !Array.isArray(value) || value.length === 0 ||
    !value.every((t) => typeof t === "string" && /^[a-z0-9_.:-]{1,100}$/.test(t))
  ) {
    throw new ConfigError(option, value, "must be a non-empty array of job types");
  }
  return [...value];
}

/** Validates a whole number option. */
export function wholeOption(name: string, value: unknown, min: number, max: number): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value < min || value > max) {
    throw new ConfigError(name, value, `must be a whole number from ${min} to ${max}`);
  }
  return value;
}

/** A validated claim. */
export interface Claim {
  worker: string;
  types: string[] | null;
  limit: number;
  lease: number;
}

/** Validates the options of a claim before any work starts. */
export function parseClaim(options: ClaimJobsOptions): Claim {
  if (options === null || typeof options !== "object") {
    throw new ConfigError("options", options, "must be an object with a worker");
  }
  return {
    worker: workerName(options.worker),
    types: jobTypes(options.types),
    limit: wholeOption("limit", options.limit ?? 1, 1, 1_000),
    lease: wholeOption("leaseSeconds", options.leaseSeconds ?? 300, 1, 86_400),
  };
}

/**
 * Claims up to `limit` due jobs: queued ones whose `run_after` has come, and running ones whose
 * lease expired (a crashed worker's). Most urgent first (smaller priority, then earlier
 * run_after). Rows locked by another claim in flight are skipped, never waited for, so
 * concurrent workers never get the same job. Running jobs whose lease expired on their last
 * attempt go to the dead state instead.
 */
export async function claimJobs(db: Queryable, claim: Claim): Promise<JobRecord[]> {
  const { worker, types, limit, lease } = claim;
  // A worker that crashed on the last attempt leaves a job that must not run again.
  await db.query(
    `UPDATE mds.jobs
     SET state = 'dead', lease_until = NULL, finished_at = now(), updated_at = now(),
         last_error = 'Lease expired on attempt ' || attempts || ' of ' || max_attempts
                      || coalesce(' (worker ' || locked_by || ')', ''),
         last_error_code = 'MDS_TIMEOUT'
     WHERE id IN (
       SELECT id FROM mds.jobs
       WHERE state = 'running' AND lease_until < now() AND attempts >= max_attempts
         AND ($1::text[] IS NULL OR job_type = ANY($1::text[]))
       FOR UPDATE SKIP LOCKED)`,
    [types],
  );
  const rows = await db.query<JobRecord>(
    `UPDATE mds.jobs
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
    [types, limit, lease, worker],
  );
  return rows.sort((a, b) =>
    a.priority - b.priority || a.run_after.getTime() - b.run_after.getTime() ||
    (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)
  );
}

async function stateOf(db: Queryable, id: string): Promise<JobState | null> {
  const [row] = await db.query<{ state: JobState }>("SELECT state FROM mds.jobs WHERE id = $1", [
    id,
  ]);
  return row?.state ?? null;
}

/** Validates the arguments of completeJob() before any work starts. */
export function parseComplete(
  id: unknown,
  options: CompleteJobOptions,
): { id: string; worker: string | null } {
  return {
    id: jobId(id),
    worker: options?.worker === undefined ? null : workerName(options.worker),
  };
}

/** Marks a running job done. */
export async function completeJob(
  db: Queryable,
  id: string,
  worker: string | null,
): Promise<JobRecord> {
  const [row] = await db.query<JobRecord>(
    `UPDATE mds.jobs
     SET state = 'done', lease_until = NULL, finished_at = now(), updated_at = now()
     WHERE id = $1 AND state = 'running' AND ($2::text IS NULL OR locked_by = $2)
     RETURNING ${JOB_COLUMNS}`,
    [id, worker],
  );
  if (row) return row;
  throw new JobNotFoundError("complete", id, await stateOf(db, id), worker ?? undefined);
}

/** What a failure records: its message and code. */
export function describeFailure(
  error: unknown,
  code: string | undefined,
): { message: string; code: string | null } {
  let message: string;
  if (error instanceof Error) message = error.message || error.name;
  else if (typeof error === "string") message = error;
  else {
    try {
      message = JSON.stringify(error) ?? String(error);
    } catch {
      message = String(error);
    }
  }
  if (message.length > MAX_ERROR_CHARS) message = `${message.slice(0, MAX_ERROR_CHARS - 3)}...`;
  // PostgreSQL text holds neither NUL nor lone surrogates.
  message = message.replaceAll("\u0000", "\uFFFD").toWellFormed();
  if (code !== undefined) {
    if (
      typeof code !== "string" || code === "" || code.length > 100 || code.includes("\u0000")
    ) {
      throw new ConfigError("code", code, "must be 1 to 100 characters");
    }
    return { message, code };
  }
  if (error instanceof MdsError) return { message, code: error.sqlState ?? error.code };
  const own = (error as { code?: unknown } | null)?.code;
  return { message, code: typeof own === "string" && own !== "" ? own.slice(0, 100) : null };
}

/** A validated failure. */
export interface Failure {
  id: string;
  worker: string | null;
  retryable: boolean;
  backoff: ResolvedJobBackoff;
  failure: { message: string; code: string | null };
}

/** Validates the arguments of failJob() before any work starts. */
export function parseFailure(id: unknown, error: unknown, options: FailJobOptions): Failure {
  const retryable = options?.retryable ?? true;
  if (typeof retryable !== "boolean") {
    throw new ConfigError("retryable", retryable, "must be true or false");
  }
  return {
    id: jobId(id),
    worker: options?.worker === undefined ? null : workerName(options.worker),
    retryable,
    backoff: resolveJobBackoff(options?.backoff),
    failure: describeFailure(error, options?.code),
  };
}

/**
 * Records a failed attempt: back to the queue after a backoff while attempts remain and the
 * error is retryable, else dead.
 */
export async function failJob(db: Queryable, f: Failure): Promise<JobRecord> {
  const { id, worker, retryable, backoff, failure } = f;
  const [current] = await db.query<{ attempts: number; max_attempts: number }>(
    `SELECT attempts, max_attempts FROM mds.jobs
     WHERE id = $1 AND state = 'running' AND ($2::text IS NULL OR locked_by = $2)
     FOR UPDATE`,
    [id, worker],
  );
  if (!current) {
    throw new JobNotFoundError("fail", id, await stateOf(db, id), worker ?? undefined);
  }
  const retry = retryable && current.attempts < current.max_attempts;
  const delay = retry ? jobRetryDelaySeconds(current.attempts, backoff) : 0;
  const [row] = await db.query<JobRecord>(
    `UPDATE mds.jobs
     SET state = $2, lease_until = NULL, updated_at = now(),
         run_after = CASE WHEN $2 = 'queued' THEN now() + make_interval(secs => $3) ELSE run_after END,
         finished_at = CASE WHEN $2 = 'dead' THEN now() END,
         last_error = $4, last_error_code = $5
     WHERE id = $1
     RETURNING ${JOB_COLUMNS}`,
    [id, retry ? "queued" : "dead", delay, failure.message, failure.code],
  );
  return row!;
}

/** Validates a job state filter. */
export function jobState(value: unknown, option = "state"): JobState | null {
  if (value === undefined) return null;
  if (!(JOB_STATES as readonly unknown[]).includes(value)) {
    throw new ValidationError({
      kind: "argument",
      field: option,
      value,
      reason: `must be one of ${JOB_STATES.join(", ")}`,
    });
  }
  return value as JobState;
}
