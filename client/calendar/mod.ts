/**
 * Trading calendars: when a market trades, as the sessions of a window. `nyseCalendar()` is the
 * New York Stock Exchange regular session for 2000 to 2030 (holidays by rule, one-off closures,
 * early closes), `calendar24x7()` a market that never closes, and {@linkcode TradingCalendar} the
 * interface to bring another exchange. `TenantApi.findGaps` of `@mds/client` takes one of them,
 * or its name, to know which bars to expect. No I/O and no time-zone data of its own (time zones
 * go through `Intl`); runs on Deno and Node.
 *
 * @example Sessions of Independence Day week, 2024
 * ```ts
 * import { nyseCalendar, tradingCalendar } from "@mds/client/calendar";
 * import assert from "node:assert/strict";
 *
 * const week = [...nyseCalendar().sessions(new Date("2024-07-01T00:00:00Z"), new Date("2024-07-06T00:00:00Z"))];
 * // Closed on the 4th; the 3rd closes early, at 13:00 New York (17:00 UTC).
 * assert.deepEqual(week.map((s) => s.date), ["2024-07-01", "2024-07-02", "2024-07-03", "2024-07-05"]);
 * assert.equal(week[2]?.close.toISOString(), "2024-07-03T17:00:00.000Z");
 * assert.equal(tradingCalendar("24x7").name, "24x7");
 * ```
 *
 * @module
 */
export * from "./trading_calendar.ts";
export * from "./nyse_calendar.ts";
export * from "./calendar_24x7.ts";
export * from "./calendars.ts";
