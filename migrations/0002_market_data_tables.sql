-- Market data base tables. Each has a revision: 0 when a row is first written, incremented by
-- every upsert that changes it. An upsert's RETURNING revision = 0 tells inserted rows from
-- updated ones (xmax cannot serve: TimescaleDB refuses system columns on compressed chunks), and
-- users can see which rows were corrected.
--
-- Primary keys are time first because TimescaleDB needs the time column in every unique index of
-- a hypertable; they are also the ON CONFLICT targets of the idempotent upserts. Every extra index
-- slows ingest (DESIGN.md, section 5), so each one below serves a read the client makes.

CREATE TABLE mds_core.bars (
  ts          timestamptz      NOT NULL,
  tenant_id   uuid             NOT NULL,
  vendor      text             NOT NULL,
  symbol      text             NOT NULL,
  timeframe   text             NOT NULL
    CONSTRAINT bars_timeframe_known CHECK (timeframe IN ('1m', '5m', '15m', '30m', '1h', '4h', '1d', '1w')),
  open        double precision NOT NULL,
  high        double precision NOT NULL,
  low         double precision NOT NULL,
  close       double precision NOT NULL,
  volume      bigint           NOT NULL DEFAULT 0,
  vwap        double precision,
  trade_count bigint,
  revision    integer          NOT NULL DEFAULT 0,
  CONSTRAINT bars_pkey PRIMARY KEY (ts, tenant_id, vendor, symbol, timeframe),
  CONSTRAINT bars_prices_not_negative CHECK (low >= 0 AND volume >= 0),
  CONSTRAINT bars_high_low_consistent
    CHECK (high >= greatest(open, close, low) AND low <= least(open, close))
);
-- Serves barsWindow(): one symbol's bars of one timeframe over a time range.
CREATE INDEX bars_symbol_window_idx ON mds_core.bars (tenant_id, symbol, timeframe, vendor, ts DESC);

CREATE TABLE mds_core.fundamentals (
  asof               date             NOT NULL,
  tenant_id          uuid             NOT NULL,
  vendor             text             NOT NULL,
  symbol             text             NOT NULL,
  market_cap         double precision,
  pe_ratio           double precision,
  eps                double precision,
  revenue            double precision,
  net_income         double precision,
  shares_outstanding bigint,
  dividend_yield     double precision,
  extra              jsonb,
  revision           integer          NOT NULL DEFAULT 0,
  CONSTRAINT fundamentals_pkey PRIMARY KEY (asof, tenant_id, vendor, symbol)
);
-- Serves fundamentals({ symbol, asOf }): the newest record at or before a date.
CREATE INDEX fundamentals_symbol_asof_idx ON mds_core.fundamentals (tenant_id, symbol, asof DESC);

CREATE TABLE mds_core.news (
  published_at timestamptz NOT NULL,
  tenant_id    uuid        NOT NULL,
  vendor       text        NOT NULL,
  id           text        NOT NULL,
  symbols      text[]      NOT NULL DEFAULT '{}',
  title        text        NOT NULL,
  url          text,
  summary      text,
  source       text,
  sentiment    double precision
    CONSTRAINT news_sentiment_in_range CHECK (sentiment BETWEEN -1 AND 1),
  revision     integer     NOT NULL DEFAULT 0,
  CONSTRAINT news_pkey PRIMARY KEY (published_at, tenant_id, vendor, id)
);
-- Serves news({ symbol }): items that mention a ticker.
CREATE INDEX news_symbols_idx ON mds_core.news USING gin (symbols);

CREATE TABLE mds_core.option_snapshots (
  ts                 timestamptz      NOT NULL,
  tenant_id          uuid             NOT NULL,
  vendor             text             NOT NULL,
  symbol             text             NOT NULL,
  expiry             date             NOT NULL,
  option_type        text             NOT NULL
    CONSTRAINT option_snapshots_type_call_or_put CHECK (option_type IN ('C', 'P')),
  strike             double precision NOT NULL
    CONSTRAINT option_snapshots_strike_positive CHECK (strike > 0),
  bid                double precision,
  ask                double precision,
  last               double precision,
  volume             bigint,
  open_interest      bigint,
  implied_volatility double precision,
  delta              double precision,
  gamma              double precision,
  theta              double precision,
  vega               double precision,
  underlying_price   double precision,
  revision           integer          NOT NULL DEFAULT 0,
  CONSTRAINT option_snapshots_pkey
    PRIMARY KEY (ts, tenant_id, vendor, symbol, expiry, option_type, strike)
);
-- Serves optionChain({ symbol, expiry, at }): the newest snapshot of each contract.
CREATE INDEX option_snapshots_chain_idx
  ON mds_core.option_snapshots (tenant_id, symbol, expiry, ts DESC);

-- Kept current by bar upserts in the same statement, so latestPrices() is a key lookup instead
-- of a DISTINCT ON over the bars. Symbol before vendor: reads ask for symbols, vendor optional.
CREATE TABLE mds_core.latest_prices (
  tenant_id  uuid             NOT NULL,
  symbol     text             NOT NULL,
  vendor     text             NOT NULL,
  as_of      timestamptz      NOT NULL,
  price      double precision NOT NULL,
  timeframe  text             NOT NULL,
  updated_at timestamptz      NOT NULL DEFAULT now(),
  CONSTRAINT latest_prices_pkey PRIMARY KEY (tenant_id, symbol, vendor)
);
COMMENT ON COLUMN mds_core.latest_prices.as_of IS
  'Close time of the bar the price came from (bar open time plus its timeframe)';

-- The newest time ingested per series; only ever moves forward.
CREATE TABLE mds_core.ingest_cursors (
  tenant_id  uuid        NOT NULL,
  dataset    text        NOT NULL,
  vendor     text        NOT NULL,
  symbol     text        NOT NULL,
  timeframe  text        NOT NULL DEFAULT '',
  last_ts    timestamptz NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT ingest_cursors_pkey PRIMARY KEY (tenant_id, dataset, vendor, symbol, timeframe)
);

-- mds:timescale
-- One-day chunks for the minute-scale series. The default ts DESC index is redundant with the
-- time-first primary key and costs 20-30% of ingest speed, hence create_default_indexes => false.
SELECT create_hypertable('mds_core.bars', by_range('ts', INTERVAL '1 day'),
  create_default_indexes => false);
SELECT create_hypertable('mds_core.option_snapshots', by_range('ts', INTERVAL '1 day'),
  create_default_indexes => false);
SELECT create_hypertable('mds_core.news', by_range('published_at', INTERVAL '30 days'),
  create_default_indexes => false);

-- Segments hold one series each, so a symbol's window decompresses one segment.
ALTER TABLE mds_core.bars SET (
  timescaledb.enable_columnstore = true,
  timescaledb.segmentby = 'tenant_id, vendor, symbol, timeframe',
  timescaledb.orderby = 'ts DESC'
);
ALTER TABLE mds_core.option_snapshots SET (
  timescaledb.enable_columnstore = true,
  timescaledb.segmentby = 'tenant_id, vendor, symbol',
  timescaledb.orderby = 'ts DESC, expiry, option_type, strike'
);
CALL add_columnstore_policy('mds_core.bars', after => INTERVAL '7 days');
CALL add_columnstore_policy('mds_core.option_snapshots', after => INTERVAL '3 days');

-- Raw data ages out; the continuous aggregates keep their buckets. Each horizon stays far beyond
-- the widest refresh window of the aggregates (35 days, migration 0005), so a refresh never
-- recomputes a bucket from raw rows that are already gone.
SELECT add_retention_policy('mds_core.bars', drop_after => INTERVAL '1825 days');
SELECT add_retention_policy('mds_core.option_snapshots', drop_after => INTERVAL '730 days');
