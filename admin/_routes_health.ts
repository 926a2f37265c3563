// Unauthenticated probes: liveness, readiness, metrics and the schema version.
import type { Context, Hono } from "hono";
import type { AppContext } from "./_context.ts";
import { withDeadline } from "./_http.ts";
import { errorCode } from "./_respond.ts";

/** The database component of `GET /health`. */
interface DatabaseComponent {
  state: "healthy" | "unhealthy";
  latency_ms: number | null;
  error?: string;
}

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
    c.header("Cache-Control", "no-store");
    return c.json({
      service: "mds-admin",
      state: database.state === "healthy" ? "healthy" : "degraded",
      components: { database },
      version: ctx.version,
      time: new Date().toISOString(),
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
