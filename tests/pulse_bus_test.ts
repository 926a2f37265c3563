// The LISTEN pulse bus on a server: it hears writes of another pool and of a separate `mds`
// process with the writer's tenant, nothing from a writer with PULSE_ENABLED=false, and keeps
// hearing after its connection is killed (postgres.js reconnects and listens again).
import { createClient, type MdsClient } from "@mds/client";
import { PULSE_CHANNEL, type PulseEvent } from "@mds/sql";
import { PostgresPulseBus } from "@mds/service";
import { Registry } from "prom-client";
import { assert, assertEquals } from "../testing/assert.ts";
import { backendSuite, newTenant, type TestDb } from "../testing/backends.ts";
import { cleanEnv, ok } from "../testing/cli.ts";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(what: string, fn: () => boolean, ms = 15_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!fn()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(10);
  }
}

/** A bus on its own pool, the events it heard, and a marker to know all before it arrived. */
interface Listening extends AsyncDisposable {
  seen: PulseEvent[];
  logged: string[];
  registry: Registry;
  /** The events heard since the last call, waiting for a marker notified after them. */
  settle(): Promise<PulseEvent[]>;
}

async function listening(db: TestDb): Promise<Listening> {
  const client: MdsClient = await createClient({ backend: db.connect({ max: 2 }) });
  const registry = new Registry();
  const logged: string[] = [];
  const bus = new PostgresPulseBus(client, {
    registry,
    log: (e, f) => logged.push(`${e}:${JSON.stringify(f)}`),
  });
  const seen: PulseEvent[] = [];
  bus.subscribe((e) => seen.push(e));
  await bus.start();
  const markerTenant = newTenant();
  return {
    seen,
    logged,
    registry,
    async settle() {
      const symbol = `M${crypto.randomUUID().slice(0, 8)}`.toUpperCase();
      const marker: PulseEvent = {
        v: 1,
        tenant: markerTenant,
        stream: "bars",
        symbol,
        rows: [],
        at: Date.now(),
      };
      await db.backend.query("SELECT pg_notify($1, $2)", [PULSE_CHANNEL, JSON.stringify(marker)]);
      await until("the marker", () => seen.some((e) => e.symbol === symbol));
      const got = seen.splice(0, seen.findIndex((e) => e.symbol === symbol) + 1);
      got.pop();
      return got;
    },
    async [Symbol.asyncDispose]() {
      await bus.close();
      await client.close();
    },
  };
}

const BAR = {
  ts: "2024-01-02T14:30:00Z",
  vendor: "cli",
  symbol: "PLS",
  timeframe: "1m",
  open: 1,
  high: 2,
  low: 0.5,
  close: 1.5,
  volume: 10,
};

backendSuite("pulse bus over LISTEN", {
  "hears a write of another client's pool with the writer's tenant": async (db) => {
    await using bus = await listening(db);
    const tenant = newTenant();
    await using writer = await createClient({ backend: db.connect({ max: 1 }) });
    await writer.tenant(tenant).upsertBars([BAR, { ...BAR, ts: "2024-01-02T14:31:00Z" }]);
    const [event, ...rest] = await bus.settle();
    assertEquals(rest, []);
    assertEquals([event?.tenant, event?.stream, event?.symbol], [tenant, "bars", "PLS"]);
    assertEquals(event?.rows.map((r) => r.ts), ["2024-01-02T14:31:00.000Z"]);
    assert(
      (await bus.registry.metrics()).includes(
        'mds_pulse_publish_total{stream="bars",outcome="delivered"} 2',
      ),
      "the write and the marker",
    );
  },

  "hears `mds write-bar` run as a separate process, and nothing when it runs with PULSE_ENABLED=false":
    async (db) => {
      await using bus = await listening(db);
      const tenant = newTenant();
      const env = cleanEnv({ MDS_DATABASE_URL: db.url!, MDS_TENANT_ID: tenant });
      await ok(["write-bar", JSON.stringify(BAR)], { env });
      const [event, ...rest] = await bus.settle();
      assertEquals(rest, []);
      assertEquals([event?.tenant, event?.stream, event?.symbol], [tenant, "bars", "PLS"]);
      assertEquals(event?.rows[0]?.close, 1.5);
      await ok(["write-bar", JSON.stringify({ ...BAR, close: 1.75 })], {
        env: { ...env, PULSE_ENABLED: "false" },
      });
      assertEquals(await bus.settle(), []);
    },

  "keeps hearing after its connection is killed: postgres.js reconnects and listens again": async (
    db,
  ) => {
    await using bus = await listening(db);
    const killed = await db.backend.query<{ ok: boolean }>(
      `SELECT pg_terminate_backend(pid) AS ok FROM pg_stat_activity
       WHERE datname = current_database() AND query ILIKE 'listen%'`,
    );
    assertEquals(killed.map((k) => k.ok), [true]);
    await until("the LISTEN again", () => bus.logged.some((l) => l.includes('"reconnect":true')));
    const tenant = newTenant();
    await using writer = await createClient({ backend: db.connect({ max: 1 }) });
    await writer.tenant(tenant).upsertQuotes([
      { ts: "2024-01-02T14:30:00Z", vendor: "v", symbol: "RCN", bid: 1, ask: 2 },
    ]);
    const heard = await bus.settle();
    assertEquals(heard.map((e) => [e.tenant, e.stream, e.symbol]), [[tenant, "quotes", "RCN"]]);
  },
}, { only: ["postgres", "timescale"] });
