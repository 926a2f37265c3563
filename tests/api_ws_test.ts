// The market-data API's WebSocket side on a real loopback server: keys offered as a
// subprotocol, tenant separation, replay after a reconnect (and the gap message past the
// buffer), and a client that never reads, which must not grow the server's memory.
import { createClient } from "@mds/client";
import { createServiceApp, type KeyScope, type LiveEvent, StreamHub } from "@mds/service";
import { Registry } from "prom-client";
import { assert, assertEquals } from "../testing/assert.ts";
import { connectWs as connect } from "../testing/ws_client.ts";
import { newTenant } from "../testing/backends.ts";

const A = newTenant(), B = newTenant();
const KEYS: Record<string, KeyScope> = {
  "key-a": { id: "a", tenant: A, readOnly: true },
  "key-b": { id: "b", tenant: B, readOnly: true },
};

/** An event source the test publishes to by hand. */
function manualEvents() {
  const fns = new Set<(e: LiveEvent) => void>();
  return {
    subscribe(fn: (e: LiveEvent) => void) {
      fns.add(fn);
      return () => fns.delete(fn);
    },
    emit(tenant: string, symbol: string, close: number) {
      for (const fn of fns) {
        fn({ tenant, stream: "bars", symbol, rows: [{ timeframe: "1m", close }], at: Date.now() });
      }
    },
  };
}

async function serve(hubOptions: ConstructorParameters<typeof StreamHub>[0] = {}) {
  const client = await createClient({ memory: true });
  const metrics = new Registry();
  const hub = new StreamHub({ heartbeatMs: 0, metrics, ...hubOptions });
  const events = manualEvents();
  const app = createServiceApp({
    client,
    hub,
    events,
    verifyKey: (key) => Promise.resolve(KEYS[key] ?? null),
  });
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, app.fetch);
  const url = `ws://127.0.0.1:${server.addr.port}`;
  return {
    url,
    hub,
    events,
    metrics,
    async [Symbol.asyncDispose]() {
      app.close();
      hub.close();
      await server.shutdown();
      await client.close();
    },
  };
}

Deno.test("live bars reach only their tenant's sockets, with sequence numbers", async () => {
  await using s = await serve();
  const a = await connect(`${s.url}/ws/aapl`, "key-a");
  const b = await connect(`${s.url}/ws/AAPL`, "key-b");
  assertEquals(a.protocol, "mds.v1");
  await new Promise((r) => setTimeout(r, 50));
  s.events.emit(A, "AAPL", 1);
  s.events.emit(A, "AAPL", 2);
  s.events.emit(B, "AAPL", 9);
  s.events.emit(A, "MSFT", 3);
  const got = await a.until(2);
  assertEquals(
    got.map((m) => [m.type, m.stream, m.seq, (m.rows as { close: number }[])[0]!.close]),
    [
      ["bars", "stock:AAPL", 1, 1],
      ["bars", "stock:AAPL", 2, 2],
    ],
  );
  assertEquals((await b.until(1)).map((m) => [m.seq, (m.rows as { close: number }[])[0]!.close]), [[
    1,
    9,
  ]]);
  await new Promise((r) => setTimeout(r, 50));
  assertEquals(a.messages.length, 2, "nothing of MSFT or of tenant B");
  assertEquals(b.messages.length, 1);
  await a.close();
  await b.close();
  // no key, a wrong key, a key in the URL: refused before the upgrade
  for (const protocols of [[], ["mds.v1", "bearer.nope"]]) {
    const res = await fetch(`${s.url.replace("ws:", "http:")}/ws/AAPL`, {
      headers: {
        upgrade: "websocket",
        connection: "Upgrade",
        "sec-websocket-key": "dGhlIHNhbXBsZSBub25jZQ==",
        "sec-websocket-version": "13",
        ...(protocols.length ? { "sec-websocket-protocol": protocols.join(", ") } : {}),
      },
    });
    assertEquals(res.status, 401);
    await res.body?.cancel();
  }
});

Deno.test("replay: reconnecting with since gets exactly the 50 missed, in order; past the buffer a gap message", async () => {
  await using s = await serve({ replaySize: 100 });
  const first = await connect(`${s.url}/ws/AAPL`, "key-a");
  await new Promise((r) => setTimeout(r, 50));
  s.events.emit(A, "AAPL", 0);
  const [seen] = await first.until(1);
  await first.close();
  for (let i = 1; i <= 50; i++) s.events.emit(A, "AAPL", i);
  const back = await connect(`${s.url}/ws/AAPL?since=${seen!.seq}`, "key-a");
  const replayed = await back.until(50);
  assertEquals(replayed.length, 50);
  assertEquals(replayed.map((m) => m.seq), Array.from({ length: 50 }, (_, i) => i + 2));
  assertEquals(
    replayed.map((m) => (m.rows as { close: number }[])[0]!.close),
    Array.from({ length: 50 }, (_, i) => i + 1),
  );
  await back.close();
  // 150 more: the buffer (100) no longer holds what follows seq 51
  for (let i = 0; i < 150; i++) s.events.emit(A, "AAPL", 100 + i);
  const late = await connect(`${s.url}/ws/replay?stream=stock:AAPL&since=51`, "key-a");
  const msgs = await late.until(101);
  assertEquals(msgs[0]!.type, "gap");
  assertEquals([msgs[0]!.from, msgs[0]!.oldest], [52, 102]);
  assertEquals(msgs.slice(1).map((m) => m.seq), Array.from({ length: 100 }, (_, i) => 102 + i));
  await late.close();
});

Deno.test("a client that never reads is cut off: its messages dropped and counted, never queued, then closed", async () => {
  await using s = await serve({ maxBufferedBytes: 256 * 1024, maxLagMs: 300 });
  // a raw TCP client: the WebSocket handshake, then it never reads again
  const conn = await Deno.connect({ hostname: "127.0.0.1", port: Number(new URL(s.url).port) });
  const handshake = [
    "GET /ws/AAPL HTTP/1.1",
    `Host: 127.0.0.1`,
    "Upgrade: websocket",
    "Connection: Upgrade",
    "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==",
    "Sec-WebSocket-Version: 13",
    "Sec-WebSocket-Protocol: mds.v1, bearer.key-a",
    "",
    "",
  ].join("\r\n");
  await conn.write(new TextEncoder().encode(handshake));
  const head = new Uint8Array(1024);
  const n = await conn.read(head);
  assert(new TextDecoder().decode(head.subarray(0, n ?? 0)).startsWith("HTTP/1.1 101"));
  await new Promise((r) => setTimeout(r, 50));
  const big = "x".repeat(4_000);
  // 25,000 messages of 4 KB: 100 MB if the server kept them for this client, far past what the
  // kernel's socket buffers absorb; counted, not timed, so a loaded machine publishes as much
  for (let sent = 0; sent < 25_000; sent += 250) {
    for (let i = 0; i < 250; i++) s.hub.publish(A, "stock:AAPL", { type: "bars", pad: big });
    await new Promise((r) => setTimeout(r, 5));
  }
  // the socket stays over the limit: the next publishes after maxLagMs close it
  for (let i = 0; i < 100 && s.hub.clients > 0; i++) {
    await new Promise((r) => setTimeout(r, 50));
    s.events.emit(A, "AAPL", i);
  }
  const text = await s.metrics.metrics();
  const dropped = Number(
    /mds_ws_dropped_messages_total\{reason="slow"\} (\d+)/.exec(text)?.[1] ?? 0,
  );
  assert(dropped > 1_000, `dropped ${dropped}`);
  assert(
    /mds_ws_closed_total\{reason="slow"\} 1/.test(text),
    text.split("\n").filter((l) => l.startsWith("mds_ws_closed")).join("\n"),
  );
  assertEquals(s.hub.clients, 0);
  // what was dropped was never queued: the hub keeps nothing per client (its unit tests show a
  // socket over the limit is sent nothing), so the server holds at most the limit for it; RSS is
  // too noisy on a shared machine to measure that here
  conn.close();
});
