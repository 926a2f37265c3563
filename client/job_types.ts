// The shapes of the job calls of JobsApi: what they take and what they return.
import type { BackfillTier, Job, JobState } from "@mds/sql";

/** What {@linkcode JobsApi.enqueueJob} returns. */
export interface EnqueuedJob {
  /** The job's id; the same for the same idempotency key. */
  id: string;
  /** `false` when a job with this key already existed (in any state). */
  created: boolean;
}

/** A job as stored, with its lease holder and finish time. */
export interface JobRecord extends Job {
  /** The worker holding (or that last held) the lease. */
  locked_by: string | null;
  /** When the job became done or dead. */
  finished_at: Date | null;
  /** What the job reported when it completed (rows written, rows refused, ...), or `null`. */
  result: Record<string, unknown> | null;
}

/** Options of {@linkcode JobsApi.claimJobs}. */
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

/** Options of {@linkcode JobsApi.completeJob}. */
export interface CompleteJobOptions {
  /** Refuse unless this worker holds the lease. @default {any worker} */
  worker?: string | undefined;
  /**
   * What the job reports, stored as its `result`: a JSON object of at most 64 KiB.
   * @default {null}
   */
  result?: Record<string, unknown> | undefined;
}

/** Options of {@linkcode JobsApi.deferJob}. */
export interface DeferJobOptions {
  /** Refuse unless this worker holds the lease. @default {any worker} */
  worker?: string | undefined;
  /** Seconds before the job may be claimed again, 0 to 86400. */
  delaySeconds: number;
  /** Why, stored as `last_error`: an `Error` (an `MdsError` gives its code) or a message. */
  reason?: unknown;
  /** Stored as `last_error_code`. @default {the reason's code, if any} */
  code?: string | undefined;
}

/** How long a failed job waits before its next attempt. */
export interface JobBackoff {
  /** Delay after the first failed attempt, in seconds; doubles with each attempt. @default {10} */
  baseSeconds?: number | undefined;
  /** Longest delay, in seconds. @default {3600} */
  maxSeconds?: number | undefined;
}

/** Options of {@linkcode JobsApi.failJob}. */
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

/** Which jobs {@linkcode JobsApi.listJobs} returns. */
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

/** One line of {@linkcode JobsApi.jobStats}. */
export interface JobStat {
  /** Job type. */
  job_type: string;
  /** State. */
  state: JobState;
  /** Jobs of that type in that state. */
  jobs: number;
}

/** Which dead jobs {@linkcode JobsApi.requeueDeadJobs} requeues. */
export interface RequeueDeadJobsFilter {
  /** Only these ids. @default {every dead job} */
  ids?: readonly string[] | undefined;
  /** Only jobs of this type. @default {every type} */
  type?: string | undefined;
  /** Only jobs dead for at least this many seconds. @default {0} */
  olderThanSeconds?: number | undefined;
}

/** Which dead jobs {@linkcode JobsApi.purgeDeadJobs} deletes. */
export interface PurgeDeadJobsFilter {
  /** Only jobs dead for at least this many seconds (0 for all). */
  olderThanSeconds: number;
  /** Only jobs of this type. @default {every type} */
  type?: string | undefined;
}

/** Options of {@linkcode JobsApi.requestBackfill}. */
export interface BackfillOptions {
  /**
   * Queue-depth cap per tier: a request is refused with {@linkcode CapacityError} once the
   * tenant's queued and running backfill jobs of its tier reach it. Tiers left out keep their
   * default. @default {{ T0: 100, T1: 1000, T2: 10000 }}
   */
  caps?: Partial<Record<BackfillTier, number>> | undefined;
  /** Attempts before the job is dead, 1 to 100. @default {5} */
  maxAttempts?: number | undefined;
}

/** What {@linkcode JobsApi.requestBackfill} returns. */
export interface BackfillRequested {
  /** The job's id; the same for the same request. */
  id: string;
  /** `false` when the same request was made before (the job may be in any state). */
  created: boolean;
  /** The idempotency key derived from the request. */
  key: string;
  /** The tier of the request. */
  tier: BackfillTier;
  /** The job's priority: 0, 10 or 20 for T0, T1 or T2. */
  priority: number;
}

/** One tier's line of {@linkcode JobsApi.backfillQueue}. */
export interface BackfillQueueDepth {
  /** The tier. */
  tier: BackfillTier;
  /** Queued and running backfill jobs. */
  depth: number;
  /** When the oldest of them was requested. */
  oldest: Date;
}
