// The job lifecycle of the tenant API: claim (a lease), complete, fail (retry with backoff or
// dead). Every statement goes through the tenant view mds.jobs inside the caller's unit of work.
import {
  buildClaimJobs,
  buildCompleteJob,
  buildDeferJob,
  buildExpireLastLeases,
  buildJobState,
  buildLockRunningJob,
  buildRecordFailure,
  JOB_STATES,
  type JobState,
  MdsError,
  parseTenantId,
} from "@mds/sql";
import type { Queryable } from "./backend.ts";
import { ConfigError, ValidationError } from "./errors.ts";
import { JobNotFoundError } from "./job_errors.ts";
import type {
  ClaimJobsOptions,
  CompleteJobOptions,
  DeferJobOptions,
  FailJobOptions,
  JobRecord,
} from "./job_types.ts";
import {
  jobRetryDelaySeconds,
  type ResolvedJobBackoff,
  resolveJobBackoff,
} from "./_job_backoff.ts";
import { wholeNumber } from "./_whole_number.ts";

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
    limit: wholeNumber("limit", options.limit ?? 1, 1, 1_000),
    lease: wholeNumber("leaseSeconds", options.leaseSeconds ?? 300, 1, 86_400),
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
  const expire = buildExpireLastLeases(types);
  await db.query(expire.text, expire.params);
  const claimed = buildClaimJobs({ worker, types, limit, leaseSeconds: lease });
  const rows = await db.query<JobRecord>(claimed.text, claimed.params);
  return rows.sort((a, b) =>
    a.priority - b.priority || a.run_after.getTime() - b.run_after.getTime() ||
    (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)
  );
}

/** The state of a job, or `null` when the tenant has no such job. */
export async function stateOf(db: Queryable, id: string): Promise<JobState | null> {
  const q = buildJobState(id);
  const [row] = await db.query<{ state: JobState }>(q.text, q.params);
  return row?.state ?? null;
}

const MAX_RESULT_BYTES = 65_536;

/** A validated completion. */
export interface Completion {
  id: string;
  worker: string | null;
  result: Record<string, unknown> | null;
}

/** Validates the arguments of completeJob() before any work starts. */
export function parseComplete(id: unknown, options: CompleteJobOptions): Completion {
  const result = options?.result;
  if (result !== undefined) {
    if (result === null || typeof result !== "object" || Array.isArray(result)) {
      throw new ConfigError("result", result, "must be a JSON object");
    }
    let text: string;
    try {
      text = JSON.stringify(result);
    } catch (e) {
      throw new ConfigError("result", result, `is not JSON: ${(e as Error).message}`);
    }
    if (new TextEncoder().encode(text).length > MAX_RESULT_BYTES) {
      throw new ConfigError("result", "(too long)", `must be at most ${MAX_RESULT_BYTES} bytes`);
    }
  }
  return {
    id: jobId(id),
    worker: options?.worker === undefined ? null : workerName(options.worker),
    result: result ?? null,
  };
}

/** Marks a running job done, with what it reports. */
export async function completeJob(db: Queryable, done: Completion): Promise<JobRecord> {
  const q = buildCompleteJob(done.id, done.worker, done.result);
  const [row] = await db.query<JobRecord>(q.text, q.params);
  if (row) return row;
  throw new JobNotFoundError(
    "complete",
    done.id,
    await stateOf(db, done.id),
    done.worker ?? undefined,
  );
}

/** A validated deferral. */
export interface Deferral {
  id: string;
  worker: string | null;
  delaySeconds: number;
  failure: { message: string; code: string | null };
}

/** Validates the arguments of deferJob() before any work starts. */
export function parseDefer(id: unknown, options: DeferJobOptions): Deferral {
  if (options === null || typeof options !== "object") {
    throw new ConfigError("options", options, "must be an object with delaySeconds");
  }
  return {
    id: jobId(id),
    worker: options.worker === undefined ? null : workerName(options.worker),
    delaySeconds: wholeNumber("delaySeconds", options.delaySeconds, 0, 86_400),
    failure: describeFailure(options.reason ?? "Deferred", options.code),
  };
}

/** Returns a running job to the queue without spending an attempt. */
export async function deferJob(db: Queryable, d: Deferral): Promise<JobRecord> {
  const q = buildDeferJob(d.id, d.worker, d.delaySeconds, d.failure.message, d.failure.code);
  const [row] = await db.query<JobRecord>(q.text, q.params);
  if (row) return row;
  throw new JobNotFoundError("defer", d.id, await stateOf(db, d.id), d.worker ?? undefined);
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
  const lock = buildLockRunningJob(id, worker);
  const [current] = await db.query<{ attempts: number; max_attempts: number }>(
    lock.text,
    lock.params,
  );
  if (!current) {
    throw new JobNotFoundError("fail", id, await stateOf(db, id), worker ?? undefined);
  }
  const retry = retryable && current.attempts < current.max_attempts;
  const delay = retry ? jobRetryDelaySeconds(current.attempts, backoff) : 0;
  const q = buildRecordFailure(id, {
    state: retry ? "queued" : "dead",
    delaySeconds: delay,
    message: failure.message,
    code: failure.code,
  });
  const [row] = await db.query<JobRecord>(q.text, q.params);
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
