import { type EnqueueJobInput, parseEnqueueJob } from "@mds/sql";
import type { Queryable } from "./backend.ts";

/** What {@linkcode TenantApi.enqueueJob} returns. */
export interface EnqueuedJob {
  /** The job's id; the same for the same idempotency key. */
  id: string;
  /** `false` when a job with this key already existed (in any state). */
  created: boolean;
}

/** Enqueues a job once per idempotency key. */
export async function enqueueJob(db: Queryable, input: EnqueueJobInput): Promise<EnqueuedJob> {
  const job = parseEnqueueJob(input);
  const [created] = await db.query<{ id: string }>(
    `INSERT INTO mds.jobs (idempotency_key, job_type, payload, priority, run_after, max_attempts)
     VALUES ($1, $2, $3::text::jsonb, $4, coalesce($5::timestamptz, now()), $6)
     ON CONFLICT (tenant_id, idempotency_key) DO NOTHING
     RETURNING id`,
    [
      job.idempotency_key,
      job.job_type,
      JSON.stringify(job.payload),
      job.priority,
      job.run_after,
      job.max_attempts,
    ],
  );
  if (created) return { id: created.id, created: true };
  const [existing] = await db.query<{ id: string }>(
    "SELECT id FROM mds.jobs WHERE idempotency_key = $1",
    [job.idempotency_key],
  );
  return { id: existing!.id, created: false };
}
