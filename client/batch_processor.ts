import type {
  BarInput,
  FundamentalsInput,
  NewsInput,
  OptionSnapInput,
  QuoteInput,
  RowKind,
  RowOf,
} from "@mds/sql";
import { EncodedRows, prepareRows, PULSE_NEWEST_BY, TABLES } from "@mds/sql";
import { ConfigError, MdsError } from "./errors.ts";
import type { RowSink } from "./row_sink.ts";
import { isWriteMode, WRITE_MODES, type WriteMode } from "./write_mode.ts";
import type { WriteResult } from "./write_types.ts";
import { addResult, emptyResult } from "./_write.ts";
import { markPrepared } from "./_prepared.ts";
import { wholeNumber } from "./_whole_number.ts";

/** Timers the processor uses; tests pass a controllable one. */
export interface Clock {
  /** Milliseconds since some origin. */
  now(): number;
  /** Schedules `fn` after `ms`. */
  setTimeout(fn: () => void, ms: number): unknown;
  /** Cancels what `setTimeout` returned. */
  clearTimeout(handle: unknown): void;
}

const SYSTEM_CLOCK: Clock = {
  now: () => performance.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (handle) => clearTimeout(handle as number),
};

/** When a {@linkcode BatchProcessor} flushes and how much it keeps in flight. */
export interface BatchOptions {
  /** Flush a kind's buffer at this many rows. @default {5000} */
  maxRows?: number | undefined;
  /** Flush a kind's buffer at this many bytes of input. @default {8388608} (8 MiB) */
  maxBytes?: number | undefined;
  /** Flush buffered rows at most this long after the first one arrived. @default {1000} */
  maxMs?: number | undefined;
  /**
   * Flushes running at once, each its own transaction. Two keep the database busy while the
   * next batch is parsed. @default {2 on a server, 1 embedded}
   */
  concurrency?: number | undefined;
  /** How rows travel. @default {the client's writeMode} */
  mode?: WriteMode | undefined;
  /** Timers. @default {the system clock} */
  clock?: Clock | undefined;
}

/** Running totals of a {@linkcode BatchProcessor}. */
export interface BatchStats extends WriteResult {
  /** Batches committed. */
  batches: number;
  /** Input bytes of the committed rows. */
  bytes: number;
  /** Duration of the last flush, in milliseconds. */
  lastFlushMs: number;
  /** Rows buffered, not yet sent. */
  pendingRows: number;
  /** Flushes running. */
  inFlight: number;
}

/** A kind's open batch: encoded column by column when the sink takes that, else row objects. */
interface Buffer {
  encoded: EncodedRows | undefined;
  rows: unknown[];
  count: number;
  bytes: number;
}

/** The keys of a running flush: strings of a batch of rows, sorted hashes of an encoded one. */
type FlightKeys = Set<string> | Uint32Array;

/** Whether two flushes of one kind may share a key (hash collisions say yes: a needless wait). */
function mayShareKey(a: FlightKeys, b: FlightKeys): boolean {
  if (a instanceof Set && b instanceof Set) {
    const [small, large] = a.size <= b.size ? [a, b] : [b, a];
    for (const key of small) if (large.has(key)) return true;
    return false;
  }
  if (a instanceof Uint32Array && b instanceof Uint32Array) {
    for (let i = 0, j = 0; i < a.length && j < b.length;) {
      if (a[i] === b[j]) return true;
      if (a[i]! < b[j]!) i++;
      else j++;
    }
    return false;
  }
  return true;
}

const ROUGH_BYTES: Record<RowKind, number> = {
  bars: 150,
  fundamentals: 300,
  news: 600,
  options: 250,
  quotes: 120,
};

/**
 * Buffers validated rows and writes them in batches: a kind's buffer flushes at `maxRows` rows,
 * at `maxBytes` bytes, or `maxMs` after its first row. `add` waits while the buffer is full and
 * `concurrency` flushes are running, so memory stays bounded. A failed flush is raised by the
 * next `add`, `flush` or `close`, never swallowed; rows of batches already committed stay.
 *
 * With a sink that has {@linkcode RowSink.writeEncoded} (a tenant's does), each row but an
 * option snapshot is encoded into an `EncodedRows` batch of `@mds/sql` as it is added, so a
 * batch holds column text in byte buffers rather than row objects; what is written is the same.
 *
 * @example
 * ```ts
 * import { BatchProcessor, createClient } from "@mds/client";
 * import assert from "node:assert/strict";
 *
 * await using client = await createClient({ memory: true });
 * const batch = new BatchProcessor(client.tenant("6f1c7a54-3b1e-4c8e-9a57-2d4be1f0a001"), { maxRows: 2 });
 * for (let i = 0; i < 5; i++) {
 *   await batch.addBar({ ts: Date.UTC(2024, 0, 2, 14, 30 + i), vendor: "v", symbol: "A",
 *     timeframe: "1m", open: 1, high: 1, low: 1, close: 1 });
 * }
 * const result = await batch.close();
 * assert.deepEqual([result.inserted, batch.stats.batches], [5, 3]);
 * ```
 */
export class BatchProcessor implements AsyncDisposable {
  readonly #sink: RowSink;
  readonly #maxRows: number;
  readonly #maxBytes: number;
  readonly #maxMs: number;
  readonly #concurrency: number;
  readonly #mode: WriteMode | undefined;
  readonly #clock: Clock;
  readonly #buffers = new Map<RowKind, Buffer>();
  /** Encoded batches written and cleared, for the next batches of their kind to reuse. */
  readonly #spare = new Map<RowKind, EncodedRows[]>();
  readonly #inFlight = new Set<Promise<void>>();
  /** Keys of each running flush, so a later batch never overtakes an earlier one on a key. */
  readonly #flightKeys = new Map<Promise<void>, { kind: RowKind; keys: FlightKeys }>();
  readonly #totals: WriteResult = emptyResult();
  #batches = 0;
  #bytes = 0;
  #lastFlushMs = 0;
  #timer: unknown = undefined;
  #error: unknown = undefined;
  #closed = false;

  /**
   * Creates a processor writing for one tenant.
   *
   * @param target Where the batches go: a tenant from {@linkcode MdsClient.tenant} (its
   * {@linkcode TenantApi.sink}), or any {@linkcode RowSink}.
   * @param options Flush triggers, concurrency, mode and clock.
   * @throws {ConfigError} When an option is out of range.
   */
  constructor(target: RowSink | { sink(): RowSink }, options: BatchOptions = {}) {
    const sink = "sink" in target ? target.sink() : target;
    this.#sink = sink;
    this.#maxRows = wholeNumber("maxRows", options.maxRows ?? 5_000, 1, 1_000_000);
    this.#maxBytes = wholeNumber("maxBytes", options.maxBytes ?? 8 * 1024 * 1024, 1, 1024 ** 3);
    this.#maxMs = wholeNumber("maxMs", options.maxMs ?? 1_000, 1, 3_600_000);
    this.#concurrency = wholeNumber(
      "concurrency",
      options.concurrency ?? sink.defaultConcurrency,
      1,
      64,
    );
    if (options.mode !== undefined && !isWriteMode(options.mode)) {
      throw new ConfigError("mode", options.mode, `must be one of ${WRITE_MODES.join(", ")}`);
    }
    this.#mode = options.mode;
    this.#clock = options.clock ?? SYSTEM_CLOCK;
  }

  /** Running totals. */
  get stats(): BatchStats {
    let pendingRows = 0;
    for (const b of this.#buffers.values()) pendingRows += b.count;
    return {
      ...this.#totals,
      batches: this.#batches,
      bytes: this.#bytes,
      lastFlushMs: this.#lastFlushMs,
      pendingRows,
      inFlight: this.#inFlight.size,
    };
  }

  /**
   * Validates a bar and buffers it.
   *
   * @param row The bar as received.
   * @param bytes Its input size, for the `maxBytes` trigger. @default {an estimate}
   * @throws {ValidationError} When the row is invalid; it is not buffered.
   * @throws {MdsError} An earlier flush's error.
   */
  addBar(row: BarInput, bytes?: number): Promise<void> {
    return this.add("bars", row, bytes);
  }

  /**
   * Validates a fundamentals record and buffers it.
   *
   * @param row The record as received.
   * @param bytes Its input size. @default {an estimate}
   */
  addFundamentals(row: FundamentalsInput, bytes?: number): Promise<void> {
    return this.add("fundamentals", row, bytes);
  }

  /**
   * Validates a news item and buffers it.
   *
   * @param row The item as received.
   * @param bytes Its input size. @default {an estimate}
   */
  addNews(row: NewsInput, bytes?: number): Promise<void> {
    return this.add("news", row, bytes);
  }

  /**
   * Validates an option snapshot and buffers it.
   *
   * @param row The snapshot as received.
   * @param bytes Its input size. @default {an estimate}
   */
  addOption(row: OptionSnapInput, bytes?: number): Promise<void> {
    return this.add("options", row, bytes);
  }

  /**
   * Validates a level-1 quote and buffers it.
   *
   * @param row The quote as received.
   * @param bytes Its input size. @default {an estimate}
   */
  addQuote(row: QuoteInput, bytes?: number): Promise<void> {
    return this.add("quotes", row, bytes);
  }

  /**
   * Validates a row of any kind and buffers it; waits while the buffer is full and the
   * concurrency limit is reached.
   *
   * @param kind Row kind.
   * @param row The row as received.
   * @param bytes Its input size. @default {an estimate}
   */
  add(kind: RowKind, row: unknown, bytes?: number): Promise<void> {
    this.#throwIfFailed();
    if (this.#closed) throw new MdsError("MDS_CLOSED", "The batch processor is closed");
    return this.addValidated(kind, this.#sink.validate(kind, row, this.#totals.rows), bytes);
  }

  /**
   * Buffers a row already validated for this tenant (see {@linkcode RowSink.validate}); waits
   * while the buffer is full and the concurrency limit is reached.
   *
   * @param kind Row kind.
   * @param valid The validated row.
   * @param bytes Its input size. @default {an estimate}
   * @throws {MdsError} An earlier flush's error, or `MDS_CLOSED` after close.
   */
  async addValidated(kind: RowKind, valid: RowOf[RowKind], bytes?: number): Promise<void> {
    this.#throwIfFailed();
    if (this.#closed) throw new MdsError("MDS_CLOSED", "The batch processor is closed");
    let buffer = this.#buffers.get(kind);
    if (!buffer) this.#buffers.set(kind, buffer = this.#open(kind));
    if (buffer.encoded) buffer.encoded.add(valid);
    else buffer.rows.push(valid);
    buffer.count++;
    buffer.bytes += bytes ?? ROUGH_BYTES[kind];
    this.#totals.rows++;
    if (this.#timer === undefined) {
      this.#timer = this.#clock.setTimeout(() => {
        this.#timer = undefined;
        for (const k of this.#buffers.keys()) this.#start(k);
      }, this.#maxMs);
    }
    if (buffer.count >= this.#maxRows || buffer.bytes >= this.#maxBytes) {
      while (this.#inFlight.size >= this.#concurrency) await Promise.race(this.#inFlight);
      this.#throwIfFailed();
      this.#start(kind);
    }
  }

  /** Sends every buffered row and waits for all flushes; raises the first flush error. */
  async flush(): Promise<void> {
    for (const kind of this.#buffers.keys()) {
      while (this.#inFlight.size >= this.#concurrency) await Promise.race(this.#inFlight);
      this.#start(kind);
    }
    while (this.#inFlight.size > 0) await Promise.race(this.#inFlight);
    this.#throwIfFailed();
  }

  /**
   * Flushes, stops the timer and refuses further rows.
   *
   * @returns The totals of everything written.
   */
  async close(): Promise<WriteResult> {
    try {
      if (!this.#closed) await this.flush();
    } finally {
      this.#closed = true;
      if (this.#timer !== undefined) this.#clock.clearTimeout(this.#timer);
      this.#timer = undefined;
      // Let running flushes settle even when an earlier one failed, so nothing is left behind.
      await Promise.allSettled(this.#inFlight);
    }
    this.#throwIfFailed();
    return { ...this.#totals };
  }

  /**
   * Drops the rows not yet sent, waits for running flushes and refuses further rows: batches
   * already committed stay, the open one is never written.
   *
   * @returns The totals of what was written; `rows` counts only rows written or in flight.
   */
  async discard(): Promise<WriteResult> {
    for (const buffer of this.#buffers.values()) this.#totals.rows -= buffer.count;
    this.#buffers.clear();
    this.#closed = true;
    if (this.#timer !== undefined) this.#clock.clearTimeout(this.#timer);
    this.#timer = undefined;
    await Promise.allSettled(this.#inFlight);
    this.#throwIfFailed();
    return { ...this.#totals };
  }

  /** Same as {@linkcode BatchProcessor.close}, for `await using`. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  #throwIfFailed(): void {
    if (this.#error !== undefined) throw this.#error;
  }

  /**
   * A new buffer for `kind`. Rows are encoded as they arrive (no row object outlives its `add`
   * but the newest of each series) when the sink takes encoded batches; option snapshots stay
   * rows: the sink fills their greeks, and their pulse carries every one.
   */
  #open(kind: RowKind): Buffer {
    const encoded = this.#sink.writeEncoded !== undefined && kind !== "options"
      ? this.#spare.get(kind)?.pop() ??
        new EncodedRows(TABLES[kind], { newestBy: PULSE_NEWEST_BY[kind] })
      : undefined;
    return { encoded, rows: [], count: 0, bytes: 0 };
  }

  /** Keeps a written batch for reuse: at most as many as can be open or in flight at once. */
  #recycle(kind: RowKind, encoded: EncodedRows): void {
    let spare = this.#spare.get(kind);
    if (!spare) this.#spare.set(kind, spare = []);
    if (spare.length > this.#concurrency) return;
    encoded.clear();
    spare.push(encoded);
  }

  #start(kind: RowKind): void {
    const buffer = this.#buffers.get(kind);
    if (!buffer || buffer.count === 0 || this.#error !== undefined) return;
    this.#buffers.delete(kind);
    if (this.#buffers.size === 0 && this.#timer !== undefined) {
      this.#clock.clearTimeout(this.#timer);
      this.#timer = undefined;
    }
    // collapsed and sorted here, once: the keys order this batch against the running ones,
    // and the write path takes the batch as it is
    const encoded = buffer.encoded;
    let keys: FlightKeys;
    let send: () => Promise<WriteResult>;
    if (encoded) {
      encoded.seal();
      keys = encoded.keyHashes;
      send = () => this.#sink.writeEncoded!(encoded, { mode: this.#mode });
    } else {
      const strings = new Set<string>();
      const rows = markPrepared(
        prepareRows(TABLES[kind], buffer.rows as RowOf[typeof kind][], strings),
      );
      keys = strings;
      send = () => this.#sink.write(kind, rows, { mode: this.#mode, batchRows: rows.length });
    }
    // Flushes run concurrently, so two batches holding the same key could commit out of order
    // and an older row would win. A batch waits for every running batch it shares a key with.
    const before: Promise<void>[] = [];
    for (const [other, meta] of this.#flightKeys) {
      if (meta.kind === kind && mayShareKey(meta.keys, keys)) before.push(other);
    }
    const write = async () => {
      await Promise.allSettled(before);
      if (this.#error !== undefined) throw this.#error;
      const started = this.#clock.now();
      const result = await send();
      return { result, started };
    };
    const flight: Promise<void> = write()
      .then(({ result, started }) => {
        // rows were counted on add; add only what the database reported
        addResult(this.#totals, { ...result, rows: 0 });
        this.#batches++;
        this.#bytes += buffer.bytes;
        this.#lastFlushMs = this.#clock.now() - started;
      }, (err: unknown) => {
        this.#error ??= err;
      })
      .finally(() => {
        this.#inFlight.delete(flight);
        this.#flightKeys.delete(flight);
        if (encoded && !this.#closed) this.#recycle(kind, encoded);
      });
    this.#flightKeys.set(flight, { kind, keys });
    this.#inFlight.add(flight);
  }
}
