import { prepareRows, TABLES } from "@mds/sql";
import type {
  Bar,
  BarInput,
  Fundamentals,
  FundamentalsInput,
  LatestPrice,
  News,
  NewsInput,
  OptionSnap,
  OptionSnapInput,
  RowKind,
  RowOf,
  SchemaMode,
} from "@mds/sql";
import type { BackfillRequestInput, EnqueueJobInput } from "@mds/sql";
import type { BackendKind, Transaction } from "./backend.ts";
import { ConfigError } from "./errors.ts";
import { type EnqueuedJob, enqueueJob } from "./_jobs.ts";
import {
  claimJobs,
  type ClaimJobsOptions,
  completeJob,
  type CompleteJobOptions,
  failJob,
  type FailJobOptions,
  jobId,
  type JobRecord,
  parseClaim,
  parseComplete,
  parseFailure,
} from "./_job_lifecycle.ts";
import {
  type JobStat,
  jobStats,
  listJobs,
  type ListJobsQuery,
  parseListJobs,
  parsePurge,
  parseRequeue,
  purgeDeadJobs,
  type PurgeDeadJobsFilter,
  requeueDeadJobs,
  type RequeueDeadJobsFilter,
  requeueJob,
} from "./_dead_letters.ts";
import {
  type BackfillOptions,
  type BackfillRequested,
  planBackfill,
  requestBackfill,
} from "./_backfill.ts";
import { findGaps, type Gap, type GapQuery, gapWindow } from "./_gaps.ts";
import {
  barsWindow,
  type BarsWindowQuery,
  cursors,
  fundamentals,
  type FundamentalsQuery,
  type IngestCursor,
  latestPrices,
  news,
  type NewsQuery,
  optionChain,
  type OptionChainQuery,
  windowOf,
} from "./_read.ts";
import {
  addResult,
  emptyResult,
  validateRow,
  writeBatch,
  type WriteResult,
  writeSeriesUpdate,
} from "./_write.ts";
import { chooseWriteMode, DEFAULT_BATCH_ROWS, type WriteMode } from "./write_mode.ts";
import { checkWriteOptions } from "./_write_options.ts";
import { BatchProcessor } from "./batch_processor.ts";

/** Rows from an async iterable or a web stream. */
export type RowSource<T> = AsyncIterable<T> | Iterable<T> | ReadableStream<T>;

/** Options of the copy streams. */
export interface CopyOptions {
  /** Rows per batch; each batch is its own transaction. @default {5000} */
  batchRows?: number | undefined;
  /** Batches in flight at once. @default {2 on a server, 1 embedded} */
  concurrency?: number | undefined;
  /** How rows travel. @default {the client's writeMode} */
  mode?: WriteMode | undefined;
}

/** Options of the upsert calls. */
export interface WriteOptions {
  /** How rows travel. @default {the client's writeMode} */
  mode?: WriteMode | undefined;
  /**
   * Rows per statement in `insert` mode; a call with more rows sends several in one transaction.
   * In `copy` mode the whole call is copied into staging and upserted in one statement.
   * @default {5000}
   */
  batchRows?: number | undefined;
}

/** What the tenant API needs from the client. */
export interface TenantContext {
  /** The tenant id, validated. */
  readonly tenant: string;
  /** Which backend runs the statements. */
  readonly backend: BackendKind;
  /** The client's default write mode. */
  readonly writeMode: WriteMode;
  /** Runs `fn` in a unit of work of this tenant (a transaction, tenant set locally). */
  run<T>(fn: (tx: Transaction) => Promise<T>): Promise<T>;
  /** The schema mode, read once per client. */
  schemaMode(): Promise<SchemaMode>;
  /** Called after each committed write, for metrics. */
  onWrite?: ((kind: RowKind, result: WriteResult, seconds: number) => void) | undefined;
}

/**
 * Everything one tenant can do. From {@linkcode MdsClient.tenant} each call is its own unit of
 * work; inside {@linkcode MdsClient.withTenant} every call shares one transaction.
 */
export class TenantApi {
  readonly #ctx: TenantContext;

  /**
   * Creates the API of one tenant; use {@linkcode MdsClient.tenant} instead.
   *
   * @param ctx How to run statements for the tenant.
   */
  constructor(ctx: TenantContext) {
    this.#ctx = ctx;
  }

  /** The tenant id. */
  get tenant(): string {
    return this.#ctx.tenant;
  }

  /** Flushes a batch processor runs at once by default: 2 on a server, 1 embedded. */
  get defaultConcurrency(): number {
    return this.#ctx.backend === "postgres" ? 2 : 1;
  }

  /**
   * Validates and upserts bars; keeps `latest_prices` and the ingestion cursors current in the
   * same transaction. Invalid input fails the whole call before anything is written.
   *
   * @param rows Bars as received.
   * @param options Write mode and batch size.
   * @returns Rows inserted, updated and unchanged.
   * @throws {ValidationError} Naming the row index and field of the first invalid row.
   * @throws {TenantDeniedError} When a row names another tenant.
   *
   * @example
   * ```ts
   * import { createClient } from "@mds/client";
   * import assert from "node:assert/strict";
   *
   * await using client = await createClient({ memory: true });
   * const acme = client.tenant("6f1c7a54-3b1e-4c8e-9a57-2d4be1f0a001");
   * const bar = { ts: "2024-01-02T14:30:00Z", vendor: "polygon", symbol: "AAPL", timeframe: "1m",
   *   open: 185.1, high: 185.4, low: 184.9, close: 185.2, volume: 1200 };
   * assert.equal((await acme.upsertBars([bar])).inserted, 1);
   * assert.equal((await acme.upsertBars([bar])).unchanged, 1);
   * ```
   */
  upsertBars(rows: readonly BarInput[], options: WriteOptions = {}): Promise<WriteResult> {
    return this.#upsert("bars", rows, options);
  }

  /**
   * Validates and upserts fundamentals.
   *
   * @param rows Records as received.
   * @param options Write mode and batch size.
   * @returns Rows inserted, updated and unchanged.
   * @throws {ValidationError} Naming the row index and field of the first invalid row.
   *
   * @example
   * ```ts
   * import { createClient } from "@mds/client";
   * import assert from "node:assert/strict";
   *
   * await using client = await createClient({ memory: true });
   * const t = client.tenant("6f1c7a54-3b1e-4c8e-9a57-2d4be1f0a001");
   * const r = await t.upsertFundamentals([{ asof: "2024-03-31", vendor: "fmp", symbol: "MSFT", eps: 2.94 }]);
   * assert.equal(r.inserted, 1);
   * ```
   */
  upsertFundamentals(
    rows: readonly FundamentalsInput[],
    options: WriteOptions = {},
  ): Promise<WriteResult> {
    return this.#upsert("fundamentals", rows, options);
  }

  /**
   * Validates and upserts news; items without an id get one derived from vendor and URL (or
   * title and time), so ingesting them again does not duplicate them.
   *
   * @param rows Items as received.
   * @param options Write mode and batch size.
   * @returns Rows inserted, updated and unchanged.
   * @throws {ValidationError} Naming the row index and field of the first invalid row.
   *
   * @example
   * ```ts
   * import { createClient } from "@mds/client";
   * import assert from "node:assert/strict";
   *
   * await using client = await createClient({ memory: true });
   * const t = client.tenant("6f1c7a54-3b1e-4c8e-9a57-2d4be1f0a001");
   * const item = { published_at: "2024-01-02T15:00:00Z", vendor: "wire", title: "Beat", url: "https://n.example/1" };
   * await t.upsertNews([item]);
   * assert.equal((await t.upsertNews([item])).unchanged, 1);
   * ```
   */
  upsertNews(rows: readonly NewsInput[], options: WriteOptions = {}): Promise<WriteResult> {
    return this.#upsert("news", rows, options);
  }

  /**
   * Validates and upserts option snapshots.
   *
   * @param rows Snapshots as received.
   * @param options Write mode and batch size.
   * @returns Rows inserted, updated and unchanged.
   * @throws {ValidationError} Naming the row index and field of the first invalid row.
   *
   * @example
   * ```ts
   * import { createClient } from "@mds/client";
   * import assert from "node:assert/strict";
   *
   * await using client = await createClient({ memory: true });
   * const t = client.tenant("6f1c7a54-3b1e-4c8e-9a57-2d4be1f0a001");
   * const r = await t.upsertOptions([{ ts: "2024-01-02T15:00:00Z", vendor: "opra", symbol: "SPY",
   *   expiry: "2024-01-19", option_type: "C", strike: 470, bid: 3.1, ask: 3.2 }]);
   * assert.equal(r.inserted, 1);
   * ```
   */
  upsertOptions(
    rows: readonly OptionSnapInput[],
    options: WriteOptions = {},
  ): Promise<WriteResult> {
    return this.#upsert("options", rows, options);
  }

  /**
   * Streams bars from any source into the store in batches, with backpressure: the source is
   * read only as fast as batches commit, so memory stays bounded whatever its size. Each batch is
   * its own transaction. On an invalid row, the rows accepted before it are committed, then the
   * {@linkcode ValidationError} is raised naming the row's index; running the same input again
   * completes it without duplicates.
   *
   * @param source Bars, from an async iterable, an iterable or a `ReadableStream`.
   * @param options Batch size, concurrency and mode.
   * @returns Totals of everything written.
   *
   * @example
   * ```ts
   * import { createClient } from "@mds/client";
   * import assert from "node:assert/strict";
   *
   * await using client = await createClient({ memory: true });
   * async function* minutes() {
   *   for (let i = 0; i < 1_000; i++) {
   *     yield { ts: Date.UTC(2024, 0, 2) + i * 60_000, vendor: "v", symbol: "A", timeframe: "1m",
   *       open: 1, high: 1, low: 1, close: 1 };
   *   }
   * }
   * const r = await client.tenant("6f1c7a54-3b1e-4c8e-9a57-2d4be1f0a001").copyBars(minutes(), { batchRows: 300 });
   * assert.equal(r.inserted, 1_000);
   * ```
   */
  copyBars(source: RowSource<BarInput>, options: CopyOptions = {}): Promise<WriteResult> {
    return this.#copy("bars", source, options);
  }

  /**
   * Streams fundamentals into the store; see {@linkcode TenantApi.copyBars}.
   *
   * @param source Records.
   * @param options Batch size, concurrency and mode.
   * @returns Totals of everything written.
   */
  copyFundamentals(
    source: RowSource<FundamentalsInput>,
    options: CopyOptions = {},
  ): Promise<WriteResult> {
    return this.#copy("fundamentals", source, options);
  }

  /**
   * Streams news into the store; see {@linkcode TenantApi.copyBars}.
   *
   * @param source Items.
   * @param options Batch size, concurrency and mode.
   * @returns Totals of everything written.
   */
  copyNews(source: RowSource<NewsInput>, options: CopyOptions = {}): Promise<WriteResult> {
    return this.#copy("news", source, options);
  }

  /**
   * Streams option snapshots into the store; see {@linkcode TenantApi.copyBars}.
   *
   * @param source Snapshots.
   * @param options Batch size, concurrency and mode.
   * @returns Totals of everything written.
   */
  copyOptions(source: RowSource<OptionSnapInput>, options: CopyOptions = {}): Promise<WriteResult> {
    return this.#copy("options", source, options);
  }

  async #copy(
    kind: RowKind,
    source: RowSource<unknown>,
    options: CopyOptions,
  ): Promise<WriteResult> {
    const batch = new BatchProcessor(this, {
      maxRows: options.batchRows ?? DEFAULT_BATCH_ROWS,
      maxMs: 3_600_000, // size alone decides; a slow source must not produce tiny batches
      concurrency: options.concurrency,
      mode: options.mode,
    });
    try {
      for await (const row of source as AsyncIterable<unknown>) await batch.add(kind, row);
    } catch (err) {
      // Keep what was accepted before the failure, then report the failure itself.
      await batch.close().catch(() => {});
      throw err;
    }
    return await batch.close();
  }

  /**
   * Upserts rows of any kind that were already validated for this tenant, in one transaction.
   * Used by the BatchProcessor and the copy streams.
   *
   * @typeParam K Row kind.
   * @param kind Row kind.
   * @param rows Validated rows, `tenant_id` filled.
   * @param options Write mode and batch size.
   * @returns Rows inserted, updated and unchanged.
   *
   * @example
   * ```ts
   * import { createClient } from "@mds/client";
   * import { parseBar } from "@mds/sql";
   * import assert from "node:assert/strict";
   *
   * await using client = await createClient({ memory: true });
   * const tenant = "6f1c7a54-3b1e-4c8e-9a57-2d4be1f0a001";
   * const bar = { ...parseBar({ ts: 0, vendor: "v", symbol: "A", timeframe: "1d", open: 1, high: 1,
   *   low: 1, close: 1 }), tenant_id: tenant };
   * assert.equal((await client.tenant(tenant).writeValidated("bars", [bar])).inserted, 1);
   * ```
   */
  async writeValidated<K extends RowKind>(
    kind: K,
    rows: readonly RowOf[K][],
    options: WriteOptions = {},
  ): Promise<WriteResult> {
    const mode = options.mode ?? this.#ctx.writeMode;
    const batchRows = options.batchRows ?? DEFAULT_BATCH_ROWS;
    checkWriteOptions(mode, batchRows);
    const started = performance.now();
    const result = await this.#ctx.run(async (tx) => {
      // COPY moves the whole call into staging at once and upserts it in one statement; unnest
      // sends batchRows rows per statement.
      if (chooseWriteMode(mode, rows.length, this.#ctx.backend) === "copy") {
        return await writeBatch(tx, this.#ctx.backend, kind, rows, "copy");
      }
      if (rows.length <= batchRows) {
        return await writeBatch(tx, this.#ctx.backend, kind, rows, "insert");
      }
      // Repeated keys collapse across the whole call (the last wins), whatever the batch size.
      const unique = prepareRows(TABLES[kind], rows);
      const total = emptyResult();
      for (let i = 0; i < unique.length; i += batchRows) {
        const batch = unique.slice(i, i + batchRows);
        addResult(total, await writeBatch(tx, this.#ctx.backend, kind, batch, "insert", false));
      }
      await writeSeriesUpdate(tx, kind, unique);
      return { ...total, rows: rows.length };
    });
    this.#ctx.onWrite?.(kind, result, (performance.now() - started) / 1000);
    return result;
  }

  /**
   * Validates one row for this tenant without writing it.
   *
   * @typeParam K Row kind.
   * @param kind Row kind.
   * @param input The row as received.
   * @param index Its position, quoted in the error.
   * @returns The normalised row with `tenant_id` filled.
   * @throws {ValidationError} Naming the field.
   * @throws {TenantDeniedError} When the row names another tenant.
   *
   * @example
   * ```ts
   * import { createClient } from "@mds/client";
   * import assert from "node:assert/strict";
   *
   * await using client = await createClient({ memory: true });
   * const t = client.tenant("6f1c7a54-3b1e-4c8e-9a57-2d4be1f0a001");
   * assert.equal(t.validate("bars", { ts: 0, vendor: "V", symbol: "a", timeframe: "1d", open: 1,
   *   high: 1, low: 1, close: 1 }).vendor, "v");
   * ```
   */
  validate<K extends RowKind>(kind: K, input: unknown, index?: number): RowOf[K] {
    return validateRow(kind, this.#ctx.tenant, input, index);
  }

  async #upsert<K extends RowKind>(
    kind: K,
    inputs: readonly unknown[],
    options: WriteOptions,
  ): Promise<WriteResult> {
    if (!Array.isArray(inputs)) {
      throw new ConfigError("rows", inputs, "must be an array of rows");
    }
    const rows = inputs.map((row, i) => validateRow(kind, this.#ctx.tenant, row, i));
    return await this.writeValidated(kind, rows, options);
  }

  /**
   * The newest price of each symbol, one row per symbol and vendor.
   *
   * @param symbols Tickers; normalised as stored.
   * @param options Only one vendor.
   * @returns Rows sorted by symbol and vendor.
   *
   * @example
   * ```ts
   * import { createClient } from "@mds/client";
   * import assert from "node:assert/strict";
   *
   * await using client = await createClient({ memory: true });
   * const t = client.tenant("6f1c7a54-3b1e-4c8e-9a57-2d4be1f0a001");
   * await t.upsertBars([{ ts: "2024-01-02T14:30:00Z", vendor: "v", symbol: "AAPL", timeframe: "1m",
   *   open: 1, high: 2, low: 1, close: 2 }]);
   * const [p] = await t.latestPrices(["aapl"]);
   * assert.equal(p?.price, 2);
   * assert.equal(p?.as_of.toISOString(), "2024-01-02T14:31:00.000Z");
   * ```
   */
  latestPrices(
    symbols: readonly string[],
    options: { vendor?: string | undefined } = {},
  ): Promise<LatestPrice[]> {
    return this.#ctx.run((tx) => latestPrices(tx, symbols, options.vendor));
  }

  /**
   * Bars of one symbol over `[start, end)`, oldest first. 5m, 1h and 1d bars come from the
   * aggregates of 1m bars where no bars of that timeframe are stored.
   *
   * @param query Symbol, timeframe, window, vendor and limit.
   * @returns The bars.
   * @throws {ValidationError} When an argument is invalid.
   *
   * @example
   * ```ts
   * import { createClient } from "@mds/client";
   * import assert from "node:assert/strict";
   *
   * await using client = await createClient({ memory: true });
   * const t = client.tenant("6f1c7a54-3b1e-4c8e-9a57-2d4be1f0a001");
   * const bars = [0, 1, 2, 3, 4].map((i) => ({ ts: Date.UTC(2024, 0, 2, 14, 30 + i), vendor: "v",
   *   symbol: "A", timeframe: "1m", open: 10 + i, high: 11 + i, low: 9 + i, close: 10.5 + i, volume: 100 }));
   * await t.upsertBars(bars);
   * const [fiveMin] = await t.barsWindow({ symbol: "A", timeframe: "5m", start: "2024-01-02T14:30:00Z",
   *   end: "2024-01-02T14:35:00Z" });
   * assert.deepEqual([fiveMin?.open, fiveMin?.close, fiveMin?.volume], [10, 14.5, 500]);
   * ```
   */
  async barsWindow(query: BarsWindowQuery): Promise<Bar[]> {
    const window = windowOf(query);
    const mode = await this.#ctx.schemaMode();
    return (await this.#ctx.run((tx) => barsWindow(tx, window, mode))).bars;
  }

  /**
   * Iterates over a large window page by page (keyset pagination on time and vendor), each page
   * its own short read, so memory stays bounded whatever the window.
   *
   * @param query Symbol, timeframe and window; `limit` caps the bars yielded in all.
   * @param options Bars per page. @default {{ pageRows: 10000 }}
   * @returns Pages of bars, oldest first.
   *
   * @example
   * ```ts
   * import { createClient } from "@mds/client";
   * import assert from "node:assert/strict";
   *
   * await using client = await createClient({ memory: true });
   * const t = client.tenant("6f1c7a54-3b1e-4c8e-9a57-2d4be1f0a001");
   * await t.upsertBars([0, 1, 2].map((i) => ({ ts: Date.UTC(2024, 0, 2 + i), vendor: "v", symbol: "A",
   *   timeframe: "1d", open: 1, high: 1, low: 1, close: 1 })));
   * const sizes = [];
   * for await (const page of t.iterateBars({ symbol: "A", timeframe: "1d", start: 0, end: Date.UTC(2025, 0) }, { pageRows: 2 })) {
   *   sizes.push(page.length);
   * }
   * assert.deepEqual(sizes, [2, 1]);
   * ```
   */
  async *iterateBars(
    query: BarsWindowQuery,
    options: { pageRows?: number } = {},
  ): AsyncGenerator<Bar[]> {
    const pageRows = options.pageRows ?? 10_000;
    if (!Number.isInteger(pageRows) || pageRows < 1) {
      throw new ConfigError("pageRows", pageRows, "must be a whole number above 0");
    }
    const first = windowOf(query);
    let left = query.limit === undefined ? Infinity : first.limit;
    let window = { ...first, limit: Math.min(pageRows, left) };
    const mode = await this.#ctx.schemaMode();
    let source: "stored" | "aggregate" | undefined;
    for (;;) {
      const w = window;
      const page = await this.#ctx.run((tx) => barsWindow(tx, w, mode, source));
      source = page.source;
      if (page.bars.length > 0) yield page.bars;
      left -= page.bars.length;
      if (page.bars.length < w.limit || left <= 0) return;
      const last = page.bars[page.bars.length - 1]!;
      window = {
        ...window,
        limit: Math.min(pageRows, left),
        after: { ts: last.ts, vendor: last.vendor },
      };
    }
  }

  /**
   * News, newest first.
   *
   * @param query Symbol, start time and limit.
   * @returns The items.
   *
   * @example
   * ```ts
   * import { createClient } from "@mds/client";
   * import assert from "node:assert/strict";
   *
   * await using client = await createClient({ memory: true });
   * const t = client.tenant("6f1c7a54-3b1e-4c8e-9a57-2d4be1f0a001");
   * await t.upsertNews([{ published_at: "2024-01-02T15:00:00Z", vendor: "w", title: "A up", symbols: ["A"] }]);
   * assert.equal((await t.news({ symbol: "A" })).length, 1);
   * assert.equal((await t.news({ symbol: "B" })).length, 0);
   * ```
   */
  news(query: NewsQuery = {}): Promise<News[]> {
    return this.#ctx.run((tx) => news(tx, query));
  }

  /**
   * The newest snapshot of each contract of one expiry, as known at a time.
   *
   * @param query Underlying, expiry, time and vendor.
   * @returns One snapshot per vendor, side and strike.
   *
   * @example
   * ```ts
   * import { createClient } from "@mds/client";
   * import assert from "node:assert/strict";
   *
   * await using client = await createClient({ memory: true });
   * const t = client.tenant("6f1c7a54-3b1e-4c8e-9a57-2d4be1f0a001");
   * const snap = { vendor: "o", symbol: "SPY", expiry: "2024-01-19", option_type: "C", strike: 470 };
   * await t.upsertOptions([{ ...snap, ts: "2024-01-02T15:00:00Z", bid: 1 }, { ...snap, ts: "2024-01-02T16:00:00Z", bid: 2 }]);
   * const chain = await t.optionChain({ symbol: "SPY", expiry: "2024-01-19", at: "2024-01-02T15:30:00Z" });
   * assert.deepEqual(chain.map((c) => c.bid), [1]);
   * ```
   */
  optionChain(query: OptionChainQuery): Promise<OptionSnap[]> {
    return this.#ctx.run((tx) => optionChain(tx, query));
  }

  /**
   * The newest fundamentals at or before a date, one per vendor.
   *
   * @param query Symbol, date and vendor.
   * @returns The records.
   *
   * @example
   * ```ts
   * import { createClient } from "@mds/client";
   * import assert from "node:assert/strict";
   *
   * await using client = await createClient({ memory: true });
   * const t = client.tenant("6f1c7a54-3b1e-4c8e-9a57-2d4be1f0a001");
   * await t.upsertFundamentals([{ asof: "2023-12-31", vendor: "f", symbol: "A", eps: 1 },
   *   { asof: "2024-03-31", vendor: "f", symbol: "A", eps: 2 }]);
   * assert.equal((await t.fundamentals({ symbol: "A", asOf: "2024-01-15" }))[0]?.eps, 1);
   * ```
   */
  fundamentals(query: FundamentalsQuery): Promise<Fundamentals[]> {
    return this.#ctx.run((tx) => fundamentals(tx, query));
  }

  /**
   * The tenant's ingestion cursors: the newest time written per series.
   *
   * @param options Only one symbol.
   * @returns The cursors.
   *
   * @example
   * ```ts
   * import { createClient } from "@mds/client";
   * import assert from "node:assert/strict";
   *
   * await using client = await createClient({ memory: true });
   * const t = client.tenant("6f1c7a54-3b1e-4c8e-9a57-2d4be1f0a001");
   * await t.upsertBars([{ ts: "2024-01-02T14:30:00Z", vendor: "v", symbol: "A", timeframe: "1m",
   *   open: 1, high: 1, low: 1, close: 1 }]);
   * assert.equal((await t.cursors())[0]?.last_ts.toISOString(), "2024-01-02T14:30:00.000Z");
   * ```
   */
  cursors(options: { symbol?: string | undefined } = {}): Promise<IngestCursor[]> {
    return this.#ctx.run((tx) => cursors(tx, options.symbol));
  }

  /**
   * Enqueues a job once per idempotency key: asking again returns the same id.
   *
   * @param job Key, type, payload, priority, earliest start and attempts.
   * @returns The job id and whether this call created it.
   * @throws {ValidationError} When the request is invalid.
   *
   * @example
   * ```ts
   * import { createClient } from "@mds/client";
   * import assert from "node:assert/strict";
   *
   * await using client = await createClient({ memory: true });
   * const t = client.tenant("6f1c7a54-3b1e-4c8e-9a57-2d4be1f0a001");
   * const a = await t.enqueueJob({ idempotency_key: "backfill:A:2024-01", job_type: "backfill" });
   * const b = await t.enqueueJob({ idempotency_key: "backfill:A:2024-01", job_type: "backfill" });
   * assert.deepEqual([a.created, b.created, a.id === b.id], [true, false, true]);
   * ```
   */
  enqueueJob(job: EnqueueJobInput): Promise<EnqueuedJob> {
    return this.#ctx.run((tx) => enqueueJob(tx, job));
  }

  /**
   * Claims up to `limit` due jobs for a worker, most urgent first (smaller priority, then earlier
   * `run_after`), with `FOR UPDATE SKIP LOCKED`: concurrent workers never get the same job. A
   * claim sets the job running, counts an attempt and holds it for `leaseSeconds`; a job whose
   * lease expired (its worker crashed) is claimable again, or dead when that was its last
   * attempt.
   *
   * @param options Worker name, job types, how many and the lease length.
   * @returns The claimed jobs, most urgent first; empty when none is due.
   * @throws {ConfigError} When an option is invalid.
   *
   * @example
   * ```ts
   * import { createClient } from "@mds/client";
   * import assert from "node:assert/strict";
   *
   * await using client = await createClient({ memory: true });
   * const t = client.tenant("6f1c7a54-3b1e-4c8e-9a57-2d4be1f0a001");
   * await t.enqueueJob({ idempotency_key: "later", job_type: "refresh", priority: 5 });
   * await t.enqueueJob({ idempotency_key: "urgent", job_type: "refresh", priority: 0 });
   * const [job] = await t.claimJobs({ worker: "w1", types: ["refresh"], leaseSeconds: 60 });
   * assert.deepEqual([job?.idempotency_key, job?.state, job?.attempts, job?.locked_by],
   *   ["urgent", "running", 1, "w1"]);
   * ```
   */
  async claimJobs(options: ClaimJobsOptions): Promise<JobRecord[]> {
    const claim = parseClaim(options);
    return await this.#ctx.run((tx) => claimJobs(tx, claim));
  }

  /**
   * Marks a running job done.
   *
   * @param id The job's id.
   * @param options Only if this worker holds the lease.
   * @returns The job, done.
   * @throws {JobNotFoundError} When the job does not exist, is not running or is held by
   * another worker.
   *
   * @example
   * ```ts
   * import { createClient } from "@mds/client";
   * import assert from "node:assert/strict";
   *
   * await using client = await createClient({ memory: true });
   * const t = client.tenant("6f1c7a54-3b1e-4c8e-9a57-2d4be1f0a001");
   * await t.enqueueJob({ idempotency_key: "k", job_type: "refresh" });
   * const [job] = await t.claimJobs({ worker: "w1" });
   * assert.equal((await t.completeJob(job!.id, { worker: "w1" })).state, "done");
   * await assert.rejects(t.completeJob(job!.id), { code: "MDS_NOT_FOUND" });
   * ```
   */
  async completeJob(id: string, options: CompleteJobOptions = {}): Promise<JobRecord> {
    const done = parseComplete(id, options);
    return await this.#ctx.run((tx) => completeJob(tx, done.id, done.worker));
  }

  /**
   * Records a failed attempt of a running job. While attempts remain and the error is
   * retryable, the job returns to the queue after an exponential backoff with jitter
   * (`run_after` = now + delay, see {@linkcode jobRetryDelaySeconds}); otherwise it goes to the
   * dead state. Either way it keeps the error's message and code (the SQLSTATE or mds code of
   * an `MdsError`) as `last_error` and `last_error_code`, and its attempt count.
   *
   * @param id The job's id.
   * @param error What went wrong: an `Error` (an `MdsError` gives its code) or a message.
   * @param options Whether to retry, the worker, the backoff and the code.
   * @returns The job, queued again or dead.
   * @throws {JobNotFoundError} When the job does not exist, is not running or is held by
   * another worker.
   *
   * @example
   * ```ts
   * import { createClient, TimeoutError } from "@mds/client";
   * import assert from "node:assert/strict";
   *
   * await using client = await createClient({ memory: true });
   * const t = client.tenant("6f1c7a54-3b1e-4c8e-9a57-2d4be1f0a001");
   * await t.enqueueJob({ idempotency_key: "a", job_type: "fetch", max_attempts: 3 });
   * await t.enqueueJob({ idempotency_key: "b", job_type: "fetch" });
   * const [a, b] = await t.claimJobs({ worker: "w1", limit: 2 });
   * const again = await t.failJob(a!.id, new TimeoutError("Vendor too slow", { kind: "connect" }));
   * assert.deepEqual([again.state, again.last_error_code], ["queued", "MDS_TIMEOUT"]);
   * assert.ok(again.run_after.getTime() >= Date.now() + 4_000); // 5 to 10 s later
   * const dead = await t.failJob(b!.id, "Symbol delisted", { retryable: false });
   * assert.deepEqual([dead.state, dead.attempts, dead.last_error], ["dead", 1, "Symbol delisted"]);
   * ```
   */
  async failJob(id: string, error: unknown, options: FailJobOptions = {}): Promise<JobRecord> {
    const failure = parseFailure(id, error, options);
    return await this.#ctx.run((tx) => failJob(tx, failure));
  }

  /**
   * The tenant's jobs, oldest change first; `{ state: "dead" }` lists its dead letters.
   *
   * @param query State, type, minimum age and limit.
   * @returns The jobs.
   * @throws {ConfigError} When an option is invalid.
   *
   * @example
   * ```ts
   * import { createClient } from "@mds/client";
   * import assert from "node:assert/strict";
   *
   * await using client = await createClient({ memory: true });
   * const t = client.tenant("6f1c7a54-3b1e-4c8e-9a57-2d4be1f0a001");
   * await t.enqueueJob({ idempotency_key: "k", job_type: "fetch" });
   * const [job] = await t.claimJobs({ worker: "w1" });
   * await t.failJob(job!.id, "Symbol delisted", { retryable: false });
   * const [dead] = await t.listJobs({ state: "dead", type: "fetch" });
   * assert.deepEqual([dead?.last_error, dead?.attempts], ["Symbol delisted", 1]);
   * assert.equal((await t.listJobs({ state: "dead", olderThanSeconds: 3600 })).length, 0);
   * ```
   */
  async listJobs(query: ListJobsQuery = {}): Promise<JobRecord[]> {
    const listing = parseListJobs(query);
    return await this.#ctx.run((tx) => listJobs(tx, listing));
  }

  /**
   * Counts the tenant's jobs by type and state.
   *
   * @returns One line per type and state that has jobs.
   *
   * @example
   * ```ts
   * import { createClient } from "@mds/client";
   * import assert from "node:assert/strict";
   *
   * await using client = await createClient({ memory: true });
   * const t = client.tenant("6f1c7a54-3b1e-4c8e-9a57-2d4be1f0a001");
   * await t.enqueueJob({ idempotency_key: "a", job_type: "fetch" });
   * await t.enqueueJob({ idempotency_key: "b", job_type: "fetch" });
   * assert.deepEqual(await t.jobStats(), [{ job_type: "fetch", state: "queued", jobs: 2 }]);
   * ```
   */
  jobStats(): Promise<JobStat[]> {
    return this.#ctx.run((tx) => jobStats(tx));
  }

  /**
   * Puts one dead job back in the queue: due now, attempts reset to 0, its last error kept.
   *
   * @param id The job's id.
   * @returns The job, queued.
   * @throws {JobNotFoundError} When the job does not exist or is not dead.
   *
   * @example
   * ```ts
   * import { createClient } from "@mds/client";
   * import assert from "node:assert/strict";
   *
   * await using client = await createClient({ memory: true });
   * const t = client.tenant("6f1c7a54-3b1e-4c8e-9a57-2d4be1f0a001");
   * await t.enqueueJob({ idempotency_key: "k", job_type: "fetch" });
   * const [job] = await t.claimJobs({ worker: "w1" });
   * await t.failJob(job!.id, "Vendor down", { retryable: false });
   * const back = await t.requeueJob(job!.id);
   * assert.deepEqual([back.state, back.attempts, back.last_error], ["queued", 0, "Vendor down"]);
   * ```
   */
  async requeueJob(id: string): Promise<JobRecord> {
    const checked = jobId(id);
    return await this.#ctx.run((tx) => requeueJob(tx, checked));
  }

  /**
   * Puts every dead job matching a filter back in the queue, as {@linkcode TenantApi.requeueJob}
   * does for one.
   *
   * @param filter Ids, type and minimum age (since death).
   * @returns The ids requeued, sorted.
   * @throws {ConfigError} When an option is invalid.
   *
   * @example
   * ```ts
   * import { createClient } from "@mds/client";
   * import assert from "node:assert/strict";
   *
   * await using client = await createClient({ memory: true });
   * const t = client.tenant("6f1c7a54-3b1e-4c8e-9a57-2d4be1f0a001");
   * for (const key of ["a", "b"]) await t.enqueueJob({ idempotency_key: key, job_type: "fetch" });
   * for (const job of await t.claimJobs({ worker: "w1", limit: 2 })) {
   *   await t.failJob(job.id, "Vendor down", { retryable: false });
   * }
   * assert.equal((await t.requeueDeadJobs({ type: "fetch" })).length, 2);
   * ```
   */
  async requeueDeadJobs(filter: RequeueDeadJobsFilter = {}): Promise<string[]> {
    const requeue = parseRequeue(filter);
    return await this.#ctx.run((tx) => requeueDeadJobs(tx, requeue));
  }

  /**
   * Deletes dead jobs that died at least `olderThanSeconds` ago. Their idempotency keys are
   * freed with them: enqueueing the same key again creates a new job.
   *
   * @param filter Minimum age (0 for every dead job) and type.
   * @returns How many were deleted.
   * @throws {ConfigError} When an option is invalid.
   *
   * @example
   * ```ts
   * import { createClient } from "@mds/client";
   * import assert from "node:assert/strict";
   *
   * await using client = await createClient({ memory: true });
   * const t = client.tenant("6f1c7a54-3b1e-4c8e-9a57-2d4be1f0a001");
   * await t.enqueueJob({ idempotency_key: "k", job_type: "fetch" });
   * const [job] = await t.claimJobs({ worker: "w1" });
   * await t.failJob(job!.id, "Vendor down", { retryable: false });
   * assert.equal(await t.purgeDeadJobs({ olderThanSeconds: 86_400 }), 0);
   * assert.equal(await t.purgeDeadJobs({ olderThanSeconds: 0 }), 1);
   * ```
   */
  async purgeDeadJobs(filter: PurgeDeadJobsFilter): Promise<number> {
    const purge = parsePurge(filter);
    return await this.#ctx.run((tx) => purgeDeadJobs(tx, purge));
  }

  /**
   * Requests a backfill of one series over `[start, end)`: a `backfill` job whose priority is
   * its tier's (T0 0, T1 10, T2 20) and whose idempotency key is derived from the request
   * ({@linkcode backfillKey}), so asking twice enqueues once. A tier whose queued and running
   * backfills reached its cap refuses new requests with {@linkcode CapacityError}; counting and
   * inserting hold a transaction-scoped advisory lock per tenant and tier, so concurrent
   * requests cannot overshoot the cap.
   *
   * @param request Symbol, timeframe, window, vendor and tier (default T1).
   * @param options Caps per tier (default T0 100, T1 1000, T2 10000) and attempts.
   * @returns The job id, whether this call created it, its key, tier and priority.
   * @throws {ValidationError} When the request is invalid.
   * @throws {CapacityError} When the tier's queue is full.
   *
   * @example
   * ```ts
   * import { CapacityError, createClient } from "@mds/client";
   * import assert from "node:assert/strict";
   *
   * await using client = await createClient({ memory: true });
   * const t = client.tenant("6f1c7a54-3b1e-4c8e-9a57-2d4be1f0a001");
   * const day = { symbol: "AAPL", timeframe: "1m" as const, start: "2024-07-01T13:30:00Z",
   *   end: "2024-07-01T20:00:00Z", tier: "T0" as const };
   * const first = await t.requestBackfill(day, { caps: { T0: 1 } });
   * const again = await t.requestBackfill(day, { caps: { T0: 1 } });
   * assert.deepEqual([first.created, again.created, again.id === first.id, first.priority],
   *   [true, false, true, 0]);
   * await assert.rejects(
   *   t.requestBackfill({ ...day, start: "2024-07-02T13:30:00Z", end: "2024-07-02T20:00:00Z" },
   *     { caps: { T0: 1 } }),
   *   CapacityError,
   * );
   * ```
   */
  async requestBackfill(
    request: BackfillRequestInput,
    options: BackfillOptions = {},
  ): Promise<BackfillRequested> {
    const plan = await planBackfill(request, options);
    return await this.#ctx.run((tx) => requestBackfill(tx, plan));
  }

  /**
   * Finds the bars missing from one series over `[start, end)`: the bar times a trading
   * calendar expects at the timeframe's cadence, minus the bars stored, grouped into runs of
   * consecutive expected bars. Intraday bars are expected at the session open and every step
   * after it before the close; daily bars at each session's trading date 00:00 UTC (this
   * store's convention for 1d bars); weekly bars at the Monday 00:00 UTC of each week with a
   * session. The expected times are generated and anti-joined in SQL, so only the gaps travel.
   *
   * @param query Symbol, timeframe, window, vendor and calendar (default `nyse`).
   * @returns The gaps, oldest first; empty when nothing is missing.
   * @throws {ValidationError} When an argument is invalid, or the window is outside the
   * calendar's years or expects more than 1,000,000 bars.
   *
   * @example
   * ```ts
   * import { createClient } from "@mds/client";
   * import assert from "node:assert/strict";
   *
   * await using client = await createClient({ memory: true });
   * const t = client.tenant("6f1c7a54-3b1e-4c8e-9a57-2d4be1f0a001");
   * // 2024-07-03 closes early, at 13:00 New York (17:00 UTC): 210 one-minute bars.
   * const bars = [];
   * for (let i = 0; i < 210; i++) {
   *   if (i === 100) continue; // 11:10 New York is missing
   *   bars.push({ ts: Date.UTC(2024, 6, 3, 13, 30 + i), vendor: "v", symbol: "SPY",
   *     timeframe: "1m", open: 1, high: 1, low: 1, close: 1 });
   * }
   * await t.upsertBars(bars);
   * const gaps = await t.findGaps({ symbol: "SPY", timeframe: "1m",
   *   start: "2024-07-03T00:00:00Z", end: "2024-07-05T00:00:00Z" }); // 07-04 is a holiday
   * assert.deepEqual(gaps, [{ start: new Date("2024-07-03T15:10:00Z"),
   *   end: new Date("2024-07-03T15:11:00Z"), missing_bars: 1 }]);
   * ```
   */
  async findGaps(query: GapQuery): Promise<Gap[]> {
    const window = gapWindow(query);
    return await this.#ctx.run((tx) => findGaps(tx, window));
  }
}
