// The shapes of UniverseApi's calls, and the error of a full tier.
import {
  type BackfillTier,
  MdsError,
  type Timeframe,
  type UnfillableRange,
  type UniverseEntry,
} from "@mds/sql";

/** A universe symbol as stored, with its timestamps. */
export interface UniverseRecord extends UniverseEntry {
  /** When the symbol was first added. */
  created_at: Date;
  /** Last change. */
  updated_at: Date;
}

/** Options of {@linkcode UniverseApi.add}. */
export interface UniverseAddOptions {
  /**
   * The most symbols each tier may hold, counted after the change. A tier left out has no
   * limit here (the collector's configuration sets one per tier).
   */
  maxPerTier?: Partial<Record<BackfillTier, number>> | undefined;
}

/** What {@linkcode UniverseApi.add} returns. */
export interface UniverseAdded {
  /** Symbols new to the universe. */
  added: string[];
  /** Symbols already there, whose settings were replaced. */
  updated: string[];
  /** Every row written, by tier then symbol. */
  entries: UniverseRecord[];
}

/** Filter of {@linkcode UniverseApi.list}. */
export interface UniverseListQuery {
  /** Only this tier. */
  tier?: BackfillTier | undefined;
  /** Only active (`true`) or inactive (`false`) symbols. @default {both} */
  active?: boolean | undefined;
  /** Only these tickers. */
  symbols?: readonly string[] | undefined;
}

/** The newest bar stored for one series, over every vendor. */
export interface SeriesCursor {
  /** Ticker. */
  symbol: string;
  /** Bar timeframe. */
  timeframe: Timeframe;
  /** Open time of the newest bar. */
  last_ts: Date;
}

/** What {@linkcode UniverseApi.markUnfillable} accepts. */
export interface UnfillableInput {
  /** Ticker. */
  symbol: string;
  /** Bar timeframe. */
  timeframe: Timeframe;
  /** First bar open time, inclusive. */
  start: Date | string | number;
  /** Last bar open time, exclusive. */
  end: Date | string | number;
  /** Why, e.g. `every provider answered no data`. */
  reason: string;
  /** The providers that answered "no data". @default {[]} */
  providers?: readonly string[] | undefined;
  /** Not requested again before this time. */
  retryAfter: Date | string | number;
}

/** A recorded range no provider has data for. */
export interface UnfillableRecord extends UnfillableRange {
  /** When it was last recorded. */
  recorded_at: Date;
}

/** Filter of {@linkcode UniverseApi.unfillable}. */
export interface UnfillableQuery {
  /** Only this ticker. */
  symbol?: string | undefined;
  /** Only this timeframe. */
  timeframe?: Timeframe | undefined;
  /** Only ranges ending after this time. */
  start?: Date | string | number | undefined;
  /** Only ranges starting before this time. */
  end?: Date | string | number | undefined;
}

/**
 * Adding symbols would take a tier past its maximum. Nothing was written. Code `MDS_CAPACITY`.
 *
 * @example
 * ```ts
 * import { UniverseFullError } from "@mds/client";
 * import assert from "node:assert/strict";
 *
 * const err = new UniverseFullError("T0", 499, 2, 500);
 * assert.equal(err.code, "MDS_CAPACITY");
 * assert.match(err.message, /T0 would hold 501 symbols; its maximum is 500/);
 * ```
 */
export class UniverseFullError extends MdsError {
  /** The tier. */
  readonly tier: BackfillTier;
  /** Symbols in the tier before the change (those being written left out). */
  readonly current: number;
  /** Symbols the change adds to the tier. */
  readonly adding: number;
  /** The tier's maximum. */
  readonly max: number;

  /**
   * Creates the error.
   *
   * @param tier The tier.
   * @param current Symbols in the tier before the change.
   * @param adding Symbols the change adds to it.
   * @param max The tier's maximum.
   */
  constructor(tier: BackfillTier, current: number, adding: number, max: number) {
    super(
      "MDS_CAPACITY",
      `Cannot add ${adding} symbol${adding === 1 ? "" : "s"} to tier ${tier}: ${tier} would hold ${
        current + adding
      } symbols; its maximum is ${max}`,
    );
    this.tier = tier;
    this.current = current;
    this.adding = adding;
    this.max = max;
  }
}
