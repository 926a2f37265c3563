-- Point-in-time reads (#18): every version of a bar, fundamentals record or option snapshot is
-- kept, so "what did the store answer at T" stays answerable after corrections.
--
-- Each base row carries recorded_at, when this version was written. A BEFORE UPDATE trigger
-- copies the old version into a history table with superseded_at (when it was replaced) and
-- stamps the new version. A version is what reads saw over [recorded_at, superseded_at); the
-- current row's interval is open. The upserts skip unchanged rows (WHERE ... IS DISTINCT FROM),
-- so re-ingesting unchanged data fires no trigger, and inserting new rows fires none either: the
-- common write path pays nothing. Rows are never deleted by mds; history begins when this
-- migration ran (mds_core.schema_migrations.applied_at of version 13).
--
-- recorded_at is added with a constant default, the migration's time, then given the default
-- now(): existing rows get the migration time and no table is rewritten (PostgreSQL stores the
-- constant as the column's missing value). TimescaleDB 2.28 refuses a non-constant default on a
-- hypertable with columnstore ("cannot add column with non-constant default expression to a
-- hypertable that has columnstore enabled") but accepts a constant one, also with compressed
-- chunks, and then SET DEFAULT now().
DO $$
BEGIN
  EXECUTE format('ALTER TABLE mds_core.bars ADD COLUMN recorded_at timestamptz NOT NULL DEFAULT %L',
    now());
  EXECUTE format(
    'ALTER TABLE mds_core.fundamentals ADD COLUMN recorded_at timestamptz NOT NULL DEFAULT %L', now());
  EXECUTE format(
    'ALTER TABLE mds_core.option_snapshots ADD COLUMN recorded_at timestamptz NOT NULL DEFAULT %L',
    now());
END
$$;
ALTER TABLE mds_core.bars ALTER COLUMN recorded_at SET DEFAULT now();
ALTER TABLE mds_core.fundamentals ALTER COLUMN recorded_at SET DEFAULT now();
ALTER TABLE mds_core.option_snapshots ALTER COLUMN recorded_at SET DEFAULT now();

-- History tables: the base columns (NOT NULLs only) and when the version was replaced. No key:
-- a row corrected twice in one transaction leaves a version with an empty interval, which no
-- read can see. A migration that adds a column to a base table adds it here and to the trigger.
CREATE TABLE mds_core.bars_history (LIKE mds_core.bars);
ALTER TABLE mds_core.bars_history ADD COLUMN superseded_at timestamptz NOT NULL;
CREATE TABLE mds_core.fundamentals_history (LIKE mds_core.fundamentals);
ALTER TABLE mds_core.fundamentals_history ADD COLUMN superseded_at timestamptz NOT NULL;
CREATE TABLE mds_core.option_snapshots_history (LIKE mds_core.option_snapshots);
ALTER TABLE mds_core.option_snapshots_history ADD COLUMN superseded_at timestamptz NOT NULL;

-- Serve the as-of reads, which look up the versions of one series' window like the base indexes.
CREATE INDEX bars_history_symbol_window_idx
  ON mds_core.bars_history (tenant_id, symbol, timeframe, vendor, ts DESC);
CREATE INDEX fundamentals_history_symbol_asof_idx
  ON mds_core.fundamentals_history (tenant_id, symbol, asof DESC);
CREATE INDEX option_snapshots_history_chain_idx
  ON mds_core.option_snapshots_history (tenant_id, symbol, expiry, ts DESC);

-- How far back the history reaches. One row. pruned_before: `mds history prune` deleted the
-- versions replaced before it; retention: a policy drops versions replaced longer ago than this
-- (TimescaleDB, set below). As-of reads refuse instants before either, or before history began.
CREATE TABLE mds_core.history_horizon (
  id            boolean     PRIMARY KEY DEFAULT true CONSTRAINT history_horizon_one_row CHECK (id),
  pruned_before timestamptz,
  retention     interval
);
INSERT INTO mds_core.history_horizon (id) VALUES (true);

-- The triggers run as the owner of mds_core (SECURITY DEFINER): mds_app writes through the views
-- and has no privilege on the history tables.
CREATE FUNCTION mds_core.bars_keep_history() RETURNS trigger
  LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, mds_core, pg_temp AS $$
BEGIN
  INSERT INTO mds_core.bars_history (ts, tenant_id, vendor, symbol, timeframe, open, high, low,
    close, volume, vwap, trade_count, revision, recorded_at, superseded_at)
  VALUES (OLD.ts, OLD.tenant_id, OLD.vendor, OLD.symbol, OLD.timeframe, OLD.open, OLD.high,
    OLD.low, OLD.close, OLD.volume, OLD.vwap, OLD.trade_count, OLD.revision, OLD.recorded_at,
    now());
  NEW.recorded_at := now();
  RETURN NEW;
END
$$;

CREATE FUNCTION mds_core.fundamentals_keep_history() RETURNS trigger
  LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, mds_core, pg_temp AS $$
BEGIN
  INSERT INTO mds_core.fundamentals_history (asof, tenant_id, vendor, symbol, market_cap,
    pe_ratio, eps, revenue, net_income, shares_outstanding, dividend_yield, extra, revision,
    total_assets, total_liabilities, recorded_at, superseded_at)
  VALUES (OLD.asof, OLD.tenant_id, OLD.vendor, OLD.symbol, OLD.market_cap, OLD.pe_ratio, OLD.eps,
    OLD.revenue, OLD.net_income, OLD.shares_outstanding, OLD.dividend_yield, OLD.extra,
    OLD.revision, OLD.total_assets, OLD.total_liabilities, OLD.recorded_at, now());
  NEW.recorded_at := now();
  RETURN NEW;
END
$$;

CREATE FUNCTION mds_core.option_snapshots_keep_history() RETURNS trigger
  LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, mds_core, pg_temp AS $$
BEGIN
  INSERT INTO mds_core.option_snapshots_history (ts, tenant_id, vendor, symbol, expiry,
    option_type, strike, bid, ask, last, volume, open_interest, implied_volatility, delta, gamma,
    theta, vega, underlying_price, revision, computed, recorded_at, superseded_at)
  VALUES (OLD.ts, OLD.tenant_id, OLD.vendor, OLD.symbol, OLD.expiry, OLD.option_type, OLD.strike,
    OLD.bid, OLD.ask, OLD.last, OLD.volume, OLD.open_interest, OLD.implied_volatility, OLD.delta,
    OLD.gamma, OLD.theta, OLD.vega, OLD.underlying_price, OLD.revision, OLD.computed,
    OLD.recorded_at, now());
  NEW.recorded_at := now();
  RETURN NEW;
END
$$;

REVOKE ALL ON FUNCTION mds_core.bars_keep_history(), mds_core.fundamentals_keep_history(),
  mds_core.option_snapshots_keep_history() FROM PUBLIC;

-- On a hypertable, TimescaleDB creates the trigger on every chunk, present and future; it fires
-- for rows of compressed chunks too (they are decompressed before the update).
CREATE TRIGGER bars_keep_history BEFORE UPDATE ON mds_core.bars
  FOR EACH ROW EXECUTE FUNCTION mds_core.bars_keep_history();
CREATE TRIGGER fundamentals_keep_history BEFORE UPDATE ON mds_core.fundamentals
  FOR EACH ROW EXECUTE FUNCTION mds_core.fundamentals_keep_history();
CREATE TRIGGER option_snapshots_keep_history BEFORE UPDATE ON mds_core.option_snapshots
  FOR EACH ROW EXECUTE FUNCTION mds_core.option_snapshots_keep_history();

-- The tenant views show recorded_at, appended (CREATE OR REPLACE keeps the tenant_id default and
-- the grants). It is an expression, not a column reference, so the view refuses to write it:
-- only the database stamps a version's time, a writer cannot backdate one.
CREATE OR REPLACE VIEW mds.bars WITH (security_barrier) AS
  SELECT tenant_id, ts, vendor, symbol, timeframe, open, high, low, close, volume, vwap,
         trade_count, revision, recorded_at + INTERVAL '0' AS recorded_at
  FROM mds_core.bars
  WHERE tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid
  WITH CASCADED CHECK OPTION;
CREATE OR REPLACE VIEW mds.fundamentals WITH (security_barrier) AS
  SELECT tenant_id, asof, vendor, symbol, market_cap, pe_ratio, eps, revenue, net_income,
         shares_outstanding, dividend_yield, extra, revision, total_assets, total_liabilities,
         recorded_at + INTERVAL '0' AS recorded_at
  FROM mds_core.fundamentals
  WHERE tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid
  WITH CASCADED CHECK OPTION;
CREATE OR REPLACE VIEW mds.option_snapshots WITH (security_barrier) AS
  SELECT tenant_id, ts, vendor, symbol, expiry, option_type, strike, bid, ask, last, volume,
         open_interest, implied_volatility, delta, gamma, theta, vega, underlying_price, revision,
         computed, recorded_at + INTERVAL '0' AS recorded_at
  FROM mds_core.option_snapshots
  WHERE tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid
  WITH CASCADED CHECK OPTION;

-- Read-only tenant views of the history.
CREATE VIEW mds.bars_history WITH (security_barrier) AS
  SELECT tenant_id, ts, vendor, symbol, timeframe, open, high, low, close, volume, vwap,
         trade_count, revision, recorded_at, superseded_at
  FROM mds_core.bars_history
  WHERE tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid;
CREATE VIEW mds.fundamentals_history WITH (security_barrier) AS
  SELECT tenant_id, asof, vendor, symbol, market_cap, pe_ratio, eps, revenue, net_income,
         shares_outstanding, dividend_yield, extra, revision, total_assets, total_liabilities,
         recorded_at, superseded_at
  FROM mds_core.fundamentals_history
  WHERE tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid;
CREATE VIEW mds.option_snapshots_history WITH (security_barrier) AS
  SELECT tenant_id, ts, vendor, symbol, expiry, option_type, strike, bid, ask, last, volume,
         open_interest, implied_volatility, delta, gamma, theta, vega, underlying_price, revision,
         computed, recorded_at, superseded_at
  FROM mds_core.option_snapshots_history
  WHERE tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid;
GRANT SELECT ON mds.bars_history, mds.fundamentals_history, mds.option_snapshots_history TO mds_app;

-- The instants as-of reads can answer: from the later of when history began and its horizon.
-- Not tenant data.
CREATE VIEW mds.history_range AS
  SELECT (SELECT min(applied_at) FROM mds_core.schema_migrations WHERE version = 13) AS began_at,
         greatest(h.pruned_before, now() - h.retention) AS horizon
  FROM mds_core.history_horizon h;
GRANT SELECT ON mds.history_range TO mds_app;

-- mds:timescale
-- Partitioned by superseded_at, so retention drops whole chunks of old versions. Segments hold
-- one series each, like the base tables'.
SELECT create_hypertable('mds_core.bars_history', by_range('superseded_at', INTERVAL '7 days'),
  create_default_indexes => false);
SELECT create_hypertable('mds_core.fundamentals_history',
  by_range('superseded_at', INTERVAL '30 days'), create_default_indexes => false);
SELECT create_hypertable('mds_core.option_snapshots_history',
  by_range('superseded_at', INTERVAL '7 days'), create_default_indexes => false);
ALTER TABLE mds_core.bars_history SET (
  timescaledb.enable_columnstore = true,
  timescaledb.segmentby = 'tenant_id, vendor, symbol, timeframe',
  timescaledb.orderby = 'ts DESC, superseded_at DESC'
);
ALTER TABLE mds_core.fundamentals_history SET (
  timescaledb.enable_columnstore = true,
  timescaledb.segmentby = 'tenant_id, vendor, symbol',
  timescaledb.orderby = 'asof DESC, superseded_at DESC'
);
ALTER TABLE mds_core.option_snapshots_history SET (
  timescaledb.enable_columnstore = true,
  timescaledb.segmentby = 'tenant_id, vendor, symbol',
  timescaledb.orderby = 'ts DESC, expiry, option_type, strike, superseded_at DESC'
);
CALL add_columnstore_policy('mds_core.bars_history', after => INTERVAL '7 days');
CALL add_columnstore_policy('mds_core.fundamentals_history', after => INTERVAL '30 days');
CALL add_columnstore_policy('mds_core.option_snapshots_history', after => INTERVAL '7 days');

-- Versions replaced more than a year ago age out; as-of reads refuse instants older than that.
SELECT add_retention_policy('mds_core.bars_history', drop_after => INTERVAL '365 days');
SELECT add_retention_policy('mds_core.fundamentals_history', drop_after => INTERVAL '365 days');
SELECT add_retention_policy('mds_core.option_snapshots_history', drop_after => INTERVAL '365 days');
UPDATE mds_core.history_horizon SET retention = INTERVAL '365 days';
