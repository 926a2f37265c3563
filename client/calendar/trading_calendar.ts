/** One trading session: bars are expected from `open` (inclusive) to `close` (exclusive). */
export interface TradingSession {
  /** When the session opens. */
  readonly open: Date;
  /** When the session closes. */
  readonly close: Date;
  /**
   * The session's trading date, `YYYY-MM-DD`, in the exchange's time zone: daily bars of the
   * session are stored at this date 00:00 UTC. @default {the UTC date of `open`}
   */
  readonly date?: string | undefined;
}

/**
 * When a market trades. Gap detection asks it for the sessions of a window and expects bars at
 * the timeframe's cadence inside each. Implement it to bring another exchange; mds ships
 * {@linkcode nyseCalendar} and {@linkcode calendar24x7}.
 *
 * @example A calendar of one session a day, 08:00 to 16:00 UTC, weekdays only
 * ```ts
 * import type { TradingCalendar, TradingSession } from "@mds/client/calendar";
 * import assert from "node:assert/strict";
 *
 * const weekdays: TradingCalendar = {
 *   name: "weekdays-utc",
 *   *sessions(from: Date, to: Date): Iterable<TradingSession> {
 *     const day = 86_400_000;
 *     for (let d = Math.floor(from.getTime() / day) * day; d < to.getTime(); d += day) {
 *       const wd = new Date(d).getUTCDay();
 *       const open = new Date(d + 8 * 3_600_000), close = new Date(d + 16 * 3_600_000);
 *       if (wd !== 0 && wd !== 6 && open < to && close > from) yield { open, close };
 *     }
 *   },
 * };
 * const week = [...weekdays.sessions(new Date("2024-07-01T00:00:00Z"), new Date("2024-07-08T00:00:00Z"))];
 * assert.equal(week.length, 5);
 * ```
 */
export interface TradingCalendar {
  /** A short name, for messages and job payloads. */
  readonly name: string;
  /**
   * The sessions that overlap `[fromUtc, toUtc)`, in time order, not overlapping each other.
   *
   * @param fromUtc Start of the window.
   * @param toUtc End of the window, exclusive.
   * @returns The sessions.
   */
  sessions(fromUtc: Date, toUtc: Date): Iterable<TradingSession>;
}
