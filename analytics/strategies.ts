/**
 * Standard option strategies built from a chain by deterministic rules, each analysed with
 * {@linkcode analyzePayoff}: legs, net debit, maximum profit and loss, break-evens and the
 * probability of profit.
 *
 * @module
 */
import { atmOf, type Chain, checkChain, type Contract, type Expiry } from "./_chain.ts";
import { checkNumber, refuse } from "./_validate.ts";
import type { OptionChain } from "./chain.ts";
import { AnalyticsError } from "./errors.ts";
import { analyzePayoff, type PayoffAnalysis, type StrategyLeg } from "./payoff.ts";

/** The strategies {@linkcode buildStrategy} knows, with the strikes each takes. */
export const STRATEGY_NAMES = [
  "covered_call",
  "cash_secured_put",
  "bull_call_spread",
  "bear_put_spread",
  "bear_call_spread",
  "bull_put_spread",
  "long_straddle",
  "long_strangle",
  "iron_condor",
] as const;
/** One of {@linkcode STRATEGY_NAMES}. */
export type StrategyName = typeof STRATEGY_NAMES[number];

/** Options of {@linkcode buildStrategy}. */
export interface StrategyOptions {
  /**
   * The expiry to use, `YYYY-MM-DD`; it must be listed and not expired.
   *
   * @default {the nearest expiry at least `minDays` away on which the strategy can be built}
   */
  expiry?: string;
  /**
   * The strikes to use, ascending, instead of the rules: one for `covered_call`,
   * `cash_secured_put` and `long_straddle`; [lower, higher] for the vertical spreads;
   * [put, call] for `long_strangle`; [long put, short put, short call, long call] for
   * `iron_condor`. Each must be listed with a price for the side it is used on.
   *
   * @default {chosen by the rules of buildStrategy}
   */
  strikes?: readonly number[];
  /**
   * When choosing the expiry, the fewest calendar days to expiry accepted.
   *
   * @default {7}
   */
  minDays?: number;
  /**
   * The volatility for the probability of profit.
   *
   * @default {the ATM implied volatility of the expiry, else the mean IV of the option legs}
   */
  volatility?: number;
}

/** A strategy built from a chain and its analysis (amounts per share). */
export interface Strategy extends PayoffAnalysis {
  /** Which strategy. */
  name: StrategyName;
  /** Expiry of the option legs, `YYYY-MM-DD`. */
  expiry: string;
  /** Calendar days to expiry. */
  days: number;
  /** `days / 365`. */
  years: number;
  /** The legs; quantity 1 each (one share, or an option on one share). */
  legs: StrategyLeg[];
  /** The volatility the probability of profit used, or `null` when none was known. */
  volatility: number | null;
}

const STRIKE_COUNT: Record<StrategyName, number> = {
  covered_call: 1,
  cash_secured_put: 1,
  bull_call_spread: 2,
  bear_put_spread: 2,
  bear_call_spread: 2,
  bull_put_spread: 2,
  long_straddle: 1,
  long_strangle: 2,
  iron_condor: 4,
};

type Side = "long" | "short";
/** What a strategy needs: [side, type, strike] per option leg, plus stock for a covered call. */
type Plan = { stock: boolean; options: [Side, "C" | "P", number][] };

/** Strikes with a priced contract of one type, ascending. */
function strikesOf(e: Expiry, call: boolean): number[] {
  const set = new Set(
    e.contracts.filter((c) => c.call === call && c.price !== null).map((c) => c.strike),
  );
  return [...set].sort((a, b) => a - b);
}

/** The strike nearest `spot`; ties go to the lower strike unless `higher`. */
function nearest(strikes: number[], spot: number, higher = false): number | undefined {
  let best: number | undefined;
  for (const k of strikes) {
    const d = Math.abs(k - spot);
    const bd = best === undefined ? Infinity : Math.abs(best - spot);
    if (d < bd || (d === bd && higher)) best = k;
  }
  return best;
}

const above = (strikes: number[], x: number) => strikes.find((k) => k > x);
const below = (strikes: number[], x: number) => strikes.findLast((k) => k < x);

/** The strikes the rules choose on one expiry, in `strikes` order, or undefined if one is missing. */
function strikesByRules(name: StrategyName, e: Expiry, spot: number): number[] | undefined {
  const calls = strikesOf(e, true);
  const puts = strikesOf(e, false);
  const otmCall = above(calls, spot);
  const otmPut = below(puts, spot);
  const callAbove = (k: number | undefined) => k === undefined ? k : above(calls, k);
  const putBelow = (k: number | undefined) => k === undefined ? k : below(puts, k);
  let strikes: (number | undefined)[];
  switch (name) {
    case "covered_call":
      strikes = [otmCall];
      break;
    case "cash_secured_put":
      strikes = [otmPut];
      break;
    case "bull_call_spread": {
      const k = nearest(calls, spot);
      strikes = [k, callAbove(k)];
      break;
    }
    case "bear_put_spread": {
      const k = nearest(puts, spot, true);
      strikes = [putBelow(k), k];
      break;
    }
    case "bear_call_spread":
      strikes = [otmCall, callAbove(otmCall)];
      break;
    case "bull_put_spread":
      strikes = [putBelow(otmPut), otmPut];
      break;
    case "long_straddle":
      strikes = [nearest(calls.filter((k) => puts.includes(k)), spot)];
      break;
    case "long_strangle":
      strikes = [otmPut, otmCall];
      break;
    case "iron_condor":
      strikes = [putBelow(otmPut), otmPut, otmCall, callAbove(otmCall)];
      break;
  }
  return strikes.every((k) => k !== undefined) ? strikes as number[] : undefined;
}

/** The legs for the strikes, given in the order of `StrategyOptions.strikes`. */
function planByStrikes(name: StrategyName, k: readonly number[]): Plan {
  const [a, b, c, d] = k as [number, number, number, number];
  switch (name) {
    case "covered_call":
      return { stock: true, options: [["short", "C", a]] };
    case "cash_secured_put":
      return { stock: false, options: [["short", "P", a]] };
    case "bull_call_spread":
      return { stock: false, options: [["long", "C", a], ["short", "C", b]] };
    case "bear_put_spread":
      return { stock: false, options: [["short", "P", a], ["long", "P", b]] };
    case "bear_call_spread":
      return { stock: false, options: [["short", "C", a], ["long", "C", b]] };
    case "bull_put_spread":
      return { stock: false, options: [["long", "P", a], ["short", "P", b]] };
    case "long_straddle":
      return { stock: false, options: [["long", "P", a], ["long", "C", a]] };
    case "long_strangle":
      return { stock: false, options: [["long", "P", a], ["long", "C", b]] };
    case "iron_condor":
      return {
        stock: false,
        options: [["long", "P", a], ["short", "P", b], ["short", "C", c], ["long", "C", d]],
      };
  }
}

/** The priced contract for a leg, or undefined. */
function contractFor(e: Expiry, type: "C" | "P", strike: number): Contract | undefined {
  return e.contracts.find((c) =>
    c.call === (type === "C") && c.strike === strike && c.price !== null
  );
}

function assemble(
  chain: Chain,
  name: StrategyName,
  e: Expiry,
  plan: Plan,
  volatility: number | undefined,
): Strategy {
  const legs: StrategyLeg[] = [];
  if (plan.stock) {
    legs.push({
      type: "stock",
      side: "long",
      quantity: 1,
      strike: null,
      expiry: null,
      price: chain.spot,
      impliedVolatility: null,
    });
  }
  for (const [side, type, strike] of plan.options) {
    const c = contractFor(e, type, strike);
    if (!c) {
      throw new AnalyticsError(
        "no_contract",
        `Cannot build ${name}: no priced ${type === "C" ? "call" : "put"} at strike ${strike} ` +
          `expiring ${e.expiry}`,
        { field: "strikes", value: strike },
      );
    }
    legs.push({
      type,
      side,
      quantity: 1,
      strike,
      expiry: e.expiry,
      price: c.price!,
      impliedVolatility: c.iv,
    });
  }
  const ivs = legs.flatMap((l) => l.impliedVolatility === null ? [] : [l.impliedVolatility]);
  const sigma = volatility ?? atmOf(chain, e) ??
    (ivs.length === 0 ? null : ivs.reduce((s, v) => s + v, 0) / ivs.length);
  const analysis = analyzePayoff(legs, {
    spot: chain.spot,
    rate: chain.rate,
    dividendYield: chain.dividendYield,
    years: e.years,
    volatility: sigma,
  });
  return {
    name,
    expiry: e.expiry,
    days: e.days,
    years: e.years,
    legs,
    volatility: sigma,
    ...analysis,
  };
}

function checkOptions(name: StrategyName, options: StrategyOptions): void {
  const kind = "strategy option";
  if (!STRATEGY_NAMES.includes(name)) refuse("strategy", "name", name, STRATEGY_NAMES.join(", "));
  if (options.minDays !== undefined) {
    const d = checkNumber(kind, "minDays", options.minDays, "nonnegative");
    if (!Number.isInteger(d)) refuse(kind, "minDays", d, "a whole number of days");
  }
  if (options.volatility !== undefined) {
    checkNumber(kind, "volatility", options.volatility, "nonnegative");
  }
  const k = options.strikes;
  if (k !== undefined) {
    if (!Array.isArray(k) || k.length !== STRIKE_COUNT[name]) {
      refuse(kind, "strikes", k, `${STRIKE_COUNT[name]} strikes for ${name}`);
    }
    k.forEach((x, i) => checkNumber(kind, `strikes[${i}]`, x, "positive"));
    const strict = name !== "long_strangle";
    for (let i = 1; i < k.length; i++) {
      if (strict ? k[i]! <= k[i - 1]! : k[i]! < k[i - 1]!) {
        refuse(kind, "strikes", k, "strikes in ascending order");
      }
    }
  }
}

/**
 * Builds one strategy from the chain and analyses it held to expiry (see
 * {@linkcode analyzePayoff}). Only contracts with a price are used: the mid where bid and ask
 * are both known, else the last trade (see {@linkcode contractPrice}); stock is bought at spot.
 *
 * The expiry is `options.expiry`, else the nearest expiry at least `minDays` (7) calendar days
 * away on which the strategy can be built. The strikes are `options.strikes`, else, with
 * "OTM call" the lowest call strike above spot and "OTM put" the highest put strike below spot:
 *
 * | strategy | legs |
 * | --- | --- |
 * | `covered_call` | long stock, short the OTM call |
 * | `cash_secured_put` | short the OTM put |
 * | `bull_call_spread` | long the call nearest spot (ties: lower), short the next call strike above |
 * | `bear_put_spread` | long the put nearest spot (ties: higher), short the next put strike below |
 * | `bear_call_spread` | short the OTM call, long the next call strike above |
 * | `bull_put_spread` | short the OTM put, long the next put strike below |
 * | `long_straddle` | long call and put at the strike nearest spot listed for both (ties: lower) |
 * | `long_strangle` | long the OTM put and the OTM call |
 * | `iron_condor` | the bull put spread and the bear call spread together |
 *
 * The probability of profit uses `options.volatility`, else the ATM implied volatility of the
 * expiry (as {@linkcode atmVolatility} computes it), else the mean IV of the option legs; it is
 * `null` when none is known.
 *
 * @param chain The chain and its market.
 * @param name Which strategy.
 * @param options Expiry, strikes, minimum days and volatility.
 * @returns The legs and the analysis.
 * @throws {AnalyticsError} With code `invalid_input` naming a malformed chain field or option;
 * `no_contract` when the expiry or a strike is not available with a price.
 *
 * @example A covered call on the first OTM strike
 * ```ts
 * import { buildStrategy } from "@mds/analytics";
 * import assert from "node:assert/strict";
 *
 * const s = buildStrategy({ spot: 100, asOf: new Date("2024-01-02T15:00:00Z"), rate: 0.05,
 *   dividendYield: 0, contracts: [
 *     { expiry: "2024-02-16", type: "C", strike: 100, bid: 3.9, ask: 4.1, impliedVolatility: 0.2 },
 *     { expiry: "2024-02-16", type: "C", strike: 105, bid: 1.9, ask: 2.1, impliedVolatility: 0.2 },
 *   ] }, "covered_call");
 * assert.deepEqual(s.legs.map((l) => [l.side, l.type, l.strike]),
 *   [["long", "stock", null], ["short", "C", 105]]);
 * assert.equal(s.maxProfit, 7); // called away at 105 after paying 100 and receiving 2
 * assert.equal(s.maxLoss, 98);
 * assert.deepEqual(s.breakEvens, [98]);
 * ```
 */
export function buildStrategy(
  chain: OptionChain,
  name: StrategyName,
  options: StrategyOptions = {},
): Strategy {
  checkOptions(name, options);
  const c = checkChain(chain);
  let candidates: Expiry[];
  if (options.expiry !== undefined) {
    const e = c.expiries.find((x) => x.expiry === options.expiry);
    if (!e) {
      throw new AnalyticsError(
        "no_contract",
        `Cannot build ${name}: "expiry" is ${
          JSON.stringify(options.expiry)
        }, not a listed expiry ` +
          `that has not expired`,
        { field: "expiry", value: options.expiry },
      );
    }
    candidates = [e];
  } else {
    const minDays = options.minDays ?? 7;
    candidates = c.expiries.filter((e) => e.days >= minDays);
  }
  for (const e of candidates) {
    if (options.strikes !== undefined) {
      const plan = planByStrikes(name, options.strikes);
      if (candidates.length === 1 || plan.options.every(([, t, k]) => contractFor(e, t, k))) {
        return assemble(c, name, e, plan, options.volatility);
      }
      continue;
    }
    const strikes = strikesByRules(name, e, c.spot);
    if (strikes) return assemble(c, name, e, planByStrikes(name, strikes), options.volatility);
  }
  throw new AnalyticsError(
    "no_contract",
    `Cannot build ${name}: no ${
      options.expiry === undefined ? "expiry" : "contract on the expiry"
    } ` +
      `has the priced strikes it needs`,
    { field: options.strikes === undefined ? "contracts" : "strikes" },
  );
}

/**
 * Every strategy of {@linkcode STRATEGY_NAMES} that the chain can build by the rules of
 * {@linkcode buildStrategy}, in that order; those it cannot build are left out.
 *
 * @param chain The chain and its market.
 * @param options Expiry, minimum days and volatility, as for {@linkcode buildStrategy}.
 * @returns The strategies built.
 * @throws {AnalyticsError} With code `invalid_input` naming a malformed chain field or option.
 *
 * @example
 * ```ts
 * import { buildStrategies } from "@mds/analytics";
 * import assert from "node:assert/strict";
 *
 * const all = buildStrategies({ spot: 100, asOf: new Date("2024-01-02T15:00:00Z"), rate: 0.05,
 *   dividendYield: 0, contracts: [
 *     { expiry: "2024-02-16", type: "C", strike: 105, last: 2 },
 *     { expiry: "2024-02-16", type: "P", strike: 95, last: 1.5 },
 *   ] });
 * assert.deepEqual(all.map((s) => s.name),
 *   ["covered_call", "cash_secured_put", "long_strangle"]);
 * ```
 */
export function buildStrategies(
  chain: OptionChain,
  options: Omit<StrategyOptions, "strikes"> = {},
): Strategy[] {
  checkChain(chain);
  const built: Strategy[] = [];
  for (const name of STRATEGY_NAMES) {
    try {
      built.push(buildStrategy(chain, name, options));
    } catch (err) {
      if (!(err instanceof AnalyticsError) || err.code !== "no_contract") throw err;
    }
  }
  return built;
}
