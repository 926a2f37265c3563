-- Every tenant view compared each row with nullif(current_setting('app.tenant_id', true),
-- '')::uuid, and PostgreSQL evaluates that expression again for every row it checks: a setting
-- lookup and a uuid parse, ~0.5 us a row (1M rows filtered in 541-558 ms, against 83-104 ms
-- with it in a scalar subquery). Where the filter is an index condition it runs once per scan;
-- where it is not (the latest prices' scan, every written row's CHECK OPTION) it ran per row. As
-- a scalar subquery it is an InitPlan: evaluated once per statement, then compared as a
-- parameter. latestPrices(500), the statement on 2,000 series: 1.09 -> 0.69 ms of execution.
-- Same rows, same columns, same checks: a view still shows and accepts only the transaction's
-- tenant, and none without one (the subquery gives NULL, which matches no row and fails every
-- check).

CREATE OR REPLACE VIEW mds.bars WITH (security_barrier) AS
  SELECT tenant_id, ts, vendor, symbol, timeframe, open, high, low, close, volume, vwap,
         trade_count, revision, recorded_at + INTERVAL '0' AS recorded_at
  FROM mds_core.bars
  WHERE tenant_id = (SELECT nullif(current_setting('app.tenant_id', true), '')::uuid)
  WITH CASCADED CHECK OPTION;

CREATE OR REPLACE VIEW mds.fundamentals WITH (security_barrier) AS
  SELECT tenant_id, asof, vendor, symbol, market_cap, pe_ratio, eps, revenue, net_income,
         shares_outstanding, dividend_yield, extra, revision, total_assets, total_liabilities,
         recorded_at + INTERVAL '0' AS recorded_at
  FROM mds_core.fundamentals
  WHERE tenant_id = (SELECT nullif(current_setting('app.tenant_id', true), '')::uuid)
  WITH CASCADED CHECK OPTION;

CREATE OR REPLACE VIEW mds.news WITH (security_barrier) AS
  SELECT tenant_id, published_at, vendor, id, symbols, title, url, summary, source, sentiment,
         revision
  FROM mds_core.news
  WHERE tenant_id = (SELECT nullif(current_setting('app.tenant_id', true), '')::uuid)
  WITH CASCADED CHECK OPTION;

CREATE OR REPLACE VIEW mds.option_snapshots WITH (security_barrier) AS
  SELECT tenant_id, ts, vendor, symbol, expiry, option_type, strike, bid, ask, last, volume,
         open_interest, implied_volatility, delta, gamma, theta, vega, underlying_price, revision,
         computed, recorded_at + INTERVAL '0' AS recorded_at
  FROM mds_core.option_snapshots
  WHERE tenant_id = (SELECT nullif(current_setting('app.tenant_id', true), '')::uuid)
  WITH CASCADED CHECK OPTION;

CREATE OR REPLACE VIEW mds.latest_prices WITH (security_barrier) AS
  SELECT tenant_id, symbol, vendor, as_of, price, timeframe, updated_at
  FROM mds_core.latest_prices
  WHERE tenant_id = (SELECT nullif(current_setting('app.tenant_id', true), '')::uuid)
  WITH CASCADED CHECK OPTION;

CREATE OR REPLACE VIEW mds.ingest_cursors WITH (security_barrier) AS
  SELECT tenant_id, dataset, vendor, symbol, timeframe, last_ts, updated_at
  FROM mds_core.ingest_cursors
  WHERE tenant_id = (SELECT nullif(current_setting('app.tenant_id', true), '')::uuid)
  WITH CASCADED CHECK OPTION;

CREATE OR REPLACE VIEW mds.jobs WITH (security_barrier) AS
  SELECT id, tenant_id, idempotency_key, job_type, payload, state, priority, attempts,
         max_attempts, run_after, lease_until, locked_by, last_error, last_error_code, created_at,
         updated_at, finished_at, result
  FROM mds_core.jobs
  WHERE tenant_id = (SELECT nullif(current_setting('app.tenant_id', true), '')::uuid)
  WITH CASCADED CHECK OPTION;

CREATE OR REPLACE VIEW mds.bars_5m WITH (security_barrier) AS
  SELECT tenant_id, bucket, vendor, symbol, open, high, low, close, volume, bar_count
  FROM mds_core.bars_5m
  WHERE tenant_id = (SELECT nullif(current_setting('app.tenant_id', true), '')::uuid);

CREATE OR REPLACE VIEW mds.bars_1h WITH (security_barrier) AS
  SELECT tenant_id, bucket, vendor, symbol, open, high, low, close, volume, bar_count
  FROM mds_core.bars_1h
  WHERE tenant_id = (SELECT nullif(current_setting('app.tenant_id', true), '')::uuid);

CREATE OR REPLACE VIEW mds.bars_1d WITH (security_barrier) AS
  SELECT tenant_id, bucket, vendor, symbol, open, high, low, close, volume, bar_count
  FROM mds_core.bars_1d
  WHERE tenant_id = (SELECT nullif(current_setting('app.tenant_id', true), '')::uuid);

CREATE OR REPLACE VIEW mds.quotes_l1 WITH (security_barrier) AS
  SELECT tenant_id, ts, vendor, symbol, bid, ask, last, bid_size, ask_size, revision
  FROM mds_core.quotes_l1
  WHERE tenant_id = (SELECT nullif(current_setting('app.tenant_id', true), '')::uuid)
  WITH CASCADED CHECK OPTION;

CREATE OR REPLACE VIEW mds.symbol_universe WITH (security_barrier) AS
  SELECT tenant_id, symbol, tier, timeframes, provider, history_start, calendar, active,
         created_at, updated_at
  FROM mds_core.symbol_universe
  WHERE tenant_id = (SELECT nullif(current_setting('app.tenant_id', true), '')::uuid)
  WITH CASCADED CHECK OPTION;

CREATE OR REPLACE VIEW mds.unfillable_ranges WITH (security_barrier) AS
  SELECT tenant_id, symbol, timeframe, start_ts, end_ts, reason, providers, recorded_at,
         retry_after
  FROM mds_core.unfillable_ranges
  WHERE tenant_id = (SELECT nullif(current_setting('app.tenant_id', true), '')::uuid)
  WITH CASCADED CHECK OPTION;

CREATE OR REPLACE VIEW mds.api_keys WITH (security_barrier) AS
  SELECT id, tenant_id, name, secret_hash, read_only, created_at, last_used_at, revoked_at
  FROM mds_core.api_keys
  WHERE tenant_id = (SELECT nullif(current_setting('app.tenant_id', true), '')::uuid)
  WITH CASCADED CHECK OPTION;

CREATE OR REPLACE VIEW mds.pulse_events WITH (security_barrier) AS
  SELECT tenant_id, id, payload, created_at
  FROM mds_core.pulse_events
  WHERE tenant_id = (SELECT nullif(current_setting('app.tenant_id', true), '')::uuid)
  WITH CASCADED CHECK OPTION;

CREATE OR REPLACE VIEW mds.macro_series WITH (security_barrier) AS
  SELECT tenant_id, key, title, units, frequency, vendor, tracked_at, updated_at
  FROM mds_core.macro_series
  WHERE tenant_id = (SELECT nullif(current_setting('app.tenant_id', true), '')::uuid)
  WITH CASCADED CHECK OPTION;

CREATE OR REPLACE VIEW mds.macro_observations WITH (security_barrier) AS
  SELECT tenant_id, key, date, value, realtime_start, recorded_at
  FROM mds_core.macro_observations
  WHERE tenant_id = (SELECT nullif(current_setting('app.tenant_id', true), '')::uuid)
  WITH CASCADED CHECK OPTION;

CREATE OR REPLACE VIEW mds.bars_history WITH (security_barrier) AS
  SELECT tenant_id, ts, vendor, symbol, timeframe, open, high, low, close, volume, vwap,
         trade_count, revision, recorded_at, superseded_at
  FROM mds_core.bars_history
  WHERE tenant_id = (SELECT nullif(current_setting('app.tenant_id', true), '')::uuid);

CREATE OR REPLACE VIEW mds.fundamentals_history WITH (security_barrier) AS
  SELECT tenant_id, asof, vendor, symbol, market_cap, pe_ratio, eps, revenue, net_income,
         shares_outstanding, dividend_yield, extra, revision, total_assets, total_liabilities,
         recorded_at, superseded_at
  FROM mds_core.fundamentals_history
  WHERE tenant_id = (SELECT nullif(current_setting('app.tenant_id', true), '')::uuid);

CREATE OR REPLACE VIEW mds.option_snapshots_history WITH (security_barrier) AS
  SELECT tenant_id, ts, vendor, symbol, expiry, option_type, strike, bid, ask, last, volume,
         open_interest, implied_volatility, delta, gamma, theta, vega, underlying_price, revision,
         computed, recorded_at, superseded_at
  FROM mds_core.option_snapshots_history
  WHERE tenant_id = (SELECT nullif(current_setting('app.tenant_id', true), '')::uuid);
