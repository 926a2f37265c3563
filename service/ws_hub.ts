import type { MetricsRegistry } from "@mds/providers";
import { ValidationError } from "@mds/sql";
import { Counter, Gauge, Histogram, Registry } from "prom-client";

/**
 * What the hub needs of a socket. Deno's `WebSocket` fits, and so does Hono's `WSContext`,
 * though the latter has no `bufferedAmount`: pass its `raw` socket (Deno's) where you can, or
 * the hub cannot see a slow client.
 */
export interface HubSocket {
  /**
   * Sends one text message; throwing means the socket is gone.
   *
   * @param data The message.
   */
  send(data: string): void;
  /**
   * Closes the socket.
   *
   * @param code The close code.
   * @param reason The close reason.
   */
  close(code?: number, reason?: string): void;
  /** Bytes sent but not yet written to the network; without it the client is never slow. */
  readonly bufferedAmount?: number;
  /** The WebSocket `readyState`; at 2 (closing) or 3 (closed) the client is detached. */
  readonly readyState?: number;
}

/** How a {@linkcode StreamHub} buffers, protects itself from slow clients and says it is alive. */
export interface StreamHubOptions {
  /** Messages kept per stream for replay, 1 to 100000. @default {1000} */
  replaySize?: number | undefined;
  /**
   * Size of the JSON kept in all replay buffers together, counted in characters (bytes, for
   * ASCII); past it, the buffers of the streams least recently published to are emptied (the
   * newest message of the stream just published to always stays).
   * @default {134217728} (128 Mi)
   */
  maxReplayBytes?: number | undefined;
  /**
   * Streams whose replay buffer is kept, 1 to 1000000; past it, the buffer of the stream least
   * recently published to is emptied. @default {10000}
   */
  maxStreams?: number | undefined;
  /**
   * A client whose socket buffers more than this many bytes is sent nothing: its messages are
   * dropped and counted, and a `gap` message tells it once it has caught up. @default {1048576}
   */
  maxBufferedBytes?: number | undefined;
  /**
   * A socket that stays over `maxBufferedBytes` this long, in milliseconds, is closed with code
   * 4008 and a reason starting `too slow:`. Checked on every publish to it and every heartbeat.
   * @default {10000}
   */
  maxLagMs?: number | undefined;
  /**
   * Milliseconds between heartbeats to every client; 0 sends none (and checks slow clients on
   * publish only). @default {15000}
   */
  heartbeatMs?: number | undefined;
  /** Where the metrics are registered: a prom-client `Registry`. @default {a new private one} */
  metrics?: MetricsRegistry | undefined;
  /** The clock, epoch milliseconds; `committedAt` is measured against it. @default {Date.now} */
  now?: (() => number) | undefined;
}

/** A message to publish: an object with a `type`; `stream` and `seq` are set by the hub. */
export interface HubMessage {
  /** What it is, e.g. `bars`; not one of the hub's own `gap`, `heartbeat` or `reset`. */
  type: string;
  /** Anything else that serialises as JSON. */
  [k: string]: unknown;
}

/** Which stream of which tenant a socket follows, and from where. */
export interface HubSubscription {
  /** The tenant; a stream is never shared between tenants. */
  tenant: string;
  /** The stream, e.g. `stock:AAPL`. */
  stream: string;
  /** The last sequence number the client saw: what is buffered after it is sent first. */
  since?: number | undefined;
}

/** A socket attached to a stream by {@linkcode StreamHub.attach}. */
export interface HubAttachment {
  /** Stops sending to the socket (it is not closed); calling it again does nothing. */
  detach(): void;
  /** Unique within the hub. */
  readonly id: number;
}

/**
 * Sent before a stream's next message when the client will not get `from` to `to`: on attach
 * when they were evicted from the replay buffer (`reason: "evicted"`), or after the socket was
 * over `maxBufferedBytes` (`reason: "slow"`). Attach again with `since: from - 1` to get back
 * what is still buffered, from `oldest` on.
 */
export interface HubGapMessage {
  /** Always `gap`. */
  type: "gap";
  /** The stream. */
  stream: string;
  /** Why. */
  reason: "evicted" | "slow";
  /** First sequence number missed. */
  from: number;
  /** Last sequence number missed. */
  to: number;
  /** First sequence number the hub still buffers (the latest plus one when none is). */
  oldest: number;
}

/**
 * Sent on attach when `since` is newer than anything the stream has published: the server
 * restarted or forgot the stream, so its numbering started again. Everything still buffered
 * follows; discard what `since` was based on.
 */
export interface HubResetMessage {
  /** Always `reset`. */
  type: "reset";
  /** The stream. */
  stream: string;
  /** The stream's latest sequence number, 0 when it has published nothing. */
  seq: number;
}

/** Sent to every client each `heartbeatMs`. */
export interface HubHeartbeatMessage {
  /** Always `heartbeat`. */
  type: "heartbeat";
  /** The stream. */
  stream: string;
  /** The stream's latest sequence number. */
  seq: number;
  /** The hub's time, ISO 8601. */
  ts: string;
}

const CONTROL_TYPES: readonly string[] = ["gap", "heartbeat", "reset"];
/** Why an attachment ended, the `reason` label of `mds_ws_closed_total`. */
const CLOSE_REASONS = ["client", "slow", "gone", "shutdown"] as const;
type CloseReason = typeof CLOSE_REASONS[number];
/** Why a message was not sent, the `reason` label of `mds_ws_dropped_messages_total`. */
const DROP_REASONS = ["slow"] as const;
/** Socket-write latency buckets, seconds: 1 ms to 10 s. */
const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
const CLOSE_SLOW = 4008;
const CLOSE_SHUTDOWN = 1001;
const MAX_NAME = 256;

/** A ring of at most `limit` items that grows as it fills. */
class Ring<T> {
  #buf: (T | undefined)[] = [];
  #head = 0;
  #size = 0;
  constructor(readonly limit: number) {}
  get size(): number {
    return this.#size;
  }
  /** The `i`-th item, 0 being the oldest. */
  at(i: number): T {
    return this.#buf[(this.#head + i) % this.#buf.length] as T;
  }
  /** Appends; returns the item evicted to make room. */
  push(item: T): T | undefined {
    const evicted = this.#size === this.limit ? this.shift() : undefined;
    if (this.#size === this.#buf.length) {
      const grown: (T | undefined)[] = [];
      for (let i = 0; i < this.#size; i++) grown.push(this.at(i));
      grown.length = Math.min(this.limit, Math.max(16, this.#size * 2));
      this.#buf = grown;
      this.#head = 0;
    }
    this.#buf[(this.#head + this.#size) % this.#buf.length] = item;
    this.#size++;
    return evicted;
  }
  /** Removes and returns the oldest item. */
  shift(): T | undefined {
    if (this.#size === 0) return undefined;
    const item = this.#buf[this.#head];
    this.#buf[this.#head] = undefined;
    this.#head = (this.#head + 1) % this.#buf.length;
    this.#size--;
    return item;
  }
  clear(): void {
    this.#buf = [];
    this.#head = 0;
    this.#size = 0;
  }
}

interface Entry {
  seq: number;
  text: string;
}

interface StreamState {
  key: string;
  stream: string;
  /** Latest sequence number. */
  seq: number;
  ring: Ring<Entry>;
  /** Characters of JSON in `ring`. */
  chars: number;
  clients: Set<Client>;
}

interface SocketState {
  socket: HubSocket;
  clients: Set<Client>;
  /** When the socket was first seen over the limit, this time round. */
  slowSince: number | undefined;
}

interface Client {
  id: number;
  state: StreamState;
  sock: SocketState;
  attached: boolean;
  /** Sequence numbers dropped while slow, not yet reported by a gap message. */
  missed: { from: number; to: number } | undefined;
}

/**
 * Fans live messages out to WebSocket clients, independent of the transport: numbered per
 * tenant and stream (1, 2, ...), with a bounded replay buffer per stream, protection from slow
 * clients and heartbeats. Messages go out as JSON text, `{ ...message, stream, seq }`; a tenant's
 * stream is never seen by another tenant's clients.
 *
 * Memory is bounded by the replay buffers (`replaySize` messages per stream, `maxStreams`
 * streams, `maxReplayBytes` in all) plus one small record per attached socket: the hub never
 * queues per client. A socket buffering more than `maxBufferedBytes` is skipped (its messages
 * are dropped and counted) and closed with code 4008 once it has been over for `maxLagMs`, so a
 * client that never reads cannot grow the server's memory. A stream with no clients and an
 * empty buffer is forgotten; its numbering then starts again at 1, which a client attaching with
 * `since` sees as a `reset` message.
 *
 * Control messages: `gap` ({@linkcode HubGapMessage}), `reset` ({@linkcode HubResetMessage})
 * and `heartbeat` ({@linkcode HubHeartbeatMessage}). A `send` that throws, or a `readyState` of
 * closing or closed, detaches every subscription of that socket.
 *
 * | metric | type | labels |
 * |---|---|---|
 * | `mds_ws_clients` | gauge | |
 * | `mds_ws_dropped_messages_total` | counter | reason (`slow`) |
 * | `mds_ws_publish_latency_seconds` | histogram (`committedAt` to socket write, live sends) | |
 * | `mds_ws_closed_total` | counter | reason (`client`, `slow`, `gone`, `shutdown`) |
 *
 * @example Publish, attach with replay, receive live
 * ```ts
 * import { StreamHub } from "@mds/service";
 * import assert from "node:assert/strict";
 *
 * using hub = new StreamHub({ heartbeatMs: 0 });
 * const tenant = "6f1c7a54-3b1e-4c8e-9a57-2d4be1f0a0c3";
 * hub.publish(tenant, "stock:AAPL", { type: "quote", bid: 189.9 });
 * hub.publish(tenant, "stock:AAPL", { type: "quote", bid: 190.1 });
 *
 * const got: unknown[] = [];
 * const socket = { send: (text: string) => void got.push(JSON.parse(text)), close() {} };
 * const client = hub.attach(socket, { tenant, stream: "stock:AAPL", since: 1 });
 * assert.equal(hub.publish(tenant, "stock:AAPL", { type: "quote", bid: 190.2 }, Date.now()), 3);
 * hub.publish("another-tenant", "stock:AAPL", { type: "quote", bid: 1 }); // not for this client
 * assert.deepEqual(got, [
 *   { type: "quote", bid: 190.1, stream: "stock:AAPL", seq: 2 },
 *   { type: "quote", bid: 190.2, stream: "stock:AAPL", seq: 3 },
 * ]);
 * client.detach();
 * assert.equal(hub.clients, 0);
 * assert.match(await hub.registry.metrics(), /mds_ws_closed_total\{reason="client"\} 1/);
 * ```
 */
export class StreamHub implements Disposable, AsyncDisposable {
  /** The registry the metrics are on; render it with `registry.metrics()`. */
  readonly registry: MetricsRegistry;
  readonly #replaySize: number;
  readonly #maxReplayChars: number;
  readonly #maxStreams: number;
  readonly #maxBuffered: number;
  readonly #maxLagMs: number;
  readonly #heartbeatMs: number;
  readonly #now: () => number;
  /** Every known stream, by tenant and name. */
  readonly #streams = new Map<string, StreamState>();
  /** Streams with a non-empty buffer, least recently published first. */
  readonly #buffered = new Map<string, StreamState>();
  readonly #sockets = new Map<HubSocket, SocketState>();
  #chars = 0;
  #clients = 0;
  #nextId = 1;
  #timer: ReturnType<typeof setInterval> | undefined;
  #closed = false;
  readonly #gauge: Gauge;
  readonly #dropped: Counter<"reason">;
  readonly #latency: Histogram;
  readonly #ended: Counter<"reason">;

  /**
   * Creates a hub; its heartbeat timer runs while a client is attached.
   *
   * @param options Buffers, limits, heartbeat, metrics and clock.
   * @throws {ValidationError} Naming the first option out of range.
   * @throws {TypeError} When the registry already holds the hub's metrics (one hub per
   *   registry).
   */
  constructor(options: StreamHubOptions = {}) {
    const whole = (field: string, value: unknown, fallback: number, min: number, max: number) => {
      if (value === undefined) return fallback;
      if (typeof value !== "number" || !Number.isInteger(value) || value < min || value > max) {
        throw new ValidationError({
          kind: "stream hub option",
          field,
          value,
          reason: `must be a whole number from ${min} to ${max}`,
        });
      }
      return value;
    };
    this.#replaySize = whole("replaySize", options.replaySize, 1000, 1, 100_000);
    this.#maxReplayChars = whole(
      "maxReplayBytes",
      options.maxReplayBytes,
      128 * 2 ** 20,
      1,
      2 ** 40,
    );
    this.#maxStreams = whole("maxStreams", options.maxStreams, 10_000, 1, 1_000_000);
    this.#maxBuffered = whole("maxBufferedBytes", options.maxBufferedBytes, 2 ** 20, 0, 2 ** 40);
    this.#maxLagMs = whole("maxLagMs", options.maxLagMs, 10_000, 0, 86_400_000);
    this.#heartbeatMs = whole("heartbeatMs", options.heartbeatMs, 15_000, 0, 86_400_000);
    if (options.now !== undefined && typeof options.now !== "function") {
      throw new ValidationError({
        kind: "stream hub option",
        field: "now",
        value: options.now,
        reason: "must be a function returning epoch milliseconds",
      });
    }
    this.#now = options.now ?? Date.now;

    this.registry = options.metrics ?? new Registry();
    const registers = [this.registry as unknown as Registry];
    for (
      const name of [
        "mds_ws_clients",
        "mds_ws_dropped_messages_total",
        "mds_ws_publish_latency_seconds",
        "mds_ws_closed_total",
      ]
    ) {
      if (this.registry.getSingleMetric(name) !== undefined) {
        throw new TypeError(
          `Metric "${name}" is already registered: give each stream hub its own metrics registry`,
        );
      }
    }
    this.#gauge = new Gauge({
      name: "mds_ws_clients",
      help: "Subscriptions of WebSocket clients to live streams attached to the hub.",
      registers,
    });
    this.#dropped = new Counter({
      name: "mds_ws_dropped_messages_total",
      help: "Live messages not sent to a client, by reason (slow: its socket buffered too much).",
      labelNames: ["reason"],
      registers,
    });
    this.#latency = new Histogram({
      name: "mds_ws_publish_latency_seconds",
      help: "Time from a write's commit to its live message being written to a socket, in seconds.",
      buckets: LATENCY_BUCKETS,
      registers,
    });
    this.#ended = new Counter({
      name: "mds_ws_closed_total",
      help:
        "Subscriptions ended, by reason (client: detached, slow: closed with 4008, gone: the socket failed, shutdown).",
      labelNames: ["reason"],
      registers,
    });
    for (const reason of DROP_REASONS) this.#dropped.inc({ reason }, 0);
    for (const reason of CLOSE_REASONS) this.#ended.inc({ reason }, 0);
  }

  /** Subscriptions attached now (a socket attached to two streams counts twice). */
  get clients(): number {
    return this.#clients;
  }

  /**
   * Publishes one message on a stream of a tenant and sends it to the stream's clients.
   *
   * @param tenant The tenant.
   * @param stream The stream, e.g. `stock:AAPL`.
   * @param message The message; sent as `{ ...message, stream, seq }`.
   * @param committedAt When its data was committed, epoch milliseconds; feeds
   *   `mds_ws_publish_latency_seconds` at each socket write.
   * @returns Its sequence number (1, 2, ... per tenant and stream), or 0 once the hub is closed
   *   (the message is then dropped).
   * @throws {ValidationError} For an empty or over-long tenant or stream, a message that is not
   *   an object with a `type`, a reserved `type` (`gap`, `heartbeat`, `reset`), a message that
   *   does not serialise as JSON, or a `committedAt` that is not a finite time.
   */
  publish(tenant: string, stream: string, message: HubMessage, committedAt?: number): number {
    const refuse = (field: string, value: unknown, reason: string) =>
      new ValidationError({ kind: "hub message", field, value, reason });
    name("hub message", "tenant", tenant);
    name("hub message", "stream", stream);
    if (typeof message !== "object" || message === null || Array.isArray(message)) {
      throw refuse("message", message, "must be an object with a type");
    }
    if (typeof message.type !== "string" || message.type === "") {
      throw refuse("type", message.type, "must be a non-empty string");
    }
    if (CONTROL_TYPES.includes(message.type)) {
      throw refuse("type", message.type, "is reserved for the hub's own messages");
    }
    if (
      committedAt !== undefined &&
      (typeof committedAt !== "number" || !Number.isFinite(committedAt))
    ) {
      throw refuse("committedAt", committedAt, "must be epoch milliseconds");
    }
    if (this.#closed) return 0;

    const key = JSON.stringify([tenant, stream]);
    const found = this.#streams.get(key);
    const seq = (found?.seq ?? 0) + 1;
    let text: string;
    try {
      text = JSON.stringify({ ...message, stream, seq });
    } catch (err) {
      throw refuse("message", message, `does not serialise as JSON: ${String(err)}`);
    }
    const state = found ?? this.#state(key, stream);
    state.seq = seq;
    this.#buffer(state, { seq, text });

    if (state.clients.size === 0) return seq;
    const now = this.#now();
    const latency = committedAt === undefined ? undefined : Math.max(0, now - committedAt) / 1000;
    for (const client of [...state.clients]) {
      if (this.#deliver(client, seq, text, now) && latency !== undefined) {
        this.#latency.observe(latency);
      }
    }
    return seq;
  }

  /**
   * Attaches a socket to one tenant's stream. With `since`, what is buffered after it is sent
   * first, in order; when messages after `since` were already evicted, a `gap` message
   * (`reason: "evicted"`) comes first; when `since` is newer than the stream's latest number, a
   * `reset` message comes first, then everything buffered. Without `since`: live messages only.
   * After {@linkcode StreamHub.close} the socket is closed with 1001 at once.
   *
   * @param socket The socket; one socket may be attached to several streams.
   * @param subscription Tenant, stream and the last sequence number seen.
   * @returns The attachment; call `detach()` when the socket closes.
   * @throws {ValidationError} For an empty or over-long tenant or stream, or a `since` that is
   *   not a whole number >= 0.
   */
  attach(socket: HubSocket, subscription: HubSubscription): HubAttachment {
    const { tenant, stream, since } = subscription;
    name("hub subscription", "tenant", tenant);
    name("hub subscription", "stream", stream);
    if (since !== undefined && (!Number.isSafeInteger(since) || since < 0)) {
      throw new ValidationError({
        kind: "hub subscription",
        field: "since",
        value: since,
        reason: "must be a whole number >= 0",
      });
    }
    const id = this.#nextId++;
    if (this.#closed) {
      try {
        socket.close(CLOSE_SHUTDOWN, "server shutting down");
      } catch {
        // already closed: nothing left to tell it
      }
      return { id, detach() {} };
    }
    const key = JSON.stringify([tenant, stream]);
    const state = this.#streams.get(key) ?? this.#state(key, stream);
    let sock = this.#sockets.get(socket);
    if (sock === undefined) {
      sock = { socket, clients: new Set(), slowSince: undefined };
      this.#sockets.set(socket, sock);
    }
    const client: Client = { id, state, sock, attached: true, missed: undefined };
    state.clients.add(client);
    sock.clients.add(client);
    this.#clients++;
    this.#gauge.set(this.#clients);
    if (this.#timer === undefined && this.#heartbeatMs > 0) {
      this.#timer = setInterval(() => this.runOnce(), this.#heartbeatMs);
    }
    if (since !== undefined) this.#replay(client, since);
    return { id, detach: () => this.#detach(client, "client") };
  }

  /**
   * Sends a heartbeat to every client and closes the sockets that have been over
   * `maxBufferedBytes` for `maxLagMs`; the hub's timer calls it every `heartbeatMs`.
   */
  runOnce(): void {
    const now = this.#now();
    const ts = new Date(now).toISOString();
    for (const state of [...this.#streams.values()]) {
      if (state.clients.size === 0) continue;
      const beat: HubHeartbeatMessage = {
        type: "heartbeat",
        stream: state.stream,
        seq: state.seq,
        ts,
      };
      const text = JSON.stringify(beat);
      for (const client of [...state.clients]) this.#deliver(client, undefined, text, now);
    }
  }

  /**
   * Stops the heartbeats, closes every socket with 1001 "server shutting down" and empties the
   * buffers. Later publishes are dropped; calling it again does nothing.
   */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#stopTimer();
    for (const sock of [...this.#sockets.values()]) {
      this.#end(sock, "shutdown", CLOSE_SHUTDOWN, "server shutting down");
    }
    this.#streams.clear();
    this.#buffered.clear();
    this.#chars = 0;
  }

  /** Closes the hub, as {@linkcode StreamHub.close}. */
  [Symbol.dispose](): void {
    this.close();
  }

  /**
   * Closes the hub, as {@linkcode StreamHub.close}.
   *
   * @returns Once closed.
   */
  [Symbol.asyncDispose](): Promise<void> {
    this.close();
    return Promise.resolve();
  }

  #state(key: string, stream: string): StreamState {
    const state: StreamState = {
      key,
      stream,
      seq: 0,
      ring: new Ring(this.#replaySize),
      chars: 0,
      clients: new Set(),
    };
    this.#streams.set(key, state);
    return state;
  }

  /** Adds to a stream's buffer, then holds every buffer to the limits. */
  #buffer(state: StreamState, entry: Entry): void {
    const evicted = state.ring.push(entry);
    const delta = entry.text.length - (evicted?.text.length ?? 0);
    state.chars += delta;
    this.#chars += delta;
    this.#buffered.delete(state.key);
    this.#buffered.set(state.key, state);
    for (const oldest of this.#buffered.values()) {
      if (this.#buffered.size <= this.#maxStreams && this.#chars <= this.#maxReplayChars) break;
      if (oldest !== state) {
        this.#empty(oldest);
        continue;
      }
      // only this stream is left over the limit: trim it, keeping its newest message
      while (this.#chars > this.#maxReplayChars && state.ring.size > 1) {
        const gone = state.ring.shift()!;
        state.chars -= gone.text.length;
        this.#chars -= gone.text.length;
      }
      break;
    }
  }

  #empty(state: StreamState): void {
    this.#chars -= state.chars;
    state.chars = 0;
    state.ring.clear();
    this.#buffered.delete(state.key);
    if (state.clients.size === 0) this.#streams.delete(state.key);
  }

  #oldest(state: StreamState): number {
    return state.ring.size > 0 ? state.ring.at(0).seq : state.seq + 1;
  }

  #replay(client: Client, since: number): void {
    const { state } = client;
    const oldest = this.#oldest(state);
    let from = since + 1;
    if (since > state.seq) {
      const reset: HubResetMessage = { type: "reset", stream: state.stream, seq: state.seq };
      if (!this.#send(client.sock, JSON.stringify(reset))) return;
      from = oldest;
    } else if (from < oldest) {
      const gap: HubGapMessage = {
        type: "gap",
        stream: state.stream,
        reason: "evicted",
        from,
        to: oldest - 1,
        oldest,
      };
      if (!this.#send(client.sock, JSON.stringify(gap))) return;
      from = oldest;
    }
    // copied first: a socket's send may publish to this stream and move the ring
    const entries: Entry[] = [];
    for (let seq = from; seq <= state.seq; seq++) entries.push(state.ring.at(seq - oldest));
    const now = this.#now();
    for (const entry of entries) {
      if (!client.attached) break;
      this.#deliver(client, entry.seq, entry.text, now);
    }
  }

  /**
   * Sends a message (`seq` undefined: a heartbeat) to a client unless its socket is over the
   * limit or gone; reports a pending gap first. Returns whether it was written.
   */
  #deliver(client: Client, seq: number | undefined, text: string, now: number): boolean {
    if (!client.attached) return false;
    const sock = client.sock;
    const ready = sock.socket.readyState;
    if (ready !== undefined && ready >= 2) {
      this.#end(sock, "gone");
      return false;
    }
    const buffered = sock.socket.bufferedAmount ?? 0;
    if (buffered > this.#maxBuffered) {
      sock.slowSince ??= now;
      const lag = now - sock.slowSince;
      if (seq !== undefined) {
        this.#dropped.inc({ reason: "slow" });
        client.missed = { from: client.missed?.from ?? seq, to: seq };
      }
      if (lag >= this.#maxLagMs) {
        const reason = `too slow: over ${this.#maxBuffered} bytes buffered for ${lag} ms`;
        this.#end(sock, "slow", CLOSE_SLOW, reason);
      }
      return false;
    }
    sock.slowSince = undefined;
    if (client.missed !== undefined) {
      const gap: HubGapMessage = {
        type: "gap",
        stream: client.state.stream,
        reason: "slow",
        ...client.missed,
        oldest: this.#oldest(client.state),
      };
      client.missed = undefined;
      if (!this.#send(sock, JSON.stringify(gap))) return false;
    }
    return this.#send(sock, text);
  }

  #send(sock: SocketState, text: string): boolean {
    try {
      sock.socket.send(text);
      return true;
    } catch {
      // the socket is gone: its subscriptions end (counted as "gone"), nothing more to do
      this.#end(sock, "gone");
      return false;
    }
  }

  /** Ends every subscription of a socket, then closes it when a code is given. */
  #end(sock: SocketState, reason: CloseReason, code?: number, text?: string): void {
    for (const client of [...sock.clients]) this.#detach(client, reason);
    if (code === undefined) return;
    try {
      sock.socket.close(code, text);
    } catch {
      // already closed
    }
  }

  #detach(client: Client, reason: CloseReason): void {
    if (!client.attached) return;
    client.attached = false;
    const { state, sock } = client;
    state.clients.delete(client);
    sock.clients.delete(client);
    if (sock.clients.size === 0) this.#sockets.delete(sock.socket);
    if (state.clients.size === 0 && state.ring.size === 0) this.#streams.delete(state.key);
    this.#clients--;
    this.#gauge.set(this.#clients);
    this.#ended.inc({ reason });
    if (this.#clients === 0) this.#stopTimer();
  }

  #stopTimer(): void {
    if (this.#timer === undefined) return;
    clearInterval(this.#timer);
    this.#timer = undefined;
  }
}

/** Refuses an empty, over-long or non-string tenant or stream name. */
function name(kind: string, field: string, value: unknown): void {
  if (typeof value !== "string" || value === "" || value.length > MAX_NAME) {
    throw new ValidationError({
      kind,
      field,
      value,
      reason: `must be a string of 1 to ${MAX_NAME} characters`,
    });
  }
}
