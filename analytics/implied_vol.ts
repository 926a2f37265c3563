/**
 * Implied volatility: the Black-Scholes-Merton volatility that reproduces an option's price.
 *
 * @module
 */
import { bsm, checkOptionInput, priceBounds } from "./_bsm.ts";
import { checkNumber, refuse } from "./_validate.ts";
import { AnalyticsError } from "./errors.ts";
import type { OptionInput } from "./option.ts";

/** The market of an option without its volatility: what a price is quoted against. */
export type OptionQuoteInput = Omit<OptionInput, "volatility">;

/** What {@linkcode impliedVolatility} solves for: the option and its observed price. */
export interface ImpliedVolInput extends OptionQuoteInput {
  /** The option's price per share, 0 or more. */
  price: number;
}

/** Options of {@linkcode impliedVolatility}. */
export interface ImpliedVolOptions {
  /**
   * Stop once the model price is within this absolute distance of `price`.
   *
   * @default {1e-12 * Math.max(spot, strike)}
   */
  tolerance?: number;
  /**
   * Iteration cap; the solver never evaluates the price more than this many times after the
   * bracket check.
   *
   * @default {100}
   */
  maxIterations?: number;
  /**
   * Lower end of the volatility bracket.
   *
   * @default {1e-6}
   */
  minVolatility?: number;
  /**
   * Upper end of the volatility bracket (20 = 2000%).
   *
   * @default {20}
   */
  maxVolatility?: number;
}

/** A solved implied volatility. */
export interface ImpliedVolResult {
  /** The volatility as a fraction per √year. */
  volatility: number;
  /** Price evaluations after the bracket check, at most `maxIterations`. */
  iterations: number;
  /**
   * `newton` when every step was a Newton step on vega, `bisection` when at least one step
   * fell back to bisecting the bracket (or the answer was an end of the bracket).
   */
  method: "newton" | "bisection";
}

/** The no-arbitrage interval of an option's price. */
export interface PriceBounds {
  /** Lowest arbitrage-free price: the discounted forward intrinsic value. */
  lower: number;
  /** Highest arbitrage-free price: S·e^(-qT) for a call, K·e^(-rT) for a put. */
  upper: number;
}

/**
 * The no-arbitrage bounds of a European option's price: a call lies in
 * [max(0, S·e^(-qT) - K·e^(-rT)), S·e^(-qT)], a put in [max(0, K·e^(-rT) - S·e^(-qT)), K·e^(-rT)].
 *
 * @param input Spot, strike, time, rates and side.
 * @returns The lower and upper bound per share.
 * @throws {AnalyticsError} With code `invalid_input` naming a field that is not a finite number
 * in its domain.
 *
 * @example
 * ```ts
 * import { optionPriceBounds } from "@mds/analytics";
 * import assert from "node:assert/strict";
 *
 * const b = optionPriceBounds({ spot: 100, strike: 90, years: 1, rate: 0, dividendYield: 0,
 *   type: "C" });
 * assert.deepEqual(b, { lower: 10, upper: 100 });
 * ```
 */
export function optionPriceBounds(input: OptionQuoteInput): PriceBounds {
  return priceBounds(checkOptionInput({ ...input, volatility: 0 }));
}

const DEFAULTS = { maxIterations: 100, minVolatility: 1e-6, maxVolatility: 20 } as const;

function fmt(x: number): string {
  return Number(x.toPrecision(10)).toString();
}

/**
 * Solves for the Black-Scholes-Merton volatility that reproduces `price`: safeguarded Newton
 * steps on vega inside a bracket [`minVolatility`, `maxVolatility`] that shrinks around the root
 * at every step, falling back to bisection whenever a Newton step would leave the bracket or
 * fails to halve the step (the `rtsafe` scheme of Numerical Recipes). It starts from the
 * Manaster-Koehler guess √(2·|ln(F/K)|/T), where the price is most sensitive to volatility, so it
 * usually needs 3 to 6 evaluations, and it always terminates within `maxIterations`.
 *
 * Where vega is negligible (deep in or out of the money, or very short expiries) many
 * volatilities reprice within the tolerance; the one returned is one of them.
 *
 * @param input The option and its observed price.
 * @param options Tolerance, iteration cap and bracket.
 * @returns The volatility, the number of evaluations and whether bisection was needed.
 * @throws {AnalyticsError} With code `invalid_input` when an input is not a finite number in
 * its domain or `years` is 0 (no time value left to imply from); `iv_out_of_bounds` when the
 * price lies outside the no-arbitrage bounds (see {@linkcode optionPriceBounds}; the message
 * states them) or implies a volatility outside the bracket; `iv_not_converged` when the
 * iteration cap is reached first.
 *
 * @example Round trip through Hull's example
 * ```ts
 * import { blackScholesPrice, impliedVolatility } from "@mds/analytics";
 * import assert from "node:assert/strict";
 *
 * const option = { spot: 42, strike: 40, years: 0.5, rate: 0.1, dividendYield: 0,
 *   type: "C" as const };
 * const price = blackScholesPrice({ ...option, volatility: 0.2 });
 * const iv = impliedVolatility({ ...option, price });
 * assert.ok(Math.abs(iv.volatility - 0.2) < 1e-10);
 * assert.ok(iv.iterations <= 100);
 * ```
 *
 * @example A price above the no-arbitrage bound is refused
 * ```ts
 * import { AnalyticsError, impliedVolatility } from "@mds/analytics";
 * import assert from "node:assert/strict";
 *
 * assert.throws(
 *   () => impliedVolatility({ spot: 42, strike: 40, years: 0.5, rate: 0.1, dividendYield: 0,
 *     type: "C", price: 43 }),
 *   (err) => err instanceof AnalyticsError && err.code === "iv_out_of_bounds",
 * );
 * ```
 */
export function impliedVolatility(
  input: ImpliedVolInput,
  options: ImpliedVolOptions = {},
): ImpliedVolResult {
  const kind = "implied volatility input";
  const base = checkOptionInput({ ...input, volatility: 0 }, kind);
  const price = checkNumber(kind, "price", input.price, "nonnegative");
  if (base.years === 0) refuse(kind, "years", 0, "a time to expiry above 0");
  const opt = "implied volatility option";
  const tolerance = options.tolerance === undefined
    ? 1e-12 * Math.max(base.spot, base.strike)
    : checkNumber(opt, "tolerance", options.tolerance, "nonnegative");
  const maxIterations = checkNumber(
    opt,
    "maxIterations",
    options.maxIterations ?? DEFAULTS.maxIterations,
    "positive",
  );
  if (!Number.isInteger(maxIterations)) {
    refuse(opt, "maxIterations", maxIterations, "a positive integer");
  }
  let lo = checkNumber(
    opt,
    "minVolatility",
    options.minVolatility ?? DEFAULTS.minVolatility,
    "positive",
  );
  let hi = checkNumber(
    opt,
    "maxVolatility",
    options.maxVolatility ?? DEFAULTS.maxVolatility,
    "positive",
  );
  if (hi <= lo) refuse(opt, "maxVolatility", hi, `a volatility above "minVolatility" ${lo}`);

  const bounds = priceBounds(base);
  if (price < bounds.lower - tolerance || price > bounds.upper + tolerance) {
    throw new AnalyticsError(
      "iv_out_of_bounds",
      `Cannot imply a volatility: "price" is ${price}, outside the no-arbitrage bounds ` +
        `[${fmt(bounds.lower)}, ${fmt(bounds.upper)}]`,
      { field: "price", value: price },
    );
  }
  const at = (volatility: number) => bsm({ ...base, volatility });
  const fLo = at(lo).price - price;
  const fHi = at(hi).price - price;
  if (Math.abs(fLo) <= tolerance) return { volatility: lo, iterations: 0, method: "bisection" };
  if (Math.abs(fHi) <= tolerance) return { volatility: hi, iterations: 0, method: "bisection" };
  if (fLo > 0 || fHi < 0) {
    throw new AnalyticsError(
      "iv_out_of_bounds",
      `Cannot imply a volatility: "price" is ${price}, which implies a volatility ` +
        `${fLo > 0 ? "below" : "above"} the bracket [${lo}, ${hi}]`,
      { field: "price", value: price },
    );
  }
  // the price increases with volatility, so f < 0 left of the root and f > 0 right of it
  const m = Math.log(base.spot / base.strike) + (base.rate - base.dividendYield) * base.years;
  let sigma = Math.min(Math.max(Math.sqrt((2 * Math.abs(m)) / base.years), lo), hi);
  let step = hi - lo;
  let lastStep = step;
  let method: ImpliedVolResult["method"] = "newton";
  for (let iterations = 1; iterations <= maxIterations; iterations++) {
    const v = at(sigma);
    const f = v.price - price;
    if (Math.abs(f) <= tolerance) return { volatility: sigma, iterations, method };
    if (f < 0) lo = sigma;
    else hi = sigma;
    const newton = sigma - f / v.vega;
    if (
      v.vega > 0 && newton > lo && newton < hi && Math.abs(2 * f) <= Math.abs(lastStep * v.vega)
    ) {
      lastStep = step;
      step = sigma - newton;
      sigma = newton;
    } else {
      lastStep = step;
      step = (hi - lo) / 2;
      sigma = lo + step;
      method = "bisection";
    }
    // resolved to double precision: further steps cannot move the answer
    if (Math.abs(step) <= 4e-16 * sigma || hi - lo <= 4e-16 * hi) {
      return { volatility: sigma, iterations, method };
    }
  }
  throw new AnalyticsError(
    "iv_not_converged",
    `Cannot imply a volatility: no convergence within ${maxIterations} iterations ` +
      `(bracket [${lo}, ${hi}])`,
    { field: "price", value: price },
  );
}
