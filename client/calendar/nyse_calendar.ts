import { ValidationError } from "@mds/sql";
import type { TradingCalendar, TradingSession } from "./trading_calendar.ts";
import { ZonedClock } from "./_zoned_time.ts";

/** The years the NYSE calendar covers, inclusive: 2000 to 2030. */
export const NYSE_YEARS: { readonly first: 2000; readonly last: 2030 } = {
  first: 2000,
  last: 2030,
};

/** A day the NYSE does not run its regular 09:30-16:00 session. */
export interface NyseSpecialDay {
  /** The date, `YYYY-MM-DD`. */
  readonly date: string;
  /**
   * `holiday`: closed all day by the yearly rules; `closure`: closed all day by a one-off event;
   * `early_close`: closes at `close`.
   */
  readonly kind: "holiday" | "closure" | "early_close";
  /** What the day is, e.g. `Thanksgiving Day` or `Hurricane Sandy`. */
  readonly name: string;
  /** Closing time `HH:MM` (New York) of an early close, else `null`. */
  readonly close: string | null;
}

/** One-off full-day closures of 2000-2030. */
const CLOSURES: readonly (readonly [string, string])[] = [
  ["2001-09-11", "September 11 attacks"],
  ["2001-09-12", "September 11 attacks"],
  ["2001-09-13", "September 11 attacks"],
  ["2001-09-14", "September 11 attacks"],
  ["2004-06-11", "Day of mourning for Ronald Reagan"],
  ["2007-01-02", "Day of mourning for Gerald Ford"],
  ["2012-10-29", "Hurricane Sandy"],
  ["2012-10-30", "Hurricane Sandy"],
  ["2018-12-05", "Day of mourning for George H. W. Bush"],
  ["2025-01-09", "Day of mourning for Jimmy Carter"],
];

const OPEN = [9, 30] as const;
const CLOSE = [16, 0] as const;
const EARLY_CLOSE = [13, 0] as const;
const DAY_MS = 86_400_000;
const SLACK_MS = 2 * DAY_MS;

const iso = (ms: number) => new Date(ms).toISOString().slice(0, 10);
const utcDay = (y: number, m: number, d: number) => Date.UTC(y, m - 1, d);
const weekday = (ms: number) => new Date(ms).getUTCDay();

/** Day of the month of the `n`th `wd` (0 Sunday) of a month (1-12). */
function nthWeekday(y: number, m: number, wd: number, n: number): number {
  return utcDay(y, m, 1 + ((wd - weekday(utcDay(y, m, 1)) + 7) % 7) + 7 * (n - 1));
}

function lastWeekday(y: number, m: number, wd: number): number {
  const last = utcDay(y, m + 1, 0);
  return last - ((weekday(last) - wd + 7) % 7) * DAY_MS;
}

/** Easter Sunday of the Gregorian calendar (anonymous Gregorian computus). */
function easterSunday(y: number): number {
  const a = y % 19, b = Math.floor(y / 100), c = y % 100;
  const d = Math.floor(b / 4), e = b % 4, f = Math.floor((b + 8) / 25);
  const g = Math.floor((b - f + 1) / 3);
  const h = (19 * a + b - d - g + 15) % 30;
  const i = Math.floor(c / 4), k = c % 4;
  const l = (32 + 2 * e + 2 * i - h - k) % 7;
  const m = Math.floor((a + 11 * h + 22 * l) / 451);
  const month = Math.floor((h + l - 7 * m + 114) / 31);
  const day = ((h + l - 7 * m + 114) % 31) + 1;
  return utcDay(y, month, day);
}

/** A fixed-date holiday on a Saturday is observed on the Friday, on a Sunday on the Monday. */
function observed(ms: number): number {
  const wd = weekday(ms);
  return wd === 6 ? ms - DAY_MS : wd === 0 ? ms + DAY_MS : ms;
}

/** The special days of one year, by rule and from the list of one-off closures. */
function specialDays(y: number): NyseSpecialDay[] {
  const days: NyseSpecialDay[] = [];
  const holiday = (ms: number, name: string) =>
    days.push({ date: iso(ms), kind: "holiday", name, close: null });
  const newYear = utcDay(y, 1, 1);
  // New Year's Day on a Saturday is not observed on the Friday before (NYSE rule 7.2).
  if (weekday(newYear) !== 6) holiday(observed(newYear), "New Year's Day");
  holiday(nthWeekday(y, 1, 1, 3), "Martin Luther King, Jr. Day");
  holiday(nthWeekday(y, 2, 1, 3), "Washington's Birthday");
  holiday(easterSunday(y) - 2 * DAY_MS, "Good Friday");
  holiday(lastWeekday(y, 5, 1), "Memorial Day");
  if (y >= 2022) holiday(observed(utcDay(y, 6, 19)), "Juneteenth National Independence Day");
  holiday(observed(utcDay(y, 7, 4)), "Independence Day");
  holiday(nthWeekday(y, 9, 1, 1), "Labor Day");
  const thanksgiving = nthWeekday(y, 11, 4, 4);
  holiday(thanksgiving, "Thanksgiving Day");
  holiday(observed(utcDay(y, 12, 25)), "Christmas Day");
  const prefix = `${y}-`;
  for (const [date, name] of CLOSURES) {
    if (date.startsWith(prefix)) days.push({ date, kind: "closure", name, close: null });
  }
  const closed = new Set(days.map((d) => d.date));
  const early = (ms: number, name: string) => {
    const wd = weekday(ms);
    if (wd !== 0 && wd !== 6 && !closed.has(iso(ms))) {
      days.push({ date: iso(ms), kind: "early_close", name, close: "13:00" });
    }
  };
  early(utcDay(y, 7, 3), "Day before Independence Day");
  early(thanksgiving + DAY_MS, "Day after Thanksgiving");
  early(utcDay(y, 12, 24), "Christmas Eve");
  return days.sort((a, b) => (a.date < b.date ? -1 : a.date > b.date ? 1 : 0));
}

/**
 * The New York Stock Exchange calendar: the regular session 09:30-16:00 America/New_York on
 * weekdays, without its full-day holidays and one-off closures, closing at 13:00 on its early
 * closes, for 2000 to 2030. Holidays follow the exchange's rules: New Year's Day (on a Sunday
 * observed Monday; on a Saturday not observed), Martin Luther King, Jr. Day, Washington's
 * Birthday, Good Friday, Memorial Day, Juneteenth (from 2022), Independence Day, Labor Day,
 * Thanksgiving and Christmas (Saturday holidays observed Friday, Sunday ones Monday). One-off
 * closures: 2001-09-11 to 14, 2004-06-11, 2007-01-02, 2012-10-29 and 30, 2018-12-05,
 * 2025-01-09. Early closes: the day before Independence Day, the day after Thanksgiving and
 * Christmas Eve, each when it is a trading weekday. Daylight saving time comes from the
 * runtime's time-zone data through `Intl.DateTimeFormat`.
 *
 * @example
 * ```ts
 * import { NyseCalendar } from "@mds/client/calendar";
 * import assert from "node:assert/strict";
 *
 * const nyse = new NyseCalendar();
 * assert.equal(nyse.session("2024-07-04"), null);
 * assert.equal(nyse.session("2024-07-03")?.close.toISOString(), "2024-07-03T17:00:00.000Z");
 * assert.equal(nyse.session("2024-03-08")?.open.toISOString(), "2024-03-08T14:30:00.000Z");
 * assert.equal(nyse.session("2024-03-11")?.open.toISOString(), "2024-03-11T13:30:00.000Z");
 * ```
 */
export class NyseCalendar implements TradingCalendar {
  /** `nyse`. */
  readonly name: string = "nyse";
  /** The exchange's time zone. */
  readonly timeZone: string = "America/New_York";
  readonly #clock: ZonedClock = new ZonedClock("America/New_York");
  readonly #years = new Map<number, Map<string, NyseSpecialDay>>();

  #year(y: number, field: string, value: unknown, slack = 0): Map<string, NyseSpecialDay> {
    if (!Number.isInteger(y) || y < NYSE_YEARS.first - slack || y > NYSE_YEARS.last + slack) {
      throw new ValidationError({
        kind: "argument",
        field,
        value,
        reason:
          `is outside the years the NYSE calendar covers (${NYSE_YEARS.first} to ${NYSE_YEARS.last})`,
      });
    }
    let days = this.#years.get(y);
    if (!days) {
      days = new Map(specialDays(y).map((d) => [d.date, d]));
      this.#years.set(y, days);
    }
    return days;
  }

  /**
   * The full-day closures of a year, rule-based holidays and one-off closures, in date order.
   *
   * @param year From 2000 to 2030.
   * @returns The days.
   * @throws {ValidationError} When the year is not covered.
   *
   * @example
   * ```ts
   * import { NyseCalendar } from "@mds/client/calendar";
   * import assert from "node:assert/strict";
   *
   * const days = new NyseCalendar().holidays(2018).map((d) => d.date);
   * assert.equal(days.includes("2018-12-05"), true);
   * assert.equal(days.length, 10);
   * ```
   */
  holidays(year: number): NyseSpecialDay[] {
    return [...this.#year(year, "year", year).values()].filter((d) => d.kind !== "early_close");
  }

  /**
   * The early closes (13:00 New York) of a year, in date order.
   *
   * @param year From 2000 to 2030.
   * @returns The days.
   * @throws {ValidationError} When the year is not covered.
   *
   * @example
   * ```ts
   * import { NyseCalendar } from "@mds/client/calendar";
   * import assert from "node:assert/strict";
   *
   * assert.deepEqual(new NyseCalendar().earlyCloses(2024).map((d) => d.date),
   *   ["2024-07-03", "2024-11-29", "2024-12-24"]);
   * ```
   */
  earlyCloses(year: number): NyseSpecialDay[] {
    return [...this.#year(year, "year", year).values()].filter((d) => d.kind === "early_close");
  }

  /**
   * The session of a date, or `null` when the exchange is closed that day.
   *
   * @param date `YYYY-MM-DD`, from 2000 to 2030.
   * @returns The session, or `null` on weekends, holidays and closures.
   * @throws {ValidationError} When the date is not covered or not a date.
   *
   * @example
   * ```ts
   * import { NyseCalendar } from "@mds/client/calendar";
   * import assert from "node:assert/strict";
   *
   * const s = new NyseCalendar().session("2024-11-29");
   * assert.deepEqual([s?.open.toISOString(), s?.close.toISOString()],
   *   ["2024-11-29T14:30:00.000Z", "2024-11-29T18:00:00.000Z"]);
   * ```
   */
  session(date: string): TradingSession | null {
    const m = typeof date === "string" ? /^(\d{4})-(\d{2})-(\d{2})$/.exec(date) : null;
    const ms = m ? utcDay(Number(m[1]), Number(m[2]), Number(m[3])) : NaN;
    if (!m || Number.isNaN(ms) || iso(ms) !== date) {
      throw new ValidationError({
        kind: "argument",
        field: "date",
        value: date,
        reason: "expected a date such as 2024-01-02",
      });
    }
    return this.#sessionAt(ms, "date", date);
  }

  #sessionAt(ms: number, field: string, value: unknown, slack = 0): TradingSession | null {
    const wd = weekday(ms);
    if (wd === 0 || wd === 6) return null;
    const d = new Date(ms);
    const y = d.getUTCFullYear(), mo = d.getUTCMonth() + 1, day = d.getUTCDate();
    const special = this.#year(y, field, value, slack).get(iso(ms));
    if (special && special.kind !== "early_close") return null;
    const close = special ? EARLY_CLOSE : CLOSE;
    return {
      open: this.#clock.toUtc(y, mo, day, OPEN[0], OPEN[1]),
      close: this.#clock.toUtc(y, mo, day, close[0], close[1]),
      date: iso(ms),
    };
  }

  /**
   * The sessions that overlap `[fromUtc, toUtc)`, in time order. The window must lie within
   * 2000-01-01 to 2030-12-31 (UTC), give or take two days, which are computed by the same rules.
   *
   * @param fromUtc Start of the window.
   * @param toUtc End of the window, exclusive.
   * @returns The sessions.
   * @throws {ValidationError} When the window reaches further outside 2000 to 2030.
   *
   * @example
   * ```ts
   * import { NyseCalendar } from "@mds/client/calendar";
   * import assert from "node:assert/strict";
   *
   * const week = new NyseCalendar().sessions(new Date("2024-07-01T00:00:00Z"), new Date("2024-07-06T00:00:00Z"));
   * assert.deepEqual(week.map((s) => s.date), ["2024-07-01", "2024-07-02", "2024-07-03", "2024-07-05"]);
   * ```
   */
  sessions(fromUtc: Date, toUtc: Date): TradingSession[] {
    const from = fromUtc.getTime(), to = toUtc.getTime();
    const lowest = utcDay(NYSE_YEARS.first, 1, 1) - SLACK_MS;
    const highest = utcDay(NYSE_YEARS.last + 1, 1, 1) + SLACK_MS;
    const outside = (field: string, value: Date) =>
      new ValidationError({
        kind: "argument",
        field,
        value,
        reason:
          `is outside the years the NYSE calendar covers (${NYSE_YEARS.first} to ${NYSE_YEARS.last})`,
      });
    if (Number.isNaN(from) || from < lowest) throw outside("start", fromUtc);
    if (Number.isNaN(to) || to > highest) throw outside("end", toUtc);
    const out: TradingSession[] = [];
    // Local dates of the window, one day of margin either side for the zone's offset.
    const first = Math.floor(from / DAY_MS) * DAY_MS - DAY_MS;
    const last = Math.floor(to / DAY_MS) * DAY_MS + DAY_MS;
    for (let ms = first; ms <= last && to > from; ms += DAY_MS) {
      const s = this.#sessionAt(ms, "start", fromUtc, 1);
      if (s && s.open.getTime() < to && s.close.getTime() > from) out.push(s);
    }
    return out;
  }
}

/**
 * The NYSE calendar; see {@linkcode NyseCalendar}.
 *
 * @returns A new calendar.
 *
 * @example
 * ```ts
 * import { nyseCalendar } from "@mds/client/calendar";
 * import assert from "node:assert/strict";
 *
 * assert.equal(nyseCalendar().session("2025-01-09"), null); // day of mourning for Jimmy Carter
 * ```
 */
export function nyseCalendar(): NyseCalendar {
  return new NyseCalendar();
}
