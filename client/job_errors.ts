import { type JobState, MdsError } from "@mds/sql";

/**
 * A job call found no job in the state it needs: no job of that id for the tenant, or one that
 * is not running (complete, fail), not held by the given worker, or not dead (requeue). Code
 * `MDS_NOT_FOUND`.
 *
 * @example
 * ```ts
 * import { JobNotFoundError } from "@mds/client";
 * import assert from "node:assert/strict";
 *
 * const err = new JobNotFoundError("complete", "0b3c1d5e-0000-4000-8000-000000000001", "dead");
 * assert.deepEqual([err.code, err.state], ["MDS_NOT_FOUND", "dead"]);
 * assert.match(err.message, /^Cannot complete job "0b3c1d5e-[^"]+": it is dead, not running$/);
 * ```
 */
export class JobNotFoundError extends MdsError {
  /** The job's id. */
  readonly jobId: string;
  /** The job's state, or `null` when there is no such job for the tenant. */
  readonly state: JobState | null;

  /**
   * Creates the error.
   *
   * @param action What was attempted: `complete`, `fail`, `defer` or `requeue`.
   * @param jobId The job's id.
   * @param state The state found, or `null` when there is no such job.
   * @param worker The worker that asked, when the job is held by another one.
   */
  constructor(
    action: "complete" | "fail" | "defer" | "requeue",
    jobId: string,
    state: JobState | null,
    worker?: string,
  ) {
    const needed = action === "requeue" ? "dead" : "running";
    const why = state === null
      ? "there is no such job"
      : state !== needed
      ? `it is ${state}, not ${needed}`
      : `it is held by another worker than "${worker}"`;
    super("MDS_NOT_FOUND", `Cannot ${action} job "${jobId}": ${why}`);
    this.jobId = jobId;
    this.state = state;
  }
}

/**
 * A queue refused new work: the tenant's queued and running backfill jobs of a tier reached the
 * tier's cap. Code `MDS_CAPACITY`. Retry later, or raise the cap.
 *
 * @example
 * ```ts
 * import { CapacityError } from "@mds/client";
 * import assert from "node:assert/strict";
 *
 * const err = new CapacityError("T0", 100, 100);
 * assert.deepEqual([err.code, err.tier, err.depth, err.cap], ["MDS_CAPACITY", "T0", 100, 100]);
 * ```
 */
export class CapacityError extends MdsError {
  /** The tier whose queue is full. */
  readonly tier: string;
  /** Queued and running jobs of the tier. */
  readonly depth: number;
  /** The cap in force. */
  readonly cap: number;

  /**
   * Creates the error.
   *
   * @param tier The tier whose queue is full.
   * @param depth Queued and running jobs of the tier.
   * @param cap The cap in force.
   */
  constructor(tier: string, depth: number, cap: number) {
    super(
      "MDS_CAPACITY",
      `Cannot request a backfill of tier "${tier}": ${depth} queued or running, the cap is ${cap}`,
    );
    this.tier = tier;
    this.depth = depth;
    this.cap = cap;
  }
}
