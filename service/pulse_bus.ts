// The pulse bus: where an API process hears of committed writes. In memory, fed by the client's
// onPulse callback; or over PostgreSQL LISTEN, hearing every writer of the store.
import type { MdsClient } from "@mds/client";
import type { MetricsRegistry } from "@mds/providers";
import {
  decodePulse,
  isPulseStream,
  MdsError,
  parsePulseEvent,
  PULSE_CHANNEL,
  type PulseEvent,
  type PulseRef,
} from "@mds/sql";
import { PulseMetrics, UNKNOWN_STREAM } from "./pulse_metrics.ts";

/**
 * Where committed writes' events come from: subscribers get each {@linkcode PulseEvent} once,
 * between `start()` and `close()`.
 */
export interface PulseBus {
  /**
   * Calls `fn` for each event from now on. What `fn` throws is logged and counted, never passed
   * to the other subscribers or the bus.
   *
   * @param fn The subscriber.
   * @returns Its unsubscribe.
   */
  subscribe(fn: (e: PulseEvent) => void): () => void;
  /** Starts receiving events; calling it again does nothing. */
  start(): Promise<void>;
  /** Stops receiving events and waits for the ones in hand to be dispatched. */
  close(): Promise<void>;
}

/** Options every pulse bus takes. */
export interface PulseBusOptions {
  /** Where the bus's metrics go. @default {a new private prom-client `Registry`} */
  registry?: MetricsRegistry | undefined;
  /**
   * Log lines: `pulse_invalid`, `pulse_dropped`, `pulse_subscriber_failed` (each with `code`
   * and `error`) and `pulse_listening` (with `reconnect`). @default {none}
   */
  log?: ((event: string, fields: Record<string, unknown>) => void) | undefined;
  /** The clock of the latency metric, epoch milliseconds. @default {Date.now} */
  now?: (() => number) | undefined;
}

function codeOf(err: unknown): string {
  return err instanceof MdsError ? err.code : "MDS_INTERNAL";
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** Subscribers, metrics and logging, shared by both buses. */
class Dispatcher {
  readonly metrics: PulseMetrics;
  readonly log: (event: string, fields: Record<string, unknown>) => void;
  readonly #now: () => number;
  readonly #subscribers = new Set<(e: PulseEvent) => void>();

  constructor(options: PulseBusOptions) {
    this.metrics = new PulseMetrics(options.registry);
    this.log = options.log ?? (() => {});
    this.#now = options.now ?? Date.now;
  }

  subscribe(fn: (e: PulseEvent) => void): () => void {
    // a wrapper per call, so subscribing one function twice gives two independent subscriptions
    const entry = (e: PulseEvent) => fn(e);
    this.#subscribers.add(entry);
    return () => this.#subscribers.delete(entry);
  }

  dispatch(event: PulseEvent): void {
    this.metrics.delivered(event.stream, (this.#now() - event.at) / 1000);
    for (const fn of [...this.#subscribers]) {
      try {
        fn(event);
      } catch (err) {
        this.metrics.subscriberError(event.stream);
        this.log("pulse_subscriber_failed", {
          stream: event.stream,
          code: codeOf(err),
          error: messageOf(err),
        });
      }
    }
  }

  invalid(stream: unknown, err: unknown): void {
    this.metrics.count(isPulseStream(stream) ? stream : UNKNOWN_STREAM, "invalid");
    this.log("pulse_invalid", { code: codeOf(err), error: messageOf(err) });
  }

  dropped(stream: PulseEvent["stream"], code: string, error: string): void {
    this.metrics.count(stream, "dropped");
    this.log("pulse_dropped", { stream, code, error });
  }
}

/**
 * A pulse bus in process memory, fed by the client's `onPulse` callback: it hears the writes of
 * the clients wired to it, in this process only. The bus of an embedded store, which one process
 * at a time may open. Events are dispatched synchronously, inside {@linkcode InmemPulseBus.publish};
 * events published before `start()` or after `close()` are dropped (and counted).
 *
 * @example Wire it to a client
 * ```ts
 * import { createClient } from "@mds/client";
 * import type { PulseEvent } from "@mds/sql";
 * import { InmemPulseBus } from "@mds/service";
 * import assert from "node:assert/strict";
 *
 * await using bus = new InmemPulseBus();
 * await using client = await createClient({ memory: true, onPulse: (evs) => bus.publish(evs) });
 * const seen: PulseEvent[] = [];
 * bus.subscribe((e) => seen.push(e));
 * await bus.start();
 * await client.tenant("6f1c7a54-3b1e-4c8e-9a57-2d4be1f0a001").upsertQuotes([
 *   { ts: "2024-01-02T14:30:00Z", vendor: "v", symbol: "AAPL", bid: 185.1, ask: 185.2 },
 *   { ts: "2024-01-02T14:30:01Z", vendor: "v", symbol: "AAPL", bid: 185.15, ask: 185.2 },
 * ]);
 * assert.equal(seen.length, 1);
 * assert.deepEqual(seen[0]?.rows.map((r) => r.bid), [185.15]);
 * assert.match(await bus.registry.metrics(), /mds_pulse_publish_total\{stream="quotes",outcome="delivered"\} 1/);
 * ```
 */
export class InmemPulseBus implements PulseBus, AsyncDisposable {
  readonly #d: Dispatcher;
  #running = false;

  /**
   * Creates the bus, stopped.
   *
   * @param options Metrics registry, log and clock.
   * @throws {TypeError} When the registry already holds the pulse metrics.
   */
  constructor(options: PulseBusOptions = {}) {
    this.#d = new Dispatcher(options);
  }

  /** The registry of the bus's metrics. */
  get registry(): MetricsRegistry {
    return this.#d.metrics.registry;
  }

  /**
   * Calls `fn` for each event from now on.
   *
   * @param fn The subscriber.
   * @returns Its unsubscribe.
   */
  subscribe(fn: (e: PulseEvent) => void): () => void {
    return this.#d.subscribe(fn);
  }

  /**
   * Dispatches committed events: pass it as the client's `onPulse`. Each is validated first; an
   * invalid one is counted and logged, never dispatched.
   *
   * @param events The events of one unit of work.
   */
  publish(events: readonly PulseEvent[]): void {
    for (const raw of events) {
      let event: PulseEvent;
      try {
        event = parsePulseEvent(raw);
      } catch (err) {
        this.#d.invalid((raw as { stream?: unknown } | null)?.stream, err);
        continue;
      }
      if (this.#running) this.#d.dispatch(event);
      else this.#d.dropped(event.stream, "MDS_CLOSED", "the pulse bus is not running");
    }
  }

  /** Starts dispatching. */
  start(): Promise<void> {
    this.#running = true;
    return Promise.resolve();
  }

  /** Stops dispatching. */
  close(): Promise<void> {
    this.#running = false;
    return Promise.resolve();
  }

  /** Same as {@linkcode InmemPulseBus.close}, for `await using`. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}

/** What {@linkcode PostgresPulseBus} needs of a client: its backend and stash reads. */
export type PulseClient = Pick<MdsClient, "backend" | "readPulseEvent">;

/**
 * A pulse bus over PostgreSQL `LISTEN mds_pulse`: it hears every committed write of the store,
 * whichever process or host made it (the CLI, a collector, another API process), as long as the
 * writer's client publishes the pulse (`pulse`, `PULSE_ENABLED`; on by default). An event too
 * large for a notification arrives as a reference and is read back with
 * `client.readPulseEvent`; events are dispatched in the order the notifications arrived.
 *
 * On a server the listener holds one dedicated connection of the client's pool; postgres.js
 * reconnects it with backoff and listens again by itself (logged as `pulse_listening` with
 * `reconnect: true`). Delivery is at most once: events committed while it is reconnecting are
 * not heard, so a subscriber that must not miss one reads the store after a reconnect. On an
 * embedded store (PGlite supports LISTEN/NOTIFY) it hears the writes of every client on that
 * backend in this process.
 *
 * @example Hear a write of another client
 * ```ts
 * import { createClient, createPgliteBackend, migrate } from "@mds/client";
 * import type { PulseEvent } from "@mds/sql";
 * import { PostgresPulseBus } from "@mds/service";
 * import assert from "node:assert/strict";
 *
 * await using db = await createPgliteBackend();
 * await migrate(db);
 * await using reader = await createClient({ backend: db });
 * await using writer = await createClient({ backend: db });
 * await using bus = new PostgresPulseBus(reader);
 * const seen: PulseEvent[] = [];
 * bus.subscribe((e) => seen.push(e));
 * await bus.start();
 * await writer.tenant("6f1c7a54-3b1e-4c8e-9a57-2d4be1f0a001").upsertBars([{ ts: "2024-01-02T14:30:00Z",
 *   vendor: "v", symbol: "AAPL", timeframe: "1m", open: 1, high: 2, low: 1, close: 2 }]);
 * await bus.close(); // waits for the events in hand
 * assert.deepEqual(seen.map((e) => [e.tenant, e.stream, e.symbol]),
 *   [["6f1c7a54-3b1e-4c8e-9a57-2d4be1f0a001", "bars", "AAPL"]]);
 * ```
 */
export class PostgresPulseBus implements PulseBus, AsyncDisposable {
  readonly #client: PulseClient;
  readonly #d: Dispatcher;
  #unlisten: (() => Promise<void>) | undefined;
  #starting: Promise<void> | undefined;
  #listens = 0;
  /** The dispatch of every notification received so far, in order. */
  #tail: Promise<void> = Promise.resolve();

  /**
   * Creates the bus, stopped.
   *
   * @param client The client whose backend it listens on; the bus never closes it.
   * @param options Metrics registry, log and clock.
   * @throws {TypeError} When the registry already holds the pulse metrics.
   */
  constructor(client: PulseClient, options: PulseBusOptions = {}) {
    this.#client = client;
    this.#d = new Dispatcher(options);
  }

  /** The registry of the bus's metrics. */
  get registry(): MetricsRegistry {
    return this.#d.metrics.registry;
  }

  /**
   * Calls `fn` for each event from now on.
   *
   * @param fn The subscriber.
   * @returns Its unsubscribe.
   */
  subscribe(fn: (e: PulseEvent) => void): () => void {
    return this.#d.subscribe(fn);
  }

  /**
   * Listens on the channel; resolves once the LISTEN is in place, so every write committed
   * after it is heard.
   *
   * @throws {MdsError} When the LISTEN fails (e.g. the server cannot be reached).
   */
  start(): Promise<void> {
    this.#starting ??= this.#client.backend.listen(PULSE_CHANNEL, (p) => this.#receive(p), {
      onListen: () => {
        this.#d.log("pulse_listening", { channel: PULSE_CHANNEL, reconnect: this.#listens++ > 0 });
      },
      onError: (err) => this.#d.invalid(undefined, err),
    }).then((unlisten) => {
      this.#unlisten = unlisten;
    }, (err) => {
      this.#starting = undefined;
      throw err;
    });
    return this.#starting;
  }

  /** Stops listening, then waits for the events in hand (stashed ones being read back). */
  async close(): Promise<void> {
    const starting = this.#starting;
    this.#starting = undefined;
    await starting?.catch(() => {});
    const unlisten = this.#unlisten;
    this.#unlisten = undefined;
    await unlisten?.();
    await this.#tail;
  }

  /** Same as {@linkcode PostgresPulseBus.close}, for `await using`. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  #receive(payload: string): void {
    let message: PulseEvent | PulseRef;
    try {
      message = decodePulse(payload);
    } catch (err) {
      this.#d.invalid(streamHint(payload), err);
      return;
    }
    // a stashed event is read at once, but dispatched in its turn
    const ready = "ref" in message ? this.#readBack(message) : message;
    this.#tail = this.#tail.then(async () => {
      const event = await ready;
      if (event !== null) this.#d.dispatch(event);
    });
  }

  async #readBack(ref: PulseRef): Promise<PulseEvent | null> {
    let event: PulseEvent | null;
    try {
      event = await this.#client.readPulseEvent(ref.ref);
    } catch (err) {
      if (err instanceof MdsError && err.code === "MDS_VALIDATION") {
        this.#d.invalid(ref.stream, err);
      } else this.#d.dropped(ref.stream, codeOf(err), messageOf(err));
      return null;
    }
    if (event === null) {
      this.#d.dropped(ref.stream, "MDS_NOT_FOUND", `stashed pulse event ${ref.ref} is gone`);
      return null;
    }
    if (event.tenant !== ref.tenant || event.stream !== ref.stream || event.symbol !== ref.symbol) {
      this.#d.invalid(
        ref.stream,
        new Error(`Stashed pulse event ${ref.ref} does not match its reference`),
      );
      return null;
    }
    return event;
  }
}

/** The stream a broken payload names, if it names one, for the metric's label. */
function streamHint(payload: string): unknown {
  try {
    return (JSON.parse(payload) as { stream?: unknown } | null)?.stream;
  } catch {
    return undefined;
  }
}
