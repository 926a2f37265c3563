// The pulse buses in process: the in-memory bus fed by onPulse, and the LISTEN bus over an
// embedded store (PGlite supports LISTEN/NOTIFY), with their metrics.
import { createClient, createPgliteBackend, migrate } from "@mds/client";
import { PULSE_CHANNEL, type PulseEvent } from "@mds/sql";
import { Registry } from "prom-client";
import { assert, assertEquals, assertThrows } from "../testing/assert.ts";
import { InmemPulseBus, PostgresPulseBus } from "./pulse_bus.ts";
import { pulseSettingsFromEnv } from "./pulse_settings.ts";
import { ConfigError } from "@mds/client";

const T = "6f1c7a54-3b1e-4c8e-9a57-2d4be1f0a001";
const U = "6f1c7a54-3b1e-4c8e-9a57-2d4be1f0a002";

const event = (symbol: string, at = 1_000): PulseEvent => ({
  v: 1,
  tenant: T,
  stream: "bars",
  symbol,
  rows: [{ ts: "2024-01-02T14:30:00.000Z", close: 1 }],
  at,
});

/** The value of one series of the exposition, 0 when absent. */
async function sample(registry: Registry, series: string): Promise<number> {
  const text = await registry.metrics();
  const line = text.split("\n").find((l) => l.startsWith(`${series} `));
  return line === undefined ? 0 : Number(line.slice(series.length + 1));
}

const total = (stream: string, outcome: string) =>
  `mds_pulse_publish_total{stream="${stream}",outcome="${outcome}"}`;

Deno.test("InmemPulseBus dispatches published events to every subscriber while running, and counts the rest", async () => {
  const registry = new Registry();
  const logged: string[] = [];
  await using bus = new InmemPulseBus({
    registry,
    now: () => 1_250,
    log: (e, f) => logged.push(`${e}:${f.code}`),
  });
  const a: string[] = [];
  const b: string[] = [];
  bus.subscribe((e) => a.push(e.symbol));
  const stopB = bus.subscribe((e) => b.push(e.symbol));
  bus.subscribe(() => {
    throw new Error("a broken subscriber");
  });
  bus.publish([event("EARLY")]); // not started: dropped
  await bus.start();
  bus.publish([event("A"), event("B")]);
  stopB();
  bus.publish([event("C"), { ...event("BAD"), stream: "news" } as unknown as PulseEvent]);
  await bus.close();
  bus.publish([event("LATE")]);
  assertEquals(a, ["A", "B", "C"]);
  assertEquals(b, ["A", "B"]);
  assertEquals(await sample(registry, total("bars", "delivered")), 3);
  assertEquals(await sample(registry, total("bars", "dropped")), 2);
  assertEquals(await sample(registry, total("unknown", "invalid")), 1);
  assertEquals(await sample(registry, 'mds_pulse_subscriber_errors_total{stream="bars"}'), 3);
  // 250 ms from commit to dispatch, three times
  assertEquals(
    await sample(registry, 'mds_pulse_publish_latency_seconds_sum{stream="bars"}'),
    0.75,
  );
  assertEquals(
    await sample(registry, 'mds_pulse_publish_latency_seconds_bucket{le="0.25",stream="bars"}'),
    3,
  );
  assertEquals(logged, [
    "pulse_dropped:MDS_CLOSED",
    "pulse_subscriber_failed:MDS_INTERNAL",
    "pulse_subscriber_failed:MDS_INTERNAL",
    "pulse_subscriber_failed:MDS_INTERNAL",
    "pulse_invalid:MDS_VALIDATION",
    "pulse_dropped:MDS_CLOSED",
  ]);
  // one bus per registry
  assertThrows(() => new InmemPulseBus({ registry }), TypeError);
});

Deno.test("InmemPulseBus wired as onPulse hears committed writes only", async () => {
  await using bus = new InmemPulseBus();
  await using client = await createClient({ memory: true, onPulse: (evs) => bus.publish(evs) });
  const seen: PulseEvent[] = [];
  bus.subscribe((e) => seen.push(e));
  await bus.start();
  const bar = { ts: 0, vendor: "v", symbol: "A", timeframe: "1m", open: 1, high: 1, low: 1 };
  await client.tenant(T).upsertBars([{ ...bar, close: 1 }]);
  await client.withTenant(U, async (t) => {
    await t.upsertBars([{ ...bar, close: 1 }]);
    throw new Error("rolled back");
  }).catch(() => {});
  assertEquals(seen.map((e) => [e.tenant, e.stream, e.symbol]), [[T, "bars", "A"]]);
});

Deno.test("PostgresPulseBus on an embedded store hears another client's writes, reads stashed events back in order, and counts garbage", async () => {
  await using db = await createPgliteBackend();
  await migrate(db);
  await using reader = await createClient({ backend: db });
  await using writer = await createClient({ backend: db });
  const registry = new Registry();
  const logged: string[] = [];
  await using bus = new PostgresPulseBus(reader, {
    registry,
    log: (e, f) => logged.push(`${e}:${f.code ?? f.reconnect}`),
  });
  const seen: PulseEvent[] = [];
  bus.subscribe((e) => seen.push(e));
  await bus.start();
  await bus.start(); // once is enough
  const chain = Array.from({ length: 300 }, (_, i) => ({
    ts: "2024-01-02T15:00:00Z",
    vendor: "opra",
    symbol: "SPY",
    expiry: "2024-01-19",
    option_type: "C",
    strike: 300 + i,
    bid: 1,
  }));
  const bar = (symbol: string) => ({
    ts: "2024-01-02T14:30:00Z",
    vendor: "v",
    symbol,
    timeframe: "1m",
    open: 1,
    high: 1,
    low: 1,
    close: 1,
  });
  await writer.tenant(T).upsertOptions(chain); // stashed: read back before the next is dispatched
  await writer.tenant(U).upsertBars([bar("NEXT")]);
  await db.query("SELECT pg_notify($1, $2)", [PULSE_CHANNEL, "garbage"]);
  await db.query("SELECT pg_notify($1, $2)", [
    PULSE_CHANNEL,
    JSON.stringify({ v: 1, ref: 999_999, tenant: T, stream: "quotes", symbol: "GONE", at: 0 }),
  ]);
  await bus.close(); // waits for the stashed event to be read and dispatched
  assertEquals(seen.map((e) => [e.tenant, e.stream, e.symbol, e.rows.length]), [
    [T, "options", "SPY", 300],
    [U, "bars", "NEXT", 1],
  ]);
  assertEquals(await sample(registry, total("options", "delivered")), 1);
  assertEquals(await sample(registry, total("bars", "delivered")), 1);
  assertEquals(await sample(registry, total("unknown", "invalid")), 1);
  assertEquals(await sample(registry, total("quotes", "dropped")), 1);
  assertEquals(logged, [
    "pulse_listening:false",
    "pulse_invalid:MDS_VALIDATION",
    "pulse_dropped:MDS_NOT_FOUND",
  ]);
  // closed: a later write is not heard
  await writer.tenant(T).upsertBars([bar("AFTER")]);
  assertEquals(seen.length, 2);
  const text = await registry.metrics();
  for (
    const name of [
      "mds_pulse_publish_total",
      "mds_pulse_publish_latency_seconds",
      "mds_pulse_subscriber_errors_total",
    ]
  ) assert(text.includes(`# TYPE ${name} `), name);
});

Deno.test("pulseSettingsFromEnv() defaults to LISTEN on a server, in memory on the embedded store", () => {
  const url = "postgres://app@db/mds";
  assertEquals(pulseSettingsFromEnv({}), { enabled: true, backend: "inmem" });
  assertEquals(pulseSettingsFromEnv({ MDS_DSN: url }), { enabled: true, backend: "postgres" });
  assertEquals(
    pulseSettingsFromEnv({ MDS_DATABASE_URL: url, EVENT_BUS_BACKEND: "inmem" }),
    { enabled: true, backend: "inmem" },
  );
  assertEquals(
    pulseSettingsFromEnv({ EVENT_BUS_BACKEND: " Postgres ", PULSE_ENABLED: "false" }),
    { enabled: false, backend: "postgres" },
  );
  assertEquals(pulseSettingsFromEnv({ EVENT_BUS_BACKEND: "", PULSE_ENABLED: "" }), {
    enabled: true,
    backend: "inmem",
  });
  for (
    const [env, option] of [
      [{ EVENT_BUS_BACKEND: "redis" }, "EVENT_BUS_BACKEND"],
      [{ PULSE_ENABLED: "maybe" }, "PULSE_ENABLED"],
    ] as const
  ) {
    const err = assertThrows(() => pulseSettingsFromEnv(env), ConfigError);
    assertEquals(err.option, option);
  }
});
