// The symbol universe: which symbols a tenant's collector keeps, in which tier and timeframes.
import { BACKFILL_TIERS, type BackfillTier, isBackfillTier } from "./backfill.ts";
import { ValidationError } from "./errors.ts";
import { normalizeSymbol, normalizeVendor, parseInstant } from "./fields.ts";
import { isTimeframe, type Timeframe, TIMEFRAMES } from "./timeframes.ts";

/** One symbol of the universe, as stored. */
export interface UniverseEntry {
  /** Ticker, upper-case. */
  symbol: string;
  /** Tier: cadence, caps and backfill priority. */
  tier: BackfillTier;
  /** The timeframes collected, in {@linkcode TIMEFRAMES} order, each once. */
  timeframes: Timeframe[];
  /** The provider tried first, lower-case, or `null` for the routing policy. */
  provider: string | null;
  /** Where the history begins, or `null` for the collector's default per timeframe. */
  history_start: Date | null;
  /** Trading calendar of the symbol, e.g. `nyse`. */
  calendar: string;
  /** Inactive symbols stay listed but are not collected. */
  active: boolean;
}

/** What {@linkcode parseUniverseEntry} accepts. */
export interface UniverseEntryInput {
  /** Ticker. */
  symbol: string;
  /** Tier. @default {"T1"} */
  tier?: BackfillTier | undefined;
  /** Timeframes, as an array or a comma-separated list. @default {["1d"]} */
  timeframes?: readonly string[] | string | undefined;
  /** The provider tried first. @default {null} */
  provider?: string | null | undefined;
  /** Where the history begins: ISO 8601, epoch milliseconds or a `Date`. @default {null} */
  history_start?: string | number | Date | null | undefined;
  /** Trading calendar. @default {"nyse"} */
  calendar?: string | undefined;
  /** Collected or not. @default {true} */
  active?: boolean | undefined;
}

/** The tier of an entry that gives none. */
export const DEFAULT_UNIVERSE_TIER: BackfillTier = "T1";
/** The timeframes of an entry that gives none. */
export const DEFAULT_UNIVERSE_TIMEFRAMES: readonly Timeframe[] = ["1d"];

const CALENDAR = /^[a-z0-9_-]{1,40}$/;
const KNOWN = new Set([
  "symbol",
  "tier",
  "timeframes",
  "provider",
  "history_start",
  "calendar",
  "active",
]);

function refuse(field: string, value: unknown, reason: string, index?: number): never {
  throw new ValidationError({ kind: "universe", field, value, reason, index });
}

function timeframesOf(value: unknown, index?: number): Timeframe[] {
  if (value === undefined) return [...DEFAULT_UNIVERSE_TIMEFRAMES];
  const list = typeof value === "string"
    ? value.split(",").map((s) => s.trim()).filter((s) => s !== "")
    : value;
  if (!Array.isArray(list) || list.length === 0) {
    refuse("timeframes", value, `must name at least one of ${TIMEFRAMES.join(", ")}`, index);
  }
  for (const tf of list) {
    if (!isTimeframe(tf)) {
      refuse("timeframes", tf, `is not a timeframe: ${TIMEFRAMES.join(", ")}`, index);
    }
  }
  return TIMEFRAMES.filter((tf) => list.includes(tf));
}

/**
 * Validates and normalises one universe entry: symbol upper-cased, tier one of T0, T1, T2,
 * timeframes known and sorted, provider lower-cased. Unknown fields are refused, so a typo such
 * as `timeframe` is caught.
 *
 * @param input The entry as received.
 * @param index Position in its batch, quoted in the error.
 * @returns The entry.
 * @throws {ValidationError} Naming the field, when one is missing, unknown or invalid.
 *
 * @example
 * ```ts
 * import { parseUniverseEntry } from "@mds/sql";
 * import assert from "node:assert/strict";
 *
 * const e = parseUniverseEntry({ symbol: "aapl", tier: "T0", timeframes: "1d,1m" });
 * assert.deepEqual([e.symbol, e.tier, e.timeframes, e.active], ["AAPL", "T0", ["1m", "1d"], true]);
 * assert.throws(() => parseUniverseEntry({ symbol: "MSFT", tier: "T9" }), /"tier"/);
 * ```
 */
export function parseUniverseEntry(input: unknown, index?: number): UniverseEntry {
  if (input === null || typeof input !== "object" || Array.isArray(input)) {
    refuse("", input, "expected an object", index);
  }
  const o = input as Record<string, unknown>;
  for (const key of Object.keys(o)) {
    if (!KNOWN.has(key)) refuse(key, o[key], `is not a universe field`, index);
  }
  /** Runs a field rule, turning its refusal into this entry's, with the entry's index. */
  const checked = <T>(field: string, value: unknown, rule: () => T): T => {
    try {
      return rule();
    } catch (e) {
      if (e instanceof ValidationError) refuse(field, value, e.reason, index);
      throw e;
    }
  };
  const symbol = checked("symbol", o.symbol, () => normalizeSymbol(o.symbol, "symbol"));
  const tier = o.tier ?? DEFAULT_UNIVERSE_TIER;
  if (!isBackfillTier(tier)) {
    refuse("tier", tier, `must be one of ${BACKFILL_TIERS.join(", ")}`, index);
  }
  const provider = o.provider === undefined || o.provider === null
    ? null
    : checked("provider", o.provider, () => normalizeVendor(o.provider, "provider"));
  const start = o.history_start === undefined || o.history_start === null
    ? null
    : checked("history_start", o.history_start, () =>
      parseInstant(o.history_start, "history_start"));
  const calendar = o.calendar ?? "nyse";
  if (typeof calendar !== "string" || !CALENDAR.test(calendar)) {
    refuse("calendar", calendar, "must be a calendar name such as nyse", index);
  }
  const active = o.active ?? true;
  if (typeof active !== "boolean") refuse("active", active, "must be true or false", index);
  return {
    symbol,
    tier,
    timeframes: timeframesOf(o.timeframes, index),
    provider,
    history_start: start,
    calendar,
    active,
  };
}
