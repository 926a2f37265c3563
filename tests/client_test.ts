// The client over the backend matrix: counts, idempotency, write-mode equivalence, latest
// prices, cursors, reads and isolation under concurrency.
import {
  BatchProcessor,
  ConstraintViolationError,
  createClient,
  type MdsClient,
  TenantDeniedError,
  type WriteMode,
} from "@mds/client";
import { assert, assertEquals, assertRejects } from "../testing/assert.ts";
import { asApp } from "../testing/app_role.ts";
import { backendSuite, newTenant, type TestDb } from "../testing/backends.ts";
import { randomBar, seeded } from "../testing/random.ts";
import { EncodedRows, TABLES } from "@mds/sql";

async function clientFor(db: TestDb): Promise<MdsClient> {
  return await createClient({ backend: db.backend, migrate: false });
}

/** A tenant's bars as comparable text, tenant column left out. */
async function barsOf(client: MdsClient, tenant: string): Promise<string[]> {
  const pages: string[] = [];
  for await (
    const page of client.tenant(tenant).iterateBars(
      { symbol: "AAA", timeframe: "1m", start: 0, end: Date.UTC(2030, 0) },
      { pageRows: 777 },
    )
  ) {
    for (const b of page) pages.push(JSON.stringify({ ...b, tenant_id: undefined }));
  }
  return pages;
}

const MODES: WriteMode[] = ["insert", "copy", "auto"];

backendSuite("client", {
  "every write mode leaves the same rows from the same random input, repeats inside a batch included":
    async (db) => {
      await using client = await clientFor(db);
      for (const seed of [1, 2, 3]) {
        const rand = seeded(seed);
        // 3,000 rows over 600 minutes, 2 vendors: many keys repeat inside the batch.
        const rows = Array.from({ length: 3_000 }, () => randomBar(rand, ["AAA"], 600));
        const results = [];
        const tables = [];
        for (const mode of MODES) {
          const tenant = newTenant();
          results.push(await client.tenant(tenant).upsertBars(rows, { mode, batchRows: 1_000 }));
          tables.push(await barsOf(client, tenant));
        }
        assertEquals(results[1], results[0], `seed ${seed}: copy counts differ from insert`);
        assertEquals(results[2], results[0], `seed ${seed}: auto counts differ from insert`);
        assert(results[0]!.unique < rows.length, "positive control: the input has repeated keys");
        assertEquals(tables[1], tables[0], `seed ${seed}: copy stored other rows than insert`);
        assertEquals(tables[2], tables[0], `seed ${seed}: auto stored other rows than insert`);
        // The last occurrence of a key wins, as if the rows had been written one by one.
        const expected = new Map<string, unknown>();
        for (const r of rows) expected.set(`${r.ts}|${r.vendor}`, r.close);
        assertEquals(tables[0]!.length, expected.size);
      }
    },
  "a BatchProcessor's encoded batches store what upsertBars stores, in both modes": async (db) => {
    await using client = await clientFor(db);
    const rand = seeded(7);
    const rows = Array.from({ length: 3_000 }, () => randomBar(rand, ["AAA", "BBB"], 600));
    const direct = client.tenant(newTenant());
    await direct.upsertBars(rows, { mode: "insert" });
    const want = await barsOf(client, direct.tenant);
    const prices = async (t: string) =>
      (await client.tenant(t).latestPrices(["AAA", "BBB"])).map((
        p,
      ) => [p.symbol, p.as_of, p.price]);
    for (const mode of ["insert", "copy"] as const) {
      const t = client.tenant(newTenant());
      const batch = new BatchProcessor(t, { maxRows: 700, mode });
      for (const row of rows) await batch.addBar(row);
      const result = await batch.close();
      assertEquals(result.rows, rows.length, mode);
      assertEquals(await barsOf(client, t.tenant), want, `${mode}: other rows stored`);
      assertEquals(await prices(t.tenant), await prices(direct.tenant), `${mode}: latest prices`);
    }
  },
  "an encoded batch holding another tenant's rows is refused": async (db) => {
    await using client = await clientFor(db);
    const mine = client.tenant(newTenant()).sink();
    const theirs = client.tenant(newTenant()).sink();
    const rows = new EncodedRows(TABLES.bars);
    rows.add(theirs.validate("bars", randomBar(seeded(1), ["AAA"], 1)));
    rows.seal();
    const err = await assertRejects(() => mine.writeEncoded!(rows), TenantDeniedError);
    assertEquals(err.code, "MDS_TENANT_DENIED");
    assertEquals((await theirs.writeEncoded!(rows)).inserted, 1);
  },
  "ingesting the same input twice is a no-op: same rows, same values, all reported unchanged":
    async (db) => {
      await using client = await clientFor(db);
      for (const mode of MODES) {
        const tenant = client.tenant(newTenant());
        const rand = seeded(42);
        const rows = Array.from({ length: 2_500 }, () => randomBar(rand, ["AAA"], 5_000));
        const first = await tenant.upsertBars(rows, { mode });
        const before = await barsOf(client, tenant.tenant);
        const second = await tenant.upsertBars(rows, { mode });
        assertEquals(second.inserted + second.updated, 0, `${mode}: second run wrote rows`);
        assertEquals(second.unchanged, first.unique);
        assertEquals(await barsOf(client, tenant.tenant), before);
      }
    },
  "a changed value is reported as updated and bumps the row's revision": async (db) => {
    await using client = await clientFor(db);
    const t = client.tenant(newTenant());
    const bar = {
      ts: "2024-01-02T14:30:00Z",
      vendor: "v",
      symbol: "AAA",
      timeframe: "1m",
      open: 1,
      high: 2,
      low: 1,
      close: 1.5,
    };
    assertEquals((await t.upsertBars([bar])).inserted, 1);
    const r = await t.upsertBars([{ ...bar, close: 1.75 }]);
    assertEquals([r.inserted, r.updated, r.unchanged], [0, 1, 0]);
    const [row] = await t.barsWindow({
      symbol: "AAA",
      timeframe: "1m",
      start: bar.ts,
      end: "2024-01-03T00:00:00Z",
    });
    assertEquals(row?.close, 1.75);
  },
  "latest_prices follows the newest bar and a late, older bar never overwrites it": async (db) => {
    await using client = await clientFor(db);
    const t = client.tenant(newTenant());
    const bar = (minute: number, close: number) => ({
      ts: Date.UTC(2024, 0, 2, 14, minute),
      vendor: "v",
      symbol: "LP",
      timeframe: "1m",
      open: close,
      high: close,
      low: close,
      close,
    });
    await t.upsertBars([bar(30, 10), bar(31, 11)]);
    assertEquals((await t.latestPrices(["LP"]))[0]?.price, 11);
    await t.upsertBars([bar(29, 99)]); // late and older
    const [p] = await t.latestPrices(["LP"]);
    assertEquals([p?.price, p?.as_of.toISOString()], [11, "2024-01-02T14:32:00.000Z"]);
    await t.upsertBars([bar(31, 12)]); // a correction of the newest bar
    assertEquals((await t.latestPrices(["LP"]))[0]?.price, 12);
    await t.upsertBars([bar(40, 13)]);
    assertEquals((await t.latestPrices(["lp"]))[0]?.price, 13);
  },
  "latest prices and cursors agree whether a write took one statement or many": async (db) => {
    await using client = await clientFor(db);
    const rand = seeded(9);
    const rows = Array.from({ length: 3_000 }, () => randomBar(rand, ["M1", "M2", "M3"], 400));
    const one = client.tenant(newTenant());
    const many = client.tenant(newTenant());
    await one.upsertBars(rows, { batchRows: 10_000 });
    await many.upsertBars(rows, { batchRows: 100 });
    const strip = <T extends { tenant_id?: unknown; updated_at?: unknown }>(xs: T[]) =>
      xs.map(({ tenant_id: _t, updated_at: _u, ...rest }) => rest);
    const symbols = ["M1", "M2", "M3"];
    assertEquals(strip(await many.latestPrices(symbols)), strip(await one.latestPrices(symbols)));
    assertEquals(strip(await many.cursors()), strip(await one.cursors()));
    assertEquals(
      (await one.latestPrices(symbols)).length,
      6,
      "positive control: 3 symbols x 2 vendors",
    );
  },
  "ingestion cursors only move forward": async (db) => {
    await using client = await clientFor(db);
    const t = client.tenant(newTenant());
    const bar = (minute: number) => ({
      ts: Date.UTC(2024, 0, 2, 14, minute),
      vendor: "v",
      symbol: "CUR",
      timeframe: "1m",
      open: 1,
      high: 1,
      low: 1,
      close: 1,
    });
    await t.upsertBars([bar(10), bar(20)]);
    await t.upsertBars([bar(5)]);
    const [c] = await t.cursors({ symbol: "CUR" });
    assertEquals([c?.dataset, c?.timeframe, c?.last_ts.toISOString()], [
      "bars",
      "1m",
      "2024-01-02T14:20:00.000Z",
    ]);
    await t.upsertOptions([{
      ts: "2024-01-03T15:00:00Z",
      vendor: "o",
      symbol: "CUR",
      expiry: "2024-01-19",
      option_type: "P",
      strike: 5,
    }]);
    assertEquals((await t.cursors({ symbol: "CUR" })).map((x) => x.dataset), ["bars", "options"]);
  },
  "news without an id is stored once however often it is ingested": async (db) => {
    await using client = await clientFor(db);
    const t = client.tenant(newTenant());
    const item = {
      published_at: "2024-01-02T15:00:00Z",
      vendor: "wire",
      title: "Tab\there, newline\nthere, back\\slash, 漢字 📈",
      symbols: ["NEWS"],
    };
    assertEquals((await t.upsertNews([item, item])).unique, 1);
    assertEquals((await t.upsertNews([item], { mode: "copy" })).unchanged, 1);
    const stored = await t.news({ symbol: "NEWS" });
    assertEquals(stored.length, 1);
    assertEquals(
      stored[0]?.title,
      item.title,
      "text with COPY-special characters is stored exactly",
    );
  },
  "fundamentals and option chains read back what was written": async (db) => {
    await using client = await clientFor(db);
    const t = client.tenant(newTenant());
    await t.upsertFundamentals([{
      asof: "2024-03-31",
      vendor: "f",
      symbol: "FND",
      eps: 2.5,
      extra: { sector: "tech", tags: ["a", "b"] },
    }], { mode: "copy" });
    const [f] = await t.fundamentals({ symbol: "FND", asOf: "2024-04-01" });
    assertEquals([f?.asof, f?.eps, f?.extra], ["2024-03-31", 2.5, {
      sector: "tech",
      tags: ["a", "b"],
    }]);
    const snap = {
      ts: "2024-01-02T15:00:00Z",
      vendor: "o",
      symbol: "FND",
      expiry: "2024-01-19",
      strike: 100,
      bid: 1,
      ask: 1.1,
    };
    await t.upsertOptions([{ ...snap, option_type: "C" }, { ...snap, option_type: "P" }], {
      mode: "copy",
    });
    const chain = await t.optionChain({
      symbol: "FND",
      expiry: "2024-01-19",
      at: "2024-01-03T00:00:00Z",
    });
    assertEquals(chain.map((c) => `${c.option_type}${c.strike}`), ["C100", "P100"]);
  },
  "quotes read back as written, the newest of each symbol, whichever way they were written": async (
    db,
  ) => {
    await using client = await clientFor(db);
    // recent: on TimescaleDB quotes_l1 keeps 14 days, and its retention job may run mid-test
    const base = Math.floor((Date.now() - 3_600_000) / 60_000) * 60_000;
    const quote = (second: number, vendor: string, symbol: string, bid: number | null) => ({
      ts: base + second * 1_000,
      vendor,
      symbol,
      bid,
      ask: bid === null ? null : bid + 0.02,
      last: 100,
      bid_size: bid === null ? null : 300,
    });
    const rows = [
      quote(0, "a", "QQ1", 10),
      quote(2, "a", "QQ1", 12), // the newest of QQ1
      quote(1, "b", "QQ1", 11),
      quote(5, "b", "QQ2", null), // last price only
    ];
    const writes = {
      insert: (t: string) => client.tenant(t).upsertQuotes(rows, { mode: "insert" }),
      copy: (t: string) => client.tenant(t).upsertQuotes(rows, { mode: "copy" }),
      stream: (t: string) => client.tenant(t).copyQuotes(rows, { batchRows: 3 }),
    };
    for (const [how, write] of Object.entries(writes)) {
      const t = client.tenant(newTenant());
      assertEquals((await write(t.tenant)).inserted, 4, how);
      const latest = await t.latestQuotes(["qq2", "QQ1", "NONE", "QQ1"]);
      assertEquals(latest, [
        {
          tenant_id: t.tenant,
          ts: new Date(base + 2_000),
          vendor: "a",
          symbol: "QQ1",
          bid: 12,
          ask: 12.02,
          last: 100,
          bid_size: 300,
          ask_size: null,
        },
        {
          tenant_id: t.tenant,
          ts: new Date(base + 5_000),
          vendor: "b",
          symbol: "QQ2",
          bid: null,
          ask: null,
          last: 100,
          bid_size: null,
          ask_size: null,
        },
      ], how);
      const [b] = await t.latestQuotes(["QQ1"], { vendor: "B" });
      assertEquals([b?.vendor, b?.bid], ["b", 11], how);
      assertEquals(await t.latestQuotes(["QQ2"], { vendor: "a" }), [], how);
    }
  },
  "ingesting the same quote twice stores one row at revision 0; a changed quote is revision 1":
    async (db) => {
      await using client = await clientFor(db);
      const t = client.tenant(newTenant());
      const quote = {
        // recent, as above: no retention job may drop it mid-test
        ts: new Date(Math.floor((Date.now() - 3_600_000) / 60_000) * 60_000 + 250).toISOString(),
        vendor: "v",
        symbol: "IDEM",
        bid: 1.5,
        ask: 1.75,
        bid_size: 9_007_199_254_740_991,
      };
      const stored = () =>
        db.backend.query<{ bid: number; bid_size: number; revision: number }>(
          "SELECT bid, bid_size, revision FROM mds_core.quotes_l1 WHERE tenant_id = $1",
          [t.tenant],
        );
      const first = await t.upsertQuotes([quote, quote]);
      assertEquals([first.rows, first.unique, first.inserted], [2, 1, 1]);
      for (const mode of MODES) {
        const again = await t.upsertQuotes([quote], { mode });
        assertEquals([again.inserted, again.updated, again.unchanged], [0, 0, 1], mode);
      }
      assertEquals(await stored(), [{ bid: 1.5, bid_size: 9_007_199_254_740_991, revision: 0 }]);
      const changed = await t.upsertQuotes([{ ...quote, bid: 1.6 }]);
      assertEquals([changed.inserted, changed.updated, changed.unchanged], [0, 1, 0]);
      assertEquals(await stored(), [{ bid: 1.6, bid_size: 9_007_199_254_740_991, revision: 1 }]);
    },
  "the store refuses quotes the model refuses, even written past the client": async (db) => {
    const tenant = newTenant();
    const cases: Array<[string, Record<string, number | null>]> = [
      ["quotes_l1_ask_not_below_bid", { bid: 2, ask: 1 }],
      ["quotes_l1_prices_not_negative", { bid: null, ask: null, last: -1 }],
      ["quotes_l1_sizes_not_negative", { bid: 1, ask_size: -5 }],
      ["quotes_l1_has_a_price", { bid: null, ask: null, last: null, bid_size: 10 }],
    ];
    for (const [constraint, prices] of cases) {
      const cols = Object.keys(prices);
      const err = await assertRejects(
        () =>
          asApp(db.backend, tenant, (tx) =>
            tx.query(
              `INSERT INTO mds.quotes_l1 (ts, vendor, symbol, ${cols.join(", ")})
               VALUES (now(), 'v', 'CHK', ${cols.map((_, i) => `$${i + 1}`).join(", ")})`,
              Object.values(prices),
            )),
        ConstraintViolationError,
      );
      assertEquals([err.sqlState, err.constraint], ["23514", constraint]);
    }
  },
  "a job's payload is stored as a JSON object, not as a string of JSON": async (db) => {
    await using client = await clientFor(db);
    const tenant = newTenant();
    const { id } = await client.tenant(tenant).enqueueJob({
      idempotency_key: "p",
      job_type: "t",
      payload: { a: 1 },
    });
    const [row] = await db.backend.query<{ type: string; a: number }>(
      "SELECT jsonb_typeof(payload) AS type, (payload->>'a')::int AS a FROM mds_core.jobs WHERE id = $1",
      [id],
    );
    assertEquals(row, { type: "object", a: 1 });
  },
  "a row naming another tenant is refused before any I/O": async (db) => {
    await using client = await clientFor(db);
    const t = client.tenant(newTenant());
    const err = await assertRejects(
      () =>
        t.upsertBars([{
          tenant_id: newTenant(),
          ts: 0,
          vendor: "v",
          symbol: "X",
          timeframe: "1d",
          open: 1,
          high: 1,
          low: 1,
          close: 1,
        }]),
      TenantDeniedError,
    );
    assertEquals(err.code, "MDS_TENANT_DENIED");
  },
  "8 tenants interleaving 10,000 operations see only their own rows": async (db) => {
    const pool = db.url ? db.connect({ max: 2 }) : db.backend;
    await using client = await createClient({ backend: pool, migrate: false });
    const tenants = Array.from({ length: 8 }, () => newTenant());
    const ops = db.name === "pglite" ? 2_000 : 10_000;
    let leaks = 0;
    let reads = 0;
    let next = 0;
    const worker = async () => {
      while (next < ops) {
        const i = next++;
        const t = Math.floor(i / 2) % tenants.length;
        const tenant = tenants[t]!; // each tenant writes and reads
        const api = client.tenant(tenant);
        // A window's bars carry the tenant the client asked for, not one the server sent: each
        // tenant's prices are its own number, so a row of another tenant shows.
        const price = t + 1;
        if (i % 2 === 0) {
          await api.upsertBars([{
            ts: Date.UTC(2024, 0, 2) + i * 60_000,
            vendor: "c",
            symbol: "CONC",
            timeframe: "1m",
            open: price,
            high: price,
            low: price,
            close: price,
          }]);
        } else {
          const rows = await api.barsWindow({
            symbol: "CONC",
            timeframe: "1m",
            start: 0,
            end: Date.UTC(2030, 0),
            limit: 50,
          });
          const prices = await api.latestPrices(["CONC"]);
          reads++;
          leaks += rows.filter((r) => r.close !== price).length +
            prices.filter((p) => p.tenant_id !== tenant || p.price !== price).length;
        }
      }
    };
    await Promise.all(Array.from({ length: 8 }, worker));
    assertEquals(leaks, 0);
    assert(reads >= ops / 2 - 8);
    for (const tenant of tenants) {
      const rows = await client.tenant(tenant).barsWindow({
        symbol: "CONC",
        timeframe: "1m",
        start: 0,
        end: Date.UTC(2030, 0),
      });
      assertEquals(rows.length, ops / 2 / tenants.length, "every write of the tenant is there");
    }
    console.log(
      `isolation under concurrency [${db.name}]: ${ops} operations, ${reads} reads, ${leaks} leaks`,
    );
  },
});
