import type {
  BackfillRequestInput,
  Bar,
  BarInput,
  EnqueueJobInput,
  Fundamentals,
  FundamentalsInput,
  LatestPrice,
  News,
  NewsInput,
  OptionSnap,
  OptionSnapInput,
  Quote,
  QuoteInput,
  RowKind,
  RowOf,
} from "@mds/sql";
import { ConfigError } from "./errors.ts";
import { UniverseApi } from "./universe_api.ts";
import { MacroApi } from "./macro_api.ts";
import { JobsApi } from "./jobs_api.ts";
import type {
  BackfillOptions,
  BackfillRequested,
  ClaimJobsOptions,
  CompleteJobOptions,
  EnqueuedJob,
  FailJobOptions,
  JobRecord,
  JobStat,
  ListJobsQuery,
  PurgeDeadJobsFilter,
  RequeueDeadJobsFilter,
} from "./job_types.ts";
import type {
  BarsWindowQuery,
  FundamentalsQuery,
  Gap,
  GapQuery,
  IngestCursor,
  NewsQuery,
  OptionChainQuery,
  OptionChainsQuery,
} from "./read_types.ts";
import type { RowSink } from "./row_sink.ts";
import type { CopyOptions, RowSource, WriteOptions, WriteResult } from "./write_types.ts";
import { copyRows } from "./_copy_stream.ts";
import {
  type BarCoverage,
  barCoverage,
  type BarCoverageQuery,
  coverageWindow,
} from "./_coverage.ts";
import { findGaps, gapWindow } from "./_gaps.ts";
import {
  barsWindow,
  cursors,
  fundamentals,
  latestPrices,
  latestQuotes,
  news,
  optionChain,
  optionChains,
  windowOf,
} from "./_read.ts";
import {
  type Correction,
  corrections,
  type CorrectionsQuery,
  correctionsQueryOf,
  knownAtOf,
} from "./_history.ts";
import type { Queryable } from "./backend.ts";
import { readIn, type TenantContext } from "./_tenant_context.ts";
import { tenantSink } from "./_tenant_sink.ts";
import { wholeNumber } from "./_whole_number.ts";

export type { Correction, CorrectionsQuery } from "./_history.ts";
export {
  type BarCoverage,
  type BarCoverageQuery,
  type CoverageDay,
  MAX_COVERAGE_DAYS,
  MAX_COVERAGE_SYMBOLS,
  type PendingBackfill,
} from "./_coverage.ts";

/**
 * Everything one tenant can do: upserts, copy streams, reads and gap detection here, the job
 * queue in {@linkcode TenantApi.jobs}. From {@linkcode MdsClient.tenant} each call is its own
 * unit of work; inside {@linkcode MdsClient.withTenant} every call shares one transaction.
 */
export class TenantApi {
  /**
   * The tenant's job queue: enqueue, claim, complete, fail, list, requeue, purge and backfill
   * requests; see {@linkcode JobsApi}.
   */
  readonly jobs: JobsApi;
  /**
   * The tenant's symbol universe and the collector's bookkeeping (series cursors, unfillable
   * ranges); see {@linkcode UniverseApi}.
   */
  readonly universe: UniverseApi;
  /**
   * The tenant's macro factors: tracked economic series and their observations with every
   * vintage; see {@linkcode MacroApi}.
   */
  readonly macro: MacroApi;
  readonly #ctx: TenantContext;
  readonly #sink: RowSink;

  /**
   * Creates the API of one tenant; use {@linkcode MdsClient.tenant} instead.
   *
   * @param ctx How to run statements for the tenant.
   */
  constructor(ctx: TenantContext) {
    this.#ctx = ctx;
    this.#sink = tenantSink(ctx);
    this.jobs = new JobsApi(ctx);
    this.universe = new UniverseApi(ctx);
    this.macro = new MacroApi(ctx);
  }

  /** Runs reads: each statement a unit of work of its own, or in the shared transaction. */
  #read<T>(fn: (db: Queryable) => Promise<T>): Promise<T> {
    return readIn(this.#ctx, fn);
  }

  /** The tenant id. */
  get tenant(): string {
    return this.#ctx.tenant;
  }

  /** Flushes a batch processor runs at once by default: 2 on a server, 1 embedded. */
  get defaultConcurrency(): number {
    return this.#sink.defaultConcurrency;
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
   * Validates and upserts level-1 quotes, one row per time, vendor and symbol. Each quote needs
   * at least one of `bid`, `ask` and `last`, and its ask may not be below its bid.
   *
   * @param rows Quotes as received.
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
   * const t = client.tenant("6f1c7a54-3b1e-4c8e-9a57-2d4be1f0a001");
   * const quote = { ts: "2024-01-02T14:30:00.250Z", vendor: "polygon", symbol: "AAPL",
   *   bid: 185.1, ask: 185.12, bid_size: 300, ask_size: 200 };
   * assert.equal((await t.upsertQuotes([quote])).inserted, 1);
   * assert.equal((await t.upsertQuotes([quote])).unchanged, 1);
   * ```
   */
  upsertQuotes(rows: readonly QuoteInput[], options: WriteOptions = {}): Promise<WriteResult> {
    return this.#upsert("quotes", rows, options);
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
    return copyRows(this.#sink, "bars", source, options);
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
    return copyRows(this.#sink, "fundamentals", source, options);
  }

  /**
   * Streams news into the store; see {@linkcode TenantApi.copyBars}.
   *
   * @param source Items.
   * @param options Batch size, concurrency and mode.
   * @returns Totals of everything written.
   */
  copyNews(source: RowSource<NewsInput>, options: CopyOptions = {}): Promise<WriteResult> {
    return copyRows(this.#sink, "news", source, options);
  }

  /**
   * Streams option snapshots into the store; see {@linkcode TenantApi.copyBars}.
   *
   * @param source Snapshots.
   * @param options Batch size, concurrency and mode.
   * @returns Totals of everything written.
   */
  copyOptions(source: RowSource<OptionSnapInput>, options: CopyOptions = {}): Promise<WriteResult> {
    return copyRows(this.#sink, "options", source, options);
  }

  /**
   * Streams level-1 quotes into the store; see {@linkcode TenantApi.copyBars}.
   *
   * @param source Quotes.
   * @param options Batch size, concurrency and mode.
   * @returns Totals of everything written.
   *
   * @example
   * ```ts
   * import { createClient } from "@mds/client";
   * import assert from "node:assert/strict";
   *
   * await using client = await createClient({ memory: true });
   * async function* ticks() {
   *   for (let i = 0; i < 500; i++) {
   *     yield { ts: Date.UTC(2024, 0, 2, 14, 30) + i * 250, vendor: "v", symbol: "A",
   *       bid: 10 + i / 100, ask: 10.01 + i / 100 };
   *   }
   * }
   * const t = client.tenant("6f1c7a54-3b1e-4c8e-9a57-2d4be1f0a001");
   * assert.equal((await t.copyQuotes(ticks(), { batchRows: 200 })).inserted, 500);
   * ```
   */
  copyQuotes(source: RowSource<QuoteInput>, options: CopyOptions = {}): Promise<WriteResult> {
    return copyRows(this.#sink, "quotes", source, options);
  }

  /**
   * The tenant's write path for rows validated beforehand, as a {@linkcode BatchProcessor}
   * uses it: `validate` a row now, `write` many later without validating them again. From
   * {@linkcode MdsClient.tenant} each write is its own unit of work; inside
   * {@linkcode MdsClient.withTenant} it joins the shared transaction.
   *
   * @returns The tenant's {@linkcode RowSink}.
   *
   * @example
   * ```ts
   * import { BatchProcessor, createClient } from "@mds/client";
   * import assert from "node:assert/strict";
   *
   * await using client = await createClient({ memory: true });
   * const sink = client.tenant("6f1c7a54-3b1e-4c8e-9a57-2d4be1f0a001").sink();
   * const batch = new BatchProcessor(sink, { maxRows: 100 });
   * const bar = sink.validate("bars", { ts: 0, vendor: "v", symbol: "A", timeframe: "1d",
   *   open: 1, high: 1, low: 1, close: 1 });
   * await batch.addValidated("bars", bar);
   * assert.equal((await batch.close()).inserted, 1);
   * ```
   */
  sink(): RowSink {
    return this.#sink;
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
    return this.#sink.validate(kind, input, index);
  }

  async #upsert<K extends RowKind>(
    kind: K,
    inputs: readonly unknown[],
    options: WriteOptions,
  ): Promise<WriteResult> {
    if (!Array.isArray(inputs)) {
      throw new ConfigError("rows", inputs, "must be an array of rows");
    }
    const rows = inputs.map((row, i) => this.#sink.validate(kind, row, i));
    return await this.#sink.write(kind, rows, options);
  }

  /**
   * The newest price of each symbol, one row per symbol and vendor.
   *
   * @param symbols Tickers; normalised as stored.
   * @param options Only one vendor; `knownAt`: the prices as the store knew them at that instant
   * (computed from the bars known then; `updated_at` is when that bar's version was written).
   * @returns Rows sorted by symbol and vendor.
   * @throws {AsOfOutOfRangeError} When `knownAt` is outside the history (see `corrections`).
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
    options: {
      vendor?: string | undefined;
      knownAt?: Date | string | number | undefined;
    } = {},
  ): Promise<LatestPrice[]> {
    const knownAt = knownAtOf(options.knownAt);
    return this.#read((db) => latestPrices(db, this.#ctx.tenant, symbols, options.vendor, knownAt));
  }

  /**
   * The newest level-1 quote of each symbol: one row per symbol that has quotes, whichever
   * vendor sent it (quotes of the same instant from several vendors: the first vendor by name).
   *
   * @param symbols Tickers; normalised as stored, repeats read once.
   * @param options Only one vendor's quotes.
   * @returns Quotes sorted by symbol; symbols without quotes are left out.
   * @throws {ValidationError} When a symbol or the vendor is invalid.
   *
   * @example
   * ```ts
   * import { createClient } from "@mds/client";
   * import assert from "node:assert/strict";
   *
   * await using client = await createClient({ memory: true });
   * const t = client.tenant("6f1c7a54-3b1e-4c8e-9a57-2d4be1f0a001");
   * await t.upsertQuotes([
   *   { ts: "2024-01-02T14:30:00Z", vendor: "v", symbol: "AAPL", bid: 185.1, ask: 185.2 },
   *   { ts: "2024-01-02T14:30:01Z", vendor: "v", symbol: "AAPL", bid: 185.15, ask: 185.2 },
   * ]);
   * const [q] = await t.latestQuotes(["aapl", "MSFT"]);
   * assert.equal(q?.bid, 185.15);
   * assert.equal(q?.ts.toISOString(), "2024-01-02T14:30:01.000Z");
   * ```
   */
  latestQuotes(
    symbols: readonly string[],
    options: { vendor?: string | undefined } = {},
  ): Promise<Quote[]> {
    return this.#read((db) => latestQuotes(db, symbols, options.vendor));
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
    return (await this.#read((db) => barsWindow(db, this.#ctx.tenant, window, mode)))
      .bars;
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
    wholeNumber("pageRows", pageRows, 1);
    const first = windowOf(query);
    let left = query.limit === undefined ? Infinity : first.limit;
    let window = { ...first, limit: Math.min(pageRows, left) };
    const mode = await this.#ctx.schemaMode();
    let source: "stored" | "aggregate" | undefined;
    for (;;) {
      const w = window;
      const page = await this.#read((db) => barsWindow(db, this.#ctx.tenant, w, mode, source));
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
    return this.#read((db) => news(db, query));
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
    return this.#read((db) => optionChain(db, query));
  }

  /**
   * The newest snapshot of each contract of every expiry not past at a time (or of one
   * expiry), as known at that time: the whole chain an analysis reads.
   *
   * @param query Underlying, time, expiry and vendor.
   * @returns One snapshot per vendor, expiry, side and strike.
   *
   * @example
   * ```ts
   * import { createClient } from "@mds/client";
   * import assert from "node:assert/strict";
   *
   * await using client = await createClient({ memory: true });
   * const t = client.tenant("6f1c7a54-3b1e-4c8e-9a57-2d4be1f0a001");
   * const snap = { ts: "2024-01-02T15:00:00Z", vendor: "o", symbol: "SPY", option_type: "C",
   *   strike: 470, bid: 1 };
   * await t.upsertOptions([{ ...snap, expiry: "2024-01-19" }, { ...snap, expiry: "2024-02-16" },
   *   { ...snap, expiry: "2023-12-29" }]);
   * const chains = await t.optionChains({ symbol: "SPY", at: "2024-01-02T16:00:00Z" });
   * assert.deepEqual(chains.map((c) => c.expiry), ["2024-01-19", "2024-02-16"]);
   * ```
   */
  optionChains(query: OptionChainsQuery): Promise<OptionSnap[]> {
    return this.#read((db) => optionChains(db, query));
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
    return this.#read((db) => fundamentals(db, query));
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
    return this.#read((db) => cursors(db, options.symbol));
  }

  /**
   * The corrections of a ticker's bars, fundamentals and option snapshots: every version that a
   * later write replaced since an instant, with the fields that changed, from what to what.
   * Versions are kept from the moment migration 0013 ran, back to the history horizon. The same
   * history answers point-in-time reads: pass `knownAt` to `barsWindow`, `iterateBars`,
   * `latestPrices`, `fundamentals` or `optionChain`.
   *
   * @param query Ticker, since, kind and limit.
   * @returns Corrections, oldest replacement first.
   * @throws {ValidationError} When an argument is invalid.
   *
   * @example
   * ```ts
   * import { createClient } from "@mds/client";
   * import assert from "node:assert/strict";
   *
   * await using client = await createClient({ memory: true });
   * const t = client.tenant("6f1c7a54-3b1e-4c8e-9a57-2d4be1f0a001");
   * const bar = { ts: "2024-01-02T14:30:00Z", vendor: "v", symbol: "A", timeframe: "1m" as const,
   *   open: 1, high: 2, low: 1, close: 2 };
   * const pause = () => new Promise((resolve) => setTimeout(resolve, 5));
   * await t.upsertBars([bar]);
   * await pause();
   * const before = new Date();
   * await pause();
   * await t.upsertBars([{ ...bar, close: 1.5 }]);
   * const [c] = await t.corrections({ symbol: "A", since: 0 });
   * assert.deepEqual([c?.kind, c?.from, c?.to], ["bars", { close: 2 }, { close: 1.5 }]);
   * const [old] = await t.barsWindow({ symbol: "A", timeframe: "1m", start: bar.ts,
   *   end: "2024-01-03T00:00:00Z", knownAt: before });
   * assert.equal(old?.close, 2);
   * ```
   */
  corrections(query: CorrectionsQuery): Promise<Correction[]> {
    const q = correctionsQueryOf(query);
    return this.#read((db) => corrections(db, q));
  }

  /**
   * Enqueues a job once per idempotency key.
   *
   * @deprecated Use `jobs.enqueueJob` ({@linkcode JobsApi.enqueueJob}); goes in the next release.
   *
   * @param job Key, type, payload, priority, earliest start and attempts.
   * @returns The job id and whether this call created it.
   */
  enqueueJob(job: EnqueueJobInput): Promise<EnqueuedJob> {
    return this.jobs.enqueueJob(job);
  }

  /**
   * Claims up to `limit` due jobs for a worker.
   *
   * @deprecated Use `jobs.claimJobs` ({@linkcode JobsApi.claimJobs}); goes in the next release.
   *
   * @param options Worker name, job types, how many and the lease length.
   * @returns The claimed jobs, most urgent first.
   */
  claimJobs(options: ClaimJobsOptions): Promise<JobRecord[]> {
    return this.jobs.claimJobs(options);
  }

  /**
   * Marks a running job done.
   *
   * @deprecated Use `jobs.completeJob` ({@linkcode JobsApi.completeJob}); goes in the next
   * release.
   *
   * @param id The job's id.
   * @param options Only if this worker holds the lease.
   * @returns The job, done.
   */
  completeJob(id: string, options: CompleteJobOptions = {}): Promise<JobRecord> {
    return this.jobs.completeJob(id, options);
  }

  /**
   * Records a failed attempt of a running job.
   *
   * @deprecated Use `jobs.failJob` ({@linkcode JobsApi.failJob}); goes in the next release.
   *
   * @param id The job's id.
   * @param error What went wrong.
   * @param options Whether to retry, the worker, the backoff and the code.
   * @returns The job, queued again or dead.
   */
  failJob(id: string, error: unknown, options: FailJobOptions = {}): Promise<JobRecord> {
    return this.jobs.failJob(id, error, options);
  }

  /**
   * The tenant's jobs, oldest change first.
   *
   * @deprecated Use `jobs.listJobs` ({@linkcode JobsApi.listJobs}); goes in the next release.
   *
   * @param query State, type, minimum age and limit.
   * @returns The jobs.
   */
  listJobs(query: ListJobsQuery = {}): Promise<JobRecord[]> {
    return this.jobs.listJobs(query);
  }

  /**
   * Counts the tenant's jobs by type and state.
   *
   * @deprecated Use `jobs.jobStats` ({@linkcode JobsApi.jobStats}); goes in the next release.
   *
   * @returns One line per type and state that has jobs.
   */
  jobStats(): Promise<JobStat[]> {
    return this.jobs.jobStats();
  }

  /**
   * Puts one dead job back in the queue.
   *
   * @deprecated Use `jobs.requeueJob` ({@linkcode JobsApi.requeueJob}); goes in the next release.
   *
   * @param id The job's id.
   * @returns The job, queued.
   */
  requeueJob(id: string): Promise<JobRecord> {
    return this.jobs.requeueJob(id);
  }

  /**
   * Puts every dead job matching a filter back in the queue.
   *
   * @deprecated Use `jobs.requeueDeadJobs` ({@linkcode JobsApi.requeueDeadJobs}); goes in the
   * next release.
   *
   * @param filter Ids, type and minimum age (since death).
   * @returns The ids requeued, sorted.
   */
  requeueDeadJobs(filter: RequeueDeadJobsFilter = {}): Promise<string[]> {
    return this.jobs.requeueDeadJobs(filter);
  }

  /**
   * Deletes dead jobs that died at least `olderThanSeconds` ago.
   *
   * @deprecated Use `jobs.purgeDeadJobs` ({@linkcode JobsApi.purgeDeadJobs}); goes in the next
   * release.
   *
   * @param filter Minimum age (0 for every dead job) and type.
   * @returns How many were deleted.
   */
  purgeDeadJobs(filter: PurgeDeadJobsFilter): Promise<number> {
    return this.jobs.purgeDeadJobs(filter);
  }

  /**
   * Requests a backfill of one series over `[start, end)`.
   *
   * @deprecated Use `jobs.requestBackfill` ({@linkcode JobsApi.requestBackfill}); goes in the
   * next release.
   *
   * @param request Symbol, timeframe, window, vendor and tier (default T1).
   * @param options Caps per tier and attempts.
   * @returns The job id, whether this call created it, its key, tier and priority.
   */
  requestBackfill(
    request: BackfillRequestInput,
    options: BackfillOptions = {},
  ): Promise<BackfillRequested> {
    return this.jobs.requestBackfill(request, options);
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

  /**
   * How whole a set of series is, day by day: for each of the last trading days of a calendar,
   * the bars it expects at a timeframe (up to `now`), how many each symbol has stored on that
   * grid (any vendor; one set-based count over every symbol and day), and the queued or running
   * backfills of those symbols that overlap the days. What the coverage page of
   * `@mds/service` draws.
   *
   * @param query Symbols, timeframe, how many days up to which date, calendar and `now`.
   * @returns The days, the counts (pairs without bars left out) and the pending backfills.
   * @throws {ValidationError} When an argument is invalid, or a day is outside the calendar's
   * years.
   *
   * @example
   * ```ts
   * import { createClient } from "@mds/client";
   * import assert from "node:assert/strict";
   *
   * await using client = await createClient({ memory: true });
   * const t = client.tenant("6f1c7a54-3b1e-4c8e-9a57-2d4be1f0a001");
   * // 2024-07-03 closes early, at 13:00 New York: 210 one-minute bars; 100 are stored
   * await t.upsertBars(Array.from({ length: 100 }, (_, i) => ({ ts: Date.UTC(2024, 6, 3, 13, 30 + i),
   *   vendor: "v", symbol: "SPY", timeframe: "1m", open: 1, high: 1, low: 1, close: 1 })));
   * const c = await t.barCoverage({ symbols: ["spy"], timeframe: "1m", days: 2, end: "2024-07-05" });
   * assert.deepEqual(c.days.map((d) => [d.date, d.expected]), [["2024-07-03", 210], ["2024-07-05", 390]]);
   * assert.deepEqual(c.present, [{ symbol: "SPY", date: "2024-07-03", bars: 100 }]);
   * ```
   */
  async barCoverage(query: BarCoverageQuery): Promise<BarCoverage> {
    const window = coverageWindow(query);
    return await this.#read((db) => barCoverage(db, window));
  }
}
