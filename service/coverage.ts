// The data of the coverage page: the symbols (the tenant's universe, or those asked), their bars
// per trading day against what the calendar expects, queued backfills, unfillable ranges and the
// lag of each tier from the series cursors. Everything the store holds is read through
// `@mds/client`; the page itself is drawn by `renderCoveragePage`.
import type { MdsClient } from "@mds/client";
import type { CalendarName } from "@mds/client/calendar";
import {
  BACKFILL_TIERS,
  type BackfillTier,
  isBackfillTier,
  normalizeSymbol,
  type Timeframe,
  TIMEFRAMES,
  ValidationError,
} from "@mds/sql";
import type { CoverageReport, CoverageRow, TierLag } from "./coverage_page.ts";

/** The timeframes a coverage page can show: a week is not a day's worth of anything. */
export const COVERAGE_TIMEFRAMES: readonly ["1m", "5m", "15m", "30m", "1h", "4h", "1d"] = [
  "1m",
  "5m",
  "15m",
  "30m",
  "1h",
  "4h",
  "1d",
] as const;

/** One of {@linkcode COVERAGE_TIMEFRAMES}. */
export type CoverageTimeframe = typeof COVERAGE_TIMEFRAMES[number];

/** Most trading days of one page. */
export const MAX_COVERAGE_PAGE_DAYS = 260;

/** What {@linkcode gatherCoverage} reads. */
export interface CoverageOptions {
  /** Bar timeframe of the heatmap. @default {"1m"} */
  timeframe?: CoverageTimeframe | undefined;
  /** Trading days, the newest last. @default {20} */
  days?: number | undefined;
  /** Only the universe's symbols of this tier. @default {every tier} */
  tier?: BackfillTier | undefined;
  /**
   * Exactly these symbols, in this order, whether in the universe or not (not with `tier`).
   * @default {the active symbols of the universe that collect the timeframe}
   */
  symbols?: readonly string[] | undefined;
  /** The last trading day, `YYYY-MM-DD`. @default {the newest day that has opened} */
  end?: string | undefined;
  /** The trading calendar of the columns. @default {"nyse"} */
  calendar?: CalendarName | undefined;
  /** The time of the report. @default {new Date()} */
  now?: Date | undefined;
}

const DAY_MS = 86_400_000;
const TIER_ORDER = [...BACKFILL_TIERS, "none"];

function refuse(field: string, value: unknown, reason: string): never {
  throw new ValidationError({ kind: "argument", field, value, reason });
}

/** Validates options before any I/O. */
function checked(o: CoverageOptions) {
  if (o === null || typeof o !== "object") refuse("", o, "expected an object");
  const timeframe = o.timeframe ?? "1m";
  if (!(COVERAGE_TIMEFRAMES as readonly string[]).includes(timeframe)) {
    refuse("timeframe", timeframe, `must be one of ${COVERAGE_TIMEFRAMES.join(", ")}`);
  }
  const days = o.days ?? 20;
  if (!Number.isInteger(days) || days < 1 || days > MAX_COVERAGE_PAGE_DAYS) {
    refuse("days", days, `must be a whole number from 1 to ${MAX_COVERAGE_PAGE_DAYS}`);
  }
  if (o.tier !== undefined && !isBackfillTier(o.tier)) {
    refuse("tier", o.tier, `must be one of ${BACKFILL_TIERS.join(", ")}`);
  }
  if (o.tier !== undefined && o.symbols !== undefined) {
    refuse("symbols", o.symbols, "cannot be given with a tier: give one or the other");
  }
  if (o.symbols !== undefined && (!Array.isArray(o.symbols) || o.symbols.length === 0)) {
    refuse("symbols", o.symbols, "must be a non-empty array of tickers");
  }
  const symbols = o.symbols === undefined
    ? undefined
    : [...new Set(o.symbols.map((s, i) => normalizeSymbol(s, `symbols[${i}]`)))];
  const now = o.now ?? new Date();
  if (!(now instanceof Date) || Number.isNaN(now.getTime())) refuse("now", now, "must be a time");
  return { timeframe, days, tier: o.tier, symbols, now };
}

/**
 * Gathers what the coverage page shows for one tenant: the rows (the active symbols of the
 * universe that collect the timeframe, by tier then symbol, or exactly the symbols asked), the
 * share of expected bars of each per trading day with queued backfills and unfillable ranges,
 * and the lag of each tier and timeframe from the series cursors. Five reads; the bars are
 * counted in one set-based statement (`TenantApi.barCoverage`).
 *
 * @param client The store.
 * @param tenant The tenant.
 * @param options Timeframe, days, tier or symbols, last day, calendar and time.
 * @returns The report {@linkcode renderCoveragePage} draws.
 * @throws {ValidationError} When an option is invalid (`kind` `argument`, naming its `field`).
 *
 * @example
 * ```ts
 * import { createClient } from "@mds/client";
 * import { gatherCoverage, renderCoveragePage } from "@mds/service";
 * import assert from "node:assert/strict";
 *
 * await using client = await createClient({ memory: true });
 * const tenant = "6f1c7a54-3b1e-4c8e-9a57-2d4be1f0a001";
 * await client.tenant(tenant).universe.add([{ symbol: "SPY", tier: "T0", timeframes: ["1d"] }]);
 * await client.tenant(tenant).upsertBars([{ ts: "2024-07-08T00:00:00Z", vendor: "v",
 *   symbol: "SPY", timeframe: "1d", open: 1, high: 1, low: 1, close: 1 }]);
 * const report = await gatherCoverage(client, tenant, { timeframe: "1d", days: 2,
 *   end: "2024-07-09", now: new Date("2024-07-10T00:00:00Z") });
 * assert.deepEqual(report.rows[0]?.cells.map((c) => c.present), [1, 0]);
 * assert.equal(report.lags[0]?.newest?.toISOString(), "2024-07-08T00:00:00.000Z");
 * assert.match(renderCoveragePage(report), /data-symbol="SPY" data-day="2024-07-09" data-share="0"/);
 * ```
 */
export async function gatherCoverage(
  client: MdsClient,
  tenant: string,
  options: CoverageOptions = {},
): Promise<CoverageReport> {
  const o = checked(options);
  const api = client.tenant(tenant);
  const listed = await api.universe.list(
    o.symbols === undefined ? { tier: o.tier, active: true } : { symbols: o.symbols },
  );
  const entries = new Map(listed.map((e) => [e.symbol, e]));
  const rowsOf: { symbol: string; tier: string | null }[] = o.symbols === undefined
    ? listed.filter((e) => e.timeframes.includes(o.timeframe)).map((e) => ({
      symbol: e.symbol,
      tier: e.tier,
    }))
    : o.symbols.map((s) => ({ symbol: s, tier: entries.get(s)?.tier ?? null }));
  const coverage = await api.barCoverage({
    symbols: rowsOf.map((r) => r.symbol),
    timeframe: o.timeframe,
    days: o.days,
    end: options.end,
    calendar: options.calendar,
    now: o.now,
  });
  // where a day's bars, backfills and unfillable ranges sit: its session, or its date for 1d
  const spans = coverage.days.map((d) => {
    if (o.timeframe !== "1d") return [d.open.getTime(), d.close.getTime()] as const;
    const day = Date.parse(`${d.date}T00:00:00Z`);
    return [day, day + DAY_MS] as const;
  });
  const overlaps = (r: { start: Date; end: Date }, j: number) =>
    r.start.getTime() < spans[j]![1] && r.end.getTime() > spans[j]![0];
  const unfillable = rowsOf.length === 0 || spans.length === 0
    ? []
    : await api.universe.unfillable({
      timeframe: o.timeframe,
      start: new Date(Math.min(...spans.map((s) => s[0]))),
      end: new Date(Math.max(...spans.map((s) => s[1]))),
    });
  const present = new Map(coverage.present.map((p) => [`${p.symbol} ${p.date}`, p.bars]));
  const rows: CoverageRow[] = rowsOf.map((r) => ({
    symbol: r.symbol,
    tier: r.tier,
    cells: coverage.days.map((d, j) => ({
      present: present.get(`${r.symbol} ${d.date}`) ?? 0,
      expected: d.expected,
      backfill: coverage.backfills.some((b) => b.symbol === r.symbol && overlaps(b, j)),
      unfillable: unfillable.some((u) => u.symbol === r.symbol && overlaps(u, j)),
    })),
  }));
  return {
    tenant,
    timeframe: o.timeframe,
    calendar: coverage.calendar,
    tier: o.tier ?? null,
    generatedAt: o.now,
    days: coverage.days.map((d) => ({ date: d.date, expected: d.expected })),
    rows,
    lags: await lags(
      api.universe,
      o.symbols === undefined
        ? listed.map((e) => ({ symbol: e.symbol, tier: e.tier, timeframes: e.timeframes }))
        : o.symbols.map((s) => {
          const e = entries.get(s);
          return e === undefined
            ? { symbol: s, tier: "none", timeframes: [o.timeframe] }
            : { symbol: s, tier: e.tier, timeframes: e.timeframes };
        }),
    ),
  };
}

/** The lag table: per tier and timeframe, the newest bar and the stalest series. */
async function lags(
  universe: {
    seriesCursors(q: { symbols?: readonly string[] }): Promise<
      { symbol: string; timeframe: Timeframe; last_ts: Date }[]
    >;
  },
  series: { symbol: string; tier: string; timeframes: readonly Timeframe[] }[],
): Promise<TierLag[]> {
  if (series.length === 0) return [];
  const cursors = await universe.seriesCursors({ symbols: series.map((s) => s.symbol) });
  const last = new Map(cursors.map((c) => [`${c.symbol} ${c.timeframe}`, c.last_ts]));
  const groups = new Map<string, TierLag>();
  for (const s of series) {
    for (const timeframe of s.timeframes) {
      const key = `${s.tier} ${timeframe}`;
      const g = groups.get(key) ??
        { tier: s.tier, timeframe, series: 0, empty: 0, newest: null, stalest: null };
      groups.set(key, g);
      g.series++;
      const ts = last.get(`${s.symbol} ${timeframe}`);
      if (ts === undefined) {
        g.empty++;
        continue;
      }
      if (g.newest === null || ts > g.newest) g.newest = ts;
      if (g.stalest === null || ts < g.stalest.last_ts) {
        g.stalest = { symbol: s.symbol, last_ts: ts };
      }
    }
  }
  return [...groups.values()].sort((a, b) =>
    TIER_ORDER.indexOf(a.tier) - TIER_ORDER.indexOf(b.tier) ||
    TIMEFRAMES.indexOf(a.timeframe as Timeframe) - TIMEFRAMES.indexOf(b.timeframe as Timeframe)
  );
}
