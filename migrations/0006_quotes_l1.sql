-- Level-1 quotes: the best bid and ask of a symbol (and its last trade) at an instant, as a vendor
-- reported them. Built like the market data tables of migration 0002 and their views in
-- migration 0004: a revision that is 0 when a row is first written and incremented by every
-- upsert that changes it, a time-first primary key that is also the ON CONFLICT target of the
-- idempotent upserts, and a tenant view through which applications read and write.

CREATE TABLE mds_core.quotes_l1 (
  ts        timestamptz      NOT NULL,
  tenant_id uuid             NOT NULL,
  vendor    text             NOT NULL,
  symbol    text             NOT NULL,
  bid       double precision,
  ask       double precision,
  last      double precision,
  bid_size  bigint,
  ask_size  bigint,
  revision  integer          NOT NULL DEFAULT 0,
  CONSTRAINT quotes_l1_pkey PRIMARY KEY (ts, tenant_id, vendor, symbol),
  CONSTRAINT quotes_l1_prices_not_negative CHECK (bid >= 0 AND ask >= 0 AND last >= 0),
  CONSTRAINT quotes_l1_sizes_not_negative CHECK (bid_size >= 0 AND ask_size >= 0),
  CONSTRAINT quotes_l1_ask_not_below_bid CHECK (ask >= bid),
  CONSTRAINT quotes_l1_has_a_price CHECK (coalesce(bid, ask, last) IS NOT NULL)
);
-- Serves latestQuotes(): the newest quote of each symbol.
CREATE INDEX quotes_l1_symbol_latest_idx ON mds_core.quotes_l1 (tenant_id, symbol, ts DESC);

-- The tenant view, as in migration 0004: security_barrier keeps caller-supplied functions from
-- seeing other tenants' rows before the filter; CASCADED CHECK OPTION rejects writes of rows the
-- view would not show (SQLSTATE 44000). With no tenant set nothing is readable and every write
-- fails the check. tenant_id defaults to the current tenant, so writers may omit it.
CREATE VIEW mds.quotes_l1 WITH (security_barrier) AS
  SELECT tenant_id, ts, vendor, symbol, bid, ask, last, bid_size, ask_size, revision
  FROM mds_core.quotes_l1
  WHERE tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid
  WITH CASCADED CHECK OPTION;

ALTER VIEW mds.quotes_l1 ALTER COLUMN tenant_id
  SET DEFAULT nullif(current_setting('app.tenant_id', true), '')::uuid;

GRANT SELECT, INSERT, UPDATE, DELETE ON mds.quotes_l1 TO mds_app;

-- mds:timescale
-- One-day chunks like the other minute-scale series. The default ts DESC index is redundant with
-- the time-first primary key and costs 20-30% of ingest speed, hence create_default_indexes =>
-- false.
SELECT create_hypertable('mds_core.quotes_l1', by_range('ts', INTERVAL '1 day'),
  create_default_indexes => false);

-- Segments hold one series each, so a symbol's quotes decompress one segment.
ALTER TABLE mds_core.quotes_l1 SET (
  timescaledb.enable_columnstore = true,
  timescaledb.segmentby = 'tenant_id, vendor, symbol',
  timescaledb.orderby = 'ts DESC'
);
CALL add_columnstore_policy('mds_core.quotes_l1', after => INTERVAL '1 day');

-- Quotes are kept 14 days, as in the system mds replaces; no aggregate is built on them.
SELECT add_retention_policy('mds_core.quotes_l1', drop_after => INTERVAL '14 days');
