// POST /backfill/:job: enqueue a backfill job for a tenant, once per distinct request.
import type { Hono } from "hono";
import { TIMEFRAMES } from "@mds/sql";
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
  tier: z.string().min(1).max(32).optional(),
}).strict().refine((b) => Date.parse(b.start) < Date.parse(b.end), {
  message: "must be before end",
  path: ["start"],
});

async function sha256Hex(text: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
}

/**
 * The idempotency key of a backfill request: the job name and a SHA-256 of the normalised body
 * (fixed field order, times as UTC ISO 8601), so the same request always maps to the same job.
 *
 * @param job The job name.
 * @param payload The normalised body.
 * @returns `backfill:<job>:<64 hex digits>`.
 */
export async function backfillKey(job: string, payload: Record<string, unknown>): Promise<string> {
  const canonical = JSON.stringify([
    job,
    payload.tenant_id,
    payload.symbol,
    payload.timeframe,
    payload.start,
    payload.end,
    payload.tier ?? null,
  ]);
  return `backfill:${job}:${await sha256Hex(canonical)}`;
}

/**
 * Registers `POST /backfill/:job`.
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
    const payload: Record<string, unknown> = {
      tenant_id: body.tenant_id.toLowerCase(),
      symbol: body.symbol,
      timeframe: body.timeframe,
      start: new Date(body.start).toISOString(),
      end: new Date(body.end).toISOString(),
    };
    if (body.tier !== undefined) payload.tier = body.tier;
    const enqueued = await ctx.client.tenant(body.tenant_id).jobs.enqueueJob({
      idempotency_key: await backfillKey(job, payload),
      job_type: `backfill:${job}`,
      payload,
    });
    return c.json({ id: enqueued.id, created: enqueued.created }, enqueued.created ? 202 : 200);
  });
}
