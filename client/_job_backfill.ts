// Backfill requests: one job per distinct request, with a queue-depth cap per tier.
import {
  BACKFILL_JOB_TYPE,
  BACKFILL_TIER_PRIORITY,
  BACKFILL_TIERS,
  backfillKey,
  type BackfillRequest,
  type BackfillRequestInput,
  type BackfillTier,
  DEFAULT_BACKFILL_CAPS,
  parseBackfillRequest,
} from "@mds/sql";
import type { Queryable } from "./backend.ts";
import { ConfigError } from "./errors.ts";
import { CapacityError } from "./job_errors.ts";
import { wholeOption } from "./_job_lifecycle.ts";

/** Options of {@linkcode TenantApi.requestBackfill}. */
export interface BackfillOptions {
  /**
   * Queue-depth cap per tier: a request is refused with {@linkcode CapacityError} once the
   * tenant's queued and running backfill jobs of its tier reach it. Tiers left out keep their
   * default. @default {{ T0: 100, T1: 1000, T2: 10000 }}
   */
  caps?: Partial<Record<BackfillTier, number>> | undefined;
  /** Attempts before the job is dead, 1 to 100. @default {5} */
  maxAttempts?: number | undefined;
}

/** What {@linkcode TenantApi.requestBackfill} returns. */
export interface BackfillRequested {
  /** The job's id; the same for the same request. */
  id: string;
  /** `false` when the same request was made before (the job may be in any state). */
  created: boolean;
  /** The idempotency key derived from the request. */
  key: string;
  /** The tier of the request. */
  tier: BackfillTier;
  /** The job's priority: 0, 10 or 20 for T0, T1 or T2. */
  priority: number;
}

/** Validates backfill options before any work starts. */
export function checkBackfillOptions(
  options: BackfillOptions,
): { caps: Record<BackfillTier, number>; maxAttempts: number } {
  const caps = { ...DEFAULT_BACKFILL_CAPS };
  if (options.caps !== undefined) {
    if (options.caps === null || typeof options.caps !== "object") {
      throw new ConfigError("caps", options.caps, "must be an object of tier caps");
    }
    for (const [tier, cap] of Object.entries(options.caps)) {
      if (!(BACKFILL_TIERS as readonly string[]).includes(tier)) {
        throw new ConfigError(`caps.${tier}`, cap, `is not a tier: ${BACKFILL_TIERS.join(", ")}`);
      }
      if (cap === undefined) continue;
      caps[tier as BackfillTier] = wholeOption(`caps.${tier}`, cap, 0, 1_000_000_000);
    }
  }
  return { caps, maxAttempts: wholeOption("maxAttempts", options.maxAttempts ?? 5, 1, 100) };
}

/** A validated backfill request with its key and caps. */
export interface BackfillPlan {
  request: BackfillRequest;
  caps: Record<BackfillTier, number>;
  maxAttempts: number;
  key: string;
}

/** Validates a backfill request and its options, and derives its key, before any I/O. */
export async function planBackfill(
  input: BackfillRequestInput,
  options: BackfillOptions,
): Promise<BackfillPlan> {
  const request = parseBackfillRequest(input);
  const { caps, maxAttempts } = checkBackfillOptions(options ?? {});
  return { request, caps, maxAttempts, key: await backfillKey(request) };
}

/**
 * Enqueues a backfill once per request. Under a transaction-scoped advisory lock per tenant and
 * tier, so concurrent requests of a tier are counted one after another: an existing job of the
 * same request is returned as it is; otherwise the tier's queued and running backfills are
 * counted and the request is refused at the cap.
 */
export async function requestBackfill(
  db: Queryable,
  plan: BackfillPlan,
): Promise<BackfillRequested> {
  const { request, caps, maxAttempts, key } = plan;
  const tier = request.tier;
  const priority = BACKFILL_TIER_PRIORITY[tier];
  await db.query(
    "SELECT pg_advisory_xact_lock(hashtext(current_setting('app.tenant_id', true) || '|backfill|' || $1))",
    [tier],
  );
  const [existing] = await db.query<{ id: string }>(
    "SELECT id FROM mds.jobs WHERE idempotency_key = $1",
    [key],
  );
  if (existing) return { id: existing.id, created: false, key, tier, priority };
  const [depth] = await db.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM mds.jobs
     WHERE job_type = $1 AND state IN ('queued', 'running') AND payload->>'tier' = $2`,
    [BACKFILL_JOB_TYPE, tier],
  );
  const n = depth?.n ?? 0;
  if (n >= caps[tier]) throw new CapacityError(tier, n, caps[tier]);
  const payload = {
    symbol: request.symbol,
    timeframe: request.timeframe,
    start: request.start.toISOString(),
    end: request.end.toISOString(),
    vendor: request.vendor,
    tier,
  };
  // Another tier's request of the same window may have raced in under its own lock.
  const [created] = await db.query<{ id: string }>(
    `INSERT INTO mds.jobs (idempotency_key, job_type, payload, priority, max_attempts)
     VALUES ($1, $2, $3::text::jsonb, $4, $5)
     ON CONFLICT (tenant_id, idempotency_key) DO NOTHING
     RETURNING id`,
    [key, BACKFILL_JOB_TYPE, JSON.stringify(payload), priority, maxAttempts],
  );
  if (created) return { id: created.id, created: true, key, tier, priority };
  const [raced] = await db.query<{ id: string }>(
    "SELECT id FROM mds.jobs WHERE idempotency_key = $1",
    [key],
  );
  return { id: raced!.id, created: false, key, tier, priority };
}
