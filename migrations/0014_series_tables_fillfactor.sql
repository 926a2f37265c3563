-- Latest prices and ingestion cursors hold one row per series, and every write of a series
-- updates its row: an ingest of wide data rewrites thousands of them per batch, two batches in
-- flight. With full pages (the default fillfactor of 100) few of those updates could stay on
-- their page ("HOT"): the others each added an index entry and left a dead row for VACUUM.
-- Measured on 1M bars over 2,000 series in 20,000-row batches, two in flight: 5-11% of the
-- updates HOT, latest_prices 8 MB for its 2,000 rows, and latestPrices(500) at 3.2 ms of server
-- time through the dead index entries (1.0 ms vacuumed). With half of each page left free,
-- ~60% were HOT and the ingest's server CPU fell ~15%; the batch in flight beside a write keeps
-- dead rows alive a while longer, so with 70% free 99% are HOT, the tables stay near 1.2 MB and
-- latestPrices(500) takes 1.4 ms right after the ingest.
-- Pages written from now on follow it; existing pages as their rows move (VACUUM FULL applies it
-- to a table at once).
ALTER TABLE mds_core.latest_prices SET (fillfactor = 30);
ALTER TABLE mds_core.ingest_cursors SET (fillfactor = 30);
