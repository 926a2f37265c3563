// Bar coverage per trading day: the days a calendar traded, how many bars each expected at a
// timeframe, how many each symbol has (one set-based count in SQL), and the backfills queued for
// them. The store logic of the coverage page of @mds/service.
import {
  buildBarCountsByDay,
  buildPendingBackfills,
  type CoverageDayWindow,
  isTimeframe,
  normalizeSymbol,
  parseCalendarDate,
  parseInstant,
  type Timeframe,
  timeframeMillis,
  ValidationError,
} from "@mds/sql";
import type { Queryable } from "./backend.ts";
import { type CalendarName, tradingCalendar } from "./calendar/calendars.ts";
import type { TradingCalendar } from "./calendar/trading_calendar.ts";

const DAY_MS = 86_400_000;
/** Most trading days one coverage read covers. */
export const MAX_COVERAGE_DAYS: number = 260;
/** Most symbols one coverage read covers. */
export const MAX_COVERAGE_SYMBOLS: number = 5_000;

/** What {@linkcode TenantApi.barCoverage} reads. */
export interface BarCoverageQuery {
  /** Tickers; normalised as stored, repeats read once. */
  symbols: readonly string[];
  /** Bar timeframe, `1m` to `1d` (a week is not a day's worth of anything). */
  timeframe: Timeframe;
  /** How many trading days, the newest last. @default {20} */
  days?: number | undefined;
  /** The last trading day, `YYYY-MM-DD`. @default {the newest day that has opened by `now`} */
  end?: string | undefined;
  /** Which days trade and when. @default {"nyse"} */
  calendar?: CalendarName | TradingCalendar | undefined;
  /** The time of the read: bars not closed by then are not expected yet. @default {new Date()} */
  now?: Date | string | number | undefined;
}

/** One trading day of a {@linkcode BarCoverage}. */
export interface CoverageDay {
  /** The session's trading date, `YYYY-MM-DD`. */
  date: string;
  /** Session open. */
  open: Date;
  /** Session close. */
  close: Date;
  /**
   * Bars the calendar expects at the timeframe by `now`: from the open at every step to the
   * close; in a session still open, only those closed by `now`; a daily bar once the session
   * closed.
   */
  expected: number;
}

/** A queued or running backfill of a {@linkcode BarCoverage}. */
export interface PendingBackfill {
  /** The job's id. */
  id: string;
  /** Ticker. */
  symbol: string;
  /** First bar open time asked for. */
  start: Date;
  /** Last bar open time asked for, exclusive. */
  end: Date;
  /** Its tier, or `null` when its payload has none. */
  tier: string | null;
  /** `queued` or `running`. */
  state: string;
}

/** What {@linkcode TenantApi.barCoverage} returns. */
export interface BarCoverage {
  /** Bar timeframe. */
  timeframe: Timeframe;
  /** The calendar's name. */
  calendar: string;
  /** The time of the read. */
  now: Date;
  /** The normalised tickers, in the order asked. */
  symbols: string[];
  /** The trading days, oldest first. */
  days: CoverageDay[];
  /** Bars stored per symbol and day (by any vendor, on the day's grid); absent pairs have none. */
  present: { symbol: string; date: string; bars: number }[];
  /** Queued and running backfills of these symbols and timeframe that overlap the days. */
  backfills: PendingBackfill[];
}

/** A validated coverage read. */
export interface CoverageWindow {
  symbols: string[];
  timeframe: Timeframe;
  calendar: TradingCalendar;
  days: CoverageDay[];
  /** Where each day's bars are counted: its grid from the open up to its last expected bar. */
  windows: CoverageDayWindow[];
  stepSeconds: number;
  now: Date;
}

function refuse(field: string, value: unknown, reason: string): never {
  throw new ValidationError({ kind: "argument", field, value, reason });
}

/** Bars of `step` the session expects by `now`, and where they are counted. */
function expectation(
  open: number,
  close: number,
  date: string,
  step: number,
  now: number,
): { expected: number; start: number; end: number } {
  if (step >= DAY_MS) {
    // the daily bar sits at the date 00:00 UTC and is due once the session closed
    const day = Date.parse(`${date}T00:00:00Z`);
    return { expected: close <= now ? 1 : 0, start: day, end: day + DAY_MS };
  }
  const expected = close <= now
    ? Math.ceil((close - open) / step)
    : Math.max(0, Math.floor((now - open) / step));
  return { expected, start: open, end: Math.min(close, open + expected * step) };
}

/** Validates a coverage read and works out its days, before any I/O. */
export function coverageWindow(q: BarCoverageQuery): CoverageWindow {
  if (q === null || typeof q !== "object") refuse("", q, "expected an object");
  if (!isTimeframe(q.timeframe) || q.timeframe === "1w") {
    refuse("timeframe", q.timeframe, "must be a timeframe from 1m to 1d");
  }
  if (!Array.isArray(q.symbols) || q.symbols.length > MAX_COVERAGE_SYMBOLS) {
    refuse("symbols", q.symbols, `must be an array of at most ${MAX_COVERAGE_SYMBOLS} tickers`);
  }
  const symbols = [...new Set(q.symbols.map((s, i) => normalizeSymbol(s, `symbols[${i}]`)))];
  const count = q.days ?? 20;
  if (!Number.isInteger(count) || count < 1 || count > MAX_COVERAGE_DAYS) {
    refuse("days", count, `must be a whole number from 1 to ${MAX_COVERAGE_DAYS}`);
  }
  const now = q.now === undefined ? new Date() : parseInstant(q.now, "now");
  const last = q.end === undefined ? undefined : parseCalendarDate(q.end, "end");
  const calendar = tradingCalendar(q.calendar ?? "nyse");
  const step = timeframeMillis(q.timeframe);
  // the sessions up to the end date (or now), newest last; widen the look-back until enough
  const until = last === undefined ? now.getTime() + DAY_MS : Date.parse(`${last}T00:00:00Z`) +
    2 * DAY_MS;
  let picked: CoverageDay[] = [];
  const windows = new Map<string, CoverageDayWindow>();
  for (let span = Math.ceil(count * 1.6) + 10; span <= 16 * (count + 10); span *= 2) {
    picked = [];
    windows.clear();
    for (const s of calendar.sessions(new Date(until - span * DAY_MS), new Date(until))) {
      const date = s.date ?? s.open.toISOString().slice(0, 10);
      const open = s.open.getTime(), close = s.close.getTime();
      if ((last !== undefined && date > last) || open > now.getTime()) continue;
      const e = expectation(open, close, date, step, now.getTime());
      picked.push({ date, open: s.open, close: s.close, expected: e.expected });
      windows.set(date, { day: date, start: new Date(e.start), end: new Date(e.end) });
    }
    if (picked.length >= count) break;
  }
  const days = picked.slice(-count);
  return {
    symbols,
    timeframe: q.timeframe,
    calendar,
    days,
    windows: days.filter((d) => d.expected > 0).map((d) => windows.get(d.date)!),
    stepSeconds: step / 1000,
    now,
  };
}

/** Reads the bar counts and pending backfills of a validated coverage read. */
export async function barCoverage(db: Queryable, w: CoverageWindow): Promise<BarCoverage> {
  const base = {
    timeframe: w.timeframe,
    calendar: w.calendar.name,
    now: w.now,
    symbols: w.symbols,
    days: w.days,
  };
  if (w.symbols.length === 0 || w.days.length === 0) return { ...base, present: [], backfills: [] };
  const counts = buildBarCountsByDay({
    symbols: w.symbols,
    timeframe: w.timeframe,
    days: w.windows,
    stepSeconds: w.stepSeconds,
  });
  const present = w.windows.length === 0
    ? []
    : await db.query<{ symbol: string; day: string; bars: number }>(counts.text, counts.params);
  const first = w.days[0]!.open.getTime();
  const lastDay = w.days[w.days.length - 1]!;
  // a day's span: its session, and for daily bars the date itself
  const end = Math.max(lastDay.close.getTime(), Date.parse(`${lastDay.date}T00:00:00Z`) + DAY_MS);
  const start = Math.min(first, Date.parse(`${w.days[0]!.date}T00:00:00Z`));
  const pending = buildPendingBackfills(w.symbols, w.timeframe);
  const rows = await db.query<
    { id: string; symbol: string; start: string; end: string; tier: string | null; state: string }
  >(pending.text, pending.params);
  const backfills: PendingBackfill[] = [];
  for (const r of rows) {
    const s = Date.parse(r.start), e = Date.parse(r.end);
    // a payload whose window cannot be read overlaps nothing it can show
    if (!(s < e) || e <= start || s >= end) continue;
    backfills.push({
      id: String(r.id),
      symbol: r.symbol,
      start: new Date(s),
      end: new Date(e),
      tier: r.tier,
      state: r.state,
    });
  }
  return {
    ...base,
    present: present.map((r) => ({ symbol: r.symbol, date: r.day, bars: r.bars })),
    backfills,
  };
}
