// The sweeper: on each tick, one bars_fetch job per active series whose cadence is due, from its
// cursor to now, with an idempotency key per series and period, so two sweepers (or a restart)
// never enqueue the same work twice; and quotes_fetch jobs for the tiers that collect quotes.
import type { SeriesCursor, UniverseRecord } from "@mds/client";
import { type TradingCalendar, tradingCalendar } from "@mds/client/calendar";
import type { CalendarName } from "@mds/client/calendar";
import {
  BACKFILL_TIER_PRIORITY,
  type BackfillTier,
  type EnqueueJobInput,
  type Timeframe,
  timeframeMillis,
} from "@mds/sql";
import type { CollectorConfig } from "./config.ts";
import { BARS_FETCH, OPTIONS_FETCH, QUOTES_FETCH } from "./jobs.ts";
import { expectsBars, tradedIn } from "./_series_window.ts";

const DAY_MS = 86_400_000;
/** Most underlyings one options_fetch job carries: a chain is one request per expiry. */
const OPTIONS_CHUNK = 20;
/** Most symbols one quotes_fetch job carries. */
const QUOTE_CHUNK = 1_000;

/** What {@linkcode planSweep} decides from. */
export interface SweepInput {
  /** The universe; inactive symbols are skipped. */
  universe: readonly UniverseRecord[];
  /** The newest bar of each series. */
  cursors: readonly SeriesCursor[];
  /** Series with queued or running fetches: not enqueued again. */
  pending: readonly { symbol: string; timeframe: string }[];
  /** The configuration. */
  config: CollectorConfig;
  /** The sweep's time: windows end here, periods are counted from it. */
  now: Date;
}

/** A series the configuration does not collect: its tier has no cadence for the timeframe. */
export interface UncollectedSeries {
  /** Ticker. */
  symbol: string;
  /** Timeframe. */
  timeframe: Timeframe;
  /** Tier. */
  tier: BackfillTier;
}

/** What one sweep enqueues, and why the rest was left alone. */
export interface SweepPlan {
  /** The jobs to enqueue (each key at most once). */
  jobs: EnqueueJobInput[];
  /** Active series looked at. */
  series: number;
  /** Series skipped because their market has been closed since the last fetch. */
  closed: number;
  /** Series skipped because a fetch of theirs is still queued or running. */
  pending: number;
  /** Series whose tier has no cadence for the timeframe. */
  uncollected: UncollectedSeries[];
}

/** The idempotency key of a series' fetch in one cadence period. */
export function barsFetchKey(symbol: string, timeframe: Timeframe, period: number): string {
  return `${BARS_FETCH}:${symbol}:${timeframe}:${period}`;
}

/**
 * Plans one sweep, without I/O. For each active series (a universe symbol and one of its
 * timeframes) whose tier has a cadence for the timeframe:
 * - skipped while a fetch of it is queued or running;
 * - skipped when no bar is due: nothing expected after its newest bar, and its market traded in
 *   none of the last two cadence periods (so one fetch after the close still picks up the
 *   session's final bars);
 * - otherwise a `bars_fetch` from its newest bar (fetched again: it may have been incomplete) or
 *   where its history begins, to `now`, keyed by series and cadence period.
 *
 * And per tier with `quotesEverySeconds`, `quotes_fetch` jobs (1,000 symbols each) while the
 * symbols' market trades; per tier with `optionsEveryMinutes`, `options_fetch` jobs (20
 * underlyings each) while their market trades, keyed by tier, calendar and period.
 *
 * @param input Universe, cursors, pending series, configuration and the time.
 * @returns The jobs and the counts.
 */
export function planSweep(input: SweepInput): SweepPlan {
  const { config, now } = input;
  const nowMs = now.getTime();
  const cursors = new Map(input.cursors.map((c) => [`${c.symbol}|${c.timeframe}`, c.last_ts]));
  const pending = new Set(input.pending.map((p) => `${p.symbol}|${p.timeframe}`));
  const calendars = new Map<string, TradingCalendar>();
  const calendarOf = (name: string) => {
    let c = calendars.get(name);
    if (c === undefined) {
      c = tradingCalendar(name as CalendarName);
      calendars.set(name, c);
    }
    return c;
  };
  const plan: SweepPlan = { jobs: [], series: 0, closed: 0, pending: 0, uncollected: [] };
  const quoteSymbols = new Map<string, string[]>();
  const optionSymbols = new Map<string, string[]>();
  for (const entry of input.universe) {
    if (!entry.active) continue;
    const tier = config.tiers[entry.tier];
    const calendar = calendarOf(entry.calendar);
    for (const timeframe of entry.timeframes) {
      plan.series++;
      const cadenceS = tier.cadence[timeframe];
      if (cadenceS === undefined) {
        plan.uncollected.push({ symbol: entry.symbol, timeframe, tier: entry.tier });
        continue;
      }
      if (pending.has(`${entry.symbol}|${timeframe}`)) {
        plan.pending++;
        continue;
      }
      const step = timeframeMillis(timeframe);
      const cadenceMs = cadenceS * 1000;
      const last = cursors.get(`${entry.symbol}|${timeframe}`);
      let start: Date;
      if (last !== undefined) {
        const behind = expectsBars(calendar, timeframe, new Date(last.getTime() + step), now);
        const live = tradedIn(calendar, new Date(nowMs - 2 * cadenceMs), now);
        if (!behind && !live) {
          plan.closed++;
          continue;
        }
        start = last;
      } else {
        const days = config.history.defaultDays[timeframe] ?? 30;
        const from = entry.history_start?.getTime() ?? nowMs - days * DAY_MS;
        start = new Date(
          step < DAY_MS ? Math.floor(from / step) * step : Math.floor(from / DAY_MS) * DAY_MS,
        );
        if (!expectsBars(calendar, timeframe, start, now)) {
          plan.closed++;
          continue;
        }
      }
      if (start.getTime() >= nowMs) continue;
      const period = Math.floor(nowMs / cadenceMs);
      plan.jobs.push({
        idempotency_key: barsFetchKey(entry.symbol, timeframe, period),
        job_type: BARS_FETCH,
        payload: {
          symbols: [entry.symbol],
          timeframe,
          start: start.toISOString(),
          end: now.toISOString(),
          ...(entry.provider === null ? {} : { provider: entry.provider }),
          tier: entry.tier,
        },
        priority: BACKFILL_TIER_PRIORITY[entry.tier],
        max_attempts: config.workers.maxAttempts,
      });
    }
    // no options_fetch while no provider is routed for chains: it could only fail
    if (tier.optionsEveryMinutes !== null && config.providers.routing.options_chain !== undefined) {
      const key = `${entry.tier}|${entry.calendar}`;
      optionSymbols.set(key, [...optionSymbols.get(key) ?? [], entry.symbol]);
    }
    if (tier.quotesEverySeconds !== null) {
      const key = `${entry.tier}|${entry.calendar}`;
      const list = quoteSymbols.get(key) ?? [];
      list.push(entry.symbol);
      quoteSymbols.set(key, list);
    }
  }
  for (const [key, symbols] of quoteSymbols) {
    const [tierName, calendarName] = key.split("|") as [BackfillTier, string];
    const everyMs = config.tiers[tierName].quotesEverySeconds! * 1000;
    if (!tradedIn(calendarOf(calendarName), new Date(nowMs - everyMs), now)) continue;
    const period = Math.floor(nowMs / everyMs);
    symbols.sort();
    for (let i = 0; i < symbols.length; i += QUOTE_CHUNK) {
      plan.jobs.push({
        idempotency_key: `${QUOTES_FETCH}:${tierName}:${calendarName}:${period}:${i / QUOTE_CHUNK}`,
        job_type: QUOTES_FETCH,
        payload: { symbols: symbols.slice(i, i + QUOTE_CHUNK), tier: tierName },
        priority: BACKFILL_TIER_PRIORITY[tierName],
        max_attempts: 1,
      });
    }
  }
  for (const [key, symbols] of optionSymbols) {
    const [tierName, calendarName] = key.split("|") as [BackfillTier, string];
    const everyMs = config.tiers[tierName].optionsEveryMinutes! * 60_000;
    if (!tradedIn(calendarOf(calendarName), new Date(nowMs - everyMs), now)) continue;
    const period = Math.floor(nowMs / everyMs);
    symbols.sort();
    for (let i = 0; i < symbols.length; i += OPTIONS_CHUNK) {
      plan.jobs.push({
        idempotency_key: `${OPTIONS_FETCH}:${tierName}:${calendarName}:${period}:${
          i / OPTIONS_CHUNK
        }`,
        job_type: OPTIONS_FETCH,
        payload: { symbols: symbols.slice(i, i + OPTIONS_CHUNK), tier: tierName },
        priority: BACKFILL_TIER_PRIORITY[tierName],
        max_attempts: 1,
      });
    }
  }
  return plan;
}
