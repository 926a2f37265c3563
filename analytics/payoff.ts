/**
 * Profit at expiry of any combination of options on one expiry and the underlying: maximum
 * profit and loss, break-evens and the risk-neutral probability of profit.
 *
 * @module
 */
import { checkNumber, checkOptionalNumber, refuse } from "./_validate.ts";
import { normalCdf } from "./normal.ts";

/**
 * One leg of a position. Amounts are per share: a quantity of 1 is an option on one share (a
 * listed contract of 100 shares is 100 of them) or one share of the underlying.
 */
export interface StrategyLeg {
  /** `C` a call, `P` a put, `stock` the underlying. */
  type: "C" | "P" | "stock";
  /** Bought or sold. */
  side: "long" | "short";
  /** Units, above 0. */
  quantity: number;
  /** Strike price for an option; `null` for stock. */
  strike: number | null;
  /** Expiry date `YYYY-MM-DD` for an option; `null` for stock. */
  expiry: string | null;
  /** Entry price per unit: the option premium, or the stock price. */
  price: number;
  /** Implied volatility of the option, where known; `null` for stock. */
  impliedVolatility: number | null;
}

/** The market a position's probability of profit is computed in. */
export interface PayoffMarket {
  /** Price of the underlying now, above 0. */
  spot: number;
  /** Risk-free rate, continuously compounded. */
  rate: number;
  /** Dividend yield, continuously compounded. */
  dividendYield: number;
  /** Years to the options' expiry, 0 or more. */
  years: number;
  /** Volatility of the underlying to expiry; `null` when unknown (no probability then). */
  volatility: number | null;
}

/**
 * The position held to expiry. Unbounded amounts are `null` with their `…Unbounded` flag set,
 * so the result stays valid JSON.
 */
export interface PayoffAnalysis {
  /** Premiums and stock paid minus received, per share; negative for a net credit. */
  netDebit: number;
  /** Largest profit at expiry, or `null` when unbounded. */
  maxProfit: number | null;
  /** Whether profit grows without bound as the underlying rises. */
  maxProfitUnbounded: boolean;
  /** Largest loss at expiry as a positive amount, or `null` when unbounded. */
  maxLoss: number | null;
  /** Whether loss grows without bound as the underlying rises. */
  maxLossUnbounded: boolean;
  /** Underlying prices at expiry where the profit crosses zero, ascending. */
  breakEvens: number[];
  /**
   * Probability that the profit at expiry is above 0 when the underlying is lognormal with
   * drift r − q and the given volatility (risk-neutral); `null` without a volatility.
   */
  probabilityOfProfit: number | null;
}

function legValue(leg: StrategyLeg, underlying: number): number {
  if (leg.type === "stock") return underlying;
  const k = leg.strike!;
  return leg.type === "C" ? Math.max(underlying - k, 0) : Math.max(k - underlying, 0);
}

function sign(leg: StrategyLeg): number {
  return leg.side === "long" ? leg.quantity : -leg.quantity;
}

function profit(legs: readonly StrategyLeg[], underlying: number): number {
  let total = 0;
  for (const leg of legs) total += sign(leg) * (legValue(leg, underlying) - leg.price);
  return total;
}

function checkLegs(legs: readonly StrategyLeg[]): void {
  const kind = "strategy leg";
  if (!Array.isArray(legs) || legs.length === 0) refuse(kind, "legs", legs, "a non-empty array");
  legs.forEach((leg, i) => {
    const at = `legs[${i}]`;
    if (!["C", "P", "stock"].includes(leg.type)) {
      refuse(kind, `${at}.type`, leg.type, `"C", "P" or "stock"`);
    }
    if (leg.side !== "long" && leg.side !== "short") {
      refuse(kind, `${at}.side`, leg.side, `"long" or "short"`);
    }
    checkNumber(kind, `${at}.quantity`, leg.quantity, "positive");
    checkNumber(kind, `${at}.price`, leg.price, "nonnegative");
    if (leg.type !== "stock") checkNumber(kind, `${at}.strike`, leg.strike, "positive");
  });
}

/**
 * Profit per share at expiry of the legs held from their entry prices, for one price of the
 * underlying.
 *
 * @param legs The position.
 * @param underlying Price of the underlying at expiry, 0 or more.
 * @returns Σ ± quantity × (value at expiry − entry price).
 * @throws {AnalyticsError} With code `invalid_input` naming a malformed leg or price.
 *
 * @example A long 100 call bought for 2.5
 * ```ts
 * import { profitAtExpiry } from "@mds/analytics";
 * import assert from "node:assert/strict";
 *
 * const legs = [{ type: "C" as const, side: "long" as const, quantity: 1, strike: 100,
 *   expiry: "2024-02-16", price: 2.5, impliedVolatility: 0.2 }];
 * assert.equal(profitAtExpiry(legs, 110), 7.5);
 * assert.equal(profitAtExpiry(legs, 90), -2.5);
 * ```
 */
export function profitAtExpiry(legs: readonly StrategyLeg[], underlying: number): number {
  checkLegs(legs);
  return profit(legs, checkNumber("underlying price", "underlying", underlying, "nonnegative"));
}

/** Roots of the piecewise-linear profit over [0, ∞), from its values at the kinks. */
function breakEvensOf(xs: number[], vs: number[], tailSlope: number): number[] {
  const samples = xs.map((x, i) => ({ x, v: vs[i]! }));
  const last = samples[samples.length - 1]!;
  // a sample on the last ray beyond any root it has: |v/slope| past the last kink, plus 1
  const dx = tailSlope === 0 ? 1 : Math.abs(last.v / tailSlope) + 1;
  samples.push({ x: last.x + dx, v: last.v + tailSlope * dx });
  const roots: number[] = [];
  let prev: { x: number; v: number } | undefined; // last sample with a nonzero profit
  let zero: number | undefined; // first zero since then
  for (const s of samples) {
    if (s.v === 0) {
      zero ??= s.x;
      continue;
    }
    if (prev && (prev.v > 0) !== (s.v > 0)) {
      // a zero node is the crossing; otherwise the two samples are adjacent on a line
      roots.push(zero ?? prev.x + ((s.x - prev.x) * prev.v) / (prev.v - s.v));
    }
    prev = s;
    zero = undefined;
  }
  return roots;
}

/**
 * Analyses a position held to expiry: net debit, maximum profit and loss, break-evens and the
 * probability of profit. The profit is piecewise linear in the underlying's price, so the
 * extremes are found at 0, at the strikes, or are unbounded when the slope beyond the highest
 * strike is not zero (the underlying cannot fall below 0, so every downside is bounded).
 *
 * The probability of profit is P(profit > 0) for a lognormal underlying at expiry,
 * ln S_T ~ N(ln S + (r − q − σ²/2)·T, σ²·T): the sum, over the intervals between consecutive
 * break-evens and strikes on which the profit is positive, of Φ(z(upper)) − Φ(z(lower)) with
 * z(x) = (ln x − ln S − (r − q − σ²/2)·T)/(σ√T). With σ√T = 0 it is 1 or 0 by the
 * profit at the forward price S·e^((r−q)T).
 *
 * @param legs The position; every option leg should share one expiry.
 * @param market Spot, rates, time to expiry and volatility.
 * @returns The analysis, per share.
 * @throws {AnalyticsError} With code `invalid_input` naming a malformed leg or market field.
 *
 * @example A bull call spread: long 100 call at 3, short 110 call at 1
 * ```ts
 * import { analyzePayoff } from "@mds/analytics";
 * import assert from "node:assert/strict";
 *
 * const leg = { quantity: 1, expiry: "2024-02-16", impliedVolatility: 0.2 };
 * const a = analyzePayoff([
 *   { ...leg, type: "C", side: "long", strike: 100, price: 3 },
 *   { ...leg, type: "C", side: "short", strike: 110, price: 1 },
 * ], { spot: 100, rate: 0.05, dividendYield: 0, years: 45 / 365, volatility: 0.2 });
 * assert.equal(a.netDebit, 2);
 * assert.equal(a.maxProfit, 8);
 * assert.equal(a.maxLoss, 2);
 * assert.deepEqual(a.breakEvens, [102]);
 * assert.ok(a.probabilityOfProfit! > 0.3 && a.probabilityOfProfit! < 0.5);
 * ```
 */
export function analyzePayoff(legs: readonly StrategyLeg[], market: PayoffMarket): PayoffAnalysis {
  checkLegs(legs);
  const kind = "payoff market";
  const spot = checkNumber(kind, "spot", market.spot, "positive");
  const rate = checkNumber(kind, "rate", market.rate, "any");
  const q = checkNumber(kind, "dividendYield", market.dividendYield, "any");
  const years = checkNumber(kind, "years", market.years, "nonnegative");
  const volatility = checkOptionalNumber(kind, "volatility", market.volatility, "nonnegative");

  const xs = [0, ...new Set(legs.filter((l) => l.type !== "stock").map((l) => l.strike!))]
    .sort((a, b) => a - b);
  const vs = xs.map((x) => profit(legs, x));
  const tailSlope = legs.reduce((s, l) => s + (l.type === "P" ? 0 : sign(l)), 0);
  const top = Math.max(...vs);
  const bottom = Math.min(...vs);
  const breakEvens = breakEvensOf(xs, vs, tailSlope);
  return {
    netDebit: legs.reduce((s, l) => s + sign(l) * l.price, 0),
    maxProfit: tailSlope > 0 ? null : top,
    maxProfitUnbounded: tailSlope > 0,
    maxLoss: tailSlope < 0 ? null : 0 - bottom, // never -0
    maxLossUnbounded: tailSlope < 0,
    breakEvens,
    probabilityOfProfit: probabilityOf(legs, xs, breakEvens, { spot, rate, q, years, volatility }),
  };
}

function probabilityOf(
  legs: readonly StrategyLeg[],
  kinks: number[],
  breakEvens: number[],
  m: { spot: number; rate: number; q: number; years: number; volatility: number | null },
): number | null {
  if (m.volatility === null) return null;
  const sd = m.volatility * Math.sqrt(m.years);
  const drift = (m.rate - m.q) * m.years;
  if (sd === 0) return profit(legs, m.spot * Math.exp(drift)) > 0 ? 1 : 0;
  const mean = Math.log(m.spot) + drift - (sd * sd) / 2;
  const z = (x: number) => (Math.log(x) - mean) / sd;
  // between consecutive kinks and break-evens the profit is linear without a root inside, so
  // its sign there is the sign at the midpoint (0 where it is flat at zero)
  const edges = [...new Set([...kinks, ...breakEvens])].sort((a, b) => a - b);
  edges.push(Infinity);
  let p = 0;
  for (let i = 0; i + 1 < edges.length; i++) {
    const lo = edges[i]!;
    const hi = edges[i + 1]!;
    const probe = hi === Infinity ? lo * 2 + 1 : (lo + hi) / 2;
    if (profit(legs, probe) <= 0) continue;
    // P(lo < S_T < hi) from whichever tail keeps the most precision
    const zl = lo === 0 ? -Infinity : z(lo);
    const zh = hi === Infinity ? Infinity : z(hi);
    p += zl > 0 ? normalCdf(-zl) - normalCdf(-zh) : normalCdf(zh) - normalCdf(zl);
  }
  return Math.min(Math.max(p, 0), 1);
}
