-- What the collector keeps: the symbol universe it fetches, the ranges no provider has data for,
-- and the outcome of each job. Tenant-scoped like every table: a base table in mds_core, a
-- security_barrier view in mds with a CASCADED CHECK OPTION.

-- One row per symbol of a tenant's universe. Each (symbol, timeframe) pair is a series the
-- collector keeps whole; the tier sets its cadence, caps and backfill priority.
CREATE TABLE mds_core.symbol_universe (
  tenant_id     uuid        NOT NULL,
  symbol        text        NOT NULL,
  tier          text        NOT NULL
    CONSTRAINT symbol_universe_tier_known CHECK (tier IN ('T0', 'T1', 'T2')),
  timeframes    text[]      NOT NULL
    CONSTRAINT symbol_universe_timeframes_known CHECK (
      cardinality(timeframes) > 0
      AND timeframes <@ ARRAY['1m', '5m', '15m', '30m', '1h', '4h', '1d', '1w']::text[]),
  -- The provider tried first for this symbol; NULL follows the routing policy.
  provider      text,
  -- Where the series' history begins; NULL takes the collector's default per timeframe.
  history_start timestamptz,
  calendar      text        NOT NULL DEFAULT 'nyse',
  active        boolean     NOT NULL DEFAULT true,
  created_at    timestamptz NOT NULL DEFAULT now(),
  updated_at    timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT symbol_universe_pkey PRIMARY KEY (tenant_id, symbol)
);
-- Serves the per-tier count that enforces the tier's maximum.
CREATE INDEX symbol_universe_tier_idx ON mds_core.symbol_universe (tenant_id, tier);

-- A range of one series every provider answered "no data" for (a halted or delisted symbol, a
-- vendor's hole): gap repair does not request it again before retry_after, and gap reports
-- show it as unfillable rather than missing.
CREATE TABLE mds_core.unfillable_ranges (
  tenant_id   uuid        NOT NULL,
  symbol      text        NOT NULL,
  timeframe   text        NOT NULL,
  start_ts    timestamptz NOT NULL,
  end_ts      timestamptz NOT NULL,
  reason      text        NOT NULL,
  providers   text[]      NOT NULL DEFAULT '{}',
  recorded_at timestamptz NOT NULL DEFAULT now(),
  retry_after timestamptz NOT NULL,
  CONSTRAINT unfillable_ranges_pkey PRIMARY KEY (tenant_id, symbol, timeframe, start_ts, end_ts),
  CONSTRAINT unfillable_ranges_ordered CHECK (end_ts > start_ts)
);

-- What a finished job reports: rows written, rows refused with their reasons, the provider.
ALTER TABLE mds_core.jobs ADD COLUMN result jsonb;

CREATE VIEW mds.symbol_universe WITH (security_barrier) AS
  SELECT tenant_id, symbol, tier, timeframes, provider, history_start, calendar, active,
         created_at, updated_at
  FROM mds_core.symbol_universe
  WHERE tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid
  WITH CASCADED CHECK OPTION;

CREATE VIEW mds.unfillable_ranges WITH (security_barrier) AS
  SELECT tenant_id, symbol, timeframe, start_ts, end_ts, reason, providers, recorded_at,
         retry_after
  FROM mds_core.unfillable_ranges
  WHERE tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid
  WITH CASCADED CHECK OPTION;

-- The new column goes last, so the view is replaced in place; its options and column default
-- are set again to be explicit.
CREATE OR REPLACE VIEW mds.jobs WITH (security_barrier) AS
  SELECT id, tenant_id, idempotency_key, job_type, payload, state, priority, attempts,
         max_attempts, run_after, lease_until, locked_by, last_error, last_error_code,
         created_at, updated_at, finished_at, result
  FROM mds_core.jobs
  WHERE tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid
  WITH CASCADED CHECK OPTION;

ALTER VIEW mds.symbol_universe ALTER COLUMN tenant_id
  SET DEFAULT nullif(current_setting('app.tenant_id', true), '')::uuid;
ALTER VIEW mds.unfillable_ranges ALTER COLUMN tenant_id
  SET DEFAULT nullif(current_setting('app.tenant_id', true), '')::uuid;
ALTER VIEW mds.jobs ALTER COLUMN tenant_id
  SET DEFAULT nullif(current_setting('app.tenant_id', true), '')::uuid;

GRANT SELECT, INSERT, UPDATE, DELETE ON mds.symbol_universe, mds.unfillable_ranges TO mds_app;
