// Migration 0010 (the original interface's fields) on a store that already holds data: a store at
// 0009 with bars (on TimescaleDB in compressed chunks), fundamentals and latest prices is brought
// to the current schema; every existing row reads back unchanged, close-only bars can then be
// written (into a compressed chunk too), and fundamentals take total assets and liabilities.
import { createClient } from "@mds/client";
import { MIGRATION_FILES } from "@mds/sql";
import { migrate } from "@mds/client";
import { assert, assertEquals } from "../testing/assert.ts";
import { backendSuite, newTenant, type TestDb } from "../testing/backends.ts";

const BEFORE = MIGRATION_FILES.findIndex((f) => f.name.startsWith("0010_"));
const DAY = 86_400_000;
const timescale = (db: TestDb) => db.name === "timescale" ? "require" as const : "off" as const;

/** Everything stored in the tables 0010 changes, as text, oldest first. */
async function snapshot(db: TestDb): Promise<string[]> {
  const bars = await db.backend.query<{ line: string }>(
    `SELECT concat_ws(' ', tenant_id, ts, vendor, symbol, timeframe, open, high, low, close, volume,
              vwap, trade_count, revision) AS line
     FROM mds_core.bars ORDER BY ts, symbol`,
  );
  const fundamentals = await db.backend.query<{ line: string }>(
    `SELECT concat_ws(' ', tenant_id, asof, vendor, symbol, market_cap, eps, net_income, extra::text,
              revision) AS line
     FROM mds_core.fundamentals ORDER BY asof, symbol`,
  );
  const latest = await db.backend.query<{ line: string }>(
    `SELECT concat_ws(' ', tenant_id, symbol, vendor, as_of, price, timeframe) AS line
     FROM mds_core.latest_prices ORDER BY symbol`,
  );
  return [...bars, ...fundamentals, ...latest].map((r) => r.line);
}

let tenant = "";
let oldDay = 0;
let before: string[] = [];

backendSuite("upgrade to 0010 with data in the store", {
  "a store at 0009 holds bars, fundamentals and latest prices (compressed on TimescaleDB)": async (
    db,
  ) => {
    assert(BEFORE > 0, "migration 0010 is shipped");
    await migrate(db.backend, {
      files: MIGRATION_FILES.slice(0, BEFORE),
      timescale: timescale(db),
    });
    const [version] = await db.backend.query<{ v: number }>(
      "SELECT max(version)::int AS v FROM mds_core.schema_migrations",
    );
    assertEquals(version?.v, BEFORE);
    tenant = newTenant();
    // 30 days back: older than the 7-day columnstore policy, inside every retention horizon.
    oldDay = Math.floor((Date.now() - 30 * DAY) / DAY) * DAY;
    await db.backend.query(
      `INSERT INTO mds_core.bars (ts, tenant_id, vendor, symbol, timeframe, open, high, low, close, volume)
       SELECT to_timestamp(($2::bigint + m * 60000) / 1000.0), $1, 'v', s, '1m',
              100 + m, 101 + m, 99 + m, 100.5 + m, 1000 + m
       FROM generate_series(0, 389) m, unnest(ARRAY['AAPL', 'MSFT']) s`,
      [tenant, oldDay + 14.5 * 3_600_000],
    );
    await db.backend.query(
      `INSERT INTO mds_core.fundamentals (asof, tenant_id, vendor, symbol, market_cap, eps, net_income, extra)
       VALUES ('2024-03-31', $1, 'fmp', 'MSFT', 3.1e12, 2.94, 2.19e10, '{"sector":"Technology"}')`,
      [tenant],
    );
    await db.backend.query(
      `INSERT INTO mds_core.latest_prices (tenant_id, symbol, vendor, as_of, price, timeframe)
       VALUES ($1, 'AAPL', 'v', to_timestamp($2 / 1000.0), 489.5, '1m')`,
      [tenant, oldDay + 21 * 3_600_000],
    );
    if (db.name === "timescale") {
      const [n] = await db.backend.query<{ n: number }>(
        "SELECT count(compress_chunk(c, if_not_compressed => true))::int AS n FROM show_chunks('mds_core.bars') c",
      );
      assert((n?.n ?? 0) >= 1, "at least one compressed chunk");
    }
    before = await snapshot(db);
    assertEquals(before.length, 2 * 390 + 2);
  },
  "migrating to the current schema keeps every row exactly (compressed chunks included)": async (
    db,
  ) => {
    const result = await migrate(db.backend, { timescale: timescale(db) });
    assertEquals(result.applied.map((f) => f.slice(0, 4)).includes("0010"), true);
    assertEquals(await snapshot(db), before);
    if (db.name === "timescale") {
      const [c] = await db.backend.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM timescaledb_information.chunks
         WHERE hypertable_name = 'bars' AND is_compressed`,
      );
      assert((c?.n ?? 0) >= 1, "the chunks are still compressed after the upgrade");
    }
  },
  "after the upgrade: close-only bars (into the compressed chunk too) and total assets are stored":
    async (
      db,
    ) => {
      await using client = await createClient({ backend: db.backend, migrate: false });
      const t = client.tenant(tenant);
      // A new close-only bar inside the old, compressed day, and a correction of an existing bar
      // that drops its open/high/low.
      const at = new Date(oldDay + 14.5 * 3_600_000 + 390 * 60_000);
      const w = await t.upsertBars([
        { vendor: "v", symbol: "AAPL", timeframe: "1m", ts: at, close_price: 490 } as never,
        {
          vendor: "v",
          symbol: "MSFT",
          timeframe: "1m",
          ts: new Date(oldDay + 14.5 * 3_600_000),
          close_price: 100.5,
          volume: 1000,
        } as never,
      ]);
      assertEquals([w.inserted, w.updated], [1, 1]);
      const bars = await t.barsWindow({
        symbol: "MSFT",
        timeframe: "1m",
        start: new Date(oldDay),
        end: new Date(oldDay + DAY),
      });
      assertEquals(bars.length, 390);
      assertEquals([bars[0]?.open, bars[0]?.high, bars[0]?.low, bars[0]?.close], [
        null,
        null,
        null,
        100.5,
      ]);
      assertEquals([bars[1]?.open, bars[1]?.close], [101, 101.5]);
      const [latest] = await t.latestPrices(["AAPL"]);
      assertEquals([latest?.price, latest?.price_timestamp.getTime()], [
        490,
        at.getTime() + 60_000,
      ]);
      await t.upsertFundamentals([{
        vendor: "fmp",
        symbol: "MSFT",
        asof: "2024-06-30T00:00:00",
        total_assets: 5.1e11,
        total_liabilities: 2.4e11,
      }]);
      const row = (r: { asof: string; total_assets: number | null; market_cap: number | null }) => [
        r.asof,
        r.total_assets,
        r.market_cap,
      ];
      assertEquals((await t.fundamentals({ symbol: "MSFT" })).map(row), [[
        "2024-06-30",
        5.1e11,
        null,
      ]]);
      assertEquals((await t.fundamentals({ symbol: "MSFT", asOf: "2024-04-01" })).map(row), [[
        "2024-03-31",
        null,
        3.1e12,
      ]]);
    },
}, { migrated: false });
