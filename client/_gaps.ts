// Gap detection: the bar times a calendar expects over a window, minus the bars stored, grouped
// into runs. The expected times are generated in SQL from the session bounds (intraday) or passed
// as one array (daily, weekly); the stored times come from one index range scan; only the
// missing runs travel back.
import {
  buildGapRuns,
  isTimeframe,
  normalizeSymbol,
  normalizeVendor,
  parseInstant,
  type Timeframe,
  timeframeMillis,
  ValidationError,
} from "@mds/sql";
import type { Queryable } from "./backend.ts";
import { tradingCalendar } from "./calendar/calendars.ts";
import type { TradingCalendar, TradingSession } from "./calendar/trading_calendar.ts";
import type { Gap, GapQuery } from "./read_types.ts";

const DAY_MS = 86_400_000;
/**
 * Most expected bars one call may check: ten years of NYSE 1m bars (about 98,000 a year), or
 * close to two years of 1m bars around the clock (527,040 a year).
 */
export const MAX_EXPECTED_BARS: number = 1_000_000;

interface GapWindow {
  symbol: string;
  timeframe: Timeframe;
  start: Date;
  end: Date;
  vendor: string | null;
  calendar: TradingCalendar;
}

/** Validates a gap query before any I/O. */
export function gapWindow(q: GapQuery): GapWindow {
  if (q === null || typeof q !== "object") {
    throw new ValidationError({
      kind: "argument",
      field: "",
      value: q,
      reason: "expected an object",
    });
  }
  if (!isTimeframe(q.timeframe)) {
    throw new ValidationError({
      kind: "argument",
      field: "timeframe",
      value: q.timeframe,
      reason: "is not a known timeframe",
    });
  }
  const start = parseInstant(q.start, "start");
  const end = parseInstant(q.end, "end");
  if (end.getTime() <= start.getTime()) {
    throw new ValidationError({
      kind: "argument",
      field: "end",
      value: q.end,
      reason: "must be after start",
    });
  }
  return {
    symbol: normalizeSymbol(q.symbol, "symbol"),
    timeframe: q.timeframe,
    start,
    end,
    vendor: q.vendor === undefined ? null : normalizeVendor(q.vendor, "vendor"),
    calendar: tradingCalendar(q.calendar ?? "nyse"),
  };
}

/** The session's trading date at 00:00 UTC, the timestamp of its daily bar. */
function dailyBarTime(s: TradingSession): number {
  const date = s.date ?? s.open.toISOString().slice(0, 10);
  const ms = Date.parse(`${date}T00:00:00Z`);
  if (Number.isNaN(ms)) {
    throw new ValidationError({
      kind: "argument",
      field: "calendar",
      value: date,
      reason: "returned a session whose date is not YYYY-MM-DD",
    });
  }
  return ms;
}

/** Monday 00:00 UTC of the week of a daily bar time. */
function weeklyBarTime(dayMs: number): number {
  return dayMs - ((new Date(dayMs).getUTCDay() + 6) % 7) * DAY_MS;
}

function tooMany(count: number): ValidationError {
  return new ValidationError({
    kind: "argument",
    field: "end",
    value: count,
    reason: `the window expects more than ${MAX_EXPECTED_BARS} bars: split it`,
  });
}

function sessionsOf(calendar: TradingCalendar, from: Date, to: Date): TradingSession[] {
  const out: TradingSession[] = [];
  for (const s of calendar.sessions(from, to)) {
    if (
      !(s?.open instanceof Date) || !(s.close instanceof Date) ||
      !(s.close.getTime() > s.open.getTime())
    ) {
      throw new ValidationError({
        kind: "argument",
        field: "calendar",
        value: s,
        reason: "returned a session without Date open and close, open before close",
      });
    }
    out.push(s);
  }
  return out;
}

/** The gaps of one series over a window. */
export async function findGaps(db: Queryable, w: GapWindow): Promise<Gap[]> {
  const step = timeframeMillis(w.timeframe);
  let rows: { first: Date; last: Date; missing_bars: number }[];
  if (step < DAY_MS) {
    const sessions = sessionsOf(w.calendar, w.start, w.end);
    let expected = 0;
    for (const s of sessions) {
      expected += Math.ceil((s.close.getTime() - s.open.getTime()) / step);
      if (expected > MAX_EXPECTED_BARS) throw tooMany(expected);
    }
    if (sessions.length === 0) return [];
    // Bars open at the session open and every step after it, up to the close.
    const q = buildGapRuns(w, { kind: "sessions", sessions, stepSeconds: step / 1000 });
    rows = await db.query(q.text, q.params);
  } else {
    // Daily bars sit at their session date 00:00 UTC, weekly ones at the Monday of the week.
    const reach = w.timeframe === "1w" ? 7 * DAY_MS : DAY_MS;
    const sessions = sessionsOf(w.calendar, w.start, new Date(w.end.getTime() + reach));
    const times = new Set<number>();
    for (const s of sessions) {
      const day = dailyBarTime(s);
      const t = w.timeframe === "1w" ? weeklyBarTime(day) : day;
      if (t >= w.start.getTime() && t < w.end.getTime()) times.add(t);
    }
    if (times.size > MAX_EXPECTED_BARS) throw tooMany(times.size);
    if (times.size === 0) return [];
    const sorted = [...times].sort((a, b) => a - b).map((t) => new Date(t));
    const q = buildGapRuns(w, { kind: "times", times: sorted });
    rows = await db.query(q.text, q.params);
  }
  return rows.map((r) => ({
    start: r.first,
    end: new Date(r.last.getTime() + step),
    missing_bars: r.missing_bars,
  }));
}
