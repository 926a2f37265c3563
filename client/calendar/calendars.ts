import { ValidationError } from "@mds/sql";
import { calendar24x7 } from "./calendar_24x7.ts";
import { nyseCalendar } from "./nyse_calendar.ts";
import type { TradingCalendar } from "./trading_calendar.ts";

/** The calendars mds ships, by name: `nyse` ({@linkcode nyseCalendar}) and `24x7`. */
export const CALENDAR_NAMES = ["nyse", "24x7"] as const;
/** One of {@linkcode CALENDAR_NAMES}. */
export type CalendarName = typeof CALENDAR_NAMES[number];

/**
 * A shipped calendar by name, or the given calendar itself.
 *
 * @param calendar `nyse`, `24x7`, or a {@linkcode TradingCalendar}.
 * @returns The calendar.
 * @throws {ValidationError} When the name is unknown or the value is not a calendar.
 *
 * @example
 * ```ts
 * import { tradingCalendar } from "@mds/client/calendar";
 * import assert from "node:assert/strict";
 *
 * assert.equal(tradingCalendar("24x7").name, "24x7");
 * assert.throws(() => tradingCalendar("lse" as "nyse"), /"calendar" is "lse"/);
 * ```
 */
export function tradingCalendar(calendar: CalendarName | TradingCalendar): TradingCalendar {
  if (calendar === "nyse") return nyseCalendar();
  if (calendar === "24x7") return calendar24x7();
  if (
    calendar !== null && typeof calendar === "object" &&
    typeof (calendar as TradingCalendar).sessions === "function"
  ) {
    return calendar;
  }
  throw new ValidationError({
    kind: "argument",
    field: "calendar",
    value: calendar,
    reason: `must be ${CALENDAR_NAMES.join(" or ")}, or an object with sessions(from, to)`,
  });
}
