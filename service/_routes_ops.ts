// The original service's operations routes, behind the admin token: an ingestion cursor, a
// backfill request (through the capped path), providers' health, the cadence of the tiers, the
// backfill dead letters, and configuration reload and validation. Tenant data routes name the
// tenant with `tenant_id` (query or body).
import type { MdsClient } from "@mds/client";
import { BACKFILL_JOB_TYPE, BACKFILL_TIERS, TIMEFRAMES } from "@mds/sql";
import type { ProviderRegistry } from "@mds/providers";
import type { Hono } from "hono";
import { z } from "zod";
import { ApiHttpError, parseWith } from "./_api_http.ts";
import { type CollectorConfig, parseCollectorConfig } from "./config.ts";

/** What the ops routes read and do besides the store. */
export interface OpsDeps {
  /** The providers (their health, breakers, history). */
  registry: ProviderRegistry;
  /** The configuration in force. */
  config(): CollectorConfig;
  /** Reloads the configuration (from its file); absent: `POST /ops/reload` answers 501. */
  reload?: (() => Promise<CollectorConfig>) | undefined;
  /** Environment for validating a configuration (provider keys). */
  env?: Readonly<Record<string, string | undefined>> | undefined;
}

const tenantQuery = z.object({ tenant_id: z.guid() }).strict();
const backfillBody = z.object({
  tenant_id: z.guid().optional(),
  symbol: z.string().min(1).max(64),
  interval: z.enum(TIMEFRAMES),
  start: z.iso.datetime({ offset: true }),
  end: z.iso.datetime({ offset: true }),
  priority: z.enum(BACKFILL_TIERS).default("T1"),
  vendor: z.string().min(1).max(64).optional(),
}).strict();
const purgeQuery = z.object({
  tenant_id: z.guid(),
  older_than_seconds: z.string().regex(/^\d{1,10}$/, "must be a whole number of seconds")
    .transform(Number).default(0),
}).strict();

async function jsonBody(req: { json(): Promise<unknown> }): Promise<unknown> {
  try {
    return await req.json();
  } catch {
    throw new ApiHttpError(400, "MDS_VALIDATION", "Invalid body: expected JSON");
  }
}

/** Registers the ops routes; the admin middleware must run before them. */
export function opsRoutes(app: Hono, client: MdsClient, deps: OpsDeps): void {
  app.get("/ops/cursor/:symbol/:interval/:source", async (c) => {
    const q = parseWith(tenantQuery, c.req.query());
    const symbol = c.req.param("symbol").toUpperCase();
    const interval = c.req.param("interval");
    const source = c.req.param("source").toLowerCase();
    const cursors = await client.tenant(q.tenant_id).cursors({ symbol });
    const hit = cursors.find((x) =>
      x.dataset === "bars" && x.timeframe === interval && x.vendor === source
    );
    if (hit === undefined) {
      throw new ApiHttpError(404, "MDS_NOT_FOUND", `No cursor for ${symbol} ${interval} ${source}`);
    }
    return c.json({
      symbol,
      interval,
      source,
      last_ts: hit.last_ts.toISOString(),
      updated_at: hit.updated_at.toISOString(),
    });
  });

  app.post("/ops/backfill", async (c) => {
    const body = parseWith(backfillBody, await jsonBody(c.req), "body");
    const tenant = body.tenant_id ?? c.req.query("tenant_id");
    const t = parseWith(tenantQuery, { tenant_id: tenant }).tenant_id;
    const config = deps.config();
    const r = await client.tenant(t).jobs.requestBackfill({
      symbol: body.symbol,
      timeframe: body.interval,
      start: body.start,
      end: body.end,
      vendor: body.vendor ?? null,
      tier: body.priority,
    }, {
      caps: Object.fromEntries(
        BACKFILL_TIERS.map((tier) => [tier, config.tiers[tier].backfillCap]),
      ),
      maxAttempts: config.workers.maxAttempts,
    });
    return c.json({ job_id: r.id, created: r.created, tier: r.tier, priority: r.priority }, 202);
  });

  app.get("/stats/providers", (c) => c.json({ providers: deps.registry.status() }));

  app.get("/providers/:name/health-history", (c) => {
    const history = deps.registry.healthHistory(c.req.param("name"));
    if (history === undefined) {
      throw new ApiHttpError(404, "MDS_NOT_FOUND", `No provider "${c.req.param("name")}"`);
    }
    return c.json({ provider: c.req.param("name"), history });
  });

  app.get("/stats/cadence", (c) => c.json({ tiers: deps.config().tiers }));

  app.get("/ops/dlq/backfills", async (c) => {
    const q = parseWith(tenantQuery, c.req.query());
    const jobs = await client.tenant(q.tenant_id).jobs.listJobs({
      state: "dead",
      type: BACKFILL_JOB_TYPE,
      limit: 1_000,
    });
    return c.json({ jobs });
  });

  app.post("/ops/dlq/backfills/requeue/:job_id", async (c) => {
    const q = parseWith(tenantQuery, c.req.query());
    const job = await client.tenant(q.tenant_id).jobs.requeueJob(c.req.param("job_id"));
    return c.json({ job });
  });

  app.delete("/ops/dlq/backfills/purge", async (c) => {
    const q = parseWith(purgeQuery, c.req.query());
    const purged = await client.tenant(q.tenant_id).jobs.purgeDeadJobs({
      olderThanSeconds: q.older_than_seconds,
      type: BACKFILL_JOB_TYPE,
    });
    return c.json({ purged });
  });

  const reload = async () => {
    if (deps.reload === undefined) {
      throw new ApiHttpError(501, "MDS_NOT_CONFIGURED", "No configuration file to reload");
    }
    const config = await deps.reload();
    return { reloaded: true, workers: config.workers.count };
  };
  app.post("/ops/reload", async (c) => c.json(await reload()));
  app.post("/ops/config/reload", async (c) => c.json(await reload()));

  app.post("/ops/validate", async (c) => {
    const body = await jsonBody(c.req);
    try {
      parseCollectorConfig(body, deps.env ?? {});
    } catch (e) {
      const issues = (e as { issues?: { path: string; message: string }[] }).issues;
      if (issues === undefined) throw e;
      throw new ApiHttpError(
        400,
        "MDS_CONFIG",
        (e as Error).message,
        issues.map((i) => ({ field: i.path, reason: i.message })),
      );
    }
    return c.json({ valid: true });
  });
}
