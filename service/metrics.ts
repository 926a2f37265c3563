import { type MetricsRegistry, PROVIDER_NAMES, type ProviderName } from "@mds/providers";
import { BACKFILL_TIERS, type BackfillTier, type Timeframe, TIMEFRAMES } from "@mds/sql";
import { Counter, Gauge, Histogram, Registry } from "prom-client";
import { JOB_TYPES, type JobType } from "./jobs.ts";

/** How a job attempt ended. */
export const JOB_OUTCOMES = ["done", "retry", "dead", "deferred", "no_data"] as const;
/** One of {@linkcode JOB_OUTCOMES}. */
export type JobOutcome = typeof JOB_OUTCOMES[number];

/** How a backfill ended. */
export const BACKFILL_STATUSES = ["done", "dead", "no_data"] as const;
/** One of {@linkcode BACKFILL_STATUSES}. */
export type BackfillStatus = typeof BACKFILL_STATUSES[number];

/** What the collector writes, as the `kind` label of `mds_rows_written_total`. */
export const WRITTEN_KINDS = ["bars", "quotes", "options"] as const;
/** One of {@linkcode WRITTEN_KINDS}. */
export type WrittenKind = typeof WRITTEN_KINDS[number];

/** Why a vendor row was not written, as the `reason` label of `mds_rows_refused_total`. */
export const REFUSAL_REASONS = [
  /** The row failed its `@mds/sql` model. */
  "invalid",
  /** Stamped further ahead than `validation.futureToleranceSeconds`. */
  "future",
  /** Outside the window the job asked for. */
  "outside_window",
  /** A second row with the same key in one answer. */
  "duplicate",
] as const;
/** One of {@linkcode REFUSAL_REASONS}. */
export type RefusalReason = typeof REFUSAL_REASONS[number];

/** The `provider` label of a job that ran against no provider (refused before any call). */
export const NO_PROVIDER = "none" as const;

const PROVIDER_LABELS: readonly string[] = [...PROVIDER_NAMES, NO_PROVIDER];

/** Write-batch duration buckets, seconds: 1 ms to 10 s. */
const WRITE_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** Label values that would be unbounded are refused, so a bad call cannot blow up the series. */
function oneOf<T extends string>(label: string, value: T, allowed: readonly string[]): T {
  if (!allowed.includes(value)) {
    throw new TypeError(
      `Invalid metric label: "${label}" is ${JSON.stringify(value)}: must be one of ${
        allowed.join(", ")
      }`,
    );
  }
  return value;
}

function count(name: string, n: number): number {
  if (!Number.isInteger(n) || n < 0) {
    throw new RangeError(`Invalid metric value: "${name}" is ${n}: must be a whole number >= 0`);
  }
  return n;
}

function seconds(name: string, s: number): number {
  if (!Number.isFinite(s) || s < 0) {
    throw new RangeError(`Invalid metric value: "${name}" is ${s}: must be seconds >= 0`);
  }
  return s;
}

/**
 * The collector's Prometheus metrics, on one prom-client `Registry` (the caller's, or a private
 * one; never the global default). Names are in base units with the `mds_` prefix; labels are
 * bounded sets (job types, providers, tiers, timeframes, fixed outcomes), never symbols or
 * tenants. Label values outside those sets throw `TypeError`; negative counts `RangeError`.
 *
 * | metric | type | labels |
 * |---|---|---|
 * | `mds_jobs_processed_total` | counter | type, provider, outcome |
 * | `mds_gaps_found_total` | counter | interval |
 * | `mds_backfill_jobs_enqueued_total` | counter | tier |
 * | `mds_backfill_jobs_completed_total` | counter | tier, status |
 * | `mds_backfill_queue_depth` | gauge | tier |
 * | `mds_backfill_oldest_age_seconds` | gauge | tier |
 * | `mds_write_batch_seconds` | histogram | |
 * | `mds_ingestion_lag_seconds` | gauge | interval |
 * | `mds_slo_gap_violation_rate` | gauge | tier, interval |
 * | `mds_rows_written_total` | counter | kind |
 * | `mds_rows_refused_total` | counter | reason |
 * | `mds_sweeps_total` | counter | |
 * | `mds_universe_series` | gauge | tier, interval |
 *
 * @example
 * ```ts
 * import { CollectorMetrics } from "@mds/service";
 * import { Registry } from "prom-client";
 * import assert from "node:assert/strict";
 *
 * const registry = new Registry();
 * const metrics = new CollectorMetrics(registry);
 * metrics.jobProcessed("bars_fetch", "yahoo", "done");
 * metrics.backfillQueue("T0", 3, 42);
 * const text = await registry.metrics();
 * assert.match(text, /mds_jobs_processed_total\{type="bars_fetch",provider="yahoo",outcome="done"\} 1/);
 * assert.match(text, /mds_backfill_oldest_age_seconds\{tier="T0"\} 42/);
 * ```
 */
export class CollectorMetrics {
  /** The registry the metrics are on; render it with `registry.metrics()`. */
  readonly registry: MetricsRegistry;
  readonly #jobs: Counter<"type" | "provider" | "outcome">;
  readonly #gaps: Counter<"interval">;
  readonly #enqueued: Counter<"tier">;
  readonly #completed: Counter<"tier" | "status">;
  readonly #depth: Gauge<"tier">;
  readonly #oldest: Gauge<"tier">;
  readonly #writeBatch: Histogram;
  readonly #lag: Gauge<"interval">;
  readonly #slo: Gauge<"tier" | "interval">;
  readonly #written: Counter<"kind">;
  readonly #refused: Counter<"reason">;
  readonly #sweeps: Counter;
  readonly #universe: Gauge<"tier" | "interval">;

  /**
   * Registers the metrics.
   *
   * @param registry Where to register them: a prom-client `Registry`, never the global one.
   *   @default {a new private `Registry`}
   * @throws {TypeError} When the registry already holds one of them (one collector per
   *   registry).
   */
  constructor(registry?: MetricsRegistry) {
    this.registry = registry ?? new Registry();
    const registers = [this.registry as unknown as Registry];
    const counter = <L extends string>(name: string, help: string, labelNames: readonly L[]) => {
      this.#unique(name);
      return new Counter<L>({ name, help, labelNames, registers });
    };
    const gauge = <L extends string>(name: string, help: string, labelNames: readonly L[]) => {
      this.#unique(name);
      return new Gauge<L>({ name, help, labelNames, registers });
    };
    this.#jobs = counter(
      "mds_jobs_processed_total",
      "Job attempts finished by the collector, by job type, provider and outcome (done, retry, dead, deferred, no_data).",
      ["type", "provider", "outcome"],
    );
    this.#gaps = counter(
      "mds_gaps_found_total",
      "Gaps in stored bar series found by gap detection, by bar interval.",
      ["interval"],
    );
    this.#enqueued = counter(
      "mds_backfill_jobs_enqueued_total",
      "Backfill jobs enqueued, by tier.",
      ["tier"],
    );
    this.#completed = counter(
      "mds_backfill_jobs_completed_total",
      "Backfill jobs finished, by tier and status (done, dead, no_data).",
      ["tier", "status"],
    );
    this.#depth = gauge(
      "mds_backfill_queue_depth",
      "Backfill jobs queued or running, by tier.",
      ["tier"],
    );
    this.#oldest = gauge(
      "mds_backfill_oldest_age_seconds",
      "Age of the oldest queued backfill job, by tier, in seconds; 0 when none is queued.",
      ["tier"],
    );
    this.#unique("mds_write_batch_seconds");
    this.#writeBatch = new Histogram({
      name: "mds_write_batch_seconds",
      help: "Duration of one batch write of fetched rows to the store, in seconds.",
      buckets: WRITE_BUCKETS,
      registers,
    });
    this.#lag = gauge(
      "mds_ingestion_lag_seconds",
      "Now minus the close of the newest stored bar, worst active series of the universe per bar interval, in seconds; computed from the ingestion cursors at each SLO measurement (backfills of old bars do not raise it), intervals without stored series absent.",
      ["interval"],
    );
    this.#slo = gauge(
      "mds_slo_gap_violation_rate",
      "Share of series with a gap in the SLO window, by tier and bar interval, from 0 to 1.",
      ["tier", "interval"],
    );
    this.#written = counter(
      "mds_rows_written_total",
      "Rows written to the store by the collector, by kind (bars, quotes, options).",
      ["kind"],
    );
    this.#refused = counter(
      "mds_rows_refused_total",
      "Vendor rows not written, by reason (invalid, future, outside_window, duplicate).",
      ["reason"],
    );
    this.#sweeps = counter(
      "mds_sweeps_total",
      "Sweeps of the symbol universe that enqueued the jobs whose cadence came round.",
      [],
    );
    this.#universe = gauge(
      "mds_universe_series",
      "Series of the symbol universe being collected, by tier and bar interval.",
      ["tier", "interval"],
    );
    // Series of small fixed label sets exist from the start, so rate() sees their first rise.
    for (const tier of BACKFILL_TIERS) {
      this.#enqueued.inc({ tier }, 0);
      for (const status of BACKFILL_STATUSES) this.#completed.inc({ tier, status }, 0);
    }
  }

  #unique(name: string): void {
    if (this.registry.getSingleMetric(name) !== undefined) {
      throw new TypeError(
        `Metric "${name}" is already registered: give each collector its own metrics registry`,
      );
    }
  }

  /**
   * Counts a finished job attempt.
   *
   * @param type The job type.
   * @param provider The provider that served it, or `"none"` when it ran against none.
   * @param outcome How it ended.
   */
  jobProcessed(type: JobType, provider: ProviderName | "none", outcome: JobOutcome): void {
    this.#jobs.inc({
      type: oneOf("type", type, JOB_TYPES),
      provider: oneOf("provider", provider, PROVIDER_LABELS),
      outcome: oneOf("outcome", outcome, JOB_OUTCOMES),
    });
  }

  /**
   * Counts gaps found.
   *
   * @param interval The bar timeframe.
   * @param n How many. @default {1}
   */
  gapsFound(interval: Timeframe, n = 1): void {
    this.#gaps.inc({ interval: oneOf("interval", interval, TIMEFRAMES) }, count("gaps", n));
  }

  /**
   * Counts backfill jobs enqueued.
   *
   * @param tier The tier.
   * @param n How many. @default {1}
   */
  backfillEnqueued(tier: BackfillTier, n = 1): void {
    this.#enqueued.inc({ tier: oneOf("tier", tier, BACKFILL_TIERS) }, count("enqueued", n));
  }

  /**
   * Counts a finished backfill job.
   *
   * @param tier The tier.
   * @param status How it ended.
   */
  backfillCompleted(tier: BackfillTier, status: BackfillStatus): void {
    this.#completed.inc({
      tier: oneOf("tier", tier, BACKFILL_TIERS),
      status: oneOf("status", status, BACKFILL_STATUSES),
    });
  }

  /**
   * Sets a tier's backfill queue: its depth and the age of its oldest queued job.
   *
   * @param tier The tier.
   * @param depth Jobs queued or running.
   * @param oldestAgeSeconds Age of the oldest queued job in seconds, 0 when none.
   */
  backfillQueue(tier: BackfillTier, depth: number, oldestAgeSeconds: number): void {
    const labels = { tier: oneOf("tier", tier, BACKFILL_TIERS) };
    this.#depth.set(labels, count("depth", depth));
    this.#oldest.set(labels, seconds("oldestAgeSeconds", oldestAgeSeconds));
  }

  /**
   * Records the duration of one batch write.
   *
   * @param s Seconds.
   */
  writeBatch(s: number): void {
    this.#writeBatch.observe(seconds("writeBatch", s));
  }

  /**
   * Sets the ingestion lag of a timeframe.
   *
   * @param interval The bar timeframe.
   * @param s Seconds from the newest stored bar's close to now (worst series).
   */
  ingestionLag(interval: Timeframe, s: number): void {
    this.#lag.set({ interval: oneOf("interval", interval, TIMEFRAMES) }, seconds("lag", s));
  }

  /**
   * Replaces the ingestion lag of every timeframe: sets those given, removes the others (a
   * timeframe no longer collected does not keep its last lag).
   *
   * @param lags Seconds from the newest stored bar's close to now, worst series, by timeframe.
   */
  ingestionLags(lags: Partial<Record<Timeframe, number>>): void {
    for (const interval of TIMEFRAMES) {
      const s = lags[interval];
      if (s === undefined) this.#lag.remove({ interval });
      else this.ingestionLag(interval, s);
    }
  }

  /**
   * Sets the gap violation rate of a tier and timeframe.
   *
   * @param tier The tier.
   * @param interval The bar timeframe.
   * @param rate Share of series with a gap, 0 to 1.
   * @throws {RangeError} When `rate` is outside 0 to 1.
   */
  sloGapViolationRate(tier: BackfillTier, interval: Timeframe, rate: number): void {
    if (!(rate >= 0 && rate <= 1)) {
      throw new RangeError(`Invalid metric value: "rate" is ${rate}: must be 0 to 1`);
    }
    this.#slo.set({
      tier: oneOf("tier", tier, BACKFILL_TIERS),
      interval: oneOf("interval", interval, TIMEFRAMES),
    }, rate);
  }

  /**
   * Counts rows written.
   *
   * @param kind What was written.
   * @param n How many rows.
   */
  rowsWritten(kind: WrittenKind, n: number): void {
    this.#written.inc({ kind: oneOf("kind", kind, WRITTEN_KINDS) }, count("rows", n));
  }

  /**
   * Counts vendor rows not written.
   *
   * @param reason Why.
   * @param n How many rows. @default {1}
   */
  rowsRefused(reason: RefusalReason, n = 1): void {
    this.#refused.inc({ reason: oneOf("reason", reason, REFUSAL_REASONS) }, count("rows", n));
  }

  /** Counts a sweep. */
  sweep(): void {
    this.#sweeps.inc();
  }

  /**
   * Sets how many series of a tier and timeframe are being collected.
   *
   * @param tier The tier.
   * @param interval The bar timeframe.
   * @param n Series.
   */
  universeSeries(tier: BackfillTier, interval: Timeframe, n: number): void {
    this.#universe.set({
      tier: oneOf("tier", tier, BACKFILL_TIERS),
      interval: oneOf("interval", interval, TIMEFRAMES),
    }, count("series", n));
  }
}

/** Methods kept as the `method` label; any other is counted as `OTHER`. */
const HTTP_METHODS: readonly string[] = [
  "GET",
  "HEAD",
  "POST",
  "PUT",
  "PATCH",
  "DELETE",
  "OPTIONS",
];

/** Latency buckets of the HTTP histogram, seconds: 1 ms to 30 s (the admin server's). */
const HTTP_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

/**
 * The HTTP metrics of the service API, with the admin server's names and labels so one
 * dashboard query serves both (tell them apart by the scrape `job`):
 *
 * | metric | type | labels |
 * |---|---|---|
 * | `mds_http_requests_total` | counter | method, route, status |
 * | `mds_http_request_duration_seconds` | histogram | method, route |
 *
 * `route` is the route template that answered (`/stocks/:symbol/price`), `unmatched` for none:
 * never the raw path, so symbols and ids never become label values. A second instance on the
 * same registry shares the metrics.
 *
 * @example
 * ```ts
 * import { HttpMetrics } from "@mds/service";
 * import { Registry } from "prom-client";
 * import assert from "node:assert/strict";
 *
 * const registry = new Registry();
 * new HttpMetrics(registry).request("GET", "/stocks/:symbol/price", 200, 0.004);
 * const text = await registry.metrics();
 * assert.match(text, /mds_http_requests_total\{method="GET",route="\/stocks\/:symbol\/price",status="200"\} 1/);
 * assert.match(text, /mds_http_request_duration_seconds_count\{method="GET",route="\/stocks\/:symbol\/price"\} 1/);
 * ```
 */
export class HttpMetrics {
  readonly #requests: Counter<"method" | "route" | "status">;
  readonly #durations: Histogram<"method" | "route">;

  /**
   * Registers the metrics, or finds them when the registry holds them already.
   *
   * @param registry A prom-client `Registry`, never the global one.
   * @throws {TypeError} When the registry holds a metric of one of these names of another type.
   */
  constructor(registry: MetricsRegistry) {
    const registers = [registry as unknown as Registry];
    const found = <M>(name: string, type: abstract new (...a: never[]) => M): M | undefined => {
      const m = registry.getSingleMetric(name);
      if (m === undefined) return undefined;
      if (!(m instanceof type)) {
        throw new TypeError(`Metric "${name}" is already registered with another type`);
      }
      return m as M;
    };
    this.#requests = found("mds_http_requests_total", Counter<"method" | "route" | "status">) ??
      new Counter({
        name: "mds_http_requests_total",
        help: "HTTP requests answered, by method, route template and status.",
        labelNames: ["method", "route", "status"] as const,
        registers,
      });
    this.#durations = found("mds_http_request_duration_seconds", Histogram<"method" | "route">) ??
      new Histogram({
        name: "mds_http_request_duration_seconds",
        help: "Time to answer HTTP requests, by method and route template.",
        labelNames: ["method", "route"] as const,
        buckets: HTTP_BUCKETS,
        registers,
      });
  }

  /**
   * Counts one answered request and observes its duration.
   *
   * @param method The HTTP method.
   * @param route The route template, or `unmatched`.
   * @param status The response status.
   * @param s Seconds to answer.
   */
  request(method: string, route: string, status: number, s: number): void {
    const m = HTTP_METHODS.includes(method) ? method : "OTHER";
    this.#requests.inc({ method: m, route, status: String(status) });
    this.#durations.observe({ method: m, route }, seconds("duration", s));
  }
}
