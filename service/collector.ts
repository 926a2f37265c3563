// The collector: a sweeper that enqueues what is due, workers that run the jobs, gap repair and
// the SLO monitor, over one tenant's universe. Several collectors (threads of one process, or
// processes on several machines) share one database's queue safely.
import type { JobRecord, MdsClient, SeriesCursor, UniverseRecord } from "@mds/client";
import { type FetchFn, ProviderRegistry } from "@mds/providers";
import { BACKFILL_TIERS, MdsError, type Timeframe, timeframeMillis } from "@mds/sql";
import type { MetricsRegistry } from "@mds/providers";
import { type CollectorConfig, parseCollectorConfig } from "./config.ts";
import { repairGaps, type RepairReport, type RepairSeries } from "./gap_repair.ts";
import { JOB_TYPES } from "./jobs.ts";
import { CollectorMetrics, type JobOutcome } from "./metrics.ts";
import { measureSlo, type SloRate } from "./slo.ts";
import { planSweep, type SweepPlan } from "./sweeper.ts";
import { runJob, type WorkerDeps, type WrittenSeries } from "./worker.ts";

/** A structured log line of the collector. */
export interface CollectorEvent {
  /** What happened, e.g. `sweep`, `job_retry`, `unfillable`. */
  event: string;
  /** Its fields. */
  [field: string]: unknown;
}

/** Options of {@linkcode Collector}. */
export interface CollectorOptions {
  /** The store; the collector does not close it. */
  client: MdsClient;
  /** The tenant whose universe is collected. */
  tenant: string;
  /** The configuration, validated (see `parseCollectorConfig`). @default {the defaults} */
  config?: CollectorConfig | undefined;
  /** Where API keys and base URLs are read. @default {{}} */
  env?: Readonly<Record<string, string | undefined>> | undefined;
  /** Sends the vendors' HTTP requests. @default {globalThis.fetch} */
  fetch?: FetchFn | undefined;
  /** Where the collector's and the providers' metrics go. @default {a private registry} */
  metrics?: MetricsRegistry | undefined;
  /** The clock, epoch milliseconds. @default {Date.now} */
  now?: (() => number) | undefined;
  /**
   * Collect up to this time instead of now: sweeps, windows and the SLO use it as "now". For
   * catching up to a past moment and for reproducible runs. @default {none: the clock}
   */
  until?: Date | undefined;
  /** This collector's name in job leases; workers add `/1`, `/2`, .... @default {host:pid} */
  name?: string | undefined;
  /** Receives the log lines. @default {none} */
  log?: ((event: CollectorEvent) => void) | undefined;
}

/** What {@linkcode Collector.runOnce} did. */
export interface RunSummary {
  /** The sweep. */
  sweep: { series: number; enqueued: number; closed: number; pending: number; uncollected: number };
  /** Jobs run, by outcome. */
  jobs: Record<JobOutcome, number>;
  /** Gap repair, over every series. */
  repair: RepairReport;
  /** Jobs still queued but not due yet (retries waiting for their backoff). */
  waiting: number;
  /** The continuity SLO afterwards. */
  slo: SloRate[];
}

const emptyOutcomes = (): Record<JobOutcome, number> => ({
  done: 0,
  retry: 0,
  dead: 0,
  deferred: 0,
  no_data: 0,
});

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve) => {
    if (signal?.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener("abort", done, { once: true });
  });

function defaultName(): string {
  const g = globalThis as { Deno?: { hostname(): string; pid: number } };
  try {
    if (g.Deno) return `${g.Deno.hostname()}:${g.Deno.pid}`;
  } catch {
    // hostname needs --allow-sys
  }
  return `collector:${Math.random().toString(36).slice(2, 10)}`;
}

/**
 * Keeps a tenant's universe whole: sweeps (one `bars_fetch` per due series, `quotes_fetch`
 * and `options_fetch` for tiers with quotes or option chains), runs jobs with bounded workers through a {@linkcode ProviderRegistry},
 * repairs gaps with backfills and measures the continuity SLO. {@linkcode Collector.runOnce}
 * does one pass and returns (cron, tests); {@linkcode Collector.run} runs until its signal
 * aborts, then stops claiming and finishes (or releases) the running jobs.
 *
 * @example One pass over an empty universe
 * ```ts
 * import { createClient } from "@mds/client";
 * import { Collector } from "@mds/service";
 * import assert from "node:assert/strict";
 *
 * await using client = await createClient({ memory: true });
 * const collector = new Collector({ client, tenant: "6f1c7a54-3b1e-4c8e-9a57-2d4be1f0a001" });
 * const summary = await collector.runOnce();
 * assert.deepEqual([summary.sweep.series, summary.jobs.done], [0, 0]);
 * ```
 */
export class Collector {
  readonly #client: MdsClient;
  readonly #tenant: string;
  readonly #registry: ProviderRegistry;
  readonly #metrics: CollectorMetrics;
  readonly #clock: () => number;
  readonly #until: Date | undefined;
  readonly #name: string;
  readonly #log: (event: CollectorEvent) => void;
  #config: CollectorConfig;
  #active = 0;
  #outcomes = emptyOutcomes();

  /**
   * Creates a collector; nothing runs until {@linkcode Collector.runOnce} or
   * {@linkcode Collector.run}.
   *
   * @param options Store, tenant, configuration, vendors' environment, metrics and clock.
   * @throws {ProviderConfigError} When the providers' configuration cannot be built (e.g. an
   *   API key variable that is not set).
   */
  constructor(options: CollectorOptions) {
    this.#client = options.client;
    this.#tenant = options.tenant;
    this.#config = options.config ?? parseCollectorConfig({}, options.env ?? {});
    this.#clock = options.now ?? Date.now;
    this.#until = options.until;
    this.#name = options.name ?? defaultName();
    this.#log = options.log ?? (() => {});
    this.#metrics = new CollectorMetrics(options.metrics);
    this.#registry = new ProviderRegistry(this.#config.providers, {
      env: options.env ?? {},
      fetch: options.fetch,
      now: this.#clock,
      metrics: options.metrics,
      futureToleranceMs: this.#config.validation.futureToleranceSeconds * 1000,
      concurrency: this.#config.workers.providerConcurrency,
    });
  }

  /** The configuration in force. */
  get config(): CollectorConfig {
    return this.#config;
  }

  /** The provider registry the workers call: its health, breakers and history. */
  get registry(): ProviderRegistry {
    return this.#registry;
  }

  /**
   * Replaces the configuration between jobs: validated in full first (providers included), so
   * a refused one leaves the running configuration in force.
   *
   * @param config The new configuration, validated.
   * @throws {ProviderConfigError} When its providers cannot be built; nothing changes.
   */
  reload(config: CollectorConfig): void {
    this.#registry.reload(config.providers);
    this.#config = config;
    this.#log({ event: "config_reloaded" });
  }

  #now(): number {
    return this.#until?.getTime() ?? this.#clock();
  }

  #deps(): WorkerDeps {
    return {
      client: this.#client,
      tenant: this.#tenant,
      registry: this.#registry,
      config: () => this.#config,
      metrics: this.#metrics,
      now: () => this.#clock(),
      afterWrite: (series) => this.#repairWritten(series),
      log: (event, fields) => this.#log({ event, ...fields }),
    };
  }

  /**
   * One sweep: enqueues a `bars_fetch` per due series and the tiers' `quotes_fetch` jobs.
   *
   * @returns The plan and how many jobs were new.
   */
  async sweep(): Promise<SweepPlan & { enqueued: number }> {
    const api = this.#client.tenant(this.#tenant);
    const [universe, cursors, pending] = await Promise.all([
      api.universe.list({ active: true }),
      api.universe.seriesCursors(),
      api.jobs.pendingSeries("bars_fetch"),
    ]);
    const plan = planSweep({
      universe,
      cursors,
      pending,
      config: this.#config,
      now: new Date(this.#now()),
    });
    const created = await api.jobs.enqueueJobs(plan.jobs);
    this.#metrics.sweep();
    this.#log({
      event: "sweep",
      series: plan.series,
      enqueued: created.length,
      closed: plan.closed,
      pending: plan.pending,
      uncollected: plan.uncollected.length,
    });
    return { ...plan, enqueued: created.length };
  }

  /**
   * Runs due jobs with `workers.count` workers until none is due and none is running.
   *
   * @param signal Stops claiming; running jobs are released.
   * @returns Jobs run, by outcome.
   */
  async drain(signal?: AbortSignal): Promise<Record<JobOutcome, number>> {
    const before = { ...this.#outcomes };
    const loops = Array.from(
      { length: this.#config.workers.count },
      (_, i) => this.#workerLoop(i + 1, { drain: true, signal }),
    );
    await Promise.all(loops);
    const out = emptyOutcomes();
    for (const k of Object.keys(out) as JobOutcome[]) out[k] = this.#outcomes[k] - before[k];
    return out;
  }

  /**
   * Looks for gaps in every active series that has bars, and requests backfills.
   *
   * @returns The counts.
   */
  async scanGaps(): Promise<RepairReport> {
    const api = this.#client.tenant(this.#tenant);
    const [universe, cursors] = await Promise.all([
      api.universe.list({ active: true }),
      api.universe.seriesCursors(),
    ]);
    const newest = new Map(cursors.map((c) => [`${c.symbol}|${c.timeframe}`, c.last_ts]));
    const series: RepairSeries[] = [];
    for (const e of universe) {
      for (const timeframe of e.timeframes) {
        const last = newest.get(`${e.symbol}|${timeframe}`);
        if (last === undefined) continue;
        series.push({
          symbol: e.symbol,
          timeframe,
          tier: e.tier,
          calendar: e.calendar,
          historyStart: e.history_start,
          newest: last,
        });
      }
    }
    const report = await repairGaps(this.#repairDeps(), series);
    this.#log({ event: "gap_scan", ...report });
    await this.#publishQueue();
    return report;
  }

  /**
   * Measures the continuity SLO and sets its gauge, and the ingestion lag
   * (`mds_ingestion_lag_seconds{interval}`): for each bar interval, now minus the close of the
   * newest stored bar (its ingestion cursor) of the worst active series collected at that
   * interval, 0 when a series is current. Series without bars yet are left out, and so are
   * intervals without any, so a backfill of old bars never raises the lag; a series whose live
   * fetches stall raises it at the next measurement.
   *
   * @returns The rates per tier and timeframe.
   */
  async measureSlo(): Promise<SloRate[]> {
    const api = this.#client.tenant(this.#tenant);
    const [universe, cursors] = await Promise.all([
      api.universe.list({ active: true }),
      api.universe.seriesCursors(),
    ]);
    const rates = await measureSlo({ ...this.#repairDeps(), now: () => this.#now() }, universe);
    this.#metrics.ingestionLags(ingestionLags(universe, cursors, this.#config, this.#now()));
    return rates;
  }

  /**
   * One pass, for cron and tests: a sweep, then the queue drained (gap repair after each write
   * enqueues backfills, which are drained too), a gap scan over every series and its backfills,
   * then the SLO.
   *
   * @param signal Stops the pass between jobs.
   * @returns What was done.
   */
  async runOnce(signal?: AbortSignal): Promise<RunSummary> {
    const sweep = await this.sweep();
    const jobs = await this.drain(signal);
    const repair = await this.scanGaps();
    const more = await this.drain(signal);
    for (const k of Object.keys(jobs) as JobOutcome[]) jobs[k] += more[k];
    const waiting = (await this.#client.tenant(this.#tenant).jobs.jobStats())
      .filter((s) => s.state === "queued").reduce((n, s) => n + s.jobs, 0);
    const slo = await this.measureSlo();
    return {
      sweep: {
        series: sweep.series,
        enqueued: sweep.enqueued,
        closed: sweep.closed,
        pending: sweep.pending,
        uncollected: sweep.uncollected.length,
      },
      jobs,
      repair,
      waiting,
      slo,
    };
  }

  /**
   * Runs until `signal` aborts: sweeps every `sweep.everySeconds`, workers claiming jobs,
   * a gap scan every `gaps.scanEverySeconds`, the SLO every `slo.everySeconds`, and old done
   * jobs purged hourly. On abort it stops claiming, waits up to the grace period for the running
   * jobs, then aborts their vendor calls and returns them to the queue without spending an
   * attempt.
   *
   * @param signal Stops the collector.
   * @param graceSeconds How long running jobs may take to finish after the stop.
   *   @default {the configuration's `workers.graceSeconds`}
   */
  async run(signal: AbortSignal, graceSeconds?: number): Promise<void> {
    graceSeconds ??= this.#config.workers.graceSeconds;
    const hard = new AbortController();
    const loops: Promise<void>[] = [];
    const every = (name: string, seconds: () => number, task: () => Promise<unknown>) =>
      (async () => {
        while (!signal.aborted) {
          try {
            await task();
          } catch (e) {
            this.#log({
              event: `${name}_failed`,
              error: e instanceof Error ? e.message : String(e),
            });
          }
          await sleep(seconds() * 1000, signal);
        }
      })();
    loops.push(every("sweep", () => this.#config.sweep.everySeconds, () => this.sweep()));
    loops.push(every("gap_scan", () => this.#config.gaps.scanEverySeconds, () => this.scanGaps()));
    loops.push(every("slo", () => this.#config.slo.everySeconds, () => this.measureSlo()));
    loops.push(every("purge", () => 3_600, () => this.#purge()));
    const workers = Array.from(
      { length: this.#config.workers.count },
      (_, i) => this.#workerLoop(i + 1, { drain: false, signal, hard: hard.signal }),
    );
    await new Promise<void>((resolve) => {
      if (signal.aborted) return resolve();
      signal.addEventListener("abort", () => resolve(), { once: true });
    });
    this.#log({ event: "stopping", running: this.#active, graceSeconds });
    const graceful = Promise.all(workers);
    const timer = setTimeout(() => hard.abort(new Error("grace period over")), graceSeconds * 1000);
    try {
      await graceful;
    } finally {
      clearTimeout(timer);
    }
    await Promise.all(loops);
    this.#log({ event: "stopped" });
  }

  async #workerLoop(
    n: number,
    mode: { drain: boolean; signal?: AbortSignal | undefined; hard?: AbortSignal | undefined },
  ): Promise<void> {
    const worker = `${this.#name}/${n}`;
    const api = this.#client.tenant(this.#tenant);
    while (!mode.signal?.aborted) {
      let job: JobRecord | undefined;
      try {
        [job] = await api.jobs.claimJobs({
          worker,
          types: [...JOB_TYPES],
          limit: 1,
          leaseSeconds: this.#config.workers.leaseSeconds,
        });
      } catch (e) {
        this.#log({
          event: "claim_failed",
          worker,
          error: e instanceof Error ? e.message : String(e),
        });
        await sleep(this.#config.workers.pollSeconds * 1000, mode.signal);
        continue;
      }
      if (job === undefined) {
        if (mode.drain && this.#active === 0) return;
        await sleep(this.#config.workers.pollSeconds * 1000, mode.signal);
        continue;
      }
      this.#active++;
      try {
        const outcome = await runJob(this.#deps(), job, worker, mode.hard);
        this.#outcomes[outcome]++;
      } catch (e) {
        // the job's lease expires and another worker takes it
        this.#log({
          event: "job_crashed",
          job: job.id,
          type: job.job_type,
          error: e instanceof MdsError ? `${e.code}: ${e.message}` : String(e),
        });
      } finally {
        this.#active--;
      }
    }
  }

  #repairDeps() {
    return {
      client: this.#client,
      tenant: this.#tenant,
      config: () => this.#config,
      metrics: this.#metrics,
      now: () => this.#now(),
    };
  }

  async #repairWritten(written: readonly WrittenSeries[]): Promise<void> {
    const api = this.#client.tenant(this.#tenant);
    const symbols = [...new Set(written.map((w) => w.symbol))];
    const entries = new Map(
      (await api.universe.list({ symbols })).map((e) => [e.symbol, e]),
    );
    const newest = new Map(
      (await api.universe.seriesCursors({ symbols })).map((
        c,
      ) => [`${c.symbol}|${c.timeframe}`, c.last_ts]),
    );
    const series: RepairSeries[] = [];
    for (const w of written) {
      const e = entries.get(w.symbol);
      if (e === undefined || !e.active) continue;
      series.push({
        symbol: w.symbol,
        timeframe: w.timeframe,
        tier: e.tier,
        calendar: e.calendar,
        historyStart: e.history_start,
        newest: newest.get(`${w.symbol}|${w.timeframe}`) ?? w.newest,
      });
    }
    if (series.length > 0) await repairGaps(this.#repairDeps(), series);
  }

  async #publishQueue(): Promise<void> {
    const lines = await this.#client.tenant(this.#tenant).jobs.backfillQueue();
    const now = this.#clock();
    for (const tier of BACKFILL_TIERS) {
      const line = lines.find((l) => l.tier === tier);
      const age = line === undefined ? 0 : Math.max(0, (now - line.oldest.getTime()) / 1000);
      this.#metrics.backfillQueue(tier, line?.depth ?? 0, age);
    }
  }

  async #purge(): Promise<void> {
    const jobs = this.#client.tenant(this.#tenant).jobs;
    const n = await jobs.purgeDoneJobs({
      olderThanSeconds: this.#config.workers.keepDoneHours * 3600,
    });
    if (n > 0) this.#log({ event: "purged", jobs: n });
  }
}

/**
 * The ingestion lag per bar interval: now minus the close of the newest stored bar of the worst
 * active series whose tier collects the interval, in seconds, 0 when current; intervals without
 * a series that has bars are left out.
 */
function ingestionLags(
  universe: readonly UniverseRecord[],
  cursors: readonly SeriesCursor[],
  config: CollectorConfig,
  now: number,
): Partial<Record<Timeframe, number>> {
  const newest = new Map(cursors.map((c) => [`${c.symbol}|${c.timeframe}`, c.last_ts]));
  const out: Partial<Record<Timeframe, number>> = {};
  for (const entry of universe) {
    if (!entry.active) continue;
    for (const timeframe of entry.timeframes) {
      if (config.tiers[entry.tier].cadence[timeframe] === undefined) continue;
      const last = newest.get(`${entry.symbol}|${timeframe}`);
      if (last === undefined) continue;
      const lag = Math.max(0, (now - last.getTime() - timeframeMillis(timeframe)) / 1000);
      out[timeframe] = Math.max(out[timeframe] ?? 0, lag);
    }
  }
  return out;
}
