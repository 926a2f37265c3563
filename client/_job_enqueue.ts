import {
  buildEnqueueJob,
  buildEnqueueJobs,
  buildJobIdByKey,
  buildPendingSeries,
  type EnqueueJobInput,
  parseEnqueueJob,
  ValidationError,
} from "@mds/sql";
import type { Queryable } from "./backend.ts";
import type { EnqueuedJob } from "./job_types.ts";

/** Enqueues a job once per idempotency key. */
export async function enqueueJob(db: Queryable, input: EnqueueJobInput): Promise<EnqueuedJob> {
  const job = parseEnqueueJob(input);
  const insert = buildEnqueueJob(job);
  const [created] = await db.query<{ id: string }>(insert.text, insert.params);
  if (created) return { id: created.id, created: true };
  const lookup = buildJobIdByKey(job.idempotency_key);
  const [existing] = await db.query<{ id: string }>(lookup.text, lookup.params);
  return { id: existing!.id, created: false };
}

/** Validates jobs for a bulk enqueue: each valid, each key once, at most 10,000. */
export function parseEnqueueJobs(
  inputs: readonly EnqueueJobInput[],
): ReturnType<typeof parseEnqueueJob>[] {
  if (!Array.isArray(inputs) || inputs.length > 10_000) {
    throw new ValidationError({
      kind: "argument",
      field: "jobs",
      value: Array.isArray(inputs) ? inputs.length : inputs,
      reason: "must be an array of at most 10000 jobs",
    });
  }
  const seen = new Set<string>();
  return inputs.map((input, i) => {
    const job = parseEnqueueJob(input);
    if (seen.has(job.idempotency_key)) {
      throw new ValidationError({
        kind: "argument",
        field: `jobs[${i}].idempotency_key`,
        value: job.idempotency_key,
        reason: "is given twice",
      });
    }
    seen.add(job.idempotency_key);
    return job;
  });
}

/** Enqueues many jobs in one statement; returns the keys of those created. */
export async function enqueueJobs(
  db: Queryable,
  jobs: ReturnType<typeof parseEnqueueJob>[],
): Promise<string[]> {
  if (jobs.length === 0) return [];
  const q = buildEnqueueJobs(jobs);
  const rows = await db.query<{ idempotency_key: string }>(q.text, q.params);
  return rows.map((r) => r.idempotency_key).sort();
}

/** The series (symbol, timeframe) with queued or running jobs of a type. */
export async function pendingSeries(
  db: Queryable,
  jobType: string,
): Promise<{ symbol: string; timeframe: string }[]> {
  const q = buildPendingSeries(jobType);
  return await db.query(q.text, q.params);
}
