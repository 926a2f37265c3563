// Filling what option vendors omit: implied volatility from the contract's price, and the greeks
// from the implied volatility, computed with @mds/analytics when a snapshot is written. Pure: a
// function of the row and the rates, so the same row always gets the same figures.
import {
  AnalyticsError,
  blackScholes,
  contractPrice,
  daysToExpiry,
  impliedVolatility,
} from "@mds/analytics";
import type { OptionComputedField, OptionSnap } from "@mds/sql";

/**
 * The risk-free rate option greeks are computed with when nothing else is said: 4% a year,
 * continuously compounded (about the US Treasury bill yield of 2024-2025). Set the client's
 * rate to follow the market.
 */
export const DEFAULT_OPTIONS_RATE: number = 0.04;

/** Options of {@linkcode fillOptionGreeks}. */
export interface OptionFillOptions {
  /**
   * Risk-free rate, continuously compounded, as a fraction per year.
   *
   * @default {DEFAULT_OPTIONS_RATE}
   */
  rate?: number | undefined;
  /**
   * Dividend yield of the underlying, continuously compounded, as a fraction per year.
   *
   * @default {0}
   */
  dividendYield?: number | undefined;
}

/**
 * Fills the implied volatility and greeks a vendor left out of an option snapshot, never
 * replacing a value the vendor sent, and names what it filled in `computed`.
 *
 * - Time to expiry is ACT/365 from the UTC date of the snapshot's `ts`; a contract expiring on
 *   that date or before is left alone (no time value to solve for).
 * - The implied volatility is solved from the price, the mid of bid and ask (else the last
 *   trade), with Black-Scholes-Merton and the underlying's price `underlying_price`. A price
 *   outside the no-arbitrage bounds, or a solver that does not converge, leaves it `null`.
 * - Greeks come from the vendor's implied volatility where it sent one, else from the solved
 *   one: `delta` and `gamma` per share, `theta` per calendar day (`thetaPerYear / 365`), `vega`
 *   per vol point (per 0.01 of volatility), the conventions vendors quote.
 * - Without `underlying_price`, or without a volatility above 0, nothing is computed.
 *
 * Never throws for market data: what cannot be computed stays `null`.
 *
 * @param row A validated snapshot.
 * @param options Rate and dividend yield.
 * @returns The snapshot itself when nothing was filled, else a copy with the filled fields and
 *   `computed` listing them (in the order of `COMPUTABLE_OPTION_FIELDS` of `@mds/sql`).
 * @throws {RangeError} When `rate` or `dividendYield` is not a finite number.
 *
 * @example A snapshot without greeks gets them, flagged as computed
 * ```ts
 * import { fillOptionGreeks } from "@mds/client";
 * import { parseOptionSnap } from "@mds/sql";
 * import assert from "node:assert/strict";
 *
 * const row = parseOptionSnap({ ts: "2024-01-02T15:00:00Z", vendor: "opra", symbol: "SPY",
 *   expiry: "2024-02-16", option_type: "C", strike: 470, bid: 9.9, ask: 10.1,
 *   underlying_price: 472.5, delta: 0.55 });
 * const filled = fillOptionGreeks(row, { rate: 0.05 });
 * assert.deepEqual(filled.computed, ["implied_volatility", "gamma", "theta", "vega"]);
 * assert.equal(filled.delta, 0.55); // the vendor's, untouched
 * assert.ok(filled.implied_volatility! > 0.1 && filled.implied_volatility! < 0.2);
 * ```
 */
export function fillOptionGreeks(row: OptionSnap, options: OptionFillOptions = {}): OptionSnap {
  const rate = options.rate ?? DEFAULT_OPTIONS_RATE;
  const dividendYield = options.dividendYield ?? 0;
  checkRate("rate", rate);
  checkRate("dividendYield", dividendYield);
  if (
    row.implied_volatility !== null && row.delta !== null && row.gamma !== null &&
    row.theta !== null && row.vega !== null
  ) return row;
  const spot = row.underlying_price;
  if (spot === null || !(spot > 0)) return row;
  try {
    const days = daysToExpiry(row.expiry, row.ts);
    if (days <= 0) return row;
    const market = {
      spot,
      strike: row.strike,
      years: days / 365,
      rate,
      dividendYield,
      type: row.option_type,
    };
    const computed: OptionComputedField[] = [];
    let volatility = row.implied_volatility;
    if (volatility === null) {
      const price = contractPrice(row);
      // a zero price (a worthless quote) admits any volatility down to 0: nothing to solve from
      if (price === null || !(price > 0)) return row;
      volatility = solve({ ...market, price });
      if (volatility === null) return row;
      computed.push("implied_volatility");
    }
    // a vendor's 0 says "unknown" more often than "riskless"; the solver never answers 0
    if (!(volatility > 0)) return row;
    const v = blackScholes({ ...market, volatility });
    const figures: Record<"delta" | "gamma" | "theta" | "vega", number> = {
      delta: v.delta,
      gamma: v.gamma,
      theta: v.thetaPerDay,
      vega: v.vegaPerPoint,
    };
    const out: OptionSnap = { ...row, implied_volatility: volatility };
    for (const name of ["delta", "gamma", "theta", "vega"] as const) {
      if (row[name] !== null || !Number.isFinite(figures[name])) continue;
      out[name] = figures[name];
      computed.push(name);
    }
    if (computed.length === 0) return row;
    out.computed = computed;
    return out;
  } catch (e) {
    if (e instanceof AnalyticsError) return row;
    throw e;
  }
}

/** The implied volatility, or `null` when the price admits none (bounds, no convergence). */
function solve(input: Parameters<typeof impliedVolatility>[0]): number | null {
  try {
    return impliedVolatility(input).volatility;
  } catch (e) {
    if (e instanceof AnalyticsError) return null;
    throw e;
  }
}

function checkRate(name: string, value: number): void {
  if (typeof value !== "number" || !Number.isFinite(value)) {
    throw new RangeError(`Invalid option: "${name}" is ${String(value)}: expected a finite number`);
  }
}
