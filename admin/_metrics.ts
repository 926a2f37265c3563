// The metrics of one admin app, on its own registry. Database figures are refreshed when the
// registry is scraped: every gauge's collect() awaits one shared probe, so a scrape costs one
// round of queries however many gauges read it.
import { counter, gauge, histogram } from "./_registry.ts";
import type { MetricsRegistry } from "./metrics_registry.ts";

/** What one probe of the database found; `null` where it could not tell. */
export interface DbFigures {
  /** Whether the database answered. */
  up: boolean;
  /** Round-trip time of the health query, in seconds. */
  roundtripSeconds: number | null;
  /** Newest applied migration. */
  schemaVersion: number | null;
  /** Migrations not applied yet. */
  pending: number | null;
  /** Applied migrations whose file changed, or unknown to this release. */
  drifted: number | null;
}

/** The metrics an admin app updates. */
export interface AppMetrics {
  /** Counts one HTTP request and observes its duration. */
  request(method: string, route: string, status: number, seconds: number): void;
  /** Counts migrations applied through `POST /migrate`. */
  migrationsApplied(count: number): void;
}

const METHODS = new Set(["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]);

/** Latency buckets of the HTTP histogram: 1 ms to 30 s. */
const HTTP_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

/**
 * Registers the app's metrics on `registry`.
 *
 * @param registry A registry no other admin app uses.
 * @param version The build's version, for `mds_build_info`.
 * @param probe Measures the database; called once per scrape.
 * @returns The handle the app updates them through.
 */
export function appMetrics(
  registry: MetricsRegistry,
  version: string,
  probe: () => Promise<DbFigures>,
): AppMetrics {
  let inflight: Promise<DbFigures> | undefined;
  // prom-client collects all metrics of a scrape concurrently: the gauges share one probe.
  const figures = (): Promise<DbFigures> =>
    inflight ??= probe().finally(() => {
      inflight = undefined;
    });
  // A figure the probe could not measure keeps its last value; mds_db_up tells whether the
  // last probe succeeded. (prom-client would print NaN as "Nan".)
  const keep = (set: (v: number) => void, v: number | null) => {
    if (v !== null) set(v);
  };

  gauge(registry, {
    name: "mds_up",
    help: "1 while the admin server runs.",
  }).set(1);
  gauge(registry, {
    name: "mds_build_info",
    help: "Always 1; the version label names the running build.",
    labelNames: ["version"] as const,
  }).set({ version }, 1);
  gauge(registry, {
    name: "mds_db_up",
    help: "1 when the database answered the last probe, else 0.",
    async collect() {
      this.set((await figures()).up ? 1 : 0);
    },
  });
  gauge(registry, {
    name: "mds_db_roundtrip_seconds",
    help: "Round-trip time of the last successful database probe, in seconds.",
    async collect() {
      keep((v) => this.set(v), (await figures()).roundtripSeconds);
    },
  });
  gauge(registry, {
    name: "mds_schema_version",
    help: "Newest migration applied to the database, as of the last successful probe.",
    async collect() {
      keep((v) => this.set(v), (await figures()).schemaVersion);
    },
  });
  gauge(registry, {
    name: "mds_schema_pending_migrations",
    help:
      "Migrations of this release not applied to the database, as of the last successful probe.",
    async collect() {
      keep((v) => this.set(v), (await figures()).pending);
    },
  });
  gauge(registry, {
    name: "mds_schema_drifted_migrations",
    help:
      "Applied migrations whose file changed or is unknown to this release, as of the last successful probe.",
    async collect() {
      keep((v) => this.set(v), (await figures()).drifted);
    },
  });
  const applied = counter(registry, {
    name: "mds_migrations_applied_total",
    help: "Migrations applied through POST /migrate since the server started.",
  });
  const requests = counter(registry, {
    name: "mds_http_requests_total",
    help: "HTTP requests answered, by method, route template and status.",
    labelNames: ["method", "route", "status"] as const,
  });
  const durations = histogram(registry, {
    name: "mds_http_request_duration_seconds",
    help: "Time to answer HTTP requests, by method and route template.",
    labelNames: ["method", "route"] as const,
    buckets: HTTP_BUCKETS,
  });

  return {
    request(method, route, status, seconds) {
      const m = METHODS.has(method) ? method : "OTHER";
      requests.inc({ method: m, route, status: String(status) });
      durations.observe({ method: m, route }, seconds);
    },
    migrationsApplied(count) {
      if (count > 0) applied.inc(count);
    },
  };
}
