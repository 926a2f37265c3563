// Canonical SQL of backfill requests: one job per distinct request, counted against a per-tier
// queue-depth cap under a per-tenant, per-tier advisory lock. The statements go through the
// tenant view mds.jobs; the job's payload is written here and read back by the depth count.
import {
  BACKFILL_JOB_TYPE,
  BACKFILL_TIER_PRIORITY,
  type BackfillRequest,
  type BackfillTier,
} from "./backfill.ts";
import type { SqlQuery } from "./upsert.ts";

/**
 * Takes the transaction-scoped advisory lock of the unit of work's tenant and a tier, so
 * concurrent requests of one tier are counted against its cap one after another. The tenant is
 * read from the transaction's `app.tenant_id` setting.
 *
 * @param tier The tier.
 * @returns The statement; its one parameter is the tier.
 *
 * @example
 * ```ts
 * import { buildBackfillLock } from "@mds/sql";
 * import assert from "node:assert/strict";
 *
 * const q = buildBackfillLock("T0");
 * assert.deepEqual(q.params, ["T0"]);
 * assert.match(q.text, /pg_advisory_xact_lock/);
 * ```
 */
export function buildBackfillLock(tier: BackfillTier): SqlQuery {
  return {
    text:
      "SELECT pg_advisory_xact_lock(hashtext(current_setting('app.tenant_id', true) || '|backfill|' || $1))",
    params: [tier],
  };
}

/**
 * Counts the tenant's queued and running backfill jobs of a tier, the depth its cap limits.
 *
 * @param tier The tier.
 * @returns The statement returning one row, `n`; parameters: the backfill job type, the tier.
 *
 * @example
 * ```ts
 * import { BACKFILL_JOB_TYPE, buildBackfillDepth } from "@mds/sql";
 * import assert from "node:assert/strict";
 *
 * const q = buildBackfillDepth("T2");
 * assert.deepEqual(q.params, [BACKFILL_JOB_TYPE, "T2"]);
 * assert.match(q.text, /state IN \('queued', 'running'\)/);
 * ```
 */
export function buildBackfillDepth(tier: BackfillTier): SqlQuery {
  return {
    text: `SELECT count(*)::int AS n FROM mds.jobs
     WHERE job_type = $1 AND state IN ('queued', 'running') AND payload->>'tier' = $2`,
    params: [BACKFILL_JOB_TYPE, tier],
  };
}

/** Key and attempts of the job {@linkcode buildEnqueueBackfill} inserts. */
export interface BackfillJobOptions {
  /** The idempotency key derived from the request (see `backfillKey`). */
  readonly key: string;
  /** Attempts allowed before the job is dead. */
  readonly maxAttempts: number;
}

/**
 * Inserts the backfill job of a request, due now at its tier's priority, unless the tenant has
 * a job with the same key. Returns `id` of the new job, or no row when the key existed.
 *
 * @param request The validated request; its fields become the job's payload (times as ISO
 * text).
 * @param options Key and attempts.
 * @returns The statement; parameters: key, job type, payload as JSON text, priority, attempts.
 *
 * @example
 * ```ts
 * import { buildEnqueueBackfill, parseBackfillRequest } from "@mds/sql";
 * import assert from "node:assert/strict";
 *
 * const request = parseBackfillRequest({ symbol: "aapl", timeframe: "1m",
 *   start: "2024-01-02T00:00:00Z", end: "2024-01-03T00:00:00Z", tier: "T0" });
 * const q = buildEnqueueBackfill(request, { key: "k", maxAttempts: 5 });
 * assert.deepEqual(JSON.parse(q.params[2] as string).symbol, "AAPL");
 * assert.deepEqual(q.params.slice(3), [0, 5]);
 * ```
 */
export function buildEnqueueBackfill(
  request: BackfillRequest,
  options: BackfillJobOptions,
): SqlQuery {
  const payload = {
    symbol: request.symbol,
    timeframe: request.timeframe,
    start: request.start.toISOString(),
    end: request.end.toISOString(),
    vendor: request.vendor,
    tier: request.tier,
  };
  return {
    text: `INSERT INTO mds.jobs (idempotency_key, job_type, payload, priority, max_attempts)
     VALUES ($1, $2, $3::text::jsonb, $4, $5)
     ON CONFLICT (tenant_id, idempotency_key) DO NOTHING
     RETURNING id`,
    params: [
      options.key,
      BACKFILL_JOB_TYPE,
      JSON.stringify(payload),
      BACKFILL_TIER_PRIORITY[request.tier],
      options.maxAttempts,
    ],
  };
}

/**
 * The tenant's backfill queue per tier: queued and running jobs, and when the oldest of them was
 * requested. Tiers without such jobs return no row.
 *
 * @returns The statement returning `tier`, `depth`, `oldest`; one parameter, the backfill job
 * type.
 *
 * @example
 * ```ts
 * import { BACKFILL_JOB_TYPE, buildBackfillQueue } from "@mds/sql";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(buildBackfillQueue().params, [BACKFILL_JOB_TYPE]);
 * ```
 */
export function buildBackfillQueue(): SqlQuery {
  return {
    text: `SELECT payload->>'tier' AS tier, count(*)::int AS depth, min(created_at) AS oldest
     FROM mds.jobs WHERE job_type = $1 AND state IN ('queued', 'running')
     GROUP BY 1 ORDER BY 1`,
    params: [BACKFILL_JOB_TYPE],
  };
}
