/**
 * Options analytics for mds, as pure functions of their inputs (no I/O; runs on Deno and Node):
 * Black-Scholes-Merton prices and greeks with a continuous dividend yield, implied volatility,
 * chain metrics (put/call ratios, the ATM volatility term structure, 25-delta risk reversals,
 * max pain, gamma exposure) and standard strategies with their maximum profit and loss,
 * break-evens and probability of profit.
 *
 * Conventions: rates and yields are continuously compounded fractions per year; volatility is a
 * fraction per √year; time is ACT/365 in calendar days from the UTC date of the valuation time;
 * money is per share (a listed contract is 100 shares). Refusals are {@linkcode AnalyticsError}s
 * with a stable `code`.
 *
 * @example Price an option, then recover its volatility from the price
 * ```ts
 * import { blackScholes, impliedVolatility } from "@mds/analytics";
 * import assert from "node:assert/strict";
 *
 * const option = { spot: 100, strike: 95, years: 0.5, rate: 0.1, dividendYield: 0.05,
 *   type: "P" as const };
 * const put = blackScholes({ ...option, volatility: 0.2 });
 * assert.equal(put.price.toFixed(4), "2.4648"); // Haug's example
 * const iv = impliedVolatility({ ...option, price: put.price });
 * assert.ok(Math.abs(iv.volatility - 0.2) < 1e-10);
 * ```
 *
 * @module
 */
export * from "./errors.ts";
export * from "./normal.ts";
export * from "./option.ts";
export * from "./black_scholes.ts";
export * from "./implied_vol.ts";
export * from "./chain.ts";
export * from "./chain_metrics.ts";
export * from "./payoff.ts";
export * from "./strategies.ts";
