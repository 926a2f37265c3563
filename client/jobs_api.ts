import { type BackfillRequestInput, buildBackfillQueue, type EnqueueJobInput } from "@mds/sql";
import type {
  BackfillOptions,
  BackfillQueueDepth,
  BackfillRequested,
  ClaimJobsOptions,
  CompleteJobOptions,
  DeferJobOptions,
  EnqueuedJob,
  FailJobOptions,
  JobRecord,
  JobStat,
  ListJobsQuery,
  PurgeDeadJobsFilter,
  RequeueDeadJobsFilter,
} from "./job_types.ts";
import { planBackfill, requestBackfill } from "./_job_backfill.ts";
import {
  jobStats,
  listJobs,
  parseListJobs,
  parsePurge,
  parseRequeue,
  purgeDeadJobs,
  purgeDoneJobs,
  requeueDeadJobs,
  requeueJob,
} from "./_job_operator.ts";
import {
  claimJobs,
  completeJob,
  deferJob,
  failJob,
  jobId,
  parseClaim,
  parseComplete,
  parseDefer,
  parseFailure,
} from "./_job_lifecycle.ts";
import { enqueueJob, enqueueJobs, parseEnqueueJobs, pendingSeries } from "./_job_enqueue.ts";
import { readIn, type TenantContext } from "./_tenant_context.ts";

/**
 * The job queue of one tenant: enqueue with an idempotency key, claim with a lease, complete or
 * fail (retry with backoff, or dead), list, count, requeue and purge dead jobs, and request
 * backfills. Reach it as {@linkcode TenantApi.jobs}: from {@linkcode MdsClient.tenant} each call
 * is its own unit of work; inside {@linkcode MdsClient.withTenant} every call shares one
 * transaction with the tenant's other calls.
 *
 * @example A worker's round trip
 * ```ts
 * import { createClient } from "@mds/client";
 * import assert from "node:assert/strict";
 *
 * await using client = await createClient({ memory: true });
 * const jobs = client.tenant("6f1c7a54-3b1e-4c8e-9a57-2d4be1f0a001").jobs;
 * await jobs.enqueueJob({ idempotency_key: "refresh:A", job_type: "refresh" });
 * const [job] = await jobs.claimJobs({ worker: "w1", types: ["refresh"] });
 * await jobs.completeJob(job!.id, { worker: "w1" });
 * assert.deepEqual(await jobs.jobStats(), [{ job_type: "refresh", state: "done", jobs: 1 }]);
 * ```
 */
export class JobsApi {
  readonly #ctx: TenantContext;

  /**
   * Creates the job API of one tenant; use {@linkcode TenantApi.jobs} instead.
   *
   * @param ctx How to run statements for the tenant.
   */
  constructor(ctx: TenantContext) {
    this.#ctx = ctx;
  }

  /**
   * Enqueues a job once per idempotency key: asking again returns the same id.
   *
   * @param job Key, type, payload, priority, earliest start and attempts.
   * @returns The job id and whether this call created it.
   * @throws {ValidationError} When the request is invalid.
   *
   * @example
   * ```ts
   * import { createClient } from "@mds/client";
   * import assert from "node:assert/strict";
   *
   * await using client = await createClient({ memory: true });
   * const jobs = client.tenant("6f1c7a54-3b1e-4c8e-9a57-2d4be1f0a001").jobs;
   * const a = await jobs.enqueueJob({ idempotency_key: "backfill:A:2024-01", job_type: "backfill" });
   * const b = await jobs.enqueueJob({ idempotency_key: "backfill:A:2024-01", job_type: "backfill" });
   * assert.deepEqual([a.created, b.created, a.id === b.id], [true, false, true]);
   * ```
   */
  enqueueJob(job: EnqueueJobInput): Promise<EnqueuedJob> {
    return this.#ctx.run((tx) => enqueueJob(tx, job));
  }

  /**
   * Enqueues many jobs in one statement, each once per idempotency key: keys that exist (in any
   * state) are left alone.
   *
   * @param jobs The jobs, each key once, at most 10,000.
   * @returns The idempotency keys of the jobs this call created, sorted.
   * @throws {ValidationError} Naming the index and field of the first invalid job.
   *
   * @example
   * ```ts
   * import { createClient } from "@mds/client";
   * import assert from "node:assert/strict";
   *
   * await using client = await createClient({ memory: true });
   * const jobs = client.tenant("6f1c7a54-3b1e-4c8e-9a57-2d4be1f0a001").jobs;
   * await jobs.enqueueJob({ idempotency_key: "a", job_type: "fetch" });
   * const created = await jobs.enqueueJobs([{ idempotency_key: "a", job_type: "fetch" },
   *   { idempotency_key: "b", job_type: "fetch" }]);
   * assert.deepEqual(created, ["b"]);
   * ```
   */
  async enqueueJobs(jobs: readonly EnqueueJobInput[]): Promise<string[]> {
    const parsed = parseEnqueueJobs(jobs);
    return await this.#ctx.run((tx) => enqueueJobs(tx, parsed));
  }

  /**
   * The series with queued or running jobs of a type whose payload names `symbols` (or a
   * `symbol`) and a `timeframe`, e.g. the collector's `bars_fetch` and `backfill` jobs.
   *
   * @param jobType The job type.
   * @returns Distinct symbol and timeframe pairs.
   *
   * @example
   * ```ts
   * import { createClient } from "@mds/client";
   * import assert from "node:assert/strict";
   *
   * await using client = await createClient({ memory: true });
   * const jobs = client.tenant("6f1c7a54-3b1e-4c8e-9a57-2d4be1f0a001").jobs;
   * await jobs.enqueueJob({ idempotency_key: "a", job_type: "bars_fetch",
   *   payload: { symbols: ["AAPL", "MSFT"], timeframe: "1m" } });
   * const pending = await jobs.pendingSeries("bars_fetch");
   * assert.deepEqual(pending.map((p) => p.symbol).sort(), ["AAPL", "MSFT"]);
   * ```
   */
  pendingSeries(jobType: string): Promise<{ symbol: string; timeframe: string }[]> {
    return readIn(this.#ctx, (db) => pendingSeries(db, jobType));
  }

  /**
   * Claims up to `limit` due jobs for a worker, most urgent first (smaller priority, then earlier
   * `run_after`), with `FOR UPDATE SKIP LOCKED`: concurrent workers never get the same job. A
   * claim sets the job running, counts an attempt and holds it for `leaseSeconds`; a job whose
   * lease expired (its worker crashed) is claimable again, or dead when that was its last
   * attempt.
   *
   * @param options Worker name, job types, how many and the lease length.
   * @returns The claimed jobs, most urgent first; empty when none is due.
   * @throws {ConfigError} When an option is invalid.
   *
   * @example
   * ```ts
   * import { createClient } from "@mds/client";
   * import assert from "node:assert/strict";
   *
   * await using client = await createClient({ memory: true });
   * const jobs = client.tenant("6f1c7a54-3b1e-4c8e-9a57-2d4be1f0a001").jobs;
   * await jobs.enqueueJob({ idempotency_key: "later", job_type: "refresh", priority: 5 });
   * await jobs.enqueueJob({ idempotency_key: "urgent", job_type: "refresh", priority: 0 });
   * const [job] = await jobs.claimJobs({ worker: "w1", types: ["refresh"], leaseSeconds: 60 });
   * assert.deepEqual([job?.idempotency_key, job?.state, job?.attempts, job?.locked_by],
   *   ["urgent", "running", 1, "w1"]);
   * ```
   */
  async claimJobs(options: ClaimJobsOptions): Promise<JobRecord[]> {
    const claim = parseClaim(options);
    return await this.#ctx.run((tx) => claimJobs(tx, claim));
  }

  /**
   * Marks a running job done.
   *
   * @param id The job's id.
   * @param options Only if this worker holds the lease.
   * @returns The job, done.
   * @throws {JobNotFoundError} When the job does not exist, is not running or is held by
   * another worker.
   *
   * @example
   * ```ts
   * import { createClient } from "@mds/client";
   * import assert from "node:assert/strict";
   *
   * await using client = await createClient({ memory: true });
   * const jobs = client.tenant("6f1c7a54-3b1e-4c8e-9a57-2d4be1f0a001").jobs;
   * await jobs.enqueueJob({ idempotency_key: "k", job_type: "refresh" });
   * const [job] = await jobs.claimJobs({ worker: "w1" });
   * assert.equal((await jobs.completeJob(job!.id, { worker: "w1" })).state, "done");
   * await assert.rejects(jobs.completeJob(job!.id), { code: "MDS_NOT_FOUND" });
   * ```
   */
  async completeJob(id: string, options: CompleteJobOptions = {}): Promise<JobRecord> {
    const done = parseComplete(id, options);
    return await this.#ctx.run((tx) => completeJob(tx, done));
  }

  /**
   * Returns a running job to the queue without spending an attempt: the attempt its claim
   * counted is given back, the lease released, and the job waits `delaySeconds` before it may
   * be claimed again. For work that could not start through no fault of its own, such as a
   * vendor's rate limit; {@linkcode JobsApi.failJob} is for failures.
   *
   * @param id The job's id.
   * @param options Delay, worker and the reason (kept as `last_error`).
   * @returns The job, queued.
   * @throws {JobNotFoundError} When the job does not exist, is not running or is held by
   * another worker.
   *
   * @example
   * ```ts
   * import { createClient } from "@mds/client";
   * import assert from "node:assert/strict";
   *
   * await using client = await createClient({ memory: true });
   * const jobs = client.tenant("6f1c7a54-3b1e-4c8e-9a57-2d4be1f0a001").jobs;
   * await jobs.enqueueJob({ idempotency_key: "k", job_type: "fetch", max_attempts: 1 });
   * const [job] = await jobs.claimJobs({ worker: "w1" });
   * const back = await jobs.deferJob(job!.id, { worker: "w1", delaySeconds: 30,
   *   reason: "Rate limited", code: "PROVIDER_RATE_LIMITED" });
   * assert.deepEqual([back.state, back.attempts, back.last_error_code],
   *   ["queued", 0, "PROVIDER_RATE_LIMITED"]);
   * ```
   */
  async deferJob(id: string, options: DeferJobOptions): Promise<JobRecord> {
    const deferral = parseDefer(id, options);
    return await this.#ctx.run((tx) => deferJob(tx, deferral));
  }

  /**
   * Records a failed attempt of a running job. While attempts remain and the error is
   * retryable, the job returns to the queue after an exponential backoff with jitter
   * (`run_after` = now + a random delay between half and all of
   * `min(maxSeconds, baseSeconds * 2^(attempts - 1))`); otherwise it goes to the dead state.
   * Either way it keeps the error's message and code (the SQLSTATE or mds code of an
   * `MdsError`) as `last_error` and `last_error_code`, and its attempt count.
   *
   * @param id The job's id.
   * @param error What went wrong: an `Error` (an `MdsError` gives its code) or a message.
   * @param options Whether to retry, the worker, the backoff and the code.
   * @returns The job, queued again or dead.
   * @throws {JobNotFoundError} When the job does not exist, is not running or is held by
   * another worker.
   *
   * @example
   * ```ts
   * import { createClient, TimeoutError } from "@mds/client";
   * import assert from "node:assert/strict";
   *
   * await using client = await createClient({ memory: true });
   * const jobs = client.tenant("6f1c7a54-3b1e-4c8e-9a57-2d4be1f0a001").jobs;
   * await jobs.enqueueJob({ idempotency_key: "a", job_type: "fetch", max_attempts: 3 });
   * await jobs.enqueueJob({ idempotency_key: "b", job_type: "fetch" });
   * const [a, b] = await jobs.claimJobs({ worker: "w1", limit: 2 });
   * const again = await jobs.failJob(a!.id, new TimeoutError("Vendor too slow", { kind: "connect" }));
   * assert.deepEqual([again.state, again.last_error_code], ["queued", "MDS_TIMEOUT"]);
   * assert.ok(again.run_after.getTime() >= Date.now() + 4_000); // 5 to 10 s later
   * const dead = await jobs.failJob(b!.id, "Symbol delisted", { retryable: false });
   * assert.deepEqual([dead.state, dead.attempts, dead.last_error], ["dead", 1, "Symbol delisted"]);
   * ```
   */
  async failJob(id: string, error: unknown, options: FailJobOptions = {}): Promise<JobRecord> {
    const failure = parseFailure(id, error, options);
    return await this.#ctx.run((tx) => failJob(tx, failure));
  }

  /**
   * The tenant's jobs, oldest change first; `{ state: "dead" }` lists its dead letters.
   *
   * @param query State, type, minimum age and limit.
   * @returns The jobs.
   * @throws {ConfigError} When an option is invalid.
   *
   * @example
   * ```ts
   * import { createClient } from "@mds/client";
   * import assert from "node:assert/strict";
   *
   * await using client = await createClient({ memory: true });
   * const jobs = client.tenant("6f1c7a54-3b1e-4c8e-9a57-2d4be1f0a001").jobs;
   * await jobs.enqueueJob({ idempotency_key: "k", job_type: "fetch" });
   * const [job] = await jobs.claimJobs({ worker: "w1" });
   * await jobs.failJob(job!.id, "Symbol delisted", { retryable: false });
   * const [dead] = await jobs.listJobs({ state: "dead", type: "fetch" });
   * assert.deepEqual([dead?.last_error, dead?.attempts], ["Symbol delisted", 1]);
   * assert.equal((await jobs.listJobs({ state: "dead", olderThanSeconds: 3600 })).length, 0);
   * ```
   */
  async listJobs(query: ListJobsQuery = {}): Promise<JobRecord[]> {
    const listing = parseListJobs(query);
    return await readIn(this.#ctx, (db) => listJobs(db, listing));
  }

  /**
   * Counts the tenant's jobs by type and state.
   *
   * @returns One line per type and state that has jobs.
   *
   * @example
   * ```ts
   * import { createClient } from "@mds/client";
   * import assert from "node:assert/strict";
   *
   * await using client = await createClient({ memory: true });
   * const jobs = client.tenant("6f1c7a54-3b1e-4c8e-9a57-2d4be1f0a001").jobs;
   * await jobs.enqueueJob({ idempotency_key: "a", job_type: "fetch" });
   * await jobs.enqueueJob({ idempotency_key: "b", job_type: "fetch" });
   * assert.deepEqual(await jobs.jobStats(), [{ job_type: "fetch", state: "queued", jobs: 2 }]);
   * ```
   */
  jobStats(): Promise<JobStat[]> {
    return readIn(this.#ctx, (db) => jobStats(db));
  }

  /**
   * Puts one dead job back in the queue: due now, attempts reset to 0, its last error kept.
   *
   * @param id The job's id.
   * @returns The job, queued.
   * @throws {JobNotFoundError} When the job does not exist or is not dead.
   *
   * @example
   * ```ts
   * import { createClient } from "@mds/client";
   * import assert from "node:assert/strict";
   *
   * await using client = await createClient({ memory: true });
   * const jobs = client.tenant("6f1c7a54-3b1e-4c8e-9a57-2d4be1f0a001").jobs;
   * await jobs.enqueueJob({ idempotency_key: "k", job_type: "fetch" });
   * const [job] = await jobs.claimJobs({ worker: "w1" });
   * await jobs.failJob(job!.id, "Vendor down", { retryable: false });
   * const back = await jobs.requeueJob(job!.id);
   * assert.deepEqual([back.state, back.attempts, back.last_error], ["queued", 0, "Vendor down"]);
   * ```
   */
  async requeueJob(id: string): Promise<JobRecord> {
    const checked = jobId(id);
    return await this.#ctx.run((tx) => requeueJob(tx, checked));
  }

  /**
   * Puts every dead job matching a filter back in the queue, as {@linkcode JobsApi.requeueJob}
   * does for one.
   *
   * @param filter Ids, type and minimum age (since death).
   * @returns The ids requeued, sorted.
   * @throws {ConfigError} When an option is invalid.
   *
   * @example
   * ```ts
   * import { createClient } from "@mds/client";
   * import assert from "node:assert/strict";
   *
   * await using client = await createClient({ memory: true });
   * const jobs = client.tenant("6f1c7a54-3b1e-4c8e-9a57-2d4be1f0a001").jobs;
   * for (const key of ["a", "b"]) await jobs.enqueueJob({ idempotency_key: key, job_type: "fetch" });
   * for (const job of await jobs.claimJobs({ worker: "w1", limit: 2 })) {
   *   await jobs.failJob(job.id, "Vendor down", { retryable: false });
   * }
   * assert.equal((await jobs.requeueDeadJobs({ type: "fetch" })).length, 2);
   * ```
   */
  async requeueDeadJobs(filter: RequeueDeadJobsFilter = {}): Promise<string[]> {
    const requeue = parseRequeue(filter);
    return await this.#ctx.run((tx) => requeueDeadJobs(tx, requeue));
  }

  /**
   * Deletes dead jobs that died at least `olderThanSeconds` ago. Their idempotency keys are
   * freed with them: enqueueing the same key again creates a new job.
   *
   * @param filter Minimum age (0 for every dead job) and type.
   * @returns How many were deleted.
   * @throws {ConfigError} When an option is invalid.
   *
   * @example
   * ```ts
   * import { createClient } from "@mds/client";
   * import assert from "node:assert/strict";
   *
   * await using client = await createClient({ memory: true });
   * const jobs = client.tenant("6f1c7a54-3b1e-4c8e-9a57-2d4be1f0a001").jobs;
   * await jobs.enqueueJob({ idempotency_key: "k", job_type: "fetch" });
   * const [job] = await jobs.claimJobs({ worker: "w1" });
   * await jobs.failJob(job!.id, "Vendor down", { retryable: false });
   * assert.equal(await jobs.purgeDeadJobs({ olderThanSeconds: 86_400 }), 0);
   * assert.equal(await jobs.purgeDeadJobs({ olderThanSeconds: 0 }), 1);
   * ```
   */
  async purgeDeadJobs(filter: PurgeDeadJobsFilter): Promise<number> {
    const purge = parsePurge(filter);
    return await this.#ctx.run((tx) => purgeDeadJobs(tx, purge));
  }

  /**
   * Deletes done jobs that finished at least `olderThanSeconds` ago, so a queue that runs around
   * the clock stays small. Their idempotency keys are freed with them.
   *
   * @param filter Minimum age (0 for every done job) and type.
   * @returns How many were deleted.
   * @throws {ConfigError} When an option is invalid.
   *
   * @example
   * ```ts
   * import { createClient } from "@mds/client";
   * import assert from "node:assert/strict";
   *
   * await using client = await createClient({ memory: true });
   * const jobs = client.tenant("6f1c7a54-3b1e-4c8e-9a57-2d4be1f0a001").jobs;
   * await jobs.enqueueJob({ idempotency_key: "k", job_type: "fetch" });
   * const [job] = await jobs.claimJobs({ worker: "w1" });
   * await jobs.completeJob(job!.id);
   * assert.equal(await jobs.purgeDoneJobs({ olderThanSeconds: 3600 }), 0);
   * assert.equal(await jobs.purgeDoneJobs({ olderThanSeconds: 0 }), 1);
   * ```
   */
  async purgeDoneJobs(filter: PurgeDeadJobsFilter): Promise<number> {
    const purge = parsePurge(filter);
    return await this.#ctx.run((tx) => purgeDoneJobs(tx, purge));
  }

  /**
   * The backfill queue per tier: queued and running backfill jobs and when the oldest of them
   * was requested; tiers without any are left out.
   *
   * @returns One line per tier with backfills, by tier.
   *
   * @example
   * ```ts
   * import { createClient } from "@mds/client";
   * import assert from "node:assert/strict";
   *
   * await using client = await createClient({ memory: true });
   * const jobs = client.tenant("6f1c7a54-3b1e-4c8e-9a57-2d4be1f0a001").jobs;
   * await jobs.requestBackfill({ symbol: "AAPL", timeframe: "1d", start: "2024-01-01T00:00:00Z",
   *   end: "2024-02-01T00:00:00Z", tier: "T0" });
   * const [t0] = await jobs.backfillQueue();
   * assert.deepEqual([t0?.tier, t0?.depth], ["T0", 1]);
   * ```
   */
  backfillQueue(): Promise<BackfillQueueDepth[]> {
    return this.#ctx.run(async (tx) => {
      const q = buildBackfillQueue();
      return await tx.query<BackfillQueueDepth>(q.text, q.params);
    });
  }

  /**
   * Requests a backfill of one series over `[start, end)`: a `backfill` job whose priority is
   * its tier's (T0 0, T1 10, T2 20) and whose idempotency key is derived from the request
   * ({@linkcode backfillKey}), so asking twice enqueues once. A tier whose queued and running
   * backfills reached its cap refuses new requests with {@linkcode CapacityError}; counting and
   * inserting hold a transaction-scoped advisory lock per tenant and tier, so concurrent
   * requests cannot overshoot the cap.
   *
   * @param request Symbol, timeframe, window, vendor and tier (default T1).
   * @param options Caps per tier (default T0 100, T1 1000, T2 10000) and attempts.
   * @returns The job id, whether this call created it, its key, tier and priority.
   * @throws {ValidationError} When the request is invalid.
   * @throws {CapacityError} When the tier's queue is full.
   *
   * @example
   * ```ts
   * import { CapacityError, createClient } from "@mds/client";
   * import assert from "node:assert/strict";
   *
   * await using client = await createClient({ memory: true });
   * const jobs = client.tenant("6f1c7a54-3b1e-4c8e-9a57-2d4be1f0a001").jobs;
   * const day = { symbol: "AAPL", timeframe: "1m" as const, start: "2024-07-01T13:30:00Z",
   *   end: "2024-07-01T20:00:00Z", tier: "T0" as const };
   * const first = await jobs.requestBackfill(day, { caps: { T0: 1 } });
   * const again = await jobs.requestBackfill(day, { caps: { T0: 1 } });
   * assert.deepEqual([first.created, again.created, again.id === first.id, first.priority],
   *   [true, false, true, 0]);
   * await assert.rejects(
   *   jobs.requestBackfill({ ...day, start: "2024-07-02T13:30:00Z", end: "2024-07-02T20:00:00Z" },
   *     { caps: { T0: 1 } }),
   *   CapacityError,
   * );
   * ```
   */
  async requestBackfill(
    request: BackfillRequestInput,
    options: BackfillOptions = {},
  ): Promise<BackfillRequested> {
    const plan = await planBackfill(request, options);
    return await this.#ctx.run((tx) => requestBackfill(tx, plan));
  }
}
