/**
 * The vocabulary of one option: its side, the inputs of a valuation and the valuation itself.
 *
 * @module
 */

/** Option sides. */
export const OPTION_TYPES = ["C", "P"] as const;
/** `C` for a call, `P` for a put. */
export type OptionType = typeof OPTION_TYPES[number];

/** Inputs of a Black-Scholes-Merton valuation. */
export interface OptionInput {
  /** Price of the underlying, above 0. */
  spot: number;
  /** Strike price, above 0. */
  strike: number;
  /** Time to expiry in years (ACT/365: calendar days / 365), 0 or more; 0 means expiry today. */
  years: number;
  /** Risk-free rate, continuously compounded, as a fraction per year (0.05 = 5%). */
  rate: number;
  /** Dividend yield, continuously compounded, as a fraction per year. */
  dividendYield: number;
  /** Volatility of the underlying, as a fraction per √year (0.2 = 20%), 0 or more. */
  volatility: number;
  /** Call or put. */
  type: OptionType;
}

/**
 * Price and greeks of one option, per share of the underlying. Theta is the change in value as
 * calendar time passes (negative for a long option that loses time value).
 */
export interface OptionValuation {
  /** Fair value. */
  price: number;
  /** ∂price/∂spot (spot delta, including the e^(-qT) factor). */
  delta: number;
  /** ∂²price/∂spot². */
  gamma: number;
  /** ∂price/∂t per year of calendar time (= -∂price/∂years). */
  thetaPerYear: number;
  /** Theta per calendar day: `thetaPerYear / 365`. */
  thetaPerDay: number;
  /** ∂price/∂volatility per 1.00 of volatility (100 vol points). */
  vega: number;
  /** Vega per vol point (volatility +0.01): `vega / 100`. */
  vegaPerPoint: number;
  /** ∂price/∂rate per 1.00 of rate (100 percentage points). */
  rho: number;
}
