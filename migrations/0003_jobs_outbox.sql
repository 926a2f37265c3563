-- A durable job queue per tenant. Workers claim with FOR UPDATE SKIP LOCKED; a claim is a lease
-- that expires, so a crashed worker's job returns to the queue.

CREATE TABLE mds_core.jobs (
  id              uuid        NOT NULL DEFAULT gen_random_uuid(),
  tenant_id       uuid        NOT NULL,
  idempotency_key text        NOT NULL,
  job_type        text        NOT NULL,
  payload         jsonb       NOT NULL DEFAULT '{}',
  state           text        NOT NULL DEFAULT 'queued'
    CONSTRAINT jobs_state_known CHECK (state IN ('queued', 'running', 'done', 'dead')),
  priority        integer     NOT NULL DEFAULT 0,
  attempts        integer     NOT NULL DEFAULT 0,
  max_attempts    integer     NOT NULL DEFAULT 5 CONSTRAINT jobs_max_attempts_positive CHECK (max_attempts > 0),
  run_after       timestamptz NOT NULL DEFAULT now(),
  lease_until     timestamptz,
  locked_by       text,
  last_error      text,
  last_error_code text,
  created_at      timestamptz NOT NULL DEFAULT now(),
  updated_at      timestamptz NOT NULL DEFAULT now(),
  finished_at     timestamptz,
  CONSTRAINT jobs_pkey PRIMARY KEY (id),
  -- One job per key whatever its state, so enqueueing again is a no-op.
  CONSTRAINT jobs_tenant_idempotency_key UNIQUE (tenant_id, idempotency_key)
);
-- Serves claims: the most urgent due jobs of a tenant.
CREATE INDEX jobs_claim_idx ON mds_core.jobs (tenant_id, state, priority, run_after);
