/**
 * Market-data providers for mds: Yahoo Finance and Finnhub adapters that return validated
 * `@mds/sql` bars and option snapshots, and a registry that routes each call to the healthiest
 * provider, with circuit breakers, token-bucket rate limits, `Retry-After`, backoff with
 * jitter, hot-reloadable configuration and Prometheus metrics. HTTP only, no database; runs on
 * Deno and Node.
 *
 * @example Bars from a stand-in for Yahoo, through the registry
 * ```ts
 * import { ProviderRegistry } from "@mds/providers";
 * import assert from "node:assert/strict";
 *
 * const chart = { chart: { error: null, result: [{
 *   meta: { symbol: "AAPL", gmtoffset: -18000, exchangeTimezoneName: "America/New_York" },
 *   timestamp: [1704205800, 1704292200],
 *   indicators: { quote: [{ open: [187.15, 184.22], high: [188.44, 185.88],
 *     low: [183.89, 183.43], close: [185.64, 184.25], volume: [82488700, 58414500] }] },
 * }] } };
 * const registry = new ProviderRegistry(
 *   { providers: [{ name: "yahoo", requestsPerMinute: 120 }], routing: { bars: ["yahoo"] } },
 *   { fetch: () => Promise.resolve(Response.json(chart)) },
 * );
 * const bars = await Array.fromAsync(registry.fetchBars({ symbol: "AAPL", timeframe: "1d",
 *   start: new Date("2024-01-02T00:00:00Z"), end: new Date("2024-01-04T00:00:00Z") }));
 * assert.deepEqual(bars.map((b) => b.ts.toISOString().slice(0, 10)), ["2024-01-02", "2024-01-03"]);
 * ```
 *
 * @module
 */
export {
  type Bar,
  ERROR_CODES,
  type ErrorCode,
  MdsError,
  type MdsErrorOptions,
  type Model,
  type ModelIssue,
  type ModelResult,
  OPTION_TYPES,
  type OptionSnap,
  type OptionType,
  type Timeframe,
  TIMEFRAMES,
} from "@mds/sql";
export * from "./errors.ts";
export * from "./provider.ts";
export * from "./env.ts";
export * from "./yahoo.ts";
export * from "./finnhub.ts";
export * from "./fred.ts";
export * from "./config.ts";
export * from "./circuit_breaker.ts";
export * from "./token_bucket.ts";
export * from "./backoff.ts";
export * from "./health.ts";
export * from "./metrics_registry.ts";
export * from "./registry.ts";
