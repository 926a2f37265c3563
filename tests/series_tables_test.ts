// Latest prices and ingestion cursors: one row per series, updated by every write of that series
// (migration 0014). Their pages keep room for those updates, so rewriting the same series adds
// nothing to their indexes: each update stays on its page (a HOT update) instead of leaving a
// dead row and a new index entry behind.
import { createClient } from "@mds/client";
import { assertEquals } from "../testing/assert.ts";
import { backendSuite, newTenant } from "../testing/backends.ts";

const TABLES = ["latest_prices", "ingest_cursors"] as const;
// enough rows to fill several pages: a table of a few rows has room on its one page anyway
const SERIES = 400;

/** One bar of each series at minute `minute`. */
function round(minute: number) {
  return Array.from({ length: SERIES }, (_, s) => ({
    ts: new Date(Date.UTC(2024, 0, 2, 14, 30 + minute)).toISOString(),
    vendor: "v",
    symbol: `S${s}`,
    timeframe: "1m",
    open: 10 + minute,
    high: 11 + minute,
    low: 9 + minute,
    close: 10.5 + minute,
    volume: 100,
  }));
}

backendSuite("latest prices and cursors", {
  "keep most of each page for updates": async (db) => {
    const rows = await db.backend.query<{ relname: string; reloptions: string[] | null }>(
      `SELECT relname, reloptions FROM pg_class
       WHERE relnamespace = 'mds_core'::regnamespace AND relname = ANY($1::text[])
       ORDER BY relname`,
      [[...TABLES]],
    );
    assertEquals(rows.map((r) => [r.relname, r.reloptions]), [
      ["ingest_cursors", ["fillfactor=30"]],
      ["latest_prices", ["fillfactor=30"]],
    ]);
  },
  "rewriting the same series does not grow their indexes": async (db) => {
    await using client = await createClient({ backend: db.backend, migrate: false });
    const t = client.tenant(newTenant());
    const sizes = async () =>
      (await db.backend.query<{ size: number }>(
        `SELECT pg_relation_size(('mds_core.' || name || '_pkey')::regclass)::int AS size
         FROM unnest($1::text[]) AS name`,
        [[...TABLES]],
      )).map((r) => r.size);
    await t.upsertBars(round(0));
    const first = await sizes();
    // 20 more writes of every series, each moving its latest price and cursor forward: 16,000
    // updates, which without room on their pages would add index entries by the thousand
    for (let minute = 1; minute <= 20; minute++) await t.upsertBars(round(minute));
    assertEquals(await sizes(), first, "index sizes of latest_prices and ingest_cursors");
    const [latest] = await t.latestPrices(["S0"]);
    assertEquals(latest?.price, 30.5, "the last write's close is the latest price");
  },
});
