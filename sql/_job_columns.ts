// The columns every job statement returns, shared by the job and dead-letter builders.

/** The columns of a job row as the job calls return it. */
export const JOB_COLUMNS: string =
  "id, tenant_id, idempotency_key, job_type, payload, state, priority, attempts, max_attempts, " +
  "run_after, lease_until, locked_by, last_error, last_error_code, created_at, updated_at, " +
  "finished_at, result";
