// StreamHub over fake sockets: fan-out, tenant separation, replay and gaps, slow clients,
// heartbeats, failing sockets, shutdown, the memory caps and the metrics.
import { ValidationError } from "@mds/sql";
import { Registry } from "prom-client";
import { assert, assertEquals, assertIncludes, assertThrows } from "../testing/assert.ts";
import { hasPromtool, promtool } from "../testing/promtool.ts";
import { type HubSocket, StreamHub, type StreamHubOptions } from "./ws_hub.ts";

const A = "6f1c7a54-3b1e-4c8e-9a57-2d4be1f0a0c3";
const B = "0b9e2d11-7c4a-4f0e-8d3b-5a6c7e8f9a0b";

/** A socket that records what it is sent; `bufferedAmount` and failures are set by the test. */
class FakeSocket implements HubSocket {
  readonly sent: string[] = [];
  bufferedAmount = 0;
  readyState = 1;
  failing = false;
  closes: { code: number | undefined; reason: string | undefined }[] = [];
  send(data: string): void {
    if (this.failing) throw new Error("socket gone");
    this.sent.push(data);
  }
  close(code?: number, reason?: string): void {
    this.closes.push({ code, reason });
    this.readyState = 3;
  }
  /** What it was sent, parsed. */
  get messages(): Record<string, unknown>[] {
    return this.sent.map((t) => JSON.parse(t));
  }
  /** The sequence numbers of the stream messages it was sent. */
  get seqs(): number[] {
    return this.messages.filter((m) => m.type === "bar").map((m) => m.seq as number);
  }
  /** Forgets what it was sent. */
  reset(): void {
    this.sent.length = 0;
  }
}

/** A hub with no timer and a clock the test moves. */
function hub(options: StreamHubOptions = {}): { hub: StreamHub; clock: { t: number } } {
  const clock = { t: Date.UTC(2024, 0, 10, 15) };
  return { hub: new StreamHub({ heartbeatMs: 0, now: () => clock.t, ...options }), clock };
}

const bar = (i: number) => ({ type: "bar", close: 100 + i });
const range = (from: number, to: number) =>
  Array.from({ length: to - from + 1 }, (_, i) => from + i);

Deno.test("publish() fans live messages out to every client of the stream, in order", () => {
  using h = hub().hub;
  const sockets = [new FakeSocket(), new FakeSocket(), new FakeSocket()];
  for (const s of sockets) h.attach(s, { tenant: A, stream: "stock:AAPL" });
  assertEquals(h.clients, 3);
  const seqs = range(1, 5).map((i) => h.publish(A, "stock:AAPL", bar(i)));
  assertEquals(seqs, [1, 2, 3, 4, 5]);
  for (const s of sockets) {
    assertEquals(s.messages, range(1, 5).map((i) => ({ ...bar(i), stream: "stock:AAPL", seq: i })));
  }
  // another stream of the same tenant numbers on its own and reaches nobody here
  assertEquals(h.publish(A, "stock:MSFT", bar(9)), 1);
  for (const s of sockets) assertEquals(s.sent.length, 5);
});

Deno.test("a tenant's message never reaches another tenant's client on the same stream name", () => {
  using h = hub().hub;
  const a = new FakeSocket();
  const b = new FakeSocket();
  h.attach(a, { tenant: A, stream: "stock:AAPL" });
  h.attach(b, { tenant: B, stream: "stock:AAPL" });
  assertEquals(h.publish(A, "stock:AAPL", { type: "bar", tenant: "a" }), 1);
  assertEquals(h.publish(A, "stock:AAPL", { type: "bar", tenant: "a" }), 2);
  assertEquals(h.publish(B, "stock:AAPL", { type: "bar", tenant: "b" }), 1);
  assertEquals(a.messages.map((m) => m.tenant), ["a", "a"]);
  assertEquals(b.messages.map((m) => m.tenant), ["b"]);
  // nor through replay
  const late = new FakeSocket();
  h.attach(late, { tenant: B, stream: "stock:AAPL", since: 0 });
  assertEquals(late.messages, [{ type: "bar", tenant: "b", stream: "stock:AAPL", seq: 1 }]);
});

Deno.test("attach() with since replays exactly the messages missed while away, then live ones", () => {
  using h = hub().hub;
  const s = new FakeSocket();
  const first = h.attach(s, { tenant: A, stream: "stock:AAPL" });
  for (const i of range(1, 10)) h.publish(A, "stock:AAPL", bar(i));
  const last = s.seqs.at(-1)!;
  first.detach();
  for (const i of range(11, 60)) h.publish(A, "stock:AAPL", bar(i));

  const again = new FakeSocket();
  h.attach(again, { tenant: A, stream: "stock:AAPL", since: last });
  assertEquals(
    again.messages,
    range(11, 60).map((i) => ({ ...bar(i), stream: "stock:AAPL", seq: i })),
  );
  h.publish(A, "stock:AAPL", bar(61));
  assertEquals(again.seqs, range(11, 61));
  assertEquals(s.sent.length, 10, "a detached socket is sent nothing");
});

Deno.test("attach() without since sends live messages only; since at the latest replays nothing", () => {
  using h = hub().hub;
  for (const i of range(1, 3)) h.publish(A, "stock:AAPL", bar(i));
  const live = new FakeSocket();
  const current = new FakeSocket();
  h.attach(live, { tenant: A, stream: "stock:AAPL" });
  h.attach(current, { tenant: A, stream: "stock:AAPL", since: 3 });
  assertEquals(live.sent.length + current.sent.length, 0);
  h.publish(A, "stock:AAPL", bar(4));
  assertEquals(live.seqs, [4]);
  assertEquals(current.seqs, [4]);
});

Deno.test("attach() with since older than the buffer sends a gap message, then the buffer", () => {
  using h = hub({ replaySize: 10 }).hub;
  for (const i of range(1, 30)) h.publish(A, "stock:AAPL", bar(i));
  const s = new FakeSocket();
  h.attach(s, { tenant: A, stream: "stock:AAPL", since: 5 });
  assertEquals(s.messages[0], {
    type: "gap",
    stream: "stock:AAPL",
    reason: "evicted",
    from: 6,
    to: 20,
    oldest: 21,
  });
  assertEquals(s.seqs, range(21, 30));
  assertEquals(s.sent.length, 11);
});

Deno.test("replay is right from every since, however often the buffer has wrapped", () => {
  const { hub: h } = hub({ replaySize: 7 });
  using _ = h;
  for (let published = 0; published <= 40; published++) {
    if (published > 0) h.publish(A, "s", bar(published));
    for (let since = 0; since <= published; since++) {
      const s = new FakeSocket();
      const att = h.attach(s, { tenant: A, stream: "s", since });
      const oldest = Math.max(1, published - 6);
      const gap = since + 1 < oldest ? 1 : 0;
      assertEquals(s.seqs, range(Math.max(since + 1, oldest), published), `${published}/${since}`);
      assertEquals(s.sent.length, gap + s.seqs.length);
      att.detach();
    }
  }
});

Deno.test("attach() with since newer than the stream (a restarted hub) sends a reset, then the buffer", () => {
  using h = hub().hub;
  h.publish(A, "stock:AAPL", bar(1));
  h.publish(A, "stock:AAPL", bar(2));
  const s = new FakeSocket();
  h.attach(s, { tenant: A, stream: "stock:AAPL", since: 500 });
  assertEquals(s.messages[0], { type: "reset", stream: "stock:AAPL", seq: 2 });
  assertEquals(s.seqs, [1, 2]);
});

Deno.test("a slow socket's messages are dropped and counted; it is closed with 4008 after maxLagMs", async () => {
  const registry = new Registry();
  const { hub: h, clock } = hub({ maxBufferedBytes: 1000, maxLagMs: 5000, metrics: registry });
  using _ = h;
  const slow = new FakeSocket();
  const fast = new FakeSocket();
  h.attach(slow, { tenant: A, stream: "stock:AAPL" });
  h.attach(fast, { tenant: A, stream: "stock:AAPL" });
  h.publish(A, "stock:AAPL", bar(1));
  slow.bufferedAmount = 1001; // the client stopped reading
  for (const i of range(2, 6)) {
    h.publish(A, "stock:AAPL", bar(i));
    clock.t += 1000;
  }
  assertEquals(slow.seqs, [1]);
  assertEquals(slow.closes, [], "4 s over the limit is still allowed");
  assertEquals(fast.seqs, range(1, 6), "a slow client does not hold the others back");
  assertIncludes(await registry.metrics(), 'mds_ws_dropped_messages_total{reason="slow"} 5');

  clock.t += 1; // 5001 ms since it was first seen over the limit
  h.publish(A, "stock:AAPL", bar(7));
  assertEquals(slow.closes.length, 1);
  assertEquals(slow.closes[0]!.code, 4008);
  assert(slow.closes[0]!.reason!.startsWith("too slow: "), slow.closes[0]!.reason);
  assert(new TextEncoder().encode(slow.closes[0]!.reason).length <= 123, "fits a close frame");
  assertEquals(h.clients, 1);
  h.publish(A, "stock:AAPL", bar(8));
  assertEquals(slow.seqs, [1], "nothing after the close");
  assertEquals(fast.seqs, range(1, 8));
  const text = await registry.metrics();
  assertIncludes(text, 'mds_ws_dropped_messages_total{reason="slow"} 6');
  assertIncludes(text, 'mds_ws_closed_total{reason="slow"} 1');
  assertIncludes(text, "mds_ws_clients 1");
});

Deno.test("a socket that drains in time gets a gap message for what it missed, then live ones", () => {
  const { hub: h, clock } = hub({ maxBufferedBytes: 10, maxLagMs: 5000 });
  using _ = h;
  const s = new FakeSocket();
  h.attach(s, { tenant: A, stream: "stock:AAPL" });
  h.publish(A, "stock:AAPL", bar(1));
  s.bufferedAmount = 11;
  h.publish(A, "stock:AAPL", bar(2));
  clock.t += 4000;
  h.publish(A, "stock:AAPL", bar(3));
  s.bufferedAmount = 0;
  clock.t += 4000; // 8 s after it first fell behind, but it has caught up: the lag restarts
  h.publish(A, "stock:AAPL", bar(4));
  assertEquals(s.messages.slice(1, 3), [
    { type: "gap", stream: "stock:AAPL", reason: "slow", from: 2, to: 3, oldest: 1 },
    { ...bar(4), stream: "stock:AAPL", seq: 4 },
  ]);
  s.bufferedAmount = 11;
  clock.t += 4000;
  h.publish(A, "stock:AAPL", bar(5));
  assertEquals(s.closes, [], "over again for 0 ms only");
  // what it missed is still buffered: attaching again with since = from - 1 gets it back
  const again = new FakeSocket();
  h.attach(again, { tenant: A, stream: "stock:AAPL", since: 1 });
  assertEquals(again.seqs, [2, 3, 4, 5]);
});

Deno.test("runOnce() closes a socket that stays over the limit while nothing is published", () => {
  const { hub: h, clock } = hub({ maxBufferedBytes: 0, maxLagMs: 10_000 });
  using _ = h;
  const s = new FakeSocket();
  h.attach(s, { tenant: A, stream: "stock:AAPL" });
  s.bufferedAmount = 1;
  h.runOnce();
  clock.t += 9_999;
  h.runOnce();
  assertEquals(s.sent, [], "no heartbeat to a socket over the limit");
  assertEquals(s.closes, []);
  clock.t += 1;
  h.runOnce();
  assertEquals(s.closes.map((c) => c.code), [4008]);
  assertEquals(h.clients, 0);
});

Deno.test("runOnce() sends every client a heartbeat with its stream's latest seq and the time", () => {
  const { hub: h, clock } = hub();
  using _ = h;
  const a = new FakeSocket();
  const b = new FakeSocket();
  h.attach(a, { tenant: A, stream: "stock:AAPL" });
  h.attach(b, { tenant: B, stream: "options:SPY" });
  h.publish(A, "stock:AAPL", bar(1));
  h.publish(A, "stock:AAPL", bar(2));
  a.reset();
  clock.t = Date.UTC(2024, 0, 10, 15, 30);
  h.runOnce();
  assertEquals(a.messages, [
    { type: "heartbeat", stream: "stock:AAPL", seq: 2, ts: "2024-01-10T15:30:00.000Z" },
  ]);
  assertEquals(b.messages, [
    { type: "heartbeat", stream: "options:SPY", seq: 0, ts: "2024-01-10T15:30:00.000Z" },
  ]);
});

Deno.test("heartbeats run every heartbeatMs while a client is attached, and stop on detach", async () => {
  let ticks = 0; // each run of the timer reads the clock once
  await using h = new StreamHub({ heartbeatMs: 10, now: () => (ticks++, Date.now()) });
  const s = new FakeSocket();
  const att = h.attach(s, { tenant: A, stream: "stock:AAPL" });
  for (let i = 0; i < 100 && s.sent.length < 2; i++) await new Promise((r) => setTimeout(r, 10));
  assert(s.sent.length >= 2, `${s.sent.length} heartbeats`);
  assert(s.messages.every((m) => m.type === "heartbeat" && m.seq === 0));
  att.detach();
  const before = ticks;
  await new Promise((r) => setTimeout(r, 40));
  assertEquals(ticks, before, "no timer runs without a client");
});

Deno.test("a send that throws, or a closed socket, detaches the client", async () => {
  const registry = new Registry();
  using h = new StreamHub({ heartbeatMs: 0, metrics: registry });
  const failing = new FakeSocket();
  const closed = new FakeSocket();
  const fine = new FakeSocket();
  for (const s of [failing, closed, fine]) h.attach(s, { tenant: A, stream: "stock:AAPL" });
  failing.failing = true;
  closed.readyState = 3;
  h.publish(A, "stock:AAPL", bar(1));
  h.publish(A, "stock:AAPL", bar(2));
  assertEquals(h.clients, 1);
  assertEquals(fine.seqs, [1, 2]);
  assertEquals(closed.sent, []);
  assertIncludes(await registry.metrics(), 'mds_ws_closed_total{reason="gone"} 2');
});

Deno.test("one socket on two streams: both subscriptions end when it is closed as slow", () => {
  const { hub: h } = hub({ maxBufferedBytes: 0, maxLagMs: 0 });
  using _ = h;
  const s = new FakeSocket();
  const first = h.attach(s, { tenant: A, stream: "stock:AAPL" });
  const second = h.attach(s, { tenant: A, stream: "stock:MSFT" });
  assert(first.id !== second.id);
  assertEquals(h.clients, 2);
  s.bufferedAmount = 1;
  h.publish(A, "stock:MSFT", bar(1));
  assertEquals(s.closes.map((c) => c.code), [4008]);
  assertEquals(h.clients, 0);
  first.detach(); // the transport's close handler: harmless now
  assertEquals(h.clients, 0);
});

Deno.test("close() closes every socket with 1001; later attaches are closed and publishes dropped", async () => {
  const registry = new Registry();
  const h = new StreamHub({ heartbeatMs: 5, metrics: registry });
  const sockets = [new FakeSocket(), new FakeSocket(), new FakeSocket()];
  sockets.forEach((s, i) => h.attach(s, { tenant: i === 2 ? B : A, stream: "stock:AAPL" }));
  h.publish(A, "stock:AAPL", bar(1));
  h.close();
  for (const s of sockets) assertEquals(s.closes, [{ code: 1001, reason: "server shutting down" }]);
  assertEquals(h.clients, 0);
  assertEquals(h.publish(A, "stock:AAPL", bar(2)), 0);
  const late = new FakeSocket();
  const att = h.attach(late, { tenant: A, stream: "stock:AAPL", since: 0 });
  assertEquals(late.closes, [{ code: 1001, reason: "server shutting down" }]);
  assertEquals(late.sent, []);
  att.detach();
  h.close();
  await h[Symbol.asyncDispose]();
  const text = await registry.metrics();
  assertIncludes(text, 'mds_ws_closed_total{reason="shutdown"} 3');
  assertIncludes(text, "mds_ws_clients 0");
});

Deno.test("`using` closes the hub at the end of the block", () => {
  const s = new FakeSocket();
  {
    using h = new StreamHub();
    h.attach(s, { tenant: A, stream: "stock:AAPL" });
  }
  assertEquals(s.closes.map((c) => c.code), [1001]);
});

Deno.test("past maxStreams the least recently published stream's buffer is emptied", () => {
  using h = hub({ maxStreams: 2 }).hub;
  const watcher = new FakeSocket();
  h.attach(watcher, { tenant: A, stream: "s1" }); // keeps s1's numbering alive
  h.publish(A, "s1", bar(1));
  h.publish(A, "s2", bar(1));
  h.publish(A, "s3", bar(1));
  h.publish(A, "s2", bar(2));
  h.publish(A, "s4", bar(1)); // evicts s3, the least recently published now
  const replay = (stream: string, since: number) => {
    const s = new FakeSocket();
    h.attach(s, { tenant: A, stream, since }).detach();
    return s.messages.map((m) => m.type === "gap" ? `gap ${m.from}-${m.to}` : m.seq);
  };
  assertEquals(replay("s1", 0), ["gap 1-1"], "emptied, numbering kept for its client");
  assertEquals(replay("s2", 0), [1, 2]);
  assertEquals(replay("s4", 0), [1]);
  assertEquals(replay("s3", 0), [], "forgotten: it had no client");
  assertEquals(h.publish(A, "s3", bar(2)), 1, "a forgotten stream numbers from 1 again");
  assertEquals(h.publish(A, "s1", bar(2)), 2);
});

Deno.test("past maxReplayBytes the oldest buffers are emptied, then the newest stream trimmed", () => {
  const one = JSON.stringify({ ...bar(1), stream: "s1", seq: 1 }).length;
  using h = hub({ maxReplayBytes: one * 3 }).hub;
  const replay = (stream: string) => {
    const s = new FakeSocket();
    h.attach(s, { tenant: A, stream, since: 0 }).detach();
    return s.seqs;
  };
  h.publish(A, "s1", bar(1));
  h.publish(A, "s2", bar(1));
  h.publish(A, "s2", bar(2));
  assertEquals([replay("s1"), replay("s2")], [[1], [1, 2]]);
  h.publish(A, "s2", bar(3));
  assertEquals([replay("s1"), replay("s2")], [[], [1, 2, 3]]);
  h.publish(A, "s2", bar(4));
  assertEquals(replay("s2"), [2, 3, 4]);
});

Deno.test("the metrics are in the registry's exposition, latency measured from committedAt", async () => {
  const registry = new Registry();
  const { hub: h, clock } = hub({ metrics: registry });
  using _ = h;
  const s = new FakeSocket();
  h.attach(s, { tenant: A, stream: "stock:AAPL" });
  h.attach(new FakeSocket(), { tenant: A, stream: "stock:AAPL" });
  h.publish(A, "stock:AAPL", bar(1), clock.t - 20);
  h.publish(A, "stock:AAPL", bar(2)); // no commit time: not observed
  const text = await registry.metrics();
  for (
    const line of [
      "# TYPE mds_ws_clients gauge",
      "mds_ws_clients 2",
      "# TYPE mds_ws_dropped_messages_total counter",
      'mds_ws_dropped_messages_total{reason="slow"} 0',
      "# TYPE mds_ws_publish_latency_seconds histogram",
      'mds_ws_publish_latency_seconds_bucket{le="0.001"} 0',
      'mds_ws_publish_latency_seconds_bucket{le="0.025"} 2',
      'mds_ws_publish_latency_seconds_bucket{le="10"} 2',
      "mds_ws_publish_latency_seconds_count 2",
      "# TYPE mds_ws_closed_total counter",
      'mds_ws_closed_total{reason="client"} 0',
    ]
  ) assertIncludes(text, line);
  if (hasPromtool()) {
    const { code, output } = await promtool(text);
    assertEquals(code, 0, output);
  }
});

Deno.test("StreamHub refuses bad options, bad calls and a registry already holding its metrics", () => {
  for (
    const options of [
      { replaySize: 0 },
      { replaySize: 100_001 },
      { replaySize: 1.5 },
      { maxBufferedBytes: -1 },
      { maxLagMs: Number.NaN },
      { heartbeatMs: -5 },
      { maxStreams: 0 },
    ]
  ) assertThrows(() => new StreamHub(options), ValidationError);
  const err = assertThrows(() => new StreamHub({ replaySize: 0 }), ValidationError);
  assertIncludes(err.message, '"replaySize" is 0');

  const registry = new Registry();
  using h = new StreamHub({ heartbeatMs: 0, metrics: registry });
  assertThrows(() => new StreamHub({ metrics: registry }), TypeError);

  const s = new FakeSocket();
  assertThrows(() => h.publish(A, "s", { type: "heartbeat" }), ValidationError);
  assertThrows(() => h.publish(A, "s", { type: "" }), ValidationError);
  assertThrows(() => h.publish("", "s", bar(1)), ValidationError);
  assertThrows(() => h.publish(A, "s", { type: "bar", n: 1n }), ValidationError);
  assertThrows(() => h.publish(A, "s", bar(1), Number.NaN), ValidationError);
  assertThrows(() => h.attach(s, { tenant: A, stream: "s", since: -1 }), ValidationError);
  assertThrows(() => h.attach(s, { tenant: A, stream: "x".repeat(257) }), ValidationError);
  assertEquals(h.publish(A, "s", bar(1)), 1, "a refused message takes no number");
  assertEquals(h.clients, 0);
});

Deno.test("over a real WebSocket on loopback: replay, live messages, then 1001 on close()", async () => {
  const hub = new StreamHub({ heartbeatMs: 0 });
  hub.publish(A, "stock:AAPL", bar(1));
  hub.publish(A, "stock:AAPL", bar(2));
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, (req) => {
    const { socket, response } = Deno.upgradeWebSocket(req);
    let attachment: { detach(): void } | undefined;
    socket.onopen = () => {
      attachment = hub.attach(socket, { tenant: A, stream: "stock:AAPL", since: 1 });
      hub.publish(A, "stock:AAPL", bar(3));
    };
    socket.onclose = () => attachment?.detach();
    return response;
  });
  const ws = new WebSocket(`ws://127.0.0.1:${server.addr.port}/`);
  const got: Record<string, unknown>[] = [];
  const closed = Promise.withResolvers<CloseEvent>();
  ws.onmessage = (e) => {
    got.push(JSON.parse(e.data));
    if (got.length === 2) hub.close();
  };
  ws.onclose = (e) => closed.resolve(e);
  const event = await closed.promise;
  await server.shutdown();
  assertEquals(got.map((m) => m.seq), [2, 3]);
  assertEquals([event.code, event.reason], [1001, "server shutting down"]);
  assertEquals(hub.clients, 0);
});
