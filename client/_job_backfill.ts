// Backfill requests: one job per distinct request, with a queue-depth cap per tier.
import {
  BACKFILL_TIER_PRIORITY,
  BACKFILL_TIERS,
  backfillKey,
  type BackfillRequest,
  type BackfillRequestInput,
  type BackfillTier,
  buildBackfillDepth,
  buildBackfillLock,
  buildEnqueueBackfill,
  buildJobIdByKey,
  DEFAULT_BACKFILL_CAPS,
  isBackfillTier,
  parseBackfillRequest,
} from "@mds/sql";
import type { Queryable } from "./backend.ts";
import { ConfigError } from "./errors.ts";
import { CapacityError } from "./job_errors.ts";
import type { BackfillOptions, BackfillRequested } from "./job_types.ts";
import { wholeNumber } from "./_whole_number.ts";

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
      if (!isBackfillTier(tier)) {
        throw new ConfigError(`caps.${tier}`, cap, `is not a tier: ${BACKFILL_TIERS.join(", ")}`);
      }
      if (cap === undefined) continue;
      caps[tier as BackfillTier] = wholeNumber(`caps.${tier}`, cap, 0, 1_000_000_000);
    }
  }
  return { caps, maxAttempts: wholeNumber("maxAttempts", options.maxAttempts ?? 5, 1, 100) };
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
  const lock = buildBackfillLock(tier);
  await db.query(lock.text, lock.params);
  const lookup = buildJobIdByKey(key);
  const [existing] = await db.query<{ id: string }>(lookup.text, lookup.params);
  if (existing) return { id: existing.id, created: false, key, tier, priority };
  const count = buildBackfillDepth(tier);
  const [depth] = await db.query<{ n: number }>(count.text, count.params);
  const n = depth?.n ?? 0;
  if (n >= caps[tier]) throw new CapacityError(tier, n, caps[tier]);
  // Another tier's request of the same window may have raced in under its own lock.
  const insert = buildEnqueueBackfill(request, { key, maxAttempts });
  const [created] = await db.query<{ id: string }>(insert.text, insert.params);
  if (created) return { id: created.id, created: true, key, tier, priority };
  const [raced] = await db.query<{ id: string }>(lookup.text, lookup.params);
  return { id: raced!.id, created: false, key, tier, priority };
}
