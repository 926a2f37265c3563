import { ValidationError } from "./errors.ts";
import { normalizeSymbol, normalizeVendor, parseInstant } from "./fields.ts";
import { isTimeframe, type Timeframe } from "./timeframes.ts";

/** Backfill urgency tiers, most urgent first. */
export const BACKFILL_TIERS = ["T0", "T1", "T2"] as const;
/** One of {@linkcode BACKFILL_TIERS}. */
export type BackfillTier = typeof BACKFILL_TIERS[number];

/** The job priority of each tier (smaller runs first): T0 0, T1 10, T2 20. */
export const BACKFILL_TIER_PRIORITY: Readonly<Record<BackfillTier, number>> = {
  T0: 0,
  T1: 10,
  T2: 20,
};

/**
 * Default queue-depth caps: the most queued and running backfill jobs of a tier a tenant may
 * hold before new requests of that tier are refused. T0 100, T1 1,000, T2 10,000.
 */
export const DEFAULT_BACKFILL_CAPS: Readonly<Record<BackfillTier, number>> = {
  T0: 100,
  T1: 1_000,
  T2: 10_000,
};

/** The `job_type` of backfill jobs requested with a tier. */
export const BACKFILL_JOB_TYPE: string = "backfill";

/** What {@linkcode parseBackfillRequest} accepts. */
export interface BackfillRequestInput {
  /** Ticker; normalised as stored. */
  symbol: string;
  /** Bar timeframe to backfill. */
  timeframe: Timeframe;
  /** First bar open time, inclusive. */
  start: Date | string | number;
  /** Last bar open time, exclusive. */
  end: Date | string | number;
  /** Vendor to fetch from; `null` for any. @default {null} */
  vendor?: string | null | undefined;
  /** Urgency. @default {"T1"} */
  tier?: BackfillTier | undefined;
}

/** A validated, normalised backfill request. */
export interface BackfillRequest {
  /** Ticker, upper-cased. */
  symbol: string;
  /** Bar timeframe. */
  timeframe: Timeframe;
  /** First bar open time, inclusive. */
  start: Date;
  /** Last bar open time, exclusive. */
  end: Date;
  /** Vendor, lower-cased, or `null` for any. */
  vendor: string | null;
  /** Urgency. */
  tier: BackfillTier;
}

/**
 * Tells whether a value is one of {@linkcode BACKFILL_TIERS}.
 *
 * @param value Anything.
 * @returns `true` for `T0`, `T1` and `T2`.
 *
 * @example
 * ```ts
 * import { isBackfillTier } from "@mds/sql";
 * import assert from "node:assert/strict";
 *
 * assert.equal(isBackfillTier("T0"), true);
 * assert.equal(isBackfillTier("T3"), false);
 * ```
 */
export function isBackfillTier(value: unknown): value is BackfillTier {
  return typeof value === "string" && (BACKFILL_TIERS as readonly string[]).includes(value);
}

/**
 * Validates a backfill request and normalises it: symbol upper-cased, vendor lower-cased, times
 * as instants, tier defaulted to T1.
 *
 * @param input The request as received.
 * @returns The normalised request.
 * @throws {ValidationError} Naming the first invalid field; `end` must be after `start`.
 *
 * @example
 * ```ts
 * import { parseBackfillRequest } from "@mds/sql";
 * import assert from "node:assert/strict";
 *
 * const r = parseBackfillRequest({ symbol: "aapl", timeframe: "1m",
 *   start: "2024-07-01T09:30:00-04:00", end: "2024-07-02T00:00:00Z" });
 * assert.deepEqual([r.symbol, r.start.toISOString(), r.vendor, r.tier],
 *   ["AAPL", "2024-07-01T13:30:00.000Z", null, "T1"]);
 * assert.throws(() => parseBackfillRequest({ ...r, tier: "T9" as "T0" }), /"tier" is "T9"/);
 * ```
 */
export function parseBackfillRequest(input: BackfillRequestInput): BackfillRequest {
  const invalid = (field: string, value: unknown, reason: string) =>
    new ValidationError({ kind: "backfill", field, value, reason });
  if (input === null || typeof input !== "object") throw invalid("", input, "expected an object");
  if (!isTimeframe(input.timeframe)) {
    throw invalid("timeframe", input.timeframe, "is not a known timeframe");
  }
  const tier: unknown = input.tier ?? "T1";
  if (!isBackfillTier(tier)) {
    throw invalid("tier", tier, `must be one of ${BACKFILL_TIERS.join(", ")}`);
  }
  const start = parseInstant(input.start, "start");
  const end = parseInstant(input.end, "end");
  if (end.getTime() <= start.getTime()) throw invalid("end", input.end, "must be after start");
  return {
    symbol: normalizeSymbol(input.symbol, "symbol"),
    timeframe: input.timeframe,
    start,
    end,
    vendor: input.vendor === undefined || input.vendor === null
      ? null
      : normalizeVendor(input.vendor, "vendor"),
    tier,
  };
}

/**
 * The idempotency key of a backfill: `backfill:` and the SHA-256 (hex) of
 * `symbol|timeframe|start|end|vendor` with times in UTC ISO 8601 and an empty vendor for any.
 * The tier is not part of it, so asking again at another tier returns the same job.
 *
 * @param request A normalised request from {@linkcode parseBackfillRequest}.
 * @returns `backfill:` followed by 64 hex digits.
 *
 * @example
 * ```ts
 * import { backfillKey, parseBackfillRequest } from "@mds/sql";
 * import assert from "node:assert/strict";
 *
 * const a = parseBackfillRequest({ symbol: "aapl", timeframe: "1m", start: "2024-07-01T13:30:00Z",
 *   end: "2024-07-01T20:00:00Z", tier: "T0" });
 * const b = parseBackfillRequest({ symbol: " AAPL", timeframe: "1m", start: "2024-07-01T09:30:00-04:00",
 *   end: Date.parse("2024-07-01T20:00:00Z"), tier: "T2" });
 * assert.equal(await backfillKey(a), await backfillKey(b));
 * assert.match(await backfillKey(a), /^backfill:[0-9a-f]{64}$/);
 * ```
 */
export async function backfillKey(request: BackfillRequest): Promise<string> {
  const canonical = [
    request.symbol,
    request.timeframe,
    request.start.toISOString(),
    request.end.toISOString(),
    request.vendor ?? "",
  ].join("|");
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(canonical));
  const hex = Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
  return `backfill:${hex}`;
}
