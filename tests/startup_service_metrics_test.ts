// Two service metrics fixed in review: mds_ingestion_lag_seconds is computed from the cursors at
// each SLO measurement (worst series per interval; backfills of old bars never raise it), and the
// API on port 8001 counts and times its requests by route template, with the admin server's
// metric names and labels.
import { createClient } from "@mds/client";
import { createServiceApp } from "@mds/service";
import { Registry } from "prom-client";
import { assert, assertEquals } from "../testing/assert.ts";
import { type Bench, startBench, symbols } from "../testing/collector_setup.ts";
import { Collector } from "@mds/service";

const MIN = 60_000;

function value(text: string, series: string): number | undefined {
  const line = text.split("\n").find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

function collector(bench: Bench, metrics: Registry) {
  return new Collector({
    client: bench.client,
    tenant: bench.tenant,
    config: bench.config(),
    env: bench.env,
    until: bench.end,
    metrics,
  });
}

Deno.test("mds_ingestion_lag_seconds is the worst series' lag at each SLO measurement, untouched by backfills", async () => {
  await using bench = await startBench({ days: 5 });
  const api = bench.client.tenant(bench.tenant);
  await api.universe.add(
    symbols(2).map((symbol) => ({
      symbol,
      tier: "T1",
      timeframes: ["1m", "1d"],
      history_start: bench.start,
    })),
  );
  const first = new Registry();
  await collector(bench, first).runOnce();
  let text = await first.metrics();
  // every series is current as of `until` (the market's last close)
  assertEquals(value(text, 'mds_ingestion_lag_seconds{interval="1m"}'), 0);
  assertEquals(value(text, 'mds_ingestion_lag_seconds{interval="1d"}'), 0);
  assertEquals(value(text, 'mds_ingestion_lag_seconds{interval="5m"}'), undefined);

  // A series whose newest bar is three hours old is the worst of its interval.
  await api.universe.add([{
    symbol: "STALE",
    tier: "T1",
    timeframes: ["1m"],
    history_start: bench.start,
  }]);
  const staleAt = new Date(bench.end.getTime() - 180 * MIN);
  await api.upsertBars([{
    ts: staleAt,
    vendor: "yahoo",
    symbol: "STALE",
    timeframe: "1m",
    open: 1,
    high: 1,
    low: 1,
    close: 1,
    volume: 1,
  }]);
  const second = new Registry();
  const c = collector(bench, second);
  await c.measureSlo();
  text = await second.metrics();
  assertEquals(value(text, 'mds_ingestion_lag_seconds{interval="1m"}'), 179 * 60);
  assertEquals(value(text, 'mds_ingestion_lag_seconds{interval="1d"}'), 0);

  // A backfill of old bars (a hole in S00's minutes, found and repaired) sets nothing when it
  // writes, and the next measurement still reports the stale series, not the old bars.
  const day = bench.start.getTime() + 2 * 86_400_000;
  const holes = await bench.client.backend.query<{ n: number }>(
    `WITH d AS (DELETE FROM mds_core.bars WHERE tenant_id = $1 AND symbol = 'S00'
       AND timeframe = '1m' AND ts >= $2 AND ts < $3 RETURNING 1) SELECT count(*)::int AS n FROM d`,
    [bench.tenant, new Date(day), new Date(day + 86_400_000)],
  );
  const third = new Registry();
  const repairing = collector(bench, third);
  const report = await repairing.scanGaps();
  const ran = await repairing.drain();
  if (holes[0]!.n > 0) {
    assert(report.enqueued > 0 && ran.done > 0, JSON.stringify({ report, ran }));
  }
  text = await third.metrics();
  assert(!text.includes("mds_ingestion_lag_seconds{"), "a backfill set the lag");
  await repairing.measureSlo();
  text = await third.metrics();
  assertEquals(value(text, 'mds_ingestion_lag_seconds{interval="1m"}'), 179 * 60);

  // The stale series leaves the universe: its interval falls back to the others' lag.
  await api.universe.remove(["STALE"]);
  await repairing.measureSlo();
  text = await third.metrics();
  assertEquals(value(text, 'mds_ingestion_lag_seconds{interval="1m"}'), 0);
});

Deno.test("the service API counts and times requests by route template, never the raw path", async () => {
  await using client = await createClient({ memory: true });
  const tenant = "6f1c7a54-3b1e-4c8e-9a57-2d4be1f0a0d4";
  await client.tenant(tenant).upsertBars([{
    ts: "2024-07-01T00:00:00Z",
    vendor: "yahoo",
    symbol: "AAPL",
    timeframe: "1d",
    open: 212,
    high: 217,
    low: 211,
    close: 216.75,
  }]);
  const metrics = new Registry();
  const app = createServiceApp({
    client,
    metrics,
    verifyKey: (key) => Promise.resolve(key === "k1" ? { id: "1", tenant, readOnly: true } : null),
  });
  const auth = { headers: { authorization: "Bearer k1" } };
  for (const symbol of ["aapl", "AAPL", "msft"]) {
    await (await app.request(`/stocks/${symbol}/price`, auth)).body?.cancel();
  }
  await (await app.request("/stocks/AAPL/price")).body?.cancel(); // 401: no key
  await (await app.request("/no/such/route")).body?.cancel();
  await (await app.request("/health")).body?.cancel();
  const text = await metrics.metrics();
  const price = 'method="GET",route="/stocks/:symbol/price"';
  assertEquals(value(text, `mds_http_requests_total{${price},status="200"}`), 2);
  assertEquals(value(text, `mds_http_requests_total{${price},status="404"}`), 1);
  assertEquals(
    value(text, 'mds_http_requests_total{method="GET",route="unmatched",status="404"}'),
    1,
  );
  assertEquals(
    value(text, 'mds_http_requests_total{method="GET",route="/health",status="200"}'),
    1,
  );
  assertEquals(value(text, `mds_http_request_duration_seconds_count{${price}}`), 4);
  assert(
    text.includes(`mds_http_request_duration_seconds_bucket{le="0.005",${price}}`),
    "histogram buckets",
  );
  assert(!/route="\/stocks\/(aapl|AAPL|msft)/.test(text), "a raw path became a label");
  // the 401 is counted under the template too (the key check runs before the handler)
  const unauthorized = text.split("\n").filter((l) => l.includes('status="401"'));
  assertEquals(unauthorized.length, 1, unauthorized.join("\n"));

  // A second app on the same registry shares the metrics instead of failing.
  const again = createServiceApp({ client, metrics, verifyKey: () => Promise.resolve(null) });
  await (await again.request("/health")).body?.cancel();
  assertEquals(
    value(
      await metrics.metrics(),
      'mds_http_requests_total{method="GET",route="/health",status="200"}',
    ),
    2,
  );
});
