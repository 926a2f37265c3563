// The continuity SLO: per tier and timeframe, the share of active series with a gap in the SLO
// window, published as mds_slo_gap_violation_rate{tier,interval}.
import { type MdsClient, unfillableCover, type UniverseRecord } from "@mds/client";
import { type CalendarName, tradingCalendar } from "@mds/client/calendar";
import {
  BACKFILL_TIERS,
  type BackfillTier,
  type Timeframe,
  timeframeMillis,
  TIMEFRAMES,
} from "@mds/sql";
import type { CollectorConfig } from "./config.ts";
import type { CollectorMetrics } from "./metrics.ts";

const DAY_MS = 86_400_000;

/** Whether one series had a gap in the window. */
export interface SeriesContinuity {
  /** Tier. */
  tier: BackfillTier;
  /** Timeframe. */
  timeframe: Timeframe;
  /** At least one expected bar is missing (unfillable ranges do not count). */
  hasGap: boolean;
}

/** The violation rate of one tier and timeframe. */
export interface SloRate {
  /** Tier. */
  tier: BackfillTier;
  /** Timeframe. */
  timeframe: Timeframe;
  /** Active series of the tier and timeframe. */
  series: number;
  /** Of which with a gap. */
  violating: number;
  /** `violating / series`, 0 for an empty tier. */
  rate: number;
}

/**
 * Violation rates per tier and timeframe. Every tier and timeframe of `expected` is reported,
 * an empty one with rate 0 (no series, nothing violated), so a tier that empties does not keep
 * its last rate.
 *
 * @param series The continuity of each active series.
 * @param expected Tier and timeframe pairs to report even without series.
 * @returns One rate per pair, by tier then timeframe.
 *
 * @example
 * ```ts
 * import { sloRates } from "@mds/service";
 * import assert from "node:assert/strict";
 *
 * const rates = sloRates([
 *   { tier: "T0", timeframe: "1m", hasGap: true },
 *   { tier: "T0", timeframe: "1m", hasGap: false },
 * ], [{ tier: "T1", timeframe: "1d" }]);
 * assert.deepEqual(rates.map((r) => [r.tier, r.timeframe, r.rate]), [["T0", "1m", 0.5], ["T1", "1d", 0]]);
 * ```
 */
export function sloRates(
  series: readonly SeriesContinuity[],
  expected: readonly { tier: BackfillTier; timeframe: Timeframe }[] = [],
): SloRate[] {
  const by = new Map<string, SloRate>();
  const slot = (tier: BackfillTier, timeframe: Timeframe) => {
    const key = `${tier}|${timeframe}`;
    let r = by.get(key);
    if (r === undefined) {
      r = { tier, timeframe, series: 0, violating: 0, rate: 0 };
      by.set(key, r);
    }
    return r;
  };
  for (const e of expected) slot(e.tier, e.timeframe);
  for (const s of series) {
    const r = slot(s.tier, s.timeframe);
    r.series++;
    if (s.hasGap) r.violating++;
  }
  for (const r of by.values()) r.rate = r.series === 0 ? 0 : r.violating / r.series;
  return [...by.values()].sort((a, b) =>
    a.tier.localeCompare(b.tier) ||
    TIMEFRAMES.indexOf(a.timeframe) - TIMEFRAMES.indexOf(b.timeframe)
  );
}

/** What the SLO monitor needs from the collector. */
export interface SloDeps {
  /** The store. */
  readonly client: MdsClient;
  /** The tenant. */
  readonly tenant: string;
  /** The configuration in force. */
  config(): CollectorConfig;
  /** Where the gauge goes. */
  readonly metrics: CollectorMetrics;
  /** The clock, epoch milliseconds. */
  now(): number;
}

/**
 * Measures the continuity SLO: for each active series the window `slo.windowDays` back from now,
 * ending one cadence and one bar before now (the bar being collected is not missing yet), and
 * not before its history start; a series violates when it has a gap there that no unfillable
 * range covers. Sets `mds_slo_gap_violation_rate{tier,interval}` for every tier and timeframe of
 * the configuration.
 *
 * @param deps Store, configuration, metrics and clock.
 * @param universe The universe (inactive symbols are skipped).
 * @returns The rates.
 */
export async function measureSlo(
  deps: SloDeps,
  universe: readonly UniverseRecord[],
): Promise<SloRate[]> {
  const config = deps.config();
  const api = deps.client.tenant(deps.tenant);
  const now = deps.now();
  const continuity: SeriesContinuity[] = [];
  for (const entry of universe) {
    if (!entry.active) continue;
    for (const timeframe of entry.timeframes) {
      const cadence = config.tiers[entry.tier].cadence[timeframe];
      if (cadence === undefined) continue;
      const end = now - cadence * 1000 - timeframeMillis(timeframe);
      const days = config.slo.windowDays[timeframe] ?? 1;
      const start = Math.max(entry.history_start?.getTime() ?? -Infinity, now - days * DAY_MS);
      let hasGap = false;
      if (start < end) {
        const gaps = await api.findGaps({
          symbol: entry.symbol,
          timeframe,
          start: new Date(start),
          end: new Date(end),
          calendar: tradingCalendar(entry.calendar as CalendarName),
        });
        if (gaps.length > 0) {
          const ranges = await api.universe.unfillable({
            symbol: entry.symbol,
            timeframe,
            start: new Date(start),
            end: new Date(end),
          });
          hasGap = gaps.some((g) => unfillableCover(g, ranges) === undefined);
        }
      }
      continuity.push({ tier: entry.tier, timeframe, hasGap });
    }
  }
  const expected = BACKFILL_TIERS.flatMap((tier) =>
    TIMEFRAMES.filter((tf) => config.tiers[tier].cadence[tf] !== undefined).map((timeframe) => ({
      tier,
      timeframe,
    }))
  );
  const rates = sloRates(continuity, expected);
  for (const r of rates) {
    deps.metrics.sloGapViolationRate(r.tier, r.timeframe, r.rate);
    deps.metrics.universeSeries(r.tier, r.timeframe, r.series);
  }
  return rates;
}
