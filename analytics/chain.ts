/**
 * The option chain of one underlying at one time, as the chain metrics and the strategies read
 * it, and the two conventions they share: time to expiry (ACT/365 from the UTC calendar date)
 * and the price of a contract (mid, else last).
 *
 * @module
 */
import { epochDay, refuse, utcDay } from "./_validate.ts";
import type { OptionType } from "./option.ts";

/**
 * One listed contract. Every market field is optional: `null` or absent means "not known",
 * never zero.
 */
export interface OptionContract {
  /** Expiry date, `YYYY-MM-DD`. */
  expiry: string;
  /** Call or put. */
  type: OptionType;
  /** Strike price, above 0. */
  strike: number;
  /** Contracts traded, 0 or more. */
  volume?: number | null | undefined;
  /** Open contracts, 0 or more. */
  openInterest?: number | null | undefined;
  /** Implied volatility as a fraction per √year, 0 or more. */
  impliedVolatility?: number | null | undefined;
  /** Delta in [-1, 1]; computed from the implied volatility where absent. */
  delta?: number | null | undefined;
  /** Gamma, 0 or more; computed from the implied volatility where absent. */
  gamma?: number | null | undefined;
  /** Best bid, 0 or more. */
  bid?: number | null | undefined;
  /** Best ask, 0 or more. */
  ask?: number | null | undefined;
  /** Last trade price, 0 or more. */
  last?: number | null | undefined;
}

/** The chain of one underlying at one time, with the market it is valued against. */
export interface OptionChain {
  /** Price of the underlying, above 0. */
  spot: number;
  /** When the chain was observed; its UTC calendar date is day 0 of every expiry count. */
  asOf: Date;
  /** Risk-free rate, continuously compounded, as a fraction per year. */
  rate: number;
  /** Dividend yield of the underlying, continuously compounded, as a fraction per year. */
  dividendYield: number;
  /** The listed contracts, in any order. */
  contracts: readonly OptionContract[];
}

/** The shares one equity option contract controls. */
export const CONTRACT_MULTIPLIER: number = 100;

/**
 * Calendar days from the UTC date of `asOf` to `expiry`: 0 on the expiry date itself,
 * negative once the contract has expired.
 *
 * @param expiry Expiry date, `YYYY-MM-DD`.
 * @param asOf The valuation time.
 * @returns Whole calendar days.
 * @throws {AnalyticsError} With code `invalid_input` when `expiry` is not a calendar date in
 * `YYYY-MM-DD` form or `asOf` is not a valid `Date`.
 *
 * @example
 * ```ts
 * import { daysToExpiry } from "@mds/analytics";
 * import assert from "node:assert/strict";
 *
 * assert.equal(daysToExpiry("2024-01-19", new Date("2024-01-02T15:00:00Z")), 17);
 * assert.equal(daysToExpiry("2024-01-02", new Date("2024-01-02T20:59:00Z")), 0);
 * ```
 */
export function daysToExpiry(expiry: string, asOf: Date): number {
  const day = epochDay(expiry);
  if (day === undefined) refuse("expiry", "expiry", expiry, "a date as YYYY-MM-DD");
  if (!(asOf instanceof Date) || Number.isNaN(asOf.getTime())) {
    refuse("expiry", "asOf", asOf, "a valid Date");
  }
  return day - utcDay(asOf);
}

/**
 * Time to expiry in years, ACT/365: `daysToExpiry(expiry, asOf) / 365`, and 0 (not negative)
 * once expired. An option expiring today has 0 years left and is valued at intrinsic value.
 *
 * @param expiry Expiry date, `YYYY-MM-DD`.
 * @param asOf The valuation time.
 * @returns Years, 0 or more.
 * @throws {AnalyticsError} With code `invalid_input` as {@linkcode daysToExpiry} does.
 *
 * @example
 * ```ts
 * import { yearsToExpiry } from "@mds/analytics";
 * import assert from "node:assert/strict";
 *
 * assert.equal(yearsToExpiry("2025-01-02", new Date("2024-01-02T15:00:00Z")), 366 / 365);
 * ```
 */
export function yearsToExpiry(expiry: string, asOf: Date): number {
  return Math.max(0, daysToExpiry(expiry, asOf)) / 365;
}

/**
 * The price of a contract per share: the mid `(bid + ask) / 2` when both are known, the ask is
 * above 0 and not below the bid; otherwise the last trade; otherwise `null`.
 *
 * @param contract The contract's quotes.
 * @returns The price, or `null` when none is known.
 *
 * @example
 * ```ts
 * import { contractPrice } from "@mds/analytics";
 * import assert from "node:assert/strict";
 *
 * assert.equal(contractPrice({ bid: 1, ask: 1.5, last: 2 }), 1.25);
 * assert.equal(contractPrice({ bid: null, ask: 1.5, last: 2 }), 2);
 * assert.equal(contractPrice({}), null);
 * ```
 */
export function contractPrice(
  contract: Pick<OptionContract, "bid" | "ask" | "last">,
): number | null {
  const { bid, ask, last } = contract;
  if (typeof bid === "number" && typeof ask === "number" && ask > 0 && ask >= bid) {
    return (bid + ask) / 2;
  }
  return typeof last === "number" ? last : null;
}
