import { buildEnqueueJob, buildJobIdByKey, type EnqueueJobInput, parseEnqueueJob } from "@mds/sql";
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
