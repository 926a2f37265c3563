-- One view per base table, filtered to the tenant named by the transaction-local setting
-- app.tenant_id. security_barrier keeps caller-supplied functions from seeing other tenants' rows
-- before the filter; CASCADED CHECK OPTION rejects writes of rows the view would not show
-- (SQLSTATE 44000). With no tenant set the filter compares with NULL: nothing is readable and
-- every write fails the check. tenant_id defaults to the current tenant, so writers may omit it.

CREATE VIEW mds.bars WITH (security_barrier) AS
  SELECT tenant_id, ts, vendor, symbol, timeframe, open, high, low, close, volume, vwap,
         trade_count, revision
  FROM mds_core.bars
  WHERE tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid
  WITH CASCADED CHECK OPTION;

CREATE VIEW mds.fundamentals WITH (security_barrier) AS
  SELECT tenant_id, asof, vendor, symbol, market_cap, pe_ratio, eps, revenue, net_income,
         shares_outstanding, dividend_yield, extra, revision
  FROM mds_core.fundamentals
  WHERE tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid
  WITH CASCADED CHECK OPTION;

CREATE VIEW mds.news WITH (security_barrier) AS
  SELECT tenant_id, published_at, vendor, id, symbols, title, url, summary, source, sentiment, revision
  FROM mds_core.news
  WHERE tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid
  WITH CASCADED CHECK OPTION;

CREATE VIEW mds.option_snapshots WITH (security_barrier) AS
  SELECT tenant_id, ts, vendor, symbol, expiry, option_type, strike, bid, ask, last, volume,
         open_interest, implied_volatility, delta, gamma, theta, vega, underlying_price, revision
  FROM mds_core.option_snapshots
  WHERE tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid
  WITH CASCADED CHECK OPTION;

CREATE VIEW mds.latest_prices WITH (security_barrier) AS
  SELECT tenant_id, symbol, vendor, as_of, price, timeframe, updated_at
  FROM mds_core.latest_prices
  WHERE tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid
  WITH CASCADED CHECK OPTION;

CREATE VIEW mds.ingest_cursors WITH (security_barrier) AS
  SELECT tenant_id, dataset, vendor, symbol, timeframe, last_ts, updated_at
  FROM mds_core.ingest_cursors
  WHERE tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid
  WITH CASCADED CHECK OPTION;

CREATE VIEW mds.jobs WITH (security_barrier) AS
  SELECT id, tenant_id, idempotency_key, job_type, payload, state, priority, attempts,
         max_attempts, run_after, lease_until, locked_by, last_error, last_error_code,
         created_at, updated_at, finished_at
  FROM mds_core.jobs
  WHERE tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid
  WITH CASCADED CHECK OPTION;

ALTER VIEW mds.bars ALTER COLUMN tenant_id
  SET DEFAULT nullif(current_setting('app.tenant_id', true), '')::uuid;
ALTER VIEW mds.fundamentals ALTER COLUMN tenant_id
  SET DEFAULT nullif(current_setting('app.tenant_id', true), '')::uuid;
ALTER VIEW mds.news ALTER COLUMN tenant_id
  SET DEFAULT nullif(current_setting('app.tenant_id', true), '')::uuid;
ALTER VIEW mds.option_snapshots ALTER COLUMN tenant_id
  SET DEFAULT nullif(current_setting('app.tenant_id', true), '')::uuid;
ALTER VIEW mds.latest_prices ALTER COLUMN tenant_id
  SET DEFAULT nullif(current_setting('app.tenant_id', true), '')::uuid;
ALTER VIEW mds.ingest_cursors ALTER COLUMN tenant_id
  SET DEFAULT nullif(current_setting('app.tenant_id', true), '')::uuid;
ALTER VIEW mds.jobs ALTER COLUMN tenant_id
  SET DEFAULT nullif(current_setting('app.tenant_id', true), '')::uuid;

GRANT SELECT, INSERT, UPDATE, DELETE
  ON mds.bars, mds.fundamentals, mds.news, mds.option_snapshots, mds.latest_prices,
     mds.ingest_cursors, mds.jobs
  TO mds_app;

-- Which migrations ran, for schemaVersion() as the application role. Not tenant data.
CREATE VIEW mds.schema_version AS
  SELECT version, name, applied_at, timescale
  FROM mds_core.schema_migrations;
GRANT SELECT ON mds.schema_version TO mds_app;
