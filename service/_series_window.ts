// When a series expects bars: from its trading calendar, whether a window holds any bar time.
import type { TradingCalendar } from "@mds/client/calendar";
import { type Timeframe, timeframeMillis } from "@mds/sql";

const DAY_MS = 86_400_000;

/** Monday 00:00 UTC of the week of a daily bar time. */
function weekOf(dayMs: number): number {
  return dayMs - ((new Date(dayMs).getUTCDay() + 6) % 7) * DAY_MS;
}

/**
 * Whether the calendar expects at least one bar of `timeframe` opening in `[from, to)`:
 * intraday bars open from each session's open at the timeframe's step; daily bars sit at the
 * session date 00:00 UTC, weekly ones at the Monday of the week.
 */
export function expectsBars(
  calendar: TradingCalendar,
  timeframe: Timeframe,
  from: Date,
  to: Date,
): boolean {
  if (to.getTime() <= from.getTime()) return false;
  const step = timeframeMillis(timeframe);
  if (step < DAY_MS) {
    for (const s of calendar.sessions(from, to)) {
      const open = s.open.getTime(), close = s.close.getTime();
      // the first bar time of the session at or after `from`
      const first = from.getTime() <= open
        ? open
        : open + Math.ceil((from.getTime() - open) / step) * step;
      if (first < close && first < to.getTime()) return true;
    }
    return false;
  }
  const reach = timeframe === "1w" ? 7 * DAY_MS : DAY_MS;
  for (
    const s of calendar.sessions(new Date(from.getTime() - reach), new Date(to.getTime() + reach))
  ) {
    const day = Date.parse(`${s.date ?? s.open.toISOString().slice(0, 10)}T00:00:00Z`);
    const t = timeframe === "1w" ? weekOf(day) : day;
    if (t >= from.getTime() && t < to.getTime()) return true;
  }
  return false;
}

/** Whether any session of the calendar overlaps `[from, to)`: the market traded in it. */
export function tradedIn(calendar: TradingCalendar, from: Date, to: Date): boolean {
  if (to.getTime() <= from.getTime()) return false;
  for (const _ of calendar.sessions(from, to)) return true;
  return false;
}
