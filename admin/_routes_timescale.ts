// TimescaleDB operations: retention policies and continuous-aggregate refreshes. Both answer
// 501 (MDS_REQUIRES_TIMESCALE) on a database migrated without TimescaleDB.
import { MdsError, RequiresTimescaleError } from "@mds/client";
import { AGGREGATES, RETENTION_TABLES } from "@mds/sql";
import type { Hono } from "hono";
import { z } from "zod";
import type { AppContext } from "./_context.ts";
import { readBody } from "./_http.ts";
import { AdminHttpError } from "./errors.ts";

const retentionBody = z.object({
  table: z.enum(RETENTION_TABLES),
  drop_after_days: z.int().min(1).max(36_500),
}).strict();

const refreshBody = z.object({
  aggregate: z.enum(AGGREGATES),
  start: z.iso.datetime({ offset: true }),
  end: z.iso.datetime({ offset: true }),
}).strict().refine((b) => Date.parse(b.start) < Date.parse(b.end), {
  message: "must be before end",
  path: ["start"],
});

async function requireTimescale(ctx: AppContext, what: string): Promise<void> {
  const { mode } = await ctx.client.schemaVersion();
  if (mode === null) {
    throw new AdminHttpError(
      409,
      "MDS_ADMIN_NOT_MIGRATED",
      "The database has no migrations applied: run POST /migrate first",
    );
  }
  if (mode !== "timescale") throw new RequiresTimescaleError(what);
}

/**
 * Registers `POST /retention/apply` and `POST /refresh/aggregate`.
 *
 * @param app The app.
 * @param ctx Its dependencies.
 */
export function timescaleRoutes(app: Hono, ctx: AppContext): void {
  app.post("/retention/apply", ctx.auth, ctx.limit, async (c) => {
    const body = await readBody(c, retentionBody);
    await requireTimescale(ctx, "Setting a retention policy");
    const jobId = await ctx.client.timescale.setRetention(body.table, body.drop_after_days);
    ctx.logger.log("info", "retention policy set", {
      table: body.table,
      drop_after_days: body.drop_after_days,
      job_id: jobId,
    });
    return c.json({ table: body.table, drop_after_days: body.drop_after_days, job_id: jobId });
  });

  app.post("/refresh/aggregate", ctx.auth, ctx.limit, async (c) => {
    const body = await readBody(c, refreshBody);
    await requireTimescale(ctx, "Refreshing a continuous aggregate");
    const start = new Date(body.start).toISOString();
    const end = new Date(body.end).toISOString();
    let done;
    try {
      done = await ctx.client.timescale.refreshAggregate(body.aggregate, { start, end });
    } catch (err) {
      // Class 22 (data exception): TimescaleDB refused the window, e.g. shorter than a bucket.
      if (err instanceof MdsError && err.sqlState?.startsWith("22")) {
        throw new AdminHttpError(
          400,
          "MDS_VALIDATION",
          `Invalid refresh window from "${start}" to "${end}" of ${body.aggregate}: ${err.message}`,
          { issues: [{ field: "", reason: err.message }] },
        );
      }
      throw err;
    }
    const result = {
      aggregate: done.aggregate,
      start: done.start,
      end: done.end,
      materialized_buckets: done.materializedBuckets,
      source_bars: done.sourceBars,
      retries: done.retries,
    };
    ctx.logger.log("info", "aggregate refreshed", result);
    return c.json(result);
  });
}
