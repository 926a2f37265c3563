// Operations on a tenant's jobs and data: its dead letters (list, requeue, purge) and the gaps
// of a series. Every route needs the admin token: they read or change tenant data.
import type { Hono } from "hono";
import { TIMEFRAMES } from "@mds/sql";
import { z } from "zod";
import type { AppContext } from "./_context.ts";
import { readBody } from "./_http.ts";
import type { JobsMetrics } from "./_jobs_metrics.ts";
import { readQuery } from "./_query.ts";
import { AdminHttpError } from "./errors.ts";

const seconds = z.string().regex(/^\d{1,10}(\.\d+)?$/, "must be a number of seconds")
  .transform(Number).pipe(z.number().max(100 * 365 * 86_400));

const listQuery = z.object({
  tenant_id: z.guid(),
  type: z.string().regex(/^[a-z0-9_.:-]{1,100}$/, "must be a job type").optional(),
  older_than_seconds: seconds.optional(),
  limit: z.string().regex(/^\d{1,5}$/, "must be a whole number").transform(Number)
    .pipe(z.number().min(1).max(10_000)).optional(),
}).strict();

const requeueQuery = z.object({ tenant_id: z.guid().optional() }).strict();
const requeueBody = z.object({ tenant_id: z.guid().optional() }).strict();

const purgeQuery = z.object({
  tenant_id: z.guid(),
  older_than_seconds: seconds,
  type: z.string().regex(/^[a-z0-9_.:-]{1,100}$/, "must be a job type").optional(),
}).strict();

const gapsQuery = z.object({
  tenant_id: z.guid(),
  symbol: z.string().min(1).max(64),
  timeframe: z.enum(TIMEFRAMES),
  start: z.iso.datetime({ offset: true }),
  end: z.iso.datetime({ offset: true }),
  vendor: z.string().min(1).max(64).optional(),
  calendar: z.enum(["nyse", "24x7"]).optional(),
}).strict().refine((q) => Date.parse(q.start) < Date.parse(q.end), {
  message: "must be before end",
  path: ["start"],
});

/**
 * Registers `GET /ops/dlq/jobs`, `POST /ops/dlq/jobs/requeue/:id`,
 * `DELETE /ops/dlq/jobs/purge` and `GET /ops/gaps`.
 *
 * @param app The app.
 * @param ctx Its dependencies.
 * @param metrics Where found gaps are counted.
 */
export function opsRoutes(app: Hono, ctx: AppContext, metrics: JobsMetrics): void {
  app.get("/ops/dlq/jobs", ctx.auth, async (c) => {
    const q = readQuery(c, listQuery);
    const jobs = await ctx.client.tenant(q.tenant_id).jobs.listJobs({
      state: "dead",
      type: q.type,
      olderThanSeconds: q.older_than_seconds,
      limit: q.limit,
    });
    return c.json({ jobs });
  });

  app.post("/ops/dlq/jobs/requeue/:id", ctx.auth, ctx.limit, async (c) => {
    const query = readQuery(c, requeueQuery);
    const body = await readBody(c, requeueBody, true);
    if (query.tenant_id && body.tenant_id && query.tenant_id !== body.tenant_id) {
      throw new AdminHttpError(
        400,
        "MDS_VALIDATION",
        'Invalid request: "tenant_id" differs between the query and the body',
        { issues: [{ field: "tenant_id", reason: "differs between the query and the body" }] },
      );
    }
    const tenant = body.tenant_id ?? query.tenant_id;
    if (tenant === undefined) {
      throw new AdminHttpError(
        400,
        "MDS_VALIDATION",
        'Invalid request: "tenant_id" is missing: give it in the body or the query',
        { issues: [{ field: "tenant_id", reason: "is required" }] },
      );
    }
    const job = await ctx.client.tenant(tenant).jobs.requeueJob(c.req.param("id"));
    ctx.logger.log("info", "dead job requeued", { job_id: job.id, job_type: job.job_type });
    return c.json({ job });
  });

  app.delete("/ops/dlq/jobs/purge", ctx.auth, async (c) => {
    const q = readQuery(c, purgeQuery);
    const purged = await ctx.client.tenant(q.tenant_id).jobs.purgeDeadJobs({
      olderThanSeconds: q.older_than_seconds,
      type: q.type,
    });
    ctx.logger.log("info", "dead jobs purged", {
      purged,
      older_than_seconds: q.older_than_seconds,
    });
    return c.json({ purged });
  });

  app.get("/ops/gaps", ctx.auth, async (c) => {
    const q = readQuery(c, gapsQuery);
    const gaps = await ctx.client.tenant(q.tenant_id).findGaps({
      symbol: q.symbol,
      timeframe: q.timeframe,
      start: new Date(q.start),
      end: new Date(q.end),
      vendor: q.vendor,
      calendar: q.calendar,
    });
    metrics.gapsFound(q.timeframe, gaps.length);
    return c.json({
      gaps,
      missing_bars: gaps.reduce((n, g) => n + g.missing_bars, 0),
    });
  });
}
