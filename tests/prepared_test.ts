// Prepared statements on a server: the write path's fixed statements (tenant scope, upserts,
// pulse) stay prepared on each pooled connection. These tests hold what that must not change:
// tenants sharing one connection and its prepared statements still see only their own rows, the
// set of prepared statements does not grow with the data written, and a pooler that cannot carry
// prepared statements can turn them off.
import { type Backend, createClient, createPostgresBackend } from "@mds/client";
import { assert, assertEquals } from "../testing/assert.ts";
import { backendSuite, newTenant } from "../testing/backends.ts";

const PREPARED = "SELECT statement FROM pg_prepared_statements ORDER BY statement";

function bars(symbol: string, count: number, close: number) {
  return Array.from({ length: count }, (_, i) => ({
    ts: new Date(Date.UTC(2024, 0, 2, 14, 30 + i)).toISOString(),
    vendor: "v",
    symbol,
    timeframe: "1m",
    open: close,
    high: close,
    low: close,
    close,
    volume: i,
  }));
}

async function prepared(pool: Backend): Promise<string[]> {
  return (await pool.query<{ statement: string }>(PREPARED)).map((r) => r.statement);
}

backendSuite("prepared statements", {
  "tenants sharing a connection and its prepared statements see only their own rows": async (
    db,
  ) => {
    // one connection: every write and read of both tenants goes through it
    await using pool = createPostgresBackend({ url: db.url!, max: 1 });
    await using client = await createClient({ backend: pool, migrate: false });
    const a = client.tenant(newTenant());
    const b = client.tenant(newTenant());
    // both forms of the bars upsert: every row its own series, and several rows of one series
    // (where the latest price and cursor upserts read only the newest of each)
    await a.upsertBars(bars("P", 1, 1));
    await a.upsertBars(bars("P", 7, 1));
    const first = await prepared(pool);
    const upserts = first.filter((s) => s.includes("INSERT INTO mds.bars"));
    assertEquals(upserts.length, 2, first.join("\n"));
    assert(first.some((s) => s.includes("set_config('app.tenant_id'")), first.join("\n"));
    assert(first.some((s) => s.includes("pg_notify")), first.join("\n"));
    // alternate tenants and sizes: the same statements serve every call
    for (
      const [t, count, close] of [[b, 7, 2], [a, 100, 3], [b, 3, 4], [a, 2, 5], [b, 1, 2]] as const
    ) {
      await t.upsertBars(bars("P", count, close));
    }
    assertEquals(await prepared(pool), first, "writes of other sizes and tenants prepare nothing");
    const window = { symbol: "P", timeframe: "1m" as const, vendor: "v" };
    const seen = async (t: typeof a) =>
      (await t.barsWindow({
        ...window,
        start: "2024-01-02T00:00:00Z",
        end: "2024-01-03T00:00:00Z",
      }))
        .map((x) => x.close);
    assertEquals(await seen(a), [5, 5, ...Array(98).fill(3)]);
    assertEquals(await seen(b), [2, 4, 4, 2, 2, 2, 2]);
    assertEquals((await a.latestPrices(["P"])).map((p) => p.price), [3]);
    assertEquals((await b.latestPrices(["P"])).map((p) => p.price), [2]);
  },
  "pool.prepare false, or ?prepare=false in the URL, prepares nothing": async (db) => {
    const url = new URL(db.url!);
    url.searchParams.set("prepare", "false");
    for (
      const pool of [
        createPostgresBackend({ url: db.url!, max: 1, prepare: false }),
        createPostgresBackend({ url: url.toString(), max: 1 }),
      ]
    ) {
      await using _pool = pool;
      await using client = await createClient({ backend: pool, migrate: false });
      const t = client.tenant(newTenant());
      await t.upsertBars(bars("Q", 5, 1));
      assertEquals((await t.upsertBars(bars("Q", 5, 1))).unchanged, 5);
      assertEquals(await prepared(pool), []);
    }
  },
}, { only: ["postgres", "timescale"] });
