// Point-in-time reads over the backend matrix (#18): after random sequences of writes and
// corrections, a read as of any instant T answers exactly what the plain read answered at T.
import {
  AsOfOutOfRangeError,
  createClient,
  HistoryApi,
  type MdsClient,
  type TenantApi,
} from "@mds/client";
import type { BarInput, FundamentalsInput, OptionSnapInput } from "@mds/sql";
import { assert, assertEquals, assertRejects } from "../testing/assert.ts";
import { backendSuite, newTenant, type TestDb } from "../testing/backends.ts";
import { seeded } from "../testing/random.ts";

async function clientFor(db: TestDb): Promise<MdsClient> {
  return await createClient({ backend: db.backend, migrate: false });
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** An instant of the database clock strictly between the transactions before and after it. */
async function instant(db: TestDb): Promise<Date> {
  await sleep(2);
  const [row] = await db.backend.query<{ t: Date }>("SELECT clock_timestamp() AS t");
  await sleep(2);
  return row!.t;
}

const SYMBOLS = ["AAA", "BBB"] as const;
const VENDORS = ["alpha", "beta"] as const;
const START = Date.UTC(2024, 0, 2, 14, 30);
const WINDOW = { start: "2024-01-02T14:00:00Z", end: "2024-01-02T16:00:00Z" };
const CHAIN = { expiry: "2024-02-16", at: "2024-01-03T00:00:00Z" };

function pick<T>(rand: () => number, items: readonly T[]): T {
  return items[Math.floor(rand() * items.length)]!;
}

function price(rand: () => number): number {
  return Math.round(rand() * 10_000) / 100 + 1;
}

function bar(rand: () => number, key?: BarInput): BarInput {
  const open = price(rand);
  const close = price(rand);
  return {
    ts: key?.ts ?? START + Math.floor(rand() * 40) * 60_000,
    vendor: key?.vendor ?? pick(rand, VENDORS),
    symbol: key?.symbol ?? pick(rand, SYMBOLS),
    timeframe: "1m",
    open,
    high: Math.max(open, close) + 1,
    low: Math.min(open, close) - 0.5,
    close,
    volume: Math.floor(rand() * 1000),
  };
}

function fundamentalsRow(rand: () => number, key?: FundamentalsInput): FundamentalsInput {
  return {
    asof: key?.asof ?? pick(rand, ["2024-03-31", "2024-06-30"]),
    vendor: key?.vendor ?? pick(rand, VENDORS),
    symbol: key?.symbol ?? pick(rand, SYMBOLS),
    market_cap: price(rand) * 1e9,
    eps: rand() < 0.3 ? null : price(rand),
    revenue: price(rand) * 1e6,
  };
}

function optionRow(rand: () => number, key?: OptionSnapInput): OptionSnapInput {
  return {
    ts: key?.ts ?? START + Math.floor(rand() * 3) * 3_600_000,
    vendor: key?.vendor ?? pick(rand, VENDORS),
    symbol: key?.symbol ?? pick(rand, SYMBOLS),
    expiry: CHAIN.expiry,
    option_type: key?.option_type ?? pick(rand, ["C", "P"]),
    strike: key?.strike ?? pick(rand, [100, 110]),
    bid: price(rand),
    ask: price(rand) + 100,
    volume: Math.floor(rand() * 100),
    open_interest: Math.floor(rand() * 1000),
  };
}

/** The plain reads the property compares, as one value; `knownAt` reads the same as of then. */
async function reads(t: TenantApi, knownAt?: Date): Promise<unknown> {
  const as = knownAt === undefined ? {} : { knownAt };
  const out: Record<string, unknown> = {};
  for (const symbol of SYMBOLS) {
    out[`${symbol} 1m`] = await t.barsWindow({ symbol, timeframe: "1m", ...WINDOW, ...as });
    out[`${symbol} 5m`] = await t.barsWindow({ symbol, timeframe: "5m", ...WINDOW, ...as });
    out[`${symbol} 1h alpha`] = await t.barsWindow({
      symbol,
      timeframe: "1h",
      ...WINDOW,
      vendor: "alpha",
      ...as,
    });
    out[`${symbol} fundamentals`] = await t.fundamentals({ symbol, asOf: "2024-12-31", ...as });
    out[`${symbol} chain`] = await t.optionChain({ symbol, ...CHAIN, ...as });
  }
  // updated_at is when the latest_prices row last changed, which a read as of T cannot rebuild
  // exactly (a correction of a bar's volume leaves it); every other field must match.
  out.latest = (await t.latestPrices([...SYMBOLS], as)).map(({ updated_at: _, ...p }) => p);
  return out;
}

backendSuite("point-in-time reads", {
  "reads as of a recorded instant equal the plain reads then (seeded, 30 rounds)": async (db) => {
    await using client = await clientFor(db);
    const rand = seeded(18);
    let writes = 0;
    let checks = 0;
    for (let round = 0; round < 30; round++) {
      const t = client.tenant(newTenant());
      const bars: BarInput[] = [];
      const funds: FundamentalsInput[] = [];
      const options: OptionSnapInput[] = [];
      const snapshots: { at: Date; answer: unknown }[] = [];
      snapshots.push({ at: await instant(db), answer: await reads(t) });
      const n = 1 + Math.floor(rand() * 20);
      for (let i = 0; i < n; i++) {
        const r = rand();
        // fresh rows, corrections of written rows, and unchanged re-ingests, of each kind
        const correct = rand() < 0.5;
        if (r < 0.6) {
          const rows = Array.from(
            { length: 1 + Math.floor(rand() * 4) },
            () => correct && bars.length > 0 ? bar(rand, pick(rand, bars)) : bar(rand),
          );
          if (rand() < 0.15 && bars.length > 0) rows.push(pick(rand, bars));
          await t.upsertBars(rows);
          bars.push(...rows);
        } else if (r < 0.8) {
          const row = correct && funds.length > 0
            ? fundamentalsRow(rand, pick(rand, funds))
            : fundamentalsRow(rand);
          await t.upsertFundamentals([row]);
          funds.push(row);
        } else {
          const row = correct && options.length > 0
            ? optionRow(rand, pick(rand, options))
            : optionRow(rand);
          await t.upsertOptions([row]);
          options.push(row);
        }
        writes++;
        const at = await instant(db);
        snapshots.push({ at, answer: await reads(t) });
      }
      // the first instant (before any write), the last, and two at random
      const chosen = new Set([0, snapshots.length - 1]);
      for (let k = 0; k < 2; k++) chosen.add(Math.floor(rand() * snapshots.length));
      for (const k of chosen) {
        const s = snapshots[k]!;
        assertEquals(await reads(t, s.at), s.answer, `round ${round}, instant ${k}`);
        checks++;
      }
    }
    const [h] = await db.backend.query<{ n: number }>(
      `SELECT ((SELECT count(*) FROM mds_core.bars_history) + (SELECT count(*) FROM mds_core.fundamentals_history)
        + (SELECT count(*) FROM mds_core.option_snapshots_history))::int AS n`,
    );
    assert(h!.n > 50, "the sequences corrected rows");
    console.log(
      `point-in-time property [${db.name}]: ${writes} writes, ${
        h!.n
      } replaced versions, ${checks} instants`,
    );
  },

  "re-ingesting unchanged rows rewrites nothing and inserting new rows writes no history": async (
    db,
  ) => {
    await using client = await clientFor(db);
    const tenant = newTenant();
    const t = client.tenant(tenant);
    const rand = seeded(7);
    const rows = Array.from(
      { length: 50 },
      (_, i) => ({ ...bar(rand), ts: START + i * 60_000, symbol: "XM", vendor: "alpha" }),
    );
    const funds = [fundamentalsRow(rand, { asof: "2024-03-31", vendor: "v", symbol: "XM" })];
    const opts = [optionRow(rand, {
      ts: START,
      vendor: "v",
      symbol: "XM",
      expiry: CHAIN.expiry,
      option_type: "C",
      strike: 100,
    })];
    await t.upsertBars(rows);
    await t.upsertFundamentals(funds);
    await t.upsertOptions(opts);
    const state = async () => ({
      xmin: await db.backend.query(
        `SELECT 'b' AS k, ts::text AS key, xmin::text AS xmin, recorded_at FROM mds_core.bars WHERE tenant_id = $1
         UNION ALL SELECT 'f', asof::text, xmin::text, recorded_at FROM mds_core.fundamentals WHERE tenant_id = $1
         UNION ALL SELECT 'o', ts::text, xmin::text, recorded_at FROM mds_core.option_snapshots WHERE tenant_id = $1
         ORDER BY 1, 2`,
        [tenant],
      ),
      history: await historyCount(db, tenant),
    });
    const before = await state();
    assertEquals(before.history, 0, "inserting new rows writes no history");
    await t.upsertBars(rows);
    await t.upsertFundamentals(funds);
    await t.upsertOptions(opts);
    assertEquals(await state(), before, "no row rewritten, no history");
    // A correction writes one version to the history and increments the revision.
    const first = rows[0]!;
    await t.upsertBars([{ ...first, close: first.close! + 0.01, high: 1000 }]);
    await t.upsertBars([{ ...first, close: first.close! + 0.02, high: 1000 }]);
    assertEquals(await historyCount(db, tenant), 2);
    const [current] = await db.backend.query<{ revision: number }>(
      "SELECT revision FROM mds_core.bars WHERE tenant_id = $1 AND ts = $2",
      [tenant, new Date(rows[0]!.ts as number)],
    );
    assertEquals(current?.revision, 2);
  },

  "a corrected bar in a compressed chunk keeps its old version (TimescaleDB)": async (db) => {
    if (db.name !== "timescale") return;
    await using client = await clientFor(db);
    const t = client.tenant(newTenant());
    const old: BarInput = {
      ts: "2023-05-02T14:30:00Z",
      vendor: "v",
      symbol: "CMP",
      timeframe: "1m",
      open: 10,
      high: 11,
      low: 9,
      close: 10.5,
      volume: 100,
    };
    await t.upsertBars([old]);
    await db.backend.query(
      `SELECT compress_chunk(c, if_not_compressed => true) FROM show_chunks('mds_core.bars') c
       WHERE c::text IN (SELECT format('%I.%I', chunk_schema, chunk_name) FROM timescaledb_information.chunks
         WHERE hypertable_name = 'bars' AND range_start <= '2023-05-02T14:30:00Z' AND range_end > '2023-05-02T14:30:00Z')`,
    );
    const [chunk] = await db.backend.query<{ is_compressed: boolean }>(
      `SELECT is_compressed FROM timescaledb_information.chunks
       WHERE hypertable_name = 'bars' AND range_start <= '2023-05-02T14:30:00Z' AND range_end > '2023-05-02T14:30:00Z'`,
    );
    assertEquals(chunk?.is_compressed, true);
    const before = await instant(db);
    await t.upsertBars([{ ...old, close: 10.75 }]);
    const window = {
      symbol: "CMP",
      timeframe: "1m" as const,
      start: "2023-05-02T00:00:00Z",
      end: "2023-05-03T00:00:00Z",
    };
    assertEquals((await t.barsWindow(window)).map((b) => b.close), [10.75]);
    assertEquals(
      (await t.barsWindow({ ...window, knownAt: before })).map((b) => b.close),
      [10.5],
    );
    const [latest] = await t.latestPrices(["CMP"], { knownAt: before });
    assertEquals(latest?.price, 10.5);
    const changes = await t.corrections({ symbol: "CMP", since: 0 });
    assertEquals(changes.map((c) => [c.from, c.to]), [[{ close: 10.5 }, { close: 10.75 }]]);
  },

  "the corrections report lists what changed, from what to what": async (db) => {
    await using client = await clientFor(db);
    const t = client.tenant(newTenant());
    const b: BarInput = {
      ts: "2024-01-02T14:30:00Z",
      vendor: "v",
      symbol: "COR",
      timeframe: "1m",
      open: 1,
      high: 2,
      low: 1,
      close: 2,
      volume: 5,
    };
    await t.upsertBars([b]);
    await t.upsertFundamentals([{ asof: "2024-03-31", vendor: "v", symbol: "COR", eps: 1 }]);
    const since = await instant(db);
    await t.upsertBars([{ ...b, close: 1.5, volume: 6 }]);
    await t.upsertFundamentals([{ asof: "2024-03-31", vendor: "v", symbol: "COR", eps: 1.25 }]);
    await t.upsertBars([{ ...b, close: 1.75, volume: 6 }]);
    const all = await t.corrections({ symbol: "cor", since });
    assertEquals(
      all.map((c) => [c.kind, c.revision, c.from, c.to]),
      [
        ["bars", 0, { close: 2, volume: 5 }, { close: 1.5, volume: 6 }],
        ["fundamentals", 0, { eps: 1 }, { eps: 1.25 }],
        ["bars", 1, { close: 1.5 }, { close: 1.75 }],
      ],
    );
    assertEquals(all[0]!.key.timeframe, "1m");
    assert(all[0]!.recorded_at < since && since < all[0]!.superseded_at);
    assertEquals((await t.corrections({ symbol: "COR", since, kind: "fundamentals" })).length, 1);
  },

  "an instant before history began, in the future or before the horizon fails with AsOfOutOfRangeError":
    async (db) => {
      await using client = await clientFor(db);
      const t = client.tenant(newTenant());
      const window = { symbol: "A", timeframe: "1m" as const, ...WINDOW };
      const err = await assertRejects(
        () => t.barsWindow({ ...window, knownAt: "2001-01-01T00:00:00Z" }),
        AsOfOutOfRangeError,
      );
      assert(err.message.includes("before history began"), err.message);
      assertEquals(err.code, "MDS_AS_OF_OUT_OF_RANGE");
      await assertRejects(
        () => t.latestPrices(["A"], { knownAt: Date.now() + 3_600_000 }),
        AsOfOutOfRangeError,
      );
      await assertRejects(
        () => t.fundamentals({ symbol: "A", knownAt: 0 }),
        AsOfOutOfRangeError,
      );
      const early = await instant(db);
      assertEquals(await t.barsWindow({ ...window, knownAt: early }), []);
      const horizon = await instant(db);
      const pruned = await new HistoryApi(db.backend).prune({ before: horizon });
      assertEquals(pruned.horizon.getTime(), horizon.getTime());
      const pruneErr = await assertRejects(
        () => t.optionChain({ symbol: "A", ...CHAIN, knownAt: early }),
        AsOfOutOfRangeError,
      );
      assert(pruneErr.message.includes("horizon"), pruneErr.message);
      assertEquals(await t.barsWindow({ ...window, knownAt: await instant(db) }), []);
    },
});

async function historyCount(db: TestDb, tenant: string): Promise<number> {
  const [row] = await db.backend.query<{ n: number }>(
    `SELECT ((SELECT count(*) FROM mds_core.bars_history WHERE tenant_id = $1)
      + (SELECT count(*) FROM mds_core.fundamentals_history WHERE tenant_id = $1)
      + (SELECT count(*) FROM mds_core.option_snapshots_history WHERE tenant_id = $1))::int AS n`,
    [tenant],
  );
  return row!.n;
}

backendSuite("the corrections report's order", {
  "corrections of two kinds made within one millisecond come out in the order they were made":
    async (db) => {
      await using client = await clientFor(db);
      const tenant = newTenant();
      const t = client.tenant(tenant);
      const bar = { ts: "2024-01-02T14:30:00Z", vendor: "v", symbol: "MS", timeframe: "1m" };
      const eps = { asof: "2024-03-31", vendor: "v", symbol: "MS" };
      await t.upsertBars([{ ...bar, open: 1, high: 1, low: 1, close: 1, volume: 1 }]);
      await t.upsertFundamentals([{ ...eps, eps: 1 }]);
      await t.upsertBars([{ ...bar, open: 1, high: 2, low: 1, close: 2, volume: 1 }]);
      await t.upsertFundamentals([{ ...eps, eps: 2 }]);
      // Pin the two replacements 0.8 ms apart in one millisecond, the fundamentals' first: a
      // Date, which keeps milliseconds, cannot tell them apart.
      for (
        const [table, at] of [
          ["bars_history", "2030-01-01 00:00:00.000900+00"],
          ["fundamentals_history", "2030-01-01 00:00:00.000100+00"],
        ]
      ) {
        // a literal: postgres.js would send a timestamptz parameter through a Date, in ms
        await db.backend.query(
          `UPDATE mds_core.${table} SET superseded_at = '${at}' WHERE tenant_id = $1`,
          [tenant],
        );
      }
      const listed = await t.corrections({ symbol: "MS", since: "2029-12-31T00:00:00Z" });
      assertEquals(listed.map((c) => [c.kind, c.superseded_at.toISOString()]), [
        ["fundamentals", "2030-01-01T00:00:00.000Z"],
        ["bars", "2030-01-01T00:00:00.000Z"],
      ]);
    },
}, { only: ["pglite", "postgres"] });
