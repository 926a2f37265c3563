// Gap repair: the gaps of each series' recent window become backfill jobs, except ranges every
// provider answered "no data" for, which are not requested again before their retry time.
import { CapacityError, type MdsClient } from "@mds/client";
import { type CalendarName, tradingCalendar } from "@mds/client/calendar";
import { unfillableCover } from "@mds/client";
import type { BackfillTier, Timeframe } from "@mds/sql";
import type { CollectorConfig } from "./config.ts";
import type { CollectorMetrics } from "./metrics.ts";

const DAY_MS = 86_400_000;

/** One series to look at. */
export interface RepairSeries {
  /** Ticker. */
  symbol: string;
  /** Timeframe. */
  timeframe: Timeframe;
  /** Tier: backfill priority and cap. */
  tier: BackfillTier;
  /** Trading calendar name. */
  calendar: string;
  /** Where its history begins, if set. */
  historyStart: Date | null;
  /** Open time of its newest stored bar: the window ends there (exclusive). */
  newest: Date;
}

/** What one repair pass did. */
export interface RepairReport {
  /** Series looked at. */
  series: number;
  /** Gaps found, unfillable ones left out. */
  gaps: number;
  /** Gaps inside a recorded unfillable range, not requested. */
  unfillable: number;
  /** Backfill jobs this pass created. */
  enqueued: number;
  /** Gaps already requested (a backfill with the same range exists). */
  alreadyRequested: number;
  /** Gaps not requested because their tier's backfill queue was full. */
  deferredByCap: number;
}

/** What gap repair needs from the collector. */
export interface RepairDeps {
  /** The store. */
  readonly client: MdsClient;
  /** The tenant. */
  readonly tenant: string;
  /** The configuration in force. */
  config(): CollectorConfig;
  /** Where the counts go. */
  readonly metrics: CollectorMetrics;
  /** The clock, epoch milliseconds. */
  now(): number;
}

/**
 * Looks for gaps in each series' recent window (`gaps.windowDays` back from its newest bar, not
 * before its history start) and requests a backfill per gap (at most `gaps.maxGapsPerSeries` per
 * series), with the tier's priority and cap. Gaps covered by an unfillable range whose retry
 * time has not come are skipped.
 *
 * @param deps Store, configuration, metrics and clock.
 * @param series The series and their newest bars.
 * @returns The counts.
 */
export async function repairGaps(
  deps: RepairDeps,
  series: readonly RepairSeries[],
): Promise<RepairReport> {
  const config = deps.config();
  const api = deps.client.tenant(deps.tenant);
  const report: RepairReport = {
    series: series.length,
    gaps: 0,
    unfillable: 0,
    enqueued: 0,
    alreadyRequested: 0,
    deferredByCap: 0,
  };
  const full = new Set<BackfillTier>();
  const now = deps.now();
  for (const s of series) {
    const days = config.gaps.windowDays[s.timeframe] ?? 30;
    const start = Math.max(
      s.historyStart?.getTime() ?? -Infinity,
      s.newest.getTime() - days * DAY_MS,
    );
    if (start >= s.newest.getTime()) continue;
    const gaps = await api.findGaps({
      symbol: s.symbol,
      timeframe: s.timeframe,
      start: new Date(start),
      end: s.newest,
      calendar: tradingCalendar(s.calendar as CalendarName),
    });
    if (gaps.length === 0) continue;
    const ranges = (await api.universe.unfillable({
      symbol: s.symbol,
      timeframe: s.timeframe,
      start: new Date(start),
      end: s.newest,
    })).filter((r) => r.retry_after.getTime() > now);
    let requested = 0;
    for (const gap of gaps) {
      if (unfillableCover(gap, ranges) !== undefined) {
        report.unfillable++;
        continue;
      }
      report.gaps++;
      deps.metrics.gapsFound(s.timeframe);
      if (requested >= config.gaps.maxGapsPerSeries || full.has(s.tier)) {
        report.deferredByCap++;
        continue;
      }
      requested++;
      try {
        const r = await api.jobs.requestBackfill(
          {
            symbol: s.symbol,
            timeframe: s.timeframe,
            start: gap.start,
            end: gap.end,
            tier: s.tier,
          },
          {
            caps: { [s.tier]: config.tiers[s.tier].backfillCap },
            maxAttempts: config.workers.maxAttempts,
          },
        );
        if (r.created) {
          report.enqueued++;
          deps.metrics.backfillEnqueued(s.tier);
        } else report.alreadyRequested++;
      } catch (e) {
        if (!(e instanceof CapacityError)) throw e;
        full.add(s.tier);
        report.deferredByCap++;
      }
    }
  }
  return report;
}
