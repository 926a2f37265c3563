import type { TradingCalendar, TradingSession } from "./trading_calendar.ts";

const DAY_MS = 86_400_000;

/**
 * A market that never closes (crypto, FX feeds): one session per UTC day, 00:00 to 24:00, so
 * intraday bars are expected at every step and daily bars at every UTC midnight.
 *
 * @returns The calendar, named `24x7`.
 *
 * @example
 * ```ts
 * import { calendar24x7 } from "@mds/client/calendar";
 * import assert from "node:assert/strict";
 *
 * const days = [...calendar24x7().sessions(new Date("2024-07-06T12:00:00Z"), new Date("2024-07-08T00:00:00Z"))];
 * assert.deepEqual(days.map((s) => s.date), ["2024-07-06", "2024-07-07"]);
 * ```
 */
export function calendar24x7(): TradingCalendar {
  return {
    name: "24x7",
    sessions(fromUtc: Date, toUtc: Date): TradingSession[] {
      const out: TradingSession[] = [];
      const to = toUtc.getTime();
      for (let d = Math.floor(fromUtc.getTime() / DAY_MS) * DAY_MS; d < to; d += DAY_MS) {
        out.push({
          open: new Date(d),
          close: new Date(d + DAY_MS),
          date: new Date(d).toISOString().slice(0, 10),
        });
      }
      return out;
    },
  };
}
