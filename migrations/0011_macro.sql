-- Macro factors: the economic series a tenant tracks (FRED ids such as DGS10 or CPIAUCSL) and
-- their observations with every vintage kept. A revised observation is a new row whose
-- realtime_start is the day the revision was published, so three questions have answers:
-- "as first published" (the smallest realtime_start per date), "latest" (the largest) and "as
-- known on day V" (the largest realtime_start <= V). value is NULL where the vendor publishes
-- an observation as missing (FRED's "."). Plain tables on every backend: macro series are small
-- (thousands of rows per series, vintages included), nothing for TimescaleDB to do.

CREATE TABLE mds_core.macro_series (
  tenant_id  uuid        NOT NULL,
  key        text        NOT NULL,
  title      text,
  units      text,
  frequency  text,
  vendor     text        NOT NULL DEFAULT 'fred',
  tracked_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT macro_series_pkey PRIMARY KEY (tenant_id, key),
  CONSTRAINT macro_series_key_check CHECK (key ~ '^[A-Z0-9_.]{1,64}$')
);

-- The primary key serves every read: one series' dates in order, each date's vintages in order.
-- Observations of an untracked series stay (untracking is not deleting data).
CREATE TABLE mds_core.macro_observations (
  tenant_id      uuid             NOT NULL,
  key            text             NOT NULL,
  date           date             NOT NULL,
  value          double precision,
  realtime_start date             NOT NULL,
  recorded_at    timestamptz      NOT NULL DEFAULT now(),
  CONSTRAINT macro_observations_pkey PRIMARY KEY (tenant_id, key, date, realtime_start),
  CONSTRAINT macro_observations_key_check CHECK (key ~ '^[A-Z0-9_.]{1,64}$')
);

-- The tenant views, as in migration 0004: security_barrier keeps caller-supplied functions from
-- seeing other tenants' rows before the filter; CASCADED CHECK OPTION rejects writes of rows the
-- views would not show (SQLSTATE 44000). tenant_id defaults to the current tenant.
CREATE VIEW mds.macro_series WITH (security_barrier) AS
  SELECT tenant_id, key, title, units, frequency, vendor, tracked_at, updated_at
  FROM mds_core.macro_series
  WHERE tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid
  WITH CASCADED CHECK OPTION;

CREATE VIEW mds.macro_observations WITH (security_barrier) AS
  SELECT tenant_id, key, date, value, realtime_start, recorded_at
  FROM mds_core.macro_observations
  WHERE tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid
  WITH CASCADED CHECK OPTION;

ALTER VIEW mds.macro_series ALTER COLUMN tenant_id
  SET DEFAULT nullif(current_setting('app.tenant_id', true), '')::uuid;
ALTER VIEW mds.macro_observations ALTER COLUMN tenant_id
  SET DEFAULT nullif(current_setting('app.tenant_id', true), '')::uuid;

GRANT SELECT, INSERT, UPDATE, DELETE ON mds.macro_series TO mds_app;
GRANT SELECT, INSERT, UPDATE, DELETE ON mds.macro_observations TO mds_app;
