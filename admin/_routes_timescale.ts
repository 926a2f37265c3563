// TimescaleDB operations: retention policies and continuous-aggregate refreshes. Both answer
// 501 (MDS_REQUIRES_TIMESCALE) on a database migrated without TimescaleDB.
import { MdsError, RequiresTimescaleError } from "@mds/client";
import type { Hono } from "hono";
import { z } from "zod";
import type { AppContext } from "./_context.ts";
import { readBody } from "./_http.ts";
import { AdminHttpError } from "./errors.ts";

/** Hypertables whose retention can be set. */
export const RETENTION_TABLES = ["bars", "option_snapshots"] as const;
/** Continuous aggregates that can be refreshed. */
export const AGGREGATES = ["bars_5m", "bars_1h", "bars_1d"] as const;

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
    const table = `mds_core.${body.table}`;
    const jobId = await ctx.client.backend.transaction(async (tx) => {
      await tx.query("SELECT remove_retention_policy($1::regclass, if_exists => true)", [table]);
      const [row] = await tx.query<{ job_id: number }>(
        "SELECT add_retention_policy($1::regclass, drop_after => make_interval(days => $2::int)) AS job_id",
        [table, body.drop_after_days],
      );
      return row?.job_id ?? null;
    });
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
    // TimescaleDB refuses this procedure inside a transaction block: run it on a session.
    try {
      await ctx.client.backend.session((conn) =>
        conn.query(
          "CALL refresh_continuous_aggregate($1::regclass, $2::timestamptz, $3::timestamptz)",
          [`mds_core.${body.aggregate}`, start, end],
        )
      );
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
    ctx.logger.log("info", "aggregate refreshed", { aggregate: body.aggregate, start, end });
    return c.json({ aggregate: body.aggregate, start, end });
  });
}
