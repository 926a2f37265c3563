// The collector end to end, in process: a fake market on loopback answering in Yahoo's and
// Finnhub's formats, the real provider registry, client and store (PostgreSQL when
// MDS_TEST_DATABASE_URL is set, else embedded PGlite). The multi-process cases (CLI, crash,
// three collectors) are in tests/collector_process_test.ts.
import { impliedVolatility } from "@mds/analytics";
import { BACKFILL_JOB_TYPE } from "@mds/sql";
import { Collector, type JobResult } from "@mds/service";
import { Registry } from "prom-client";
import { assert, assertEquals } from "../testing/assert.ts";
import { type Bench, startBench, symbols } from "../testing/collector_setup.ts";

const MIN = 60_000;
const DAY = 86_400_000;

async function universe(bench: Bench, syms: readonly string[], timeframes = ["1m", "1d"]) {
  await bench.client.tenant(bench.tenant).universe.add(
    syms.map((symbol) => ({ symbol, tier: "T1", timeframes, history_start: bench.start })),
  );
}

function collector(bench: Bench, extra: Partial<ConstructorParameters<typeof Collector>[0]> = {}) {
  return new Collector({
    client: bench.client,
    tenant: bench.tenant,
    config: bench.config(),
    env: bench.env,
    until: bench.end,
    ...extra,
  });
}

/** The gauge's value for a tier and interval in a metrics exposition. */
function gauge(text: string, name: string, labels: string): number | undefined {
  const line = text.split("\n").find((l) => l.startsWith(`${name}{${labels}}`));
  return line === undefined ? undefined : Number(line.split(" ").at(-1));
}

Deno.test("one pass over 20 symbols x 1m and 1d fills the store with the market's bars, row for row", async () => {
  await using bench = await startBench();
  const syms = symbols(20);
  await universe(bench, syms);
  const summary = await collector(bench).runOnce();
  assertEquals(summary.sweep.enqueued, 40);
  assertEquals(summary.jobs.done, 40);
  assertEquals([summary.jobs.retry, summary.jobs.dead, summary.jobs.no_data], [0, 0, 0]);
  const stored = await bench.storedBars();
  const expected = bench.marketBars(syms, ["1m", "1d"]);
  assert(expected.length > 20 * 15 * 390, `a month of minutes: ${expected.length}`);
  assertEquals(stored.length, expected.length);
  assertEquals(stored, expected);
  assertEquals([summary.repair.gaps, summary.repair.enqueued], [0, 0]);
  assert(summary.slo.every((r) => r.rate === 0));
  // a second pass has nothing to fetch but each series' newest bar, and changes nothing
  const again = await collector(bench).runOnce();
  assertEquals(again.repair.gaps, 0);
  assertEquals(await bench.storedBars(), expected);
});

Deno.test("repair: deleted bars in three places and one whole day are backfilled exactly; the SLO goes from > 0 to 0", async () => {
  await using bench = await startBench({ days: 14 });
  const syms = symbols(4);
  await universe(bench, syms);
  const metrics = new Registry();
  const c = collector(bench, { metrics });
  await c.runOnce();
  const full = await bench.storedBars();
  // the sessions of the market: pick days well inside it
  const days = [...new Set(bench.marketBars(["S00"], ["1d"]).map((l) => l.split("|")[2]!))].sort();
  const day = (i: number) => new Date(days[i]!);
  const at = (i: number, h: number, m: number) => new Date(day(i).getTime() + (h * 60 + m) * MIN);
  const holes = [
    { symbol: "S00", timeframe: "1m", start: at(2, 15, 0), end: at(2, 15, 7) }, // 7 minutes
    { symbol: "S01", timeframe: "1m", start: at(4, 17, 31), end: at(4, 17, 32) }, // one minute
    { symbol: "S02", timeframe: "1d", start: day(5), end: new Date(day(5).getTime() + 86_400_000) },
    // one whole trading day of minutes
    { symbol: "S03", timeframe: "1m", start: day(6), end: new Date(day(6).getTime() + 86_400_000) },
  ];
  for (const h of holes) {
    const rows = await bench.client.backend.query<{ n: number }>(
      `WITH d AS (DELETE FROM mds_core.bars WHERE tenant_id = $1 AND symbol = $2 AND timeframe = $3
         AND ts >= $4 AND ts < $5 RETURNING 1) SELECT count(*)::int AS n FROM d`,
      [bench.tenant, h.symbol, h.timeframe, h.start, h.end],
    );
    assert(rows[0]!.n > 0, `deleted ${h.symbol} ${h.timeframe}`);
  }
  const slo = await c.measureSlo();
  const t1m = slo.find((r) => r.tier === "T1" && r.timeframe === "1m")!;
  assertEquals([t1m.series, t1m.violating], [4, 3]);
  assertEquals(
    gauge(await metrics.metrics(), "mds_slo_gap_violation_rate", 'tier="T1",interval="1m"'),
    0.75,
  );

  // the same `until`: the sweep's keys of this period exist, so the gap scan finds the holes
  const summary = await c.runOnce();
  assertEquals([summary.repair.gaps, summary.repair.enqueued], [4, 4]);
  const backfills = await bench.client.tenant(bench.tenant).jobs.listJobs({
    type: BACKFILL_JOB_TYPE,
  });
  const requested = backfills.map((j) => {
    const p = j.payload as { symbol: string; timeframe: string; start: string; end: string };
    return `${p.symbol} ${p.timeframe} ${p.start} ${p.end} ${j.state}`;
  }).sort();
  // exactly the deleted runs: a daily bar's gap ends a day later, a minute run at its last minute + 1
  const daySession = bench.marketBars(["S03"], ["1m"]).filter((l) =>
    l.split("|")[2]!.startsWith(days[6]!.slice(0, 10))
  );
  const firstMinute = daySession[0]!.split("|")[2]!, lastMinute = daySession.at(-1)!.split("|")[2]!;
  assertEquals(
    requested,
    [
      `S00 1m ${at(2, 15, 0).toISOString()} ${at(2, 15, 7).toISOString()} done`,
      `S01 1m ${at(4, 17, 31).toISOString()} ${at(4, 17, 32).toISOString()} done`,
      `S02 1d ${day(5).toISOString()} ${
        new Date(day(5).getTime() + 86_400_000).toISOString()
      } done`,
      `S03 1m ${firstMinute} ${new Date(Date.parse(lastMinute) + MIN).toISOString()} done`,
    ].sort(),
  );
  assertEquals(await bench.storedBars(), full);
  assert(summary.slo.every((r) => r.rate === 0));
  const text = await metrics.metrics();
  assertEquals(gauge(text, "mds_slo_gap_violation_rate", 'tier="T1",interval="1m"'), 0);
  assertEquals(gauge(text, "mds_backfill_jobs_enqueued_total", 'tier="T1"'), 4);
  assertEquals(gauge(text, "mds_backfill_jobs_completed_total", 'tier="T1",status="done"'), 4);
  assertEquals(gauge(text, "mds_gaps_found_total", 'interval="1m"'), 3);
});

Deno.test("failover: the primary answers 500 for some symbols; everything lands from the secondary", async () => {
  await using bench = await startBench({ days: 7 });
  const syms = symbols(6);
  await universe(bench, syms);
  bench.market.failSymbols("yahoo", ["S01", "S04"], 500);
  const summary = await collector(bench).runOnce();
  assertEquals([summary.jobs.done, summary.jobs.retry, summary.jobs.dead], [12, 0, 0]);
  assertEquals(await bench.storedBars(), bench.marketBars(syms, ["1m", "1d"]));
  const vendors = await bench.client.backend.query<{ symbol: string; vendor: string }>(
    `SELECT DISTINCT symbol, vendor FROM mds_core.bars WHERE tenant_id = $1 ORDER BY 1, 2`,
    [bench.tenant],
  );
  assertEquals(
    vendors.map((v) => `${v.symbol}:${v.vendor}`),
    syms.map((s) => `${s}:${s === "S01" || s === "S04" ? "finnhub" : "yahoo"}`),
  );
  assert(bench.market.requests("yahoo").some((r) => r.symbol === "S01" && r.status === 500));
});

Deno.test("bad vendor rows (negative price, high below low, stamped in the future) are refused per row, with reasons on the job", async () => {
  await using bench = await startBench({ days: 5 });
  await universe(bench, ["BAD"], ["1m"]);
  const minutes = bench.market.bars("BAD", "1m", bench.start, bench.end).map((b) => b.ts);
  const negative = minutes[100]!, inverted = minutes[200]!;
  bench.market.corrupt("BAD", "1m", negative, "negative");
  bench.market.corrupt("BAD", "1m", inverted, "high_below_low");
  // the collector's clock stands 30 minutes before the market's end: the vendor's last 24
  // minutes are stamped more than the 5 minutes' tolerance ahead of it
  const clock = bench.end.getTime() - 30 * MIN;
  const metrics = new Registry();
  await collector(bench, { now: () => clock, metrics }).runOnce();
  const [job] = await bench.client.tenant(bench.tenant).jobs.listJobs({ type: "bars_fetch" });
  const result = job!.result as unknown as JobResult;
  assertEquals(job!.state, "done");
  const ahead = minutes.filter((t) => t.getTime() > clock + 5 * MIN).length;
  assertEquals(ahead, 24);
  assertEquals(result.refused, 2 + ahead);
  const reasons = result.refusals.map((r) => `${r.ts} ${r.field}`);
  assert(reasons.includes(`${negative.toISOString()} low`), JSON.stringify(result.refusals[0]));
  assert(
    reasons.includes(`${inverted.toISOString()} high`) ||
      reasons.includes(`${inverted.toISOString()} low`),
  );
  const future = result.refusals.filter((r) => r.field === "ts");
  assertEquals(future.length, ahead);
  assert(
    future.every((r) => /in the future/.test(r.reason) && Date.parse(r.ts!) > clock + 5 * MIN),
  );
  const stored = new Set(await bench.storedBars());
  const market = bench.marketBars(["BAD"], ["1m"]);
  const refusedTimes = new Set([negative, inverted].map((d) => d.toISOString()));
  for (const line of market) {
    const ts = line.split("|")[2]!;
    const refused = refusedTimes.has(ts) || Date.parse(ts) > clock + 5 * MIN;
    assertEquals(stored.has(line), !refused, `${ts} stored iff not refused`);
  }
  // gap repair asked for the two broken minutes again, from each provider: refused again, so
  // they are remembered as unfillable, with the reason
  const ranges = await bench.client.tenant(bench.tenant).universe.unfillable({ symbol: "BAD" });
  assertEquals(
    ranges.map((r) => r.start.toISOString()),
    [negative, inverted].map((d) => d.toISOString()),
  );
  assert(
    ranges.every((r) => /no valid data from finnhub, yahoo: 2 rows refused/.test(r.reason)),
    ranges[0]?.reason,
  );
  const text = await metrics.metrics();
  assertEquals(gauge(text, "mds_rows_refused_total", 'reason="future"'), ahead);
  assertEquals(gauge(text, "mds_rows_refused_total", 'reason="invalid"'), 2 + 2 * 2);
});

Deno.test("a range every provider has no data for is remembered as unfillable and not requested again", async () => {
  // 14 calendar days: 7 held only four sessions over Thanksgiving or New Year, and days[4] was
  // missing
  await using bench = await startBench({ days: 14 });
  await universe(bench, ["HALT"], ["1d"]);
  const days = bench.marketBars(["HALT"], ["1d"]).map((l) => new Date(l.split("|")[2]!));
  assert(days.length >= 6, `${days.length} sessions`);
  // a halt of two sessions in the middle
  bench.market.noData("HALT", days[2]!, days[4]!);
  const c = collector(bench);
  const first = await c.runOnce();
  assertEquals(first.repair.unfillable, 1);
  const api = bench.client.tenant(bench.tenant);
  const [range] = await api.universe.unfillable({ symbol: "HALT" });
  assertEquals([range?.start.toISOString(), range?.end.toISOString()], [
    days[2]!.toISOString(),
    days[4]!.toISOString(),
  ]);
  assertEquals(range?.providers, ["finnhub", "yahoo"]);
  const requestsBefore = bench.market.log.length;
  const second = await c.runOnce();
  assertEquals([second.repair.enqueued, second.repair.unfillable], [0, 1]);
  // the second pass fetched the newest bar again and nothing of the halt
  const halted = bench.market.log.slice(requestsBefore).filter((r) =>
    (r.params.period1 ?? r.params.from) !== undefined &&
    Number(r.params.period1 ?? r.params.from) * 1000 < days[4]!.getTime()
  );
  assertEquals(halted.length, 0);
  assert(second.slo.every((r) => r.rate === 0), "an unfillable range is no SLO violation");
});

Deno.test("a rate-limited job is deferred without spending an attempt", async () => {
  await using bench = await startBench({ days: 3 });
  await universe(bench, ["RL"], ["1d"]);
  for (const vendor of ["yahoo", "finnhub"] as const) {
    bench.market.fault({ vendor, status: 429, headers: { "retry-after": "1" }, times: 10 });
  }
  const c = collector(bench);
  await c.sweep();
  const first = await c.drain();
  assertEquals(first.deferred, 1);
  const [job] = await bench.client.tenant(bench.tenant).jobs.listJobs({ type: "bars_fetch" });
  assertEquals([job!.state, job!.attempts, job!.last_error_code], [
    "queued",
    0,
    "PROVIDER_RATE_LIMITED",
  ]);
});

Deno.test("T0 quotes are fetched while the market trades and stored in quotes_l1; a provider hint is followed", async () => {
  await using bench = await startBench({ days: 3 });
  const api = bench.client.tenant(bench.tenant);
  await api.universe.add([
    { symbol: "QA", tier: "T0", timeframes: ["1d"], history_start: bench.start },
    {
      symbol: "QB",
      tier: "T0",
      timeframes: ["1d"],
      history_start: bench.start,
      provider: "finnhub",
    },
  ]);
  // an hour before the close: the session is open, so T0's quotes are due
  const until = new Date(bench.end.getTime() - 60 * MIN);
  const c = collector(bench, {
    until,
    config: bench.config({ tiers: { T0: { quotesEverySeconds: 15, optionsEveryMinutes: null } } }),
  });
  const summary = await c.runOnce();
  assertEquals(summary.sweep.enqueued, 3, "two bars_fetch and one quotes_fetch");
  const quotes = await api.latestQuotes(["QA", "QB"]);
  assertEquals(quotes.map((q) => q.symbol).sort(), ["QA", "QB"]);
  for (const q of quotes) {
    const last = bench.market.bars(q.symbol, "1m", bench.start, bench.end).at(-1)!;
    assertEquals(q.last, last.close);
  }
  const vendors = await bench.client.backend.query<{ symbol: string; vendor: string }>(
    `SELECT DISTINCT symbol, vendor FROM mds_core.bars WHERE tenant_id = $1 ORDER BY 1`,
    [bench.tenant],
  );
  assertEquals(vendors.map((v) => `${v.symbol}:${v.vendor}`), ["QA:yahoo", "QB:finnhub"]);
});

Deno.test("T0 option chains are fetched by options_fetch jobs while the market trades; greeks the vendor left out are computed and flagged", async () => {
  await using bench = await startBench({ days: 3 });
  const api = bench.client.tenant(bench.tenant);
  await api.universe.add([
    { symbol: "OA", tier: "T0", timeframes: ["1d"], history_start: bench.start },
    { symbol: "OB", tier: "T1", timeframes: ["1d"], history_start: bench.start },
  ]);
  const until = new Date(bench.end.getTime() - 60 * MIN);
  const c = collector(bench, {
    until,
    config: bench.config({ tiers: { T0: { quotesEverySeconds: null, optionsEveryMinutes: 15 } } }),
  });
  await c.runOnce();
  const [job] = await api.jobs.listJobs({ type: "options_fetch", state: "done" });
  assert(job !== undefined, "an options_fetch job ran");
  assertEquals(job.payload.symbols, ["OA"], "only the T0 symbol");
  const chain = await api.optionChains({ symbol: "OA", at: new Date(Date.now() + 60_000) });
  // two expiries x three strikes x call and put, from the fake's Yahoo v7 answer
  assertEquals(chain.length, 12);
  assertEquals(await api.optionChains({ symbol: "OB" }), []);
  let solved = 0;
  for (const o of chain) {
    assertEquals(o.vendor, "yahoo");
    if (o.option_type === "C") {
      // the vendor's implied volatility is kept; mds adds the greeks
      assertEquals(o.implied_volatility, 0.3);
      assertEquals(o.computed, ["delta", "gamma", "theta", "vega"]);
    } else {
      // Yahoo sent 0 (read as missing): mds solves it from the mid price exactly as
      // @mds/analytics does (the fake priced it at 0.3 before rounding to cents); a worthless
      // quote, or a mid outside the no-arbitrage bounds, leaves everything null
      const mid = (o.bid! + o.ask!) / 2;
      const days = (Date.parse(o.expiry) - Date.parse(o.ts.toISOString().slice(0, 10))) / DAY;
      let expected: number | null = null;
      try {
        if (mid > 0) {
          expected = impliedVolatility({
            spot: o.underlying_price!,
            strike: o.strike,
            years: days / 365,
            rate: 0.04,
            dividendYield: 0,
            type: "P",
            price: mid,
          }).volatility;
        }
      } catch {
        expected = null;
      }
      if (expected === null) {
        assertEquals([o.computed, o.implied_volatility, o.delta], [null, null, null]);
      } else {
        assert(o.computed?.includes("implied_volatility"), JSON.stringify(o));
        assert(Math.abs(o.implied_volatility! - expected) < 1e-9, `put IV ${o.implied_volatility}`);
        assert(o.delta! < 0 && o.delta! > -1, `put delta ${o.delta}`);
        solved++;
      }
    }
  }
  assert(solved >= 2, `puts solved: ${solved}`);
});
