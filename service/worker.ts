// Runs one claimed job: fetch through the provider registry, write with the client (bars, their
// cursors and the job's completion in one transaction), or fail, defer or bury it.
import type { JobRecord, MdsClient, TenantApi } from "@mds/client";
import {
  type BarStreamInfo,
  PROVIDER_NAMES,
  ProviderError,
  type ProviderName,
  type ProviderRegistry,
} from "@mds/providers";
import {
  type BackfillRequest,
  type BackfillTier,
  type Bar,
  MdsError,
  type QuoteInput,
  type Timeframe,
  ValidationError,
} from "@mds/sql";
import type { CollectorConfig } from "./config.ts";
import {
  BACKFILL,
  BARS_FETCH,
  type JobType,
  OPTIONS_FETCH,
  parseJobPayload,
  QUOTES_FETCH,
} from "./jobs.ts";
import type { CollectorMetrics, JobOutcome, RefusalReason } from "./metrics.ts";

const isProviderName = (value: unknown): value is ProviderName =>
  (PROVIDER_NAMES as readonly unknown[]).includes(value);

/** Refused rows kept on a job's result; the count covers all of them. */
const MAX_REFUSALS_KEPT = 100;

/** What a worker needs from the collector. */
export interface WorkerDeps {
  /** The store. */
  readonly client: MdsClient;
  /** The tenant collected for. */
  readonly tenant: string;
  /** Routes the vendor calls. */
  readonly registry: ProviderRegistry;
  /** The configuration in force (it may be reloaded between jobs). */
  config(): CollectorConfig;
  /** Where the counts go. */
  readonly metrics: CollectorMetrics;
  /** The clock, epoch milliseconds. */
  now(): number;
  /** Called after bars of series were committed: gap repair looks at them. */
  afterWrite?(series: readonly WrittenSeries[]): Promise<void>;
  /** Structured log lines. */
  log(event: string, fields: Record<string, unknown>): void;
}

/** A series a job wrote bars of, and its newest bar. */
export interface WrittenSeries {
  /** Ticker. */
  symbol: string;
  /** Timeframe. */
  timeframe: Timeframe;
  /** Open time of the newest bar written. */
  newest: Date;
  /** Tier of the job. */
  tier: BackfillTier | undefined;
}

/** A vendor row a job did not store, and why. */
export interface JobRefusal {
  /** Ticker. */
  symbol: string;
  /** Bar open time, ISO, where known. */
  ts: string | null;
  /** The offending field. */
  field: string;
  /** Why it was refused. */
  reason: string;
}

/** What a finished job records as its `result`. */
export interface JobResult {
  /** Rows written (inserted, updated or unchanged). */
  rows: number;
  /** Rows refused, all of them. */
  refused: number;
  /** The first refusals, with their reasons. */
  refusals: JobRefusal[];
  /** Providers that served the job. */
  providers: string[];
  /** Symbols no provider had data for. */
  noData: string[];
  /** Symbols that failed; the job was retried or buried. */
  failed?: string[];
}

function refusalReason(field: string, reason: string): RefusalReason {
  return field === "ts" && /future/i.test(reason) ? "future" : "invalid";
}

async function drain(
  registry: ProviderRegistry,
  request: Parameters<ProviderRegistry["fetchBars"]>[0],
): Promise<{ bars: Bar[]; info: BarStreamInfo }> {
  const stream = registry.fetchBars(request);
  const bars: Bar[] = [];
  for await (const bar of stream) bars.push(bar);
  return { bars, info: stream.info };
}

/** The routed bar providers, with `first` moved to the front when given. */
function barProviders(
  registry: ProviderRegistry,
  first: string | null | undefined,
): ProviderName[] {
  const routed = registry.config.routing.bars ?? [];
  if (first == null || !isProviderName(first) || !routed.includes(first)) return [...routed];
  return [first, ...routed.filter((p) => p !== first)];
}

/** How a failure ends a job. */
type Disposition =
  | { kind: "defer"; delaySeconds: number; code: string }
  | { kind: "retry"; code: string | undefined }
  | { kind: "dead"; code: string | undefined };

function dispose(e: unknown, config: CollectorConfig): Disposition {
  if (e instanceof ProviderError) {
    switch (e.providerCode) {
      case "PROVIDER_RATE_LIMITED":
        return {
          kind: "defer",
          delaySeconds: Math.max(
            1,
            Math.ceil((e.retryAfterMs ?? config.workers.rateLimitedDelaySeconds * 1000) / 1000),
          ),
          code: e.providerCode,
        };
      case "PROVIDER_AUTH":
      case "PROVIDER_BAD_REQUEST":
      case "PROVIDER_UNSUPPORTED":
        return { kind: "dead", code: e.providerCode };
      default:
        return { kind: "retry", code: e.providerCode };
    }
  }
  if (e instanceof ValidationError) return { kind: "dead", code: e.code };
  if (e instanceof MdsError) return { kind: "retry", code: e.sqlState ?? e.code };
  return { kind: "retry", code: undefined };
}

/** The accumulating outcome of one job. */
class Tally {
  bars: Bar[] = [];
  refused = 0;
  refusals: JobRefusal[] = [];
  providers = new Set<string>();
  noData: string[] = [];
  failed: string[] = [];
  written: WrittenSeries[] = [];

  add(symbol: string, timeframe: Timeframe, bars: Bar[], info: BarStreamInfo, tier?: BackfillTier) {
    this.bars.push(...bars);
    if (bars.length > 0) {
      this.providers.add(info.provider);
      this.written.push({ symbol, timeframe, newest: bars[bars.length - 1]!.ts, tier });
    }
    for (const r of info.refused ?? []) {
      if (this.refusals.length < MAX_REFUSALS_KEPT) {
        this.refusals.push({
          symbol,
          ts: r.ts === null ? null : r.ts.toISOString(),
          field: r.field,
          reason: r.reason,
        });
      }
    }
    this.refused += info.refusedCount ?? info.refused?.length ?? 0;
  }

  result(): JobResult {
    return {
      rows: this.bars.length,
      refused: this.refused,
      refusals: this.refusals,
      providers: [...this.providers].sort(),
      noData: this.noData,
      ...(this.failed.length > 0 ? { failed: this.failed } : {}),
    };
  }
}

/**
 * Runs one claimed job to its end: done (rows and completion committed together), retried
 * after a backoff, deferred without spending an attempt (rate limits), or dead.
 *
 * @param deps The collector's store, registry, configuration, metrics and clock.
 * @param job The claimed job.
 * @param worker The worker holding its lease.
 * @param signal Aborts the vendor calls (shutdown): the job is then deferred at once.
 * @returns How it ended.
 */
export async function runJob(
  deps: WorkerDeps,
  job: JobRecord,
  worker: string,
  signal?: AbortSignal,
): Promise<JobOutcome> {
  const config = deps.config();
  const type = job.job_type as JobType;
  const tally = new Tally();
  let tier: BackfillTier | undefined;
  let failure: unknown;
  /**
   * A snapshot job (quotes, option chains): each symbol fetched once, what came written with the
   * job's completion in one unit of work; no retry (a failed symbol waits for the next period).
   */
  const snapshots = async <R>(
    symbols: readonly string[],
    kind: "quotes" | "options",
    fetchOne: (symbol: string) => Promise<{ vendor: string; rows: R[] }>,
    write: (api: TenantApi, rows: R[]) => Promise<unknown>,
  ): Promise<"done"> => {
    const rows: R[] = [];
    for (const symbol of symbols) {
      signal?.throwIfAborted();
      try {
        const got = await fetchOne(symbol);
        rows.push(...got.rows);
        tally.providers.add(got.vendor);
        if (got.rows.length === 0) tally.noData.push(symbol);
      } catch (e) {
        if (e instanceof ProviderError && e.providerCode === "PROVIDER_NO_DATA") {
          tally.noData.push(symbol);
          continue;
        }
        tally.failed.push(symbol);
        failure ??= e;
      }
    }
    const result = { ...tally.result(), rows: rows.length };
    await deps.client.withTenant(deps.tenant, async (api) => {
      if (rows.length > 0) await timedWrite(deps, () => write(api, rows));
      await api.jobs.completeJob(job.id, { worker, result: { ...result } });
    });
    deps.metrics.rowsWritten(kind, rows.length);
    deps.metrics.jobProcessed(type, providerLabel(tally), rows.length > 0 ? "done" : "no_data");
    if (failure !== undefined) {
      deps.log(`${kind}_failed`, {
        job: job.id,
        symbols: tally.failed.length,
        error: failure instanceof Error ? failure.message : String(failure),
      });
    }
    return "done";
  };
  try {
    const parsed = parseJobPayload(job.job_type, job.payload);
    switch (parsed.type) {
      case BARS_FETCH: {
        const p = parsed.payload;
        tier = p.tier;
        for (const symbol of p.symbols) {
          signal?.throwIfAborted();
          try {
            const { bars, info } = await drain(deps.registry, {
              symbol,
              timeframe: p.timeframe,
              start: p.start,
              end: p.end,
              providers: barProviders(deps.registry, p.provider),
              signal,
            });
            tally.add(symbol, p.timeframe, bars, info, p.tier);
            if (bars.length === 0) tally.noData.push(symbol);
          } catch (e) {
            if (e instanceof ProviderError && e.providerCode === "PROVIDER_NO_DATA") {
              tally.noData.push(symbol);
              continue;
            }
            tally.failed.push(symbol);
            failure = e;
            break;
          }
        }
        break;
      }
      case BACKFILL: {
        const p = parsed.payload;
        tier = p.tier;
        await backfill(deps, p, tally, signal);
        break;
      }
      case QUOTES_FETCH: {
        // quotes are fresh or worthless: a failed symbol waits for the next period, no retry
        const p = parsed.payload;
        tier = p.tier;
        return await snapshots(p.symbols, "quotes", async (symbol) => {
          const q = await deps.registry.fetchQuote(symbol, { signal });
          const row: QuoteInput = { ts: q.ts, vendor: q.vendor, symbol: q.symbol, last: q.price };
          return { vendor: q.vendor, rows: [row] };
        }, (api, rows) => api.upsertQuotes(rows));
      }
      case OPTIONS_FETCH: {
        // Chains are snapshots like quotes: written as fetched (mds computes the greeks the
        // vendor left out, flagged in `computed`); a failed underlying waits for the next period.
        const p = parsed.payload;
        tier = p.tier;
        return await snapshots(p.symbols, "options", async (symbol) => {
          const chain = await deps.registry.fetchOptionChain({ symbol, signal });
          return { vendor: chain.vendor, rows: chain.snaps };
        }, (api, rows) => api.upsertOptions(rows));
      }
    }
  } catch (e) {
    failure = e;
  }
  if (signal?.aborted) return await release(deps, job, worker, tally);
  if (failure === undefined) {
    const result = tally.result();
    await deps.client.withTenant(deps.tenant, async (api) => {
      if (tally.bars.length > 0) await timedWrite(deps, () => api.upsertBars(tally.bars));
      await api.jobs.completeJob(job.id, { worker, result: { ...result } });
    });
    recordWritten(deps, tally);
    const noData = tally.bars.length === 0 && tally.noData.length > 0;
    const outcome: JobOutcome = noData ? "no_data" : "done";
    deps.metrics.jobProcessed(type, providerLabel(tally), outcome);
    if (type === BACKFILL && tier) {
      deps.metrics.backfillCompleted(tier, noData ? "no_data" : "done");
    }
    if (result.refused > 0) {
      deps.log("rows_refused", { job: job.id, refused: result.refused, first: result.refusals[0] });
    }
    await afterWrite(deps, tally);
    return outcome;
  }
  const how = dispose(failure, config);
  let ended: JobRecord;
  await deps.client.withTenant(deps.tenant, async (api) => {
    // what was fetched before the failure is kept: nothing lost, and the retry rewrites nothing
    if (tally.bars.length > 0) await timedWrite(deps, () => api.upsertBars(tally.bars));
    ended = how.kind === "defer"
      ? await api.jobs.deferJob(job.id, {
        worker,
        delaySeconds: how.delaySeconds,
        reason: failure,
        code: how.code,
      })
      : await api.jobs.failJob(job.id, failure, {
        worker,
        retryable: how.kind === "retry",
        backoff: config.workers.backoff,
        ...(how.code === undefined ? {} : { code: how.code }),
      });
  });
  recordWritten(deps, tally);
  const outcome: JobOutcome = how.kind === "defer"
    ? "deferred"
    : ended!.state === "dead"
    ? "dead"
    : "retry";
  deps.metrics.jobProcessed(type, providerLabel(tally), outcome);
  if (outcome === "dead" && type === BACKFILL && tier) deps.metrics.backfillCompleted(tier, "dead");
  deps.log(`job_${outcome}`, {
    job: job.id,
    type,
    attempts: ended!.attempts,
    code: ended!.last_error_code,
    error: ended!.last_error,
  });
  await afterWrite(deps, tally);
  return outcome;
}

/** Backfills one range; when every provider answers "no data", remembers it as unfillable. */
async function backfill(
  deps: WorkerDeps,
  p: BackfillRequest,
  tally: Tally,
  signal: AbortSignal | undefined,
): Promise<void> {
  const order = barProviders(deps.registry, p.vendor);
  const request = { symbol: p.symbol, timeframe: p.timeframe, start: p.start, end: p.end, signal };
  const emptyFrom: string[] = [];
  const tried = new Set<string>();
  // the routed call first (failover on outages), then each provider not heard from yet alone
  const attempts: ProviderName[][] = [order, ...order.map((p) => [p])];
  for (const providers of attempts) {
    if (providers.length === 1 && tried.has(providers[0]!)) continue;
    if (providers.length === 0) continue;
    signal?.throwIfAborted();
    try {
      const { bars, info } = await drain(deps.registry, { ...request, providers });
      tried.add(info.provider);
      tally.add(p.symbol, p.timeframe, bars, info, p.tier);
      if (bars.length > 0) return;
      emptyFrom.push(info.provider);
    } catch (e) {
      if (!(e instanceof ProviderError) || e.providerCode !== "PROVIDER_NO_DATA") throw e;
      tried.add(e.provider);
      emptyFrom.push(e.provider);
    }
  }
  const config = deps.config();
  const providers = [...new Set(emptyFrom)].sort();
  await deps.client.tenant(deps.tenant).universe.markUnfillable({
    symbol: p.symbol,
    timeframe: p.timeframe,
    start: p.start,
    end: p.end,
    reason: tally.refused > 0
      ? `no valid data from ${providers.join(", ") || "any provider"}: ${tally.refused} row${
        tally.refused === 1 ? "" : "s"
      } refused (${tally.refusals[0]?.field} ${tally.refusals[0]?.reason})`
      : `no data from ${providers.join(", ") || "any provider"}`,
    providers,
    retryAfter: new Date(deps.now() + config.gaps.unfillableRetryHours * 3_600_000),
  });
  tally.noData.push(p.symbol);
  deps.log("unfillable", {
    symbol: p.symbol,
    timeframe: p.timeframe,
    start: p.start.toISOString(),
    end: p.end.toISOString(),
    providers,
  });
}

/** Returns an interrupted job to the queue without spending its attempt. */
async function release(
  deps: WorkerDeps,
  job: JobRecord,
  worker: string,
  tally: Tally,
): Promise<JobOutcome> {
  await deps.client.withTenant(deps.tenant, async (api) => {
    if (tally.bars.length > 0) await api.upsertBars(tally.bars);
    await api.jobs.deferJob(job.id, {
      worker,
      delaySeconds: 0,
      reason: "The collector stopped before the job finished",
      code: "MDS_SHUTDOWN",
    });
  });
  recordWritten(deps, tally);
  deps.metrics.jobProcessed(job.job_type as JobType, providerLabel(tally), "deferred");
  return "deferred";
}

async function timedWrite<T>(deps: WorkerDeps, write: () => Promise<T>): Promise<T> {
  const started = performance.now();
  const out = await write();
  deps.metrics.writeBatch((performance.now() - started) / 1000);
  return out;
}

function recordWritten(deps: WorkerDeps, tally: Tally): void {
  if (tally.bars.length > 0) deps.metrics.rowsWritten("bars", tally.bars.length);
  if (tally.refused > 0) {
    const byReason = new Map<RefusalReason, number>();
    for (const r of tally.refusals) {
      const reason = refusalReason(r.field, r.reason);
      byReason.set(reason, (byReason.get(reason) ?? 0) + 1);
    }
    // refusals past the kept ones are counted as invalid
    const kept = tally.refusals.length;
    if (tally.refused > kept) {
      byReason.set("invalid", (byReason.get("invalid") ?? 0) + tally.refused - kept);
    }
    for (const [reason, n] of byReason) deps.metrics.rowsRefused(reason, n);
  }
  // mds_ingestion_lag_seconds is not set here: the collector computes it from the cursors at
  // each SLO measurement (Collector.measureSlo), so backfills of old bars do not move it.
}

async function afterWrite(deps: WorkerDeps, tally: Tally): Promise<void> {
  if (tally.written.length === 0 || deps.afterWrite === undefined) return;
  try {
    await deps.afterWrite(tally.written);
  } catch (e) {
    deps.log("gap_repair_failed", { error: e instanceof Error ? e.message : String(e) });
  }
}

function providerLabel(tally: Tally): ProviderName | "none" {
  const [first] = [...tally.providers];
  return first !== undefined && isProviderName(first) ? first : "none";
}
