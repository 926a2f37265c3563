// Job, backfill, gap and ingestion metrics of one admin app. The job and cursor figures span
// every tenant, so they come from the client's storeStats() on the admin's own connection (the
// store's owner), once per scrape and shared by the gauges, like the database probe of
// _metrics.ts. A scrape whose queries fail keeps the last values.
import { isTimeframe, JOB_STATES, TIMEFRAMES } from "@mds/sql";
import { withDeadline } from "./_http.ts";
import { counter, gauge } from "./_registry.ts";
import type { AdminClient } from "./admin_client.ts";
import type { MetricsRegistry } from "./metrics_registry.ts";

/** What one scrape read. */
interface JobFigures {
  /** Jobs by type and state. */
  byTypeAndState: { job_type: string; state: string; n: number }[];
  /** Age of the oldest queued backfill job in seconds, 0 without any. */
  oldestBackfillSeconds: number;
  /** Largest now - last_ts over the cursors of each dataset and timeframe. */
  lag: { dataset: string; timeframe: string; seconds: number }[];
}

/** The metrics the routes update. */
export interface JobsMetrics {
  /** Counts gaps found by `GET /ops/gaps`. */
  gapsFound(timeframe: string, count: number): void;
}

/** Outcomes of finished jobs. */
const FINISHED = ["done", "dead"] as const;

/**
 * Registers the job metrics on `registry`:
 *
 * - `mds_jobs{state}`: jobs in each state, every tenant.
 * - `mds_jobs_finished{job_type,outcome}`: done and dead jobs still stored, by type. A gauge,
 *   not a counter: purging dead jobs lowers it.
 * - `mds_backfill_oldest_queued_age_seconds`: age of the oldest queued backfill job (types
 *   `backfill` and `backfill:*`), 0 when none is queued.
 * - `mds_ingest_lag_seconds{dataset,timeframe}`: now minus the oldest ingestion cursor of each
 *   dataset and timeframe, i.e. the lag of the stalest series.
 * - `mds_gaps_found_total{timeframe}`: gaps reported by `GET /ops/gaps`.
 *
 * @param registry The app's registry.
 * @param client Reads the store-wide figures: the admin's client.
 * @param timeoutMs Longest wait for the scrape's queries.
 * @returns The handle the routes update.
 */
export function jobsMetrics(
  registry: MetricsRegistry,
  client: Pick<AdminClient, "storeStats">,
  timeoutMs: number,
): JobsMetrics {
  let inflight: Promise<JobFigures | null> | undefined;
  const figures = (): Promise<JobFigures | null> =>
    inflight ??= read(client, timeoutMs).catch(() => null).finally(() => {
      inflight = undefined;
    });

  gauge(registry, {
    name: "mds_jobs",
    help: "Jobs in each state across tenants, as of the last scrape.",
    labelNames: ["state"] as const,
    async collect() {
      const f = await figures();
      if (f === null) return;
      for (const state of JOB_STATES) {
        this.set(
          { state },
          f.byTypeAndState.filter((r) => r.state === state).reduce((n, r) => n + r.n, 0),
        );
      }
    },
  });
  gauge(registry, {
    name: "mds_jobs_finished",
    help: "Done and dead jobs still stored, by job type and outcome (purging lowers it).",
    labelNames: ["job_type", "outcome"] as const,
    async collect() {
      const f = await figures();
      if (f === null) return;
      this.reset();
      for (const r of f.byTypeAndState) {
        if ((FINISHED as readonly string[]).includes(r.state)) {
          this.set({ job_type: r.job_type, outcome: r.state }, r.n);
        }
      }
    },
  });
  gauge(registry, {
    name: "mds_backfill_oldest_queued_age_seconds",
    help: "Age of the oldest queued backfill job in seconds; 0 when none is queued.",
    async collect() {
      const f = await figures();
      if (f !== null) this.set(f.oldestBackfillSeconds);
    },
  });
  gauge(registry, {
    name: "mds_ingest_lag_seconds",
    help: "Now minus the oldest ingestion cursor of each dataset and timeframe, in seconds.",
    labelNames: ["dataset", "timeframe"] as const,
    async collect() {
      const f = await figures();
      if (f === null) return;
      this.reset();
      for (const r of f.lag) {
        this.set({ dataset: r.dataset, timeframe: r.timeframe || "none" }, r.seconds);
      }
    },
  });
  const gaps = counter(registry, {
    name: "mds_gaps_found_total",
    help: "Gaps in stored bars reported by GET /ops/gaps, by timeframe.",
    labelNames: ["timeframe"] as const,
  });
  for (const timeframe of TIMEFRAMES) gaps.inc({ timeframe }, 0);

  return {
    gapsFound(timeframe, count) {
      if (isTimeframe(timeframe) && count > 0) {
        gaps.inc({ timeframe }, count);
      }
    },
  };
}

async function read(
  client: Pick<AdminClient, "storeStats">,
  timeoutMs: number,
): Promise<JobFigures> {
  const stats = await withDeadline(client.storeStats(), timeoutMs, "The job metrics");
  return {
    byTypeAndState: stats.jobs.map((r) => ({ job_type: r.job_type, state: r.state, n: r.jobs })),
    oldestBackfillSeconds: Math.max(0, stats.oldestQueuedBackfillSeconds),
    lag: stats.ingestLag.map((r) => ({ ...r, seconds: Math.max(0, r.seconds) })),
  };
}
