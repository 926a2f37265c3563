// POST /backfill/:job: request a backfill for a tenant through the capped backfill path of the
// client (validated request, tier priority, per-tier cap, idempotent key).
import type { Hono } from "hono";
import { BACKFILL_TIERS, type BackfillTier, TIMEFRAMES, ValidationError } from "@mds/sql";
import { z } from "zod";
import type { AppContext } from "./_context.ts";
import { readBody } from "./_http.ts";
import { AdminHttpError } from "./errors.ts";

/** Job names: lower-case letters, digits, `_`, `.` and `-`, up to 60 characters. */
const JOB_NAME = /^[a-z0-9][a-z0-9_.-]{0,59}$/;

const backfillBody = z.object({
  tenant_id: z.guid(),
  symbol: z.string().min(1).max(64),
  timeframe: z.enum(TIMEFRAMES),
  start: z.iso.datetime({ offset: true }),
  end: z.iso.datetime({ offset: true }),
  tier: z.enum(BACKFILL_TIERS).optional(),
}).strict().refine((b) => Date.parse(b.start) < Date.parse(b.end), {
  message: "must be before end",
  path: ["start"],
});

/**
 * Registers `POST /backfill/:job`. The job name is the vendor to backfill from; the body names
 * the tenant, the series, the window and the tier (`T0`, `T1` (default) or `T2`). The request
 * goes through `tenant(id).jobs.requestBackfill`: a `backfill` job at its tier's priority whose
 * idempotency key is derived from the request (the same request answers the same job, 200), and
 * a tier whose queue reached its cap answers 429 `MDS_CAPACITY`.
 *
 * @param app The app.
 * @param ctx Its dependencies.
 */
export function backfillRoutes(app: Hono, ctx: AppContext): void {
  app.post("/backfill/:job", ctx.auth, ctx.limit, async (c) => {
    const job = c.req.param("job");
    if (!JOB_NAME.test(job)) {
      throw new AdminHttpError(
        400,
        "MDS_VALIDATION",
        `Invalid job: "job" is ${
          JSON.stringify(job.slice(0, 60))
        }: must be 1 to 60 characters of a-z, 0-9, '_', '.' or '-'`,
        { issues: [{ field: "job", reason: "must be 1 to 60 characters of a-z, 0-9, _ . -" }] },
      );
    }
    const body = await readBody(c, backfillBody);
    let requested;
    try {
      requested = await ctx.client.tenant(body.tenant_id).jobs.requestBackfill({
        symbol: body.symbol,
        timeframe: body.timeframe,
        start: body.start,
        end: body.end,
        vendor: job,
        tier: body.tier,
      }, { caps: ctx.backfillCaps });
    } catch (err) {
      if (err instanceof ValidationError) {
        const field = err.field === "vendor" ? "job" : err.field;
        throw new AdminHttpError(400, "MDS_VALIDATION", err.message, {
          issues: [{ field, reason: err.reason }],
        });
      }
      throw err;
    }
    return c.json({
      id: requested.id,
      created: requested.created,
      tier: requested.tier satisfies BackfillTier,
      priority: requested.priority,
    }, requested.created ? 202 : 200);
  });
}
