import { ConfigError } from "@mds/client";
import { BACKFILL_TIERS, type BackfillTier, isBackfillTier } from "@mds/sql";
import { Hono } from "hono";
import { matchedRoutes } from "hono/route";
import { Registry } from "prom-client";
import { bearerAuth, TOKEN_SYNTAX } from "./_auth.ts";
import type { AppContext } from "./_context.ts";
import { limitBody, withDeadline } from "./_http.ts";
import { appMetrics, type DbFigures } from "./_metrics.ts";
import { errorResponse } from "./_respond.ts";
import { jobsMetrics } from "./_jobs_metrics.ts";
import { backfillRoutes } from "./_routes_backfill.ts";
import { healthRoutes } from "./_routes_health.ts";
import { migrateRoutes } from "./_routes_migrate.ts";
import { opsRoutes } from "./_routes_ops.ts";
import { timescaleRoutes } from "./_routes_timescale.ts";
import type { AdminClient } from "./admin_client.ts";
import { jsonLogger, type Logger, type LogLevel } from "./logger.ts";
import type { MetricsRegistry } from "./metrics_registry.ts";
import { writeMetrics } from "./write_metrics.ts";
import type { SchemaRegistryStatus } from "./schema_registry.ts";
import { schemaRoutes } from "./_routes_schema.ts";

/**
 * What {@linkcode createAdminApp} returns: a Hono app, typed by what serving and testing it
 * need. Serve `fetch` with `Deno.serve` (or any fetch-style server); call `request` in tests.
 */
export interface AdminApp {
  /**
   * Answers one request.
   *
   * @param request The request.
   * @returns The response.
   */
  fetch(request: Request): Response | Promise<Response>;
  /**
   * Answers a request built from a path or URL, for tests.
   *
   * @param input Path (`/health`), URL or request.
   * @param init Method, headers and body.
   * @returns The response.
   */
  request(input: string | URL | Request, init?: RequestInit): Response | Promise<Response>;
}

/** Options of {@linkcode createAdminApp}. */
export interface AdminAppOptions {
  /** The store the app administers: an `MdsClient`. The app never closes it. */
  client: AdminClient;
  /**
   * The token the mutating endpoints require as `Authorization: Bearer <token>`: at least 16
   * characters of the RFC 6750 token alphabet. `undefined` disables those endpoints (they answer
   * 503 `MDS_ADMIN_TOKEN_NOT_CONFIGURED`); there is no default token.
   */
  adminToken: string | undefined;
  /**
   * The prom-client registry `GET /metrics` exposes; give each app its own.
   * @default {a new Registry}
   */
  registry?: MetricsRegistry | undefined;
  /** The build's version, reported by `/health` and `mds_build_info`. @default {"unknown"} */
  version?: string | undefined;
  /** Where request and operation records go. @default {jsonLogger() (JSON lines on stdout)} */
  logger?: Logger | undefined;
  /** Largest request body accepted, in bytes; larger ones get 413. @default {1048576} */
  bodyLimitBytes?: number | undefined;
  /** Longest wait for the database in health, readiness and metrics, in ms. @default {2000} */
  dbTimeoutMs?: number | undefined;
  /**
   * Queue-depth caps of `POST /backfill/:job` per tier (whole numbers from 0): a tier whose
   * queued and running backfills of the tenant reached its cap answers 429 `MDS_CAPACITY`.
   * Tiers left out keep the client's default.
   * @default {{ T0: 100, T1: 1000, T2: 10000 }}
   */
  backfillCaps?: Partial<Record<BackfillTier, number>> | undefined;
  /**
   * The schema-registry drift check (a `SchemaRegistryMonitor`, run by the caller): `/health`
   * lists its status as the component `schema_registry`, and drift makes the state `degraded`.
   * A registry that cannot be reached shows as `unknown` and does not degrade the state.
   * @default {none: no such component}
   */
  schemaRegistry?: { status(): SchemaRegistryStatus } | undefined;
}

const MIN_TOKEN_LENGTH = 16;

function validate(options: AdminAppOptions): void {
  if (
    options.client === null || typeof options.client !== "object" ||
    typeof options.client.health !== "function"
  ) {
    throw new ConfigError("client", typeof options.client, "must be an MdsClient");
  }
  const token = options.adminToken;
  if (
    token !== undefined &&
    (typeof token !== "string" || token.length < MIN_TOKEN_LENGTH || !TOKEN_SYNTAX.test(token))
  ) {
    // Never echo the token itself: describe it.
    throw new ConfigError(
      "adminToken",
      typeof token === "string" ? `<${token.length} characters>` : typeof token,
      `must be at least ${MIN_TOKEN_LENGTH} characters of A-Z, a-z, 0-9, '-', '.', '_', '~', '+', '/' (then '=') or undefined`,
    );
  }
  const whole = (name: string, value: number | undefined, min: number, max: number) => {
    if (value !== undefined && (!Number.isInteger(value) || value < min || value > max)) {
      throw new ConfigError(name, value, `must be a whole number from ${min} to ${max}`);
    }
  };
  whole("bodyLimitBytes", options.bodyLimitBytes, 1, 1024 ** 3);
  whole("dbTimeoutMs", options.dbTimeoutMs, 1, 600_000);
  const caps: unknown = options.backfillCaps;
  if (caps !== undefined) {
    if (caps === null || typeof caps !== "object" || Array.isArray(caps)) {
      throw new ConfigError("backfillCaps", caps, "must be an object of tier caps");
    }
    for (const [tier, cap] of Object.entries(caps)) {
      if (!isBackfillTier(tier)) {
        throw new ConfigError(
          `backfillCaps.${tier}`,
          cap,
          `is not a tier: ${BACKFILL_TIERS.join(", ")}`,
        );
      }
      whole(`backfillCaps.${tier}`, cap as number | undefined, 0, 1_000_000_000);
    }
  }
  if (options.registry?.getSingleMetric("mds_up") !== undefined) {
    throw new ConfigError(
      "registry",
      "a registry with mds_up",
      "already serves another admin app: give each app its own Registry",
    );
  }
}

/** The route template that answered, or `unmatched`; never the raw path. */
function routeOf(c: Parameters<typeof matchedRoutes>[0]): string {
  const routes = matchedRoutes(c).filter((r) => r.method !== "ALL");
  return routes.at(-1)?.path ?? "unmatched";
}

function levelOf(status: number): LogLevel {
  return status >= 500 && status !== 501 ? "error" : status >= 400 ? "warn" : "info";
}

/**
 * Builds the admin HTTP app of an mds store: liveness (`GET /health`, `/healthz`), readiness
 * (`GET /readyz`), Prometheus metrics (`GET /metrics`), `GET /schema/version`, and behind the
 * admin token `POST /migrate`, `POST /retention/apply`, `POST /refresh/aggregate`,
 * `POST /backfill/:job` (capped per tier: 429 `MDS_CAPACITY`), `GET /schema/export` (the live
 * catalog as a schema-registry document), and a tenant's dead letters and gaps (`GET /ops/dlq/jobs`,
 * `POST /ops/dlq/jobs/requeue/:id`, `DELETE /ops/dlq/jobs/purge`, `GET /ops/gaps`; reads too,
 * as they expose tenant data). Errors answer `{ error: { code, message } }`. The app holds no
 * module-level state: serve several side by side, each with its own registry.
 *
 * @param options The client, the admin token and the app's settings.
 * @returns The Hono app; serve `app.fetch`, or call `app.request()` in tests.
 * @throws {ConfigError} Naming the first invalid option.
 *
 * @example
 * ```ts
 * import { createAdminApp } from "@mds/admin";
 * import { createClient } from "@mds/client";
 * import assert from "node:assert/strict";
 *
 * await using client = await createClient({ memory: true });
 * const token = "0123456789abcdef0123456789abcdef";
 * const app = createAdminApp({ client, adminToken: token, logger: { log() {} } });
 *
 * const health = await (await app.request("/health")).json();
 * assert.equal(health.state, "healthy");
 * assert.equal((await app.request("/readyz")).status, 200);
 * assert.equal((await app.request("/migrate", { method: "POST" })).status, 401);
 * const migrated = await app.request("/migrate", {
 *   method: "POST",
 *   headers: { Authorization: `Bearer ${token}` },
 * });
 * assert.deepEqual((await migrated.json()).applied, []);
 * ```
 */
export function createAdminApp(options: AdminAppOptions): AdminApp {
  validate(options);
  const client = options.client;
  const registry = options.registry ?? new Registry();
  const logger = options.logger ?? jsonLogger({ secrets: [options.adminToken] });
  const dbTimeoutMs = options.dbTimeoutMs ?? 2_000;
  const secrets = [options.adminToken];

  const probe = async (): Promise<DbFigures> => {
    const figures: DbFigures = {
      up: false,
      roundtripSeconds: null,
      schemaVersion: null,
      pending: null,
      drifted: null,
    };
    try {
      const health = await withDeadline(client.health(), dbTimeoutMs, "The database");
      figures.up = true;
      figures.roundtripSeconds = health.latencyMs / 1000;
      const status = await withDeadline(
        client.migrationStatus(),
        dbTimeoutMs,
        "The migration status",
      );
      figures.schemaVersion = status.version;
      figures.pending = status.entries.filter((e) => e.state === "pending").length;
      figures.drifted = status.entries.filter((e) => e.state === "drifted").length;
    } catch {
      // Reported as mds_db_up 0; the other figures keep their last values.
    }
    return figures;
  };

  writeMetrics(registry);
  const ctx: AppContext = {
    client,
    registry,
    metrics: appMetrics(registry, options.version ?? "unknown", probe),
    logger,
    version: options.version ?? "unknown",
    dbTimeoutMs,
    auth: bearerAuth(options.adminToken),
    limit: limitBody(options.bodyLimitBytes ?? 1024 * 1024),
    backfillCaps: { ...options.backfillCaps },
    schemaRegistry: options.schemaRegistry,
  };

  const app = new Hono();
  app.use("*", async (c, next) => {
    const started = performance.now();
    await next();
    const seconds = (performance.now() - started) / 1000;
    const route = routeOf(c);
    const status = c.res.status;
    ctx.metrics.request(c.req.method, route, status, seconds);
    logger.log(levelOf(status), "request", {
      method: c.req.method,
      route,
      status,
      duration_ms: Math.round(seconds * 1e6) / 1000,
    });
  });
  healthRoutes(app, ctx);
  migrateRoutes(app, ctx);
  timescaleRoutes(app, ctx);
  backfillRoutes(app, ctx);
  opsRoutes(app, ctx, jobsMetrics(registry, client, dbTimeoutMs));
  schemaRoutes(app, ctx);
  app.notFound((c) =>
    c.json({ error: { code: "MDS_ADMIN_NOT_FOUND", message: "No such endpoint" } }, 404)
  );
  app.onError((err, c) => errorResponse(err, c, logger, secrets));
  return app;
}
