// The continuity SLO, with the original system's five cases: all healthy (0%), mixed (40%), all
// bad (100%), an empty tier, and measured inside the running collector.
import { createClient, type MdsClient } from "@mds/client";
import { nyseCalendar } from "@mds/client/calendar";
import { Registry } from "prom-client";
import assert from "node:assert/strict";
import { Collector } from "./collector.ts";
import { parseCollectorConfig } from "./config.ts";
import { CollectorMetrics } from "./metrics.ts";
import { measureSlo, sloRates } from "./slo.ts";

const TENANT = "6f1c7a54-3b1e-4c8e-9a57-2d4be1f0a0a1";
const NOW = Date.UTC(2024, 6, 19, 22); // Friday 19 July 2024, after the close
const DAY = 86_400_000;
const config = parseCollectorConfig({
  providers: {
    providers: [{ name: "yahoo", requestsPerMinute: 60 }],
    routing: { bars: ["yahoo"] },
  },
  tiers: { T0: { cadence: { "1d": 3600 } } },
  slo: { windowDays: { "1d": 10 } },
});

/** Daily bars of every session in the SLO window, but `skip` sessions left out. */
async function seed(client: MdsClient, symbols: string[], tier: "T0" | "T1", skip: number) {
  const api = client.tenant(TENANT);
  await api.universe.add(symbols.map((symbol) => ({ symbol, tier, timeframes: ["1d"] })));
  const sessions = [...nyseCalendar().sessions(new Date(NOW - 12 * DAY), new Date(NOW))];
  for (const symbol of symbols) {
    const rows = sessions.map((s) => ({
      ts: `${s.date}T00:00:00Z`,
      vendor: "yahoo",
      symbol,
      timeframe: "1d" as const,
      open: 10,
      high: 11,
      low: 9,
      close: 10.5,
    }));
    // a bad series misses `skip` sessions in the middle of the window
    await api.upsertBars(rows.filter((_, i) => !(i >= 4 && i < 4 + skip)));
  }
}

async function measure(badOf5: number) {
  await using client = await createClient({ memory: true });
  const symbols = ["A", "B", "C", "D", "E"];
  await seed(client, symbols.slice(0, 5 - badOf5), "T0", 0);
  await seed(client, symbols.slice(5 - badOf5), "T0", 1);
  const metrics = new CollectorMetrics(new Registry());
  const universe = await client.tenant(TENANT).universe.list();
  const rates = await measureSlo({
    client,
    tenant: TENANT,
    config: () => config,
    metrics,
    now: () => NOW,
  }, universe);
  const text = await metrics.registry.metrics();
  return { rate: rates.find((r) => r.tier === "T0" && r.timeframe === "1d")!, text };
}

Deno.test("SLO: every series whole is 0%", async () => {
  const { rate, text } = await measure(0);
  assert.deepEqual([rate.series, rate.violating, rate.rate], [5, 0, 0]);
  assert.match(text, /mds_slo_gap_violation_rate\{tier="T0",interval="1d"\} 0\n/);
});

Deno.test("SLO: two series of five with a gap is 40%", async () => {
  const { rate, text } = await measure(2);
  assert.deepEqual([rate.series, rate.violating, rate.rate], [5, 2, 0.4]);
  assert.match(text, /mds_slo_gap_violation_rate\{tier="T0",interval="1d"\} 0.4\n/);
});

Deno.test("SLO: every series with a gap is 100%", async () => {
  const { rate } = await measure(5);
  assert.deepEqual([rate.series, rate.violating, rate.rate], [5, 5, 1]);
});

Deno.test("SLO: an empty tier reports 0 with no series, never NaN", async () => {
  const { text } = await measure(2);
  assert.match(text, /mds_slo_gap_violation_rate\{tier="T2",interval="1d"\} 0\n/);
  assert.match(text, /mds_universe_series\{tier="T2",interval="1d"\} 0\n/);
  assert.deepEqual(sloRates([], [{ tier: "T1", timeframe: "1m" }]), [
    { tier: "T1", timeframe: "1m", series: 0, violating: 0, rate: 0 },
  ]);
});

Deno.test("SLO: the running collector measures it on its schedule", async () => {
  await using client = await createClient({ memory: true });
  await seed(client, ["A", "B", "C", "D"], "T0", 0);
  await seed(client, ["E"], "T0", 2);
  const registry = new Registry();
  const running = parseCollectorConfig({
    ...config,
    providers: {
      providers: [{ name: "yahoo", requestsPerMinute: 60, baseUrl: "http://127.0.0.1:9" }],
      routing: { bars: ["yahoo"] },
    },
    slo: { everySeconds: 1, windowDays: { "1d": 10 } },
    sweep: { everySeconds: 3600 },
    workers: { count: 1, pollSeconds: 0.05 },
    tiers: { T0: { cadence: { "1d": 3600 }, quotesEverySeconds: null } },
  });
  // no universe series is due at NOW (bars are current), so no vendor call is made
  const collector = new Collector({
    client,
    tenant: TENANT,
    config: running,
    metrics: registry,
    until: new Date(NOW),
  });
  const stop = new AbortController();
  const run = collector.run(stop.signal, 1);
  let seen: string | undefined;
  for (let i = 0; i < 100 && seen === undefined; i++) {
    await new Promise((r) => setTimeout(r, 50));
    seen = (await registry.metrics()).match(
      /mds_slo_gap_violation_rate\{tier="T0",interval="1d"\} (\S+)/,
    )?.[1];
  }
  stop.abort();
  await run;
  assert.equal(seen, "0.2");
});
