// Unauthenticated probes: liveness, readiness, metrics and the schema version.
import type { Context, Hono } from "hono";
import type { AppContext } from "./_context.ts";
import { withDeadline } from "./_http.ts";
import { errorCode } from "./_respond.ts";

/** The database check of `GET /health`. */
interface DatabaseComponent {
  state: "healthy" | "unhealthy";
  latency_ms: number | null;
  error?: string;
}

/** One entry of the `components` list of `GET /health` (the original control plane's shape). */
interface HealthComponent {
  name: string;
  /** `unknown` (a check that could not run yet) does not degrade the state. */
  state: "healthy" | "unhealthy" | "unknown";
  latency_ms?: number | null;
  error?: string;
}

/** The `service` of `GET /health`, as the original control plane named it. */
const SERVICE = "market-data-store";

const names = (list: readonly { name: string }[]) => list.map((e) => `"${e.name}"`).join(", ");

/**
 * Registers `GET /health`, `/healthz`, `/readyz`, `/metrics` and `/schema/version`.
 *
 * @param app The app.
 * @param ctx Its dependencies.
 */
export function healthRoutes(app: Hono, ctx: AppContext): void {
  const health = async (c: Context) => {
    let database: DatabaseComponent;
    try {
      const h = await withDeadline(ctx.client.health(), ctx.dbTimeoutMs, "The database");
      database = { state: "healthy", latency_ms: Math.round(h.latencyMs * 1000) / 1000 };
    } catch (err) {
      database = { state: "unhealthy", latency_ms: null, error: errorCode(err) };
    }
    // The metrics registry is in-process: healthy while it holds the app's metrics. Checked
    // without collecting, so /health never waits on the scrape's database figures.
    const metrics: HealthComponent = {
      name: "prometheus",
      state: ctx.registry.getSingleMetric("mds_up") !== undefined ? "healthy" : "unhealthy",
    };
    const components: HealthComponent[] = [{ name: "database", ...database }, metrics];
    // The schema-registry drift check, when configured: drift degrades, an unreachable registry
    // or a check that has not completed yet is `unknown` and does not.
    const registry = ctx.schemaRegistry?.status();
    if (registry !== undefined) components.push({ name: "schema_registry", ...registry });
    const now = Date.now();
    c.header("Cache-Control", "no-store");
    return c.json({
      service: SERVICE,
      state: components.every((e) => e.state !== "unhealthy") ? "healthy" : "degraded",
      components,
      // The database check by name as well, for clients that read it without the list.
      database,
      version: ctx.version,
      ts: now / 1000,
      time: new Date(now).toISOString(),
    });
  };
  app.get("/health", health);
  app.get("/healthz", health);

  app.get("/readyz", async (c) => {
    c.header("Cache-Control", "no-store");
    const notReady = (reason: string) => c.json({ ready: false, reason }, 503);
    let status;
    try {
      await withDeadline(ctx.client.health(), ctx.dbTimeoutMs, "The database");
      status = await withDeadline(
        ctx.client.migrationStatus(),
        ctx.dbTimeoutMs,
        "The migration status",
      );
    } catch (err) {
      return notReady(`Database unavailable (${errorCode(err)})`);
    }
    const drifted = status.entries.filter((e) => e.state === "drifted");
    if (drifted.length > 0) return notReady(`Migrations drifted: ${names(drifted)}`);
    const pending = status.entries.filter((e) => e.state === "pending");
    if (pending.length > 0) return notReady(`Migrations pending: ${names(pending)}`);
    return c.json({ ready: true, schema_version: status.version, mode: status.mode });
  });

  app.get("/metrics", async (c) => {
    const text = await ctx.registry.metrics();
    c.header("Cache-Control", "no-store");
    return c.body(text, 200, { "Content-Type": ctx.registry.contentType });
  });

  app.get("/schema/version", async (c) => {
    const [version, status] = await Promise.all([
      ctx.client.schemaVersion(),
      ctx.client.migrationStatus(),
    ]);
    const of = (state: string) =>
      status.entries.filter((e) => e.state === state).map((e) => e.name);
    return c.json({
      version: version.version,
      mode: version.mode,
      applied_at: version.appliedAt?.toISOString() ?? null,
      pending: of("pending"),
      drifted: of("drifted"),
    });
  });
}
