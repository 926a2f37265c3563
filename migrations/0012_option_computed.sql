-- Option greeks and implied volatility mds computes where the vendor sent none (#17 item 2).
-- `computed` names the fields mds filled in; NULL (or empty) means every value is the vendor's.
-- Nullable without a default, so on a TimescaleDB hypertable with columnstore it is a catalog
-- change only: no chunk is rewritten.
ALTER TABLE mds_core.option_snapshots ADD COLUMN computed text[];

-- The tenant view, as 0004 created it, with the new column appended at the end.
CREATE OR REPLACE VIEW mds.option_snapshots WITH (security_barrier) AS
  SELECT tenant_id, ts, vendor, symbol, expiry, option_type, strike, bid, ask, last, volume,
         open_interest, implied_volatility, delta, gamma, theta, vega, underlying_price, revision,
         computed
  FROM mds_core.option_snapshots
  WHERE tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid
  WITH CASCADED CHECK OPTION;
