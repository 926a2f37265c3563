-- 5-minute, hourly and daily bars computed from 1-minute bars. With TimescaleDB they are
-- continuous aggregates, each built on the previous one, with real-time aggregation on so a read
-- includes bars newer than the last refresh. Without it they are plain views over date_bin:
-- always current, computed on read. Both forms have the same columns, and the tenant views on
-- top are identical.

-- mds:timescale
CREATE MATERIALIZED VIEW mds_core.bars_5m
  WITH (timescaledb.continuous, timescaledb.materialized_only = false) AS
  SELECT time_bucket(INTERVAL '5 minutes', ts) AS bucket, tenant_id, vendor, symbol,
         first(open, ts) AS open, max(high) AS high, min(low) AS low, last(close, ts) AS close,
         sum(volume)::bigint AS volume, count(*) AS bar_count
  FROM mds_core.bars
  WHERE timeframe = '1m'
  GROUP BY 1, 2, 3, 4
  WITH NO DATA;

CREATE MATERIALIZED VIEW mds_core.bars_1h
  WITH (timescaledb.continuous, timescaledb.materialized_only = false) AS
  SELECT time_bucket(INTERVAL '1 hour', bucket) AS bucket, tenant_id, vendor, symbol,
         first(open, bucket) AS open, max(high) AS high, min(low) AS low,
         last(close, bucket) AS close, sum(volume)::bigint AS volume,
         sum(bar_count)::bigint AS bar_count
  FROM mds_core.bars_5m
  GROUP BY 1, 2, 3, 4
  WITH NO DATA;

CREATE MATERIALIZED VIEW mds_core.bars_1d
  WITH (timescaledb.continuous, timescaledb.materialized_only = false) AS
  SELECT time_bucket(INTERVAL '1 day', bucket) AS bucket, tenant_id, vendor, symbol,
         first(open, bucket) AS open, max(high) AS high, min(low) AS low,
         last(close, bucket) AS close, sum(volume)::bigint AS volume,
         sum(bar_count)::bigint AS bar_count
  FROM mds_core.bars_1h
  GROUP BY 1, 2, 3, 4
  WITH NO DATA;

-- Refresh windows end one bucket back (that bucket may still be filling; real-time aggregation
-- covers it) and reach back far enough for late corrections. The widest, 35 days, must stay
-- inside the raw-bar retention horizon set in migration 0002.
SELECT add_continuous_aggregate_policy('mds_core.bars_5m',
  start_offset => INTERVAL '2 days', end_offset => INTERVAL '5 minutes',
  schedule_interval => INTERVAL '5 minutes');
SELECT add_continuous_aggregate_policy('mds_core.bars_1h',
  start_offset => INTERVAL '7 days', end_offset => INTERVAL '1 hour',
  schedule_interval => INTERVAL '30 minutes');
SELECT add_continuous_aggregate_policy('mds_core.bars_1d',
  start_offset => INTERVAL '35 days', end_offset => INTERVAL '1 day',
  schedule_interval => INTERVAL '1 hour');

-- mds:plain
CREATE VIEW mds_core.bars_5m AS
  SELECT date_bin(INTERVAL '5 minutes', ts, TIMESTAMPTZ '2000-01-03 00:00:00+00') AS bucket,
         tenant_id, vendor, symbol,
         (array_agg(open ORDER BY ts))[1] AS open, max(high) AS high, min(low) AS low,
         (array_agg(close ORDER BY ts DESC))[1] AS close,
         sum(volume)::bigint AS volume, count(*) AS bar_count
  FROM mds_core.bars
  WHERE timeframe = '1m'
  GROUP BY 1, 2, 3, 4;

CREATE VIEW mds_core.bars_1h AS
  SELECT date_bin(INTERVAL '1 hour', ts, TIMESTAMPTZ '2000-01-03 00:00:00+00') AS bucket,
         tenant_id, vendor, symbol,
         (array_agg(open ORDER BY ts))[1] AS open, max(high) AS high, min(low) AS low,
         (array_agg(close ORDER BY ts DESC))[1] AS close,
         sum(volume)::bigint AS volume, count(*) AS bar_count
  FROM mds_core.bars
  WHERE timeframe = '1m'
  GROUP BY 1, 2, 3, 4;

CREATE VIEW mds_core.bars_1d AS
  SELECT date_bin(INTERVAL '1 day', ts, TIMESTAMPTZ '2000-01-03 00:00:00+00') AS bucket,
         tenant_id, vendor, symbol,
         (array_agg(open ORDER BY ts))[1] AS open, max(high) AS high, min(low) AS low,
         (array_agg(close ORDER BY ts DESC))[1] AS close,
         sum(volume)::bigint AS volume, count(*) AS bar_count
  FROM mds_core.bars
  WHERE timeframe = '1m'
  GROUP BY 1, 2, 3, 4;

-- mds:all
CREATE VIEW mds.bars_5m WITH (security_barrier) AS
  SELECT tenant_id, bucket, vendor, symbol, open, high, low, close, volume, bar_count
  FROM mds_core.bars_5m
  WHERE tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid;
CREATE VIEW mds.bars_1h WITH (security_barrier) AS
  SELECT tenant_id, bucket, vendor, symbol, open, high, low, close, volume, bar_count
  FROM mds_core.bars_1h
  WHERE tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid;
CREATE VIEW mds.bars_1d WITH (security_barrier) AS
  SELECT tenant_id, bucket, vendor, symbol, open, high, low, close, volume, bar_count
  FROM mds_core.bars_1d
  WHERE tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid;
GRANT SELECT ON mds.bars_5m, mds.bars_1h, mds.bars_1d TO mds_app;
