// The live path end to end on PostgreSQL: a bar written by a separate `mds write-bar` process
// is published with the write's commit (NOTIFY), heard by the API's postgres pulse bus, and
// pushed to the WebSocket subscribers of that tenant only. Real API keys from the store.
import { createClient } from "@mds/client";
import { createServiceApp, PostgresPulseBus, StreamHub } from "@mds/service";
import { Registry } from "prom-client";
import { assert, assertEquals } from "../testing/assert.ts";
import { connectWs as connect } from "../testing/ws_client.ts";
import { createServerDatabase, newTenant, serverUrl } from "../testing/backends.ts";
import { cleanEnv, mds } from "../testing/cli.ts";

const base = serverUrl("postgres");

Deno.test({
  name: base
    ? "a bar written by another process reaches the WebSocket of its tenant, and no other"
    : "live path over PostgreSQL (skipped: set MDS_TEST_DATABASE_URL)",
  ignore: !base,
  async fn() {
    const db = await createServerDatabase(base!);
    try {
      await using client = await createClient({ url: db.url, migrate: true });
      const A = newTenant(), B = newTenant();
      const keyA = (await client.apiKeys.create(A, { name: "a" })).key;
      const keyB = (await client.apiKeys.create(B, { name: "b" })).key;
      const registry = new Registry();
      await using bus = new PostgresPulseBus(client, { registry });
      await bus.start();
      const hub = new StreamHub({ heartbeatMs: 0, metrics: registry });
      // keys are asked of the store on every request here: the test revokes one
      const app = createServiceApp({
        client,
        hub,
        events: bus,
        metrics: registry,
        keyCacheSeconds: 0,
      });
      const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, app.fetch);
      try {
        const url = `ws://127.0.0.1:${server.addr.port}/ws/AAPL`;
        const a = await connect(url, keyA);
        const b = await connect(url, keyB);
        await new Promise((r) => setTimeout(r, 100));
        const bar = {
          ts: "2024-07-01T13:30:00Z",
          vendor: "cli",
          symbol: "AAPL",
          timeframe: "1m",
          open: 210,
          high: 211,
          low: 209.5,
          close: 210.75,
        };
        const run = await mds(["write-bar", JSON.stringify(bar)], {
          env: cleanEnv({ MDS_DATABASE_URL: db.url, MDS_TENANT_ID: A }),
        });
        assertEquals(run.code, 0, run.stderr);
        for (let i = 0; i < 200 && a.messages.length === 0; i++) {
          await new Promise((r) => setTimeout(r, 25));
        }
        assertEquals(a.messages.length, 1, "tenant A's subscriber got the bar");
        const [m] = a.messages;
        assertEquals([m!.type, m!.stream, m!.seq], ["bars", "stock:AAPL", 1]);
        const rows = m!.rows as { close: number; timeframe: string }[];
        assertEquals([rows[0]!.close, rows[0]!.timeframe], [210.75, "1m"]);
        await new Promise((r) => setTimeout(r, 200));
        assertEquals(b.messages.length, 0, "tenant B's subscriber got nothing");
        // a revoked key is refused at once
        const keys = await client.apiKeys.list(B);
        assert(await client.apiKeys.revoke(B, keys[0]!.id));
        const res = await app.request("/stocks/AAPL/price", {
          headers: { authorization: `Bearer ${keyB}` },
        });
        assertEquals(res.status, 401);
        const price = await app.request("/stocks/AAPL/price", {
          headers: { authorization: `Bearer ${keyA}` },
        });
        assertEquals((await price.json()).price, 210.75);
        a.ws.close();
        b.ws.close();
        await Promise.all([a.closed, b.closed]);
      } finally {
        app.close();
        hub.close();
        await server.shutdown();
      }
    } finally {
      await db.drop();
    }
  },
});
