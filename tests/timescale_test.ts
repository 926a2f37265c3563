// What the TimescaleDB mode adds: hypertables, columnstore, policies and continuous aggregates,
// checked from TimescaleDB's information views. Runs where MDS_TEST_TIMESCALE_URL is set.
import { assert, assertEquals } from "../testing/assert.ts";
import { asApp } from "../testing/app_role.ts";
import { backendSuite, newTenant, openTestDb } from "../testing/backends.ts";
import { createPostgresBackend } from "@mds/client";

const tenant = newTenant();

/** Minute bars from $2 on for tenant $1: open i+1, high i+2, low i+0.5, close i+1.5, volume 10. */
function minuteBars(count: number): string {
  return `SELECT $1::uuid, $2::timestamptz + (i * interval '1 minute'), 'v', 'AGG', '1m',
                 i + 1, i + 2, i + 0.5, i + 1.5, 10
          FROM generate_series(0, ${count - 1}) AS i`;
}

backendSuite("TimescaleDB mode", {
  "bars, options, quotes and news are hypertables with one-day (news: 30-day) chunks": async (
    db,
  ) => {
    const rows = await db.backend.query<{ name: string; interval: string }>(
      `SELECT hypertable_name AS name, time_interval::text AS interval
       FROM timescaledb_information.dimensions WHERE hypertable_schema = 'mds_core' ORDER BY 1`,
    );
    assertEquals(rows, [
      { name: "bars", interval: "1 day" },
      // the point-in-time history (migration 0013), partitioned by superseded_at
      { name: "bars_history", interval: "7 days" },
      { name: "fundamentals_history", interval: "30 days" },
      { name: "news", interval: "30 days" },
      { name: "option_snapshots", interval: "1 day" },
      { name: "option_snapshots_history", interval: "7 days" },
      { name: "quotes_l1", interval: "1 day" },
    ]);
  },
  "bars, options and quotes use the columnstore, segmented by series, newest first": async (
    db,
  ) => {
    const rows = await db.backend.query<{ name: string; segmentby: string; orderby: string }>(
      `SELECT hypertable::text AS name, segmentby, orderby
       FROM timescaledb_information.hypertable_columnstore_settings
       WHERE hypertable::text IN ('mds_core.bars', 'mds_core.option_snapshots', 'mds_core.quotes_l1')
       ORDER BY 1`,
    );
    assertEquals(rows.map((r) => r.name), [
      "mds_core.bars",
      "mds_core.option_snapshots",
      "mds_core.quotes_l1",
    ]);
    assertEquals(rows[0]!.segmentby, "tenant_id,vendor,symbol,timeframe");
    assert(rows[0]!.orderby.startsWith("ts DESC"), rows[0]!.orderby);
    assertEquals(rows[1]!.segmentby, "tenant_id,vendor,symbol");
    assertEquals(rows[2]!.segmentby, "tenant_id,vendor,symbol");
    assert(rows[2]!.orderby.startsWith("ts DESC"), rows[2]!.orderby);
  },
  "columnstore, retention and refresh policies are scheduled; retention outlasts every refresh window":
    async (db) => {
      const jobs = await db.backend.query<
        { proc: string; target: string; config: Record<string, string> }
      >(
        `SELECT proc_name AS proc, hypertable_name AS target, config
       FROM timescaledb_information.jobs WHERE proc_name LIKE 'policy_%' ORDER BY 1, 2`,
      );
      const of = (proc: string) => jobs.filter((j) => j.proc === proc).map((j) => j.target).sort();
      const policied = [
        "bars",
        "bars_history",
        "fundamentals_history",
        "option_snapshots",
        "option_snapshots_history",
        "quotes_l1",
      ];
      assertEquals(of("policy_compression"), policied);
      assertEquals(of("policy_retention"), policied);
      const quotes = (proc: string) =>
        jobs.find((j) => j.proc === proc && j.target === "quotes_l1")!.config;
      // quotes are kept 14 days and move to the columnstore after a day
      assertEquals(quotes("policy_retention").drop_after, "14 days");
      assertEquals(quotes("policy_compression").compress_after, "1 day");
      assertEquals(of("policy_refresh_continuous_aggregate").length, 3);
      const days = (interval: string) => {
        const m = /^(\d+) days?$/.exec(interval);
        return m ? Number(m[1]) : NaN;
      };
      const widest = Math.max(
        ...jobs.filter((j) => j.proc === "policy_refresh_continuous_aggregate").map((j) =>
          days(j.config.start_offset!)
        ),
      );
      const barRetention = days(
        jobs.find((j) => j.proc === "policy_retention" && j.target === "bars")!.config.drop_after!,
      );
      assertEquals(widest, 35);
      assert(
        barRetention > widest,
        `bar retention ${barRetention} days must exceed the ${widest}-day refresh window`,
      );
    },
  "bars_5m, bars_1h and bars_1d are continuous aggregates, 1h and 1d built on the one below":
    async (db) => {
      const rows = await db.backend.query<{ view: string; source: string; realtime: boolean }>(
        `SELECT view_name AS view, hypertable_name AS source, NOT materialized_only AS realtime
       FROM timescaledb_information.continuous_aggregates ORDER BY 1`,
      );
      assertEquals(rows.map((r) => r.view), ["bars_1d", "bars_1h", "bars_5m"]);
      assert(rows.every((r) => r.realtime), "real-time aggregation must be on");
    },
  "the aggregates refresh and read back through the tenant views with the right OHLCV": async (
    db,
  ) => {
    await asApp(db.backend, tenant, (tx) =>
      tx.query(
        `INSERT INTO mds.bars (tenant_id, ts, vendor, symbol, timeframe, open, high, low, close, volume) ${
          minuteBars(120)
        }`,
        [tenant, "2024-01-02T14:00:00Z"],
      ));
    // refresh_continuous_aggregate cannot run inside a transaction: use a plain session.
    const session = createPostgresBackend({ url: db.url!, max: 1 });
    try {
      for (const agg of ["bars_5m", "bars_1h", "bars_1d"]) {
        await session.query(
          `CALL refresh_continuous_aggregate('mds_core.${agg}', '2024-01-01T00:00:00Z', '2024-01-04T00:00:00Z')`,
        );
      }
    } finally {
      await session.close();
    }
    const materialized = await db.backend.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM _timescaledb_internal._materialized_hypertable_${
        (await db.backend.query<{ id: number }>(
          `SELECT mat_hypertable_id AS id FROM _timescaledb_catalog.continuous_agg WHERE user_view_name = 'bars_5m'`,
        ))[0]!.id
      }`,
    );
    assertEquals(materialized[0]!.n, 24, "refresh materialised 24 five-minute buckets");
    const [first5m] = await asApp(
      db.backend,
      tenant,
      (tx) =>
        tx.query(
          `SELECT open, high, low, close, volume, bar_count FROM mds.bars_5m WHERE symbol = 'AGG' ORDER BY bucket LIMIT 1`,
        ),
    );
    assertEquals(first5m, { open: 1, high: 6, low: 0.5, close: 5.5, volume: 50, bar_count: 5 });
    const hours = await asApp(
      db.backend,
      tenant,
      (tx) =>
        tx.query(
          `SELECT bucket, open, close, volume, bar_count FROM mds.bars_1h WHERE symbol = 'AGG' ORDER BY bucket`,
        ),
    );
    assertEquals(hours.length, 2);
    assertEquals(hours[1], {
      bucket: new Date("2024-01-02T15:00:00Z"),
      open: 61,
      close: 120.5,
      volume: 600,
      bar_count: 60,
    });
    const days = await asApp(
      db.backend,
      tenant,
      (tx) => tx.query(`SELECT volume, bar_count FROM mds.bars_1d`),
    );
    assertEquals(days, [{ volume: 1200, bar_count: 120 }]);
    const other = await asApp(
      db.backend,
      newTenant(),
      (tx) => tx.query(`SELECT 1 FROM mds.bars_5m`),
    );
    assertEquals(other, []);
  },
  "an upsert through the view updates a row that sits in a compressed chunk": async (db) => {
    await db.backend.query(
      "SELECT compress_chunk(c, if_not_compressed => true) FROM show_chunks('mds_core.bars') c",
    );
    const [compressed] = await db.backend.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM timescaledb_information.chunks WHERE hypertable_name = 'bars' AND is_compressed`,
    );
    assert(compressed!.n >= 1, "positive control: a compressed chunk");
    const written = await asApp(db.backend, tenant, (tx) =>
      tx.query(
        `INSERT INTO mds.bars AS t (ts, vendor, symbol, timeframe, open, high, low, close, volume)
         VALUES ('2024-01-02T14:00:00Z', 'v', 'AGG', '1m', 1, 2, 0.5, 1.75, 99)
         ON CONFLICT (ts, tenant_id, vendor, symbol, timeframe) DO UPDATE
         SET close = EXCLUDED.close, volume = EXCLUDED.volume, revision = t.revision + 1
         RETURNING t.revision = 0 AS inserted`,
      ));
    assertEquals(written, [{ inserted: false }]);
    const [row] = await asApp(
      db.backend,
      tenant,
      (tx) =>
        tx.query(
          `SELECT close, volume FROM mds.bars WHERE symbol = 'AGG' AND ts = '2024-01-02T14:00:00Z'`,
        ),
    );
    assertEquals(row, { close: 1.75, volume: 99 });
    const reads = await asApp(
      db.backend,
      tenant,
      (tx) => tx.query(`SELECT count(*)::int AS n FROM mds.bars`),
    );
    assertEquals(reads, [{ n: 120 }], "reads through the view still work over compressed chunks");
  },
}, { only: ["timescale"] });

Deno.test("plain PostgreSQL has no TimescaleDB objects and the aggregates are plain views", async () => {
  await using db = await openTestDb("pglite");
  const rows = await db.backend.query<{ name: string; kind: string }>(
    `SELECT c.relname AS name, c.relkind::text AS kind FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE n.nspname = 'mds_core' AND c.relname LIKE 'bars\\_%' ESCAPE '\\' ORDER BY 1`,
  );
  assertEquals(rows, [
    { name: "bars_1d", kind: "v" },
    { name: "bars_1h", kind: "v" },
    { name: "bars_5m", kind: "v" },
    // the point-in-time history: a plain table here
    { name: "bars_history", kind: "r" },
    { name: "bars_history_symbol_window_idx", kind: "i" },
    { name: "bars_pkey", kind: "i" },
    { name: "bars_symbol_window_idx", kind: "i" },
  ]);
});
