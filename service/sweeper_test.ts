import { createClient, type UniverseRecord } from "@mds/client";
import assert from "node:assert/strict";
import { Collector } from "./collector.ts";
import { parseCollectorConfig } from "./config.ts";
import { barsFetchKey, planSweep } from "./sweeper.ts";

const config = parseCollectorConfig({
  providers: {
    providers: [{ name: "yahoo", requestsPerMinute: 60 }],
    routing: { bars: ["yahoo"] },
  },
  tiers: {
    T0: { cadence: { "1m": 60, "1d": 3600 }, quotesEverySeconds: 15, optionsEveryMinutes: null },
    T2: { cadence: { "1m": null } },
  },
});
const MIN = 60_000;
// Tuesday 16 July 2024, 15:00 UTC: NYSE open (13:30-20:00 UTC)
const OPEN = new Date(Date.UTC(2024, 6, 16, 15));
// Saturday 20 July 2024
const WEEKEND = new Date(Date.UTC(2024, 6, 20, 12));

function entry(
  symbol: string,
  tier: "T0" | "T1" | "T2",
  timeframes: ("1m" | "1d")[],
): UniverseRecord {
  return {
    symbol,
    tier,
    timeframes,
    provider: null,
    history_start: null,
    calendar: "nyse",
    active: true,
    created_at: new Date(0),
    updated_at: new Date(0),
  };
}

Deno.test("planSweep(): one bars_fetch per due series from its newest bar, keyed by series and period", () => {
  const last = new Date(OPEN.getTime() - 5 * MIN);
  const plan = planSweep({
    universe: [entry("AAPL", "T0", ["1m", "1d"])],
    cursors: [{ symbol: "AAPL", timeframe: "1m", last_ts: last }],
    pending: [],
    config,
    now: OPEN,
  });
  const fetches = plan.jobs.filter((j) => j.job_type === "bars_fetch");
  assert.deepEqual(fetches.map((j) => j.idempotency_key), [
    barsFetchKey("AAPL", "1m", Math.floor(OPEN.getTime() / MIN)),
    barsFetchKey("AAPL", "1d", Math.floor(OPEN.getTime() / 3_600_000)),
  ]);
  assert.deepEqual(fetches[0]!.payload, {
    symbols: ["AAPL"],
    timeframe: "1m",
    start: last.toISOString(), // the newest bar again: it may have been incomplete
    end: OPEN.toISOString(),
    tier: "T0",
  });
  // no cursor: the default history of the timeframe (1d: 365 days), at a day boundary
  assert.equal(fetches[1]!.payload?.start, "2023-07-17T00:00:00.000Z");
  assert.equal(fetches[0]!.priority, 0);
  // the same period gives the same keys; the next one new keys
  const again = planSweep({
    universe: [entry("AAPL", "T0", ["1m"])],
    cursors: [],
    pending: [],
    config,
    now: new Date(OPEN.getTime() + 30_000),
  });
  assert.equal(again.jobs[0]!.idempotency_key, fetches[0]!.idempotency_key);
  const next = planSweep({
    universe: [entry("AAPL", "T0", ["1m"])],
    cursors: [],
    pending: [],
    config,
    now: new Date(OPEN.getTime() + MIN),
  });
  assert.notEqual(next.jobs[0]!.idempotency_key, fetches[0]!.idempotency_key);
});

Deno.test("planSweep(): closed sessions fetch nothing, a backlog is fetched even at the weekend", () => {
  const friday = new Date(Date.UTC(2024, 6, 19, 19, 59));
  const current = planSweep({
    universe: [entry("AAPL", "T0", ["1m"])],
    cursors: [{ symbol: "AAPL", timeframe: "1m", last_ts: friday }],
    pending: [],
    config,
    now: WEEKEND,
  });
  assert.deepEqual([current.jobs.length, current.closed], [0, 1]);
  const behind = planSweep({
    universe: [entry("AAPL", "T0", ["1m"])],
    cursors: [{ symbol: "AAPL", timeframe: "1m", last_ts: new Date(Date.UTC(2024, 6, 18, 15)) }],
    pending: [],
    config,
    now: WEEKEND,
  });
  assert.equal(behind.jobs.length, 1);
  // right after the close: one more fetch picks up the session's final bars
  const afterClose = planSweep({
    universe: [entry("AAPL", "T0", ["1m"])],
    cursors: [{ symbol: "AAPL", timeframe: "1m", last_ts: friday }],
    pending: [],
    config,
    now: new Date(Date.UTC(2024, 6, 19, 20, 1)),
  });
  assert.equal(afterClose.jobs.length, 1);
});

Deno.test("planSweep(): pending, inactive and uncollected series are left alone; quotes only while trading", () => {
  const plan = planSweep({
    universe: [
      entry("AAPL", "T0", ["1m"]),
      entry("MSFT", "T0", ["1m"]),
      { ...entry("IBM", "T0", ["1m"]), active: false },
      entry("XOM", "T2", ["1m", "1d"]),
    ],
    cursors: [],
    pending: [{ symbol: "MSFT", timeframe: "1m" }],
    config,
    now: OPEN,
  });
  assert.deepEqual(
    plan.jobs.filter((j) => j.job_type === "bars_fetch").map((j) =>
      (j.payload?.symbols as string[])[0]
    ),
    ["AAPL", "XOM"],
  );
  assert.deepEqual(plan.uncollected, [{ symbol: "XOM", timeframe: "1m", tier: "T2" }]);
  assert.equal(plan.pending, 1);
  const quotes = plan.jobs.filter((j) => j.job_type === "quotes_fetch");
  assert.deepEqual(quotes.map((j) => j.payload?.symbols), [["AAPL", "MSFT"]]);
  const weekend = planSweep({
    universe: [entry("AAPL", "T0", ["1m"])],
    cursors: [],
    pending: [],
    config,
    now: WEEKEND,
  });
  assert.equal(weekend.jobs.filter((j) => j.job_type === "quotes_fetch").length, 0);
});

Deno.test("two sweepers at once enqueue each series' work once", async () => {
  await using client = await createClient({ memory: true });
  const tenant = "6f1c7a54-3b1e-4c8e-9a57-2d4be1f0a0b2";
  const symbols = Array.from({ length: 50 }, (_, i) => `S${i}`);
  await client.tenant(tenant).universe.add(
    symbols.map((symbol) => ({ symbol, tier: "T1", timeframes: ["1d", "1m"] })),
  );
  const make = () => new Collector({ client, tenant, config, until: OPEN });
  const [a, b] = await Promise.all([make().sweep(), make().sweep()]);
  assert.equal(a.enqueued + b.enqueued, 100);
  const again = await make().sweep();
  assert.equal(again.enqueued, 0);
  const stats = await client.tenant(tenant).jobs.jobStats();
  assert.deepEqual(stats, [{ job_type: "bars_fetch", state: "queued", jobs: 100 }]);
});
