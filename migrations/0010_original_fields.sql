-- The original mds interface's fields and optionality. Roll-forward only: existing rows keep
-- every value.
--
-- Bars: open, high and low become optional (a close-only daily series is normal vendor data).
-- The CHECK constraints of migration 0002 already hold for the prices that are present:
-- greatest() and least() skip NULLs, and a NULL comparison passes a CHECK. TimescaleDB allows
-- DROP NOT NULL on a hypertable with compressed chunks (tested on an upgraded store).
ALTER TABLE mds_core.bars ALTER COLUMN open DROP NOT NULL;
ALTER TABLE mds_core.bars ALTER COLUMN high DROP NOT NULL;
ALTER TABLE mds_core.bars ALTER COLUMN low DROP NOT NULL;

-- Fundamentals: total assets and liabilities as columns of their own (nullable, no default, so
-- adding them rewrites nothing), not negative like the model says.
ALTER TABLE mds_core.fundamentals ADD COLUMN total_assets double precision;
ALTER TABLE mds_core.fundamentals ADD COLUMN total_liabilities double precision;
ALTER TABLE mds_core.fundamentals ADD CONSTRAINT fundamentals_balance_not_negative
  CHECK (total_assets >= 0 AND total_liabilities >= 0);

-- The tenant view shows them: CREATE OR REPLACE may only append columns, which keeps the
-- tenant_id default and the grants of migration 0004.
CREATE OR REPLACE VIEW mds.fundamentals WITH (security_barrier) AS
  SELECT tenant_id, asof, vendor, symbol, market_cap, pe_ratio, eps, revenue, net_income,
         shares_outstanding, dividend_yield, extra, revision, total_assets, total_liabilities
  FROM mds_core.fundamentals
  WHERE tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid
  WITH CASCADED CHECK OPTION;
