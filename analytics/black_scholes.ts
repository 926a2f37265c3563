/**
 * Black-Scholes-Merton prices and greeks of European options on an underlying paying a
 * continuous dividend yield.
 *
 * @module
 */
import { bsm, checkOptionInput } from "./_bsm.ts";
import type { OptionInput, OptionValuation } from "./option.ts";

/**
 * Values a European option with the Black-Scholes-Merton formula (continuous dividend yield):
 * price, delta, gamma, theta (per year and per day), vega (per 1.00 and per vol point) and rho
 * (per 1.00 of rate).
 *
 * Edge cases, handled deliberately rather than by letting the formula divide by zero:
 * - `years` 0 (expiry today): the intrinsic value; delta is the step 0 or ±1 (±0.5 exactly at
 *   the money); gamma, theta, vega and rho are 0.
 * - `volatility` 0 (or σ√T below 1e-100): the deterministic forward, so the price is the
 *   discounted intrinsic value of the forward, max(S·e^(-qT) - K·e^(-rT), 0) for a call; gamma
 *   is reported as 0 (it is a Dirac mass at F = K).
 * - Huge volatility: the call tends to S·e^(-qT) and the put to K·e^(-rT), without overflow.
 * - Deep in or out of the money: the normal CDF is accurate in both tails (see
 *   {@linkcode normalCdf}), so no `NaN` and no negative price; prices are clamped to the
 *   no-arbitrage bounds to remove rounding noise.
 *
 * @param input Spot, strike, time, rates, volatility and side.
 * @returns The price and the greeks per share.
 * @throws {AnalyticsError} With code `invalid_input` naming the field when an input is not a
 * finite number in its domain or `type` is neither `"C"` nor `"P"`.
 *
 * @example Hull's example: S = 42, K = 40, r = 10%, σ = 20%, six months
 * ```ts
 * import { blackScholes } from "@mds/analytics";
 * import assert from "node:assert/strict";
 *
 * const input = { spot: 42, strike: 40, years: 0.5, rate: 0.1, dividendYield: 0,
 *   volatility: 0.2 };
 * const call = blackScholes({ ...input, type: "C" });
 * const put = blackScholes({ ...input, type: "P" });
 * assert.equal(call.price.toFixed(2), "4.76");
 * assert.equal(put.price.toFixed(2), "0.81");
 * assert.ok(call.delta > 0.7 && call.delta < 0.8);
 * assert.equal(call.thetaPerDay, call.thetaPerYear / 365);
 * ```
 */
export function blackScholes(input: OptionInput): OptionValuation {
  const v = bsm(checkOptionInput(input));
  return {
    price: v.price,
    delta: v.delta,
    gamma: v.gamma,
    thetaPerYear: v.thetaPerYear,
    thetaPerDay: v.thetaPerYear / 365,
    vega: v.vega,
    vegaPerPoint: v.vega / 100,
    rho: v.rho,
  };
}

/**
 * The Black-Scholes-Merton price alone; the same value as `blackScholes(input).price`.
 *
 * @param input Spot, strike, time, rates, volatility and side.
 * @returns The fair value per share.
 * @throws {AnalyticsError} With code `invalid_input` as {@linkcode blackScholes} does.
 *
 * @example Expiry today is worth its intrinsic value
 * ```ts
 * import { blackScholesPrice } from "@mds/analytics";
 * import assert from "node:assert/strict";
 *
 * assert.equal(blackScholesPrice({ spot: 105, strike: 100, years: 0, rate: 0.05,
 *   dividendYield: 0, volatility: 0.3, type: "C" }), 5);
 * ```
 */
export function blackScholesPrice(input: OptionInput): number {
  return bsm(checkOptionInput(input)).price;
}
