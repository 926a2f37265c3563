/** The bar timeframes mds stores, shortest first. */
export const TIMEFRAMES = ["1m", "5m", "15m", "30m", "1h", "4h", "1d", "1w"] as const;

/** One of {@linkcode TIMEFRAMES}. */
export type Timeframe = typeof TIMEFRAMES[number];

const MINUTE = 60_000;
const DURATIONS: Readonly<Record<Timeframe, number>> = {
  "1m": MINUTE,
  "5m": 5 * MINUTE,
  "15m": 15 * MINUTE,
  "30m": 30 * MINUTE,
  "1h": 60 * MINUTE,
  "4h": 240 * MINUTE,
  "1d": 1440 * MINUTE,
  "1w": 7 * 1440 * MINUTE,
};

/**
 * Tells whether a value is one of {@linkcode TIMEFRAMES}.
 *
 * @param value Anything.
 * @returns `true` when `value` is a known timeframe.
 *
 * @example
 * ```ts
 * import { isTimeframe } from "@mds/sql";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(isTimeframe("5m"), true);
 * assert.deepEqual(isTimeframe("7x"), false);
 * ```
 */
export function isTimeframe(value: unknown): value is Timeframe {
  return typeof value === "string" && Object.hasOwn(DURATIONS, value);
}

/**
 * The length of one bar of a timeframe, in milliseconds.
 *
 * @param timeframe A known timeframe.
 * @returns Milliseconds per bar.
 *
 * @example
 * ```ts
 * import { timeframeMillis } from "@mds/sql";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(timeframeMillis("1h"), 3_600_000);
 * ```
 */
export function timeframeMillis(timeframe: Timeframe): number {
  return DURATIONS[timeframe];
}
